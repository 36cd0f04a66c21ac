// keepalived.conf as lvsgen derives it: what each part comes from (the node
// order, auto_failback, the heartbeat key, the check pages), keepalived's own
// parser on every generated file (`keepalived --config-test`, Debian's
// keepalived), and the HTTP_GET digest checked against a served page with
// keepalived's genhash.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { defaultRouterId } from '../../src/derive/derive.js';
import { renderIpvsadmTable } from '../../src/render/ipvsadm-table.js';
import { bundlesOfCase, caseName, exampleWith, generateText, HICAP_VARIANT, netns, ok, PAIR, STREAMLINE_VARIANT, renderCase, requireRoot, requireTools, sh, spawnIn, tempDir, TODAY_CASES, until } from '../support/index.js';

const KA = '/etc/keepalived/keepalived.conf';
const HA = exampleWith('ha-cidr');
const fileOf = (g: ReturnType<typeof generateText>, host: string, path: string) => {
  const f = g.bundles.find((b) => b.host === host)!.files.find((x) => x.path === path.slice(1));
  assert.ok(f, `${host} has no ${path}`);
  return f;
};
const conf = (g: ReturnType<typeof generateText>, host: string) => fileOf(g, host, KA).content;

/** Every option lvsgen translates: persistence with a netmask, fallback, quiescent, weights, a local real server, udp, ping, on, none, tunnelling, virtualhost, checkport. */
const KITCHEN = `name: kitchen
defaults: { distro: debian12 }
director_backend: keepalived
hosts:
  lb: { roles: [director, real-server], interfaces: { eth0: 10.0.0.1/24, eth1: 192.168.1.1/24 } }
  web1: { roles: [real-server], interfaces: { eth0: 10.0.0.11/24 } }
  web2: { roles: [real-server], interfaces: { eth0: 10.0.0.12/24 } }
  far: { roles: [real-server], interfaces: { eth0: 172.16.0.5/24 } }
ldirectord: { checktimeout: 3, negotiatetimeout: 7, checkinterval: 5, quiescent: true, fallback: 127.0.0.1:80 }
virtual_services:
  - virtual: 10.0.0.100:80
    scheduler: wlc
    persistent: 300
    netmask: 255.255.255.0
    forward: gate
    check: { type: negotiate, service: http, request: /health/check.html, receive: OK, virtualhost: www.example.com, port: 8080, timeout: 4 }
    real_servers: [web1, { host: web2, weight: 0 }, { host: lb, weight: 2 }]
  - virtual: 10.0.0.100:443
    forward: gate
    check: { type: negotiate, request: health/check.html, receive: TLS OK }
    real_servers: [web1, web2]
  - virtual: 10.0.0.100:53
    protocol: udp
    scheduler: sh
    forward: gate
    check: { type: ping }
    real_servers: [web1, web2]
  - virtual: 10.0.0.100:25
    forward: ipip
    check: { type: "on" }
    real_servers: [far]
  - virtual: 10.0.0.100:8443
    scheduler: mh
    forward: gate
    check: { type: negotiate, service: none }
    real_servers: [web1]
`;

test('VRRP from the heartbeat pair: priorities from the node order, nopreempt from auto_failback off, advert_int from keepalive, the floating address on its device', () => {
  const g = generateText(HA, 'debian12');
  const n1 = conf(g, 'node1');
  const n2 = conf(g, 'node2');
  for (const [c, prio] of [[n1, 150], [n2, 100]] as const) {
    assert.match(c, new RegExp(`^\\tpriority ${prio}$`, 'm'));
    assert.match(c, /^\tstate BACKUP$/m);
    assert.match(c, /^\tnopreempt$/m);
    assert.match(c, /^\tadvert_int 2$/m);
    assert.match(c, /^\tinterface eth0$/m);
    assert.match(c, /^\t\t192\.168\.6\.240\/24 dev eth0$/m);
    assert.match(c, new RegExp(`^\\tvirtual_router_id ${defaultRouterId('ha-cidr')}$`, 'm'));
    assert.doesNotMatch(c, /virtual_server/);
  }
  // The router and the loopback stay as they are: the router has no keepalived.conf.
  assert.ok(!g.bundles.find((b) => b.host === 'router')!.files.some((f) => f.path === KA.slice(1)));

  const back = conf(generateText(HA.replace('heartbeat:', 'heartbeat:\n  auto_failback: true\n  virtual_router_id: 77'), 'debian12'), 'node1');
  assert.match(back, /^\tstate MASTER$/m);
  assert.doesNotMatch(back, /nopreempt/);
  assert.match(back, /^\tvirtual_router_id 77$/m);
  assert.equal(defaultRouterId('ha-cidr'), defaultRouterId('ha-cidr'));
  assert.ok(defaultRouterId('ha-cidr') >= 1 && defaultRouterId('ha-cidr') <= 255);
});

