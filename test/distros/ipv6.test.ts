// IPv6 (issue 14): interfaces with IPv4 and IPv6 addresses, IPv6 virtual
// services through NAT (examples/lb-ipv6.yaml). Proven with the consumers:
// the validation table (code, path, line); ldirectord's parser (virtual6 and
// real6; virtual= refuses a bracketed address) and a real ldirectord checking
// IPv6 real servers in a scratch namespace (its http check over IPv6 needs
// Net::INET6Glue, which lvsgen names as the host's package); keepalived
// --config-test; ifupdown bringing the debian12 stanzas up in a namespace
// (the kernel then holds every IPv6 address and the IPv6 default route) and
// ifup -n of debian's file; initscripts' ifcfg sourced by bash; sysctl -p of
// the IPv6 forwarding key in a namespace; the ipvsadm prediction in
// ipvsadm's order and form (libipvs ipvs_cmp_services: IPv4 before IPv6;
// "[%s]:%u"). NetworkManager's reading of the rhel9 keyfiles is in
// networkmanager.test.ts (every rhel9 golden case, this one included).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { renderIpvsadmTable } from '../../src/render/ipvsadm-table.js';
import { bundlesOf, exampleFile, generateText, ifupAll, interfacesOf, assertKeepalivedReads, link, netns, ok, problemsOf, renderCase, requireRoot, requireTools, sh, sourced, spawnIn, tempDir, until, assertRefused } from '../support/index.js';
import { startLdirectord } from '../support/ldirectord-run.js';

const fileOf = (distro: string, host: string, path: string) => exampleFile('lb-ipv6', distro, host, path);

const base = (hosts: string, services: string) => `name: six
defaults: { distro: debian12 }
hosts:
  lb: { roles: [director], interfaces: { eth0: [10.1.3.1/24, "2001:db8:3::1/64"], eth1: [192.168.6.1/24, "2001:db8:6::1/64"] } }
  web1: { roles: [real-server], interfaces: { eth0: [192.168.6.4/24, "2001:db8:6::4/64"] } }
${hosts}virtual_services:
${services}`;
const WEB = `  - virtual: "[2001:db8:3::61]:80"
    forward: masq
    check: { type: connect }
    real_servers: [web1]
`;

const REFUSED: Array<[name: string, hosts: string, services: string, want: Array<[string, string]>]> = [
  ['an IPv6-only interface', '  web2: { roles: [real-server], interfaces: { eth0: "2001:db8:6::5/64" } }\n', WEB, [['unsupported', 'hosts.web2.interfaces.eth0']]],
  ['two IPv4 addresses on one interface', '  web2: { roles: [real-server], interfaces: { eth0: [192.168.6.5/24, 192.168.6.6/24] } }\n', WEB, [['unsupported', 'hosts.web2.interfaces.eth0']]],
  ['a link-local address', '  web2: { roles: [real-server], interfaces: { eth0: [192.168.6.5/24, "fe80::5/64"] } }\n', WEB, [['invalid-cidr', 'hosts.web2.interfaces.eth0[1]']]],
  ['an IPv6 address used twice', '  web2: { roles: [real-server], interfaces: { eth0: [192.168.6.5/24, "2001:db8:6:0::4/64"] } }\n', WEB, [['duplicate-address', 'hosts.web2.interfaces.eth0']]],
  ['two addresses of one IPv6 network on one interface', '  web2: { roles: [real-server], interfaces: { eth0: [192.168.6.5/24, "2001:db8:6::5/64", "2001:db8:6::6/64"] } }\n', WEB, [['overlapping-networks', 'hosts.web2.interfaces.eth0']]],
  ['a multicast virtual address', '', WEB.replace('2001:db8:3::61', 'ff02::61'), [['invalid-address', 'virtual_services[0].virtual']]],
  ['an IPv6 virtual address off the director\'s IPv6 networks', '', WEB.replace('2001:db8:3::61', '2001:db8:9::61'), [['virtual-address-off-network', 'virtual_services[0].virtual']]],
  ['IPv6 tunnelling', '', WEB.replace('forward: masq', 'forward: ipip'), [['unsupported', 'virtual_services[0].forward']]],
  ['an IPv4 sorry server behind an IPv6 service (mixed families)', '', WEB.replace('forward: masq', 'forward: masq\n    fallback: 127.0.0.1'), [['invalid-value', 'virtual_services[0].fallback']]],
  ['an IPv4 netmask for an IPv6 service\'s persistence', '', WEB.replace('forward: masq', 'forward: masq\n    persistent: 60\n    netmask: 255.255.255.0'), [['unsupported', 'virtual_services[0].netmask']]],
  ['FTP over IPv6', '', WEB.replace(']:80', ']:21'), [['unsupported', 'virtual_services[0].virtual']]],
  ['a real server without an IPv6 address on the director\'s networks', '  web2: { roles: [real-server], interfaces: { eth0: 192.168.6.5/24 } }\n', WEB.replace('[web1]', '[web1, web2]'), [['unreachable-real-server', 'virtual_services[0].real_servers[1]']]],
  ['the same IPv6 service twice, written two ways', '', `${WEB}${WEB.replace('2001:db8:3::61', '2001:DB8:3:0:0:0:0:61')}`, [['duplicate-virtual-service', 'virtual_services[1].virtual']]],
];
for (const [name, hosts, services, want] of REFUSED) {
  test(`refused, with its path and line: ${name}`, () => {
    assertRefused(base(hosts, services), want);
  });
}

