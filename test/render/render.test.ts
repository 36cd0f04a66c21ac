// Rendering from in-memory topologies and distro sets: each loaded set has
// its own templates and partials, capabilities come from distro.yaml and are
// checked against its files, and each kind's contexts are what templates see.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TopologyError } from '../../src/model/problems.js';
import { runPipeline, type Generated } from '../../src/pipeline.js';
import { DISTROS_DIR, distroSet, loadDistros, LVSGEN_ROOT, readDistroFiles, type DistroFiles, type DistroSet } from '../../src/render/distros.js';
import { KINDS } from '../../src/render/kinds.js';
import { REPO } from '../support/index.js';

const FILES = readDistroFiles();

/** The bundled distros' text with some files replaced (by path inside distros/). */
function edited(changes: Record<string, (text: string) => string>): DistroFiles {
  const files = new Map(FILES);
  for (const [path, change] of Object.entries(changes)) {
    assert.ok(files.has(path), `no ${path} among the distros`);
    const text = files.get(path)!;
    const changed = change(text);
    assert.notEqual(changed, text, `the change to ${path} changes nothing`);
    files.set(path, changed);
  }
  return files;
}

function render(text: string, distros: DistroSet): Generated {
  return runPipeline(text, { distros, env: {}, readKeyFile: () => assert.fail('no key file expected') });
}

function file(g: Generated, hostName: string, path: string): string {
  const f = g.bundles.find((b) => b.host === hostName)?.files.find((x) => x.path === path);
  assert.ok(f, `${hostName} has no ${path}`);
  return f.content;
}

/** A direct-routing real server: its sysctl file uses the arp partial. */
const DR = `
name: t
defaults: { distro: debian12 }
hosts:
  director:
    roles: [director]
    interfaces: { eth0: 10.1.3.1/24 }
  real1:
    roles: [real-server]
    interfaces: { eth0: 10.1.3.4/24 }
virtual_services:
  - virtual: 10.1.3.61:80
    forward: gate
    check: { type: connect }
    real_servers: [real1]
`;

const KEEPALIVED = DR.replace('virtual_services:', 'director_backend: keepalived\nvirtual_services:');

