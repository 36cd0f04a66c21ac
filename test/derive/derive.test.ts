// What the derived model decides, from topologies held here as text and run
// through the pure pipeline (no file is read but the bundled distros): the
// facts an operator should not have to repeat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DerivedHost } from '../../src/derive/model.js';
import { TopologyError } from '../../src/model/problems.js';
import { runPipeline, type Generated, type PipelineOptions } from '../../src/pipeline.js';
import { loadDistros } from '../../src/render/distros.js';
import { SORRY_HOSTS } from '../support/index.js';

const DISTROS = loadDistros();
const noKeyFile = (p: string): string => {
  throw new Error(`no key file expected, asked for ${p}`);
};

function run(text: string, opts: Partial<PipelineOptions> = {}): Generated {
  return runPipeline(text, { distros: DISTROS, env: {}, readKeyFile: noKeyFile, ...opts });
}

function host(g: Generated, name: string): DerivedHost {
  const h = g.model.hosts.find((x) => x.name === name);
  assert.ok(h, `no host ${name}`);
  return h;
}

function file(g: Generated, hostName: string, path: string): string {
  const f = g.bundles.find((b) => b.host === hostName)?.files.find((x) => x.path === path);
  assert.ok(f, `${hostName} has no ${path}`);
  return f.content;
}

/** A host's accepted ports (DerivedHost.accepts) as `80/tcp` or `10000-10100/tcp`, in the model's order. */
function accepted(g: Generated, name: string): string[] {
  return host(g, name).accepts.map((r) => `${r.from === r.to ? r.from : `${r.from}-${r.to}`}/${r.protocol}`);
}

/** The problems a topology is refused with, as `path: code`. */
function refused(text: string, opts: Partial<PipelineOptions> = {}): string[] {
  try {
    run(text, opts);
  } catch (e) {
    if (e instanceof TopologyError) return e.problems.map((p) => `${p.path}: ${p.code}`);
    throw e;
  }
  assert.fail('the topology was accepted');
}

/** One director in front of two real servers, on two server networks. */
const NAT = (forward: string, extra = '') => `
name: t
defaults: { distro: debian12 }
hosts:
  director:
    roles: [director]
    interfaces: { eth0: 10.1.3.1/24, eth1: 192.168.6.1/24, eth2: 192.168.7.1/24 }
  real1:
    roles: [real-server]
    interfaces: { eth0: 192.168.6.4/24 }
  real2:
    roles: [real-server]
    interfaces: { eth0: 192.168.7.5/24 }
${extra}
virtual_services:
  - virtual: 10.1.3.61:80
    forward: ${forward}
    check: { type: connect }
    real_servers: [real1, real2]
`;

test("a NAT real server's default gateway is the director's address on its network", () => {
  const g = run(NAT('masq'));
  assert.deepEqual(host(g, 'real1').gateway, { address: '192.168.6.1', device: 'eth0' });
  assert.deepEqual(host(g, 'real2').gateway, { address: '192.168.7.1', device: 'eth0' });
  assert.equal(host(g, 'director').gateway, undefined, 'the director has none');
  assert.match(file(g, 'real2', 'etc/network/interfaces.d/eth0'), /gateway 192\.168\.7\.1\b/);
});

test('a direct-routing real server gets no gateway from the director', () => {
  assert.equal(host(run(NAT('gate')), 'real1').gateway, undefined);
});

const ROUTED = (auth = '{ method: crc }', node1 = '') => `
name: t
defaults: { distro: debian12 }
hosts:
  router:
    roles: [router]
    interfaces: { eth0: 192.168.6.1/24, eth1: 10.1.3.1/24 }
  node1:
    roles: [real-server]
    interfaces: { eth0: 192.168.6.2/24 }
${node1}
  node2:
    roles: [real-server]
    interfaces: { eth0: 192.168.6.3/24 }
heartbeat:
  nodes: [node1, node2]
  floating: [192.168.6.240/24]
  auth: ${auth}
`;

test('an explicit gateway wins over the derived one', () => {
  const g = run(ROUTED(undefined, '    gateway: 192.168.6.254'));
  assert.deepEqual(host(g, 'node1').gateway, { address: '192.168.6.254', device: 'eth0' });
  assert.deepEqual(host(g, 'node2').gateway, { address: '192.168.6.1', device: 'eth0' }, 'the other node keeps the router');
  const dr = run(NAT('gate').replace('interfaces: { eth0: 192.168.6.4/24 }', 'interfaces: { eth0: 192.168.6.4/24 }\n    gateway: 192.168.6.254'));
  assert.deepEqual(host(dr, 'real1').gateway, { address: '192.168.6.254', device: 'eth0' });
});

