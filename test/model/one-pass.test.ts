// Validation in one pass: schema, cross-field, secret and target problems of
// one topology come back together, sorted by position, each once, and a
// misspelt key, host, role, distro, scheduler or forwarding method comes with
// the closest known name. Each case is the exact list of (code, model path,
// suggestion): a problem hidden by another, repeated, or left without its
// suggestion fails it, and so does one that only follows from another
// (a check about a host whose own fields are broken).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkTopology } from '../../src/model/load.js';
import { formatProblem, TopologyError, type Problem } from '../../src/model/problems.js';
import { didYouMean, editDistance, isClose, suggest } from '../../src/model/suggest.js';
import { runPipeline, type PipelineOptions } from '../../src/pipeline.js';
import { loadDistros } from '../../src/render/distros.js';
import { example, HICAP_VARIANT } from '../support/index.js';

const DISTROS = loadDistros();
const LB = readFileSync(example('lb-nat'), 'utf8');
const HA = readFileSync(example('ha-cidr'), 'utf8');
const KEY = 'example-only-change-me';
const noKeyFile = (p: string): string => {
  throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
};

/** `base` with each [from, to] replaced once; a fixture that lacks `from` fails the test rather than passing it by accident. */
function edit(base: string, ...subs: Array<[string, string]>): string {
  let out = base;
  for (const [from, to] of subs) {
    assert.ok(out.includes(from), `fixture does not contain ${JSON.stringify(from)}`);
    out = out.replace(from, to);
  }
  return out;
}

// Pieces of lb-nat: its three services, each from "- virtual:" on.
const VS0_SCHED = 'scheduler: rr\n    persistent: 600';
const VS1_RS = 'receive: Test Page }\n    real_servers: [real1, real2]\n\n  - virtual: 10.1.3.61:443';
const VS2_RS = 'https, request: ldirector.html, receive: Test Page }\n    real_servers: [real1, real2]';

type Expected = [code: string, path: string, suggestion?: string];

interface Case {
  name: string;
  text: string;
  opts?: Partial<PipelineOptions>;
  /** Exactly these, in this order (the order of the file). */
  expect: Expected[];
}

