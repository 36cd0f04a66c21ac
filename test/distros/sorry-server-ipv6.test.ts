// A sorry server for an IPv6 virtual service (issue 14). One IPVS service
// holds one address family, so an IPv6 service's sorry server is IPv6
// (`[ADDRESS]:PORT`, or a bare address meaning the virtual port) and the
// cluster default is one per family, as ldirectord's own global fallback= and
// fallback6= (ldirectord.fallback for the IPv4 services, ldirectord.fallback6 for
// the IPv6 ones, each refusing the other family's address); a service's own fallback of the other family is refused (keepalived
// itself skips it: "Address family of virtual server and sorry server ...
// don't match"). ldirectord(8) reads it as `fallback6=` inside a virtual6=
// block (`fallback=` there is a configuration error) and bracketed (its
// parse_fallback takes a trailing `:WORD` as the port). Proven with the
// validation table (code, path, line); ldirectord's parser and ldirectord
// itself (its ipvsadm commands when every real server is down); keepalived
// --config-test; the derived hosts (a NAT sorry server's IPv6 gateway, a
// direct-routing one's /128 on lo, their firewalld ports); ifupdown and the
// kernel in scratch namespaces on the sorry hosts' debian12 files.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { assertKeepalivedReads, generateText, ifupAll, interfacesOf, link, netns, ok, problemsOf, renderText, requireRoot, requireTools, sh, tempDir, unique, assertRefused, serviceBlock, textFile } from '../support/index.js';
import { ldirectordCommands } from '../support/ldirectord-run.js';

/**
 * IPv6 NAT on 80 (the IPv6 default fits), IPv6 NAT on 8080 (its own, bracketed
 * with a port), IPv6 direct routing on 443 (its own, bare: the virtual port),
 * IPv4 NAT on 80 (the IPv6 default does not fit it).
 */
const topology = (backend: string, distro = 'debian12') => `name: sorry6
defaults: { distro: ${distro} }
director_backend: ${backend}
hosts:
  lb: { roles: [director], interfaces: { eth0: [10.0.0.1/24, "2001:db8:3::1/64"], eth1: [192.168.6.1/24, "2001:db8:6::1/64"] } }
  web1: { roles: [real-server], interfaces: { eth0: [192.168.6.4/24, "2001:db8:6::4/64"] } }
  dr1: { roles: [real-server], interfaces: { eth0: [10.0.0.11/24, "2001:db8:3::11/64"] } }
  sorry: { roles: [real-server], interfaces: { eth0: [192.168.6.9/24, "2001:db8:6::9/64"] } }
  sorrydr: { roles: [real-server], interfaces: { eth0: [10.0.0.9/24, "2001:db8:3::9/64"] } }
ldirectord: { checktimeout: 1, checkinterval: 1, fallback6: "[2001:db8:6::9]:80" }
virtual_services:
  - virtual: "[2001:db8:3::100]:80"
    forward: masq
    check: { type: connect }
    real_servers: [web1]
  - virtual: "[2001:db8:3::100]:8080"
    forward: masq
    check: { type: connect }
    fallback: "[2001:db8:6::9]:8080"
    real_servers: [web1]
  - virtual: "[2001:db8:3::100]:443"
    forward: gate
    check: { type: connect }
    fallback: "2001:db8:3::9"
    real_servers: [dr1]
  - virtual: 10.0.0.100:80
    forward: masq
    check: { type: connect }
    real_servers: [web1]
`;
const LD = topology('ldirectord');
/** Both defaults: the IPv4 one (192.168.6.9, host sorry) for the IPv4 service, the IPv6 one for the IPv6 services on port 80. */
const both = (backend: string) => topology(backend).replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback: 192.168.6.9:80, fallback6: "[2001:db8:6::9]:80" }');

