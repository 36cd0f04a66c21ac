// The nftables rulesets of today's distros: `nft -c -f` accepts each one, it
// applies in a scratch namespace (twice: only lvsgen's table, one rule), and
// on lb-nat/debian12 it does the seeds' job for real: with the director's and
// a real server's interfaces up from the bundle (ifupdown drop-ins) and the
// sysctl drop-in applied, the real server reaches a client on the external
// network, which sees the director's address. Without the ruleset, it cannot.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { caseName, ifupAll, interfacesOf, link, netns, ok, renderCase, requireRoot, requireTools, sh, spawnIn, tempDir, TODAY_CASES, until } from '../support/index.js';

// lvsgen's own table, included from the file nftables.service loads (installer-coexist.test.ts shows that merge).
const RULESET: Record<string, string> = { debian12: '/etc/nftables.d/lvsgen.nft', rhel9: '/etc/nftables/lvsgen.nft' };

test('every nftables ruleset passes nft -c -f, applies in a scratch namespace, and applies again to the same single rule', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'nft', 'ip')) return;
  const seen: string[] = [];
  for (const c of TODAY_CASES) {
    // The NAT directors: seed 000's, and both of ha-lb's pair.
    const directors = c.example === 'lb-nat' ? ['director'] : c.example === 'ha-lb' ? ['lvs1', 'lvs2'] : [];
    if (directors.length === 0) continue;
    const r = await renderCase(t, c);
    for (const d of directors) {
      const file = r.file(d, RULESET[c.distro]!);
      seen.push(`${caseName(c)}/${d}`);
      ok(sh('nft', ['-c', '-f', file]), `${caseName(c)}: nft -c -f`);
      const ns = netns(t, 'lvn');
      ok(ns.exec('nft', ['-f', file]), `${caseName(c)}: nft -f`);
      ok(ns.exec('nft', ['-f', file]), `${caseName(c)}: nft -f again`);
      const listed = ok(ns.exec('nft', ['list', 'ruleset']), 'nft list ruleset').stdout;
      assert.match(listed, /^table ip lvsgen \{$/m);
      assert.equal(listed.match(/^table /gm)?.length, 1, `only lvsgen's table:\n${listed}`);
      assert.equal(listed.match(/ip saddr 192\.168\.6\.0\/24 masquerade/g)?.length, 1, `one masquerading rule after two loads:\n${listed}`);
      assert.match(listed, /type nat hook postrouting priority srcnat; policy accept;/);
    }
  }
  assert.deepEqual(seen, ['lb-nat/debian12/director', 'lb-nat/debian12-keepalived/director', 'lb-nat/rhel9/director', 'ha-lb/debian12/lvs1', 'ha-lb/debian12/lvs2', 'ha-lb/rhel9/lvs1', 'ha-lb/rhel9/lvs2']);
  // Negative control: the checker refuses a broken rule.
  const bad = join(tempDir(t, 'lvsgen-nft-'), 'bad.nft');
  writeFileSync(bad, 'table ip lvsgen {\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat;\n\t\tip saddr 192.168.6.0/33 masquerade\n\t}\n}\n');
  assert.notEqual(sh('nft', ['-c', '-f', bad]).status, 0);
});

for (const tree of ['debian12', 'debian12-keepalived']) {
  test(`lb-nat/${tree} in namespaces: the director masquerades the server network with the bundle's nftables.conf, interfaces and sysctl drop-in`, async (t) => {
    if (!requireRoot(t) || !requireTools(t, 'nft', 'ip', 'ifup', 'busybox', 'curl', 'sysctl')) return;
    const c = TODAY_CASES.find((x) => x.example === 'lb-nat' && x.tree === tree)!;
    const r = await renderCase(t, c);
    const work = tempDir(t, 'lvsgen-nat-');
    const client = netns(t, 'lvc');
    const director = netns(t, 'lvd');
    const real1 = netns(t, 'lvr');
    link(client, 'eth0', director, 'eth0');
    link(director, 'eth1', real1, 'eth0');
    for (const [h, ns] of [['director', director], ['real1', real1]] as const) {
      const state = join(work, `${h}-state`);
      mkdirSync(state);
      ifupAll(ns, interfacesOf(r, h, work), state);
    }
    // The director: its addresses, the VIP alias, forwarding from the sysctl drop-in.
    const addrs = ok(director.ip('-4', '-o', 'addr', 'show'), 'addr').stdout;
    for (const a of ['10.1.3.1/24', '10.1.3.61/24', '192.168.6.1/24']) assert.ok(addrs.includes(`inet ${a}`), `director has ${a}:\n${addrs}`);
    assert.match(addrs, /inet 10\.1\.3\.61\/24 .*eth0:0/);
    // Without IPVS in this kernel the persistent service's net.ipv4.vs.* keys do
    // not exist: the rest is applied (test/distros/static.test.ts says the same;
    // the VM tier sets them for real).
    const sysctlText = readFileSync(r.file('director', '/etc/sysctl.d/90-lvsgen.conf'), 'utf8');
    const applied = existsSync('/proc/sys/net/ipv4/vs') ? sysctlText : sysctlText.replace(/^net\.ipv4\.vs\..*\n/gm, '');
    const sysctlFile = join(tempDir(t), 'sysctl.conf');
    writeFileSync(sysctlFile, applied);
    ok(director.exec('sysctl', ['-p', sysctlFile]), 'sysctl -p');
    assert.equal(director.exec('sysctl', ['-n', 'net.ipv4.ip_forward']).stdout.trim(), '1');
    assert.match(ok(real1.ip('route', 'show', '0/0'), 'route').stdout, /^default via 192\.168\.6\.1 dev eth0/m, 'the seed\'s check on a real server');

    // A client on the external network that reports who called (busybox httpd CGI).
    ok(client.ip('addr', 'add', '10.1.3.100/24', 'dev', 'eth0'), 'client address');
    const www = join(work, 'www');
    mkdirSync(join(www, 'cgi-bin'), { recursive: true });
    writeFileSync(join(www, 'cgi-bin', 'who'), '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s\\n" "$REMOTE_ADDR"\n');
    chmodSync(join(www, 'cgi-bin', 'who'), 0o755);
    chmodSync(www, 0o755);
    spawnIn(t, client, 'busybox', ['httpd', '-f', '-p', '0.0.0.0:8080', '-h', www]);
    await until('the client\'s httpd', () => client.exec('curl', ['-s', '-m', '5', 'http://127.0.0.1:8080/cgi-bin/who']).status === 0, 30_000);
    const who = (seconds: number) => real1.exec('curl', ['-s', '-m', String(seconds), 'http://10.1.3.100:8080/cgi-bin/who']);

    assert.notEqual(who(3).status, 0, 'negative control: without masquerading the client cannot answer 192.168.6.4');
    ok(director.exec('nft', ['-f', r.file('director', RULESET.debian12!)]), `nft -f ${RULESET.debian12}`);
    assert.equal(ok(who(20), 'curl through the director').stdout.trim(), '10.1.3.1', 'the client sees the director\'s address');
    assert.match(ok(director.exec('nft', ['list', 'table', 'ip', 'lvsgen']), 'nft list').stdout, /ip saddr 192\.168\.6\.0\/24 masquerade/, 'the verify step\'s expectation');
  });
}
