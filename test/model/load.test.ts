// One case per validation rule: the code and the model path, not the wording.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadTopology } from '../../src/model/load.js';
import { TopologyError, type Problem } from '../../src/model/problems.js';
import { example, problemsOf } from '../support/index.js';

const DISTROS = ['debian', 'redhat'];
const load = (text: string) => loadTopology(new TextEncoder().encode(text), DISTROS);

const problems = (text: string): Problem[] => problemsOf(text, DISTROS);

const LB = readFileSync(example('lb-nat'), 'utf8');
const HA = readFileSync(example('ha-cidr'), 'utf8');

test('both examples load unchanged', () => {
  assert.deepEqual(problems(LB), []);
  assert.deepEqual(problems(HA), []);
});

interface Case {
  name: string;
  text: string;
  code: string;
  path: string;
  line?: number;
}

const sub = (base: string, from: string, to: string) => {
  assert.ok(base.includes(from), `fixture does not contain ${from}`);
  return base.replace(from, to);
};

const CASES: Case[] = [
  { name: 'empty file', text: '', code: 'missing', path: '' },
  { name: 'YAML syntax', text: 'name: [a\n', code: 'yaml-syntax', path: '' },
  { name: 'duplicate key', text: 'name: a\nname: b\nhosts: {}\n', code: 'yaml-duplicate-key', path: '' },
  { name: 'unknown top-level key', text: sub(LB, 'name: lb-nat', 'name: lb-nat\nnmae: x'), code: 'unknown-key', path: 'nmae', line: 8 },
  { name: 'unknown host key', text: sub(LB, '    roles: [director]', '    roles: [director]\n    role: x'), code: 'unknown-key', path: 'hosts.director.role' },
  { name: 'wrong type', text: sub(LB, 'checkinterval: 2', 'checkinterval: two'), code: 'type', path: 'ldirectord.checkinterval' },
  { name: 'missing field', text: sub(LB, '    forward: masq\n    check: { type: connect }', '    check: { type: connect }'), code: 'missing', path: 'virtual_services[0].forward' },
  { name: 'invalid IPv4 in CIDR', text: sub(LB, '192.168.6.4/24', '192.168.6.400/24'), code: 'invalid-cidr', path: 'hosts.real1.interfaces.eth0' },
  { name: 'CIDR without prefix', text: sub(LB, '192.168.6.4/24', '192.168.6.4'), code: 'invalid-cidr', path: 'hosts.real1.interfaces.eth0' },
  { name: 'invalid virtual address', text: sub(LB, '10.1.3.61:80', '10.1.3:80'), code: 'invalid-address', path: 'virtual_services[1].virtual' },
  { name: 'port out of range', text: sub(LB, '10.1.3.61:443', '10.1.3.61:70000'), code: 'invalid-address', path: 'virtual_services[2].virtual' },
  { name: 'real server port out of range', text: sub(LB, '    real_servers: [real1, real2]\n\n  - virtual: 10.1.3.61:80', '    real_servers: [{ host: real1, port: 0 }, real2]\n\n  - virtual: 10.1.3.61:80'), code: 'invalid-port', path: 'virtual_services[0].real_servers[0].port' },
  { name: 'unknown scheduler', text: sub(LB, 'scheduler: rr\n    persistent', 'scheduler: roundrobin\n    persistent'), code: 'invalid-scheduler', path: 'virtual_services[0].scheduler' },
  { name: 'persistent not positive', text: sub(LB, 'persistent: 600', 'persistent: 0'), code: 'invalid-value', path: 'virtual_services[0].persistent' },
  { name: 'persistent not an integer', text: sub(LB, 'persistent: 600', 'persistent: 1.5'), code: 'invalid-value', path: 'virtual_services[0].persistent' },
  { name: 'invalid host name', text: sub(LB, '  real2:', '  Real_2:'), code: 'invalid-hostname', path: 'hosts.Real_2' },
  { name: 'host name with a path', text: sub(LB, '  real2:', '  "../etc":'), code: 'invalid-hostname', path: 'hosts["../etc"]' },
  { name: 'invalid interface name', text: sub(LB, '      eth0: 192.168.6.5/24', '      "eth0:1": 192.168.6.5/24'), code: 'invalid-interface', path: 'hosts.real2.interfaces["eth0:1"]' },
  { name: 'unknown distro', text: sub(LB, 'distro: redhat', 'distro: slackware'), code: 'invalid-value', path: 'defaults.distro' },
  { name: 'receive with a quote', text: sub(LB, 'service: http, request: ldirector.html, receive: Test Page }', 'service: http, request: ldirector.html, receive: "Test \\"Page" }'), code: 'invalid-text', path: 'virtual_services[1].check.receive' },
  { name: 'receive with a hash', text: sub(LB, 'service: http, request: ldirector.html, receive: Test Page }', 'service: http, request: ldirector.html, receive: "Test #Page" }'), code: 'invalid-text', path: 'virtual_services[1].check.receive' },
  { name: 'receive with a newline', text: sub(LB, 'service: http, request: ldirector.html, receive: Test Page }', 'service: http, request: ldirector.html, receive: "Test\\nPage" }'), code: 'invalid-text', path: 'virtual_services[1].check.receive' },
  { name: 'request escaping the web root', text: sub(LB, 'service: http, request: ldirector.html, receive: Test Page }', 'service: http, request: ../../etc/passwd, receive: Test Page }'), code: 'invalid-text', path: 'virtual_services[1].check.request' },
  { name: 'key with a newline', text: sub(HA, 'key: example-only-change-me', 'key: "example-only\\nchange-me"'), code: 'invalid-text', path: 'heartbeat.auth.key' },
  { name: 'network address as host address', text: sub(LB, '192.168.6.5/24', '192.168.6.0/24'), code: 'invalid-address', path: 'hosts.real2.interfaces.eth0' },
  { name: 'gateway outside every network', text: sub(LB, '  real2:\n    roles: [real-server]', '  real2:\n    gateway: 10.9.9.9\n    roles: [real-server]'), code: 'address-outside-network', path: 'hosts.real2.gateway' },
  { name: 'duplicate address', text: sub(LB, '192.168.6.5/24', '192.168.6.4/24'), code: 'duplicate-address', path: 'hosts.real2.interfaces.eth0' },
  { name: 'virtual address used by a host', text: sub(LB, '192.168.6.5/24', '10.1.3.61/24'), code: 'duplicate-address', path: 'virtual_services[0].virtual' },
  { name: 'two interfaces on one network', text: sub(LB, '      eth1: 192.168.6.1/24', '      eth1: 10.1.3.2/24'), code: 'overlapping-networks', path: 'hosts.director.interfaces.eth1' },
  { name: 'undefined real server', text: sub(LB, '    real_servers: [real1, real2]\n\n  - virtual: 10.1.3.61:80', '    real_servers: [real1, real3]\n\n  - virtual: 10.1.3.61:80'), code: 'undefined-host', path: 'virtual_services[0].real_servers[1]' },
  { name: 'real server without the role', text: sub(LB, '    real_servers: [real1, real2]\n\n  - virtual: 10.1.3.61:80', '    real_servers: [real1, director]\n\n  - virtual: 10.1.3.61:80'), code: 'wrong-role', path: 'virtual_services[0].real_servers[1]' },
  { name: 'masq real server off the director networks', text: sub(LB, '192.168.6.5/24', '192.168.7.5/24'), code: 'unreachable-real-server', path: 'virtual_services[0].real_servers[1]' },
  { name: 'masq real server with another gateway', text: sub(sub(LB, '      eth0: 192.168.6.5/24', '      eth0: 192.168.6.5/24\n    gateway: 192.168.6.9'), '  real2:', '  real2:'), code: 'wrong-gateway', path: 'virtual_services[0].real_servers[1]' },
  { name: 'duplicate virtual service', text: sub(LB, '10.1.3.61:443', '10.1.3.61:80'), code: 'duplicate-virtual-service', path: 'virtual_services[2].virtual' },
  { name: 'virtual address off the director networks', text: sub(LB, '10.1.3.61:443', '10.9.3.61:443'), code: 'virtual-address-off-network', path: 'virtual_services[2].virtual' },
  { name: 'virtual services without a director', text: sub(LB, 'roles: [director]', 'roles: [router]'), code: 'no-director', path: 'virtual_services' },
  { name: 'negotiate http without receive', text: sub(LB, 'service: http, request: ldirector.html, receive: Test Page }', 'service: http, request: ldirector.html }'), code: 'missing-check-field', path: 'virtual_services[1].check' },
  { name: 'heartbeat with one node', text: sub(HA, 'nodes: [node1, node2]', 'nodes: [node1]'), code: 'heartbeat-nodes', path: 'heartbeat.nodes' },
  { name: 'heartbeat with the same node twice', text: sub(HA, 'nodes: [node1, node2]', 'nodes: [node1, node1]'), code: 'heartbeat-nodes', path: 'heartbeat.nodes' },
  { name: 'heartbeat node undefined', text: sub(HA, 'nodes: [node1, node2]', 'nodes: [node1, node3]'), code: 'undefined-host', path: 'heartbeat.nodes[1]' },
  { name: 'floating address off the nodes network', text: sub(HA, 'floating: [192.168.6.240/24]', 'floating: [192.168.9.240/24]'), code: 'floating-off-network', path: 'heartbeat.floating[0]' },
  { name: 'floating address used by a host', text: sub(HA, 'floating: [192.168.6.240/24]', 'floating: [192.168.6.3/24]'), code: 'duplicate-address', path: 'heartbeat.floating[0]' },
  { name: 'virtual network overlapping a host network', text: sub(HA, 'virtual_network: 192.168.0.0/24', 'virtual_network: 192.168.6.0/23'), code: 'virtual-network-overlap', path: 'heartbeat.virtual_network' },
  { name: 'two key sources', text: sub(HA, 'key: example-only-change-me', 'key: example-only-change-me, key_env: HB_KEY'), code: 'secret-source', path: 'heartbeat.auth' },
  { name: 'alias bomb', text: `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n`, code: 'yaml-alias-limit', path: '' },
  { name: 'nesting too deep', text: `name: ${'['.repeat(100)}${']'.repeat(100)}\n`, code: 'yaml-too-deep', path: '' },
];

