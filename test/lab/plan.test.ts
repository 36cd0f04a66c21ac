// The lab's plan (src/lab/plan.ts), pure: from topologies held here (other
// names, addresses, ports, numbers of real servers and services than the
// examples; and the examples whose shape is their own: streamline, fwmark),
// the wiring, the install order, the servers and the checks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { labDistro, labNeedsKernel, planLab, planText, NEEDS_IPVS, type LabPlan } from '../../src/lab/plan.js';
import { exitStatus, LAB_EXIT, LabResults, parseLabLine, resultOf, summarize, unreported } from '../../src/lab/report.js';
import { labTools, missingMessage } from '../../src/lab/tools.js';
import { loadDistros } from '../../src/render/distros.js';
import { example, exampleWith, generateText } from '../support/index.js';
import { labPipeline as plan2model, labPlan as plan } from '../support/lab.js';

const DISTROS = loadDistros();

const check = (p: LabPlan, id: string) => {
  const c = p.checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id}; have ${p.checks.map((x) => x.id).join(' ')}`);
  return c;
};

const NAT = `
name: shop
defaults: { distro: debian }
hosts:
  lb:
    roles: [director]
    interfaces: { eth0: 172.20.0.10/26, eth1: 10.9.9.1/24 }
  web-a: { roles: [real-server], interfaces: { eth0: 10.9.9.21/24 } }
  web-b: { roles: [real-server], interfaces: { eth0: 10.9.9.22/24 } }
  web-c: { roles: [real-server], interfaces: { eth0: 10.9.9.23/24 } }
ldirectord: { checkinterval: 2, quiescent: false }
virtual_services:
  - virtual: 172.20.0.40:8080
    scheduler: wrr
    forward: masq
    check: { type: negotiate, service: http, request: alive.txt, receive: up }
    real_servers:
      - { host: web-a, port: 8000, weight: 3 }
      - { host: web-b, port: 8000, weight: 1 }
      - { host: web-c, port: 8000, weight: 0 }
  - virtual: 172.20.0.40:53
    protocol: udp
    scheduler: rr
    forward: masq
    check: { type: negotiate, service: dns, request: shop.example, receive: 192.0.2.7 }
    real_servers: [web-a, web-b]
  - virtual: 172.20.0.41:25
    scheduler: lc
    persistent: 120
    forward: masq
    check: { type: connect }
    real_servers: [web-c]
`;

test('NAT: a LAN per network, clients at the top of the networks the director faces, its addresses their gateways', () => {
  const p = plan(NAT);
  assert.deepEqual(p.lans, [{ name: 'lan0', network: '10.9.9.0/24', network6: [] }, { name: 'lan1', network: '172.20.0.0/26', network6: [] }]);
  assert.deepEqual(p.links.filter((l) => l.host === 'lb'), [{ host: 'lb', iface: 'eth0', lan: 'lan1' }, { host: 'lb', iface: 'eth1', lan: 'lan0' }]);
  assert.deepEqual(p.clients, [
    { name: 'c0', lan: 'lan0', address: '10.9.9.254', prefix: 24, gateway: '10.9.9.1', address6: [] },
    { name: 'c1', lan: 'lan1', address: '172.20.0.62', prefix: 26, gateway: '172.20.0.10', address6: [] },
  ]);
  // real servers first (their services answer when ldirectord starts), the director last
  assert.deepEqual(p.installOrder, [['web-a', 'web-b', 'web-c'], ['lb']]);
  assert.deepEqual(p.directors, ['lb']);
});

test('NAT: a server per real server and port, of the kind the service is', () => {
  const p = plan(NAT);
  assert.deepEqual(p.servers, [
    { host: 'web-a', kind: 'http', protocol: 'tcp', port: 8000, root: '/var/www' },
    { host: 'web-b', kind: 'http', protocol: 'tcp', port: 8000, root: '/var/www' },
    { host: 'web-c', kind: 'http', protocol: 'tcp', port: 8000, root: '/var/www' },
    { host: 'web-c', kind: 'banner', protocol: 'tcp', port: 25 },
    { host: 'web-a', kind: 'dns', protocol: 'udp', port: 53, dnsName: 'shop.example', dnsAddress: '192.0.2.7' },
    { host: 'web-b', kind: 'dns', protocol: 'udp', port: 53, dnsName: 'shop.example', dnsAddress: '192.0.2.7' },
  ]);
  // debian12's web root
  assert.equal(plan(NAT, 'debian12').servers[0]!.root, '/var/www/html');
});

test('NAT: the checks, what needs IPVS and what does not', () => {
  const p = plan(NAT);
  assert.deepEqual(check(p, 'gw.web-b').run, ['gateway', 'web-b', '10.9.9.1', 'eth0']);
  assert.deepEqual(check(p, 'fwd.lb').run, ['sysctl', 'lb', 'net.ipv4.ip_forward', '1']);
  assert.deepEqual(check(p, 'addr.lb.eth0:0').run, ['addr', 'lb', 'eth0', '172.20.0.40/26']);
  assert.deepEqual(check(p, 'ping.172.20.0.41').run, ['ping', 'c1', '172.20.0.41']);
  // masquerading: a real server reaches the client on the director's other network as the director
  assert.deepEqual(check(p, 'masq.lb.10.9.9.0/24').run, ['masq', 'web-a', 'c1', '172.20.0.10']);
  // ldirectord drives ipvsadm: the lab can compare the table without IPVS
  assert.equal(check(p, 'table.lb').needs, undefined);
  // traffic through a virtual service needs IPVS; weight 0 is not expected to answer
  const web = check(p, 'svc.lb.tcp.172.20.0.40.8080');
  assert.equal(web.needs, NEEDS_IPVS);
  assert.deepEqual(web.run.slice(0, 8), ['service', 'c1', 'tcp', '172.20.0.40', '8080', 'http', '12', 'weighted']);
  assert.deepEqual(web.run.slice(8), ['web-a=3', 'web-b=1']);
  assert.equal(check(p, 'svc.lb.udp.172.20.0.40.53').run[5], 'dns');
  assert.equal(check(p, 'svc.lb.tcp.172.20.0.41.25').run[7], 'persistent');
  // a real server stopped: only those with weight > 0, each on its real port
  assert.deepEqual(check(p, 'down.lb.tcp.172.20.0.40.8080.web-a').run, ['realdown', 'lb', 'web-a', 'tcp', '8000', '3', 'TCP 172.20.0.40:8080@10.9.9.21:8000']);
  assert.ok(!p.checks.some((c) => c.id === 'down.lb.tcp.172.20.0.40.8080.web-c'));
  // every host's own --verify, last
  assert.deepEqual(p.checks.slice(-4).map((c) => c.id), ['verify.lb', 'verify.web-a', 'verify.web-b', 'verify.web-c']);
  // before them, on every host, the administrator's configuration it started from (lab/lib/admin.sh), in lab.sh's plan too
  assert.deepEqual(p.checks.slice(-8, -4).map((c) => [c.id, ...c.run]), ['lb', 'web-a', 'web-b', 'web-c'].map((h) => [`admin.${h}`, 'admin-kept', h]));
  assert.ok(p.checks.slice(-8, -4).every((c) => c.needs === undefined));
  assert.match(planText(p), /^check\tadmin\.web-b\tadmin-kept\tweb-b$/m);
  assert.ok(!p.checks.some((c) => c.id.startsWith('ha.')));
  assert.deepEqual(p.needs, ['distro:debian', 'ldirectord']);
});

test('a configuration change reloads the director\'s daemon: its first real server\'s weight changed, after the other checks that change the cluster, before the administrator\'s and --verify', () => {
  const p = plan(NAT);
  const r = check(p, 'reload.lb');
  // the first service's first real server (ldirectord.cf's first real= line), one more weight; no floating address
  assert.deepEqual(r.run, ['reload', 'lb', 'ldirectord', 'TCP 172.20.0.40:8080@10.9.9.21:8000', '10.9.9.21', '4']);
  // ldirectord drives ipvsadm, which the namespace mode stands in for: it runs there, as the table check
  assert.equal(r.needs, undefined);
  assert.match(r.name, /from weight 3 to 4\) and installed on lb: ldirectord reloaded/);
  const ids = p.checks.map((c) => c.id);
  assert.equal(ids.indexOf('reload.lb'), ids.indexOf('admin.lb') - 1);
  assert.ok(p.checks.slice(0, ids.indexOf('reload.lb')).every((c) => c.id !== 'admin.lb' && !c.id.startsWith('verify.')));
  assert.match(planText(p), /^check\treload\.lb\treload\tlb\tldirectord\tTCP 172\.20\.0\.40:8080@10\.9\.9\.21:8000\t10\.9\.9\.21\t4$/m);
  // keepalived's table is the kernel's (netlink): not run without IPVS
  const k = check(plan(NAT.replace('defaults: { distro: debian }', 'defaults: { distro: debian }\ndirector_backend: keepalived'), 'debian12'), 'reload.lb');
  assert.equal(k.needs, NEEDS_IPVS);
  assert.equal(k.run[2], 'keepalived');
});

const DR_TEXT = `
name: dr
hosts:
  d1: { roles: [director], interfaces: { eth0: 198.51.100.2/24 } }
  r1: { roles: [real-server], interfaces: { eth0: 198.51.100.11/24 } }
  r2: { roles: [real-server], interfaces: { eth0: 198.51.100.12/24 } }
