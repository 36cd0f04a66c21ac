// Consumers that change network state, each inside a scratch network
// namespace (removed in t.after): sysctl applies the net.* lines, iptables
// restores the Red Hat rule file, ifupdown brings the Debian interfaces files
// up (and down) for real, and the Red Hat static-routes file is replayed the
// initscripts way.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { bareNetns, DISTROS, EXAMPLES, have, kernelConfig, lines, type Netns, norm, ok, read, render, requireRoot, requireTools, sh, sourced, sysctlEntries, tempDir } from '../support/index.js';

const IFACES = 'etc/network/interfaces';
const RULE = '-A POSTROUTING -s 192.168.6.0/24 -j MASQUERADE';
/** The same rule as lvsgen's Red Hat file holds it: in its own chain, reached by a jump from POSTROUTING. */
const RH_RULE = '-A LVSGEN-POSTROUTING -s 192.168.6.0/24 -j MASQUERADE';
const JUMP = '-A POSTROUTING -j LVSGEN-POSTROUTING';
/** The seed's `iptables -t nat -L -n` line, whitespace-normalized. */
const SEED_LIST_LINE = 'MASQUERADE all -- 192.168.6.0/24 0.0.0.0/0';

function canRun(t: TestContext, ...tools: string[]): boolean {
  return requireRoot(t) && requireTools(t, 'ip', ...tools);
}

// ---------------------------------------------------------------- sysctl

/** Kernel options without which a (valid) non-net key is absent from /proc/sys. */
const KEY_NEEDS: Record<string, string> = { 'kernel.sysrq': 'CONFIG_MAGIC_SYSRQ' };

