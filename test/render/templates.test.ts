// The id helpers of templates (idaddr, idif): install.sh keeps the state an
// item had before lvsgen under its plan id across installs, so an id made of
// a route's device, network and gateway must be one to one (two routes never
// share an id, one route always gets the same) and in the plan's NAME
// alphabet; anything they cannot carry is an internal error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createTemplateEngine, idAddress, idInterface, routeId as routeIdOf } from '../../src/render/templates.js';

/** The plan's NAME (src/render/plan.ts). */
const NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** The distros' route id (distros/<name>/distro.yaml: `{{routeid this}}`). */
const routeId = (device: string, networkCidr: string, via: string) => routeIdOf({ device, networkCidr, via });

test('idaddr and idif: addresses, networks and interface names as id text', () => {
  assert.equal(idAddress('10.1.4.0/24'), '10_1_4_0-24');
  assert.equal(idAddress('10.1.3.1'), '10_1_3_1');
  assert.equal(idAddress('2001:db8:6::/64'), '2001xdb8x6xx-64');
  assert.equal(idAddress('::ffff:10.1.3.1'), 'xxffffx10_1_3_1');
  assert.equal(idInterface('eth0'), 'eth0');
  assert.equal(idInterface('bond0.100'), 'bond0_d100');
  assert.equal(idInterface('Br_x-1'), '_ubr__x-1');
  assert.equal(routeId('eth0', '10.1.4.0/24', '10.1.3.1'), 'route-eth0-10_1_4_0-24-via-10_1_3_1');
  const engine = createTemplateEngine();
  assert.equal(engine.compile('route-{{idif d}}-{{idaddr n}}-via-{{idaddr v}}', 't')({ d: 'eth0.5', n: '10.1.4.0/24', v: '10.1.3.1' }), 'route-eth0_d5-10_1_4_0-24-via-10_1_3_1');
});

test('idaddr and idif refuse what they cannot carry one to one, as an internal error', () => {
  for (const bad of ['2001:DB8::1', '10.1.3.1 ', '', '10.1.3.1/24/8', 'eth0', '10-1-3-1']) assert.throws(() => idAddress(bad), /^Error: internal: not an address for a plan id/, bad);
  for (const bad of ['eth 0', 'eth0:1', '', 'é']) assert.throws(() => idInterface(bad), /^Error: internal: not an interface name for a plan id/, bad);
});

test('a route id is a NAME, and two routes share one only when device, network and gateway are the same', () => {
  const device = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/);
  const address = fc.oneof(fc.ipV4(), fc.ipV6());
  const network = fc.tuple(address, fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`);
  const route = fc.tuple(device, network, address);
  fc.assert(
    fc.property(route, route, (a, b) => {
      const [ia, ib] = [routeId(...a), routeId(...b)];
      assert.match(ia, NAME);
      assert.equal(ia === ib, a.join(' ') === b.join(' '), `${a.join(' ')} -> ${ia}; ${b.join(' ')} -> ${ib}`);
    }),
    { numRuns: 2000 },
  );
  // Near misses a careless mapping would merge ('.' and '_' of a device, where the device ends).
  const pairs: Array<[[string, string, string], [string, string, string]]> = [
    [['eth0.1', '10.1.4.0/24', '10.1.3.1'], ['eth0_1', '10.1.4.0/24', '10.1.3.1']],
    [['a_d', '10.1.4.0/24', '10.1.3.1'], ['a.', '10.1.4.0/24', '10.1.3.1']],
    [['Eth0', '10.1.4.0/24', '10.1.3.1'], ['eth0', '10.1.4.0/24', '10.1.3.1']],
    [['eth0-10', '1.4.0.0/24', '10.1.3.1'], ['eth0', '10.1.4.0/24', '10.1.3.1']],
  ];
  for (const [a, b] of pairs) assert.notEqual(routeId(...a), routeId(...b), `${a.join(' ')} and ${b.join(' ')}`);
});