const REFUSED: Array<[name: string, text: string, problems: Array<[string, string]>]> = [
  ['an IPv6 sorry server behind an IPv4 service (mixed families)', LD.replace(/(virtual: 10\.0\.0\.100:80\n)/, '$1    fallback: "[2001:db8:6::9]:80"\n'), [['invalid-value', 'virtual_services[3].fallback']]],
  ['an IPv4 sorry server behind an IPv6 service (mixed families)', LD.replace('fallback: "[2001:db8:6::9]:8080"', 'fallback: 192.168.6.9:8080'), [['invalid-value', 'virtual_services[1].fallback']]],
  ['a bracketed IPv6 address without a port', LD.replace('fallback: "[2001:db8:6::9]:8080"', 'fallback: "[2001:db8:6::9]"'), [['invalid-address', 'virtual_services[1].fallback']]],
  ['the IPv6 loopback address', LD.replace('fallback: "[2001:db8:6::9]:8080"', 'fallback: "[::1]:8080"'), [['invalid-address', 'virtual_services[1].fallback']]],
  ['a NAT fallback on no IPv6 network of the director', LD.replace('fallback: "[2001:db8:6::9]:8080"', 'fallback: "[2001:db8:9::9]:8080"'), [['unreachable-real-server', 'virtual_services[1].fallback']]],
  ['the IPv6 default, where it fits, on no IPv6 network of the director', LD.replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback6: "[2001:db8:9::9]:80" }'), [['unreachable-real-server', 'ldirectord.fallback6']]],
  ['an IPv6 address as the IPv4 default (ldirectord.fallback)', LD.replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback: "[2001:db8:6::9]:80" }'), [['invalid-value', 'ldirectord.fallback']]],
  ['a bare IPv6 address as the IPv4 default', LD.replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback: "2001:db8:6::9" }'), [['invalid-value', 'ldirectord.fallback']]],
  ['an IPv4 address as the IPv6 default (ldirectord.fallback6)', LD.replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback6: 192.168.6.9:80 }'), [['invalid-value', 'ldirectord.fallback6']]],
  ['an IPv6 default that is no address', LD.replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback6: "[2001:db8:6::9]" }'), [['invalid-address', 'ldirectord.fallback6']]],
  ['its own fallback on another port under direct routing', LD.replace('fallback: "2001:db8:3::9"', 'fallback: "[2001:db8:3::9]:8443"'), [['invalid-port', 'virtual_services[2].fallback']]],
];
for (const [name, text, want] of REFUSED) {
  test(`refused, with its path and line: ${name}`, () => {
    assertRefused(text, want);
  });
}

