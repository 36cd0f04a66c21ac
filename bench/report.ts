// docs/benchmarks.md from the benchmark's results: the machine, the method,
// the tables, how time grows with size, the side-by-side with Ansible, and
// each target with what was measured. The profile findings are prose kept in
// bench/profile-findings.md and included as they are.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './ansible.js';
import type { Summary } from './measure.js';
import { LAYOUTS, SERVICES, STEPS, type AnsibleResult, type BenchResults, type FleetResult, type Layout, type StepId } from './matrix.js';

const GiB = 2 ** 30;

function secs(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (x < 1) return `${(x * 1000).toFixed(0)} ms`;
  if (x < 100) return `${x.toFixed(2)} s`;
  return `${x.toFixed(0)} s`;
}

function mib(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  return bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** "median (min-max)" of a summary. */
function spread(s: Summary | undefined, fmt: (x: number) => string = secs): string {
  if (s === undefined) return '-';
  return s.runs > 1 ? `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})` : fmt(s.median);
}

function ratio(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 10 ? `${x.toFixed(0)}x` : `${x.toFixed(2)}x`;
}

const n0 = (n: number) => n.toLocaleString('en-US');

function row(cells: Array<string | number>): string {
  return `| ${cells.join(' | ')} |`;
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
}

const stepLabel = (id: StepId) => STEPS.find((s) => s.id === id)!.label;

function fleetOf(r: BenchResults, layout: Layout, n: number): FleetResult | undefined {
  return r.fleet.find((f) => f.layout === layout && f.n === n);
}

function wallOf(f: FleetResult | undefined, id: StepId): number {
  return f?.steps[id]?.wall.median ?? NaN;
}

interface Target {
  what: string;
  measured: string;
  met: boolean | undefined;
}

function targets(r: BenchResults): Target[] {
  const out: Target[] = [];
  const a100 = r.ansible.find((a) => a.n === 100);
  if (a100) {
    const pb = a100.playbook.wall.median;
    const same = pb / (a100.render.wall.median + a100.packageTar.wall.median);
    const renderOnly = pb / a100.render.wall.median;
    out.push({
      what: 'N=100: at least 500 times faster than the Ansible playbook',
      measured: `playbook ${secs(pb)}; lvsgen render + package --format tar (the same work: files and one tarball per host) ${ratio(same)} faster; render alone ${ratio(renderOnly)} faster`,
      met: same >= 500,
    });
  } else out.push({ what: 'N=100: at least 500 times faster than the Ansible playbook', measured: 'not measured in this run', met: undefined });
  for (const layout of Object.keys(LAYOUTS) as Layout[]) {
    const big = fleetOf(r, layout, 10000);
    const mid = fleetOf(r, layout, 1000);
    const tag = layout === 'single' ? 'one director' : 'director pair';
    if (!big) continue;
    const rc = wallOf(big, 'render') / wallOf(big, 'cp');
    out.push({ what: `N=10,000 (${tag}): render and write all bundles in at most 3x cp -a of the output`, measured: `${secs(wallOf(big, 'render'))} vs ${secs(wallOf(big, 'cp'))}: ${ratio(rc)}`, met: rc <= 3 });
    const pt = wallOf(big, 'package-all') / wallOf(big, 'tar-hosts');
    const po = wallOf(big, 'package-all') / wallOf(big, 'tar-one');
    out.push({
      what: `N=10,000 (${tag}): package every host in all three formats in at most 3x tar -czf of the same trees`,
      measured: `${secs(wallOf(big, 'package-all'))} vs ${secs(wallOf(big, 'tar-hosts'))} for one tar -czf per host: ${ratio(pt)} (vs one tar -czf of the whole tree, ${secs(wallOf(big, 'tar-one'))}: ${ratio(po)})`,
      met: pt <= 3,
    });
    if (mid) {
      const per = (f: FleetResult, id: StepId) => wallOf(f, id) / f.hosts;
      const g = per(big, 'render') / per(mid, 'render');
      out.push({
        what: `render: time per host at N=10,000 within 1.5x of N=1,000 (${tag})`,
        measured: `${secs(per(mid, 'render'))} -> ${secs(per(big, 'render'))} per host: ${ratio(g)} (package, all formats: ${ratio(per(big, 'package-all') / per(mid, 'package-all'))}; validate: ${ratio(per(big, 'validate') / per(mid, 'validate'))})`,
        met: g <= 1.5,
      });
    }
    const lv = STEPS.filter((s) => !['cp', 'tar-hosts', 'tar-one'].includes(s.id)).map((s) => ({ id: s.id, rss: big.steps[s.id]?.rss.max ?? 0 }));
    const worst = lv.reduce((a, b) => (b.rss > a.rss ? b : a));
    out.push({ what: `N=10,000 (${tag}): peak RSS under 1 GiB`, measured: `largest ${mib(worst.rss)} (${stepLabel(worst.id)})`, met: worst.rss < GiB });
  }
  return out;
}

function fleetTable(r: BenchResults, layout: Layout): string {
  const rows: Array<Array<string | number>> = [];
  for (const f of r.fleet.filter((x) => x.layout === layout)) {
    for (const s of STEPS) {
      const m = f.steps[s.id];
      if (!m) continue;
      rows.push([n0(f.n), s.label, spread(m.wall), spread(m.cpu), spread(m.rss, mib), perHost(m.wall.median / f.hosts)]);
    }
  }
  return table(['N', 'what', 'wall: median (min-max)', 'CPU (user+sys)', 'peak RSS', 'wall per host'], rows);
}

function perHost(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x < 1e-3 ? `${(x * 1e6).toFixed(0)} µs` : `${(x * 1e3).toFixed(2)} ms`;
}

function growthTable(r: BenchResults, layout: Layout): string {
  const fs = r.fleet.filter((x) => x.layout === layout).sort((a, b) => a.n - b.n);
  if (fs.length < 2) return '(one size only: no growth to show)';
  const head = ['what', ...fs.map((f) => `per host, N=${n0(f.n)}`), ...fs.slice(1).map((f, i) => `exponent ${n0(fs[i]!.n)}->${n0(f.n)}`)];
  const rows = STEPS.map((s) => {
    const per = fs.map((f) => wallOf(f, s.id) / f.hosts);
    // t ~ N^k between two sizes: k = log(t2/t1) / log(N2/N1); 1 is linear.
    const k = fs.slice(1).map((f, i) => Math.log(wallOf(f, s.id) / wallOf(fs[i]!, s.id)) / Math.log(f.hosts / fs[i]!.hosts));
    return [s.label, ...per.map(perHost), ...k.map((x) => (Number.isFinite(x) ? x.toFixed(2) : '-'))];
  });
  return table(head, rows);
}

function ansibleTable(as: AnsibleResult[]): string {
  const rows = as.map((a) => {
    const both = a.render.wall.median + a.packageTar.wall.median;
    return [
      n0(a.n),
      spread(a.playbook.wall),
      spread(a.playbook.cpu),
      spread(a.render.wall),
      spread(a.packageTar.wall),
      ratio(a.playbook.wall.median / both),
      ratio(a.playbook.wall.median / a.render.wall.median),
      ratio(a.playbook.cpu.median / (a.render.cpu.median + a.packageTar.cpu.median)),
      a.fairness.equal ? `yes (${a.fairness.files} files, ${a.fairness.tarballs} tarballs)` : `NO: ${a.fairness.differences.length} differences`,
    ];
  });
  return table(
    ['N', 'playbook wall', 'playbook CPU', 'lvsgen render', 'lvsgen package --format tar', 'ratio: playbook / (render + package)', 'ratio: playbook / render', 'CPU ratio (same work)', 'same files'],
    rows,
  );
}

function unchangedTable(r: BenchResults): string {
  return table(
    ['layout', 'N', 'files checked', 'runs', 'files with a new size, mtime or inode', 'output link kept', 'lvsgen said', 're-render wall'],
    r.fleet.map((f) => [f.layout, n0(f.n), n0(f.unchanged.filesChecked), f.unchanged.runs, f.unchanged.changed, f.unchanged.linkKept ? 'yes' : 'NO', `\`${f.unchanged.message}\``, spread(f.steps.rerender?.wall)]),
  );
}

export function renderReport(r: BenchResults): string {
  const m = r.machine;
  const findings = join(REPO, 'bench', 'profile-findings.md');
  const t = targets(r);
  const sizes = [...new Set(r.fleet.map((f) => f.n))].sort((a, b) => a - b);
  const lines: string[] = [];
  lines.push(
    '# Benchmarks: lvsgen at fleet scale, side by side with the Ansible way',
    '',
    `Generated by \`make bench\` (bench/run.ts) on ${r.generated.slice(0, 10)}; the raw numbers are in [benchmarks.json](benchmarks.json).`,
    `Sizes: ${sizes.map(n0).join(', ')} real servers; ${r.options.runs} runs each (${r.options.largeRuns} at N=10,000); Ansible at N=${r.options.ansibleSizes.join(', ') || '(not run)'}, ${r.options.ansibleRuns} runs. The whole run took ${Math.round((r.durationSeconds ?? 0) / 60)} minutes.`,
    '',
    '## Targets',
    '',
    'Measured as ratios within the same run, since the machine is shared and noisy; absolute times are reported, not targeted.',
    '',
    table(['target', 'measured (medians)', 'met'], t.map((x) => [x.what, x.measured, x.met === undefined ? 'not measured' : x.met ? 'yes' : '**no**'])),
    '',
    '## Machine',
    '',
    table(['', ''], [
      ['CPU', `${m.cpu}, ${m.cores} cores`],
      ['memory', m.memory],
      ['system', `${m.os}, ${m.kernel}`],
      ['file system of the work directory', m.filesystem],
      ['Node.js', m.node],
      ['Ansible', m.ansible ?? 'not installed'],
      ['load average (1, 5, 15 min)', `${m.loadStart.join(', ')} at the start, ${m.loadEnd?.join(', ') ?? '-'} at the end`],
    ]),
    '',
    'The machine is shared: other jobs (test suites, a qemu virtual machine) ran during the benchmark, so',
    'absolute times vary from run to run; the min and max show by how much.',
    '',
    '## Method',
    '',
    `- Topologies come from test/scale.ts: N real servers over /24 server networks (250 each), ${SERVICES} virtual`,
    '  services on one virtual address, every real server in every service, in two layouts:',
    ...(Object.keys(LAYOUTS) as Layout[]).map((l) => `  - **${l}**: ${LAYOUTS[l].label};`),
    '- every measurement is a whole process, timed from outside: wall time by the benchmark\'s clock, CPU',
    '  time (user + system) and peak RSS from GNU time (`/usr/bin/time`, rusage of the process and what it',
    '  waited for; for `tar -czf` that is tar and gzip, for the playbook every fork);',
    '- each run takes the steps in this order, so that lvsgen and its references alternate: validate, render into an',
    '  empty directory, render again (unchanged), `cp -a` of the rendered tree, package in each format',
    '  and in all three, `tar -czf` of each host\'s tree, `tar -czf` of the whole tree;',
    '- the file system cache is warm (nothing is dropped between runs), as it is for an operator running these commands in a row;',
    '- the side by side: bench/ansible/playbook.yml renders the lb-nat example scaled to N real servers (bench/lb-nat-scaled.ts',
    '  writes the topology and the inventory from one description) with Debian\'s ansible package, local connection, no fact',
    '  gathering, 5 forks, then tars each host\'s tree. Before timing, the benchmark checks that the playbook writes',
    '  exactly the host files lvsgen writes (same bytes, same modes) at N=10, and again at every size it times.',
    '  lvsgen does more: it also writes each host\'s installer and manifest. The runs alternate: playbook, lvsgen render,',
    '  lvsgen package --format tar.',
    '',
  );
  for (const layout of Object.keys(LAYOUTS) as Layout[]) {
    if (!r.fleet.some((f) => f.layout === layout)) continue;
    const fs = r.fleet.filter((f) => f.layout === layout);
    lines.push(
      `## Results: ${layout} (${LAYOUTS[layout].label})`,
      '',
      table(['N', 'hosts', 'files rendered', 'rendered tree', 'topology file'], fs.map((f) => [n0(f.n), n0(f.hosts), n0(f.files), mib(f.bytes), `${(f.topologyBytes / 1024).toFixed(0)} KiB`])),
      '',
      fleetTable(r, layout),
      '',
      `### How time grows with size (${layout})`,
      '',
      'Wall time per host at each size, and the exponent k of t ~ N^k between two sizes (1 is linear; below 1, fixed costs such as',
      'starting Node.js and compiling templates are still being spread over more hosts).',
      '',
      growthTable(r, layout),
      '',
    );
  }
  lines.push(
    '## Where cost is not flat by nature',
    '',
    '- A director\'s ldirectord.cf (or keepalived.conf) holds one line (or block) per real server per service, so the',
    `  director\'s files grow with N (at N=10,000 and ${SERVICES} services, 100,000 real-server entries), and the`,
    '  topology file lists every real server once per service. Everything else is per host and constant: a real',
    '  server\'s bundle does not depend on N.',
    '- A director with more server networks gets more interface files (one per /24, 40 at N=10,000).',
    '- The rendered tree has 13 files per host; writing it costs file-system operations per file and directory,',
    '  which is what `cp -a` measures.',
    '',
    '## Re-rendering an unchanged topology',
    '',
    'After each fresh render the benchmark records size, mtime (ns) and inode of every file, renders again, and',
    'compares: nothing may change, and the output link must point at the same tree. Tools that look at mtimes',
    '(make, rsync, package caches) therefore see no change.',
    '',
    unchangedTable(r),
    '',
    '## Side by side: the Ansible playbook',
    '',
  );
  if (r.fairness.length > 0) {
    lines.push(
      `Fairness check at N=10: ${r.fairness.map((f) => (f.equal ? `the playbook wrote the same ${f.files} host files as lvsgen (bytes and modes) and ${f.tarballs} tarballs` : `DIFFERENT (${f.differences.length} differences)`)).join('; ')}.`,
      '',
    );
  }
  lines.push(r.ansible.length > 0 ? ansibleTable(r.ansible) : '(not run)', '');
  if (existsSync(findings)) lines.push(readFileSync(findings, 'utf8').trimEnd(), '');
  lines.push(
    '## Reproduce',
    '',
    '```sh',
    'make bench                       # full matrix (about an hour): docs/benchmarks.md and docs/benchmarks.json',
    'node dist/bench/run.js --smoke   # N=10 once, with the Ansible fairness check (what CI runs)',
    'node dist/bench/run.js --sizes 1000 --layouts single --runs 3 --ansible-sizes none --md /tmp/b.md --json /tmp/b.json',
    '```',
    '',
    'The benchmark needs GNU time (Debian package `time`) and, for the side by side, Debian\'s `ansible`',
    '(`make test` installs both as root). Profiles: `node --cpu-prof bin/lvsgen render TOPOLOGY -o DIR`.',
    '',
  );
  return lines.join('\n');
}