test('the VRRP password is the heartbeat key\'s first 8 characters: the file is a secret (0600, no checksum), the key is nowhere else, crc means no authentication', () => {
  const g = generateText(HA, 'rhel9');
  const f = fileOf(g, 'node1', KA);
  assert.match(f.content, /^\t\tauth_pass "example-"$/m);
  assert.equal(f.mode, 0o600);
  assert.equal(f.secret, true);
  assert.ok(g.model.secrets.includes('example-'), 'the 8 characters are masked like the key');
  for (const b of g.bundles) {
    for (const x of b.files) if (x.path !== KA.slice(1)) assert.ok(!x.content.includes('example-'), `${b.host}/${x.path} shows the VRRP password`);
  }
  assert.match(fileOf(g, 'node1', '/.lvsgen/manifest').content, /^0600 - \/etc\/keepalived\/keepalived\.conf$/m);
  const crc = conf(generateText(HA.replace('auth: { method: sha1, key: example-only-change-me }', 'auth: { method: crc }'), 'debian12'), 'node1');
  assert.doesNotMatch(crc, /authentication|auth_pass/);
});

test('virtual servers follow ldirectord.cf: scheduler, NAT, persistence, quiescent, checks as TCP_CHECK and HTTP_GET/SSL_GET with the check page\'s MD5', () => {
  const g = bundlesOfCase(TODAY_CASES.find((c) => c.example === 'lb-nat' && c.tree === 'rhel9')!);
  const c = conf(g, 'director');
  const page = fileOf(g, 'real1', '/var/www/html/ldirector.html').content;
  const md5 = createHash('md5').update(page).digest('hex');
  assert.match(c, /virtual_server 10\.1\.3\.61 21 \{\n\tdelay_loop 2\n\tlb_algo rr\n\tlb_kind NAT\n\tpersistence_timeout 600\n\tprotocol TCP\n\tinhibit_on_failure\n/);
  assert.match(c, /real_server 192\.168\.6\.4 21 \{\n\t\tweight 1\n\t\tTCP_CHECK \{\n\t\t\tconnect_timeout 10\n/);
  assert.match(c, new RegExp(`real_server 192\\.168\\.6\\.5 80 \\{\\n\\t\\tweight 1\\n\\t\\tHTTP_GET \\{\\n\\t\\t\\turl \\{\\n\\t\\t\\t\\tpath /ldirector\\.html\\n\\t\\t\\t\\tdigest ${md5}\\n`));
  assert.match(c, new RegExp(`real_server 192\\.168\\.6\\.4 443 \\{\\n\\t\\tweight 1\\n\\t\\tSSL_GET \\{\\n\\t\\t\\turl \\{\\n\\t\\t\\t\\tpath /ldirector\\.html\\n\\t\\t\\t\\tdigest ${md5}\\n`));
  assert.doesNotMatch(c, /vrrp_instance/, 'one director: no VRRP');
  // No ldirectord files with the keepalived backend.
  assert.ok(!g.bundles.some((b) => b.files.some((f) => f.path.startsWith('etc/ha.d/'))));
});

test('a director pair: keepalived carries both the virtual servers and the floating virtual address (no static alias), real servers hold it on lo without ARP', () => {
  const g = generateText(PAIR, 'debian12');
  for (const d of ['dir1', 'dir2']) {
    const c = conf(g, d);
    assert.match(c, /vrrp_instance ha-lb \{/);
    assert.match(c, /^\t\t10\.1\.3\.61\/24 dev eth0$/m);
    assert.match(c, /virtual_server 10\.1\.3\.61 80 \{[^]*lb_kind DR/);
    assert.doesNotMatch(fileOf(g, d, '/etc/network/interfaces.d/eth0').content, /10\.1\.3\.61/, `${d}: the VIP is VRRP's, not an alias`);
  }
  assert.match(conf(g, 'dir1'), /^\tpriority 150$/m);
  assert.match(conf(g, 'dir2'), /^\tpriority 100$/m);
  for (const r of ['rs1', 'rs2']) {
    assert.match(fileOf(g, r, '/etc/network/interfaces.d/lo').content, /address 10\.1\.3\.61\/32/);
    assert.match(fileOf(g, r, '/etc/sysctl.d/90-lvsgen.conf').content, /^net\.ipv4\.conf\.all\.arp_ignore = 1$/m);
  }
});

test('lvsgen ipvsadm predicts the same kernel table whichever backend fills it (NAT, direct routing, tunnelling, a local real server, persistence masks)', () => {
  const table = (text: string) => {
    const g = generateText(text, 'debian12');
    return g.model.hosts.filter((h) => h.roles.director).map((h) => renderIpvsadmTable(h)).join('');
  };
  for (const [name, text] of [['lb-nat', exampleWith('lb-nat')], ['kitchen', KITCHEN.replace('director_backend: keepalived\n', '')]] as const) {
    const ldirectord = table(text);
    assert.match(ldirectord, /^TCP {2}/m, name);
    assert.equal(table(`${text}\ndirector_backend: keepalived\n`), ldirectord, name);
  }
  // the director itself as its real server: today's kernels keep the forwarding method (ipvsadm-table.ts)
  assert.match(table(KITCHEN), /persistent 300 mask 255\.255\.255\.0\n {2}-> 10\.0\.0\.1:80 +Route +2 /);
});

/** Every keepalived.conf the cases, the director pair and the kitchen sink produce, written to a temp dir. */
function allConfigs(t: TestContext): Array<{ name: string; file: string }> {
  const dir = tempDir(t, 'lvsgen-keepalived-');
  const out: Array<{ name: string; file: string }> = [];
  const add = (name: string, g: ReturnType<typeof generateText>) => {
    for (const b of g.bundles) {
      const f = b.files.find((x) => x.path === KA.slice(1));
      if (!f) continue;
      const file = join(dir, `${name.replace(/\W+/g, '_')}_${b.host}.conf`);
      writeFileSync(file, f.content);
      out.push({ name: `${name}/${b.host}`, file });
    }
  };
  for (const c of TODAY_CASES) add(caseName(c), bundlesOfCase(c));
  for (const d of ['debian12', 'rhel9']) {
    add(`pair/${d}`, generateText(PAIR, d));
    add(`kitchen/${d}`, generateText(KITCHEN, d));
    add(`streamline-variant/${d}`, generateText(STREAMLINE_VARIANT, d));
    add(`hicap-variant/${d}`, generateText(HICAP_VARIANT, d));
  }
  return out;
}

test('keepalived --config-test accepts every generated keepalived.conf without a warning; a broken copy is refused', (t) => {
  if (!requireRoot(t) || !requireTools(t, 'keepalived', 'ip')) return;
  const files = allConfigs(t);
  // keepalived checks that each interface it names exists: the configs' eth0, ens3 and
  // eth1 (ha-lb's server network) exist in a scratch namespace, whatever the test machine has.
  const ns = netns(t, 'lvk');
  for (const dev of ['eth0', 'eth1', 'ens3']) ns.veth(dev);
  assert.deepEqual(
    [...new Set(files.map((f) => f.name.split('/').slice(0, 2).join('/')))].sort(),
    ['fwmark/rhel9', 'ha-cidr/debian12', 'ha-cidr/rhel9', 'ha-lb-ipv6/debian12', 'ha-lb-ipv6/rhel9', 'ha-lb/debian12', 'ha-lb/rhel9', 'hicap-variant/debian12', 'hicap-variant/rhel9', 'high-capacity/debian12', 'high-capacity/rhel9', 'kitchen/debian12', 'kitchen/rhel9', 'lb-ipv6/rhel9', 'lb-nat/debian12-keepalived', 'lb-nat/rhel9', 'lb-tun/rhel9', 'pair/debian12', 'pair/rhel9', 'streamline-variant/debian12', 'streamline-variant/rhel9', 'streamline/debian12', 'streamline/rhel9'],
    'which bundles hold a keepalived.conf',
  );
  const check = (file: string) => {
    const log = `${file}.log`;
    writeFileSync(log, '');
    const r = ns.exec('keepalived', [`--config-test=${log}`, '-f', file]);
    return { status: r.status, log: readFileSync(log, 'utf8') + r.stdout + r.stderr };
  };
  for (const f of files) {
    const r = check(f.file);
    assert.equal(r.status, 0, `${f.name}: keepalived --config-test exited ${r.status}:\n${r.log}`);
    assert.equal(r.log.trim(), '', `${f.name}: keepalived --config-test printed:\n${r.log}`);
  }
  // Negative controls: the checker does catch a bad method, and a password longer than VRRP carries.
  const kitchen = files.find((f) => f.name === 'kitchen/debian12/lb')!;
  writeFileSync(`${kitchen.file}.bad`, readFileSync(kitchen.file, 'utf8').replace('lb_kind DR', 'lb_kind ROUTE'));
  assert.notEqual(check(`${kitchen.file}.bad`).status, 0);
  const node = files.find((f) => f.name === 'ha-cidr/debian12/node1')!;
  writeFileSync(`${node.file}.bad`, readFileSync(node.file, 'utf8').replace('auth_pass "example-"', 'auth_pass "example-only"'));
  const long = check(`${node.file}.bad`);
  assert.notEqual(long.status, 0);
  assert.match(long.log, /Truncating auth_pass to 8 characters/);
});

test('the kitchen sink translates every option: persistence_granularity, sorry_server, inhibit_on_failure, weights, udp, PING_CHECK, no checker for on/none, TUN, virtualhost, connect_port, per-check timeouts', () => {
  const c = conf(generateText(KITCHEN, 'debian12'), 'lb');
  const vs = (port: number) => new RegExp(`virtual_server 10\\.0\\.0\\.100 ${port} \\{([^]*?)\\n\\}`).exec(c)![1]!;
  assert.match(vs(80), /\tdelay_loop 5\n\tlb_algo wlc\n\tlb_kind DR\n\tpersistence_timeout 300\n\tpersistence_granularity 255\.255\.255\.0\n\tprotocol TCP\n\tinhibit_on_failure\n\tsorry_server 127\.0\.0\.1 80\n\tsorry_server_lvs_method DR\n/);
  assert.doesNotMatch(vs(443), /sorry_server/, 'the default (port 80) fits only services on port 80 (test/distros/sorry-server.test.ts)');
  assert.match(vs(80), /real_server 10\.0\.0\.1 80 \{\n\t\tweight 2\n/);
  assert.match(vs(80), /real_server 10\.0\.0\.12 80 \{\n\t\tweight 0\n/);
  assert.match(vs(80), /path \/health\/check\.html\n\t\t\t\tdigest [0-9a-f]{32}\n\t\t\t\tvirtualhost www\.example\.com\n\t\t\t\}\n\t\t\tconnect_port 8080\n\t\t\tconnect_timeout 7\n/);
  assert.match(vs(443), /SSL_GET/);
  assert.match(vs(53), /protocol UDP/);
  assert.match(vs(53), /PING_CHECK \{\n\t\t\tconnect_timeout 3\n/);
  assert.match(vs(25), /lb_kind TUN/);
  assert.doesNotMatch(vs(25), /_CHECK|_GET/);
  assert.doesNotMatch(vs(8443), /_CHECK|_GET/);
});

test('genhash (keepalived\'s own digest tool) fetching each real server\'s check page prints the digest keepalived.conf expects; a changed page does not', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'genhash', 'busybox', 'ip')) return;
  for (const c of TODAY_CASES.filter((x) => x.backend === 'keepalived')) {
    const r = await renderCase(t, c);
    const digests = [...r.read('director', KA).matchAll(/digest ([0-9a-f]{32})/g)].map((m) => m[1]);
    assert.ok(digests.length > 0);
    for (const host of ['real1', 'real2']) {
      const ns = netns(t, 'lvg');
      const root = join(tempDir(t, 'lvsgen-www-'), 'www');
      mkdirSync(root);
      cpSync(r.file(host, '/var/www/html'), root, { recursive: true });
      chmodSync(root, 0o755);
      spawnIn(t, ns, 'busybox', ['httpd', '-f', '-p', '127.0.0.1:80', '-h', root]);
      const hash = () => ns.exec('genhash', ['-s', '127.0.0.1', '-p', '80', '-u', '/ldirector.html']);
      await until(`httpd in ${ns.name}`, () => hash().status === 0, 30_000);
      const got = /([0-9a-f]{32})/.exec(ok(hash(), 'genhash').stdout)?.[1];
      for (const d of digests) assert.equal(got, d, `${caseName(c)}/${host}: genhash ${got}, keepalived.conf ${d}`);
      writeFileSync(join(root, 'ldirector.html'), 'Test Page changed\n');
      assert.notEqual(/([0-9a-f]{32})/.exec(ok(hash(), 'genhash').stdout)?.[1], digests[0]);
    }
  }
});