// A pair of directors (issue 14): IPv6 floating addresses beside IPv4 ones.
const pair = (floating: string, virtual = '2001:db8:3::61', web = '"2001:db8:6::11/64"') => `name: six
defaults: { distro: debian12 }
hosts:
  lb1: { roles: [director], interfaces: { eth0: [10.1.3.1/24, "2001:db8:3::1/64"], eth1: [192.168.6.2/24, "2001:db8:6::2/64"] } }
  lb2: { roles: [director], interfaces: { eth0: [10.1.3.2/24, "2001:db8:3::2/64"], eth1: [192.168.6.3/24, "2001:db8:6::3/64"] } }
  web1: { roles: [real-server], interfaces: { eth0: [192.168.6.11/24, ${web}] } }
heartbeat: { nodes: [lb1, lb2], floating: [${floating}], auth: { method: crc } }
virtual_services:
  - virtual: "[${virtual}]:80"
    forward: masq
    check: { type: connect }
    real_servers: [web1]
`;
const PAIR_OK = '10.1.3.61/24, 192.168.6.1/24, "2001:db8:3::61/64", "2001:db8:6::1/64"';
const PAIR_REFUSED: Array<[name: string, text: string, want: Array<[string, string]>]> = [
  ['an IPv6 floating address on no IPv6 network of the nodes', pair(PAIR_OK.replace('2001:db8:6::1/64', '2001:db8:9::1/64')), [
    ['floating-off-network', 'heartbeat.floating[3]'], ['floating-off-network', 'heartbeat.floating[3]'], ['floating-off-network', 'virtual_services[0].real_servers[0]'],
  ]],
  ['a pair that floats IPv6 addresses only', pair('"2001:db8:3::61/64", "2001:db8:6::1/64"'), [['unsupported', 'heartbeat.floating']]],
  ['an IPv6 virtual address that does not float', pair(PAIR_OK, '2001:db8:3::62'), [['unsupported', 'virtual_services[0].virtual']]],
  ['an IPv6 real server whose network holds no IPv6 floating address (its gateway)', pair('10.1.3.61/24, 192.168.6.1/24, "2001:db8:3::61/64"'), [['floating-off-network', 'virtual_services[0].real_servers[0]']]],
  ['an IPv6 floating address that is a node\'s own', pair(PAIR_OK.replace('2001:db8:6::1/64', '2001:db8:6::2/64')), [['duplicate-address', 'heartbeat.floating[3]']]],
];
for (const [name, text, want] of PAIR_REFUSED) {
  test(`refused through a pair, with its path and line: ${name}`, () => {
    assertRefused(text, want);
  });
}

