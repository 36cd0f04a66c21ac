// Firewall-mark services (issue 14): several addresses, networks and ports
// balanced as one IPVS service by the mark the director's mangle table gives
// their packets (ipvsadm(8) -f). examples/fwmark.yaml: HTTP and HTTPS sharing
// persistence, FTP under direct routing (control and passive ports), and a
// network of virtual addresses. Proven with the consumers: ldirectord's parser
// and ldirectord itself (the ipvsadm commands it issues), keepalived
// --config-test, iptables-restore --test and the debian up lines run by
// iptables, nft -c and nft -f in a scratch namespace, and the ipvsadm
// prediction in ipvsadm's own format (print_service_entry: "FWM  %d").
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderIpvsadmTable } from '../../src/render/ipvsadm-table.js';
import { bundlesOf, exampleFile, generateText, assertKeepalivedReads, netns, ok, problemsOf, requireRoot, requireTools, sh, tempDir, unique, assertRefused } from '../support/index.js';
import { ldirectordCommands } from '../support/ldirectord-run.js';

const fileOf = (distro: string, host: string, path: string) => exampleFile('fwmark', distro, host, path);

const base = (services: string) => `name: fw
defaults: { distro: debian }
hosts:
  lb: { roles: [director], interfaces: { eth0: 10.1.3.1/24, eth1: 192.168.6.1/24 } }
  web1: { roles: [real-server], interfaces: { eth0: 10.1.3.11/24 } }
  nat1: { roles: [real-server], interfaces: { eth0: 192.168.6.4/24 } }
virtual_services:
${services}`;
const WEB = `  - fwmark: { match: [10.1.3.61:80, 10.1.3.61:443] }
    forward: gate
    check: { type: connect, port: 80 }
    real_servers: [web1]
`;

const REFUSED: Array<[name: string, services: string, want: Array<[string, string]>]> = [
  ['both virtual and fwmark', WEB.replace('forward: gate', 'virtual: 10.1.3.62:80\n    forward: gate'), [['invalid-value', 'virtual_services[0]']]],
  ['a mark given twice', `${WEB.replace('{ match', '{ mark: 7, match')}${WEB.replace('{ match', '{ mark: 7, match').replace(/10\.1\.3\.61/g, '10.1.3.62')}`, [['duplicate-virtual-service', 'virtual_services[1].fwmark.mark']]],
  ['a match that a plain service takes too', `${WEB}  - virtual: 10.1.3.61:443\n    forward: gate\n    check: { type: connect }\n    real_servers: [web1]\n`, [['duplicate-virtual-service', 'virtual_services[1].virtual']]],
  ['two marks on the same packets (a port range over a port)', `${WEB}${WEB.replace('10.1.3.61:80, 10.1.3.61:443', '10.1.3.61:400-500')}`, [['duplicate-virtual-service', 'virtual_services[1].fwmark.match[0]']]],
  ['a real server with a port of its own', WEB.replace('real_servers: [web1]', 'real_servers: [{ host: web1, port: 8080 }]'), [['invalid-port', 'virtual_services[0].real_servers[0].port']]],
  ['a fallback', WEB.replace('forward: gate', 'forward: gate\n    fallback: 127.0.0.1'), [['unsupported', 'virtual_services[0].fallback']]],
  ['FTP through NAT', `  - fwmark: { match: [192.168.6.100:21] }\n    forward: masq\n    check: { type: connect }\n    real_servers: [nat1]\n`, [['unsupported', 'virtual_services[0].forward']]],
  ['a network of virtual addresses over a host network', WEB.replace('10.1.3.61:80, 10.1.3.61:443', '10.1.0.0/16:80'), [['virtual-network-overlap', 'virtual_services[0].fwmark.match[0]']]],
  ['a port range backwards', WEB.replace('10.1.3.61:443', '10.1.3.61:500-400'), [['invalid-address', 'virtual_services[0].fwmark.match[1]']]],
  ['an address off the director\'s networks', WEB.replace('10.1.3.61:443', '10.9.9.9:443'), [['virtual-address-off-network', 'virtual_services[0].fwmark.match[1]']]],
];
for (const [name, services, want] of REFUSED) {
  test(`refused, with its path and line: ${name}`, () => {
    assertRefused(base(services), want);
  });
}

