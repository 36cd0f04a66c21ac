// A sorry server per virtual service (issue 14, defect 4). ldirectord's global
// `fallback=` goes to every service, tcp and udp, and without a method it is
// `gate` (ldirectord(8), parse_fallback), wrong under NAT; keepalived's
// sorry_server had the same problems. lvsgen writes the fallback in each
// service's own block with the service's method (`fallback=ip:port masq`,
// `sorry_server` with `sorry_server_lvs_method`), and the cluster default
// (ldirectord.fallback) only where it fits: services on its port. Proven with
// ldirectord's parser and ldirectord itself (its ipvsadm commands when every
// real server is down) and keepalived --config-test.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, assertKeepalivedReads, generateText, ifupAll, interfacesOf, link, netns, ok, problemsOf, renderText, requireRoot, requireTools, sh, SORRY_HOSTS, tempDir, unique, assertRefused, serviceBlock, textFile } from '../support/index.js';
import { ldirectordCommands } from '../support/ldirectord-run.js';

/** NAT on 80 (the default fits), NAT on 8080 (its own, another port, on host sorry), DNS over udp (the default does not fit), direct routing on 443 (its own, no port). */
const topology = (backend: string) => `name: sorry
defaults: { distro: ${backend === 'keepalived' ? 'debian12' : 'debian'} }
director_backend: ${backend}
hosts:
  lb: { roles: [director], interfaces: { eth0: 10.0.0.1/24, eth1: 192.168.6.1/24 } }
  web1: { roles: [real-server], interfaces: { eth0: 192.168.6.4/24 } }
  web2: { roles: [real-server], interfaces: { eth0: 192.168.6.5/24 } }
  dr1: { roles: [real-server], interfaces: { eth0: 10.0.0.11/24 } }
  sorry: { roles: [real-server], interfaces: { eth0: 192.168.6.9/24 } }
ldirectord: { checktimeout: 1, checkinterval: 1, fallback: 127.0.0.1:80 }
virtual_services:
  - virtual: 10.0.0.100:80
    forward: masq
    check: { type: connect }
    real_servers: [web1, web2]
  - virtual: 10.0.0.100:8080
    forward: masq
    check: { type: connect }
    fallback: 192.168.6.9:80
    real_servers: [web1, web2]
  - virtual: 10.0.0.100:53
    protocol: udp
    forward: masq
    check: { request: www.example.com, receive: 10.0.0.80 }
    real_servers: [web1, web2]
  - virtual: 10.0.0.100:443
    forward: gate
    check: { type: connect }
    fallback: 127.0.0.1
    real_servers: [dr1]
`;

const REFUSED: Array<[name: string, text: string, problems: Array<[string, string]>]> = [
  [
    'its own fallback on another port under direct routing',
    topology('ldirectord').replace('fallback: 127.0.0.1\n', 'fallback: 127.0.0.1:8443\n'),
    [['invalid-port', 'virtual_services[3].fallback']],
  ],
  [
    'a NAT fallback on no network of the director',
    topology('keepalived').replace('fallback: 192.168.6.9:80', 'fallback: 172.16.0.9:80'),
    [['unreachable-real-server', 'virtual_services[1].fallback']],
  ],
  [
    'the default, where it fits, on no network of the director',
    topology('ldirectord').replace('fallback: 127.0.0.1:80 }', 'fallback: 172.16.0.9:80 }'),
    [['unreachable-real-server', 'ldirectord.fallback']],
  ],
  ['a fallback that is no address', topology('ldirectord').replace('fallback: 127.0.0.1\n', 'fallback: localhost\n'), [['invalid-address', 'virtual_services[3].fallback']]],
];
for (const [name, text, want] of REFUSED) {
  test(`refused, with its path and line: ${name}`, () => {
    assertRefused(text, want);
  });
}

