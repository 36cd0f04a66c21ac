// Running things: commands (sh returns whatever happened, run fails the test
// unless the command exits 0), the CLI in process, polling, names unique to
// this process.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import { main } from '../../src/cli/main.js';

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command (no shell, 60 s at most) and return what happened; never fails by itself. */
export function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Ran {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, ...opts });
  return { status: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Exit status 0, or fail with everything the command printed. */
export function ok(r: Ran, what: string): Ran {
  assert.equal(r.status, 0, `${what} exited ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: Buffer | string;
  /** Return instead of failing on a non-zero exit. */
  allowFailure?: boolean;
}

/** Run a command (no shell, no time limit); fail with its output unless it exits 0 (or allowFailure). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Ran {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  const result = { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  if (!opts.allowFailure && result.status !== 0) {
    assert.fail(`${cmd} ${args.join(' ')} exited ${result.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return result;
}

/** Run a command whose stdout is binary (rpm2cpio); fail unless it exits 0. */
export function runBytes(cmd: string, args: readonly string[], opts: Omit<RunOptions, 'allowFailure'> = {}): Buffer {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, input: opts.input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) assert.fail(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stderr.toString('utf8')}`);
  return r.stdout;
}

/** Run the CLI in process; returns the exit code and what it printed. */
export async function cli(...argv: string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { out: (s) => (stdout += s), err: (s) => (stderr += s) });
  return { status, stdout, stderr };
}

let counter = 0;
/**
 * A name unique to this process and call (namespaces, veths, pid and config
 * files): the prefix, the pid in base 36 (at most 5 characters), a counter.
 * Short enough for an interface name (15 bytes) with a 2-character prefix.
 */
export const unique = (prefix: string) => `${prefix}${process.pid.toString(36)}x${++counter}`;

/** Children spawned as leaders of their own process group (spawnIn): stop() ends the whole group. */
const groups = new WeakSet<ChildProcess>();

/** Mark `child` (spawned with `detached: true`) as the leader of its process group. */
export function asGroup<T extends ChildProcess>(child: T): T {
  groups.add(child);
  return child;
}

const signal = (child: ChildProcess, sig: NodeJS.Signals) => {
  if (!groups.has(child) || child.pid === undefined) return void child.kill(sig);
  try {
    process.kill(-child.pid, sig);
  } catch {
    // ESRCH: nothing of the group is left.
  }
};

/**
 * End a spawned process and wait for it: SIGTERM, SIGKILL if it has not exited
 * after 30 s (daemons tidy up on SIGTERM, slowly on a loaded machine). A group
 * leader's whole group gets both: a daemon's forked children (keepalived's VRRP
 * process) would otherwise outlive a killed parent, holding the test's pipes
 * open so that its file never ends (seen at load 28).
 */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const done = new Promise<void>((res) => child.once('exit', () => res()));
    signal(child, 'SIGTERM');
    const timer = setTimeout(() => signal(child, 'SIGKILL'), 30_000);
    await done;
    clearTimeout(timer);
  }
  if (groups.has(child)) signal(child, 'SIGKILL');
}

export const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Poll `probe` until it returns true, or fail after `ms` with `what`. */
export async function until(what: string, probe: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (probe()) return;
    await sleep(250);
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}`);
}
