// IPv6 direct routing (issue 14): an IPv6 virtual service under `forward:
// gate` (examples/lb-ipv6.yaml's [2001:db8:3::62]:80). Proven with the
// consumers: the validation table (what is accepted now, what stays refused,
// with code, path and line; IPv6 tunnelling's refusal is in ipv6.test.ts); ifupdown bringing the real servers' lo stanzas up
// and down in a namespace (debian12's drop-in, debian's one file); the
// kernel's neighbour discovery, which does not answer for an address held on
// lo only (no ARP-style suppression needed), and the real server answering
// the virtual address sent to its own MAC address, as IPVS direct routing
// sends it; initscripts' ifcfg-lo sourced by bash. ldirectord's parser,
// keepalived --config-test and the ipvsadm prediction of the same example are
// in ipv6.test.ts; NetworkManager's reading of rhel9's lo keyfile in
// networkmanager.test.ts (every rhel9 golden case).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { bundlesOf, exampleFile, generateText, ifupAll, interfacesOf, link, netns, ok, problemsOf, renderCase, requireRoot, requireTools, sourced, tempDir, type Netns, assertRefused } from '../support/index.js';

const VIP = '2001:db8:3::62';

const fileOf = (distro: string, host: string, path: string) => exampleFile('lb-ipv6', distro, host, path);

const base = (hosts: string, services: string) => `name: six
defaults: { distro: debian12 }
hosts:
  lb: { roles: [director], interfaces: { eth0: [10.1.3.1/24, "2001:db8:3::1/64"], eth1: [192.168.6.1/24, "2001:db8:6::1/64"] } }
  web1: { roles: [real-server], interfaces: { eth0: [192.168.6.4/24, "2001:db8:6::4/64"] } }
${hosts}virtual_services:
${services}`;
const GATE = `  - virtual: "[2001:db8:3::61]:80"
    forward: gate
    check: { type: connect }
    real_servers: [web1]
`;

test('accepted: an IPv6 service by direct routing; the real server holds the virtual address on lo as a /128, needs no IPv6 gateway of the director\'s and no ARP keys', () => {
  assert.deepEqual(problemsOf(base('', GATE)), []);
  const m = generateText(base('', GATE)).model;
  const web1 = m.hosts.find((h) => h.name === 'web1')!;
  assert.deepEqual(web1.loopback6, [{ device: 'lo:0', address: '2001:db8:3::61', prefix: 128, purpose: 'virtual address 2001:db8:3::61 (direct routing)' }]);
  assert.deepEqual(web1.loopbackAliases, []);
  assert.equal(web1.gateway6, undefined, 'direct routing derives no IPv6 gateway (NAT would: the director)');
  assert.equal(web1.arpSuppression, false, 'no ARP keys for an IPv6 address');
  const lb = m.hosts.find((h) => h.name === 'lb')!;
  assert.deepEqual(lb.loopback6, [], 'the director holds the virtual address on eth0, not lo');
  assert.deepEqual(lb.director!.services.map((s) => [s.label, s.forward, s.reals.map((r) => `${r.address}:${r.port}`)]), [['TCP [2001:db8:3::61]:80', 'gate', ['2001:db8:6::4:80']]]);
  assert.deepEqual(lb.devices.find((d) => d.device === 'eth0')!.ipv6.map((a) => a.address), ['2001:db8:3::1', '2001:db8:3::61']);
});

test('accepted: IPv4 and IPv6 direct routing on one real server: the IPv4 alias lo:0 (with the ARP keys), the IPv6 address numbered after it', () => {
  const text = base('', `${GATE}  - virtual: 10.1.3.70:80\n    forward: gate\n    check: { type: connect }\n    real_servers: [web1]\n`);
  assert.deepEqual(problemsOf(text), []);
  const web1 = generateText(text).model.hosts.find((h) => h.name === 'web1')!;
  assert.deepEqual(web1.loopbackAliases.map((a) => [a.device, `${a.address}/${a.prefix}`]), [['lo:0', '10.1.3.70/32']]);
  assert.deepEqual(web1.loopback6.map((a) => [a.device, `${a.address}/${a.prefix}`]), [['lo:1', '2001:db8:3::61/128']]);
  assert.equal(web1.arpSuppression, true);
});

// A pair of directors: the IPv6 virtual address floats; the real server's network
// holds no IPv6 floating address, which NAT would need as its gateway.
const pair = (web = '"2001:db8:6::11/64"', forward = 'gate') => `name: six
defaults: { distro: debian12 }
hosts:
  lb1: { roles: [director], interfaces: { eth0: [10.1.3.1/24, "2001:db8:3::1/64"], eth1: [192.168.6.2/24, "2001:db8:6::2/64"] } }
  lb2: { roles: [director], interfaces: { eth0: [10.1.3.2/24, "2001:db8:3::2/64"], eth1: [192.168.6.3/24, "2001:db8:6::3/64"] } }
  web1: { roles: [real-server], interfaces: { eth0: [192.168.6.11/24, ${web}] } }
heartbeat: { nodes: [lb1, lb2], floating: [10.1.3.61/24, "2001:db8:3::61/64"], auth: { method: crc } }
virtual_services:
  - virtual: "[2001:db8:3::61]:80"
    forward: ${forward}
    check: { type: connect }
    real_servers: [web1]
`;

