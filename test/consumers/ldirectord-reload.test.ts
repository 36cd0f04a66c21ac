// Reload, not restart (issue 15): what the installer runs on a running
// ldirectord when ldirectord.cf changes (`ldirectord reload`, SIGHUP) keeps
// the IPVS table: the real ldirectord, run in a scratch namespace with a
// logging fake ipvsadm (test/support/ldirectord-run.ts), issues no -D of a
// virtual service it still has and no -C; it adds the new service. What a
// stop (the old installer's stop, then start) issues is shown for contrast:
// -D of every virtual service.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { generateText, exampleWith, requireRoot, requireTools, sh } from '../support/index.js';
import { startLdirectord } from '../support/ldirectord-run.js';

const cfOf = (text: string) => generateText(text, 'debian').bundles.find((b) => b.host === 'director')!.files.find((f) => f.path === 'etc/ha.d/ldirectord.cf')!.content;

test('a running ldirectord reloaded on a changed ldirectord.cf keeps its virtual services (no -D, no -C) and adds the new one', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ldirectord', 'ip', 'timeout', 'pgrep')) return;
  const before = exampleWith('lb-nat');
  const cf1 = cfOf(before);
  const cf2 = cfOf(before.replace('  - virtual: 10.1.3.61:443', '  - virtual: 10.1.3.61:8080\n    protocol: tcp\n    scheduler: rr\n    forward: masq\n    check: { type: connect }\n    real_servers: [real1, real2]\n\n  - virtual: 10.1.3.61:443'));
  assert.ok(cf2.includes('virtual=10.1.3.61:8080') && !cf1.includes('8080'));
  const ld = startLdirectord(t, cf1, { seconds: 180 });
  const added = (cmds: string[], vs: string) => cmds.some((c) => c.startsWith(`-A -t ${vs} `));
  assert.ok(await ld.until(() => ['10.1.3.61:21', '10.1.3.61:80', '10.1.3.61:443'].every((v) => added(ld.commands(), v)), 45), `ldirectord did not add its services:\n${ld.commands().join('\n')}\n${ld.output()}`);
  // Settled into its check loop (see ldirectord-run.ts) before the signal.
  await new Promise((r) => setTimeout(r, 2000));
  const n = ld.commands().length;
  writeFileSync(ld.cf, cf2);
  // What `ldirectord reload` (the init script's, the unit's ExecReload) does: SIGHUP to
  // the running ldirectord (ldirectord.in: `kill 1, $oldpid`). In debug mode it keeps no
  // pid file, so the signal goes to it by pid, found by its unique configuration path.
  const pids = sh('pgrep', ['-f', '--', `ldirectord -d ${ld.cf} start`]).stdout.split('\n').filter((p) => /^\d+$/.test(p)).map(Number);
  const pid = pids.find((p) => sh('cat', [`/proc/${p}/comm`]).stdout.trim().startsWith('ldirectord'));
  assert.ok(pid !== undefined, `no ldirectord process among ${pids.join(', ')}`);
  process.kill(pid, 'SIGHUP');
  assert.ok(await ld.until(() => added(ld.commands().slice(n), '10.1.3.61:8080'), 30), `the reload did not add the new service:\n${ld.commands().slice(n).join('\n')}\n${ld.output()}`);
  await new Promise((res) => setTimeout(res, 2000));
  const after = ld.commands().slice(n);
  assert.ok(ld.running(), 'ldirectord exited on reload');
  assert.deepEqual(after.filter((c) => c.startsWith('-D ') || c.startsWith('-C')), [], `the reload deleted virtual services:\n${after.join('\n')}`);
  // Contrast: stopping it (what a restart does first) deletes every virtual service.
  const m = ld.commands().length;
  await ld.stop();
  const stopped = ld.commands().slice(m);
  for (const v of ['10.1.3.61:21', '10.1.3.61:80', '10.1.3.61:8080']) assert.ok(stopped.some((c) => c.startsWith(`-D -t ${v}`)), `stop did not delete ${v}:\n${stopped.join("\n")}\n${ld.output().slice(-3000)}`);
});
