// Static consumers, no namespaces: ifupdown parses every Debian interfaces
// file and prints the exact commands it would run (ifquery, ifup -n -v);
// bash reads every Red Hat ifcfg-*, network and static-routes file and
// sourcing gives exactly the expected variables; every installer passes
// sh -n and shellcheck -s sh.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultRouterId } from '../../src/derive/derive.js';
import { ALL_EXAMPLES, generateText, lines, ok, read, render, REPO, requireTools, sh, sourced, STREAMLINE_VARIANT, tempDir, type Vars } from '../support/index.js';

const IFACES = 'etc/network/interfaces';
const NM24 = '255.255.255.0';

/** What ifup -n -v prints per stanza (run-parts lines left out), and what ifquery shows. */
interface DebianHost {
  auto: string[];
  /** Per stanza: the commands, in order. */
  up: Record<string, string[]>;
  /** Per stanza: `key: value` lines that ifquery IFACE must print. */
  query: Record<string, string[]>;
}

const addr = (ip: string, bcast: string, dev: string) => `ip addr add ${ip}/${NM24} broadcast ${bcast} dev ${dev} label ${dev}`;
const linkUp = (dev: string) => `ip link set dev ${dev} up`;
/** The IPVS sync daemon's boot line on a heartbeat pair director's sync interface (the sync id is the VRRP router id). */
const syncBoot = (cluster: string, dev: string) => `/etc/ha.d/resource.d/lvsgen-ipvs-sync ${dev} ${defaultRouterId(cluster)} boot`;

function realServer(ip: string): DebianHost {
  return {
    auto: ['lo', 'eth0'],
    up: {
      lo: [linkUp('lo')],
      eth0: [addr(ip, '192.168.6.255', 'eth0'), linkUp('eth0'), 'ip route add default via 192.168.6.1 dev eth0 onlink'],
    },
    query: { eth0: [`address: ${ip}`, `netmask: ${NM24}`, 'gateway: 192.168.6.1'] },
  };
}

function haNode(ip: string): DebianHost {
  return {
    auto: ['lo', 'lo:0', 'eth0'],
    up: {
      lo: [linkUp('lo')],
      'lo:0': [addr('192.168.0.0', '192.168.0.255', 'lo:0'), linkUp('lo:0')],
      eth0: [addr(ip, '192.168.6.255', 'eth0'), linkUp('eth0'), 'ip route add default via 192.168.6.1 dev eth0 onlink'],
    },
    query: { 'lo:0': ['address: 192.168.0.0', `netmask: ${NM24}`], eth0: [`address: ${ip}`, `netmask: ${NM24}`, 'gateway: 192.168.6.1'] },
  };
}

const MASQ_UP = 'iptables -t nat -A POSTROUTING -j MASQUERADE -s 192.168.6.0/24';
const ROUTE_UP = 'ip route add 192.168.0.0/24 via 192.168.6.240';

/** The router of the clusters whose real servers sit behind it (streamline, high-capacity): eth0 on the servers' network, eth1 outside. */
const edgeRouter: DebianHost = {
  auto: ['lo', 'eth0', 'eth1'],
  up: {
    lo: [linkUp('lo')],
    eth0: [addr('192.168.6.1', '192.168.6.255', 'eth0'), linkUp('eth0')],
    eth1: [addr('10.1.3.1', '10.1.3.255', 'eth1'), linkUp('eth1')],
  },
  query: {},
};

