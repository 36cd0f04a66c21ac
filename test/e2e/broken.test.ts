// The proof must fail when a generated file is broken: each case renders fresh
// bundles, breaks one generated file the way a bad template would, runs the
// tier-1 proof on it and expects exactly the checks that depend on that file
// to fail, while the checks that do not still pass.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requireRoot, requireTools } from '../helpers.js';
import { DISTRO_TOOLS, E2E, nsPrefix, parseResult, predictTable, render, runBounded, TIER1_TOOLS, wiring, workDir, writeFile } from './e2e-helpers.js';

interface Case {
  title: string;
  example: string;
  distro: string;
  file: string; // host/path in the bundle
  edit: (text: string) => string;
  also?: string[]; // more files that get the same edit
  phases: string;
  mustFail: string[]; // check-name prefixes
  mustPass: string[];
}

const dropLines = (re: RegExp) => (text: string) => {
  const out = text.split('\n').filter((l) => !re.test(l)).join('\n');
  assert.notEqual(out, text, `nothing matched ${re} (the generated file changed: update this test)`);
  return out;
};
const replace = (from: RegExp, to: string) => (text: string) => {
  const out = text.replace(from, to);
  assert.notEqual(out, text, `nothing matched ${from} (the generated file changed: update this test)`);
  return out;
};

const CASES: Case[] = [
  {
    title: 'lb-nat/debian: the director\'s interfaces file without its masquerade line',
    example: 'lb-nat', distro: 'debian',
    file: 'director/etc/network/interfaces',
    edit: dropLines(/^\s*up iptables .*MASQUERADE/),
    phases: 'net,traffic',
    mustFail: ['iptables -t nat -L -n on director: MASQUERADE', 'the outside sees director\'s address 10.1.3.1 for real1'],
    mustPass: ['install.sh on director', 'ip route show 0/0 on real1', 'client gets real1\'s check page'],
  },
  {
    title: 'lb-nat/redhat: /etc/sysconfig/iptables without the MASQUERADE rule',
    example: 'lb-nat', distro: 'redhat',
    file: 'director/etc/sysconfig/iptables',
    edit: dropLines(/^-A POSTROUTING .*MASQUERADE/),
    phases: 'net',
    mustFail: ['iptables -t nat -L -n on director: MASQUERADE'],
    mustPass: ['install.sh on director', 'ip route show 0/0 on real2', 'net.ipv4.ip_forward = 1 on director'],
  },
  {
    title: 'lb-nat/redhat: a real server\'s ifcfg-eth0 with the wrong GATEWAY',
    example: 'lb-nat', distro: 'redhat',
    file: 'real1/etc/sysconfig/network-scripts/ifcfg-eth0',
    edit: replace(/^GATEWAY=.*$/m, 'GATEWAY=192.168.6.254'),
    phases: 'net',
    mustFail: ['ip route show 0/0 on real1', 'install.sh --verify on real1'],
    mustPass: ['ip route show 0/0 on real2', 'install.sh --verify on real2'],
  },
  {
    title: 'lb-nat/redhat: ldirectord.cf with another scheduler for port 80',
    example: 'lb-nat', distro: 'redhat',
    file: 'director/etc/ha.d/ldirectord.cf',
    edit: (text) => {
      const i = text.indexOf('virtual=10.1.3.61:80');
      assert.ok(i >= 0, 'no virtual=10.1.3.61:80 block');
      return text.slice(0, i) + replace(/scheduler=rr/, 'scheduler=wlc')(text.slice(i));
    },
    phases: 'ldirectord',
    mustFail: ['ldirectord\'s table equals the seed\'s', 'ldirectord\'s table equals lvsgen ipvsadm\'s prediction'],
    mustPass: ['ldirectord runs after install.sh on director', 'ldirectord ran ipvsadm -A -t 10.1.3.61:21 -s rr -p 600'],
  },
  {
    title: 'ha-cidr/debian: the router\'s interfaces file without its route to the virtual network',
    example: 'ha-cidr', distro: 'debian',
    file: 'router/etc/network/interfaces',
    edit: dropLines(/^\s*(up|pre-down) ip route .*192\.168\.0\.0/),
    phases: 'net',
    mustFail: ['ip route list 192.168.0.0/24 on router'],
    mustPass: ['install.sh on router', 'lo:0 holds 192.168.0.0/24 on node1', 'ip route show 0/0 on node2'],
  },
  {
    title: 'ha-cidr/redhat: ha.cf on both nodes with auto_failback on',
    example: 'ha-cidr', distro: 'redhat',
    file: 'node1/etc/ha.d/ha.cf',
    edit: replace(/^auto_failback off$/m, 'auto_failback on'),
    also: ['node2/etc/ha.d/ha.cf'],
    phases: 'heartbeat',
    mustFail: ['auto_failback off: node1 rejoins'],
    mustPass: ['floating address 192.168.6.240 on node1', 'heartbeat stopped on node1: 192.168.6.240 moves to node2'],
  },
  {
    title: 'lb-nat/debian12: the director\'s nftables.conf without its masquerade rule',
    example: 'lb-nat', distro: 'debian12',
    file: 'director/etc/nftables.conf',
    edit: dropLines(/^\s*ip saddr \S+ masquerade$/),
    phases: 'net,traffic',
    mustFail: ['nft list table ip lvsgen on director: ip saddr 192.168.6.0/24 masquerade', 'the outside sees director\'s address 10.1.3.1 for real1'],
    mustPass: ['install.sh on director', 'nftables.service is active on director', 'ip route show 0/0 on real1', 'client gets real1\'s check page'],
  },
  {
    title: 'ha-cidr/debian12: keepalived.conf on both nodes without nopreempt (auto_failback on)',
    example: 'ha-cidr', distro: 'debian12',
    file: 'node1/etc/keepalived/keepalived.conf',
    edit: dropLines(/^\s*nopreempt$/),
    also: ['node2/etc/keepalived/keepalived.conf'],
    phases: 'vrrp',
    mustFail: ['auto_failback off: node1 rejoins'],
    mustPass: ['floating address 192.168.6.240 on node1', 'keepalived stopped on node1: 192.168.6.240 moves to node2', 'negative control: keepalived stopped on both nodes'],
  },
];

