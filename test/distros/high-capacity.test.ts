// High capacity: several director pairs in front of the same real servers
// (examples/high-capacity.yaml, and HICAP_VARIANT, a cluster the project has
// never seen). What each pair gets of its own, as data and in its files on
// every distro; the real servers' files through ifquery/ifup (debian); and
// the validation of several pairs, each problem with its path and line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultRouterId } from '../../src/model/pairs.js';
import { TopologyError, type Problem } from '../../src/model/problems.js';
import { renderIpvsadmTable } from '../../src/render/ipvsadm-table.js';
import { lines, ok, exampleWith, generateText, HICAP_VARIANT, requireTools, sh, tempDir } from '../support/index.js';

const EXAMPLE = exampleWith('high-capacity');
const DISTROS = ['redhat', 'debian', 'debian12', 'rhel9'] as const;
const VRRP = new Set(['debian12', 'rhel9']);

type G = ReturnType<typeof generateText>;
const fileOf = (g: G, host: string, path: string) => g.bundles.find((b) => b.host === host)!.files.find((f) => f.path === path);
const content = (g: G, host: string, path: string) => {
  const f = fileOf(g, host, path);
  assert.ok(f, `${host} has ${path}`);
  return f.content;
};
const field = (text: string, re: RegExp) => re.exec(text)?.[1];

/** Each pair of a topology: its nodes and the virtual addresses it owns. */
function pairsIn(g: G) {
  return g.model.pairs.map((p) => ({ nodes: p.nodes, vips: p.floating.map((f) => f.split('/')[0]!) }));
}

for (const [name, text] of [['high-capacity', EXAMPLE], ['variant', HICAP_VARIANT]] as const) {
  for (const distro of DISTROS) {
    test(`${name}/${distro}: each pair runs only its own virtual addresses, with its own VRRP id or heartbeat port, sync id and key; every real server holds every pair's addresses on non-ARPing lo`, () => {
      const g = generateText(text, distro);
      const pairs = pairsIn(g);
      assert.ok(pairs.length >= 2, 'several pairs');
      const routerIds: number[] = [];
      const ports: number[] = [];
      for (const p of pairs) {
        const [a, b] = p.nodes;
        for (const n of p.nodes) {
          const h = g.model.hosts.find((x) => x.name === n)!;
          // The director's services are exactly its pair's: by address, in the model and in the ipvsadm prediction.
          const own = new Set(h.director!.services.map((s) => s.address));
          assert.deepEqual([...own].sort(), [...p.vips].sort(), `${n}: its pair's addresses only`);
          const table = renderIpvsadmTable(h);
          for (const s of g.model.services) assert.equal(table.includes(`${s.address}:${s.port}`), p.vips.includes(s.address), `${n}: ipvsadm prediction of ${s.address}:${s.port}\n${table}`);
          // No static alias for a floating address: heartbeat or VRRP adds it.
          assert.ok(h.devices.every((d) => d.aliases.every((al) => !p.vips.includes(al.address))), `${n}: no alias for a floating address`);
        }
        if (VRRP.has(distro)) {
          const ka = [a, b].map((n) => content(g, n, 'etc/keepalived/keepalived.conf'));
          const ids = ka.map((c) => Number(field(c, /^\tvirtual_router_id (\d+)$/m)));
          assert.equal(ids[0], ids[1], `${a}, ${b}: one VRRP router`);
          routerIds.push(ids[0]!);
          for (const [k, c] of ka.entries()) {
            assert.match(c, /^\tlvs_sync_daemon \S+ \S+$/m, `${p.nodes[k]}: lvs_sync_daemon (sync id: the instance's router id)`);
            for (const v of g.model.services) assert.equal(c.includes(`virtual_server ${v.address} ${v.port} {`), p.vips.includes(v.address), `${p.nodes[k]}: virtual_server ${v.address}`);
            // 0600 where it holds the VRRP password (a pair with a key; crc has none).
            assert.equal(fileOf(g, p.nodes[k]!, 'etc/keepalived/keepalived.conf')!.mode, /auth_pass/.test(c) ? 0o600 : 0o644);
          }
        } else {
          const hr = [a, b].map((n) => content(g, n, 'etc/ha.d/haresources'));
          assert.equal(hr[0], hr[1], `${a}, ${b}: haresources byte for byte the same`);
          for (const v of p.vips) assert.match(hr[0]!, new RegExp(`IPaddr2::${v.replace(/\./g, '\\.')}/`), `haresources holds ${v}`);
          for (const other of pairs.filter((x) => x !== p)) for (const v of other.vips) assert.ok(!hr[0]!.includes(`::${v}/`), `haresources of ${a} does not hold ${v}`);
          const syncid = Number(field(hr[0]!, /lvsgen-ipvs-sync::\S+::(\d+)/));
          routerIds.push(syncid);
          const hc = [a, b].map((n) => content(g, n, 'etc/ha.d/ha.cf'));
          const port = hc.map((c) => Number(field(c, /^udpport (\d+)$/m)));
          assert.equal(port[0], port[1], `${a}, ${b}: one udpport`);
          ports.push(port[0]!);
          for (const n of [a, b]) {
            assert.match(content(g, n, 'etc/ha.d/ha.cf'), new RegExp(`^node ${a}\nnode ${b}$`, 'm'));
            assert.equal(fileOf(g, n, 'etc/ha.d/authkeys')!.mode, 0o600, `${n}: authkeys 0600`);
          }
        }
      }
      assert.equal(new Set(routerIds).size, routerIds.length, `distinct router (sync) ids: ${routerIds.join(', ')}`);
      assert.equal(new Set(ports).size, ports.length, `distinct heartbeat ports: ${ports.join(', ')}`);
      // Every real server holds every address of the services it serves, on lo, and does not answer ARP for them.
      const vipsOf = new Map<string, Set<string>>();
      for (const s of g.model.services) for (const r of s.reals) vipsOf.set(r.host, new Set([...(vipsOf.get(r.host) ?? []), s.address]));
      for (const [host, vips] of vipsOf) {
        const h = g.model.hosts.find((x) => x.name === host)!;
        assert.deepEqual(h.loopbackAliases.map((l) => l.address).sort(), [...vips].sort(), `${host}: lo aliases`);
        assert.equal(h.arpSuppression, true, `${host}: ARP suppressed`);
      }
      // Each pair's key only in its own nodes' files.
      const keys = g.model.secrets;
      for (const p of pairs) {
        for (const n of p.nodes) {
          const mine = g.bundles.find((b) => b.host === n)!.files.map((f) => f.content).join('\n');
          const others = pairs.filter((x) => x !== p).flatMap((x) => x.nodes);
          for (const k of keys) if (mine.includes(k)) for (const o of others) assert.ok(!g.bundles.find((b) => b.host === o)!.files.some((f) => f.content.includes(k) && k.length > 8), `${k.length}-character key of ${n} also in ${o}`);
        }
      }
    });
  }
}

