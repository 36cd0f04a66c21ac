// What today's distros and the keepalived backend refuse: one case per
// message, asserting the problem's code and model path (not its wording),
// and that a secret never appears in a message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TopologyError } from '../../src/model/problems.js';
import { renderIpvsadmTable } from '../../src/render/ipvsadm-table.js';
import { parsePlan } from '../../src/render/plan.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, exampleWith, generateText, PAIR, STREAMLINE_VARIANT, tempDir } from '../support/index.js';

const LB = exampleWith('lb-nat');
const LB_KA = exampleWith('lb-nat', 'keepalived');
const HA = exampleWith('ha-cidr');
const HA_LB = exampleWith('ha-lb');

interface Case {
  name: string;
  text: string;
  distro?: string;
  env?: Record<string, string>;
  problems: Array<[code: string, path: string]>;
}

const CASES: Case[] = [
  { name: 'keepalived on the seeds\' Red Hat', text: LB_KA, problems: [['unsupported', 'director_backend']] },
  { name: 'keepalived with --distro debian (the seeds\' Debian)', text: LB_KA, distro: 'debian', problems: [['unsupported', 'director_backend']] },
  { name: 'ldirectord (set) on rhel9, which ships none', text: exampleWith('lb-nat', 'ldirectord'), distro: 'rhel9', problems: [['unsupported', 'director_backend']] },
  {
    name: 'keepalived has no check type off',
    text: LB_KA.replace('check: { type: connect }', 'check: { type: "off" }'),
    distro: 'debian12',
    problems: [['unsupported', 'virtual_services[0].check.type']],
  },
  {
    name: 'ldirectord activates no real server under check type off (ldirectord(8): "no real or fallback servers will be activated")',
    text: LB.replace('check: { type: connect }', 'check: { type: "off" }'),
    problems: [['unsupported', 'virtual_services[0].check.type']],
  },
  {
    name: '... on every distro that runs ldirectord',
    text: LB.replace('check: { type: connect }', 'check: { type: "off" }'),
    distro: 'debian12',
    problems: [['unsupported', 'virtual_services[0].check.type']],
  },
  {
    name: 'keepalived negotiates no ftp',
    text: LB_KA.replace('check: { type: connect }', 'check: { type: negotiate, service: ftp }'),
    distro: 'debian12',
    problems: [['unsupported', 'virtual_services[0].check.service']],
  },
  {
    name: 'keepalived: a negotiate check on a port without a known service',
    text: LB_KA.replace('check: { type: connect }', 'check: { type: negotiate }'),
    distro: 'rhel9',
    problems: [['unsupported', 'virtual_services[0].check.type']],
  },
  {
    name: 'ldirectord for a pair of directors that VRRP carries (one daemon drives IPVS)',
    text: PAIR.replace('director_backend: keepalived', 'director_backend: ldirectord'),
    distro: 'debian12',
    problems: [['unsupported', 'director_backend']],
  },
  {
    name: 'a director pair: every virtual address must float',
    text: PAIR.replace('floating: [10.1.3.61/24]', 'floating: [10.1.3.62/24]'),
    problems: [['unsupported', 'virtual_services[0].virtual']],
  },
  {
    name: 'a director pair is two directors',
    text: PAIR.replace('nodes: [dir1, dir2]', 'nodes: [dir1, rs1]'),
    problems: [['unsupported', 'heartbeat.nodes'], ['unsupported', 'heartbeat.nodes[1]']],
  },
  {
    name: 'keepalived: a direct-routing real server on another port',
    text: PAIR.replace('real_servers: [rs1, rs2]', 'real_servers: [rs1, { host: rs2, port: 8080 }]'),
    problems: [['invalid-port', 'virtual_services[0].real_servers[1].port']],
  },
  // HA + load balancing (NAT) through a pair of directors, on heartbeat's and on VRRP's distros.
  ...['redhat', 'debian12'].flatMap((distro): Case[] => [
    {
      name: `${distro}: a director pair under NAT with no floating address on the real servers' network (their gateway)`,
      text: HA_LB.replace('floating: [10.1.3.61/24, 192.168.6.1/24]', 'floating: [10.1.3.61/24]'),
      distro,
      problems: [['floating-off-network', 'virtual_services[0].real_servers[0]'], ['floating-off-network', 'virtual_services[0].real_servers[1]']],
    },
    {
      name: `${distro}: a real server whose gateway is a director's own address, not the pair's floating one (once, not per service and director)`,
      text: HA_LB.replace('      eth0: 192.168.6.4/24\n', '      eth0: 192.168.6.4/24\n    gateway: 192.168.6.2\n'),
      distro,
      problems: [['wrong-gateway', 'virtual_services[0].real_servers[0]']],
    },
    {
      name: `${distro}: pair nodes that do not share the network they float on`,
      text: HA_LB.replace('eth1: 192.168.6.3/24', 'eth1: 192.168.7.3/24'),
      distro,
      problems: [
        ['floating-off-network', 'heartbeat.floating[1]'],
        ...[0, 1, 2].flatMap((i) => [0, 1].map((j): [string, string] => ['unreachable-real-server', `virtual_services[${i}].real_servers[${j}]`])),
      ],
    },
    { name: `${distro}: a pair of three`, text: HA_LB.replace('nodes: [lvs1, lvs2]', 'nodes: [lvs1, lvs2, real1]'), distro, problems: [['heartbeat-nodes', 'heartbeat.nodes']] },
    {
      name: `${distro}: NAT with two directors that are not a pair`,
      text: HA_LB.replace(/\nheartbeat:[^]*$/, '\n'),
      distro,
      problems: [['unsupported', 'virtual_services']],
    },
  ]),
  { name: 'virtual_router_id 0', text: HA.replace('auth: {', 'virtual_router_id: 0\n  auth: {'), distro: 'debian12', problems: [['invalid-value', 'heartbeat.virtual_router_id']] },
  { name: 'virtual_router_id 256', text: HA.replace('auth: {', 'virtual_router_id: 256\n  auth: {'), distro: 'debian12', problems: [['invalid-value', 'heartbeat.virtual_router_id']] },
  { name: 'an unknown backend', text: `${LB}\ndirector_backend: piranha\n`, problems: [['invalid-value', 'director_backend']] },
  {
    name: 'a VRRP password (the key\'s first 8 characters) with a double quote',
    text: HA.replace('key: example-only-change-me', 'key: \'exa"mple-only-change-me\''),
    distro: 'rhel9',
    problems: [['secret-source', 'heartbeat.auth.key']],
  },
  {
    name: '... also when the key comes from the environment',
    text: HA.replace('key: example-only-change-me', 'key_env: LVSGEN_DISTROS_TEST_KEY'),
    distro: 'debian12',
    env: { LVSGEN_DISTROS_TEST_KEY: 'ab"cdefgh-and-more' },
    problems: [['secret-source', 'heartbeat.auth.key_env']],
  },
];

