// ldirectord run for real in a scratch namespace, its ipvsadm commands logged
// through ldirectord's own debug hook: started with -d, it runs `./ipvsadm`
// from its working directory (ldirectord.in: `$IPVSADM = "./ipvsadm"` when
// debugging). The fake logs its arguments and shows an empty table, so no IPVS
// is needed. Imported from its own file (not re-exported by index.ts).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bareNetns } from './netns.js';
import { unique } from './proc.js';
import { tempDir } from './tmp.js';

/** A fake ipvsadm for ldirectord's debug hook: logs its arguments, shows an empty table. */
export const FAKE_IPVSADM = `#!/bin/sh
printf '%s\\n' "$*" >>"$(dirname "$0")/ipvsadm.log"
case "$*" in
"-L -n"*)
	echo "IP Virtual Server version 1.2.1 (size=4096)"
	echo "Prot LocalAddress:Port Scheduler Flags"
	echo "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"
	;;
esac
exit 0
`;

/**
 * Runs ldirectord on `cf` (its text) in a bare namespace with only lo up, so
 * every check of a real server elsewhere fails at once, until `done` holds
 * for the ipvsadm commands issued so far (or `seconds` pass). Returns them,
 * with the -x/-y/-w thresholds kept; ldirectord is stopped by its pid.
 */
export async function ldirectordCommands(t: TestContext, cf: string, done: (commands: string[]) => boolean, seconds = 20): Promise<{ commands: string[]; stderr: string }> {
  const dir = tempDir(t);
  const file = join(dir, `${unique('lvsgen-ld-')}.cf`);
  writeFileSync(file, cf);
  writeFileSync(join(dir, 'ipvsadm'), FAKE_IPVSADM, { mode: 0o755 });
  const log = join(dir, 'ipvsadm.log');
  const ns = bareNetns(t, 'lvsgen-ld');
  ns.ip('link', 'set', 'lo', 'up');
  const child = spawn('timeout', ['-k', '2', String(seconds + 5), 'ip', 'netns', 'exec', ns.name, 'ldirectord', '-d', file, 'start'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const stopIt = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, sleep(5000, undefined, { ref: false })]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    }
  };
  t.after(stopIt);
  const commands = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : []);
  for (let i = 0; i < seconds * 10 && !done(commands()) && child.exitCode === null; i++) await sleep(100);
  const seen = commands();
  // Let it settle into its check loop before SIGTERM (see test/consumers/ldirectord.test.ts).
  await sleep(1000);
  await stopIt();
  return { commands: seen, stderr };
}
