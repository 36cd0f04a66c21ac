// Rules of issue 14 that hold for both director backends: code, model path
// and line, as test/model/load.test.ts asserts them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Problem } from '../../src/model/problems.js';
import { problemsOf } from '../support/index.js';

const DISTROS = ['debian', 'redhat', 'debian12', 'rhel9'];

const problems = (text: string): Problem[] => problemsOf(text, DISTROS);

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

/** A director and two real servers on one network; `vs` is the one virtual service. */
const topology = (backend: string, vs: string, extra = '') => `name: fwd
defaults: { distro: debian12 }
director_backend: ${backend}
hosts:
  lb: { roles: [director], interfaces: { eth0: 10.0.0.1/24, eth1: 192.168.1.1/24 } }
  web1: { roles: [real-server], interfaces: { eth0: 10.0.0.11/24 } }
  web2: { roles: [real-server], interfaces: { eth0: 10.0.0.12/24 } }
${extra}virtual_services:
${vs}`;

for (const backend of ['ldirectord', 'keepalived']) {
  for (const forward of ['gate', 'ipip']) {
    test(`${backend}: a ${forward} real server on another port than the virtual one is refused at its port, with its line`, () => {
      const text = topology(backend, `  - virtual: 10.0.0.100:80
    forward: ${forward}
    check: { type: connect }
    real_servers:
      - web1
      - { host: web2, port: 8080 }
`);
      const ps = problems(text);
      const hit = ps.find((p) => p.path === 'virtual_services[0].real_servers[1].port');
      assert.ok(hit, `expected a problem at the port, got:\n${ps.map((p) => `  ${p.code} ${p.path}: ${p.message}`).join('\n')}`);
      assert.equal(hit.code, 'invalid-port');
      assert.equal(hit.pos?.line, lineOf(text, 'port: 8080'));
      assert.match(hit.message, /keep the port/);
      assert.equal(ps.length, 1, 'one rule, one problem');
    });
  }
  test(`${backend}: NAT maps ports, and a gate real server on the virtual port is fine`, () => {
    assert.deepEqual(problems(topology(backend, `  - virtual: 10.0.0.100:80
    forward: masq
    check: { type: connect }
    real_servers: [{ host: web2, port: 8080 }]
  - virtual: 10.0.0.100:81
    forward: gate
    check: { type: connect }
    real_servers: [{ host: web1, port: 81 }]
`)), []);
  });
}