test('directors and routers forward; real servers do not', () => {
  const g = run(ROUTED());
  assert.equal(host(g, 'router').forwarding, true);
  assert.equal(host(g, 'node1').forwarding, false);
  assert.deepEqual(host(g, 'node1').gateway, { address: '192.168.6.1', device: 'eth0' }, 'a host beside a router routes through it');
  assert.equal(host(run(NAT('masq')), 'director').forwarding, true);
  assert.equal(host(run(NAT('masq')), 'real1').forwarding, false);
  assert.match(file(g, 'router', 'etc/sysctl.d/90-lvsgen.conf'), /^net\.ipv4\.ip_forward = 1$/m);
});

test('a NAT director masquerades each server network on the device facing it, and only for NAT', () => {
  const d = host(run(NAT('masq')), 'director');
  assert.deepEqual(
    d.devices.map((x) => [x.device, x.masquerade]),
    [
      ['eth0', []],
      ['eth1', ['192.168.6.0/24']],
      ['eth2', ['192.168.7.0/24']],
    ],
  );
  assert.deepEqual(host(run(NAT('gate')), 'director').devices.flatMap((x) => x.masquerade), []);
});

test('ip_vs_ftp is loaded for FTP (port 21) through NAT, not for direct routing', () => {
  const ftp = (forward: string) => NAT(forward).replace('10.1.3.61:80', '10.1.3.61:21');
  const g = run(ftp('masq'));
  // ip_vs itself for the NAT sysctl below (its keys exist once the module is loaded)
  assert.deepEqual(host(g, 'director').modules, ['ip_vs', 'ip_vs_ftp']);
  assert.match(file(g, 'director', 'etc/modules-load.d/lvsgen.conf'), /^ip_vs_ftp$/m);
  assert.deepEqual(host(run(ftp('gate')), 'director').modules, []);
  assert.deepEqual(host(run(NAT('masq')), 'director').modules, ['ip_vs'], 'port 80 needs no helper');
});

test('a NAT director has IPVS keep conntrack entries (net.ipv4.vs.conntrack = 1), so that a stateful filter takes the replies as established; direct routing does not', () => {
  const keys = (forward: string) => host(run(NAT(forward)), 'director').moduleSysctls.flatMap((s) => s.keys.map((k) => `${k.key}=${k.value}`));
  assert.ok(keys('masq').includes('net.ipv4.vs.conntrack=1'), keys('masq').join(' '));
  assert.ok(!keys('gate').some((k) => k.startsWith('net.ipv4.vs.conntrack')), keys('gate').join(' '));
  assert.match(file(run(NAT('masq')), 'director', 'etc/sysctl.d/90-lvsgen.conf'), /^net\.ipv4\.vs\.conntrack = 1$/m);
});

test('virtual addresses become aliases eth0:0, eth0:1 ... of the device on their network', () => {
  const two = NAT('masq').replace(
    'virtual_services:',
    `virtual_services:
  - virtual: 10.1.3.62:80
    forward: masq
    check: { type: connect }
    real_servers: [real1]`,
  );
  const eth0 = host(run(two), 'director').devices.find((x) => x.device === 'eth0')!;
  assert.deepEqual(
    eth0.aliases.map((a) => [a.device, a.parent, a.address, a.prefix]),
    [
      ['eth0:0', 'eth0', '10.1.3.61', 24],
      ['eth0:1', 'eth0', '10.1.3.62', 24],
    ],
  );
  // The director's own address as the virtual one needs no alias.
  const own = host(run(NAT('masq').replace('10.1.3.61:80', '10.1.3.1:80')), 'director');
  assert.deepEqual(own.devices.flatMap((x) => x.aliases), []);
});

const KEYED = (auth: string) => `
name: t
defaults: { distro: redhat }
hosts:
  node1:
    roles: [real-server]
    interfaces: { eth0: 192.168.6.2/24 }
  node2:
    roles: [real-server]
    interfaces: { eth0: 192.168.6.3/24 }
heartbeat:
  nodes: [node1, node2]
  floating: [192.168.6.240/24]
  auth: ${auth}
`;