test('accepted: both backends; an IPv4 default beside IPv6 services; both defaults; an IPv6 sorry server outside the topology draws a warning: direct routing naming the /128 on lo, NAT the IPv6 gateway', () => {
  assert.deepEqual(problemsOf(LD), []);
  assert.deepEqual(problemsOf(topology('keepalived')), []);
  assert.deepEqual(problemsOf(LD.replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback: 192.168.6.9:80 }')), []);
  assert.deepEqual(problemsOf(both('ldirectord')), []);
  assert.deepEqual(problemsOf(both('keepalived')), []);
  const ps = problemsOf(LD.replace('fallback: "2001:db8:3::9"', 'fallback: "2001:db8:3::200"'));
  assert.deepEqual(ps.map((p) => [p.severity, p.code, p.path]), [['warning', 'outside-sorry-server', 'virtual_services[2].fallback']]);
  assert.match(ps[0]!.message, /must hold 2001:db8:3::100 on lo as a \/128 and serve port 443/);
  // The same from the IPv6 default, at its own path.
  const pd = problemsOf(LD.replace('    fallback: "2001:db8:3::9"\n', '').replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback6: "[2001:db8:3::200]:443" }'));
  assert.deepEqual(pd.map((p) => [p.severity, p.code, p.path, p.pos !== undefined]), [['warning', 'outside-sorry-server', 'ldirectord.fallback6', true]]);
  assert.match(pd[0]!.message, /fallback 2001:db8:3::200 is no host of the topology: .*must hold 2001:db8:3::100 on lo as a \/128/);
  // A NAT one: the warning names the director's IPv6 address on its network as its IPv6 gateway.
  const pn = problemsOf(LD.replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback6: "[2001:db8:6::99]:80" }'));
  assert.deepEqual(pn.map((p) => [p.severity, p.code, p.path, p.pos !== undefined]), [['warning', 'outside-sorry-server', 'ldirectord.fallback6', true]]);
  assert.match(pn[0]!.message, /^fallback 2001:db8:6::99 is no host of the topology: lvsgen cannot configure it; its IPv6 default route must be via 2001:db8:6::1, director lb's address on 2001:db8:6::\/64, or its replies bypass the director/);
});

test('the cluster defaults go to the services of their family: fallback6 to the IPv6 services on its port, fallback to the IPv4 services, both at once', () => {
  const fallbacks = (text: string) =>
    generateText(text).model.hosts.find((h) => h.name === 'lb')!.ldirectord!.virtuals.map((v) => `${v.virtual} ${v.fallback ? `${v.fallback.key}=${v.fallback.target}` : '-'}`);
  assert.deepEqual(fallbacks(LD), ['10.0.0.100:80 -', '[2001:db8:3::100]:80 fallback6=[2001:db8:6::9]:80', '[2001:db8:3::100]:443 fallback6=[2001:db8:3::9]:443', '[2001:db8:3::100]:8080 fallback6=[2001:db8:6::9]:8080']);
  assert.deepEqual(fallbacks(both('ldirectord')), ['10.0.0.100:80 fallback=192.168.6.9:80', '[2001:db8:3::100]:80 fallback6=[2001:db8:6::9]:80', '[2001:db8:3::100]:443 fallback6=[2001:db8:3::9]:443', '[2001:db8:3::100]:8080 fallback6=[2001:db8:6::9]:8080']);
  // Without a port the IPv6 default goes to every IPv6 service without its own (the virtual port each); on another port to none.
  const own = (text: string) => text.replace('    fallback: "[2001:db8:6::9]:8080"\n', '').replace('    fallback: "2001:db8:3::9"\n', '');
  assert.deepEqual(fallbacks(own(LD).replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback6: "2001:db8:3::9" }')), ['10.0.0.100:80 -', '[2001:db8:3::100]:80 fallback6=[2001:db8:3::9]:80', '[2001:db8:3::100]:443 fallback6=[2001:db8:3::9]:443', '[2001:db8:3::100]:8080 fallback6=[2001:db8:3::9]:8080']);
  assert.deepEqual(fallbacks(own(LD).replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback6: "[2001:db8:6::9]:8443" }')), ['10.0.0.100:80 -', '[2001:db8:3::100]:80 -', '[2001:db8:3::100]:443 -', '[2001:db8:3::100]:8080 -']);
  assert.deepEqual(fallbacks(LD.replace('fallback6: "[2001:db8:6::9]:80" }', 'fallback: 192.168.6.9:80 }')), [
    '10.0.0.100:80 fallback=192.168.6.9:80',
    '[2001:db8:3::100]:80 -',
    '[2001:db8:3::100]:443 fallback6=[2001:db8:3::9]:443',
    '[2001:db8:3::100]:8080 fallback6=[2001:db8:6::9]:8080',
  ]);
  // Any spelling of the address is the same sorry server (canonical, as ipvsadm prints it).
  assert.deepEqual(fallbacks(LD.replace('fallback: "2001:db8:3::9"', 'fallback: "2001:DB8:3:0:0:0:0:9"')), fallbacks(LD));
});

test('ldirectord.cf: fallback6=[ADDRESS]:PORT with the service\'s method in each IPv6 block; ldirectord parses it, and refuses fallback= or a bare address there', (t) => {
  const cf = textFile(LD, 'lb', 'etc/ha.d/ldirectord.cf');
  assert.doesNotMatch(cf, /^fallback6?=/m, 'no global fallback');
  assert.match(serviceBlock(cf, /^virtual6=\[2001:db8:3::100\]:80\n/m), /^\tfallback6=\[2001:db8:6::9\]:80 masq$/m);
  assert.match(serviceBlock(cf, /^virtual6=\[2001:db8:3::100\]:8080\n/m), /^\tfallback6=\[2001:db8:6::9\]:8080 masq$/m);
  assert.match(serviceBlock(cf, /^virtual6=\[2001:db8:3::100\]:443\n/m), /^\tfallback6=\[2001:db8:3::9\]:443 gate$/m);
  assert.doesNotMatch(serviceBlock(cf, /^virtual=10\.0\.0\.100:80\n/m), /fallback/, 'the IPv6 default does not fit an IPv4 service');
  if (!requireTools(t, 'ldirectord')) return;
  const f = join(tempDir(t), `${unique('lvsgen-sorry6-')}.cf`);
  const parse = (text: string) => {
    writeFileSync(f, text);
    return sh('ldirectord', [f, 'status']);
  };
  const s = parse(cf);
  assert.equal(s.status, 3, `${s.stdout}${s.stderr}`);
  // Both defaults: each family's in its own blocks, and ldirectord reads them.
  const cf2 = textFile(both('ldirectord'), 'lb', 'etc/ha.d/ldirectord.cf');
  assert.doesNotMatch(cf2, /^fallback6?=/m, 'no global fallback');
  assert.match(serviceBlock(cf2, /^virtual=10\.0\.0\.100:80\n/m), /^\tfallback=192\.168\.6\.9:80 masq$/m);
  assert.match(serviceBlock(cf2, /^virtual6=\[2001:db8:3::100\]:80\n/m), /^\tfallback6=\[2001:db8:6::9\]:80 masq$/m);
  const s2 = parse(cf2);
  assert.equal(s2.status, 3, `${s2.stdout}${s2.stderr}`);
  // ldirectord's own global defaults are one per family, as lvsgen's keys:
  // it refuses an IPv6 address in fallback= and an IPv4 one in fallback6=.
  const global6 = parse(`fallback=[2001:db8:6::9]:80\n${cf}`);
  assert.notEqual(global6.status, 3);
  assert.match(global6.stderr, /invalid IPv4 address .*fallback server: \[2001:db8:6::9\]$/m);
  const global4 = parse(`fallback6=192.168.6.9:80\n${cf}`);
  assert.notEqual(global4.status, 3);
  assert.match(global4.stderr, /invalid IPv6 address .*fallback server: 192\.168\.6\.9$/m);
  // Negative controls: what lvsgen does not write, ldirectord refuses.
  const plain = parse(cf.replace('fallback6=[2001:db8:6::9]:8080', 'fallback=[2001:db8:6::9]:8080'));
  assert.notEqual(plain.status, 3);
  assert.match(plain.stderr, /please use "fallback6" instead/);
  const bare = parse(cf.replace('fallback6=[2001:db8:3::9]:443', 'fallback6=2001:db8:3::9'));
  assert.notEqual(bare.status, 3);
  assert.match(bare.stderr, /invalid IPv6 address .*fallback server: 2001:db8:3:$/m, 'a bare address loses its last group to the port');
});

test('ldirectord itself, every real server down, both defaults given: adds each IPv6 service\'s sorry server with the service\'s method, and the IPv4 default to the IPv4 service', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ldirectord', 'ip', 'timeout')) return;
  const cf = textFile(both('ldirectord'), 'lb', 'etc/ha.d/ldirectord.cf');
  const want = ['-a -t [2001:db8:3::100]:80 -r [2001:db8:6::9]:80 -m -w 1', '-a -t [2001:db8:3::100]:8080 -r [2001:db8:6::9]:8080 -m -w 1', '-a -t [2001:db8:3::100]:443 -r [2001:db8:3::9]:443 -g -w 1', '-a -t 10.0.0.100:80 -r 192.168.6.9:80 -m -w 1'];
  // ldirectord 4.12 also passes its thresholds (-x 0 -y 0): not what is proven here.
  const strip = (c: string[]) => c.map((x) => x.replace(/ -x \d+ -y \d+/, ''));
  const ran = await ldirectordCommands(t, cf, (c) => want.every((w) => strip(c).includes(w)) && c.some((x) => x.startsWith('-A -t 10.0.0.100:80')), 45);
  const commands = strip(ran.commands);
  assert.ok(want.every((w) => commands.includes(w)), `ldirectord ran:\n${commands.join('\n')}\n${ran.stderr.slice(-2000)}`);
  const sorry = commands.filter((c) => c.startsWith('-a ') && /-r (\[2001:db8:(6|3)::9\]|192\.168\.6\.9):/.test(c));
  assert.deepEqual([...new Set(sorry)].sort(), [...want].sort(), 'sorry servers added with their method, and no other');
});

test('keepalived.conf: sorry_server with an IPv6 address in the IPv6 virtual_servers; keepalived --config-test accepts it, and refuses an IPv4 one there', (t) => {
  const conf = textFile(topology('keepalived'), 'lb', 'etc/keepalived/keepalived.conf');
  const vs = (head: string) => serviceBlock(conf, new RegExp(`^virtual_server ${head} \\{\\n`, 'm'));
  assert.match(vs('2001:db8:3::100 80'), /\tsorry_server 2001:db8:6::9 80\n\tsorry_server_lvs_method NAT\n/);
  assert.match(vs('2001:db8:3::100 8080'), /\tsorry_server 2001:db8:6::9 8080\n\tsorry_server_lvs_method NAT\n/);
  assert.match(vs('2001:db8:3::100 443'), /\tsorry_server 2001:db8:3::9 443\n\tsorry_server_lvs_method DR\n/);
  assert.doesNotMatch(vs('10\\.0\\.0\\.100 80'), /sorry_server/);
  // Both defaults: the IPv4 one in the IPv4 virtual_server, the IPv6 one where it fits.
  const conf2 = textFile(both('keepalived'), 'lb', 'etc/keepalived/keepalived.conf');
  const vs2 = (head: string) => serviceBlock(conf2, new RegExp(`^virtual_server ${head} \\{\\n`, 'm'));
  assert.match(vs2('10\\.0\\.0\\.100 80'), /\tsorry_server 192\.168\.6\.9 80\n\tsorry_server_lvs_method NAT\n/);
  assert.match(vs2('2001:db8:3::100 80'), /\tsorry_server 2001:db8:6::9 80\n\tsorry_server_lvs_method NAT\n/);
  if (!requireTools(t, 'keepalived')) return;
  assertKeepalivedReads(tempDir(t), conf, conf.replace('sorry_server 2001:db8:6::9 8080', 'sorry_server 192.168.6.9 8080'), 'an IPv4 sorry server in an IPv6 virtual_server');
  assertKeepalivedReads(tempDir(t), conf2, conf2.replace('sorry_server 2001:db8:6::9 80\n', 'sorry_server 192.168.6.9 80\n'), 'an IPv4 sorry server in an IPv6 virtual_server');
});

test('the sorry hosts get what a real server of the method gets: the NAT one the director\'s IPv6 address as its IPv6 gateway (and no IPv4 one), the direct-routing one the virtual address as a /128 on lo (no ARP keys); each its port in firewalld', () => {
  const m = generateText(LD).model;
  const host = (n: string) => m.hosts.find((h) => h.name === n)!;
  assert.deepEqual(host('sorry').gateway6, { address: '2001:db8:6::1', device: 'eth0' });
  assert.equal(host('sorry').gateway, undefined, 'a sorry server of IPv6 NAT only needs no IPv4 gateway');
  assert.deepEqual(host('sorry').loopback6, []);
  assert.deepEqual(host('sorrydr').loopback6, [{ device: 'lo:0', address: '2001:db8:3::100', prefix: 128, purpose: 'virtual address 2001:db8:3::100 (direct routing)' }]);
  assert.equal(host('sorrydr').arpSuppression, false);
  assert.equal(host('sorrydr').gateway6, undefined);
  const r9 = generateText(topology('keepalived', 'rhel9'));
  const ports = (n: string) =>
    r9.bundles.find((b) => b.host === n)!.files.find((f) => f.path === 'etc/firewalld/policies/lvsgen-host.xml')!.content.toString().split('\n').filter((l) => l.includes('<port ')).map((l) => l.trim());
  assert.deepEqual(ports('sorry'), ['<port port="80" protocol="tcp"/>', '<port port="8080" protocol="tcp"/>']);
  assert.deepEqual(ports('sorrydr'), ['<port port="443" protocol="tcp"/>']);
  assert.match(r9.bundles.find((b) => b.host === 'sorry')!.files.find((f) => f.path === 'etc/NetworkManager/system-connections/lvsgen-eth0.nmconnection')!.content.toString(), /^gateway=2001:db8:6::1$/m);
});

describe('in scratch namespaces', { concurrency: 1, timeout: 300_000 }, () => {
  // The NAT sorry server's replies must go back through the director (IPVS
  // rewrites them there): ifup sets the director as its IPv6 default route,
  // and a client in front of the forwarding director reaches it (routed
  // here: the point is the route back).
  it('debian12 NAT sorry server: ifup sets the director as its IPv6 default gateway, so a client in front of the director gets its answers back', async (t) => {
    if (!requireRoot(t) || !requireTools(t, 'ip', 'ifup', 'busybox', 'sysctl')) return;
    const r = await renderText(t, LD, 'debian12');
    const work = tempDir(t, 'lvsgen-sorry6-');
    const sorry = netns(t, 'lv6n');
    const lb = netns(t, 'lv6l');
    const client = netns(t, 'lv6c');
    for (const ns of [sorry, lb, client]) ok(ns.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.default.accept_dad=0']), 'accept_dad');
    link(lb, 'eth0', client, 'eth0');
    link(lb, 'eth1', sorry, 'eth0');
    ok(lb.ip('-6', 'addr', 'add', '2001:db8:3::1/64', 'dev', 'eth0', 'nodad'), 'director front');
    ok(lb.ip('-6', 'addr', 'add', '2001:db8:6::1/64', 'dev', 'eth1', 'nodad'), 'director back');
    ok(lb.exec('sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1']), 'director forwards');
    ok(client.ip('-6', 'addr', 'add', '2001:db8:3::50/64', 'dev', 'eth0', 'nodad'), 'client address');
    ok(client.ip('-6', 'route', 'add', 'default', 'via', '2001:db8:3::1'), 'client route');
    const state = join(work, 'state');
    mkdirSync(state);
    ifupAll(sorry, interfacesOf(r, 'sorry', work), state);
    assert.match(ok(sorry.ip('-6', 'route', 'show', 'default'), 'route').stdout, /^default via 2001:db8:6::1 dev eth0/m, 'ifup set the director as the IPv6 default gateway');
    const ping = client.exec('busybox', ['ping', '-c', '1', '-W', '3', '2001:db8:6::9']);
    assert.equal(ping.status, 0, `the sorry server's answer comes back through the director:\n${ping.stdout}${ping.stderr}`);
  });

  it('debian12 direct-routing sorry server: ifup puts the virtual address on lo as a /128; it answers the address sent to its MAC address but no neighbour solicitation for it', async (t) => {
    if (!requireRoot(t) || !requireTools(t, 'ip', 'ifup', 'busybox', 'sysctl')) return;
    const r = await renderText(t, LD, 'debian12');
    const work = tempDir(t, 'lvsgen-sorry6dr-');
    const vip = '2001:db8:3::100';
    const sorry = netns(t, 'lv6y');
    const lb = netns(t, 'lv6m');
    for (const ns of [sorry, lb]) ok(ns.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.default.accept_dad=0']), 'accept_dad');
    link(sorry, 'eth0', lb, 'eth0');
    ok(lb.ip('-6', 'addr', 'add', '2001:db8:3::1/64', 'dev', 'eth0', 'nodad'), 'director address');
    const state = join(work, 'state');
    mkdirSync(state);
    ifupAll(sorry, interfacesOf(r, 'sorrydr', work), state);
    assert.match(ok(sorry.ip('-6', '-o', 'addr', 'show', 'dev', 'lo'), 'lo').stdout, new RegExp(`inet6 ${vip}/128 `), 'the virtual address on lo');
    // Direct routing: the director sends the packet for the virtual address to the sorry server's MAC (a route via its own address).
    ok(lb.ip('-6', 'route', 'add', `${vip}/128`, 'via', '2001:db8:3::9', 'dev', 'eth0'), 'route via the sorry server');
    const answered = lb.exec('busybox', ['ping', '-c', '1', '-W', '3', vip]);
    assert.equal(answered.status, 0, `the sorry server answers ${vip} sent to its MAC address:\n${answered.stdout}${answered.stderr}`);
    ok(lb.ip('-6', 'route', 'replace', `${vip}/128`, 'dev', 'eth0'), 'on-link route');
    const asked = lb.exec('busybox', ['ping', '-c', '1', '-W', '2', vip]);
    assert.notEqual(asked.status, 0, `nobody answers the solicitation for ${vip} on the link:\n${asked.stdout}`);
  });
});