test('accepted: the example, and HTTP+HTTPS beside a NAT service on the same director', () => {
  assert.deepEqual(problemsOf(readFileSync(new URL('../../../examples/fwmark.yaml', import.meta.url), 'utf8')), []);
  assert.deepEqual(problemsOf(base(`${WEB}  - virtual: 10.1.3.70:80\n    forward: masq\n    check: { type: connect }\n    real_servers: [nat1]\n`)), []);
});

test('marks: given ones kept, the others the lowest free in topology order; services in ipvsadm\'s order (plain first, then by mark)', () => {
  const text = base(`${WEB}  - virtual: 10.1.3.70:80\n    forward: masq\n    check: { type: connect }\n    real_servers: [nat1]\n${WEB.replace('{ match', '{ mark: 1, match').replace(/10\.1\.3\.61/g, '10.1.3.62')}`);
  const lb = generateText(text).model.hosts.find((h) => h.name === 'lb')!;
  assert.deepEqual(lb.director!.services.map((s) => s.label), ['TCP 10.1.3.70:80', 'FWM 1', 'FWM 2']);
  // virtual_services[2] gave 1, so [0] got 2.
  assert.deepEqual(lb.director!.marks.map((m) => `${m.mark} ${m.destination}:${m.dport}`), ['1 10.1.3.62:80', '1 10.1.3.62:443', '2 10.1.3.61:80', '2 10.1.3.61:443']);
});

test('lvsgen ipvsadm shows each firewall-mark service as ipvsadm -L -n prints it: FWM  <mark>, real servers on port 0', () => {
  const director = bundlesOf('fwmark', 'debian').model.hosts.find((h) => h.name === 'director')!;
  const table = renderIpvsadmTable(director).split('\n');
  assert.deepEqual(table.filter((l) => !l.startsWith('  ->')).slice(2), ['FWM  1 wrr persistent 300', 'FWM  2 wlc', 'FWM  21 wrr persistent 600', '']);
  assert.equal(table[4], '  -> 10.1.3.11:0                  Route   1      0          0         ');
});

test('ldirectord.cf: virtual=MARK with protocol=fwm, checkport and real servers without a port; ldirectord parses it and issues -A -f / -a -f', async (t) => {
  const cf = fileOf('debian', 'director', 'etc/ha.d/ldirectord.cf');
  const block = cf.slice(cf.indexOf('virtual=1\n'), cf.indexOf('\n\n', cf.indexOf('virtual=1\n')));
  for (const line of ['\treal=10.1.3.11 gate', '\tcheckport=80', '\tpersistent=300', '\tprotocol=fwm', '\tservice=http']) assert.ok(block.split('\n').includes(line), `${line} in\n${block}`);
  if (!requireTools(t, 'ldirectord')) return;
  const f = join(tempDir(t), `${unique('lvsgen-fw-')}.cf`);
  writeFileSync(f, cf);
  const s = sh('ldirectord', [f, 'status']);
  assert.equal(s.status, 3, `${s.stdout}${s.stderr}`);
  // Negative control: the parser refuses a protocol it does not know for the mark.
  writeFileSync(f, cf.replace('protocol=fwm', 'protocol=mark'));
  assert.notEqual(sh('ldirectord', [f, 'status']).status, 3);
  if (!requireRoot(t) || !requireTools(t, 'ip', 'timeout')) return;
  // checktype on: every real server in at once, so the commands show how ldirectord reads the blocks.
  const on = cf.replace(/checktype=\w+/g, 'checktype=on');
  const want = ['-A -f 1 -s wrr -p 300', '-A -f 2 -s wlc', '-A -f 21 -s wrr -p 600', '-a -f 1 -r 10.1.3.11:0 -g -w 1', '-a -f 21 -r 10.1.3.12:0 -g -w 1'];
  const strip = (c: string[]) => c.map((x) => x.replace(/ -x \d+ -y \d+/, '').trim());
  const ran = await ldirectordCommands(t, on, (c) => want.every((w) => strip(c).includes(w)), 45);
  const commands = strip(ran.commands);
  for (const w of want) assert.ok(commands.includes(w), `ldirectord issued ${w}:\n${commands.join('\n')}\n${ran.stderr.slice(-2000)}`);
});