for (const c of CASES) {
  test(`refused: ${c.name}`, () => {
    let caught: unknown;
    try {
      generateText(c.text, c.distro, c.env);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof TopologyError, `expected a TopologyError, got ${String(caught)}`);
    assert.deepEqual(
      caught.problems.map((p) => [p.code, p.path]).sort(),
      [...c.problems].sort(),
      caught.problems.map((p) => `${p.path}: ${p.message}`).join('\n'),
    );
    for (const p of caught.problems) {
      for (const secret of ['exa"mple', 'ab"cdefgh', 'example-only-change-me']) assert.ok(!p.message.includes(secret), `a message shows the key: ${p.message}`);
    }
  });
}

test('accepted: the same double quote is fine for heartbeat (the seeds\' distros) and past the 8th character for VRRP', () => {
  generateText(HA.replace('key: example-only-change-me', 'key: \'exa"mple-only-change-me\''), 'redhat');
  generateText(HA.replace('key: example-only-change-me', 'key: \'example-"only-change-me\''), 'debian12');
});

test('accepted: every example on today\'s distros with the backends they run, and a director pair on both', () => {
  generateText(LB, 'debian12');
  generateText(LB_KA, 'debian12');
  generateText(LB_KA, 'rhel9');
  generateText(HA, 'debian12');
  generateText(HA, 'rhel9');
  generateText(PAIR, 'debian12');
  generateText(PAIR, 'rhel9');
  for (const d of ['redhat', 'debian', 'debian12', 'rhel9']) generateText(HA_LB, d);
});

