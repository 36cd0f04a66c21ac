// `lvsgen lab up|exec|check|down` without building a lab: the management
// network's choice (never on a network or address of the topology), and the
// refusals, each exit 2 with nothing created. The lab that stays up is run for
// real by test/ansible/walkthrough.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { managementNetwork } from '../../src/cli/commands/lab-kept.js';
import { labDistro, planLab } from '../../src/lab/plan.js';
import { loadDistros } from '../../src/render/distros.js';
import { cli, example, generateText, tempDir } from '../support/index.js';

const DISTROS = loadDistros();
const planOf = (text: string) => {
  const g = generateText(text);
  return {
    g,
    plan: planLab(g.model, g.topology, {
      distro: (name) => labDistro(DISTROS.get(name)!),
    }),
  };
};

test('the management network: the first /24 of 198.18.0.0/15 that the topology does not touch', () => {
  const plain = planOf(`name: a
hosts:
  d: { roles: [director], interfaces: { eth0: 10.0.0.1/24, eth1: 192.168.1.1/24 } }
  r: { roles: [real-server], interfaces: { eth0: 192.168.1.2/24 } }
virtual_services:
  - { virtual: 10.0.0.10:80, forward: masq, check: { type: connect }, real_servers: [r] }
`);
  const m = managementNetwork(plain.g, plain.plan);
  assert.deepEqual([m.network, m.control, [...m.hosts]], ['198.18.0.0/24', '198.18.0.254', [['d', '198.18.0.1'], ['r', '198.18.0.2']]]);
  // the first /24s taken by a network of the topology and by a virtual address
  const taken = planOf(`name: b
hosts:
  d: { roles: [director], interfaces: { eth0: 198.18.0.1/23, eth1: 192.168.1.1/24 } }
  r: { roles: [real-server], interfaces: { eth0: 192.168.1.2/24 } }
virtual_services:
  - { virtual: 198.18.1.10:80, forward: masq, check: { type: connect }, real_servers: [r] }
`);
  assert.equal(managementNetwork(taken.g, taken.plan).network, '198.18.2.0/24');
  // IPv6 virtual addresses share nothing with an IPv4 management network
  const v6 = planOf(readFileSync(example('lb-ipv6'), 'utf8'));
  assert.equal(managementNetwork(v6.g, v6.plan).network, '198.18.0.0/24');
});

test('lab up, check, exec, down: refusals (exit 2, nothing created)', async (t) => {
  const dir = tempDir(t, 'lvsgen-lab-kept-');
  const key = join(dir, 'id.pub');
  writeFileSync(key, 'not a key\n');
  const notKey = await cli('lab', 'up', example('lb-nat'), join(dir, 'lab'), '--ssh', key);
  assert.equal(notKey.status, 2);
  assert.match(notKey.stderr, /--ssh .*id\.pub: not one OpenSSH public key/);
  assert.equal(existsSync(join(dir, 'lab')), false);

  const noKey = await cli('lab', 'up', example('lb-nat'), join(dir, 'lab'), '--ssh', join(dir, 'absent.pub'));
  assert.equal(noKey.status, 2);
  assert.match(noKey.stderr, /cannot read it \(ENOENT\)/);

  writeFileSync(key, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB5d1yLQ5bDqTwxrJpJEv1uJcQk5GgHhA0DdzU3jE0y/ test\n');
  mkdirSync(join(dir, 'busy'));
  writeFileSync(join(dir, 'busy', 'x'), 'mine\n');
  const busy = await cli('lab', 'up', example('lb-nat'), join(dir, 'busy'), '--ssh', key);
  assert.equal(busy.status, 2);
  assert.match(busy.stderr, /busy is not empty/);
  assert.deepEqual(readdirSync(join(dir, 'busy')), ['x']);

  for (const argv of [['check', join(dir, 'busy'), example('lb-nat')], ['exec', join(dir, 'busy'), 'true'], ['down', join(dir, 'busy')]]) {
    const r = await cli('lab', ...argv);
    assert.equal(r.status, 2, argv.join(' '));
    assert.match(r.stderr, /is not a lab that is up \(no lab\.json/);
  }
  assert.deepEqual(readdirSync(join(dir, 'busy')), ['x'], 'down of a directory that is not a lab removes nothing');
});