test('accepted: both backends, and a tunnelled service may fall back to any address (one outside the topology with a warning)', () => {
  assert.deepEqual(problemsOf(topology('ldirectord')), []);
  assert.deepEqual(problemsOf(topology('keepalived')), []);
  const ps = problemsOf(topology('ldirectord').replace(/virtual: 10\.0\.0\.100:443\n    forward: gate/, 'virtual: 10.0.0.100:443\n    forward: ipip').replace('fallback: 127.0.0.1\n', 'fallback: 172.16.0.9\n'));
  assert.deepEqual(ps.map((p) => [p.severity, p.code, p.path]), [['warning', 'outside-sorry-server', 'virtual_services[3].fallback']]);
});

/** `validate` and `render -o OUT` of FILE exit 0, each saying WANT on stderr, render that one line alone. */
async function warnsOnce(file: string, out: string, want: RegExp): Promise<void> {
  const v = await cli('validate', file);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stderr, want);
  const r = await cli('render', file, '-o', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, want);
  assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, r.stderr);
}

// A direct-routing or tunnelling sorry server outside the topology must be set
// up by hand (README, "fallback"): a warning names it, with its line, and the
// command goes on; 127.0.0.1 (the director) and a host of the topology draw none.
test('a direct-routing sorry server outside the topology: validate and render warn on stderr with its path and line, exit 0 and write the files; none for 127.0.0.1 or a host of the topology', async (t) => {
  const dir = tempDir(t);
  const outside = join(dir, 'outside.yaml');
  writeFileSync(outside, topology('ldirectord').replace('fallback: 127.0.0.1\n', 'fallback: 10.0.0.200\n'));
  const want = /^.*outside\.yaml:\d+:\d+: warning \[outside-sorry-server\] virtual_services\[3\]\.fallback: fallback 10\.0\.0\.200 is no host of the topology: .*10\.0\.0\.100 on a non-ARPing loopback alias.*\n/m;
  await warnsOnce(outside, join(dir, 'out'), want);
  assert.match(readFileSync(join(dir, 'out', 'lb', 'etc/ha.d/ldirectord.cf'), 'utf8'), /^\tfallback=10\.0\.0\.200:443 gate$/m);
  for (const [name, fallback] of [['director', '127.0.0.1'], ['host', '10.0.0.11']] as const) {
    const f = join(dir, `${name}.yaml`);
    writeFileSync(f, topology('ldirectord').replace('fallback: 127.0.0.1\n', `fallback: ${fallback}\n`));
    const quiet = await cli('render', f, '-o', join(dir, `out-${name}`));
    assert.deepEqual([quiet.status, quiet.stderr], [0, ''], `fallback ${fallback}`);
  }
});