const CASES: Case[] = [
  {
    name: 'a bad scheduler in one service and an undefined real server in another',
    text: edit(LB, [VS0_SCHED, 'scheduler: rrr\n    persistent: 600'], [VS1_RS, VS1_RS.replace('[real1, real2]', '[real1, real3]')]),
    expect: [
      ['invalid-scheduler', 'virtual_services[0].scheduler', 'rr'],
      ['undefined-host', 'virtual_services[1].real_servers[1]', 'real1'],
    ],
  },
  {
    name: 'a misspelt required key (foward) does not hide an undefined host in a later service, whose index stays its own',
    text: edit(LB, ['    forward: masq\n    check: { type: connect }', '    foward: masq\n    check: { type: connect }'], [VS2_RS, VS2_RS.replace('[real1, real2]', '[real1, reel2]')]),
    expect: [
      ['missing', 'virtual_services[0].forward'],
      ['unknown-key', 'virtual_services[0].foward', 'forward'],
      ['undefined-host', 'virtual_services[2].real_servers[1]', 'real2'],
    ],
  },
  {
    name: 'role for roles: the host is broken, so nothing is said about it elsewhere (no "does not have the real-server role")',
    text: edit(LB, ['  real1:\n    roles: [real-server]', '  real1:\n    role: [real-server]']),
    expect: [
      ['missing', 'hosts.real1.roles'],
      ['unknown-key', 'hosts.real1.role', 'roles'],
    ],
  },
  {
    name: 'directr for director: no "virtual services need a director" on top',
    text: edit(LB, ['roles: [director]', 'roles: [directr]']),
    expect: [['invalid-value', 'hosts.director.roles[0]', 'director']],
  },
  {
    name: '... also when the misspelt role is on a host named otherwise (lb1)',
    text: edit(LB, ['  director:\n    roles: [director]', '  lb1:\n    roles: [directr]']),
    expect: [['invalid-value', 'hosts.lb1.roles[0]', 'director']],
  },
  {
    name: 'a misspelt distro and forwarding method, with a duplicate address elsewhere',
    text: edit(LB, ['distro: redhat', 'distro: debain'], ['forward: masq\n    check: { type: negotiate, service: http', 'forward: mask\n    check: { type: negotiate, service: http'], ['192.168.6.5/24', '192.168.6.4/24']),
    expect: [
      ['invalid-value', 'defaults.distro', 'debian'],
      ['duplicate-address', 'hosts.real2.interfaces.eth0'],
      ['invalid-value', 'virtual_services[1].forward', 'masq'],
    ],
  },
  {
    name: 'a misspelt top-level key, and a bad interface that hides only the checks of its host',
    text: edit(LB, ['name: lb-nat', 'name: lb-nat\nvirtual_service: []'], ['192.168.6.4/24', '300.1.1.1/24'], ['10.1.3.61:443', '10.9.3.61:443']),
    expect: [
      ['unknown-key', 'virtual_service', 'virtual_services'],
      ['invalid-cidr', 'hosts.real1.interfaces.eth0'],
      ['virtual-address-off-network', 'virtual_services[2].virtual'],
    ],
  },
  {
    name: 'a bad cluster name does not hide an undefined heartbeat node',
    text: edit(HA, ['name: ha-cidr', 'name: HA_cidr'], ['nodes: [node1, node2]', 'nodes: [node1, nod2]']),
    expect: [
      ['invalid-hostname', 'name'],
      ['undefined-host', 'heartbeat.nodes[1]', 'node2'],
    ],
  },
  {
    name: 'a target problem (keepalived on redhat) with a schema problem',
    text: `${edit(LB, ['checkinterval: 2', 'checkinterval: two'])}\ndirector_backend: keepalived\n`,
    expect: [
      ['type', 'ldirectord.checkinterval'],
      ['unsupported', 'director_backend'],
    ],
  },
  {
    name: 'a secret problem (key_env unset) with a schema problem and a cross-field one',
    text: edit(HA, [`key: ${KEY}`, 'key_env: LVSGEN_ONE_PASS_UNSET'], ['floating: [192.168.6.240/24]', 'floating: [192.168.9.240/24]'], ['192.168.6.3/24', '192.168.6.3/33']),
    expect: [
      ['invalid-cidr', 'hosts.node2.interfaces.eth0'],
      ['floating-off-network', 'heartbeat.floating[0]'],
      ['secret-source', 'heartbeat.auth.key_env'],
    ],
  },
  {
    name: 'a key file that cannot be read, with an undefined node',
    text: edit(HA, [`key: ${KEY}`, 'key_file: none.key'], ['nodes: [node1, node2]', 'nodes: [node3, node2]']),
    expect: [
      ['undefined-host', 'heartbeat.nodes[0]', 'node1'],
      ['secret-source', 'heartbeat.auth.key_file'],
    ],
  },
  {
    name: 'a broken heartbeat key source is reported once, not again as a missing key',
    text: edit(HA, [`key: ${KEY}`, 'key_env: "not a name"']),
    expect: [['invalid-value', 'heartbeat.auth.key_env']],
  },
  {
    name: 'a broken real-server entry is left out; the others keep their indices',
    text: edit(LB, ['real_servers: [real1, real2]\n\n  - virtual: 10.1.3.61:80', 'real_servers: [{ hots: real1 }, real2, real4]\n\n  - virtual: 10.1.3.61:80']),
    expect: [
      ['missing', 'virtual_services[0].real_servers[0].host'],
      ['unknown-key', 'virtual_services[0].real_servers[0].hots', 'host'],
      ['undefined-host', 'virtual_services[0].real_servers[2]', 'real1'],
    ],
  },
];

function problemsOf(c: Case): Problem[] {
  try {
    runPipeline(c.text, { distros: DISTROS, env: {}, readKeyFile: noKeyFile, ...c.opts });
  } catch (e) {
    if (e instanceof TopologyError) return e.problems;
    throw e;
  }
  return [];
}

for (const c of CASES) {
  test(`one pass: ${c.name}`, () => {
    const ps = problemsOf(c);
    const got: Expected[] = ps.map((p) => (p.suggestion !== undefined ? [p.code, p.path, p.suggestion] : [p.code, p.path]));
    assert.deepEqual(got, c.expect, ps.map((p) => formatProblem('t.yaml', p)).join('\n'));
    for (const p of ps) {
      assert.ok(p.pos, `${p.path}: every problem here has a line:col`);
      if (p.suggestion !== undefined) assert.ok(p.message.includes(`did you mean "${p.suggestion}"`), p.message);
      assert.ok(!p.message.includes(KEY), p.message);
    }
    const lines = ps.map((p) => p.pos!.line);
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b), 'sorted by position');
  });
}

test('one pass: the model-level check agrees (checkTopology finds the schema and cross-field problems of the first case)', () => {
  const c = checkTopology(new TextEncoder().encode(CASES[0]!.text), [...DISTROS.keys()]);
  assert.deepEqual(c.problems.map((p) => p.code), ['invalid-scheduler', 'undefined-host']);
});

test('a key file whose key is bad: the problem is in the key file, line 1, and does not show the key', () => {
  const ps = problemsOf({ name: '', text: edit(HA, [`key: ${KEY}`, 'key_file: keys/ha.key']), opts: { readKeyFile: () => 'short key\n', keyFileName: (p) => `conf/${p}` }, expect: [] });
  assert.equal(ps.length, 1);
  assert.equal(ps[0]!.code, 'secret-source');
  assert.equal(ps[0]!.path, 'heartbeat.auth.key_file');
  assert.equal(ps[0]!.file, 'conf/keys/ha.key');
  assert.deepEqual(ps[0]!.pos, { line: 1, col: 1 });
  assert.ok(!ps[0]!.message.includes('short key'));
  assert.match(formatProblem('conf/t.yaml', ps[0]!), /^conf\/keys\/ha\.key:1:1: error \[secret-source\] heartbeat\.auth\.key_file: /);
});