test('accepted through a pair: direct routing demands no IPv6 floating address on the real servers\' network (NAT does: the control)', () => {
  assert.deepEqual(problemsOf(pair()), []);
  const web1 = generateText(pair()).model.hosts.find((h) => h.name === 'web1')!;
  assert.deepEqual(web1.loopback6.map((a) => a.address), ['2001:db8:3::61']);
  assert.equal(web1.gateway6, undefined);
  assert.deepEqual(problemsOf(pair(undefined, 'masq')).map((p) => [p.code, p.path]), [['floating-off-network', 'virtual_services[0].real_servers[0]']]);
});

const REFUSED: Array<[name: string, text: string, want: Array<[string, string]>]> = [
  ['IPv6 direct routing to a real server on another port (direct routing keeps the port)', base('', GATE.replace('[web1]', '[{ host: web1, port: 8080 }]')), [['invalid-port', 'virtual_services[0].real_servers[0].port']]],
  ['IPv6 direct routing to a real server without an IPv6 address on the director\'s networks', base('  web2: { roles: [real-server], interfaces: { eth0: 192.168.6.5/24 } }\n', GATE.replace('[web1]', '[web1, web2]')), [['unreachable-real-server', 'virtual_services[0].real_servers[1]']]],
  ['an IPv6 firewall-mark service (bracketed)', base('', GATE.replace('virtual: "[2001:db8:3::61]:80"', 'fwmark: { match: ["[2001:db8:3::61]:80"] }')), [['invalid-address', 'virtual_services[0].fwmark.match[0]']]],
  ['an IPv6 firewall-mark service (bare)', base('', GATE.replace('virtual: "[2001:db8:3::61]:80"', 'fwmark: { match: ["2001:db8:3::61:80"] }')), [['invalid-address', 'virtual_services[0].fwmark.match[0]']]],
  ['a pair node as a real server of an IPv6 service (streamline over IPv6: not written)', pair().replace('real_servers: [web1]', 'real_servers: [web1, lb1, lb2]').replace(/roles: \[director\]/g, 'roles: [director, real-server]'), [['unsupported', 'virtual_services[0].real_servers[1]'], ['unsupported', 'virtual_services[0].real_servers[2]']]],
];
for (const [name, text, want] of REFUSED) {
  test(`refused, with its path and line: ${name}`, () => {
    assertRefused(text, want);
  });
}

test('the files: debian and debian12 a lo:N stanza whose up/down lines add and delete the /128, redhat ifcfg-lo (IPV6ADDR, sourced by bash as initscripts do), rhel9 [ipv6] in lvsgen-lo; no ARP keys', (t) => {
  const stanza = `auto lo:0\niface lo:0 inet manual\n\tup ip -6 addr add ${VIP}/128 dev lo\n\tdown ip -6 addr del ${VIP}/128 dev lo\n`;
  assert.ok(fileOf('debian12', 'real1', 'etc/network/interfaces.d/lo').includes(stanza));
  assert.ok(fileOf('debian', 'real1', 'etc/network/interfaces').includes(stanza));
  assert.match(fileOf('rhel9', 'real1', 'etc/NetworkManager/system-connections/lvsgen-lo.nmconnection'), new RegExp(`\\n\\[ipv6\\]\\nmethod=manual\\n# .*\\naddress1=${VIP}/128\\n`));
  for (const d of ['debian', 'debian12', 'redhat', 'rhel9']) {
    const files = bundlesOf('lb-ipv6', d).bundles.find((b) => b.host === 'real1')!.files;
    assert.ok(!files.some((f) => f.content.toString().includes('arp_ignore')), `${d}: no ARP keys on an IPv6 direct-routing real server`);
  }
  if (!requireTools(t, 'bash')) return;
  const f = join(tempDir(t), 'ifcfg-lo');
  writeFileSync(f, fileOf('redhat', 'real1', 'etc/sysconfig/network-scripts/ifcfg-lo'));
  const v = sourced(f);
  assert.deepEqual([v.DEVICE, v.IPADDR, v.ONBOOT, v.IPV6INIT, v.IPV6ADDR, v.IPV6ADDR_SECONDARIES], ['lo', '127.0.0.1', 'yes', 'yes', `${VIP}/128`, undefined]);
});

/** Whether lo in NS is up (its flags) and which IPv6 addresses it holds. */
const loState = (ns: Netns) => ({ up: /<[^>]*\bUP\b/.test(ok(ns.ip('link', 'show', 'lo'), 'lo').stdout), six: ok(ns.ip('-6', '-o', 'addr', 'show', 'dev', 'lo'), 'lo addr').stdout });

