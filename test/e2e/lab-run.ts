// Running `lvsgen lab` from the tests: the same command a user runs, bounded,
// its JSON report read back, each check a subtest, and the checks not run
// compared with those the plan says need IPVS (the namespace mode's stand-in
// cannot carry traffic through a virtual service).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { labNeedsKernel, NEEDS_IPVS, type LabPlan } from '../../src/lab/plan.js';
import type { CheckResult } from '../../src/lab/report.js';
import { exitStatus, summarize } from '../../src/lab/report.js';
import { labTools } from '../../src/lab/tools.js';
import { kernelHasIpip, kernelHasIpvs } from '../../src/cli/commands/lab.js';
import { REPO, requireRoot, requireTools, sh, tempDir } from '../support/index.js';
import { labPipeline, labPlan } from '../support/lab.js';

export const LVSGEN = join(REPO, 'bin', 'lvsgen');

/** The examples: every examples/*.yaml. */
export const EXAMPLE_FILES = readdirSync(join(REPO, 'examples')).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(REPO, 'examples', f));

// The pipeline and the lab's plan of a topology: test/support/lab.ts, exported here too for the lab's tests.
export { labPipeline as pipeline, labPlan };

/**
 * What the namespace mode refuses to build in this topology on this machine's
 * kernel (tunnelling without ipip; a keepalived director without IPVS), or undefined.
 */
export function labRefusal(text: string, distro?: string): string | undefined {
  const g = labPipeline(text, distro);
  return labNeedsKernel(g.model, { ipvs: kernelHasIpvs(), ipip: kernelHasIpip() });
}

/** Whether the pipeline accepts the topology for that distro (lb-nat's ldirectord is refused on rhel9). */
export function accepts(text: string, distro: string): boolean {
  try {
    labPipeline(text, distro);
    return true;
  } catch {
    return false;
  }
}

export interface LabRun {
  status: number | null;
  output: string;
  ms: number;
  timedOut: boolean;
  results: CheckResult[];
}

/**
 * `lvsgen lab FILE --no-vm (or --vm) ARGS --report ...`, bounded: at the
 * limit it gets SIGINT (the lab cleans up: namespaces, processes, mounts, the
 * VM), 30 s later SIGKILL for its process group.
 */
export function runLab(t: TestContext, file: string, args: string[], limitMs: number, mode: 'namespaces' | 'vm' = 'namespaces'): Promise<LabRun> {
  const dir = tempDir(t, 'lvsgen-e2e-lab-');
  const report = join(dir, 'report.json');
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [LVSGEN, 'lab', file, mode === 'vm' ? '--vm' : '--no-vm', '--report', report, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, TMPDIR: dir },
    });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(child.pid!, 'SIGINT'); } catch { /* gone */ }
      setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 30_000).unref();
    }, limitMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      const results = existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as { checks: CheckResult[] }).checks : [];
      resolve({ status, output, ms: Date.now() - started, timedOut, results });
    });
  });
}

/** Root and the tools the plan needs (under CI a missing one fails). */
export function labAvailable(t: TestContext, plan: LabPlan): boolean {
  return requireRoot(t) && requireTools(t, ...labTools(plan).map((x) => x.tool));
}

/** A check not run for want of IPVS: a plan check that needs it, or --verify's lsmod line (no modules in this kernel). */
export function notRunForIpvs(plan: LabPlan, r: CheckResult): boolean {
  const c = plan.checks.find((x) => x.id === r.id);
  if (c) return c.needs === NEEDS_IPVS && /needs IPVS/.test(r.seen);
  return /^verify\.[^:]+: .*lsmod/.test(r.id) && /loads no modules/.test(r.seen);
}

/**
 * Every result a subtest (a check not run is a skip naming why, never a
 * pass), then: the lab ran to its end, exactly the IPVS checks were not run,
 * and the exit status says so. `known`: check ids whose failure is a known
 * defect, each with why: its subtest is a TODO (reported, never a pass).
 */
export async function reportLab(t: TestContext, plan: LabPlan, run: LabRun, known: Record<string, string> = {}): Promise<void> {
  const tail = run.output.split('\n').slice(-30).join('\n');
  for (const r of run.results) {
    const todo = known[r.id];
    if (todo !== undefined) await t.test(r.name, { todo }, () => assert.equal(r.status, 'pass', `expected ${r.expected}; seen ${r.seen}`));
    else if (r.status === 'pass') await t.test(r.name, () => {});
    else if (r.status === 'fail') await t.test(r.name, () => assert.fail(`expected ${r.expected}; seen ${r.seen}`));
    else await t.test(r.name, { skip: r.seen }, () => {});
  }
  await t.test('the lab ran to its end; exactly the checks that need IPVS were not run', () => {
    assert.ok(!run.timedOut, `timed out after ${run.ms} ms\n${tail}`);
    assert.ok(run.results.length > 0, `no report (exit ${run.status})\n${tail}`);
    for (const c of plan.checks) assert.ok(run.results.some((r) => r.id === c.id || r.id.startsWith(`${c.id}: `)), `no result for ${c.id}`);
    const notRun = run.results.filter((r) => r.status === 'not-run');
    for (const r of notRun) assert.ok(notRunForIpvs(plan, r), `not run, and not for want of IPVS: ${r.id}: ${r.seen}`);
    for (const c of plan.checks.filter((x) => x.needs === NEEDS_IPVS)) {
      assert.ok(notRun.some((r) => r.id === c.id), `${c.id} needs IPVS: not run in namespaces`);
    }
    assert.equal(run.status, exitStatus(summarize(run.results)), `exit status\n${tail}`);
  });
}

/** Namespaces named PREFIX-* (the lab prints its prefix): none may be left. */
export function namespacesLeft(prefix: string): string[] {
  return sh('ip', ['netns', 'list']).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
}