// A NAT sorry server outside the topology: IPVS rewrites its replies only if
// they come back through the director, which lvsgen cannot arrange on a
// machine it does not configure. A warning names the gateway its default
// route must use (the director's address on its network, or a pair's floating
// address there), with its line; the command goes on. 127.0.0.1, a director's
// own address and a host of the topology (derived as a NAT real server) draw none.
test('a NAT sorry server outside the topology: validate and render warn on stderr with its path and line, naming the director\'s address on its network as its gateway; exit 0 and the files written; none for 127.0.0.1, a director\'s own address or a host of the topology', async (t) => {
  const dir = tempDir(t);
  const outside = join(dir, 'outside.yaml');
  const text = topology('ldirectord').replace('fallback: 192.168.6.9:80', 'fallback: 192.168.6.99:80');
  writeFileSync(outside, text);
  const line = text.split('\n').findIndex((l) => l.includes('fallback: 192.168.6.99:80')) + 1;
  const want = new RegExp(`^.*outside\\.yaml:${line}:\\d+: warning \\[outside-sorry-server\\] virtual_services\\[1\\]\\.fallback: fallback 192\\.168\\.6\\.99 is no host of the topology: lvsgen cannot configure it; its default route must be via 192\\.168\\.6\\.1, director lb's address on 192\\.168\\.6\\.0/24, or its replies bypass the director.*\\n`, 'm');
  await warnsOnce(outside, join(dir, 'out'), want);
  assert.match(readFileSync(join(dir, 'out', 'lb', 'etc/ha.d/ldirectord.cf'), 'utf8'), /^\tfallback=192\.168\.6\.99:80 masq$/m);
  // keepalived's sorry_server is the same machine: the same warning.
  const k = problemsOf(topology('keepalived').replace('fallback: 192.168.6.9:80', 'fallback: 192.168.6.99:80'));
  assert.deepEqual(k.map((p) => [p.severity, p.code, p.path]), [['warning', 'outside-sorry-server', 'virtual_services[1].fallback']]);
  // The cluster default, where it fits (NAT on 80), at its own path.
  const d = problemsOf(topology('ldirectord').replace('fallback: 127.0.0.1:80 }', 'fallback: 192.168.6.99:80 }'));
  assert.deepEqual(d.map((p) => [p.severity, p.code, p.path, p.pos !== undefined]), [['warning', 'outside-sorry-server', 'ldirectord.fallback', true]]);
  assert.match(d[0]!.message, /default route must be via 192\.168\.6\.1, director lb's address on 192\.168\.6\.0\/24/);
  for (const [name, fallback] of [['loopback', '127.0.0.2:8080'], ['director', '192.168.6.1:8080'], ['host', '192.168.6.9:80']] as const) {
    const f = join(dir, `${name}.yaml`);
    writeFileSync(f, topology('ldirectord').replace('fallback: 192.168.6.9:80', `fallback: ${fallback}`));
    const quiet = await cli('render', f, '-o', join(dir, `out-${name}`));
    assert.deepEqual([quiet.status, quiet.stderr], [0, ''], `fallback ${fallback}`);
  }
});

/** NAT through a heartbeat pair of directors; 172.16.0.0/24 holds no floating address. */
const PAIR_NAT = `name: sorry-pair
defaults: { distro: debian12 }
hosts:
  lb1: { roles: [director], interfaces: { eth0: 10.0.0.2/24, eth1: 192.168.6.2/24, eth2: 172.16.0.2/24 } }
  lb2: { roles: [director], interfaces: { eth0: 10.0.0.3/24, eth1: 192.168.6.3/24, eth2: 172.16.0.3/24 } }
  web1: { roles: [real-server], interfaces: { eth0: 192.168.6.4/24 } }
  sorry: { roles: [real-server], interfaces: { eth0: 172.16.0.9/24 } }
virtual_services:
  - virtual: 10.0.0.100:80
    forward: masq
    check: { type: connect }
    fallback: 192.168.6.99:8080
    real_servers: [web1]
heartbeat:
  nodes: [lb1, lb2]
  floating: [10.0.0.100/24, 192.168.6.1/24]
  auth: { method: sha1, key: pair-secret-0123 }
`;

test('a NAT sorry server behind a pair of directors: outside the topology, a warning naming the pair\'s floating address on its network; on a network without one, refused with its path and line, a host of the topology too', () => {
  const ps = problemsOf(PAIR_NAT);
  assert.deepEqual(ps.map((p) => [p.severity, p.code, p.path]), [['warning', 'outside-sorry-server', 'virtual_services[0].fallback']]);
  assert.match(ps[0]!.message, /its default route must be via 192\.168\.6\.1, the floating address of heartbeat on 192\.168\.6\.0\/24/);
  assertRefused(PAIR_NAT.replace('fallback: 192.168.6.99:8080', 'fallback: 172.16.0.99:8080'), [['floating-off-network', 'virtual_services[0].fallback']]);
  assertRefused(PAIR_NAT.replace('fallback: 192.168.6.99:8080', 'fallback: 172.16.0.9:8080'), [['floating-off-network', 'virtual_services[0].fallback']]);
  assert.deepEqual(problemsOf(PAIR_NAT.replace('fallback: 192.168.6.99:8080', 'fallback: 127.0.0.1:8080')), []);
});

// A NAT sorry server that is a host of the topology gets its gateway derived
// (the director, or the pair's floating address on its network); one it sets
// itself elsewhere is refused as a NAT real server's is: its replies would
// bypass the director, which NAT needs to rewrite them.
test('a NAT sorry server that is a host and sets its own gateway away from the director, or the pair\'s floating address, is refused at hosts.NAME.gateway with its line; the right address is accepted', () => {
  const own = (text: string, gw: string) => text.replace('  sorrynat: { roles: [real-server], interfaces: { eth0: 10.2.0.8/24 } }', `  sorrynat: { roles: [real-server], interfaces: { eth0: 10.2.0.8/24 }, gateway: ${gw} }`);
  const wrong = own(SORRY_HOSTS, '10.2.0.254');
  assert.notEqual(wrong, SORRY_HOSTS);
  assertRefused(wrong, [['wrong-gateway', 'hosts.sorrynat.gateway']]);
  assert.match(problemsOf(wrong)[0]!.message, /sorry server sorrynat sets gateway 10\.2\.0\.254, but NAT needs director lb's 10\.2\.0\.1/);
  assert.deepEqual(problemsOf(own(SORRY_HOSTS, '10.2.0.1')), []);
  // through a pair: the floating address on its network
  const pair = PAIR_NAT.replace('fallback: 192.168.6.99:8080', 'fallback: 192.168.6.9:8080')
    .replace('  sorry: { roles: [real-server], interfaces: { eth0: 172.16.0.9/24 } }', '  sorry: { roles: [real-server], interfaces: { eth0: 192.168.6.9/24 }, gateway: GW }');
  assertRefused(pair.replace('GW', '192.168.6.2'), [['wrong-gateway', 'hosts.sorry.gateway']]);
  assert.match(problemsOf(pair.replace('GW', '192.168.6.2'))[0]!.message, /the pair's floating address 192\.168\.6\.1/);
  assert.deepEqual(problemsOf(pair.replace('GW', '192.168.6.1')), []);
});

test('ldirectord.cf: a fallback in each block it fits, with the service\'s method; no global fallback=; ldirectord parses it', (t) => {
  const cf = textFile(topology('ldirectord'), 'lb', 'etc/ha.d/ldirectord.cf');
  assert.doesNotMatch(cf, /^fallback=/m, 'no global fallback (ldirectord gives it to every service, with gate)');
  assert.match(serviceBlock(cf, /^virtual=10\.0\.0\.100:80\n/m), /^\tfallback=127\.0\.0\.1:80 masq$/m);
  assert.match(serviceBlock(cf, /^virtual=10\.0\.0\.100:8080\n/m), /^\tfallback=192\.168\.6\.9:80 masq$/m);
  assert.doesNotMatch(serviceBlock(cf, /^virtual=10\.0\.0\.100:53\n/m), /fallback/, 'the default (port 80) does not fit a DNS service');
  assert.match(serviceBlock(cf, /^virtual=10\.0\.0\.100:443\n/m), /^\tfallback=127\.0\.0\.1:443 gate$/m);
  if (!requireTools(t, 'ldirectord')) return;
  const f = join(tempDir(t), `${unique('lvsgen-sorry-')}.cf`);
  writeFileSync(f, cf);
  const s = sh('ldirectord', [f, 'status']);
  assert.equal(s.status, 3, `${s.stdout}${s.stderr}`);
  // Negative control: ldirectord's parser does read the method.
  writeFileSync(f, cf.replace('fallback=127.0.0.1:80 masq', 'fallback=127.0.0.1:80 nat'));
  const bad = sh('ldirectord', [f, 'status']);
  assert.notEqual(bad.status, 3);
  assert.match(bad.stderr, /forward method must be gate, masq or ipip/);
});

test('ldirectord itself, every real server down: adds each service\'s sorry server with the service\'s method, and none to the DNS service ', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ldirectord', 'ip', 'timeout')) return;
  const cf = textFile(topology('ldirectord'), 'lb', 'etc/ha.d/ldirectord.cf');
  const want = ['-a -t 10.0.0.100:80 -r 127.0.0.1:80 -m -w 1', '-a -t 10.0.0.100:8080 -r 192.168.6.9:80 -m -w 1', '-a -t 10.0.0.100:443 -r 127.0.0.1:443 -g -w 1'];
  // ldirectord 4.12 also passes its thresholds (-x 0 -y 0): not what is proven here.
  const strip = (c: string[]) => c.map((x) => x.replace(/ -x \d+ -y \d+/, ''));
  // Up to 45 s: on a loaded machine ldirectord takes long to start its checks.
  const ran = await ldirectordCommands(t, cf, (c) => want.every((w) => strip(c).includes(w)) && c.some((x) => x.startsWith('-A -u 10.0.0.100:53')), 45);
  const commands = strip(ran.commands);
  const stderr = ran.stderr;
  assert.ok(want.every((w) => commands.includes(w)), `ldirectord ran:\n${commands.join('\n')}\n${stderr.slice(-2000)}`);
  const added = commands.filter((c) => c.startsWith('-a '));
  assert.deepEqual([...new Set(added.filter((c) => /-r (127\.0\.0\.1|192\.168\.6\.9):/.test(c)))].sort(), [...want].sort(), 'sorry servers added with their method, and no other');
  // ldirectord may add a real server for a moment while it starts (seen under load,
  // before the first check takes it out): only a sorry server would be wrong here.
  const sorryForDns = added.filter((c) => c.startsWith('-a -u ') && /-r (127\.0\.0\.1|192\.168\.6\.9):/.test(c));
  assert.deepEqual(sorryForDns, [], `no sorry server for the DNS service:\n${added.join('\n')}\n${stderr.slice(-3000)}`);
});

test('keepalived.conf: sorry_server with sorry_server_lvs_method per service where it fits; keepalived --config-test accepts it', (t) => {
  const conf = textFile(topology('keepalived'), 'lb', 'etc/keepalived/keepalived.conf');
  const vs = (port: number) => serviceBlock(conf, new RegExp(`^virtual_server 10\\.0\\.0\\.100 ${port} \\{\\n`, 'm'));
  assert.match(vs(80), /\tsorry_server 127\.0\.0\.1 80\n\tsorry_server_lvs_method NAT\n/);
  assert.match(vs(8080), /\tsorry_server 192\.168\.6\.9 80\n\tsorry_server_lvs_method NAT\n/);
  assert.doesNotMatch(vs(53), /sorry_server/);
  assert.match(vs(443), /\tsorry_server 127\.0\.0\.1 443\n\tsorry_server_lvs_method DR\n/);
  if (!requireTools(t, 'keepalived')) return;
  assertKeepalivedReads(tempDir(t), conf, conf.replace('sorry_server_lvs_method NAT', 'sorry_server_lvs_method MASQ'), 'an unknown method');
});

// The ARP keys' comment says what the host is, from the derivation: a sorry
// server only (sorry, sorrytun: a NAT real server, its keys for the tunnelled
// service it is the sorry server of), a real server (dr), or both (sorry made
// a real server of 10.1.0.52:25 too), on each distro's sysctl file.
test('the ARP keys\' comment names what the host is: a sorry server, a real server, or both, on every distro\'s sysctl file', () => {
  const comment = (text: string, host: string, distro: string) => {
    const path = distro === 'debian12' || distro === 'rhel9' ? 'etc/sysctl.d/90-lvsgen.conf' : 'etc/sysctl.conf';
    const lines = textFile(text.replace('defaults: { distro: debian12 }', `defaults: { distro: ${distro} }`), host, path).split('\n');
    const i = lines.findIndex((l) => l.startsWith('net.ipv4.conf.all.arp_ignore'));
    assert.ok(i > 1, `${distro} ${host}: ARP keys`);
    return lines.slice(i - 2, i).join('\n');
  };
  const both = SORRY_HOSTS.replace('    fallback: 127.0.0.1\n    real_servers: [dr]', '    fallback: 127.0.0.1\n    real_servers: [dr, sorry]');
  for (const distro of ['debian12', 'debian', 'redhat', 'rhel9']) {
    assert.equal(comment(SORRY_HOSTS, 'sorry', distro), '# Sorry server of direct routing or tunnelling: do not answer ARP for the\n# virtual addresses held on the loopback aliases.', distro);
    assert.equal(comment(SORRY_HOSTS, 'sorrytun', distro), '# Sorry server of direct routing or tunnelling: do not answer ARP for the\n# virtual addresses held on the loopback aliases.', distro);
    assert.equal(comment(SORRY_HOSTS, 'dr', distro), '# Real server of direct routing or tunnelling: do not answer ARP for the\n# virtual addresses held on the loopback aliases.', distro);
    assert.equal(comment(both, 'sorry', distro), '# Real server and sorry server of direct routing or tunnelling: do not answer ARP for the\n# virtual addresses held on the loopback aliases.', distro);
  }
  const host = (text: string, name: string) => generateText(text).model.hosts.find((h) => h.name === name)!;
  assert.deepEqual(host(SORRY_HOSTS, 'sorry').arpFor, { realServer: false, sorryServer: true });
  assert.deepEqual(host(SORRY_HOSTS, 'dr').arpFor, { realServer: true, sorryServer: false });
  assert.deepEqual(host(both, 'sorry').arpFor, { realServer: true, sorryServer: true });
});

// A sorry server of direct routing or tunnelling that is a host of the
// topology (here a real server of no service, and a NAT real server of
// another service) is sent the clients' packets as a real server of that
// method is: addressed to the virtual address, at its own MAC (direct
// routing) or inside IP-in-IP to its own address (tunnelling). Proven with
// ifupdown and the kernel on the sorry host's debian12 files: ifup brings
// its lo alias up, its sysctl drop-in applies, and then it answers a packet
// for the virtual address sent to its MAC address but no ARP request for
// it; ifupdown plans ipip and tunl0 for the tunnelling one (this machine's
// kernel has no ipip: tunnel.test.ts brings tunl0 up where it has). The
// topology is SORRY_HOSTS (test/support/cases.ts).
test('debian12 sorry servers: ifup brings the direct-routing one\'s lo alias up and, its ARP keys applied, it answers the virtual address sent to its MAC address but no ARP for it; ifupdown plans ipip and tunl0 for the tunnelling one', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'ifup', 'ifquery', 'sysctl', 'busybox')) return;
  const r = await renderText(t, SORRY_HOSTS, 'debian12');
  const work = tempDir(t, 'lvsgen-sorry-');
  const vip = '10.1.0.50';

  const sorry = netns(t, 'lvsy');
  const lb = netns(t, 'lvsl');
  link(sorry, 'eth0', lb, 'eth0');
  ok(lb.ip('addr', 'add', '10.1.0.1/24', 'dev', 'eth0'), 'director address');
  ok(sorry.exec('sysctl', ['-p', r.file('sorry', '/etc/sysctl.d/90-lvsgen.conf')]), 'sysctl -p');
  const state = join(work, 'sorry-state');
  mkdirSync(state);
  ifupAll(sorry, interfacesOf(r, 'sorry', work), state);
  assert.match(ok(sorry.ip('-4', 'addr', 'show', 'dev', 'lo'), 'lo').stdout, /inet 10\.1\.0\.50\/32 .*lo:0/, 'the virtual address on lo:0');
  const mac = /link\/ether (\S+)/.exec(ok(sorry.ip('link', 'show', 'dev', 'eth0'), 'link').stdout)![1]!;
  // Direct routing: the director sends the packet for the virtual address to the sorry server's MAC address.
  ok(lb.ip('neigh', 'replace', vip, 'lladdr', mac, 'dev', 'eth0', 'nud', 'permanent'), 'neigh');
  const answered = lb.exec('busybox', ['ping', '-c', '1', '-W', '2', vip]);
  assert.equal(answered.status, 0, `the sorry server answers ${vip} sent to its MAC address:\n${answered.stdout}${answered.stderr}`);
  ok(lb.ip('neigh', 'del', vip, 'dev', 'eth0'), 'neigh del');
  // It does not answer ARP for it (the active director does).
  const arp = lb.exec('busybox', ['arping', '-c', '1', '-w', '2', '-I', 'eth0', vip]);
  assert.doesNotMatch(arp.stdout, /\[[0-9a-f:]{17}\]/i, `nobody answers ARP for ${vip}:\n${arp.stdout}`);

  // Tunnelling: ifupdown lists tunl0 and lo:0 and plans ipip before tunl0 up.
  const file = interfacesOf(r, 'sorrytun', work);
  const listed = ok(sh('ifquery', ['-i', file, '--list']), 'ifquery --list').stdout.split('\n');
  assert.ok(listed.includes('tunl0') && listed.includes('lo:0'), listed.join(' '));
  assert.match(ok(sh('ifquery', ['-i', file, 'lo:0']), 'ifquery lo:0').stdout, /^address: 10\.1\.0\.51\nbroadcast: 10\.1\.0\.51\nnetmask: 255\.255\.255\.255$/m);
  const tunState = join(work, 'sorrytun-state');
  mkdirSync(tunState);
  const plan = ok(sh('ifup', ['-n', '-v', '-i', file, '--state-dir', tunState, '--no-scripts', 'tunl0']), 'ifup -n tunl0');
  assert.match(`${plan.stdout}${plan.stderr}`, /modprobe ipip[^]*ip link set tunl0 up/);
  const keys = r.read('sorrytun', '/etc/sysctl.d/90-lvsgen.conf');
  assert.match(keys, /^net\.ipv4\.conf\.all\.rp_filter = 0$/m);
  assert.match(keys, /^net\.ipv4\.conf\.tunl0\.rp_filter = 0$/m);
});