virtual_services:
  - virtual: 198.51.100.80:443
    forward: gate
    check: { type: negotiate, request: hc.html, receive: fine }
    real_servers: [r1, r2]
  - virtual: 198.51.100.80:7000
    forward: gate
    check: { type: on }
    real_servers: [r1]
`;

test('direct routing: the virtual address on the real servers\' loopback, no masquerading, a check-on service never stopped', () => {
  const p = plan(DR_TEXT);
  assert.deepEqual(p.lans, [{ name: 'lan0', network: '198.51.100.0/24', network6: [] }]);
  assert.deepEqual(p.clients, [{ name: 'c0', lan: 'lan0', address: '198.51.100.254', prefix: 24, gateway: '198.51.100.2', address6: [] }]);
  assert.deepEqual(check(p, 'addr.r1.lo:0').run, ['addr', 'r1', 'lo', '198.51.100.80/32']);
  assert.ok(!p.checks.some((c) => c.id.startsWith('masq.')));
  assert.deepEqual(p.servers.map((s) => `${s.host} ${s.kind} ${s.port}`), ['r1 https 443', 'r2 https 443', 'r1 banner 7000']);
  assert.ok(p.checks.some((c) => c.id === 'down.d1.tcp.198.51.100.80.443.r2'));
  assert.ok(!p.checks.some((c) => c.id.startsWith('down.d1.tcp.198.51.100.80.7000')), 'checktype on: never taken out');
  assert.deepEqual(p.needs, ['distro:redhat', 'ldirectord', 'openssl']);
  // a director checks its table with --verify; a heartbeat pair of direct-routing directors has no check of its own
  // (no masquerading, no module; the table is on the active one only): no --verify check for them
  assert.ok(p.checks.some((c) => c.id === 'verify.d1'));
  const pair = plan(`${DR_TEXT.replace(/\n  - virtual: 198.51.100.80:7000[^]*$/, '\n').replace('hosts:', 'hosts:\n  d2: { roles: [director], interfaces: { eth0: 198.51.100.3/24 } }')}heartbeat:\n  nodes: [d1, d2]\n  floating: [198.51.100.80/24]\n  auth: { method: crc }\n`, 'debian');
  assert.deepEqual(pair.checks.filter((c) => c.id.startsWith('verify.')).map((c) => c.id), ['verify.r1', 'verify.r2']);
});

const PAIR = (failback: boolean) => `
name: edge
hosts:
  gw: { roles: [router], interfaces: { eth0: 10.40.0.1/16, eth1: 203.0.113.1/28 } }
  ha-x: { roles: [real-server], interfaces: { eth0: 10.40.0.5/16 } }
  ha-y: { roles: [real-server], interfaces: { eth0: 10.40.0.6/16 } }
heartbeat:
  nodes: [ha-y, ha-x]
  floating: [10.40.9.9/16, 10.40.9.10/16]
  virtual_network: 100.64.8.0/22
  deadtime: 7
  auto_failback: ${failback}
  auth: { method: md5, key: lab-test-only }