test('HA + LB (NAT): the real servers\' gateway is the pair\'s floating address on their network, whatever the directors\' own addresses', () => {
  const other = HA_LB.replaceAll('192.168.6.', '172.16.9.').replace('172.16.9.1/24', '172.16.9.254/24');
  for (const d of ['redhat', 'debian', 'debian12', 'rhel9']) {
    for (const [text, gw] of [[HA_LB, '192.168.6.1'], [other, '172.16.9.254']] as const) {
      const hosts = generateText(text, d).model.hosts;
      for (const r of ['real1', 'real2']) assert.equal(hosts.find((h) => h.name === r)!.gateway?.address, gw, `${d} ${r}`);
      // Both directors masquerade the server network and load ip_vs_ftp; neither holds a floating address as a static alias.
      for (const n of ['lvs1', 'lvs2']) {
        const h = hosts.find((x) => x.name === n)!;
        assert.deepEqual(h.devices.flatMap((x) => x.masquerade), [gw.replace(/\.\d+$/, '.0/24')], `${d} ${n}`);
        assert.deepEqual(h.modules, ['ip_vs', 'ip_vs_ftp'], 'ip_vs: the persistent FTP service\'s IPVS keys');
        assert.deepEqual(h.devices.flatMap((x) => x.aliases), []);
        assert.equal(h.director?.services.length, 3);
      }
    }
  }
});

/** The commands a plan's actions run on install, a line each. */
const runs = (plan: string) =>
  parsePlan(plan)
    .actions.flatMap((a) => [...a.before, ...a.commands, ...a.reload, ...a.start].map((c) => c.words.join(' ')))
    .join('\n');

test('HA + LB under heartbeat: haresources names the IPaddr2 resources and ldirectord, byte for byte the same on both directors; ldirectord is not started by init', () => {
  for (const d of ['redhat', 'debian']) {
    const g = generateText(HA_LB, d);
    const file = (h: string, p: string) => g.bundles.find((b) => b.host === h)!.files.find((f) => f.path === p)!.content;
    const hr = file('lvs1', 'etc/ha.d/haresources');
    assert.equal(hr, file('lvs2', 'etc/ha.d/haresources'), d);
    assert.match(hr, /^lvs1 ldirectord::ldirectord\.cf lvsgen-ipvs-sync::eth0::\d+ IPaddr2::10\.1\.3\.61\/24\/eth0 IPaddr2::192\.168\.6\.1\/24\/eth1\n/m);
    // What the install runs (its actions), not how the plan says to set a service
    // back (its `service` records, for a rollback or --uninstall).
    const installer = runs(file('lvs1', '.lvsgen/plan'));
    assert.match(installer, d === 'redhat' ? /chkconfig --del ldirectord/ : /update-rc\.d -f ldirectord remove/);
    assert.doesNotMatch(installer, /chkconfig --level 2345 ldirectord on|update-rc\.d ldirectord start|chkconfig --del heartbeat|update-rc\.d -f heartbeat remove/);
    assert.match(installer, d === 'redhat' ? /chkconfig --level 2345 heartbeat on/ : /update-rc\.d heartbeat defaults/);
    // The single director of seed 000 keeps the reverse.
    const lb = runs(generateText(LB, d).bundles.find((b) => b.host === 'director')!.files.find((f) => f.path === '.lvsgen/plan')!.content);
    assert.match(lb, d === 'redhat' ? /chkconfig --level 2345 ldirectord on/ : /update-rc\.d ldirectord start 2 3 4 5 \./);
  }
});