describe('in scratch namespaces', { concurrency: 2, timeout: 300_000 }, () => {
  it('debian12: ifup brings real1\'s lo:0 stanza up (the /128 on lo), ifdown lo:0 takes the address off and leaves lo up; debian\'s one file the same', async (t) => {
    if (!requireRoot(t) || !requireTools(t, 'ifup', 'ifdown', 'ip')) return;
    const r = await renderCase(t, { example: 'lb-ipv6', distro: 'debian12', tree: 'debian12' });
    const dir = tempDir(t);
    for (const [distro, file] of [['debian12', interfacesOf(r, 'real1', dir)], ['debian', join(dir, 'debian-interfaces')]] as const) {
      if (distro === 'debian') writeFileSync(file, fileOf('debian', 'real1', 'etc/network/interfaces'));
      const ns = netns(t, 'lv6d');
      const peer = netns(t, 'lv6q');
      ok(ns.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.default.accept_dad=0']), 'accept_dad');
      link(ns, 'eth0', peer, 'eth0');
      const state = join(dir, `state-${distro}`);
      mkdirSync(state);
      ifupAll(ns, file, state);
      let lo = loState(ns);
      assert.match(lo.six, new RegExp(`\\d+: lo\\s+inet6 ${VIP}/128 `), `${distro}: ${lo.six}`);
      ok(ns.exec('ifdown', ['-i', file, '--state-dir', state, '--no-scripts', 'lo:0']), 'ifdown lo:0');
      lo = loState(ns);
      assert.doesNotMatch(lo.six, new RegExp(`inet6 ${VIP}/`), `${distro}: ifdown lo:0 takes the address off`);
      assert.ok(lo.up, `${distro}: lo stays up after ifdown lo:0`);
      assert.match(lo.six, /inet6 ::1\/128 /, `${distro}: ::1 stays`);
      ok(ns.exec('ifup', ['-i', file, '--state-dir', state, '--no-scripts', 'lo:0']), 'ifup lo:0');
      assert.match(loState(ns).six, new RegExp(`inet6 ${VIP}/128 `), `${distro}: ifup lo:0 again`);
    }
  });

  it('the kernel: a real server holding the virtual address on lo answers it sent to its own MAC address (as IPVS direct routing sends it) but no neighbour solicitation for it; the control: held on eth0, the solicitation is answered', async (t) => {
    if (!requireRoot(t) || !requireTools(t, 'ifup', 'ip', 'busybox')) return;
    const r = await renderCase(t, { example: 'lb-ipv6', distro: 'debian12', tree: 'debian12' });
    const dir = tempDir(t);
    const real = netns(t, 'lv6r');
    const client = netns(t, 'lv6c');
    for (const ns of [real, client]) ok(ns.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.default.accept_dad=0']), 'accept_dad');
    link(real, 'eth0', client, 'eth0');
    const state = join(dir, 'state');
    mkdirSync(state);
    ifupAll(real, interfacesOf(r, 'real1', dir), state);
    const mac = ok(real.ip('-o', 'link', 'show', 'eth0'), 'mac').stdout.match(/link\/ether ([0-9a-f:]+)/)![1]!;
    ok(client.ip('-6', 'addr', 'add', '2001:db8:6::99/64', 'dev', 'eth0', 'nodad'), 'client address');
    const ping = () => client.exec('busybox', ['ping', '-c', '1', '-W', '2', VIP]);
    const neigh = () => ok(client.ip('-6', 'neigh', 'show', VIP, 'dev', 'eth0'), 'neigh').stdout.trim();

    // Direct routing: the packet for the virtual address reaches the real server's MAC (a route via its own address).
    ok(client.ip('-6', 'route', 'add', `${VIP}/128`, 'via', '2001:db8:6::4', 'dev', 'eth0'), 'route via the real server');
    const answered = ping();
    assert.equal(answered.status, 0, `the real server answers ${VIP} sent to its MAC address:\n${answered.stdout}${answered.stderr}`);
    ok(client.ip('-6', 'route', 'del', `${VIP}/128`), 'route del');

    // Neighbour discovery on the link: the client asks who holds the virtual address.
    ok(client.ip('-6', 'route', 'add', `${VIP}/128`, 'dev', 'eth0'), 'on-link route');
    const asked = ping();
    assert.notEqual(asked.status, 0, `nobody answers for ${VIP} on the link:\n${asked.stdout}`);
    assert.doesNotMatch(neigh(), /lladdr/, `the real server did not answer the solicitation for ${VIP} (held on lo only): ${neigh()}`);

    // The control: the same address on the real server's eth0 is resolved to its MAC address.
    ok(client.ip('-6', 'neigh', 'flush', 'dev', 'eth0'), 'flush');
    ok(real.ip('-6', 'addr', 'add', `${VIP}/128`, 'dev', 'eth0', 'nodad'), 'control address on eth0');
    const control = ping();
    assert.equal(control.status, 0, `held on eth0, ${VIP} is answered:\n${control.stdout}${control.stderr}`);
    assert.match(neigh(), new RegExp(`lladdr ${mac}`), `the control resolves ${VIP} to the real server's ${mac}: ${neigh()}`);
  });
});