`;

test('a heartbeat pair behind a router: clients on both sides, the preferred node first, failover and failback', () => {
  const p = plan(PAIR(false));
  assert.deepEqual(p.installOrder, [['gw'], ['ha-x', 'ha-y']]);
  assert.deepEqual(p.clients.map((c) => `${c.name} ${c.address} ${c.gateway}`), ['c0 10.40.255.254 10.40.0.1', 'c1 203.0.113.14 203.0.113.1']);
  assert.deepEqual(p.servers, [
    { host: 'ha-y', kind: 'whoami', protocol: 'tcp', port: 8080 },
    { host: 'ha-x', kind: 'whoami', protocol: 'tcp', port: 8080 },
  ]);
  assert.deepEqual(check(p, 'route.gw.100.64.8.0/22').run, ['route', 'gw', '100.64.8.0/22', '10.40.9.9', 'eth0']);
  assert.deepEqual(check(p, 'local.ha-x.lo:0').run, ['local', 'ha-x', '100.64.11.254']);
  const ha = p.checks.filter((c) => c.id.startsWith('ha.')).map((c) => c.run.join(' '));
  assert.deepEqual(ha, [
    'ha-runs ha-y heartbeat',
    'ha-runs ha-x heartbeat',
    // initdead 60 s and a margin: 30 s, and 20 s for each resource heartbeat
    // starts one after another (IPaddr2 for each address)
    'ha-holds ha-y ha-x 60 70 10.40.9.9 10.40.9.10',
    'answer c0 10.40.9.9 8080 ha-y',
    'answer c0 10.40.9.10 8080 ha-y',
    'answer c1 100.64.8.1 8080 ha-y',
    'answer c1 100.64.11.254 8080 ha-y',
    // the preferred node fails: its links cut (eth0), then repaired
    // (the margin: 60 s and 20 s for each resource)
    'ha-failover ha-y ha-x heartbeat 7 100 eth0 10.40.9.9 10.40.9.10',
    'answer c0 10.40.9.9 8080 ha-x',
    'answer c0 10.40.9.10 8080 ha-x',
    'answer c1 100.64.8.1 8080 ha-x',
    'answer c1 100.64.11.254 8080 ha-x',
    'ha-failback ha-y ha-x heartbeat stay 1 10.40.9.9 10.40.9.10',
    // auto_failback off: handed back to the preferred node, as the lab found the pair
    'ha-restore ha-y ha-x heartbeat 1 10.40.9.9 10.40.9.10',
  ]);
  assert.deepEqual(p.needs, ['distro:redhat', 'heartbeat']);
  assert.equal(check(p, 'ha.holds').expected, 'within initdead (60 s) and a margin (more for each of the 2 resources heartbeat starts one after another) (on a device other than lo)');
});

test('the pair as VRRP on debian12, auto_failback on: the addresses come back', () => {
  const p = plan(PAIR(true), 'debian12');
  // the preferred node first: with nopreempt the first master keeps the addresses
  assert.deepEqual(p.installOrder, [['gw'], ['ha-y'], ['ha-x']]);
  // keepalived adds the addresses itself: the margin is the same for any number
  assert.equal(check(p, 'ha.failover').run.join(' '), 'ha-failover ha-y ha-x vrrp 7 60 eth0 10.40.9.9 10.40.9.10');
  assert.equal(check(p, 'ha.failover').expected, 'on ha-x within the dead time (7 s) and a margin; ha-y, repaired (links back, keepalived not started), holds none');
  // auto_failback on: the pair is back as the lab found it without handing it back
  assert.ok(!p.checks.some((c) => c.id === 'ha.restore'));
  assert.equal(check(p, 'ha.failback').run.slice(0, 6).join(' '), 'ha-failback ha-y ha-x vrrp back 8');
  assert.deepEqual(p.needs, ['distro:debian12', 'vrrp']);
});

test('the plan as lab.sh reads it: tab-separated records, no install check as a check line', () => {
  const p = plan(NAT);
  const text = planText(p);
  assert.match(text, /^lan\tlan0\t10\.9\.9\.0\/24\n/);
  assert.ok(text.includes('client\tc1\tlan1\t172.20.0.62/26\t172.20.0.10\n'));
  assert.ok(text.includes('install\tweb-a\tweb-b\tweb-c\n'));
  assert.ok(text.includes('server\tweb-a\tdns\tudp\t53\tshop.example=192.0.2.7\n'));
  assert.ok(!/^check\tinstall\./m.test(text));
  const without = planText(p, (c) => c.needs !== NEEDS_IPVS);
  assert.ok(!without.includes('\tsvc.'));
  assert.throws(() => planText({ ...p, hosts: [{ name: 'a\tb', distro: 'debian' }] }), /tab or line break/);
});

test('results: a line per check, the count, and the exit status', () => {
  const p = plan(NAT);
  assert.deepEqual(parseLabLine('PROGRESS\tinstalling lb'), { kind: 'progress', text: 'installing lb' });
  const l = parseLabLine('NOTRUN\tverify.lb\tno modules\tlsmod: ip_vs_ftp');
  assert.deepEqual(l, { kind: 'result', status: 'not-run', id: 'verify.lb', seen: 'no modules', part: 'lsmod: ip_vs_ftp' });
  assert.equal(parseLabLine('garbage'), undefined);
  assert.equal(parseLabLine('PASS\t\tx'), undefined);
  const r = resultOf(check(p, 'verify.lb'), l as Extract<typeof l, { kind: 'result' }>);
  assert.equal(r.name, 'install.sh --verify on lb: lsmod: ip_vs_ftp');
  assert.equal(exitStatus({ passed: 3, failed: 0, notRun: 0 }), LAB_EXIT.passed);
  assert.equal(exitStatus({ passed: 3, failed: 0, notRun: 2 }), LAB_EXIT.notRun);
  assert.equal(exitStatus({ passed: 3, failed: 1, notRun: 2 }), LAB_EXIT.failed);
  assert.equal(exitStatus({ passed: 0, failed: 0, notRun: 0 }), LAB_EXIT.failed, 'nothing checked is no pass');
  // a lab cut short: every check it never reported fails
  const left = unreported(p.checks, new Set(p.checks.slice(1).map((c) => c.id)), 'not reached');
  assert.deepEqual(left.map((x) => [x.id, x.status]), [[p.checks[0]!.id, 'fail']]);
  assert.deepEqual(summarize([...left, { ...left[0]!, status: 'pass' }]), { passed: 1, failed: 1, notRun: 0 });
});

test('LabResults: what lvsgen lab and lab check print of lab.sh\'s lines, in order', () => {
  const p = plan(NAT);
  const printed: string[] = [];
  const needs = (c: { needs?: string }) => c.needs !== NEEDS_IPVS;
  const r = new LabResults(p.checks, needs, 'needs IPVS here', (line) => printed.push(line));
  const first = p.checks.find(needs)!;
  for (const line of ['PROGRESS\tinstalling lb', `PASS\t${first.id}\texit 0`, 'PASS\tno.such.check\tx', 'garbage']) r.line(line);
  assert.equal(r.lastProgress, 'installing lb');
  const s = r.finish('not reached: stopped');
  const ran = p.checks.filter(needs).length;
  const notRun = p.checks.length - ran;
  assert.ok(notRun > 0);
  assert.deepEqual(s, { passed: 1, failed: ran - 1, notRun });
  assert.equal(printed[0], '... installing lb');
  assert.equal(printed[1], `PASS ${first.name}: expected ${first.expected}; seen exit 0`);
  // then every check never reported, failed; the checks not run; the count
  assert.match(printed[2]!, /^FAIL .*: expected .*; seen not reached: stopped$/);
  assert.equal(printed.filter((l) => l.startsWith('NOT RUN ')).length, notRun);
  assert.equal(printed.at(-1), `1 passed, ${ran - 1} failed, ${notRun} not run`);
  assert.equal(r.results.length, p.checks.length);
});

test('tools: what a plan needs, and one message naming the packages', () => {
  const tools = labTools(plan(PAIR(false), 'debian12')).map((t) => t.tool);
  for (const t of ['ip', 'nsenter', 'busybox', 'nft', 'keepalived', 'systemctl']) assert.ok(tools.includes(t), t);
  assert.ok(!tools.includes('/usr/sbin/ldirectord'));
  assert.equal(missingMessage([{ tool: 'nft', package: 'nftables' }, { tool: 'ifup', package: 'ifupdown' }]),
    'missing nft, ifup: install ifupdown nftables (Debian: apt-get install ifupdown nftables)');
});

const TWIN = (distro: string) => `
name: twin
defaults: { distro: ${distro} }
hosts:
  d1: { roles: [director], interfaces: { eth0: 10.5.0.2/24, eth1: 10.6.0.2/24 } }
  d2: { roles: [director], interfaces: { eth0: 10.5.0.3/24, eth1: 10.6.0.3/24 } }
  r1: { roles: [real-server], interfaces: { eth0: 10.6.0.10/24 } }
  r2: { roles: [real-server], interfaces: { eth0: 10.6.0.11/24 } }