const DEBIAN: Record<string, Record<string, DebianHost>> = {
  'lb-nat': {
    director: {
      auto: ['lo', 'eth0', 'eth0:0', 'eth1'],
      up: {
        lo: [linkUp('lo')],
        eth0: [addr('10.1.3.1', '10.1.3.255', 'eth0'), linkUp('eth0')],
        'eth0:0': [addr('10.1.3.61', '10.1.3.255', 'eth0:0'), linkUp('eth0:0')],
        eth1: [addr('192.168.6.1', '192.168.6.255', 'eth1'), linkUp('eth1'), MASQ_UP],
      },
      query: {
        'eth0:0': ['address: 10.1.3.61', `netmask: ${NM24}`],
        eth1: ['address: 192.168.6.1', `netmask: ${NM24}`, `up: ${MASQ_UP}`, 'down: iptables -t nat -D POSTROUTING -j MASQUERADE -s 192.168.6.0/24'],
      },
    },
    real1: realServer('192.168.6.4'),
    real2: realServer('192.168.6.5'),
  },
  'ha-cidr': {
    router: {
      auto: ['lo', 'eth0', 'eth1'],
      up: {
        lo: [linkUp('lo')],
        eth0: [addr('192.168.6.1', '192.168.6.255', 'eth0'), linkUp('eth0'), ROUTE_UP],
        eth1: [addr('10.1.3.1', '10.1.3.255', 'eth1'), linkUp('eth1')],
      },
      query: { eth0: ['address: 192.168.6.1', `netmask: ${NM24}`, `up: ${ROUTE_UP}`, 'down: ip route del 192.168.0.0/24 via 192.168.6.240'] },
      // (ifupdown stores `pre-down` as its synonym `down`: both run before the address goes)
    },
    node1: haNode('192.168.6.2'),
    node2: haNode('192.168.6.3'),
  },
  // The pair's addresses are heartbeat's (IPaddr2), not stanzas: both directors
  // masquerade the server network; the real servers' gateway is the floating 192.168.6.1.
  'ha-lb': {
    lvs1: pairDirector('10.1.3.2', '192.168.6.2'),
    lvs2: pairDirector('10.1.3.3', '192.168.6.3'),
    real1: realServer('192.168.6.4'),
    real2: realServer('192.168.6.5'),
  },
  // Each node is director and real server: the floating address on a non-ARPing
  // lo:0 (sysctl -p first: arp_ignore before the address), and the sync
  // interface starts the backup sync daemon at boot.
  streamline: {
    node1: streamlineNode('192.168.6.2'),
    node2: streamlineNode('192.168.6.3'),
    router: edgeRouter,
  },
  // Two director pairs, each starting its own backup sync daemon (its own sync
  // id) at boot; every real server holds both pairs' addresses on non-ARPing
  // lo aliases, and tunl0 for the tunnelling pair.
  'high-capacity': {
    ...Object.fromEntries(([['lvs1', '2', 'a'], ['lvs2', '3', 'a'], ['lvs3', '4', 'b'], ['lvs4', '5', 'b']] as const).map(([n, last, pair]) => [n, hicapDirector(`192.168.6.${last}`, pair === 'a' ? 0 : 1)])),
    ...Object.fromEntries(([['real1', '11'], ['real2', '12'], ['real3', '13']] as const).map(([n, last]) => [n, hicapReal(`192.168.6.${last}`)])),
    router: edgeRouter,
  },
};

/** A high-capacity director: its pair's sync id is the cluster's derived one, or the next (model/pairs.ts). */
function hicapDirector(ip: string, pair: number): DebianHost {
  const boot = `/etc/ha.d/resource.d/lvsgen-ipvs-sync eth0 ${(defaultRouterId('high-capacity') - 1 + pair) % 255 + 1} boot`;
  return {
    auto: ['lo', 'eth0'],
    up: { lo: [linkUp('lo')], eth0: [addr(ip, '192.168.6.255', 'eth0'), linkUp('eth0'), 'ip route add default via 192.168.6.1 dev eth0 onlink', boot] },
    query: { eth0: [`address: ${ip}`, 'gateway: 192.168.6.1', `up: ${boot}`] },
  };
}