/** Per example, the hosts with a sysctl.conf and the net.* values each must set. */
const SYSCTL_HOSTS: Record<string, Record<string, Record<string, string>>> = {
  'lb-nat': { director: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.default.rp_filter': '1' } },
  'ha-cidr': { router: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.default.rp_filter': '1' } },
};
/** Red Hat's stock sysctl.conf keys that a complete generated file keeps. */
const REDHAT_STOCK = { 'kernel.sysrq': '0', 'kernel.core_uses_pid': '1' };

for (const ex of EXAMPLES) {
  for (const distro of DISTROS) {
    test(`${ex}/${distro}: sysctl applies the net.* lines in a namespace; the other keys exist; the whole file parses`, async (t) => {
      if (!canRun(t, 'sysctl', 'unshare')) return;
      const r = await render(t, ex, distro);
      const want = SYSCTL_HOSTS[ex]!;
      assert.deepEqual(r.holding('etc/sysctl.conf').map((b) => b.host), Object.keys(want), 'hosts with a sysctl.conf');
      const scratch = tempDir(t);
      for (const [host, netWant] of Object.entries(want)) {
        const file = r.file(host, 'etc/sysctl.conf');
        const entries = sysctlEntries(read(file));
        const keys = entries.map(([k]) => k);
        assert.equal(new Set(keys).size, keys.length, `${host}: a key set twice`);
        const net = entries.filter(([k]) => k.startsWith('net.'));
        const other = entries.filter(([k]) => !k.startsWith('net.'));
        // lb-nat's FTP service is persistent: its director sets the two net.ipv4.vs keys,
        // in sysctl.conf on debian (ip_vs is in /etc/modules, loaded first) and with
        // sysctl -w in rc.local on redhat (rc.sysinit applies sysctl.conf before modules).
        const ipvsKeys = ex === 'lb-nat' && distro === 'debian'
          ? { 'net.ipv4.vs.expire_nodest_conn': '1', 'net.ipv4.vs.expire_quiescent_template': '1' } : {};
        assert.deepEqual(Object.fromEntries(net), { ...netWant, ...ipvsKeys }, `${host}: net.* settings`);
        // net.ipv4.vs.* exist only with IPVS loaded, which this kernel may lack.
        const ipvs = existsSync('/proc/sys/net/ipv4/vs');
        if (!ipvs && Object.keys(ipvsKeys).length > 0) t.diagnostic(`${host}: no IPVS in this kernel: ${Object.keys(ipvsKeys).join(', ')} not applied here`);
        const applying = net.filter(([k]) => ipvs || !k.startsWith('net.ipv4.vs.'));
        if (distro === 'redhat') assert.deepEqual(Object.fromEntries(other), REDHAT_STOCK, `${host}: Red Hat stock keys kept`);
        else assert.deepEqual(other, [], `${host}: Debian's stock file sets no other key`);

        // net.* lines: applied for real, in a scratch namespace only.
        const ns = bareNetns(t);
        const netFile = join(scratch, `${host}-net.conf`);
        writeFileSync(netFile, read(file).split('\n').filter((l) => /^\s*net[./]/.test(l) && (ipvs || !/^\s*net[./]ipv4[./]vs[./]/.test(l))).join('\n') + '\n');
        const hostBefore = sh('sysctl', ['-n', ...Object.keys(netWant)]).stdout;
        const applied = ok(ns.exec('sysctl', ['-p', netFile]), `${host}: sysctl -p (net.* lines) in ${ns.name}`);
        assert.deepEqual(lines(applied.stdout), applying.map(([k, v]) => `${k} = ${v}`));
        for (const [k, v] of applying) assert.equal(ok(ns.exec('sysctl', ['-n', k]), `read ${k}`).stdout.trim(), v, `${host}: ${k} in the namespace`);
        assert.equal(ok(ns.exec('sysctl', ['-n', 'net.ipv4.ip_forward']), 'ip_forward').stdout.trim(), '1', `${host} forwards IPv4`);
        assert.equal(sh('sysctl', ['-n', ...Object.keys(netWant)]).stdout, hostBefore, 'the test machine itself is untouched');

        // Other keys are global: only check that this kernel knows them (never write them).
        for (const [k] of other) {
          const path = `/proc/sys/${k.replace(/\./g, '/')}`;
          const n = sh('sysctl', ['-N', k]);
          if (n.status === 0) {
            assert.equal(n.stdout.trim(), k);
            continue;
          }
          const option = KEY_NEEDS[k];
          const config = kernelConfig();
          if (option !== undefined && config?.includes(`# ${option} is not set`)) {
            t.diagnostic(`${host}: ${k} is absent here because this kernel is built without ${option} (${path}); a Red Hat kernel has it`);
            continue;
          }
          assert.fail(`${host}: ${k} is not a sysctl key of this kernel (${path}): ${n.stderr}`);
        }

        // The whole file through the real sysctl parser, writing into a fake /proc/sys
        // (tmpfs in a private mount namespace): every key lands at its path with its value.
        const fake = [
          'set -e',
          'mount --make-rprivate / 2>/dev/null || true',
          'mount -t tmpfs lvsgen-fake-procsys /proc/sys',
          ...entries.map(([k]) => `mkdir -p "$(dirname /proc/sys/${k.replace(/\./g, '/')})" && echo x >/proc/sys/${k.replace(/\./g, '/')}`),
          'sysctl -p "$1" >/dev/null',
          ...entries.map(([k]) => `printf '%s=%s\\n' ${k} "$(cat /proc/sys/${k.replace(/\./g, '/')})"`),
        ].join('\n');
        const whole = ok(sh('unshare', ['-m', 'sh', '-c', fake, 'sh', file]), `${host}: sysctl -p of the whole file against a fake /proc/sys`);
        assert.deepEqual(lines(whole.stdout), entries.map(([k, v]) => `${k}=${v}`));
      }
    });
  }
}

// ---------------------------------------------------------------- iptables

interface IptablesFamily {
  name: string;
  restore: string;
  save: string;
  list: string;
}

/** iptables-legacy when the binaries are here and this kernel has x_tables in the namespace; else nft. */
function iptablesFamily(ns: Netns): IptablesFamily {
  if (have('iptables-legacy-restore') && have('iptables-legacy-save') && ns.exec('iptables-legacy', ['-t', 'nat', '-L', '-n']).status === 0) {
    return { name: 'legacy', restore: 'iptables-legacy-restore', save: 'iptables-legacy-save', list: 'iptables-legacy' };
  }
  return { name: 'nft', restore: 'iptables-restore', save: 'iptables-save', list: 'iptables' };
}

/** `iptables -L -n` rows, whitespace-normalized; iptables 1.8.9 prints protocol "all" as "0". */
function listed(out: string): string[] {
  return lines(out).map((l) => l.replace(/^(\S+) 0 --/, '$1 all --'));
}

test('lb-nat/redhat: /etc/sysconfig/iptables applies with iptables-restore in a namespace and gives the seed\'s MASQUERADE rule', async (t) => {
  if (!canRun(t, 'iptables', 'iptables-restore', 'iptables-save')) return;
  const r = await render(t, 'lb-nat', 'redhat');
  assert.deepEqual(r.holding('etc/sysconfig/iptables').map((b) => b.host), ['director']);
  const file = r.file('director', 'etc/sysconfig/iptables');
  const ns = bareNetns(t);
  const fam = iptablesFamily(ns);
  t.diagnostic(`iptables family: ${fam.name}`);
  ok(ns.exec(fam.restore, [file]), `${fam.restore} ${file}`);
  const saved = ok(ns.exec(fam.save, ['-t', 'nat']), `${fam.save} -t nat`).stdout;
  // The seed's rule, in lvsgen's own chain (the host's POSTROUTING rules stay theirs: installer-coexist.test.ts).
  assert.deepEqual(lines(saved).filter((l) => l.startsWith('-A ')), [JUMP, RH_RULE], `${fam.save} -t nat`);
  const list = listed(ok(ns.exec(fam.list, ['-t', 'nat', '-L', 'LVSGEN-POSTROUTING', '-n']), 'iptables -L').stdout);
  assert.deepEqual(list.slice(2), [SEED_LIST_LINE], `iptables -t nat -L LVSGEN-POSTROUTING -n:\n${list.join('\n')}`);
  // The file holds only the nat table: the filter table stays empty.
  assert.deepEqual(lines(ok(ns.exec(fam.save, ['-t', 'filter']), 'save filter').stdout).filter((l) => l.startsWith('-A ')), []);

  // Negative control: a corrupted copy (unknown target) does not restore.
  const bad = join(tempDir(t), 'iptables');
  const text = read(file);
  assert.ok(text.split('\n').includes(RH_RULE));
  writeFileSync(bad, text.replace(`${RH_RULE}\n`, `${RH_RULE.replace('MASQUERADE', 'MASQUERAID')}\n`));
  const ns2 = bareNetns(t);
  const failed = ns2.exec(fam.restore, [bad]);
  assert.notEqual(failed.status, 0, `${fam.restore} accepted an unknown target`);
  assert.match(failed.stderr, new RegExp(`Error occurred at line: ${text.split('\n').indexOf(RH_RULE) + 1}\\b`));
  assert.deepEqual(lines(ns2.exec(fam.save, ['-t', 'nat']).stdout).filter((l) => l.startsWith('-A ')), []);
});

test('lb-nat/debian: bringing the director\'s eth1 up for real runs its up line: the same MASQUERADE rule; down removes it', async (t) => {
  if (!canRun(t, 'ifup', 'ifdown', 'iptables', 'iptables-save')) return;
  const r = await render(t, 'lb-nat', 'debian');
  const file = r.file('director', IFACES);
  const ns = bareNetns(t);
  ns.veth('eth1');
  const state = tempDir(t, 'lvsgen-ifstate-');
  ok(ns.exec('ifup', ['--no-scripts', '-i', file, '--state-dir', state, 'eth1']), 'ifup eth1');
  // The up line calls `iptables` from PATH: read back with the same family's iptables-save.
  const rules = () => lines(ok(ns.exec('iptables-save', ['-t', 'nat']), 'iptables-save -t nat').stdout).filter((l) => l.startsWith('-A '));
  assert.deepEqual(rules(), [RULE]);
  const rh = await render(t, 'lb-nat', 'redhat');
  assert.ok(lines(read(rh.file('director', 'etc/sysconfig/iptables'))).includes(RH_RULE), 'the Red Hat file holds the same rule (in lvsgen\'s chain)');
  assert.deepEqual(listed(ok(ns.exec('iptables', ['-t', 'nat', '-L', 'POSTROUTING', '-n']), 'iptables -L').stdout).slice(2), [SEED_LIST_LINE]);
  assert.match(norm(ns.ip('-4', '-o', 'addr', 'show', 'dev', 'eth1').stdout), /inet 192\.168\.6\.1\/24 brd 192\.168\.6\.255 scope global eth1/);
  ok(ns.exec('ifdown', ['--no-scripts', '-i', file, '--state-dir', state, 'eth1']), 'ifdown eth1');
  assert.deepEqual(rules(), [], 'the down line removes the rule');
});

// ---------------------------------------------------------------- Debian interfaces, for real

interface UpWant {
  /** `ip -4 -o addr` rows, normalized, after the interface name column. */
  addrs: string[];
  check(ns: Netns): void;
}

const defaultRoute = (ns: Netns) => {
  // ifupdown adds `onlink` for a gateway line: compare without it.
  const got = norm(ok(ns.ip('route', 'show', '0/0'), 'ip route show 0/0').stdout.replace(/ onlink/g, ''));
  assert.equal(got, 'default via 192.168.6.1 dev eth0');
};
const loAlias = 'lo inet 192.168.0.0/24 brd 192.168.0.255 scope global lo:0';

const UP: Record<string, Record<string, UpWant>> = {
  'lb-nat': {
    director: {
      addrs: ['eth0 inet 10.1.3.1/24 brd 10.1.3.255 scope global eth0', 'eth0 inet 10.1.3.61/24 brd 10.1.3.255 scope global secondary eth0:0', 'eth1 inet 192.168.6.1/24 brd 192.168.6.255 scope global eth1'],
      check: (ns) => assert.deepEqual(lines(ok(ns.exec('iptables-save', ['-t', 'nat']), 'iptables-save').stdout).filter((l) => l.startsWith('-A ')), [RULE]),
    },
    real1: { addrs: ['eth0 inet 192.168.6.4/24 brd 192.168.6.255 scope global eth0'], check: defaultRoute },
    real2: { addrs: ['eth0 inet 192.168.6.5/24 brd 192.168.6.255 scope global eth0'], check: defaultRoute },
  },
  'ha-cidr': {
    router: {
      addrs: ['eth0 inet 192.168.6.1/24 brd 192.168.6.255 scope global eth0', 'eth1 inet 10.1.3.1/24 brd 10.1.3.255 scope global eth1'],
      check: (ns) => assert.equal(norm(ok(ns.ip('route', 'list', '192.168.0.0/24'), 'ip route list').stdout), '192.168.0.0/24 via 192.168.6.240 dev eth0'),
    },
    node1: { addrs: [loAlias, 'eth0 inet 192.168.6.2/24 brd 192.168.6.255 scope global eth0'], check: defaultRoute },
    node2: { addrs: [loAlias, 'eth0 inet 192.168.6.3/24 brd 192.168.6.255 scope global eth0'], check: defaultRoute },
  },
};

const addrRows = (ns: Netns) =>
  lines(ok(ns.ip('-4', '-o', 'addr', 'show'), 'ip addr').stdout)
    .map((l) => l.replace(/^\d+: (\S+?)(@\S+)? /, '$1 ').replace(/ ?\\ +valid_lft.*$/, '').trim())
    .filter((l) => !l.startsWith('lo inet 127.'));

for (const ex of EXAMPLES) {
  test(`${ex}/debian: every interfaces file comes up for real with ifup -a in a namespace (addresses, rule, routes), and down again`, async (t) => {
    if (!canRun(t, 'ifup', 'ifdown', 'iptables-save')) return;
    const r = await render(t, ex, 'debian');
    const want = UP[ex]!;
    assert.deepEqual(r.holding(IFACES).map((b) => b.host).sort(), Object.keys(want).sort());
    for (const [host, w] of Object.entries(want)) {
      const file = r.file(host, IFACES);
      const ns = bareNetns(t);
      const physical = [...new Set(lines(ok(sh('ifquery', ['-i', file, '-l']), 'ifquery -l').stdout).map((i) => i.split(':')[0]!))].filter((i) => i !== 'lo');
      for (const i of physical) ns.veth(i);
      const state = tempDir(t, 'lvsgen-ifstate-');
      ok(ns.exec('ifup', ['-a', '--no-scripts', '-i', file, '--state-dir', state]), `${host}: ifup -a`);
      assert.deepEqual(addrRows(ns).sort(), [...w.addrs].sort(), `${host}: addresses after ifup -a`);
      w.check(ns);
      ok(ns.exec('ifdown', ['-a', '--no-scripts', '-i', file, '--state-dir', state]), `${host}: ifdown -a`);
      assert.deepEqual(addrRows(ns), [], `${host}: no address left after ifdown -a`);
      assert.deepEqual(lines(ns.ip('route', 'show').stdout), [], `${host}: no route left after ifdown -a`);
      assert.deepEqual(lines(ok(ns.exec('iptables-save', ['-t', 'nat']), 'iptables-save').stdout).filter((l) => l.startsWith('-A ')), [], `${host}: no rule left`);
    }
  });
}

// ---------------------------------------------------------------- Red Hat, replayed

test('ha-cidr/redhat: static-routes replayed the initscripts way on the router gives the seed\'s route; without eth0\'s address it fails', async (t) => {
  if (!canRun(t, 'route', 'bash')) return;
  const r = await render(t, 'ha-cidr', 'redhat');
  assert.deepEqual(r.holding('etc/sysconfig/static-routes').map((b) => b.host), ['router']);
  const routes = r.file('router', 'etc/sysconfig/static-routes');
  const eth0 = sourced(r.file('router', 'etc/sysconfig/network-scripts/ifcfg-eth0'));
  // initscripts: grep "^any" static-routes | while read ignore args; do route add -$args; done
  const replay = 'grep "^any" "$1" | { s=0; while read ignore args; do route add -$args || s=1; done; exit $s; }';

  const ns = bareNetns(t);
  ns.veth(eth0.DEVICE!);
  ok(ns.ip('addr', 'add', `${eth0.IPADDR}/${eth0.NETMASK}`, 'dev', eth0.DEVICE!), 'router address');
  ok(ns.ip('link', 'set', eth0.DEVICE!, 'up'), 'eth0 up');
  ok(ns.exec('bash', ['-c', replay, 'replay', routes]), 'static-routes replay');
  assert.equal(norm(ns.ip('route', 'list', '192.168.0.0/24').stdout), '192.168.0.0/24 via 192.168.6.240 dev eth0');

  // Negative control: the gateway is unreachable without the router's address on eth0.
  const bare = bareNetns(t);
  bare.veth('eth0');
  ok(bare.ip('link', 'set', 'eth0', 'up'), 'eth0 up');
  assert.notEqual(bare.exec('bash', ['-c', replay, 'replay', routes]).status, 0);
  assert.equal(norm(bare.ip('route', 'list', '192.168.0.0/24').stdout), '');
});

for (const ex of EXAMPLES) {
  test(`${ex}/redhat: real servers' ifcfg values work in a namespace: address, default route via GATEWAY, lo:0 alias`, async (t) => {
    if (!canRun(t, 'bash', 'ifconfig')) return;
    const r = await render(t, ex, 'redhat');
    const servers = r.bundles.filter((b) => b.files.some((f) => f.path.endsWith('ifcfg-eth0')) && sourced(r.file(b.host, 'etc/sysconfig/network-scripts/ifcfg-eth0')).GATEWAY !== undefined);
    assert.deepEqual(servers.map((b) => b.host), ex === 'lb-nat' ? ['real1', 'real2'] : ['node1', 'node2']);
    for (const b of servers) {
      const v = sourced(r.file(b.host, 'etc/sysconfig/network-scripts/ifcfg-eth0'));
      const ns = bareNetns(t);
      ns.veth(v.DEVICE!);
      ok(ns.ip('addr', 'add', `${v.IPADDR}/${v.NETMASK}`, 'dev', v.DEVICE!), `${b.host}: address`);
      ok(ns.ip('link', 'set', v.DEVICE!, 'up'), 'up');
      // The gateway must be reachable on eth0's network: no onlink needed.
      ok(ns.ip('route', 'add', 'default', 'via', v.GATEWAY!, 'dev', v.DEVICE!), `${b.host}: default via GATEWAY`);
      assert.equal(norm(ns.ip('route', 'show', '0/0').stdout), 'default via 192.168.6.1 dev eth0');
      const alias = b.files.find((f) => f.path.endsWith('ifcfg-lo:0'));
      assert.equal(alias !== undefined, ex === 'ha-cidr', `${b.host}: lo:0 alias only on the ha-cidr nodes`);
      if (alias) {
        const lo = sourced(r.file(b.host, alias.path));
        ok(ns.ip('link', 'set', 'lo', 'up'), 'lo up');
        // 2005 initscripts bring aliases up with net-tools ifconfig.
        ok(ns.exec('ifconfig', [lo.DEVICE!, lo.IPADDR!, 'netmask', lo.NETMASK!, 'broadcast', lo.BROADCAST!, 'up']), `${b.host}: ifconfig lo:0`);
        assert.ok(addrRows(ns).includes(loAlias), `${b.host}: ${addrRows(ns).join('\n')}`);
        assert.equal(lo.NETWORK, '192.168.0.0');
      }
    }
  });
}