test('key_env is read from the environment passed in, not from the process', () => {
  const name = 'LVSGEN_DERIVE_TEST_KEY';
  const g = run(KEYED(`{ method: sha1, key_env: ${name} }`), { env: { [name]: 'from-the-passed-env' } });
  assert.equal(host(g, 'node1').heartbeat?.key, 'from-the-passed-env');
  assert.match(file(g, 'node1', 'etc/ha.d/authkeys'), /^1 sha1 from-the-passed-env$/m);
  process.env[name] = 'from-the-process';
  try {
    assert.deepEqual(refused(KEYED(`{ method: sha1, key_env: ${name} }`), { env: {} }), ['heartbeat.auth.key_env: secret-source']);
  } finally {
    delete process.env[name];
  }
});

test('key_file is read through the reader passed in, with the path as the topology gives it', () => {
  const asked: string[] = [];
  const g = run(KEYED('{ method: md5, key_file: keys/ha.key }'), {
    readKeyFile: (p) => {
      asked.push(p);
      return 'from-the-reader\nsecond line ignored\n';
    },
  });
  assert.deepEqual(asked, ['keys/ha.key']);
  assert.equal(host(g, 'node2').heartbeat?.key, 'from-the-reader');
});

test('a key file the reader cannot find is a problem at heartbeat.auth.key_file', () => {
  const missing = (p: string): string => {
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  };
  assert.throws(
    () => run(KEYED('{ method: sha1, key_file: keys/none.key }'), { readKeyFile: missing }),
    (e: unknown) =>
      e instanceof TopologyError &&
      e.problems.length === 1 &&
      e.problems[0]!.path === 'heartbeat.auth.key_file' &&
      e.problems[0]!.code === 'secret-source' &&
      /cannot read the key file keys\/none.key: ENOENT/.test(e.problems[0]!.message),
  );
});

test('--distro is checked against the distro set passed in', () => {
  assert.deepEqual(refused(NAT('masq'), { distro: 'no-such-distro' }), [': invalid-value']);
  assert.equal(run(NAT('masq'), { distro: 'redhat' }).bundles.every((b) => b.distro === 'redhat'), true);
});

// A real server's ports (DerivedHost.accepts), which a rhel9 host opens in its
// firewalld policy: the real port under NAT, the check's own port, UDP beside
// TCP, every port a firewall mark covers; sorted by port as numbers, tcp before
// udp, each once, a port a range covers dropped.
const PORTS = `name: ports
defaults: { distro: rhel9 }
hosts:
  lb: { roles: [director], distro: debian, interfaces: { eth0: 10.1.0.1/24, eth1: 10.2.0.1/24 } }
  web: { roles: [real-server], interfaces: { eth0: 10.2.0.11/24 } }
  dr: { roles: [real-server], interfaces: { eth0: 10.1.0.12/24 } }
virtual_services:
  - virtual: 10.1.0.50:443
    forward: masq
    check: { type: connect, port: 8443 }
    real_servers: [{ host: web, port: 8080 }]
  - virtual: 10.1.0.50:53
    protocol: udp
    forward: masq
    check: { type: negotiate, service: dns, request: www.example.com, receive: 192.0.2.1 }
    real_servers: [web]
  - virtual: 10.1.0.50:53
    forward: masq
    check: { type: connect }
    real_servers: [web]
  - virtual: 10.1.0.51:25
    forward: masq
    check: { type: ping, port: 2525 }
    real_servers: [web]
  - fwmark: { match: [10.1.0.60:10000-10100, 10.1.0.60:80] }
    forward: gate
    check: { type: connect, port: 10050 }
    real_servers: [dr]
`;

