// SELinux on rhel9 (issue 14, defect 9): RHEL's targeted policy lets
// keepalived_t connect only to a few port types (http, smtp, mysql ...), so its
// checkers of ports such as 21, 53 or 8080 are denied. The installer's plan
// turns on keepalived_connect_any (setsebool -P) where a checker connects to a
// port, as a visible step that only warns where SELinux is disabled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateText, installerCommands } from '../support/index.js';

const topology = (check: string) => `name: se
defaults: { distro: rhel9 }
hosts:
  lb: { roles: [director], interfaces: { eth0: 10.0.0.1/24 } }
  r1: { roles: [real-server], interfaces: { eth0: 10.0.0.11/24 } }
virtual_services:
  - virtual: 10.0.0.100:21
    forward: gate
    check: ${check}
    real_servers: [r1]
`;
const SETSEBOOL = '/usr/sbin/setsebool -P keepalived_connect_any 1';
const plan = (text: string, distro = 'rhel9') => installerCommands(generateText(text, distro).bundles.find((b) => b.host === 'lb')!.files.find((f) => f.path === '.lvsgen/plan')!.content.toString());

test('rhel9: a keepalived director whose checkers connect turns on keepalived_connect_any, before keepalived starts, as a warning-only step', () => {
  const cmds = plan(topology('{ type: connect }'));
  const i = cmds.findIndex((c) => c.command === SETSEBOOL);
  assert.ok(i >= 0, cmds.map((c) => c.command).join('\n'));
  assert.equal(cmds[i]!.kind, 'run_ok', 'a host without SELinux only warns');
  // Before keepalived starts (or, running, reloads: the same place in the plan).
  assert.ok(cmds.findIndex((c) => c.command === '/usr/bin/systemctl start keepalived') > i);
});

test('rhel9: no checker that connects (ping, on): no boolean; debian12 (no SELinux by default): none', () => {
  for (const check of ['{ type: ping }', '{ type: "on" }']) assert.ok(!plan(topology(check)).some((c) => c.command.includes('setsebool')), check);
  assert.ok(!plan(topology('{ type: connect }').replace('hosts:', 'director_backend: keepalived\nhosts:'), 'debian12').some((c) => c.command.includes('setsebool')));
});