test('variant: a given router id and udpport are kept, and the derived ones skip them (the cluster\'s own id, then the next free)', () => {
  const g = generateText(HICAP_VARIANT, 'debian12');
  const ids = g.model.pairs.map((p) => Number(field(content(g, p.nodes[0], 'etc/keepalived/keepalived.conf'), /^\tvirtual_router_id (\d+)$/m)));
  const base = defaultRouterId('edge-farm');
  const next = (id: number) => (id % 255) + 1;
  assert.equal(ids[2], 42);
  assert.equal(ids[0], base === 42 ? next(42) : base);
  assert.equal(ids[1], next(ids[0]!) === 42 ? next(42) : next(ids[0]!));
  // A pair that gives the cluster's own id takes it from the first pair, which then derives the next.
  const taken = HICAP_VARIANT.replace('virtual_router_id: 42', `virtual_router_id: ${base}`);
  const t = generateText(taken, 'debian12');
  const id0 = Number(field(content(t, 'north-b', 'etc/keepalived/keepalived.conf'), /^\tvirtual_router_id (\d+)$/m));
  assert.equal(id0, next(base));
  const h = generateText(HICAP_VARIANT, 'debian');
  assert.deepEqual(h.model.pairs.map((p) => Number(field(content(h, p.nodes[0], 'etc/ha.d/ha.cf'), /^udpport (\d+)$/m))), [694, 695, 7694]);
  // One pair given as pairs: is the same as given as heartbeat: (the same files, byte for byte).
  const one = exampleWith('ha-lb');
  const asPairs = one.replace(/\nheartbeat:\n((?:  .*\n?)*)/, (_all, body: string) => `\npairs:\n  - ${body.trimStart().replace(/\n  /g, '\n    ')}`);
  assert.notEqual(asPairs, one);
  for (const d of DISTROS) {
    const a = generateText(one, d).bundles;
    const b = generateText(asPairs, d).bundles;
    assert.deepEqual(b.map((x) => x.files.map((f) => [x.host, f.path, f.mode, f.content])), a.map((x) => x.files.map((f) => [x.host, f.path, f.mode, f.content])), `${d}: pairs: [X] is heartbeat: X`);
  }
});