test('a real server accepts its real ports, its checks\' own ports and every port a mark covers: sorted as numbers, tcp before udp, each once', () => {
  const g = run(PORTS);
  // NAT: the real port 8080, not the virtual 443; the connect check's 8443; a ping check's port is no connection
  assert.deepEqual(accepted(g, 'web'), ['25/tcp', '53/tcp', '53/udp', '8080/tcp', '8443/tcp']);
  // direct routing of a mark: 80 before the range (numbers, not text); the check's 10050 is in the range
  assert.deepEqual(accepted(g, 'dr'), ['80/tcp', '10000-10100/tcp']);
  // the director: its virtual ports, every port of the mark
  assert.deepEqual(accepted(g, 'lb'), ['25/tcp', '53/tcp', '53/udp', '80/tcp', '443/tcp', '10000-10100/tcp']);
  const policy = file(g, 'web', 'etc/firewalld/policies/lvsgen-host.xml');
  assert.deepEqual(policy.split('\n').filter((l) => l.includes('<port ')).map((l) => l.trim()), [
    '<port port="25" protocol="tcp"/>',
    '<port port="53" protocol="tcp"/>',
    '<port port="53" protocol="udp"/>',
    '<port port="8080" protocol="tcp"/>',
    '<port port="8443" protocol="tcp"/>',
  ]);
  assert.match(file(g, 'dr', 'etc/firewalld/policies/lvsgen-host.xml'), /<port port="80" protocol="tcp"\/>\n {2}<port port="10000-10100" protocol="tcp"\/>\n<\/policy>\n$/);
});

// A sorry server that is a host of the topology takes the port its directors
// send it the clients' packets on, as a real server does: NAT the fallback's
// port, direct routing the virtual port (`fallback` without a port, and the
// cluster default where it fits), over the service's protocol. A fallback at
// no host's address (127.0.0.1) opens nothing; nor does a lone director that
// is its own service's fallback (IPVS delivers to itself past INPUT).
const SORRY = `name: sorry
defaults: { distro: rhel9 }
hosts:
  lb: { roles: [director], distro: debian, interfaces: { eth0: 10.1.0.1/24, eth1: 10.2.0.1/24 } }
  web: { roles: [real-server], interfaces: { eth0: 10.2.0.11/24 } }
  sorry: { roles: [real-server], interfaces: { eth0: 10.2.0.9/24 } }
  sorrydr: { roles: [real-server], interfaces: { eth0: 10.1.0.9/24 } }
  dr: { roles: [real-server], interfaces: { eth0: 10.1.0.12/24 } }
ldirectord: { fallback: 10.2.0.9:53 }
virtual_services:
  - virtual: 10.1.0.50:80
    forward: masq
    check: { type: connect }
    fallback: 10.2.0.9:8080
    real_servers: [web]
  - virtual: 10.1.0.50:53
    protocol: udp
    forward: masq
    check: { request: www.example.com, receive: 192.0.2.1 }
    real_servers: [web]
  - virtual: 10.1.0.50:443
    forward: gate
    check: { type: connect }
    fallback: 10.1.0.9
    real_servers: [dr]
  - virtual: 10.1.0.50:25
    forward: masq
    check: { type: connect }
    fallback: 127.0.0.1:2525
    real_servers: [web]
  - virtual: 10.1.0.50:110
    forward: masq
    check: { type: connect }
    fallback: 10.2.0.1:8110
    real_servers: [web]
`;

test('a sorry server that is a host of the topology accepts the port its directors send to: the fallback\'s under NAT, the virtual port under direct routing, the default\'s where it fits', () => {
  const g = run(SORRY);
  // NAT: 8080 (its own fallback of 80), udp 53 (the cluster default, which fits the udp DNS service)
  assert.deepEqual(accepted(g, 'sorry'), ['53/udp', '8080/tcp']);
  // direct routing: the virtual port 443 (a real server of no service)
  assert.deepEqual(accepted(g, 'sorrydr'), ['443/tcp']);
  assert.deepEqual(accepted(g, 'dr'), ['443/tcp']);
  // the director that is its own fallback (10.2.0.1:8110) and the 127.0.0.1 fallback: no port beyond the virtual ones
  assert.deepEqual(accepted(g, 'lb'), ['25/tcp', '53/udp', '80/tcp', '110/tcp', '443/tcp']);
  assert.deepEqual(accepted(g, 'web'), ['25/tcp', '53/udp', '80/tcp', '110/tcp']);
  const policy = file(g, 'sorry', 'etc/firewalld/policies/lvsgen-host.xml');
  assert.deepEqual(policy.split('\n').filter((l) => l.includes('<port ')).map((l) => l.trim()), ['<port port="53" protocol="udp"/>', '<port port="8080" protocol="tcp"/>']);
});