heartbeat:
  nodes: [d1, d2]
  floating: [10.5.0.100/24, 10.6.0.1/24]
  auth: { method: crc }
virtual_services:
  - virtual: 10.5.0.100:80
    forward: masq
    check: { type: negotiate, request: hc, receive: ok }
    real_servers: [r1, r2]
`;

test('a pair of directors: the floating addresses first, the services through the preferred one, then through the other after the failover', () => {
  const p = plan(TWIN('debian'));
  const g = plan2model(TWIN('debian'));
  assert.equal(labNeedsKernel(g.model, { ipvs: false, ipip: false }), undefined, 'heartbeat and ldirectord: no kernel IPVS needed');
  // the clients' gateway is the pair's floating address on their network: it moves with the active director
  assert.deepEqual(p.clients.map((c) => `${c.name} ${c.address} ${c.gateway}`), ['c0 10.5.0.254 10.5.0.100', 'c1 10.6.0.254 10.6.0.1']);
  assert.deepEqual(p.installOrder, [['r1', 'r2'], ['d1', 'd2']]);
  assert.deepEqual(p.directors, ['d1', 'd2']);
  const ids = p.checks.map((c) => c.id);
  const at = (id: string) => { const i = ids.indexOf(id); assert.ok(i >= 0, `no check ${id}; have ${ids.join(' ')}`); return i; };
  // the addresses on d1 before anything goes through them
  assert.ok(at('ha.holds') < at('ping.10.5.0.100'));
  assert.ok(at('ping.10.5.0.100') < at('table.d1'));
  // d1's table, masquerading, services and stopped real servers before the failover; d2's after it
  for (const id of ['table.d1', 'masq.d1.10.6.0.0/24', 'svc.d1.tcp.10.5.0.100.80', 'down.d1.tcp.10.5.0.100.80.r1']) assert.ok(at(id) < at('ha.failover'), id);
  for (const id of ['table.d2', 'masq.d2.10.6.0.0/24', 'svc.d2.tcp.10.5.0.100.80']) {
    assert.ok(at(id) > at('ha.failover') && at(id) < at('ha.failback'), id);
  }
  assert.ok(!ids.some((id) => id.startsWith('down.d2.')));
  assert.deepEqual(check(p, 'masq.d2.10.6.0.0/24').run, ['masq', 'r1', 'c0', '10.5.0.3']);
  assert.equal(check(p, 'svc.d2.tcp.10.5.0.100.80').needs, NEEDS_IPVS);
  // the floating addresses answer as the active node (its own server on a port no service uses)
  assert.deepEqual(check(p, 'ha.answer.d2.10.6.0.1').run, ['answer', 'c1', '10.6.0.1', '8080', 'd2']);
  // VRRP (keepalived holds the table on both nodes, through netlink: not run without IPVS)
  const v = plan(TWIN('debian12'));
  assert.deepEqual(v.installOrder, [['r1', 'r2'], ['d1'], ['d2']]);
  assert.equal(check(v, 'table.d2').needs, NEEDS_IPVS);
  assert.deepEqual(v.needs, ['distro:debian12', 'keepalived', 'vrrp']);
  // the reload: on the node holding the addresses once the pair is back (ha.restore), watching them too
  for (const q of [p, v]) {
    const qi = q.checks.map((c) => c.id);
    assert.ok(!qi.includes('reload.d2'), 'the standby: none (a heartbeat standby runs no ldirectord)');
    assert.deepEqual(check(q, 'reload.d1').run.slice(0, 2).concat(check(q, 'reload.d1').run.slice(5)), ['reload', 'd1', '2', '10.5.0.100', '10.6.0.1']);
    assert.ok(qi.indexOf('reload.d1') > qi.indexOf('ha.restore') && qi.indexOf('reload.d1') < qi.indexOf('admin.d1'));
  }
  assert.equal(check(v, 'reload.d1').needs, NEEDS_IPVS);
});

test('connection synchronisation: a connection held open through the active director, learned by the standby, finished through it after the failover; none without connection_sync', () => {
  for (const distro of ['debian', 'debian12']) {
    const p = plan(TWIN(distro));
    const ids = p.checks.map((c) => c.id);
    // opened just before the failover, finished just after it (nothing between: the held request waits)
    assert.equal(ids[ids.indexOf('ha.failover') - 1], 'ha.sync', distro);
    assert.equal(ids[ids.indexOf('ha.failover') + 1], 'ha.carried', distro);
    assert.deepEqual(check(p, 'ha.sync').run, ['ha-sync', 'c0', '10.5.0.100', '80', 'd1', 'd2', '-', '10.6.0.10:80=r1', '10.6.0.11:80=r2']);
    assert.deepEqual(check(p, 'ha.carried').run, ['ha-carried', 'c0', 'd2']);
    // the sync daemon and IPVS's connection entries are the kernel's: the VM runs them
    for (const id of ['ha.sync', 'ha.carried']) assert.equal(check(p, id).needs, NEEDS_IPVS, `${distro} ${id}`);
  }
  // connection_sync: false: nothing to carry a connection over, no such check
  const off = plan(TWIN('debian').replace('  auth: { method: crc }', '  auth: { method: crc }\n  connection_sync: false'));
  assert.ok(!off.checks.some((c) => /^ha\.(sync|carried)/.test(c.id)));
  // a streamline pair: a connection to the active node's own share cannot outlive it (avoided)
  const s = plan(readFileSync(example('streamline'), 'utf8'), 'debian12');
  assert.deepEqual(check(s, 'ha.sync').run, ['ha-sync', 'c1', '192.168.6.240', '80', 'node1', 'node2', '192.168.6.2:80', '192.168.6.2:80=node1', '192.168.6.3:80=node2']);
  // a pair of heartbeat nodes that are not directors carries no connection
  const cidr = plan(readFileSync(example('ha-cidr'), 'utf8'), 'debian');
  assert.ok(!cidr.checks.some((c) => /^ha\.(sync|carried)/.test(c.id)));
  // its one resource (the virtual network's IPaddr2): one step of margin
  assert.equal(check(cidr, 'ha.failover').run[5], '80');
  assert.match(check(cidr, 'ha.failover').expected, /and a margin \(more for the resource heartbeat starts\);/);
  // synchronised, but no HTTP service to hold a connection open through (SMTP only):
  // the carried connection is named and reported not run, with the reason, never passed
  for (const distro of ['debian', 'debian12']) {
    const smtp = plan(TWIN(distro).replace('10.5.0.100:80\n', '10.5.0.100:25\n').replace('check: { type: negotiate, request: hc, receive: ok }', 'check: { type: connect }'));
    assert.ok(!smtp.checks.some((c) => c.id === 'ha.sync'), distro);
    const c = check(smtp, 'ha.carried');
    assert.equal(c.run[0], 'not-run', distro);
    assert.match(c.run[1]!, /only through an HTTP service \(TCP\) of d1 .*; this pair has none$/);
    assert.equal(c.needs, NEEDS_IPVS);
  }
});

test('an FTP service through a pair: the pair\'s "who am I" port is below 1024, where IPVS does not take it for FTP data', () => {
  // IPVS gives port 20 and every port from 1024 of a virtual address with a
  // TCP service on port 21 to that service (passive FTP data): under real
  // IPVS ha-lb's 10.1.3.61:8080 reached a real server, not the active node
  const p = plan(readFileSync(example('ha-lb'), 'utf8'), 'debian12');
  const answers = p.checks.filter((c) => c.id.startsWith('ha.answer.'));
  assert.ok(answers.length > 0);
  for (const c of answers) assert.equal(c.run[3], '1023', c.id);
  // without FTP, 8080 as before
  assert.equal(check(plan(TWIN('debian')), 'ha.answer.d2.10.6.0.1').run[3], '8080');
});

test('a streamline pair: the standby holds the address on lo and answers as a real server; after the failover the roles swap', () => {
  const p = plan(readFileSync(example('streamline'), 'utf8'), 'debian');
  const ids = p.checks.map((c) => c.id);
  const at = (id: string) => { const i = ids.indexOf(id); assert.ok(i >= 0, `no check ${id}; have ${ids.join(' ')}`); return i; };
  // no generic check of the lo copy: it is the standby's only (heartbeat's IPaddr2 takes it off the active node)
  assert.ok(!ids.includes('addr.node1.lo:0') && !ids.includes('addr.node2.lo:0'));
  assert.deepEqual(check(p, 'ha.lo.node2.192.168.6.240.first').run, ['addr', 'node2', 'lo', '192.168.6.240/32']);
  assert.ok(at('ha.holds') < at('ha.lo.node2.192.168.6.240.first'));
  // node1 directs: its table (the prediction: today's kernel shows its own share as Route), node2 as a real server
  assert.deepEqual(check(p, 'down.node1.tcp.192.168.6.240.80.node2').run, ['realdown', 'node1', 'node2', 'tcp', '80', '1', 'TCP 192.168.6.240:80@192.168.6.3:80']);
  assert.deepEqual(check(p, 'dr.node2.tcp.192.168.6.240.80').run, ['dr', 'c1', 'node2', '192.168.6.3', 'tcp', '192.168.6.240', '80', 'http']);
  // node1 fails; node2 directs, node1 (repaired) is its real server
  for (const id of ['table.node2', 'down.node2.tcp.192.168.6.240.80.node1', 'dr.node1.tcp.192.168.6.240.443', 'ha.lo.node1.192.168.6.240.failover']) {
    assert.ok(at(id) > at('ha.failover') && at(id) < at('ha.failback'), id);
  }
  // no stopped real server of node2 on node1's own table, nor of a director on its own
  assert.ok(!ids.some((id) => /^down\.node(\d)\..*\.node\1$/.test(id)));
  assert.ok(at('ha.restore') < at('ha.lo.node2.192.168.6.240.end'));
  // the servers: both nodes serve both services
  assert.deepEqual(p.servers.filter((x) => x.kind !== 'whoami').map((x) => `${x.host} ${x.kind} ${x.port}`).sort(), ['node1 http 80', 'node1 https 443', 'node2 http 80', 'node2 https 443']);
});

test('firewall-mark services: a sample of what each mark covers, persistence across its ports, a stopped real server out of every mark its check port serves', () => {
  const p = plan(readFileSync(example('fwmark'), 'utf8'), 'debian');
  const svc = p.checks.filter((c) => c.id.startsWith('svc.')).map((c) => `${c.run[1]} ${c.run[3]}:${c.run[4]} ${c.run[5]} ${c.run[7]}`);
  assert.deepEqual(svc, [
    'c0 10.1.3.61:80 http persistent', 'c0 10.1.3.61:443 https persistent',
    // a network of virtual addresses: the first, a middle and the last host, from the client beyond the router
    'c1 10.1.4.1:80 http all', 'c1 10.1.4.127:80 http all', 'c1 10.1.4.254:80 http all',
    // a range of ports: its ends
    'c0 10.1.3.62:21 banner persistent', 'c0 10.1.3.62:10000 banner persistent', 'c0 10.1.3.62:10100 banner persistent',
  ]);
  assert.ok(p.checks.filter((c) => c.id.startsWith('svc.') || c.id.startsWith('persist.')).every((c) => c.needs === NEEDS_IPVS));
  assert.deepEqual(check(p, 'persist.director.fwm.1').run, ['persist', 'c0', 'tcp', '3', '10.1.3.61:80:http', '10.1.3.61:443:https']);
  // the web mark and the network's mark are both checked on port 80: one stopped server takes real1 out of both
  assert.deepEqual(check(p, 'down.director.fwm.1.real1').run, ['realdown', 'director', 'real1', 'tcp', '80', '1', 'FWM 1@10.1.3.11:0', 'FWM 2@10.1.3.11:0']);
  assert.ok(!p.checks.some((c) => c.id === 'down.director.fwm.2.real1'));
  assert.deepEqual(check(p, 'down.director.fwm.21.real2').run, ['realdown', 'director', 'real2', 'tcp', '21', '1', 'FWM 21@10.1.3.12:0']);
  // the routed network answers ping (the director holds it on lo), the real servers each port the marks cover
  assert.deepEqual(check(p, 'ping.10.1.4.127').run, ['ping', 'c1', '10.1.4.127']);
  assert.deepEqual(p.servers.filter((x) => x.host === 'real1').map((x) => `${x.kind} ${x.port}`), ['http 80', 'https 443', 'banner 21', 'banner 10000', 'banner 10100']);
  // no client on a marked network
  assert.ok(p.clients.every((c) => !c.address.startsWith('10.1.4.')));
});

test('what the namespace mode needs of the kernel: ipip for tunnelling, IPVS for a keepalived director', () => {
  const g = plan2model(`