test('variant (debian): ifquery and ifup -n read every host\'s interfaces; each real server brings up every pair\'s addresses on lo, and tunl0', (t) => {
  if (!requireTools(t, 'ifquery', 'ifup')) return;
  const g = generateText(HICAP_VARIANT, 'debian');
  const dir = tempDir(t, 'lvsgen-hicap-');
  for (const b of g.bundles) {
    const file = join(dir, `${b.host}-interfaces`);
    writeFileSync(file, content(g, b.host, 'etc/network/interfaces'));
    const listed = lines(ok(sh('ifquery', ['-i', file, '-l']), `${b.host}: ifquery -l`).stdout);
    const state = tempDir(t, 'lvsgen-hicap-state-');
    const up = ok(sh('ifup', ['-n', '-v', '-i', file, '-a', '--state-dir', state]), `${b.host}: ifup -n`).stderr;
    const h = g.model.hosts.find((x) => x.name === b.host)!;
    for (const l of h.loopbackAliases) {
      assert.ok(listed.includes(l.device), `${b.host}: ${l.device} listed`);
      assert.match(up, new RegExp(`ip addr add ${l.address.replace(/\./g, '\\.')}/255\\.255\\.255\\.255 .*dev ${l.device}`), `${b.host}: ${l.address} on ${l.device}`);
    }
    if (b.host.startsWith('app')) assert.equal(h.loopbackAliases.length > 0, true);
    if (h.tunnel) assert.ok(listed.includes('tunl0'), `${b.host}: tunl0`);
    // A pair director starts its backup sync daemon when its sync interface comes up, with its pair's sync id.
    const p = g.model.pairs.findIndex((x) => x.nodes.includes(b.host));
    if (p >= 0) {
      const hr = content(g, b.host, 'etc/ha.d/haresources');
      const id = field(hr, /lvsgen-ipvs-sync::\S+::(\d+)/);
      assert.match(up, new RegExp(`/etc/ha\\.d/resource\\.d/lvsgen-ipvs-sync ens3 ${id} boot`), `${b.host}: backup sync daemon ${id} at boot`);
      // /etc/modules only with a module to load (ip_vs for a persistent service's keys), never an empty block.
      assert.equal(fileOf(g, b.host, 'etc/modules') !== undefined, h.modules.length > 0, `${b.host}: /etc/modules only with a module`);
    }
  }
});

/** The problems a topology gets, as [code, path, line]. */
function problemsOf(text: string, distro?: string): Array<[string, string, number]> {
  try {
    generateText(text, distro);
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    return e.problems.filter((p: Problem) => p.severity !== 'warning').map((p: Problem) => [p.code, p.path, p.pos?.line ?? 0]);
  }
  return [];
}
const lineOf = (text: string, needle: string, nth = 0) => {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, needle);
  return text.slice(0, at).split('\n').length;
};

