// Negative controls for the lab: each case renders fresh bundles, breaks one
// generated file the way a bad template would, runs `lvsgen lab --bundles` on
// them and expects exactly the checks that depend on that file to fail (the
// set of failed checks is compared whole), while the rest still pass.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { example, sh, tempDir } from '../support/index.js';
import { labAvailable, labPlan, LVSGEN, runLab } from './lab-run.js';

interface Case {
  title: string;
  example: string;
  distro: string;
  file: string; // host/path in the bundle
  edit: (text: string) => string;
  also?: string[]; // more files that get the same edit
  /** The ids of the checks that must fail (a check with parts: its id before ": "), exactly. */
  fail: string[];
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
const DOWN = ['21', '80', '443'].flatMap((p) => ['real1', 'real2'].map((h) => `down.director.tcp.10.1.3.61.${p}.${h}`));

const CASES: Case[] = [
  {
    title: 'lb-nat/debian: the director\'s interfaces file without its masquerade line',
    example: 'lb-nat', distro: 'debian',
    file: 'director/etc/network/interfaces',
    edit: dropLines(/^\s*up iptables .*MASQUERADE/),
    fail: ['masq.director.192.168.6.0/24', 'verify.director'],
  },
  {
    title: 'lb-nat/redhat: /etc/sysconfig/iptables (and iptables-lvsgen, which the installer loads live) without the MASQUERADE rule',
    example: 'lb-nat', distro: 'redhat',
    file: 'director/etc/sysconfig/iptables',
    edit: dropLines(/^-A LVSGEN-POSTROUTING .*MASQUERADE/),
    also: ['director/etc/sysconfig/iptables-lvsgen'],
    fail: ['masq.director.192.168.6.0/24', 'verify.director'],
  },
  {
    title: 'lb-nat/redhat: a real server\'s ifcfg-eth0 with the wrong GATEWAY',
    example: 'lb-nat', distro: 'redhat',
    file: 'real1/etc/sysconfig/network-scripts/ifcfg-eth0',
    edit: replace(/^GATEWAY=.*$/m, 'GATEWAY=192.168.6.254'),
    // real1 is the one that reaches the outside through the director
    fail: ['gw.real1', 'verify.real1', 'masq.director.192.168.6.0/24'],
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
    // a stopped real server and a configuration change are only tried on the predicted table
    fail: ['table.director', ...DOWN, 'reload.director', 'verify.director'],
  },
  {
    // Reload, not restart (docs/installer.md): a plan that restarts ldirectord
    // where it reloads it. Its first install starts it as before; the lab's
    // configuration change then stops it (every virtual service deleted) and
    // starts it again, which the samples of the table during the install see
    title: 'lb-nat/debian: the director\'s installer plan restarts ldirectord where it reloads it',
    example: 'lb-nat', distro: 'debian',
    file: 'director/.lvsgen/plan',
    edit: replace(/^reload ldirectord must \/etc\/init\.d\/ldirectord reload$/m, 'reload ldirectord must /etc/init.d/ldirectord restart'),
    fail: ['reload.director'],
  },
  {
    title: 'ha-cidr/debian: the router\'s interfaces file without its route to the virtual network',
    example: 'ha-cidr', distro: 'debian',
    file: 'router/etc/network/interfaces',
    edit: dropLines(/^\s*(up|pre-down) ip route .*192\.168\.0\.0/),
    fail: ['route.router.192.168.0.0/24', 'verify.router',
      'ha.answer.node1.192.168.0.1', 'ha.answer.node1.192.168.0.254', 'ha.answer.node2.192.168.0.1', 'ha.answer.node2.192.168.0.254'],
  },
  {
    title: 'ha-cidr/redhat: ha.cf on both nodes with auto_failback on',
    example: 'ha-cidr', distro: 'redhat',
    file: 'node1/etc/ha.d/ha.cf',
    edit: replace(/^auto_failback off$/m, 'auto_failback on'),
    also: ['node2/etc/ha.d/ha.cf'],
    fail: ['ha.failback'],
  },
  {
    title: 'lb-nat/debian12: the director\'s nftables table (lvsgen.nft) without its masquerade rule',
    example: 'lb-nat', distro: 'debian12',
    file: 'director/etc/nftables.d/lvsgen.nft',
    edit: dropLines(/^\s*ip saddr \S+ masquerade$/),
    fail: ['masq.director.192.168.6.0/24', 'verify.director'],
  },
  {
    title: 'ha-cidr/debian12: keepalived.conf on both nodes without nopreempt (auto_failback on)',
    example: 'ha-cidr', distro: 'debian12',
    file: 'node1/etc/keepalived/keepalived.conf',
    edit: dropLines(/^\s*nopreempt$/),
    also: ['node2/etc/keepalived/keepalived.conf'],
    fail: ['ha.failback'],
  },
  {
    // the marks' stanza (lo:N, inet manual) without its rules: the traffic
    // through the marked services needs IPVS (not run here), the installer's
    // own check of the mangle table does not
    title: 'fwmark/debian: the director\'s interfaces file without its mangle rules',
    example: 'fwmark', distro: 'debian',
    file: 'director/etc/network/interfaces',
    edit: dropLines(/^\s*(up|down) iptables -t mangle /),
    fail: ['verify.director'],
  },
  {
    // IPv6: the virtual address written wrong (::62 for ::61) on the director
    title: 'lb-ipv6/debian: the director\'s interfaces file with a corrupted IPv6 virtual address',
    example: 'lb-ipv6', distro: 'debian',
    file: 'director/etc/network/interfaces',
    edit: replace(/(ip -6 addr (?:add|del) 2001:db8:3::)61\//g, '$162/'),
    // its address on eth0, the clients' ping of it, the installer's own check;
    // ldirectord's table and checks of the real servers do not depend on it
    fail: ['addr6.director.eth0.2001:db8:3::61', 'ping.2001:db8:3::61', 'verify.director'],
  },
  {
    // NetworkManager activates another profile on the device than lvsgen's
    // (here its own, renamed, with every address right): the addresses, routes
    // and the cluster all pass; only the check of the active profile fails
    title: 'ha-cidr/rhel9: the router\'s eth1 profile activated under another name than lvsgen-eth1',
    example: 'ha-cidr', distro: 'rhel9',
    file: 'router/etc/NetworkManager/system-connections/lvsgen-eth1.nmconnection',
    edit: replace(/^(id=|run network must \/usr\/bin\/nmcli connection up )lvsgen-eth1$/gm, '$1lvsgen-eth1x'),
    also: ['router/.lvsgen/plan'],
    fail: ['nm.router.eth1'],
  },
];

// Independent labs: four side by side (twelve: three rounds of 4).
describe('a broken generated file fails exactly the checks that depend on it', { concurrency: 4 }, () => {
  for (const c of CASES) {
    it(c.title, { timeout: 900_000 }, async (t) => {
      const plan = labPlan(readFileSync(example(c.example), 'utf8'), c.distro);
      if (!labAvailable(t, plan)) return;
      const bundles = join(tempDir(t, 'lvsgen-e2e-broken-'), 'bundles');
      const r = sh(LVSGEN, ['render', example(c.example), '-o', bundles, '--distro', c.distro]);
      assert.equal(r.status, 0, r.stderr);
      for (const f of [c.file, ...(c.also ?? [])]) {
        const path = join(bundles, f);
        writeFileSync(path, c.edit(readFileSync(path, 'utf8')));
      }
      const run = await runLab(t, example(c.example), ['--distro', c.distro, '--bundles', bundles], 840_000);
      t.diagnostic(`lvsgen lab: ${(run.ms / 1000).toFixed(0)} s, exit ${run.status}`);
      const tail = run.output.split('\n').slice(-30).join('\n');
      assert.ok(!run.timedOut && run.results.length > 0, `the lab ran to its end\n${tail}`);
      assert.equal(run.status, 1, `exit 1: a check failed\n${tail}`);
      const failed = [...new Set(run.results.filter((x) => x.status === 'fail').map((x) => x.id.split(': ')[0]!))].sort();
      const detail = run.results.filter((x) => x.status === 'fail').map((x) => `${x.id}: ${x.seen}`).join('\n');
      assert.deepEqual(failed, [...c.fail].sort(), `exactly the dependent checks fail:\n${detail}`);
      // everything else ran and passed (or was not run for want of IPVS)
      assert.ok(run.results.some((x) => x.status === 'pass'));
    });
  }
});