test('a key file that cannot be read is a problem of the topology, at key_file, naming the key file', () => {
  const ps = problemsOf({ name: '', text: edit(HA, [`key: ${KEY}`, 'key_file: keys/ha.key']), opts: { keyFileName: (p) => `conf/${p}` }, expect: [] });
  assert.equal(ps.length, 1);
  assert.equal(ps[0]!.file, undefined);
  assert.ok(ps[0]!.pos);
  assert.match(ps[0]!.message, /keys\/ha\.key: ENOENT \(conf\/keys\/ha\.key\)/);
});

test('missingSecret: warning: an unavailable key source is a warning and the bundles carry a stand-in', () => {
  const text = edit(HA, [`key: ${KEY}`, 'key_env: LVSGEN_ONE_PASS_UNSET']);
  const g = runPipeline(text, { distros: DISTROS, env: {}, readKeyFile: noKeyFile, missingSecret: 'warning' });
  assert.deepEqual(g.warnings.map((w) => [w.severity, w.code, w.path]), [['warning', 'secret-source', 'heartbeat.auth.key_env']]);
  assert.ok(g.keyStandIn);
  const authkeys = g.bundles.find((b) => b.host === 'node1')!.files.find((f) => f.path === 'etc/ha.d/authkeys')!;
  assert.ok(authkeys.secret && authkeys.content.includes(g.keyStandIn));
  // The default is an error, and a bad key is an error either way.
  assert.throws(() => runPipeline(text, { distros: DISTROS, env: {}, readKeyFile: noKeyFile }), TopologyError);
  assert.throws(() => runPipeline(text, { distros: DISTROS, env: { LVSGEN_ONE_PASS_UNSET: 'short' }, readKeyFile: noKeyFile, missingSecret: 'warning' }), TopologyError);
});

test('editDistance: insertions, deletions, substitutions and neighbour swaps cost 1', () => {
  assert.equal(editDistance('', ''), 0);
  assert.equal(editDistance('abc', ''), 3);
  assert.equal(editDistance('foward', 'forward'), 1);
  assert.equal(editDistance('roles', 'role'), 1);
  assert.equal(editDistance('rr', 'lc'), 2);
  assert.equal(editDistance('drector', 'director'), 1);
  assert.equal(editDistance('dierctor', 'director'), 1, 'a swap of neighbours is one edit');
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('suggest: close names only (a third of the length), all the closest, case ignored, never the word itself', () => {
  assert.deepEqual(suggest('foward', ['forward', 'protocol', 'virtual']), ['forward']);
  assert.deepEqual(suggest('directr', ['director', 'real-server', 'router']), ['director']);
  assert.deepEqual(suggest('real3', ['director', 'real1', 'real2']), ['real1', 'real2']);
  assert.deepEqual(suggest('Redhat', ['debian', 'redhat']), ['redhat']);
  assert.deepEqual(suggest('lc', ['rr', 'sh']), []);
  assert.deepEqual(suggest('roundrobin', ['rr', 'wrr']), []);
  assert.deepEqual(suggest('rr', ['rr']), []);
  assert.equal(isClose('x'.repeat(100), 'x'.repeat(99)), false, 'long input is not compared');
  assert.equal(didYouMean([]), '');
  assert.equal(didYouMean(['a']), 'did you mean "a"?');
  assert.equal(didYouMean(['a', 'b', 'c']), 'did you mean "a", "b" or "c"?');
});

test('one pass: a pair dropped for a schema problem does not shift the pair indices other problems name (pairs[N].floating[M])', () => {
  // pairs[0] is no mapping (the entry is left out of the cross-field checks),
  // and pairs[2] floats the address pairs[1] already floats
  const text = HICAP_VARIANT.replace(/ {2}- nodes: \[north-b, north-a\]\n.*\n.*\n/, '  - north-b and north-a\n').replace('floating: [10.20.1.203/23]', 'floating: [10.20.1.201/23]');
  assert.notEqual(text, HICAP_VARIANT);
  const ps = problemsOf({ name: 'hicap', text, expect: [] });
  const dup = ps.find((p) => p.code === 'duplicate-address');
  assert.ok(dup, ps.map((p) => formatProblem('t.yaml', p)).join('\n'));
  assert.equal(dup.path, 'pairs[2].floating[0]');
  assert.match(dup.message, /already used by pairs\[1\]\.floating\[0\]/, dup.message);
  assert.ok(ps.some((p) => p.path === 'pairs[0]'), 'the schema problem is reported where it is');
});