test('refused, each with its path and line, all at once: a host in two pairs, a pair of three, a virtual address of two pairs, clashing given router ids and udpports on one network', () => {
  let text = HICAP_VARIANT
    .replace('nodes: [west-a, west-b]', 'nodes: [west-a, north-a]')
    .replace('floating: [10.20.1.201/23, 10.20.1.202/23]', 'floating: [10.20.1.201/23, 10.20.1.202/23, 10.20.1.200/23]')
    .replace('    auth: { method: sha1, key: north-pair-key-1 }', '    virtual_router_id: 42\n    udpport: 7694\n    auth: { method: sha1, key: north-pair-key-1 }');
  text = text.replace('nodes: [south-a, south-b]', 'nodes: [south-a, south-b, app1]');
  const got = problemsOf(text);
  const want: Array<[string, string, number]> = [
    ['invalid-value', 'pairs[2].udpport', lineOf(text, 'udpport: 7694', 1)],
    ['invalid-value', 'pairs[2].virtual_router_id', lineOf(text, 'virtual_router_id: 42', 1)],
    ['heartbeat-nodes', 'pairs[2].nodes[1]', lineOf(text, 'north-a]', 1)],
    ['heartbeat-nodes', 'pairs[1].nodes', lineOf(text, 'nodes: [south-a')],
    ['duplicate-address', 'pairs[1].floating[2]', lineOf(text, 'floating: [10.20.1.201')],
  ];
  for (const w of want) assert.ok(got.some((p) => p[0] === w[0] && p[1] === w[1] && p[2] === w[2]), `${w.join(' ')} in\n${got.map((p) => p.join(' ')).join('\n')}`);
  assert.equal(got.length, want.length, got.join('\n'));
  // A director outside every pair (west-b, once north-a took its place).
  const outside = HICAP_VARIANT.replace('nodes: [west-a, west-b]', 'nodes: [west-a, north-a]');
  assert.deepEqual(problemsOf(outside).map((p) => p.slice(0, 2)), [['unsupported', 'pairs'], ['heartbeat-nodes', 'pairs[2].nodes[1]']]);
  const twice = HICAP_VARIANT.replace('floating: [10.20.1.201/23, 10.20.1.202/23]', 'floating: [10.20.1.201/23, 10.20.1.202/23, 10.20.1.200/23]');
  assert.deepEqual(problemsOf(twice), [['duplicate-address', 'pairs[1].floating[2]', lineOf(twice, 'floating: [10.20.1.201')]]);
});

test('refused: heartbeat and pairs both; a service whose addresses float on two pairs; a NAT real server of two pairs; a pair node as real server of another pair', () => {
  const both = `${exampleWith('ha-lb')}pairs:\n  - nodes: [lvs1, lvs2]\n    floating: [10.1.3.61/24]\n    auth: { method: crc }\n`;
  assert.ok(problemsOf(both).some(([c, p]) => c === 'invalid-value' && p === 'pairs'), problemsOf(both).join('\n'));
  const fw = HICAP_VARIANT.replace('  - virtual: 10.20.1.203:443\n', '  - fwmark: { match: [10.20.1.203:443, 10.20.1.200:443] }\n');
  assert.deepEqual(problemsOf(fw).map((p) => p.slice(0, 2)), [['unsupported', 'virtual_services[3].fwmark.match[1]']]);
  const nat = HICAP_VARIANT.replace('forward: ipip\n    check: { type: negotiate', 'forward: masq\n    check: { type: negotiate').replace('    forward: gate\n    check: { type: connect }\n    real_servers: [app1, app2, { host: app3', '    forward: masq\n    check: { type: connect }\n    real_servers: [app1, app2, { host: app3');
  const natProblems = problemsOf(nat).map((p) => p.slice(0, 2).join(' '));
  assert.ok(natProblems.includes('unsupported virtual_services[1].real_servers[0]') || natProblems.includes('unsupported virtual_services[0].real_servers[1]'), natProblems.join('\n'));
  const cross = HICAP_VARIANT.replace("north-a: { roles: [director]", "north-a: { roles: [director, real-server]").replace("north-b: { roles: [director]", "north-b: { roles: [director, real-server]").replace('real_servers: [app1, app2, app3, app4]', 'real_servers: [app1, app2, app3, app4, north-a]');
  assert.deepEqual(problemsOf(cross).map((p) => p.slice(0, 2)), [['unsupported', 'virtual_services[3].real_servers[4]']]);
});

test('refused where heartbeat carries the pair (redhat, debian), accepted under VRRP: pair nodes naming the sync interface differently (haresources names it and is the same on both)', () => {
  const text = HICAP_VARIANT.replace('north-a: { roles: [director], interfaces: { ens3:', 'north-a: { roles: [director], interfaces: { eth0:');
  for (const d of ['redhat', 'debian']) assert.deepEqual(problemsOf(text, d).map((p) => p.slice(0, 2)), [['invalid-interface', 'pairs[0].floating[0]']], d);
  for (const d of ['debian12', 'rhel9']) assert.deepEqual(problemsOf(text, d), [], d);
  // Each node's own ha.cf names its own device.
  const ok1 = text.replace('  - nodes: [north-b, north-a]\n', '  - nodes: [north-b, north-a]\n    connection_sync: false\n');
  const g = generateText(ok1, 'debian');
  assert.match(content(g, 'north-a', 'etc/ha.d/ha.cf'), /^bcast eth0$/m);
  assert.match(content(g, 'north-b', 'etc/ha.d/ha.cf'), /^bcast ens3$/m);
});