test('a NAT sorry server that is a host of the topology takes the director as its default gateway, as a NAT real server does; a direct-routing one does not', () => {
  const g = run(SORRY);
  assert.deepEqual(host(g, 'sorry').gateway, { address: '10.2.0.1', device: 'eth0' });
  assert.deepEqual(host(g, 'web').gateway, { address: '10.2.0.1', device: 'eth0' });
  assert.equal(host(g, 'sorrydr').gateway, undefined);
  assert.match(file(g, 'sorry', 'etc/NetworkManager/system-connections/lvsgen-eth0.nmconnection'), /^gateway=10\.2\.0\.1$/m);
});

// A sorry server of a direct-routing or tunnelling service is sent the
// clients' packets as a real server of that method is, addressed to the
// virtual address: a host of the topology gets what such a real server gets
// (the virtual address on a non-ARPing lo alias; under tunnelling ipip, tunl0
// and its rp_filter), whether it is a real server of another service only or
// of none. A fallback on the director itself (127.0.0.1) or at no host's
// address changes no host. The topology is SORRY_HOSTS (test/support/cases.ts).
test('a sorry server of direct routing or tunnelling that is a host of the topology holds the virtual address on a non-ARPing lo alias, and under tunnelling loads ipip and brings tunl0 up, as a real server does', () => {
  const g = run(SORRY_HOSTS);
  const los = (name: string) => host(g, name).loopbackAliases.map((a) => `${a.device} ${a.networkCidr === `${a.address}/32` ? a.address : a.networkCidr}`);
  // a dedicated sorry host (a real server of no service): direct routing
  const sorry = host(g, 'sorry');
  assert.deepEqual(los('sorry'), ['lo:0 10.1.0.50']);
  assert.equal(sorry.arpSuppression, true);
  assert.equal(sorry.tunnel, undefined);
  assert.deepEqual(sorry.modules, []);
  // a NAT real server of another service, the tunnelled service's sorry server
  const tun = host(g, 'sorrytun');
  assert.deepEqual(los('sorrytun'), ['lo:0 10.1.0.51']);
  assert.equal(tun.arpSuppression, true);
  assert.deepEqual(tun.tunnel, { device: 'tunl0' });
  assert.deepEqual(tun.modules, ['ipip']);
  assert.deepEqual(tun.moduleSysctls.flatMap((s) => s.keys), [{ key: 'net.ipv4.conf.tunl0.rp_filter', value: '0' }]);
  assert.equal(tun.gateway?.address, '10.2.0.1', 'still the NAT real server it is');
  // the real server of every direct-routing and tunnelled service, for comparison; the director holds its addresses itself
  assert.deepEqual(los('dr'), ['lo:0 10.1.0.50', 'lo:1 10.1.0.51', 'lo:2 10.1.0.52']);
  assert.deepEqual(los('lb'), []);
  assert.deepEqual(los('web'), []);
  // the files: the lo stanza, the ARP keys, tunl0 and rp_filter
  assert.match(file(g, 'sorry', 'etc/network/interfaces.d/lo'), /^auto lo:0\niface lo:0 inet static\n\taddress 10\.1\.0\.50\/32$/m);
  assert.match(file(g, 'sorry', 'etc/sysctl.d/90-lvsgen.conf'), /^net\.ipv4\.conf\.all\.arp_ignore = 1\nnet\.ipv4\.conf\.all\.arp_announce = 2$/m);
  assert.match(file(g, 'sorrytun', 'etc/network/interfaces.d/lo'), /^auto lo:0\niface lo:0 inet static\n\taddress 10\.1\.0\.51\/32$/m);
  assert.match(file(g, 'sorrytun', 'etc/network/interfaces.d/tunl0'), /^iface tunl0 inet manual$/m);
  assert.match(file(g, 'sorrytun', 'etc/sysctl.d/90-lvsgen.conf'), /^net\.ipv4\.conf\.all\.rp_filter = 0$[^]*^net\.ipv4\.conf\.tunl0\.rp_filter = 0$/m);
  // rhel9: firewalld lets the sorry servers' ports and the IP-in-IP packets in
  const r9 = run(SORRY_HOSTS, { distro: 'rhel9' });
  assert.match(file(r9, 'sorrytun', 'etc/firewalld/policies/lvsgen-host.xml'), /<protocol value="4"\/>/);
  assert.match(file(r9, 'sorry', 'etc/firewalld/policies/lvsgen-host.xml'), /<port port="443" protocol="tcp"\/>/);
});