// Independent clusters: the cases run side by side.
describe('a broken generated file fails the proof', { concurrency: true }, () => {
for (const c of CASES) {
  it(c.title, { timeout: 200_000 }, async (t) => {
    if (!requireRoot(t) || !requireTools(t, ...TIER1_TOOLS, ...(DISTRO_TOOLS[c.distro] ?? []))) return;
    const dir = workDir(t, `lvsgen-e2e-broken-`);
    const bundles = join(dir, 'bundles');
    render(c.example, c.distro, bundles);
    for (const f of [c.file, ...(c.also ?? [])]) {
      const path = join(bundles, f);
      writeFileSync(path, c.edit(readFileSync(path, 'utf8')));
    }
    const out = join(dir, 'out');
    mkdirSync(out);
    const wiringFile = writeFile(join(dir, 'wiring'), wiring(c.example, c.distro));
    if (c.example === 'lb-nat') writeFile(join(out, 'prediction'), predictTable(c.example));
    const prefix = nsPrefix();
    const ran = await runBounded(t, join(E2E, 'tier1.sh'), [c.example, c.distro, bundles, wiringFile, out], 180_000, { E2E_PHASES: c.phases, E2E_PREFIX: prefix, TMPDIR: dir }, prefix);
    t.diagnostic(`tier1.sh (${c.phases}): ${(ran.ms / 1000).toFixed(1)} s, exit ${ran.status}`);
    const lines = parseResult(readFileSync(join(out, 'result'), 'utf8'));
    const tail = ran.output.split('\n').slice(-30).join('\n');
    assert.ok(!ran.timedOut, `timed out\n${tail}`);
    assert.equal(ran.status, 1, `the proof must fail (exit 1), got ${ran.status}\n${tail}`);
    assert.ok(lines.some((l) => l.kind === 'RESULT' && l.name === 'FAIL'), 'RESULT FAIL');
    const find = (prefix: string) => lines.filter((l) => (l.kind === 'PASS' || l.kind === 'FAIL') && l.name.startsWith(prefix));
    for (const p of c.mustFail) {
      const got = find(p);
      assert.ok(got.length > 0, `no check named ${p}`);
      assert.ok(got.every((l) => l.kind === 'FAIL'), `${p} must fail: ${JSON.stringify(got)}`);
    }
    for (const p of c.mustPass) {
      const got = find(p);
      assert.ok(got.length > 0, `no check named ${p}`);
      assert.ok(got.every((l) => l.kind === 'PASS'), `${p} must still pass: ${JSON.stringify(got)}`);
    }
  });
}
});