test('keepalived.conf: virtual_server fwmark N without protocol, real servers on port 0, checkers on the check port; keepalived --config-test accepts it', (t) => {
  const conf = fileOf('rhel9', 'director', 'etc/keepalived/keepalived.conf');
  assert.match(conf, /^virtual_server fwmark 1 \{\n/m);
  assert.match(conf, /^virtual_server fwmark 21 \{\n/m);
  assert.doesNotMatch(conf, /^\tprotocol /m, 'keepalived ignores a fwmark service\'s protocol, with a warning');
  assert.match(conf, /\treal_server 10\.1\.3\.11 0 \{\n\t\tweight 1\n\t\tHTTP_GET \{[\s\S]*?connect_port 80\n/);
  assert.match(conf, /\treal_server 10\.1\.3\.11 0 \{\n\t\tweight 1\n\t\tTCP_CHECK \{\n\t\t\tconnect_port 21\n/);
  if (!requireTools(t, 'keepalived')) return;
  assertKeepalivedReads(tempDir(t), conf, conf.replace('virtual_server fwmark 1 {', 'virtual_server fwmark one {'), 'a mark that is no number');
});

test('mangle rules: redhat\'s iptables file passes iptables-restore --test and debian\'s up lines run with iptables; both mark exactly the matches', (t) => {
  const redhat = fileOf('redhat', 'director', 'etc/sysconfig/iptables');
  const want = ['-A PREROUTING -d 10.1.3.61/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffffffff',
    '-A PREROUTING -d 10.1.3.61/32 -p tcp -m tcp --dport 443 -j MARK --set-xmark 0x1/0xffffffff',
    '-A PREROUTING -d 10.1.4.0/24 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x2/0xffffffff',
    '-A PREROUTING -d 10.1.3.62/32 -p tcp -m tcp --dport 21 -j MARK --set-xmark 0x15/0xffffffff',
    '-A PREROUTING -d 10.1.3.62/32 -p tcp -m tcp --dport 10000:10100 -j MARK --set-xmark 0x15/0xffffffff'];
  assert.match(redhat, /^\*mangle$/m);
  assert.doesNotMatch(redhat, /MASQUERADE/, 'nothing is masqueraded under direct routing');
  if (!requireRoot(t) || !requireTools(t, 'iptables-restore', 'iptables', 'ip')) return;
  const ns = netns(t, 'lvfw');
  ok(ns.exec('iptables-restore', ['--test'], redhat), 'iptables-restore --test');
  ok(ns.exec('iptables-restore', [], redhat), 'iptables-restore');
  const rules = (n: typeof ns, chain = 'PREROUTING') => ok(n.exec('iptables', ['-t', 'mangle', '-S', chain]), 'iptables -S').stdout.split('\n').filter((l) => l.startsWith('-A '));
  // lvsgen's own chain, reached from PREROUTING (the host's other rules stay: test/consumers/installer-coexist)
  assert.deepEqual(rules(ns, 'LVSGEN-PREROUTING'), want.map((w) => w.replace('-A PREROUTING ', '-A LVSGEN-PREROUTING ')));
  assert.deepEqual(rules(ns), ['-A PREROUTING -j LVSGEN-PREROUTING']);
  const debian = fileOf('debian', 'director', 'etc/network/interfaces');
  const ups = debian.split('\n').filter((l) => /^\tup iptables /.test(l)).map((l) => l.trim().slice(3).split(' '));
  const downs = debian.split('\n').filter((l) => /^\tdown iptables /.test(l)).map((l) => l.trim().slice(5).split(' '));
  const ns2 = netns(t, 'lvfw');
  for (const u of ups) ok(ns2.exec(u[0]!, u.slice(1)), u.join(' '));
  assert.deepEqual(rules(ns2), want);
  for (const d of downs) ok(ns2.exec(d[0]!, d.slice(1)), d.join(' '));
  assert.deepEqual(rules(ns2), [], 'the down lines take every rule out again');
});

test('nftables (debian12, rhel9): nft -c accepts the ruleset, nft -f loads it, and it marks exactly the matches at mangle priority', (t) => {
  const files = [fileOf('debian12', 'director', 'etc/nftables.d/lvsgen.nft'), fileOf('rhel9', 'director', 'etc/nftables/lvsgen.nft')];
  assert.equal(files[0], files[1], 'the same ruleset on both');
  assert.doesNotMatch(files[0]!, /chain postrouting/, 'no NAT chain: nothing is masqueraded under direct routing');
  if (!requireRoot(t) || !requireTools(t, 'nft', 'ip')) return;
  const ns = netns(t, 'lvfn');
  const dir = tempDir(t);
  const f = join(dir, 'nftables.conf');
  writeFileSync(f, files[0]!);
  ok(ns.exec('nft', ['-c', '-f', f]), 'nft -c');
  ok(ns.exec('nft', ['-f', f]), 'nft -f');
  ok(ns.exec('nft', ['-f', f]), 'nft -f again (idempotent)');
  const listed = ok(ns.exec('nft', ['list', 'chain', 'ip', 'lvsgen', 'prerouting']), 'nft list').stdout;
  assert.match(listed, /type filter hook prerouting priority mangle; policy accept;/);
  const marks = listed.split('\n').map((l) => l.trim()).filter((l) => l.includes('meta mark set')).map((l) => l.replace(/ comment .*/, ''));
  assert.deepEqual(marks, [
    'ip daddr 10.1.3.61 tcp dport 80 meta mark set 0x00000001',
    'ip daddr 10.1.3.61 tcp dport 443 meta mark set 0x00000001',
    'ip daddr 10.1.4.0/24 tcp dport 80 meta mark set 0x00000002',
    'ip daddr 10.1.3.62 tcp dport 21 meta mark set 0x00000015',
    'ip daddr 10.1.3.62 tcp dport 10000-10100 meta mark set 0x00000015',
  ]);
});

test('the network of virtual addresses: local on the director and the real servers (a loopback alias of the network), routed to the director by the router', () => {
  for (const distro of ['redhat', 'debian', 'debian12', 'rhel9']) {
    const m = bundlesOf('fwmark', distro).model;
    const host = (n: string) => m.hosts.find((h) => h.name === n)!;
    for (const n of ['director', 'real1', 'real2']) {
      assert.ok(host(n).loopbackAliases.some((a) => a.networkCidr === '10.1.4.0/24' && a.prefix === 24), `${distro}: ${n} holds 10.1.4.0/24 on lo`);
    }
    assert.ok(host('real1').arpSuppression, 'real servers do not answer ARP for it');
    assert.deepEqual(host('router').devices.flatMap((d) => d.routes.map((r) => `${r.networkCidr} via ${r.via} dev ${r.device}`)), ['10.1.4.0/24 via 10.1.3.1 dev eth0']);
  }
  // How each distro writes it: the seed's loopback alias (redhat, debian), a drop-in, a local route (rhel9).
  assert.match(fileOf('redhat', 'director', 'etc/sysconfig/network-scripts/ifcfg-lo:0'), /^IPADDR=10\.1\.4\.0\nNETMASK=255\.255\.255\.0$/m);
  assert.match(fileOf('rhel9', 'director', 'etc/NetworkManager/system-connections/lvsgen-lo.nmconnection'), /^route1=10\.1\.4\.0\/24\nroute1_options=type=local,table=255$/m);
});