for (const c of CASES) {
  test(`rejects: ${c.name} -> ${c.code} at ${c.path || '(file)'}`, () => {
    const ps = problems(c.text);
    const hit = ps.find((p) => p.code === c.code && p.path === c.path);
    assert.ok(hit, `expected ${c.code} at "${c.path}", got:\n${ps.map((p) => `  ${p.code} ${p.path}: ${p.message}`).join('\n')}`);
    if (c.line !== undefined) assert.equal(hit.pos?.line, c.line);
    if (c.path !== '') assert.ok(hit.pos, 'a problem with a model path carries a line:col');
  });
}

test('every problem is reported at once, sorted by position', () => {
  const text = sub(sub(sub(LB, 'checkinterval: 2', 'checkinterval: x'), '192.168.6.4/24', '300.1.1.1/24'), 'scheduler: rr\n    persistent', 'scheduler: nope\n    persistent');
  const ps = problems(text);
  assert.deepEqual(ps.map((p) => p.code).sort(), ['invalid-cidr', 'invalid-scheduler', 'type']);
  const lines = ps.map((p) => p.pos!.line);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
});

test('positions point at the offending key or value', () => {
  const ps = problems(sub(LB, 'checkinterval: 2', 'checkinterval: two'));
  const lines = LB.split('\n');
  const line = lines.findIndex((l) => l.includes('checkinterval')) + 1;
  assert.equal(ps[0]!.pos!.line, line);
  assert.equal(ps[0]!.pos!.col, lines[line - 1]!.indexOf('2') + 1);
});

test('CRLF files load like LF files', () => {
  assert.deepEqual(problems(LB.replace(/\n/g, '\r\n')), []);
});

test('non-UTF-8 bytes are rejected', () => {
  assert.throws(() => loadTopology(new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe]), DISTROS), (e: unknown) => e instanceof TopologyError && e.problems[0]!.code === 'not-utf8');
});

test('a secret never appears in a validation message', () => {
  const ps = problems(sub(HA, 'key: example-only-change-me', 'key: "example only change"'));
  assert.ok(ps.length > 0);
  for (const p of ps) assert.ok(!p.message.includes('example only'), p.message);
});
