// What main.ts and the commands share: where they print, the exit codes, and
// the errors main turns into exit codes. It lives apart from main.ts so that
// the commands need not import the module that imports them.
import { formatProblem, isWarning, TopologyError, type Problem } from '../model/problems.js';

/** 0 success, 1 differences found (diff), 2 invalid input or usage, 3 internal error. */
export const EXIT = { ok: 0, differ: 1, invalid: 2, internal: 3 } as const;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** "1 host", "2 hosts": messages count in plain English. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Bad arguments: exit code 2, and main points at --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A topology's problems together with the file they are in. The pure stages
 * throw TopologyError without a file name (they see bytes, not files); the
 * command that read the file names it here, so messages never guess which of
 * the arguments was the topology.
 */
export class TopologyFileError extends Error {
  override readonly name = 'TopologyFileError';

  constructor(
    readonly file: string,
    readonly problems: readonly Problem[],
  ) {
    super(`${problems.length} problem(s) in ${file}`);
  }
}

/** Run `f`, which reads and checks the topology `file`: its TopologyError becomes that file's TopologyFileError. */
export function inTopologyFile<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TopologyError) throw new TopologyFileError(file, e.problems);
    throw e;
  }
}

/** Warnings of a run that went on (validate, diff, render, package ...): one line each on stderr, as problems are printed. */
export function printWarnings(io: Io, file: string, warnings: readonly Problem[]): void {
  for (const w of warnings) io.err(`${formatProblem(file, w)}\n`);
}

/** The last line after a topology's problems: "2 problems; nothing written", with the warnings counted apart. */
export function problemSummary(problems: readonly Problem[]): string {
  const warnings = problems.filter(isWarning).length;
  const errors = problems.length - warnings;
  return `${count(errors, 'problem')}${warnings > 0 ? `, ${count(warnings, 'warning')}` : ''}; nothing written`;
}