name: tun
hosts:
  d1: { roles: [director], interfaces: { eth0: 10.6.0.2/24 } }
  r1: { roles: [real-server], interfaces: { eth0: 10.6.0.10/24 } }
virtual_services:
  - virtual: 10.6.0.100:80
    forward: ipip
    check: { type: negotiate, request: hc, receive: ok }
    real_servers: [r1]
`);
  assert.equal(labNeedsKernel(g.model, { ipvs: false, ipip: false }),
    'tunnelling (forward: ipip, director d1) needs the kernel\'s ipip module, which this one lacks (the real servers\' tunl0 exists only with it): run it with --vm');
  assert.equal(labNeedsKernel(g.model, { ipvs: false, ipip: true }), undefined);
  assert.equal(labNeedsKernel(plan2model(NAT).model, { ipvs: false, ipip: false }), undefined);
  // a VRRP pair of directors: keepalived needs IPVS; both reasons at once
  const v = plan2model(TWIN('debian12'));
  assert.match(labNeedsKernel(v.model, { ipvs: false, ipip: false }) ?? '', /^keepalived on director d1, d2 needs IPVS in the kernel, .*: run it with --vm$/);
  assert.equal(labNeedsKernel(v.model, { ipvs: true, ipip: false }), undefined);
});


test('several pairs (high capacity): the lab plans them (only the kernel may stop it: tunnelling); one pair given as pairs: is planned as heartbeat: is', () => {
  const g = generateText(exampleWith('high-capacity'), 'debian');
  assert.match(labNeedsKernel(g.model, { ipvs: false, ipip: false }) ?? '', /^tunnelling \(forward: ipip, director lvs3, lvs4\)/);
  const one = exampleWith('ha-lb');
  const asPairs = one.replace(/\nheartbeat:\n((?:  .*\n?)*)/, (_all, body: string) => `\npairs:\n  - ${body.trimStart().replace(/\n  /g, '\n    ')}`);
  assert.notEqual(asPairs, one);
  const a = generateText(one, 'debian');
  const b = generateText(asPairs, 'debian');
  const opts = { distro: () => ({ webRoot: '/var/www', pair: 'heartbeat' as const }) };
  assert.deepEqual(planLab(b.model, b.topology, opts), planLab(a.model, a.topology, opts));
});

/** Two heartbeat pairs of directors, direct routing to shared real servers; pair q also floats a gateway on a second network. */
const DUET = `
name: duet
defaults: { distro: debian }
hosts:
  p1: { roles: [director], interfaces: { eth0: 10.70.0.2/24 } }
  p2: { roles: [director], interfaces: { eth0: 10.70.0.3/24 } }
  q1: { roles: [director], interfaces: { eth0: 10.70.0.4/24, eth1: 10.71.0.4/24 } }
  q2: { roles: [director], interfaces: { eth0: 10.70.0.5/24, eth1: 10.71.0.5/24 } }
  s1: { roles: [real-server], interfaces: { eth0: 10.70.0.21/24 } }
  s2: { roles: [real-server], interfaces: { eth0: 10.70.0.22/24 } }