test('a real server of IPv6 NAT services only: its IPv6 default gateway is the director (or the pair\'s floating address), and its IPv4 routing is left as it is (no IPv4 default gateway through the director)', () => {
  for (const [text, via] of [[base('', WEB), '2001:db8:6::1'], [pair(PAIR_OK), '2001:db8:6::1']] as const) {
    const web1 = generateText(text).model.hosts.find((h) => h.name === 'web1')!;
    assert.deepEqual(web1.gateway6, { address: via, device: 'eth0' });
    assert.equal(web1.gateway, undefined);
  }
  // an IPv4 NAT service beside it still gives the IPv4 gateway
  const both = generateText(base('', `${WEB}  - virtual: 10.1.3.61:80\n    forward: masq\n    check: { type: connect }\n    real_servers: [web1]\n`)).model.hosts.find((h) => h.name === 'web1')!;
  assert.deepEqual(both.gateway, { address: '192.168.6.1', device: 'eth0' });
});

test('accepted through a pair: IPv4 and IPv6 floating addresses, the IPv6 service on one of them (any spelling), the real server\'s IPv6 gateway the pair\'s floating address', () => {
  assert.deepEqual(problemsOf(pair(PAIR_OK)), []);
  assert.deepEqual(problemsOf(pair(PAIR_OK, '2001:DB8:3:0:0:0:0:61')), []);
  assert.deepEqual(problemsOf(readFileSync(new URL('../../../examples/ha-lb-ipv6.yaml', import.meta.url), 'utf8')), []);
  const m = generateText(pair(PAIR_OK)).model;
  assert.deepEqual(m.hosts.find((h) => h.name === 'web1')!.gateway6, { address: '2001:db8:6::1', device: 'eth0' });
  // The floating addresses are VRRP's: no node carries them in its interface files.
  for (const n of ['lb1', 'lb2']) {
    const dev = m.hosts.find((h) => h.name === n)!.devices;
    assert.deepEqual(dev.flatMap((d) => d.ipv6.map((a) => a.address)), n === 'lb1' ? ['2001:db8:3::1', '2001:db8:6::2'] : ['2001:db8:3::2', '2001:db8:6::3']);
  }
});

test('accepted: the example; the single-address form and a list of one are the same host', () => {
  assert.deepEqual(problemsOf(readFileSync(new URL('../../../examples/lb-ipv6.yaml', import.meta.url), 'utf8')), []);
  const v4only = `name: four\nhosts:\n  a: { roles: [router], interfaces: { eth0: 10.1.3.1/24 } }\n`;
  const asList = v4only.replace('eth0: 10.1.3.1/24', 'eth0: [10.1.3.1/24]');
  const files = (text: string) => generateText(text, 'debian12').bundles.flatMap((b) => b.files.map((f) => `${f.path}\n${f.content.toString()}`));
  assert.deepEqual(files(asList), files(v4only));
});

test('services in ipvsadm\'s order (IPv4 before IPv6, then protocol, address, port) and the prediction in its form: [ADDRESS]:PORT', () => {
  const text = base('', `${WEB.replace('connect }', 'connect }\n    protocol: udp').replace('type: connect', 'type: ping')}  - virtual: 10.1.3.70:80\n    forward: masq\n    check: { type: connect }\n    real_servers: [web1]\n${WEB}${WEB.replace('2001:db8:3::61', '2001:db8:3::2')}`);
  const lb = generateText(text).model.hosts.find((h) => h.name === 'lb')!;
  assert.deepEqual(lb.director!.services.map((s) => s.label), ['TCP 10.1.3.70:80', 'TCP [2001:db8:3::2]:80', 'TCP [2001:db8:3::61]:80', 'UDP [2001:db8:3::61]:80']);
  const director = bundlesOf('lb-ipv6', 'debian12').model.hosts.find((h) => h.name === 'director')!;
  assert.equal(renderIpvsadmTable(director), [
    'IP Virtual Server version 1.0.4 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    'TCP  10.1.3.61:80 rr',
    '  -> 192.168.6.4:80               Masq    1      0          0         ',
    '  -> 192.168.6.5:80               Masq    1      0          0         ',
    'TCP  [2001:db8:3::61]:80 rr',
    '  -> [2001:db8:6::4]:80           Masq    1      0          0         ',
    '  -> [2001:db8:6::5]:80           Masq    1      0          0         ',
    'TCP  [2001:db8:3::61]:443 wlc persistent 300',
    '  -> [2001:db8:6::4]:443          Masq    1      0          0         ',
    '  -> [2001:db8:6::5]:443          Masq    2      0          0         ',
    'TCP  [2001:db8:3::62]:80 rr',
    '  -> [2001:db8:6::4]:80           Route   1      0          0         ',
    '  -> [2001:db8:6::5]:80           Route   1      0          0         ',
    '',
  ].join('\n'));
  // install.sh --verify looks for the same words in ipvsadm -L -n.
  const plan = fileOf('debian12', 'director', '.lvsgen/plan');
  assert.match(plan, /^expect \d+ TCP \[2001:db8:3::61\]:443 wlc$/m);
  assert.match(plan, /^expect \d+ inet6 2001:db8:3::61\/64$/m);
  assert.match(fileOf('debian12', 'real1', '.lvsgen/plan'), /^expect \d+ default via 2001:db8:6::1 dev eth0$/m);
});

