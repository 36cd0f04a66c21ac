// The lab's results (pure): lab.sh's result lines turned into the checks of the
// plan, each passed, failed or not run, the lines `lvsgen lab` prints, the
// closing count, the JSON of --report and the exit status.
import type { LabCheck } from './plan.js';

export type Status = 'pass' | 'fail' | 'not-run';

export interface CheckResult {
  id: string;
  name: string;
  expected: string;
  status: Status;
  /** What was seen, or why it was not run. */
  seen: string;
}

/** 0: every check passed; 1: one failed; 4: none failed, but some were not run (see docs/lab.md). */
export const LAB_EXIT = { passed: 0, failed: 1, notRun: 4 } as const;

/** One line of lab.sh: PASS|FAIL|NOTRUN <TAB> id <TAB> seen [<TAB> part], or PROGRESS <TAB> text. */
export type LabLine =
  | { kind: 'progress'; text: string }
  | { kind: 'result'; status: Status; id: string; seen: string; part?: string };

export function parseLabLine(line: string): LabLine | undefined {
  const f = line.split('\t');
  if (f[0] === 'PROGRESS' && f.length >= 2) return { kind: 'progress', text: f.slice(1).join(' ') };
  const status = f[0] === 'PASS' ? 'pass' : f[0] === 'FAIL' ? 'fail' : f[0] === 'NOTRUN' ? 'not-run' : undefined;
  if (status === undefined || f.length < 3 || f[1] === '') return undefined;
  return { kind: 'result', status, id: f[1]!, seen: f[2]!, ...(f[3] !== undefined && f[3] !== '' ? { part: f[3] } : {}) };
}

/** A result of lab.sh for a check of the plan (a part is a check of its own: `name: part`). */
export function resultOf(check: LabCheck, line: Extract<LabLine, { kind: 'result' }>): CheckResult {
  return {
    id: line.part !== undefined ? `${check.id}: ${line.part}` : check.id,
    name: line.part !== undefined ? `${check.name}: ${line.part}` : check.name,
    expected: check.expected,
    status: line.status,
    seen: line.seen,
  };
}

const LABEL: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', 'not-run': 'NOT RUN' };

/** The line printed for a result. */
export function formatResult(r: CheckResult): string {
  if (r.status === 'not-run') return `${LABEL[r.status]} ${r.name} (expected: ${r.expected}): ${r.seen}`;
  return `${LABEL[r.status]} ${r.name}: expected ${r.expected}; seen ${r.seen}`;
}

export interface Summary {
  passed: number;
  failed: number;
  notRun: number;
}

export function summarize(results: readonly CheckResult[]): Summary {
  return {
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail').length,
    notRun: results.filter((r) => r.status === 'not-run').length,
  };
}

export const formatSummary = (s: Summary) => `${s.passed} passed, ${s.failed} failed, ${s.notRun} not run`;

/** 0 only when every check passed (and there was one); a failure wins over a check not run. */
export function exitStatus(s: Summary): number {
  if (s.failed > 0 || s.passed + s.notRun === 0) return LAB_EXIT.failed;
  return s.notRun > 0 ? LAB_EXIT.notRun : LAB_EXIT.passed;
}

/**
 * The planned checks lab.sh never reported (it stopped early): each a failure,
 * so that a lab cut short never looks like a pass.
 */
export function unreported(checks: readonly LabCheck[], reported: ReadonlySet<string>, why: string): CheckResult[] {
  return checks.filter((c) => !reported.has(c.id)).map((c) => ({ id: c.id, name: c.name, expected: c.expected, status: 'fail', seen: why }));
}

/**
 * The results of one run of lab.sh over a plan, as `lvsgen lab` and `lvsgen
 * lab check` print and report them: the checks not run (for want of IPVS)
 * first, each line of lab.sh as it comes (progress as `... text`, a result as
 * its line), then every check lab.sh never reported (failed, saying why), the
 * checks not run again, and the closing count. `print` gets each line.
 */
export class LabResults {
  readonly results: CheckResult[] = [];
  /** The last progress line: where lab.sh was when it stopped. */
  lastProgress = '';
  private readonly byId: Map<string, LabCheck>;
  private readonly reported = new Set<string>();
  private readonly notRun: LabCheck[];

  constructor(private readonly checks: readonly LabCheck[], runs: (c: LabCheck) => boolean, notRunWhy: string, private readonly print: (line: string) => void) {
    this.byId = new Map(checks.map((c) => [c.id, c]));
    this.notRun = checks.filter((c) => !runs(c));
    for (const c of this.notRun) {
      this.results.push({ id: c.id, name: c.name, expected: c.expected, status: 'not-run', seen: notRunWhy });
      this.reported.add(c.id);
    }
  }

  /** One line of lab.sh's results. */
  line(text: string): void {
    const l = parseLabLine(text);
    if (l === undefined) return;
    if (l.kind === 'progress') {
      this.print(`... ${l.text}`);
      this.lastProgress = l.text;
      return;
    }
    const c = this.byId.get(l.id);
    if (!c) return;
    this.reported.add(c.id);
    const r = resultOf(c, l);
    this.results.push(r);
    this.print(formatResult(r));
  }

  /** lab.sh has ended: the checks it never reached fail (why), then the checks not run and the count. */
  finish(why: string): Summary {
    for (const r of unreported(this.checks, this.reported, why)) {
      this.results.push(r);
      this.print(formatResult(r));
    }
    const notRun = new Set(this.notRun.map((c) => c.id));
    for (const r of this.results.filter((x) => x.status === 'not-run' && notRun.has(x.id))) this.print(formatResult(r));
    const s = summarize(this.results);
    this.print(formatSummary(s));
    return s;
  }
}