ldirectord: { checkinterval: 2, quiescent: true }
virtual_services:
  - virtual: 10.70.0.80:80
    forward: gate
    check: { type: negotiate, request: hc, receive: ok }
    real_servers: [s1, s2]
  - virtual: 10.70.0.90:8000
    forward: gate
    check: { type: negotiate, request: hc, receive: ok }
    real_servers: [s1, s2]
pairs:
  - nodes: [p2, p1]
    floating: [10.70.0.80/24]
    auto_failback: true
    auth: { method: crc }
  - nodes: [q1, q2]
    floating: [10.70.0.90/24, 10.71.0.1/24]
    auth: { method: crc }
`;

test('two pairs of directors: each pair installed together, one after the other; each pair\'s checks in turn, its id carrying its preferred node; the other pair\'s addresses checked unmoved during each failover', () => {
  const g = plan2model(DUET);
  assert.equal(labNeedsKernel(g.model, { ipvs: false, ipip: false }), undefined);
  const p = plan(DUET);
  assert.deepEqual(p.installOrder, [['s1', 's2'], ['p1', 'p2'], ['q1', 'q2']]);
  // the gateway on each network: the floating address of the pair that floats there
  assert.deepEqual(p.clients.map((c) => `${c.name} ${c.address} ${c.gateway}`), ['c0 10.70.0.254 10.70.0.80', 'c1 10.71.0.254 10.71.0.1']);
  assert.deepEqual(p.servers.filter((s) => s.kind === 'whoami').map((s) => `${s.host}:${s.port}`), ['p2:8080', 'p1:8080', 'q1:8080', 'q2:8080']);
  assert.deepEqual(p.directors, ['p1', 'p2', 'q1', 'q2']);
  const ids = p.checks.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length, `unique ids: ${ids.join(' ')}`);
  const ha = ids.filter((id) => /^(ha|table|svc)\./.test(id));
  assert.deepEqual(ha, [
    'ha.runs.p2', 'ha.runs.p1', 'ha.holds.p2', 'ha.runs.q1', 'ha.runs.q2', 'ha.holds.q1',
    'table.p2', 'table.q1', 'svc.p2.tcp.10.70.0.80.80', 'svc.q1.tcp.10.70.0.90.8000',
    // pair p: p2 preferred, fails over to p1 (q's addresses stay on q1), comes back (auto_failback)
    'ha.answer.p2.10.70.0.80', 'ha.sync.p2', 'ha.failover.p2', 'ha.carried.p2', 'ha.stays.q1.p2', 'ha.answer.p1.10.70.0.80', 'table.p1', 'svc.p1.tcp.10.70.0.80.80', 'ha.failback.p2',
    // then pair q: its two addresses, each on its network; p's stay on p2; handed back (auto_failback off)
    // (q's service on port 8000 is no HTTP one: no connection held over its failover,
    // which the lab names and reports not run)
    'ha.answer.q1.10.70.0.90', 'ha.answer.q1.10.71.0.1', 'ha.failover.q1', 'ha.carried.q1', 'ha.stays.p2.q1', 'ha.answer.q2.10.70.0.90', 'ha.answer.q2.10.71.0.1',
    'table.q2', 'svc.q2.tcp.10.70.0.90.8000', 'ha.failback.q1', 'ha.restore.q1',
  ]);
  // the reload: each pair's preferred node, once every pair is back
  assert.deepEqual(ids.filter((id) => id.startsWith('reload.')), ['reload.p2', 'reload.q1']);
  assert.ok(ids.indexOf('reload.p2') > ids.indexOf('ha.restore.q1'));
  assert.deepEqual(check(p, 'reload.q1').run.slice(6), ['10.70.0.90', '10.71.0.1']);
  // each failover cuts its own node's links only, and moves its own addresses only
  assert.deepEqual(check(p, 'ha.failover.p2').run, ['ha-failover', 'p2', 'p1', 'heartbeat', '10', '120', 'eth0', '10.70.0.80']);
  assert.deepEqual(check(p, 'ha.failover.q1').run, ['ha-failover', 'q1', 'q2', 'heartbeat', '10', '140', 'eth0,eth1', '10.70.0.90', '10.71.0.1']);
  assert.deepEqual(check(p, 'ha.holds.q1').run, ['ha-holds', 'q1', 'q2', '60', '110', '10.70.0.90', '10.71.0.1']);
  // the other pair: on its preferred node, not on the other, for the whole watch
  assert.deepEqual(check(p, 'ha.stays.q1.p2').run, ['ha-stays', 'q1', 'q2', '5', '10.70.0.90', '10.71.0.1']);
  assert.deepEqual(check(p, 'ha.stays.p2.q1').run, ['ha-stays', 'p2', 'p1', '5', '10.70.0.80']);
  assert.equal(check(p, 'ha.stays.q1.p2').name, '10.70.0.90, 10.71.0.1 stay on q1 while p2 fails over to p1');
  assert.deepEqual(check(p, 'ha.failback.p2').run.slice(0, 5), ['ha-failback', 'p2', 'p1', 'heartbeat', 'back']);
  assert.deepEqual(check(p, 'ha.failback.q1').run.slice(0, 5), ['ha-failback', 'q1', 'q2', 'heartbeat', 'stay']);
  assert.ok(!ids.includes('ha.holds') && !ids.includes('ha.failover'), 'several pairs: no check under a single pair\'s id');
  assert.deepEqual(p.needs, ['distro:debian', 'heartbeat', 'ldirectord']);
  // the plan lab.sh reads: the new kind, its fields
  assert.match(planText(p), /^check\tha\.stays\.q1\.p2\tha-stays\tq1\tq2\t5\t10\.70\.0\.90\t10\.71\.0\.1$/m);
});

/**
 * IPv6 beside IPv4, in shapes the examples do not have: prefix lengths other
 * than /64 (a /56 outside, a /120 for the servers, whose top addresses are
 * taken), a second prefix on the servers' link, a floating IPv6 address
 * written in full and in capitals, and a heartbeat pair of directors.
 */
const DUAL = `
name: dual
defaults: { distro: debian }
hosts:
  n1: { roles: [director], interfaces: { eth0: [10.50.0.2/24, "fd50:0:0:a0::2/56"], eth1: [10.51.0.2/24, "fd51::ff02/120", "fd52::2/64"] } }
  n2: { roles: [director], interfaces: { eth0: [10.50.0.3/24, "fd50:0:0:a0::3/56"], eth1: [10.51.0.3/24, "fd51::ff03/120", "fd52::3/64"] } }
  s1: { roles: [real-server], interfaces: { eth0: [10.51.0.21/24, "fd51::fffe/120"] } }
  s2: { roles: [real-server], interfaces: { eth0: [10.51.0.22/24, "fd51::ff22/120"] } }