test('keepalived.conf: IPv6 virtual_server and real_server addresses; keepalived --config-test accepts it', (t) => {
  const conf = fileOf('rhel9', 'director', 'etc/keepalived/keepalived.conf');
  assert.match(conf, /^virtual_server 2001:db8:3::61 443 \{\n/m);
  assert.match(conf, /\treal_server 2001:db8:6::5 443 \{\n\t\tweight 2\n/);
  // Direct routing over IPv6 (ipv6-dr.test.ts): lb_kind DR.
  assert.match(conf, /^virtual_server 2001:db8:3::62 80 \{\n\tdelay_loop 2\n\tlb_algo rr\n\tlb_kind DR\n/m);
  if (!requireTools(t, 'keepalived')) return;
  assertKeepalivedReads(tempDir(t), conf, conf.replace('real_server 2001:db8:6::5 443', 'real_server 2001:db8:6::5x 443'), 'a bad IPv6 address');
});

// The two slow ones (a real ldirectord, ifupdown in namespaces) side by side.
describe('in scratch namespaces', { concurrency: 2, timeout: 400_000 }, () => {
  it('ldirectord.cf: virtual6 and real6 (ldirectord parses it; virtual= refuses a bracketed address); a real ldirectord checks the IPv6 real servers in a namespace', async (t) => {
    const cf = fileOf('debian12', 'director', 'etc/ha.d/ldirectord.cf');
    assert.match(cf, /^virtual6=\[2001:db8:3::61\]:80\n\treal6=\[2001:db8:6::4\]:80 masq\n\treal6=\[2001:db8:6::5\]:80 masq\n/m);
    assert.match(cf, /^virtual=10\.1\.3\.61:80\n\treal=192\.168\.6\.4:80 masq\n/m);
    assert.match(cf, /^virtual6=\[2001:db8:3::62\]:80\n\treal6=\[2001:db8:6::4\]:80 gate\n\treal6=\[2001:db8:6::5\]:80 gate\n/m);
    assert.match(fileOf('debian12', 'director', '.lvsgen/plan'), /^needs libnet-inet6glue-perl$/m, 'the http check over IPv6 needs Net::INET6Glue');
    if (!requireTools(t, 'ldirectord')) return;
    const dir = tempDir(t);
    const f = join(dir, 'six.cf');
    writeFileSync(f, cf);
    const s = sh('ldirectord', [f, 'status']);
    assert.equal(s.status, 3, `${s.stdout}${s.stderr}`);
    writeFileSync(f, cf.replace('virtual6=[2001:db8:3::61]:80', 'virtual=[2001:db8:3::61]:80'));
    const bad = sh('ldirectord', [f, 'status']);
    assert.notEqual(bad.status, 3, 'ldirectord refuses virtual= with an IPv6 address');
    assert.match(bad.stdout + bad.stderr, /virtual6/);
    if (!requireRoot(t) || !requireTools(t, 'ip', 'timeout')) return;
    // The real servers' addresses on lo (nodad: usable at once), serving the check page
    // lvsgen writes for them on :80 and accepting connections on :443. The IPv4 real
    // servers have no address here: their checks fail, the control beside the IPv6 ones.
    const page = fileOf('debian12', 'real1', 'var/www/html/check.html');
    const ns = netns(t, 'lv6');
    for (const a of ['2001:db8:6::4', '2001:db8:6::5']) ok(ns.ip('addr', 'add', `${a}/128`, 'dev', 'lo', 'nodad'), a);
    const server = spawnIn(t, ns, process.execPath, [
      '-e',
      `const http = require('node:http'), net = require('node:net'); let n = 0;
       const up = () => { if (++n === 4) console.log('listening'); };
       for (const a of ['2001:db8:6::4', '2001:db8:6::5']) {
         http.createServer((q, s) => { if (q.url === '/check.html') s.end(${JSON.stringify(page)}); else { s.writeHead(404); s.end(); } }).listen(80, a, up);
         net.createServer((c) => c.end()).listen(443, a, up);
       }`,
    ]);
    await until(`the test's servers (${server.output()})`, () => server.output().includes('listening'), 120_000);
    const ld = startLdirectord(t, cf.replace('checkinterval=2', 'checkinterval=1'), { ns, seconds: 240 });
    const up = (a: string) => ld.output().includes(`check_http: http://[${a}]:80/check.html is up`);
    assert.ok(await ld.until(() => up('2001:db8:6::4') && up('2001:db8:6::5'), 180), `ldirectord's IPv6 http checks:\n${ld.output().slice(-3000)}`);
    assert.match(ld.output(), /check_http: http:\/\/192\.168\.6\.4:80\/check\.html is down/, 'the control: an IPv4 real server without its address is down');
    assert.doesNotMatch(ld.output(), /INET6Glue/, 'Net::INET6Glue is there');
    const commands = ld.commands().map((c) => c.replace(/ -[xy] \d+/g, ''));
    for (const w of ['-A -t [2001:db8:3::61]:80 -s rr', '-A -t [2001:db8:3::61]:443 -s wlc -p 300', '-a -t [2001:db8:3::61]:80 -r [2001:db8:6::4]:80 -m -w 1', '-a -t [2001:db8:3::61]:443 -r [2001:db8:6::5]:443 -m -w 2', '-A -t [2001:db8:3::62]:80 -s rr', '-a -t [2001:db8:3::62]:80 -r [2001:db8:6::4]:80 -g -w 1']) {
      assert.ok(commands.includes(w), `ldirectord issued ${w}:\n${commands.join('\n')}`);
    }
    assert.ok(ld.running(), `ldirectord exited:\n${ld.output().slice(-3000)}`);
    await ld.stop();
  });

  it('debian12: ifupdown brings the director\'s and a real server\'s stanzas up in a namespace: every IPv6 address, the virtual one, and the IPv6 default route', async (t) => {
    if (!requireRoot(t) || !requireTools(t, 'ifup', 'ip')) return;
    const r = await renderCase(t, { example: 'lb-ipv6', distro: 'debian12', tree: 'debian12' });
    const { model } = bundlesOf('lb-ipv6', 'debian12');
    for (const name of ['director', 'real1']) {
      const h = model.hosts.find((x) => x.name === name)!;
      const dir = tempDir(t);
      const ns = netns(t, 'lv6');
      const peer = netns(t, 'lv6p');
      // Duplicate address detection is the kernel's, not the files': off in this scratch
      // namespace (devices moved in take its defaults), so ifup does not wait it out.
      ok(ns.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.default.accept_dad=0']), 'accept_dad');
      for (const d of h.devices) link(ns, d.device, peer, d.device);
      const state = join(dir, 'state');
      mkdirSync(state);
      ifupAll(ns, interfacesOf(r, name, dir), state);
      const addr = ok(ns.ip('-6', '-o', 'addr', 'show'), 'ip -6 addr').stdout;
      for (const d of h.devices) for (const a of d.ipv6) assert.match(addr, new RegExp(`\\d+: ${d.device}\\s+inet6 ${a.address}/${a.prefix} `), `${name}: ${a.address} on ${d.device}:\n${addr}`);
      const route = ok(ns.ip('-6', 'route', 'show', 'default'), 'ip -6 route').stdout;
      if (h.gateway6) assert.match(route, new RegExp(`^default via ${h.gateway6.address} dev ${h.gateway6.device} `, 'm'), `${name}:\n${route}`);
      else assert.equal(route.trim(), '', `${name} has no IPv6 default route`);
    }
  });
});

test('debian: ifupdown reads the inet6 stanza (ifup -n): the address, its prefix, the gateway and the virtual address as ip -6 lines', (t) => {
  if (!requireTools(t, 'ifup')) return;
  const dir = tempDir(t);
  const run = (host: string, iface: string) => {
    const f = join(dir, `${host}-interfaces`);
    writeFileSync(f, fileOf('debian', host, 'etc/network/interfaces'));
    const s = sh('ifup', ['-n', '-v', '-i', f, '--state-dir', dir, '--force', iface]);
    assert.equal(s.status, 0, s.stdout + s.stderr);
    return s.stdout + s.stderr;
  };
  const director = run('director', 'eth0');
  assert.match(director, /ip -6 addr add 2001:db8:3::1\/64 .*dev eth0/);
  assert.match(director, /ip -6 addr add 2001:db8:3::61\/64 dev eth0/);
  const real = run('real1', 'eth0');
  assert.match(real, /ip -6 addr add 2001:db8:6::4\/64 .*dev eth0/);
  assert.match(real, /ip -6 route (add|replace) default via 2001:db8:6::1 .*dev eth0/);
});

test('redhat: ifcfg as initscripts source it (IPV6INIT, IPV6ADDR, IPV6ADDR_SECONDARIES, IPV6_DEFAULTGW) and NETWORKING_IPV6 in /etc/sysconfig/network', (t) => {
  if (!requireTools(t, 'bash')) return;
  const dir = tempDir(t);
  const vars = (host: string, path: string) => {
    const f = join(dir, path.replace(/\//g, '_'));
    writeFileSync(f, fileOf('redhat', host, path));
    return sourced(f);
  };
  const eth0 = vars('director', 'etc/sysconfig/network-scripts/ifcfg-eth0');
  assert.equal(eth0.IPV6INIT, 'yes');
  assert.equal(eth0.IPV6ADDR, '2001:db8:3::1/64');
  assert.equal(eth0.IPV6ADDR_SECONDARIES, '2001:db8:3::61/64 2001:db8:3::62/64');
  assert.equal(eth0.IPV6_DEFAULTGW, undefined);
  const real = vars('real1', 'etc/sysconfig/network-scripts/ifcfg-eth0');
  assert.equal(real.IPV6_DEFAULTGW, '2001:db8:6::1');
  assert.equal(vars('real1', 'etc/sysconfig/network').NETWORKING_IPV6, 'yes');
});

test('sysctl: the director forwards IPv6 (sysctl -p in a namespace), the real servers do not', (t) => {
  const conf = fileOf('debian12', 'director', 'etc/sysctl.d/90-lvsgen.conf');
  assert.match(conf, /^net\.ipv6\.conf\.all\.forwarding = 1$/m);
  assert.equal(bundlesOf('lb-ipv6', 'debian12').bundles.find((b) => b.host === 'real1')!.files.some((f) => f.path.includes('sysctl')), false);
  if (!requireRoot(t) || !requireTools(t, 'sysctl', 'ip')) return;
  const ns = netns(t, 'lv6s');
  const f = join(tempDir(t), 'forwarding6.conf');
  // The net.ipv4.vs.* keys exist only with ip_vs loaded: the IPv6 and IPv4 forwarding lines are applied here.
  writeFileSync(f, conf.split('\n').filter((l) => !l.startsWith('net.ipv4.vs.')).join('\n'));
  assert.equal(ok(ns.exec('sysctl', ['-n', 'net.ipv6.conf.all.forwarding']), 'read').stdout.trim(), '0');
  ok(ns.exec('sysctl', ['-p', f]), 'sysctl -p');
  assert.equal(ok(ns.exec('sysctl', ['-n', 'net.ipv6.conf.all.forwarding']), 'read').stdout.trim(), '1');
});