test('the distro\'s own backend when the topology does not say: ldirectord where it is shipped, keepalived on rhel9 and for a VRRP pair', () => {
  const backendOf = (text: string, distro: string) =>
    Object.fromEntries(
      generateText(text, distro)
        .model.hosts.filter((h) => h.roles.director)
        .map((h) => [h.name, h.ldirectord ? 'ldirectord' : h.keepalived?.virtualServers.length ? 'keepalived' : 'none']),
    );
  for (const d of ['redhat', 'debian', 'debian12']) assert.deepEqual(backendOf(LB, d), { director: 'ldirectord' }, d);
  assert.deepEqual(backendOf(LB, 'rhel9'), { director: 'keepalived' });
  const pair = PAIR.replace('director_backend: keepalived\n', '');
  for (const d of ['debian12', 'rhel9']) assert.deepEqual(backendOf(pair, d), { dir1: 'keepalived', dir2: 'keepalived' }, d);
  // An explicit backend still wins where the distro runs it.
  assert.deepEqual(backendOf(LB_KA, 'debian12'), { director: 'keepalived' });
  // Without director_backend, rhel9 renders lb-nat as it does with director_backend: keepalived.
  const files = (text: string) => generateText(text, 'rhel9').bundles.map((b) => b.files.map((f) => [b.host, f.path, f.content]));
  assert.deepEqual(files(LB), files(LB_KA));
});

test('connection synchronisation on by default for a pair of directors: lvsgen-ipvs-sync under heartbeat, lvs_sync_daemon under keepalived; connection_sync: false and a pair of real servers have none', () => {
  const off = HA_LB.replace('  auth: {', '  connection_sync: false\n  auth: {');
  const file = (text: string, d: string, h: string, p: string) => generateText(text, d).bundles.find((b) => b.host === h)!.files.find((f) => f.path === p)?.content ?? '';
  for (const d of ['redhat', 'debian']) {
    // The sync id is keepalived's default for lvs_sync_daemon: the VRRP router id.
    const vrid = generateText(HA_LB, 'debian12').model.hosts.find((h) => h.name === 'lvs1')!.keepalived!.vrrp!.virtualRouterId;
    assert.match(file(HA_LB, d, 'lvs2', 'etc/ha.d/haresources'), new RegExp(` lvsgen-ipvs-sync::eth0::${vrid} `), d);
    assert.match(file(HA_LB, d, 'lvs2', '.lvsgen/plan'), new RegExp(`^run heartbeat must /etc/ha\\.d/resource\\.d/lvsgen-ipvs-sync eth0 ${vrid} stop$`, 'm'), d);
    for (const [text, h] of [[off, 'lvs2'], [HA, 'node1']] as const) {
      assert.doesNotMatch(file(text, d, h, 'etc/ha.d/haresources'), /LVSSyncDaemonSwap|lvsgen-ipvs-sync/, d);
      assert.doesNotMatch(file(text, d, h, '.lvsgen/plan'), /lvsgen-ipvs-sync/, d);
    }
  }
  for (const d of ['debian12', 'rhel9']) {
    for (const h of ['lvs1', 'lvs2']) {
      assert.match(file(HA_LB, d, h, 'etc/keepalived/keepalived.conf'), /^global_defs \{\n\trouter_id \S+\n\tlvs_sync_daemon eth0 ha-lb\n\}$/m, `${d} ${h}`);
      assert.doesNotMatch(file(off, d, h, 'etc/keepalived/keepalived.conf'), /lvs_sync_daemon/, `${d} ${h}`);
    }
    assert.doesNotMatch(file(HA, d, 'node1', 'etc/keepalived/keepalived.conf'), /lvs_sync_daemon/, d);
  }
});

