// `make bench`: lvsgen at fleet scale, and side by side with the Ansible way.
//
//   node dist/bench/run.js [--sizes 10,100,1000,10000] [--layouts single,pair]
//     [--runs 5] [--large-runs 3] [--ansible-sizes 10,100] [--ansible-runs 3]
//     [--work DIR] [--json FILE] [--md FILE] [--smoke]
//   node dist/bench/run.js --report-from docs/benchmarks.json --md docs/benchmarks.md
//
// Every measurement is a whole process (bin/lvsgen, cp, tar, ansible-playbook)
// timed from outside: wall time, CPU time and peak RSS, several runs with the
// median, min and max. Within a run the measurements alternate, so that a
// noisy neighbour slows lvsgen and its reference alike. --smoke (CI) runs
// N=10 once, including the Ansible fairness check.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { scaledTopology } from '../test/support/scale.js';
import { ansibleFairness, ansibleVersion, compareOutputs, LVSGEN, runPlaybook, writeLbNat, type Fairness } from './ansible.js';
import { haveGnuTime, measure, round, summarizeSamples, type Measured, type Sample } from './measure.js';
import { renderReport } from './report.js';
import { LAYOUTS, SERVICES, STEPS, type AnsibleResult, type BenchResults, type FleetResult, type Layout, type Machine, type Options, type StepId } from './matrix.js';

function parseArgs(argv: string[]): Options {
  const o: Options = { sizes: [10, 100, 1000, 10000], layouts: ['single', 'pair'], runs: 5, largeRuns: 3, ansibleSizes: [10, 100], ansibleRuns: 3, smoke: false };
  const list = (v: string) => (v === '' || v === 'none' ? [] : v.split(',').map((x) => Number(x.replace(/_/g, ''))));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--sizes') o.sizes = list(v());
    else if (a === '--layouts') o.layouts = v().split(',').filter((l): l is Layout => l in LAYOUTS);
    else if (a === '--runs') o.runs = Number(v());
    else if (a === '--large-runs') o.largeRuns = Number(v());
    else if (a === '--ansible-sizes') o.ansibleSizes = list(v());
    else if (a === '--ansible-runs') o.ansibleRuns = Number(v());
    else if (a === '--work') o.work = resolve(v());
    else if (a === '--json') o.json = resolve(v());
    else if (a === '--md') o.md = resolve(v());
    else if (a === '--smoke') o.smoke = true;
    else if (a === '--report-from') o.reportFrom = resolve(v());
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.smoke) Object.assign(o, { sizes: [10], runs: 1, largeRuns: 1, ansibleSizes: o.ansibleSizes.length > 0 ? [10] : [], ansibleRuns: 1 });
  if ([...o.sizes, ...o.ansibleSizes].some((n) => !Number.isInteger(n) || n < 1) || o.runs < 1 || o.largeRuns < 1 || o.ansibleRuns < 1) throw new Error('sizes and runs must be positive integers');
  return o;
}

const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