function hicapReal(ip: string): DebianHost {
  const lo = (n: number, vip: string) => ['sysctl -p', `ip addr add ${vip}/255.255.255.255 broadcast ${vip} dev lo:${n} label lo:${n}`, linkUp(`lo:${n}`)];
  return {
    auto: ['lo', 'lo:0', 'lo:1', 'tunl0', 'eth0'],
    up: {
      lo: [linkUp('lo')],
      'lo:0': lo(0, '192.168.6.240'),
      'lo:1': lo(1, '192.168.6.241'),
      tunl0: ['/sbin/modprobe ipip', 'ip link set dev tunl0 up 2>/dev/null || true', '/sbin/ip link set tunl0 up'],
      eth0: [addr(ip, '192.168.6.255', 'eth0'), linkUp('eth0'), 'ip route add default via 192.168.6.1 dev eth0 onlink'],
    },
    query: { 'lo:0': ['address: 192.168.6.240', 'netmask: 255.255.255.255', 'pre-up: sysctl -p'], 'lo:1': ['address: 192.168.6.241', 'netmask: 255.255.255.255'], eth0: [`address: ${ip}`, 'gateway: 192.168.6.1'] },
  };
}

function streamlineNode(ip: string): DebianHost {
  const vip = '192.168.6.240';
  return {
    auto: ['lo', 'lo:0', 'eth0'],
    up: {
      lo: [linkUp('lo')],
      'lo:0': ['sysctl -p', `ip addr add ${vip}/255.255.255.255 broadcast ${vip} dev lo:0 label lo:0`, linkUp('lo:0')],
      eth0: [addr(ip, '192.168.6.255', 'eth0'), linkUp('eth0'), 'ip route add default via 192.168.6.1 dev eth0 onlink', syncBoot('streamline', 'eth0')],
    },
    query: { 'lo:0': [`address: ${vip}`, 'netmask: 255.255.255.255', 'pre-up: sysctl -p'], eth0: [`address: ${ip}`, `up: ${syncBoot('streamline', 'eth0')}`] },
  };
}

function pairDirector(external: string, internal: string): DebianHost {
  return {
    auto: ['lo', 'eth0', 'eth1'],
    up: {
      lo: [linkUp('lo')],
      eth0: [addr(external, '10.1.3.255', 'eth0'), linkUp('eth0'), syncBoot('ha-lb', 'eth0')],
      eth1: [addr(internal, '192.168.6.255', 'eth1'), linkUp('eth1'), MASQ_UP],
    },
    query: { eth1: [`address: ${internal}`, `netmask: ${NM24}`, `up: ${MASQ_UP}`] },
  };
}

/** ifup -v prints `ifup: configuring interface X=X (inet)` before each stanza's commands (on stderr). */
function sections(out: string): Record<string, string[]> {
  const bySection: Record<string, string[]> = {};
  let cur: string[] | undefined;
  for (const l of lines(out)) {
    const m = /^ifup: configuring interface (\S+)=\S+ \(inet\)$/.exec(l);
    if (m) {
      cur = bySection[m[1]!] = [];
      continue;
    }
    if (l.startsWith('run-parts ')) continue;
    assert.ok(cur !== undefined, `command before any stanza: ${l}`);
    cur.push(l);
  }
  return bySection;
}

for (const ex of ALL_EXAMPLES) {
  test(`${ex}/debian: every interfaces file parses (ifquery) and ifup -n -v prints the expected commands per stanza`, async (t) => {
    if (!requireTools(t, 'ifquery', 'ifup')) return;
    const r = await render(t, ex, 'debian');
    const expected = DEBIAN[ex]!;
    assert.deepEqual(r.holding(IFACES).map((b) => b.host).sort(), Object.keys(expected).sort(), 'hosts with an interfaces file');
    const state = tempDir(t, 'lvsgen-ifstate-');
    for (const [host, want] of Object.entries(expected)) {
      const file = r.file(host, IFACES);
      // The whole file parses; -l lists the auto interfaces in file order.
      const listed = ok(sh('ifquery', ['-i', file, '-l']), `${host}: ifquery -l`);
      assert.deepEqual(lines(listed.stdout), want.auto, `${host}: auto interfaces`);
      for (const iface of want.auto) {
        const q = ok(sh('ifquery', ['-i', file, iface]), `${host}: ifquery ${iface}`);
        for (const kv of want.query[iface] ?? []) assert.ok(lines(q.stdout).includes(kv), `${host}: ifquery ${iface} lacks "${kv}":\n${q.stdout}`);
      }
      const up = ok(sh('ifup', ['-n', '-v', '-i', file, '-a', '--state-dir', state]), `${host}: ifup -n -a`);
      assert.deepEqual(sections(up.stderr), want.up, `${host}: ifup -n -v -a, per stanza`);
    }
    // The MASQUERADE line belongs to the director's server-side stanza only.
    if (ex === 'lb-nat') {
      const s = sections(sh('ifup', ['-n', '-v', '-i', r.file('director', IFACES), '-a', '--state-dir', state]).stderr);
      assert.deepEqual(Object.keys(s).filter((k) => s[k]!.includes(MASQ_UP)), ['eth1']);
    }
  });
}