// Streamline: each node of the pair is director and real server, direct routing.
const SL = exampleWith('streamline');

const SL_CASES: Case[] = ['redhat', 'debian12'].flatMap((distro): Case[] => [
  {
    name: `${distro}: a streamline node without both roles`,
    text: SL.replace('  node2:\n    roles: [director, real-server]', '  node2:\n    roles: [director]').replace(/real_servers: \[node1, node2\]/g, 'real_servers: [node1]'),
    distro,
    problems: [['wrong-role', 'hosts.node2.roles']],
  },
  {
    name: `${distro}: a pair node as real server of NAT`,
    text: SL.replace('forward: gate', 'forward: masq'),
    distro,
    problems: [['unsupported', 'virtual_services[0].real_servers[0]'], ['unsupported', 'virtual_services[0].real_servers[1]']],
  },
  {
    name: `${distro}: a streamline virtual address that does not float`,
    text: SL.replace('floating: [192.168.6.240/24]', 'floating: [192.168.6.241/24]'),
    distro,
    problems: [['unsupported', 'virtual_services[0].virtual'], ['unsupported', 'virtual_services[1].virtual']],
  },
]);
SL_CASES.push({
  name: 'debian12: streamline under keepalived without connection sync (backup_only acts only while the backup sync daemon runs)',
  text: SL.replace('  auth: {', '  connection_sync: false\n  auth: {'),
  distro: 'debian12',
  problems: [['unsupported', 'heartbeat.connection_sync']],
});