function describeMachine(work: string): Machine {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const osRelease = existsSync('/etc/os-release') ? (/^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '') : '';
  const df = sh('df', ['-PT', work]).split('\n')[1]?.split(/\s+/) ?? [];
  return {
    cpu: model,
    cores: cpus().length,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free at start)`,
    kernel: sh('uname', ['-sr']),
    os: osRelease,
    node: process.version,
    ...(ansibleVersion() !== undefined ? { ansible: ansibleVersion()! } : {}),
    filesystem: df.length > 1 ? `${df[1]} on ${df[0]}` : 'unknown',
    loadStart: loadavg().map((x) => round(x, 2)),
  };
}

/**
 * path -> "size mtime inode" of every file under the rendered tree, and the
 * inode and mtime of the output directory itself (`link`, named when the
 * output was a symbolic link: the saved results keep the key).
 */
function snapshot(out: string): { link: string; files: Map<string, string> } {
  const root = realpathSync(out);
  const top = lstatSync(root, { bigint: true });
  const files = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of readdirSync(rel === '' ? root : join(root, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else {
        const st = lstatSync(join(root, r), { bigint: true });
        files.set(r, `${st.size} ${st.mtimeNs} ${st.ino}`);
      }
    }
  };
  walk('');
  return { link: `${root} ${top.ino} ${top.mtimeNs}`, files };
}

function treeSize(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.isFile() && e.name !== '.lvsgen-output') {
        files++;
        bytes += statSync(join(dir, e.name)).size;
      }
    }
  };
  walk(root);
  return { files, bytes };
}

const node = process.execPath;

function fleet(layout: Layout, n: number, runs: number, work: string): FleetResult {
  const dir = join(work, `${layout}-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const topology = join(dir, 'topology.yaml');
  writeFileSync(topology, scaledTopology({ realServers: n, services: SERVICES, ...LAYOUTS[layout].options }));
  const samples: Partial<Record<StepId, Sample[]>> = {};
  const add = (id: StepId, s: Sample) => (samples[id] ??= []).push(s);
  const unchanged = { runs: 0, filesChecked: 0, changed: 0, linkKept: true, message: '' };
  let size = { files: 0, bytes: 0 };
  let hosts = 0;

  for (let r = 0; r < runs; r++) {
    log(`${layout} N=${n} run ${r + 1}/${runs}`);
    // Every step writes into a directory of its own and nothing is deleted
    // until the whole benchmark is done: on ext4 (here mounted with discard),
    // creating files right after deleting many is several times slower, and
    // whichever step followed a deletion would pay for it.
    const rd = join(dir, `run-${r + 1}`);
    mkdirSync(rd);
    const out = join(rd, 'out');
    const v = measure(node, [LVSGEN, 'validate', topology]);
    add('validate', v);
    hosts = Number(/\((\d+) hosts/.exec(v.stdout)?.[1] ?? NaN);

    add('render', measure(node, [LVSGEN, 'render', topology, '-o', out]));
    const tree = realpathSync(out);
    if (r === 0) size = treeSize(tree);
    const before = snapshot(out);
    const again = measure(node, [LVSGEN, 'render', topology, '-o', out]);
    add('rerender', again);
    const after = snapshot(out);
    unchanged.runs++;
    unchanged.filesChecked = before.files.size;
    unchanged.message = again.stdout.trim().split(out).join('DIR');
    unchanged.linkKept &&= before.link === after.link;
    for (const [p, f] of before.files) if (after.files.get(p) !== f) unchanged.changed++;
    unchanged.changed += [...after.files.keys()].filter((p) => !before.files.has(p)).length;

    add('cp', measure('cp', ['-a', tree, join(rd, 'copy')]));

    for (const f of ['tar', 'deb', 'rpm'] as const) add(`package-${f}`, measure(node, [LVSGEN, 'package', topology, '-o', join(rd, `packages-${f}`), '--format', f]));
    add('package-all', measure(node, [LVSGEN, 'package', topology, '-o', join(rd, 'packages')]));

    const tars = join(rd, 'tars');
    mkdirSync(tars);
    // The host directories of the tree (not lvsgen's marker file): one archive each, as the playbook does.
    add('tar-hosts', measure('sh', ['-c', 'cd "$1" && for h in */; do tar -czf "$2/${h%/}.tar.gz" "${h%/}" || exit 1; done', 'tar-hosts', tree, tars]));
    add('tar-one', measure('tar', ['-czf', join(rd, 'all.tar.gz'), '-C', tree, '.']));
  }
  const steps: Partial<Record<StepId, Measured>> = {};
  for (const s of STEPS) if (samples[s.id]) steps[s.id] = summarizeSamples(samples[s.id]!);
  return { layout, n, hosts, files: size.files, bytes: size.bytes, topologyBytes: statSync(topology).size, steps, unchanged };
}

function sideBySide(n: number, runs: number, work: string): AnsibleResult {
  const dir = join(work, `ansible-${n}`);
  rmSync(dir, { recursive: true, force: true });
  const c = writeLbNat(n, dir);
  const playbook: Sample[] = [];
  const render: Sample[] = [];
  const packageTar: Sample[] = [];
  const floor: Sample[] = [];
  let fairness: Fairness | undefined;
  for (let r = 0; r < runs; r++) {
    log(`ansible side by side N=${n} run ${r + 1}/${runs}`);
    // Fresh directories every run, nothing deleted in between (see fleet()).
    const rd = join(dir, `run-${r + 1}`);
    const ansibleOut = join(rd, 'ansible-out');
    const out = join(rd, 'lvsgen-out');
    mkdirSync(rd);
    playbook.push(runPlaybook(c, ansibleOut));
    render.push(measure(node, [LVSGEN, 'render', c.topology, '-o', out]));
    packageTar.push(measure(node, [LVSGEN, 'package', c.topology, '-o', join(rd, 'lvsgen-packages'), '--format', 'tar']));
    // The floor of this work for any tool: C programs copying the finished
    // files (cp -a) and making one tarball per host (tar -czf), no templating.
    floor.push(measure('sh', ['-c', 'cp -a "$1" "$2" && mkdir "$3" && cd "$2" && for h in */; do tar -czf "$3/${h%/}.tar.gz" "${h%/}" || exit 1; done', 'floor', realpathSync(out), join(rd, 'copy'), join(rd, 'tars')]));
    // The same files, every run: otherwise the times compare different work.
    const f = compareOutputs(n, out, ansibleOut);
    if (fairness === undefined || !f.equal) fairness = f;
  }
  return { n, hosts: n + 1, playbook: summarizeSamples(playbook), render: summarizeSamples(render), packageTar: summarizeSamples(packageTar), floor: summarizeSamples(floor), fairness: fairness! };
}

export function runBenchmark(o: Options): BenchResults {
  if (!haveGnuTime()) throw new Error('GNU time (/usr/bin/time, Debian package "time") is needed to measure CPU time and peak RSS');
  if (o.ansibleSizes.length > 0 && ansibleVersion() === undefined) {
    throw new Error('ansible-playbook is missing: install Debian\'s ansible package, or pass --ansible-sizes none');
  }
  const work = o.work ?? mkdtempSync(join(tmpdir(), 'lvsgen-bench-'));
  mkdirSync(work, { recursive: true });
  const started = Date.now();
  const { work: _w, json: _j, md: _m, reportFrom: _r, ...options } = o;
  const results: BenchResults = { generated: new Date().toISOString(), options, machine: describeMachine(work), fleet: [], ansible: [], fairness: [] };
  // Let the file system finish what earlier deletions left it to do.
  spawnSync('sync');
  try {
    if (o.ansibleSizes.length > 0) {
      log('Ansible fairness check at N=10');
      const f = ansibleFairness(10, join(work, 'fairness-10'));
      results.fairness.push(f);
      if (!f.equal) throw new Error(`the playbook's output differs from lvsgen's at N=10:\n  ${f.differences.slice(0, 20).join('\n  ')}`);
    }
    for (const layout of o.layouts) {
      for (const n of o.sizes) results.fleet.push(fleet(layout, n, n >= 10000 ? o.largeRuns : o.runs, work));
    }
    for (const n of o.ansibleSizes) {
      const a = sideBySide(n, o.ansibleRuns, work);
      results.ansible.push(a);
      if (!a.fairness.equal) throw new Error(`the playbook's output differs from lvsgen's at N=${n}:\n  ${a.fairness.differences.slice(0, 20).join('\n  ')}`);
    }
  } finally {
    // Only now: deleting slows the file system down for a while (see fleet()).
    if (o.work === undefined) rmSync(work, { recursive: true, force: true });
    else for (const e of readdirSync(work)) if (/^(single|pair|ansible|fairness)-\d+$/.test(e)) rmSync(join(work, e), { recursive: true, force: true });
  }
  results.machine.loadEnd = loadavg().map((x) => round(x, 2));
  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  return results;
}

function main(): number {
  const o = parseArgs(process.argv.slice(2));
  if (o.reportFrom !== undefined) {
    // Only the report, from the results of an earlier run (e.g. after editing bench/profile-findings.md).
    const saved = JSON.parse(readFileSync(o.reportFrom, 'utf8')) as BenchResults;
    writeFileSync(o.md ?? '/dev/stdout', renderReport(saved));
    return 0;
  }
  const results = runBenchmark(o);
  const json = `${JSON.stringify(results, null, 2)}\n`;
  if (o.json) writeFileSync(o.json, json);
  if (o.md) writeFileSync(o.md, renderReport(results));
  if (!o.json && !o.md) process.stdout.write(json);
  log(`done in ${results.durationSeconds} s${o.json ? `: ${o.json}` : ''}${o.md ? `, ${o.md}` : ''}`);
  return 0;
}

// Run when executed, not when imported (the smoke test imports the pieces).
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(new URL(import.meta.url).pathname)) {
  try {
    process.exitCode = main();
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