test("two distro sets loaded side by side keep their own partials", () => {
  const stock = distroSet(FILES, 'stock');
  const marked = distroSet(edited({ '_shared/templates/_arp.hbs': (t) => `# MARKED PARTIAL\n${t}` }), 'marked');
  // Rendered after the second set was built: a shared registry would now hold the marked partial.
  const sysctl = 'etc/sysctl.d/90-lvsgen.conf';
  const a = file(render(DR, stock), 'real1', sysctl);
  const b = file(render(DR, marked), 'real1', sysctl);
  assert.doesNotMatch(a, /MARKED PARTIAL/);
  assert.match(b, /^# MARKED PARTIAL$/m);
  assert.match(a, /^net\.ipv4\.conf\.all\.arp_ignore = 1$/m, 'both hold the partial itself');
  assert.match(b, /^net\.ipv4\.conf\.all\.arp_ignore = 1$/m);
  assert.equal(file(render(DR, loadDistros()), 'real1', sysctl), a, 'a set built in memory renders as the loaded one');
});

test("two distro sets keep their own templates of the same name", () => {
  const marked = distroSet(edited({ 'debian12/templates/interfaces.d-device.hbs': (t) => `# MARKED TEMPLATE\n${t}` }), 'marked');
  const stock = distroSet(FILES, 'stock');
  const path = 'etc/network/interfaces.d/eth0';
  assert.match(file(render(DR, marked), 'real1', path), /MARKED TEMPLATE/);
  assert.doesNotMatch(file(render(DR, stock), 'real1', path), /MARKED TEMPLATE/);
});

test("what a distro can run is read from its distro.yaml's capabilities", () => {
  const set = loadDistros();
  assert.deepEqual(
    [...set.values()].map((d) => [d.name, d.capabilities]),
    [
      ['debian', { directorBackends: ['ldirectord'], vrrp: false, heartbeatPair: 'heartbeat', firewall: 'iptables', ipvsConntrack: false }],
      ['debian12', { directorBackends: ['ldirectord', 'keepalived'], vrrp: true, heartbeatPair: 'vrrp', firewall: 'nftables', ipvsConntrack: true }],
      ['redhat', { directorBackends: ['ldirectord'], vrrp: false, heartbeatPair: 'heartbeat', firewall: 'iptables', ipvsConntrack: false }],
      ['rhel9', { directorBackends: ['keepalived'], vrrp: true, heartbeatPair: 'vrrp', firewall: 'nftables', ipvsConntrack: true }],
    ],
  );
  assert.match(file(render(KEEPALIVED, set), 'director', 'etc/keepalived/keepalived.conf'), /virtual_server 10\.1\.3\.61 80/);
  // The same files, but debian12 no longer claims keepalived: the topology is refused by the checks.
  const narrowed = distroSet(edited({ 'debian12/distro.yaml': (t) => t.replace('director_backends: [ldirectord, keepalived]', 'director_backends: [ldirectord]') }), 'narrowed');
  assert.throws(
    () => render(KEEPALIVED, narrowed),
    (e: unknown) => e instanceof TopologyError && e.problems.some((p) => p.code === 'unsupported' && p.path === 'director_backend' && /targets debian12/.test(p.message)),
  );
});

test('a distro.yaml claiming what its files cannot do is refused when loaded, naming the file', () => {
  const cases: Array<[string, (t: string) => string, RegExp]> = [
    ['redhat/distro.yaml', (t) => t.replace('director_backends: [ldirectord]', 'director_backends: [ldirectord, keepalived]'), /director_backends: keepalived, but files list no keepalived kind/],
    ['rhel9/distro.yaml', (t) => t.replace('director_backends: [keepalived]', 'director_backends: [keepalived, ldirectord]'), /director_backends: ldirectord, but files list no ldirectord kind/],
    ['debian12/distro.yaml', (t) => t.replace('heartbeat_pair: vrrp', 'heartbeat_pair: heartbeat'), /heartbeat_pair: heartbeat, but files list no ha-cf, haresources, authkeys, ipvs-sync, ipv6addr kind.*keepalived kind, which writes a heartbeat pair's VRRP instance/],
    ['debian/distro.yaml', (t) => t.replace('heartbeat_pair: heartbeat', 'heartbeat_pair: vrrp'), /heartbeat_pair: vrrp, but files list no keepalived kind.*the ha-cf kind, but capabilities claim none of heartbeat_pair: heartbeat/],
    ['rhel9/distro.yaml', (t) => t.replace('firewall: nftables', 'firewall: iptables'), /the masquerade kind, but capabilities claim none of firewall: nftables/],
    ['redhat/distro.yaml', (t) => t.replace('director_backends: [ldirectord]', 'director_backends: []'), /the ldirectord kind, but capabilities claim none of director_backends: ldirectord/],
  ];
  for (const [path, change, why] of cases) {
    assert.throws(
      () => distroSet(edited({ [path]: change }), 'somewhere/distros'),
      (e: unknown) => e instanceof Error && e.message.startsWith(`${join('somewhere/distros', path)}: `) && why.test(e.message),
      `${path}: ${why}`,
    );
  }
});

test('a distro.yaml without capabilities, or with an unknown kind, is refused naming the file', () => {
  assert.throws(() => distroSet(edited({ 'rhel9/distro.yaml': (t) => t.replace(/^capabilities:\n(  .*\n)+/m, '') }), 'd'), /^Error: d\/rhel9\/distro\.yaml: capabilities: /);
  assert.throws(() => distroSet(edited({ 'rhel9/distro.yaml': (t) => t.replace('- kind: sysctl', '- kind: no-such-kind') }), 'd'), /^Error: d\/rhel9\/distro\.yaml: files\.\d+\.kind: unknown kind; known: interfaces, /);
  assert.throws(() => distroSet(edited({ 'rhel9/distro.yaml': (t) => t.replace('template: sysctl.d.conf.hbs', 'template: none.hbs') }), 'd'), /^Error: d\/rhel9\/distro\.yaml: template none\.hbs is in neither d\/rhel9\/templates nor d\/_shared\/templates/);
});

test("each kind's contexts: device numbering, loopback routes, and none where a kind does not apply", () => {
  const g = render(DR, loadDistros());
  const real = g.model.hosts.find((h) => h.name === 'real1')!;
  const director = g.model.hosts.find((h) => h.name === 'director')!;
  const [dev] = KINDS.device.contexts(director);
  assert.deepEqual(dev!.addresses, [
    { n: 1, address: '10.1.3.1', prefix: 24, purpose: null },
    { n: 2, address: '10.1.3.61', prefix: 24, purpose: 'virtual address 10.1.3.61' },
  ]);
  assert.match(dev!.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(KINDS.device.contexts(real)[0]!.uuid, dev!.uuid, 'one uuid per host and device');
  const [lo] = KINDS.loopback.contexts(real);
  assert.deepEqual(lo!.addresses, [{ n: 1, address: '10.1.3.61', prefix: 32, purpose: 'virtual address 10.1.3.61 (direct routing / tunnelling)' }]);
  assert.deepEqual(lo!.localRoutes, [], 'a single /32 needs no local route');
  assert.deepEqual(KINDS.loopback.contexts(director), []);
  assert.deepEqual(KINDS.sysctl.contexts(real), [{ forwarding: false, forwarding6: false, arpSuppression: true, arpHolder: 'Real server of direct routing or tunnelling', arpDevices: ['eth0'], moduleSysctls: [], tunnel: false }]);
  assert.deepEqual(KINDS.masquerade.contexts(director), [], 'direct routing masquerades nothing');
  assert.deepEqual(KINDS['boot-modules'].contexts(director), []);
  assert.deepEqual(KINDS['ipvs-sync'].contexts(director), [], 'a single director runs no sync daemon');
  assert.deepEqual(
    KINDS.ifcfg.contexts(director).map((c) => [c.type, c.device]),
    [
      ['ethernet', 'eth0'],
      ['alias', 'eth0:0'],
    ],
  );
});

test("lvsgen's root is the folder of its package.json, found from the module", () => {
  assert.equal(LVSGEN_ROOT, REPO);
  assert.equal((JSON.parse(readFileSync(join(LVSGEN_ROOT, 'package.json'), 'utf8')) as { name: string }).name, 'lvsgen');
  assert.equal(DISTROS_DIR, join(REPO, 'distros'));
  assert.ok(existsSync(join(DISTROS_DIR, '_shared', 'install.sh')));
});