ldirectord: { checkinterval: 2, quiescent: false }
virtual_services:
  - virtual: "[fd50:0:0:a0::80]:8000"
    scheduler: wrr
    forward: masq
    check: { type: connect }
    real_servers: [{ host: s1, weight: 2 }, s2]
heartbeat:
  nodes: [n2, n1]
  floating: [10.50.0.80/24, 10.51.0.1/24, "FD50:0:0:A0:0:0:0:80/56", "fd51::ff01/120"]
  auth: { method: crc }
`;

test('IPv6: one LAN per link with both prefixes, clients at the top of each prefix with the pair\'s floating IPv6 address as gateway; addresses, IPv6 gateways and forwarding, routing through each node, the floating IPv6 addresses failing over', () => {
  const p = plan(DUAL);
  assert.deepEqual(p.lans, [
    { name: 'lan0', network: '10.50.0.0/24', network6: ['fd50::/56'] },
    { name: 'lan1', network: '10.51.0.0/24', network6: ['fd51::ff00/120', 'fd52::/64'] },
  ]);
  // the top of fd51::ff00/120 is s1's (fffe): the next one down; a second prefix on the link gets its own address
  assert.deepEqual(p.clients.map((c) => [c.name, c.lan, c.address6, c.gateway, c.gateway6]), [
    ['c0', 'lan0', ['fd50::ff:ffff:ffff:ffff:fffe/56'], '10.50.0.80', 'fd50:0:0:a0::80'],
    ['c1', 'lan1', ['fd51::fffd/120', 'fd52::ffff:ffff:ffff:fffe/64'], '10.51.0.1', 'fd51::ff01'],
  ]);
  assert.match(planText(p), /^lan\tlan1\t10\.51\.0\.0\/24\tfd51::ff00\/120\tfd52::\/64$/m);
  assert.match(planText(p), /^client\tc1\tlan1\t10\.51\.0\.254\/24\t10\.51\.0\.1\tfd51::fffd\/120,fd52::ffff:ffff:ffff:fffe\/64\tfd51::ff01$/m);
  assert.deepEqual(check(p, 'addr6.n1.eth1.fd52::2').run, ['addr', 'n1', 'eth1', 'fd52::2/64']);
  assert.deepEqual(check(p, 'addr6.s1.eth0.fd51::fffe').run, ['addr', 's1', 'eth0', 'fd51::fffe/120']);
  assert.deepEqual(check(p, 'gw6.s2').run, ['gateway6', 's2', 'fd51::ff01', 'eth0']);
  assert.deepEqual(check(p, 'fwd6.n2').run, ['sysctl', 'n2', 'net.ipv6.conf.all.forwarding', '1']);
  assert.ok(!p.checks.some((c) => c.id === 'fwd6.s1'), 'a real server does not forward');
  // the floating addresses canonical, as ip(8) prints them, in every pair check
  const floating = ['10.50.0.80', '10.51.0.1', 'fd50:0:0:a0::80', 'fd51::ff01'];
  assert.deepEqual(check(p, 'ha.holds').run.slice(5), floating);
  assert.deepEqual(check(p, 'ha.failover').run.slice(7), floating);
  // six resources (ldirectord, the sync daemon, two IPaddr2, two lvsgen-ipv6addr): a margin for each
  assert.deepEqual([check(p, 'ha.holds').run[4], check(p, 'ha.failover').run[5]], ['150', '180']);
  assert.match(check(p, 'ha.failover').expected, /and a margin \(more for each of the 6 resources heartbeat starts one after another\)/);
  assert.deepEqual(check(p, 'ha.answer.n2.fd51::ff01').run, ['answer', 'c1', 'fd51::ff01', '8080', 'n2']);
  assert.deepEqual(check(p, 'ha.answer.n1.fd50:0:0:a0::80').run, ['answer', 'c0', 'fd50:0:0:a0::80', '8080', 'n1']);
  // routed through the active node, then through the other after the failover
  const ids = p.checks.map((c) => c.id);
  assert.deepEqual(check(p, 'route6.n2.s1').run, ['reach', 's1', 'fd50::ff:ffff:ffff:ffff:fffe', 'fd51::fffe']);
  assert.ok(ids.indexOf('route6.n2.s1') < ids.indexOf('ha.failover') && ids.indexOf('ha.failover') < ids.indexOf('route6.n1.s1'), ids.join(' '));
  assert.deepEqual(check(p, 'ping.fd50:0:0:a0::80').run, ['ping', 'c0', 'fd50:0:0:a0::80']);
  // the service: traffic needs IPVS; a stopped real server's entry as ipvsadm prints it
  const svc = check(p, 'svc.n2.tcp.fd50:0:0:a0::80.8000');
  assert.equal(svc.needs, NEEDS_IPVS);
  assert.equal(svc.name, 'client c0 is answered by TCP [fd50:0:0:a0::80]:8000 through n2');
  assert.deepEqual(check(p, 'down.n2.tcp.fd50:0:0:a0::80.8000.s1').run.slice(6), ['TCP [fd50:0:0:a0::80]:8000@[fd51::fffe]:8000']);
  assert.deepEqual(p.servers.filter((s) => s.kind === 'banner').map((s) => [s.host, s.port]), [['s2', 8000], ['s1', 8000]]);
});

/** rhel9 real servers (NAT, and one direct routing) and a rhel9 router in front of a debian director. */
const RHEL = `
name: rhel-mix
defaults: { distro: rhel9 }
hosts:
  gw: { roles: [router], interfaces: { eth0: 203.0.113.17/28, eth1: 10.70.0.1/24 } }
  lb: { roles: [director], distro: debian, interfaces: { eth0: 10.70.0.10/24, eth1: 10.71.0.1/24 } }
  app-a: { roles: [real-server], interfaces: { eth0: 10.71.0.21/24 } }
  app-c: { roles: [real-server], interfaces: { eth0: 10.70.0.23/24 } }
