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
import { bareNetns, type Netns } from './netns.js';
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

/** A running `ldirectord -d`: what it issued to ipvsadm and printed so far. */
export interface Ldirectord {
  /** Its working directory (a private temporary directory). */
  dir: string;
  /** The ldirectord.cf it runs, by absolute path (its basename names the pid file). */
  cf: string;
  /** The ipvsadm commands issued so far, one argument string each. */
  commands(): string[];
  /** stdout and stderr so far (its debug log). */
  output(): string;
  running(): boolean;
  /** Polls every 100 ms until `cond` holds, ldirectord exits, or `seconds` pass; returns whether it held. */
  until(cond: () => boolean, seconds: number): Promise<boolean>;
  /**
   * SIGTERM by pid (SIGKILL if it has not exited after 30 s: on its way out it
   * deletes every virtual service, one ipvsadm each, which took over 5 s at load 28);
   * resolves when it has exited. Also run after the test.
   */
  stop(): Promise<void>;
}

/**
 * Starts ldirectord on `cf` (its text) inside `ns` (a bare namespace with only
 * lo up when none is given, so every check of a real server fails at once),
 * ended by `timeout` after `seconds` at the latest and by its pid after the test.
 */
export function startLdirectord(t: TestContext, cf: string, opts: { ns?: Netns; seconds?: number } = {}): Ldirectord {
  const dir = tempDir(t);
  const file = join(dir, `${unique('lvsgen-ld-')}.cf`);
  writeFileSync(file, cf);
  writeFileSync(join(dir, 'ipvsadm'), FAKE_IPVSADM, { mode: 0o755 });
  const log = join(dir, 'ipvsadm.log');
  let ns = opts.ns;
  if (!ns) {
    ns = bareNetns(t, 'lvsgen-ld');
    ns.ip('link', 'set', 'lo', 'up');
  }
  const seconds = opts.seconds ?? 30;
  // timeout(1)'s -k applies to a signal it forwards too (coreutils timeout.c,
  // cleanup()): with -k 2 our SIGTERM became a SIGKILL 2 s later, before ldirectord,
  // slowed by a loaded machine, had deleted its virtual services (stop's -D).
  // --foreground: without it timeout forwards a signal twice, to ldirectord and
  // then to its whole process group, and ldirectord's handler, called again while
  // it stops, dies ("Exit Handler Repeatedly Called") before deleting them.
  const child = spawn('timeout', ['--foreground', '-k', '30', String(seconds + 5), 'ip', 'netns', 'exec', ns.name, 'ldirectord', '-d', file, 'start'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running() && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, sleep(30_000, undefined, { ref: false })]);
      if (running()) process.kill(child.pid, 'SIGKILL');
    }
  };
  t.after(stop);
  const until = async (cond: () => boolean, secs: number) => {
    for (let i = 0; i < secs * 10 && !cond() && running(); i++) await sleep(100);
    return cond();
  };
  return {
    dir,
    cf: file,
    commands: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : []),
    output: () => output,
    running,
    until,
    stop,
  };
}

/**
 * Runs ldirectord on `cf` in a bare namespace until `done` holds for the
 * ipvsadm commands issued so far (or `seconds` pass). Returns them, with the
 * -x/-y/-w thresholds kept, and its debug log; ldirectord is stopped by its pid.
 */
export async function ldirectordCommands(t: TestContext, cf: string, done: (commands: string[]) => boolean, seconds = 20): Promise<{ commands: string[]; stderr: string }> {
  const ld = startLdirectord(t, cf, { seconds });
  await ld.until(() => done(ld.commands()), seconds);
  const seen = ld.commands();
  // Let it settle into its check loop before SIGTERM: a SIGTERM that lands while
  // it is still setting up (seen on a loaded machine) ends it before its handler is in place.
  await sleep(1000);
  await ld.stop();
  return { commands: seen, stderr: ld.output() };
}