// A NAT sorry server is sent the clients' packets with their own source
// addresses, as a NAT real server is, and IPVS rewrites its replies only if
// they come back through the director: a host of the topology takes the
// director as its default gateway, as a NAT real server does. Proven with
// ifupdown and the kernel: the sorry host's debian12 files brought up in a
// namespace behind a forwarding director, a client in front reaches it and
// the answer comes back (routed here: no IPVS in this kernel).
test('debian12 NAT sorry server: its default gateway is the director (ifup sets it), so its answers to a client in front of the director come back through it', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'ifup', 'busybox', 'sysctl')) return;
  const r = await renderText(t, SORRY_HOSTS, 'debian12');
  const work = tempDir(t, 'lvsgen-sorry-nat-');
  const nat = r.bundles.find((b) => b.host === 'sorrynat')!;
  assert.ok(nat.files.some((f) => f.path === 'etc/network/interfaces.d/eth0'), 'sorrynat has its eth0 stanza');
  const sorry = netns(t, 'lvsn');
  const lb = netns(t, 'lvsl');
  const client = netns(t, 'lvsc');
  link(lb, 'eth0', client, 'eth0');
  link(lb, 'eth1', sorry, 'eth0');
  ok(lb.ip('addr', 'add', '10.1.0.1/24', 'dev', 'eth0'), 'director front');
  ok(lb.ip('addr', 'add', '10.2.0.1/24', 'dev', 'eth1'), 'director back');
  ok(lb.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']), 'director forwards');
  ok(client.ip('addr', 'add', '10.1.0.100/24', 'dev', 'eth0'), 'client address');
  ok(client.ip('route', 'add', 'default', 'via', '10.1.0.1'), 'client route');
  const state = join(work, 'state');
  mkdirSync(state);
  ifupAll(sorry, interfacesOf(r, 'sorrynat', work), state);
  assert.match(ok(sorry.ip('route', 'show', 'default'), 'route').stdout, /^default via 10\.2\.0\.1 dev eth0/m, 'ifup set the director as the default gateway');
  const ping = client.exec('busybox', ['ping', '-c', '1', '-W', '2', '10.2.0.8']);
  assert.equal(ping.status, 0, `the sorry server's answer comes back through the director:\n${ping.stdout}${ping.stderr}`);
});
