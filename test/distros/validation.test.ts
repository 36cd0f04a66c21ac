// What today's distros and the keepalived backend refuse: one case per
// message, asserting the problem's code and model path (not its wording),
// and that a secret never appears in a message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TopologyError } from '../../src/model/problems.js';
import { exampleWith, generateText, PAIR } from '../support/index.js';

const LB = exampleWith('lb-nat');
const LB_KA = exampleWith('lb-nat', 'keepalived');
const HA = exampleWith('ha-cidr');

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
