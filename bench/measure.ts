// Measuring whole processes: wall time (the parent's monotonic clock), CPU
// time and peak RSS (GNU time's rusage of the child and everything it waited
// for), and summaries over several runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface Sample {
  /** Seconds. */
  wall: number;
  /** User + system seconds of the process and its children. */
  cpu: number;
  /** User seconds alone: the computing, without the kernel's share (file system work shows as system time). */
  user: number;
  /** Peak resident set size, bytes (the largest of the process and its children). */
  rss: number;
}

export interface Ran extends Sample {
  status: number;
  stdout: string;
  stderr: string;
}

export function haveGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

/** Per-run ratios a[i] / b[i] of two steps measured in the same runs (paired, so a slow moment slows both). */
export function pairedRatios(a: readonly Sample[], b: readonly Sample[], of: (s: Sample) => number = (s) => s.wall): Summary {
  return summarize(a.map((x, i) => of(x) / of(b[i]!)));
}

/** Run `cmd args` to completion under GNU time; throws when it fails and `check` is set (the default). */
export function measure(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; check?: boolean } = {}): Ran {
  const dir = mkdtempSync(join(tmpdir(), 'lvsgen-bench-time-'));
  const out = join(dir, 'rusage');
  try {
    const start = process.hrtime.bigint();
    const r = spawnSync(GNU_TIME, ['-f', '%U %S %M', '-o', out, cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const status = r.status ?? -1;
    if ((opts.check ?? true) && status !== 0) {
      throw new Error(`${cmd} ${args.join(' ')} exited ${status}${r.error ? ` (${r.error.message})` : ''}\n${String(r.stderr ?? '').slice(-4000)}`);
    }
    // GNU time writes "Command exited with non-zero status N" first when it did.
    const last = readFileSync(out, 'utf8').trim().split('\n').pop() ?? '';
    const [user, sys, maxKb] = last.split(' ').map(Number);
    return { status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), wall, cpu: (user ?? NaN) + (sys ?? NaN), user: user ?? NaN, rss: (maxKb ?? NaN) * 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  const median = v.length === 0 ? NaN : v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { runs: v.length, median, min: v[0] ?? NaN, max: v[v.length - 1] ?? NaN };
}

export interface Measured {
  wall: Summary;
  cpu: Summary;
  user: Summary;
  rss: Summary;
  samples: Sample[];
}

export function summarizeSamples(samples: readonly Sample[]): Measured {
  return {
    wall: summarize(samples.map((s) => s.wall)),
    cpu: summarize(samples.map((s) => s.cpu)),
    user: summarize(samples.map((s) => s.user)),
    rss: summarize(samples.map((s) => s.rss)),
    samples: samples.map((s) => ({ wall: round(s.wall), cpu: round(s.cpu), user: round(s.user), rss: s.rss })),
  };
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