virtual_services:
  - virtual: 10.70.0.50:80
    forward: masq
    check: { type: negotiate, service: http, request: alive.txt, receive: up }
    real_servers: [app-a]
  - virtual: 10.70.0.51:8443
    forward: gate
    check: { type: connect }
    real_servers: [app-c]
`;

test('rhel9 hosts: NetworkManager is checked to hold lvsgen\'s profile of each device (and of lo, for a direct-routing real server); the tools it needs', () => {
  assert.equal(labDistro(DISTROS.get('rhel9')!).networkManager, true);
  for (const d of ['redhat', 'debian', 'debian12']) assert.equal(labDistro(DISTROS.get(d)!).networkManager, undefined, d);
  const p = plan(RHEL);
  assert.deepEqual(p.checks.filter((c) => c.run[0] === 'nm-active').map((c) => c.run.slice(1).join(' ')), [
    'app-a eth0 lvsgen-eth0',
    'app-c eth0 lvsgen-eth0',
    'app-c lo lvsgen-lo',
    'gw eth0 lvsgen-eth0',
    'gw eth1 lvsgen-eth1',
  ]);
  // after the host's addresses and routes, before the rest
  const ids = p.checks.map((c) => c.id);
  assert.ok(ids.indexOf('nm.app-c.lo') > ids.indexOf('addr.app-c.lo:0') && ids.indexOf('nm.app-c.lo') > ids.indexOf('gw.app-c'), ids.join(' '));
  assert.deepEqual(p.needs, ['distro:debian', 'distro:rhel9', 'ldirectord']);
  const tools = labTools(p).map((x) => x.tool);
  for (const t of ['NetworkManager', 'nmcli', 'dbus-daemon', 'dbus-send', 'firewalld', 'firewall-cmd', 'systemctl']) assert.ok(tools.includes(t), t);
  // the rhel9 real servers' servers (reached through lvsgen's firewalld policy: the administrator's zone opens SSH only, lab/lib/admin.sh)
  assert.deepEqual(p.servers.map((x) => `${x.host} ${x.kind} ${x.protocol}/${x.port} ${x.root ?? ''}`), ['app-a http tcp/80 /var/www/html', 'app-c banner tcp/8443 ']);
  assert.equal(labNeedsKernel(plan2model(RHEL).model, { ipvs: false, ipip: false }), undefined, 'an ldirectord director: no kernel IPVS needed');
});

test('--distro rhel9: every example with a director needs IPVS (keepalived is rhel9\'s only backend), and says so', () => {
  for (const name of ['lb-nat', 'ha-lb', 'streamline', 'fwmark', 'high-capacity']) {
    const g = plan2model(readFileSync(example(name), 'utf8'), 'rhel9');
    assert.match(labNeedsKernel(g.model, { ipvs: false, ipip: true }) ?? '', /^keepalived on director .* needs IPVS in the kernel, which this one lacks .*: run it with --vm$/, name);
    assert.equal(labNeedsKernel(g.model, { ipvs: true, ipip: true }), undefined, name);
  }
});

test('IPv6 direct routing (examples/lb-ipv6.yaml): the real servers\' /128 on lo, and the dr. check sends the IPv6 virtual address to each real server\'s own IPv6 address from a client on its network; rhel9 checks NetworkManager\'s lvsgen-lo', () => {
  const text = readFileSync(example('lb-ipv6'), 'utf8');
  const p = plan(text);
  assert.deepEqual(check(p, 'addr6.real1.lo.2001:db8:3::62').run, ['addr', 'real1', 'lo', '2001:db8:3::62/128']);
  const c1 = p.clients.find((c) => c.address6.some((a) => a.startsWith('2001:db8:6:')))!;
  assert.deepEqual(check(p, 'dr.real2.tcp.2001:db8:3::62.80').run, ['dr', c1.name, 'real2', '2001:db8:6::5', 'tcp', '2001:db8:3::62', '80', 'http']);
  assert.ok(!p.checks.some((c) => c.id.startsWith('dr.') && c.run[5] === '2001:db8:3::61'), 'no dr. check of a NAT service');
  assert.deepEqual(check(plan(text, 'rhel9'), 'nm.real1.lo').run, ['nm-active', 'real1', 'lo', 'lvsgen-lo']);
});