test('negative controls: ifquery rejects a misplaced option and an unknown method with file:line', async (t) => {
  if (!requireTools(t, 'ifquery')) return;
  const r = await render(t, 'lb-nat', 'debian');
  const good = read(r.file('director', IFACES));
  const dir = tempDir(t);
  const misplaced = join(dir, 'misplaced');
  writeFileSync(misplaced, `\taddress 192.168.6.9\n${good}`);
  const unknown = join(dir, 'unknown');
  writeFileSync(unknown, good.replace('iface eth1 inet static', 'iface eth1 inet statik'));
  const line = good.split('\n').indexOf('iface eth1 inet static') + 1;
  for (const [f, re] of [
    [misplaced, new RegExp(`${misplaced}:1: misplaced option`)],
    [unknown, new RegExp(`${unknown}:${line}: unknown or no method`)],
  ] as const) {
    const q = sh('ifquery', ['-i', f, '-l']);
    assert.notEqual(q.status, 0, `${f} should not parse`);
    assert.match(q.stderr, re);
  }
});

// ---------------------------------------------------------------- Red Hat shell files

const ifcfg = (device: string, ip: string, gateway?: string): Vars => ({
  DEVICE: device,
  ONBOOT: 'yes',
  BOOTPROTO: 'static',
  IPADDR: ip,
  NETMASK: NM24,
  ...(gateway !== undefined ? { GATEWAY: gateway } : {}),
});
const loAlias: Vars = { DEVICE: 'lo:0', IPADDR: '192.168.0.0', NETMASK: NM24, NETWORK: '192.168.0.0', BROADCAST: '192.168.0.255', ONBOOT: 'yes', NAME: 'loopback' };
const SCRIPTS = 'etc/sysconfig/network-scripts';
/** The same router's ifcfg files (ha-cidr, streamline, high-capacity). */
const edgeRouterIfcfg: Record<string, Vars> = {
  [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', '192.168.6.1'),
  [`${SCRIPTS}/ifcfg-eth1`]: ifcfg('eth1', '10.1.3.1'),
};

/** Red Hat files that are shell variable assignments: host -> path -> the exact variables sourcing defines. */
const REDHAT: Record<string, Record<string, Record<string, Vars>>> = {
  'lb-nat': {
    director: {
      [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', '10.1.3.1'),
      [`${SCRIPTS}/ifcfg-eth0:0`]: ifcfg('eth0:0', '10.1.3.61'),
      [`${SCRIPTS}/ifcfg-eth1`]: ifcfg('eth1', '192.168.6.1'),
    },
    real1: { [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', '192.168.6.4', '192.168.6.1') },
    real2: { [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', '192.168.6.5', '192.168.6.1') },
  },
  'ha-cidr': {
    router: edgeRouterIfcfg,
    node1: {
      'etc/sysconfig/network': { NETWORKING: 'yes', HOSTNAME: 'node1', GATEWAYDEV: 'eth0' },
      [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', '192.168.6.2', '192.168.6.1'),
      [`${SCRIPTS}/ifcfg-lo:0`]: loAlias,
    },
    node2: {
      'etc/sysconfig/network': { NETWORKING: 'yes', HOSTNAME: 'node2', GATEWAYDEV: 'eth0' },
      [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', '192.168.6.3', '192.168.6.1'),
      [`${SCRIPTS}/ifcfg-lo:0`]: loAlias,
    },
  },
  'ha-lb': {
    lvs1: {
      'etc/sysconfig/network': { NETWORKING: 'yes', HOSTNAME: 'lvs1' },
      [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', '10.1.3.2'),
      [`${SCRIPTS}/ifcfg-eth1`]: ifcfg('eth1', '192.168.6.2'),
    },
    lvs2: {
      'etc/sysconfig/network': { NETWORKING: 'yes', HOSTNAME: 'lvs2' },
      [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', '10.1.3.3'),
      [`${SCRIPTS}/ifcfg-eth1`]: ifcfg('eth1', '192.168.6.3'),
    },
    real1: { [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', '192.168.6.4', '192.168.6.1') },
    real2: { [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', '192.168.6.5', '192.168.6.1') },
  },
  streamline: {
    router: edgeRouterIfcfg,
    ...Object.fromEntries(
      ([['node1', '192.168.6.2'], ['node2', '192.168.6.3']] as const).map(([n, ip]) => [
        n,
        {
          'etc/sysconfig/network': { NETWORKING: 'yes', HOSTNAME: n, GATEWAYDEV: 'eth0' },
          [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', ip, '192.168.6.1'),
          // The floating address as a /32 on lo: IPaddr2 takes this copy down while the node holds it on eth0.
          [`${SCRIPTS}/ifcfg-lo:0`]: { DEVICE: 'lo:0', IPADDR: '192.168.6.240', NETMASK: '255.255.255.255', NETWORK: '192.168.6.240', BROADCAST: '192.168.6.240', ONBOOT: 'yes', NAME: 'loopback' },
        },
      ]),
    ),
  },
  'high-capacity': {
    router: edgeRouterIfcfg,
    ...Object.fromEntries(
      ([['lvs1', '2'], ['lvs2', '3'], ['lvs3', '4'], ['lvs4', '5']] as const).map(([n, last]) => [
        n,
        {
          'etc/sysconfig/network': { NETWORKING: 'yes', HOSTNAME: n, GATEWAYDEV: 'eth0' },
          [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', `192.168.6.${last}`, '192.168.6.1'),
        },
      ]),
    ),
    ...Object.fromEntries(
      ([['real1', '11'], ['real2', '12'], ['real3', '13']] as const).map(([n, last]) => [
        n,
        {
          [`${SCRIPTS}/ifcfg-eth0`]: ifcfg('eth0', `192.168.6.${last}`, '192.168.6.1'),
          // Each pair's address as a /32 on lo (non-ARPing: arp_ignore/arp_announce in sysctl.conf).
          ...Object.fromEntries(['192.168.6.240', '192.168.6.241'].map((vip, i) => [`${SCRIPTS}/ifcfg-lo:${i}`, { DEVICE: `lo:${i}`, IPADDR: vip, NETMASK: '255.255.255.255', NETWORK: vip, BROADCAST: vip, ONBOOT: 'yes', NAME: 'loopback' }])),
        },
      ]),
    ),
  },
};

for (const ex of ALL_EXAMPLES) {
  test(`${ex}/redhat: every ifcfg-*, network and static-routes file passes bash -n; sourcing gives exactly the expected variables`, async (t) => {
    if (!requireTools(t, 'bash')) return;
    const r = await render(t, ex, 'redhat');
    const shellFiles = r.bundles.flatMap((b) =>
      b.files.filter((f) => /^etc\/sysconfig\/(network-scripts\/ifcfg-.*|network|static-routes)$/.test(f.path)).map((f) => `${b.host}/${f.path}`),
    );
    const want = REDHAT[ex]!;
    const expectedFiles = Object.entries(want).flatMap(([h, files]) => Object.keys(files).map((p) => `${h}/${p}`));
    const routes = ex === 'ha-cidr' ? ['router/etc/sysconfig/static-routes'] : [];
    assert.deepEqual(shellFiles.sort(), [...expectedFiles, ...routes].sort(), 'Red Hat shell-syntax files');
    for (const rel of shellFiles) ok(sh('bash', ['-n', join(r.dir, rel)]), `bash -n ${rel}`);
    for (const [host, files] of Object.entries(want)) {
      for (const [path, vars] of Object.entries(files)) {
        const f = r.file(host, path);
        assert.deepEqual(sourced(f), vars, `${host}/${path}: variables after sourcing`);
        // Key order of the seed's ifcfg files: DEVICE ONBOOT BOOTPROTO IPADDR NETMASK GATEWAY.
        if (/ifcfg-eth/.test(path)) {
          const keys = read(f).split('\n').filter((l) => /^[A-Z]+=/.test(l)).map((l) => l.split('=')[0]);
          assert.deepEqual(keys, Object.keys(vars), `${host}/${path}: key order`);
        }
      }
    }
    if (ex === 'ha-cidr') {
      // static-routes is read by initscripts' `grep "^any"` loop, not sourced: its only
      // `any` line is the seed's (replayed for real in netns.test.ts).
      const text = read(r.file('router', 'etc/sysconfig/static-routes'));
      assert.deepEqual(text.split('\n').filter((l) => /^any/.test(l)), ['any net 192.168.0.0 netmask 255.255.255.0 gw 192.168.6.240']);
      assert.deepEqual(text.split('\n').filter((l) => l !== '' && !/^(any|#)/.test(l)), [], 'static-routes: only comments and any lines');
    }
  });
}

test('negative control: sourcing reports a variable the expectation lacks, bash -n rejects broken quoting', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'ifcfg-eth0');
  writeFileSync(f, 'DEVICE=eth0\nGATEWAY=192.168.6.1\nEXTRA=1\n');
  assert.deepEqual(sourced(f), { DEVICE: 'eth0', GATEWAY: '192.168.6.1', EXTRA: '1' });
  writeFileSync(f, 'DEVICE="eth0\n');
  assert.notEqual(sh('bash', ['-n', f]).status, 0);
});

// ---------------------------------------------------------------- installers

// Every bundle carries the one static installer (test/golden checks the bytes):
// checked once, here.
test('the installer (distros/_shared/install.sh) passes sh -n, dash -n and shellcheck -s sh', (t) => {
  if (!requireTools(t, 'sh', 'dash', 'shellcheck')) return;
  const f = join(REPO, 'distros/_shared/install.sh');
  ok(sh('sh', ['-n', f]), 'sh -n');
  ok(sh('dash', ['-n', f]), 'dash -n');
  ok(sh('shellcheck', ['-s', 'sh', f]), 'shellcheck -s sh');
});

test('a streamline pair the project has never seen (debian): ifquery parses every node\'s interfaces; both floating addresses on non-ARPing lo aliases, the sync boot line on the sync interface', (t) => {
  if (!requireTools(t, 'ifquery', 'ifup')) return;
  const g = generateText(STREAMLINE_VARIANT, 'debian');
  const dir = tempDir(t);
  const state = tempDir(t, 'lvsgen-ifstate-');
  for (const n of ['alpha', 'bravo']) {
    const file = join(dir, `${n}-interfaces`);
    writeFileSync(file, g.bundles.find((b) => b.host === n)!.files.find((f) => f.path === IFACES)!.content);
    assert.deepEqual(lines(ok(sh('ifquery', ['-i', file, '-l']), `${n}: ifquery -l`).stdout), ['lo', 'lo:0', 'lo:1', 'ens3'], n);
    const s = sections(ok(sh('ifup', ['-n', '-v', '-i', file, '-a', '--state-dir', state]), `${n}: ifup -n`).stderr);
    assert.deepEqual(s['lo:0']!.slice(0, 2), ['sysctl -p', 'ip addr add 172.20.5.200/255.255.255.255 broadcast 172.20.5.200 dev lo:0 label lo:0'], n);
    assert.deepEqual(s['lo:1']!.slice(0, 2), ['sysctl -p', 'ip addr add 172.20.5.201/255.255.255.255 broadcast 172.20.5.201 dev lo:1 label lo:1'], n);
    assert.equal(s.ens3!.at(-1), '/etc/ha.d/resource.d/lvsgen-ipvs-sync ens3 77 boot', n);
  }
});