for (const c of SL_CASES) {
  test(`refused: ${c.name}`, () => {
    let caught: unknown;
    try {
      generateText(c.text, c.distro, c.env);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof TopologyError, `expected a TopologyError, got ${String(caught)}`);
    assert.deepEqual(caught.problems.map((p) => [p.code, p.path]).sort(), [...c.problems].sort(), caught.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  });
}

test('streamline under heartbeat without connection sync is accepted (the standby runs no ldirectord, so no IPVS table)', () => {
  generateText(SL.replace('  auth: {', '  connection_sync: false\n  auth: {'), 'redhat');
});

test('streamline, the example and a variant: both nodes hold every floating virtual address on a non-ARPing lo alias; each director serves its own share locally; keepalived\'s standby keeps IPVS out of the way', () => {
  const vipsOf = (text: string) => [...text.matchAll(/virtual: ([\d.]+):/g)].map((m) => m[1]!);
  for (const [text, nodes, other] of [[SL, ['node1', 'node2'], []], [STREAMLINE_VARIANT, ['alpha', 'bravo'], ['charlie']]] as const) {
    const vips = [...new Set(vipsOf(text))];
    for (const d of ['redhat', 'debian', 'debian12', 'rhel9']) {
      const g = generateText(text, d);
      const host = (n: string) => g.model.hosts.find((h) => h.name === n)!;
      for (const n of nodes) {
        const h = host(n);
        assert.deepEqual(h.loopbackAliases.map((a) => [a.address, a.prefix, a.floating]), vips.map((v) => [v, 32, true]), `${d} ${n}: lo aliases`);
        assert.ok(h.arpSuppression, `${d} ${n}: arp_ignore/arp_announce`);
        // No static alias on a device: the pair's software moves the address there.
        assert.deepEqual(h.devices.flatMap((x) => x.aliases), [], `${d} ${n}`);
        // Each director sees itself as Local and the other node as Route.
        for (const s of h.director!.services) {
          for (const r of s.reals) assert.equal(r.local, r.host === n, `${d} ${n} ${s.address}:${s.port} ${r.host}`);
        }
        const backupOnly = h.moduleSysctls.flatMap((m) => m.keys).filter((k) => k.key === 'net.ipv4.vs.backup_only');
        const vrrp = d === 'debian12' || d === 'rhel9';
        assert.deepEqual(backupOnly, vrrp ? [{ key: 'net.ipv4.vs.backup_only', value: '1' }] : [], `${d} ${n}: backup_only under keepalived only`);
        if (vrrp) {
          assert.ok(h.modules.includes('ip_vs'), `${d} ${n}: ip_vs before the key`);
          assert.ok(h.keepalived?.vrrp?.syncInterface, `${d} ${n}: lvs_sync_daemon (backup on the standby)`);
        } else {
          // IPaddr2 is told the device: with the address also on lo, it must not pick lo.
          const hr = g.bundles.find((b) => b.host === n)!.files.find((f) => f.path === 'etc/ha.d/haresources')!.content;
          for (const v of vips) assert.match(hr, new RegExp(` IPaddr2::${v.replaceAll('.', '\\.')}/23/ens3|IPaddr2::${v.replaceAll('.', '\\.')}/24/eth0`), `${d} ${n}: ${hr}`);
        }
      }
      // A real server that is no director: its lo aliases are its own (not floating), the same addresses.
      for (const n of other) {
        const h = host(n);
        assert.deepEqual(h.loopbackAliases.map((a) => [a.address, a.floating]), [[vips[0], undefined]], `${d} ${n}`);
        assert.deepEqual(h.moduleSysctls, [], `${d} ${n}: no IPVS keys on a plain real server`);
      }
    }
  }
});

test('streamline: `lvsgen ipvsadm` predicts the director itself as Local on the seeds\' kernels, Route on today\'s, and the other node as Route (the example and the variant)', async (t) => {
  const dests = (text: string, host: string, local?: string) =>
    renderIpvsadmTable(generateText(text, 'redhat').model.hosts.find((h) => h.name === host)!, '1.0.4', local)
      .split('\n')
      .filter((l) => l.startsWith('  -> ') && !l.includes('RemoteAddress'))
      .map((l) => l.trim().split(/\s+/).slice(1, 4).join(' '));
  assert.deepEqual(dests(SL, 'node1', 'Local'), ['192.168.6.2:80 Local 1', '192.168.6.3:80 Route 1', '192.168.6.2:443 Local 1', '192.168.6.3:443 Route 1']);
  assert.deepEqual(dests(SL, 'node2', 'Local'), ['192.168.6.2:80 Route 1', '192.168.6.3:80 Local 1', '192.168.6.2:443 Route 1', '192.168.6.3:443 Local 1']);
  assert.deepEqual(dests(STREAMLINE_VARIANT, 'alpha', 'Local'), ['172.20.4.11:8080 Local 3', '172.20.4.12:8080 Route 1', '172.20.5.13:8080 Route 1', '172.20.4.11:53 Local 1', '172.20.4.12:53 Route 1']);
  // today's kernels (what the lab runs on): the forwarding method
  assert.deepEqual(dests(SL, 'node1'), ['192.168.6.2:80 Route 1', '192.168.6.3:80 Route 1', '192.168.6.2:443 Route 1', '192.168.6.3:443 Route 1']);
  // the command: as the director's distro's kernel shows it (vars.ipvs_local)
  for (const [distro, want] of [['redhat', 'Local'], ['debian', 'Local'], ['debian12', 'Route']] as const) {
    const file = join(tempDir(t, 'lvsgen-ipvsadm-'), 'streamline.yaml');
    writeFileSync(file, exampleWith('streamline').replace(/^ {2}distro: redhat$/m, `  distro: ${distro}`));
    const r = await cli('ipvsadm', file, '--host', 'node1');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`-> 192\\.168\\.6\\.2:80 +${want} `), distro);
    assert.match(r.stdout, /-> 192\.168\.6\.3:80 +Route /, distro);
  }
});
