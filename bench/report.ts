// docs/benchmarks.md from the benchmark's results: the machine, the method,
// the tables, how time grows with size, the side-by-side with Ansible, and
// each target with what was measured. The profile findings are prose kept in
// bench/profile-findings.md and included as they are.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './ansible.js';
import { pairedRatios, summarize, type Summary } from './measure.js';
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

/** A paired ratio: "median (min-max over runs)". */
function ratios(s: Summary): string {
  return s.runs > 1 ? `${ratio(s.median)} (${ratio(s.min)}-${ratio(s.max)})` : ratio(s.median);
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
    const same = playbookRatios(a100);
    const renderOnly = pairedRatios(a100.playbook.samples, a100.render.samples);
    out.push({
      what: 'N=100: at least 500 times faster than the Ansible playbook',
      measured:
        `playbook ${secs(a100.playbook.wall.median)}; lvsgen render + package --format tar (the same work: files and one tarball per host) ${ratios(same)} faster; render alone ${ratios(renderOnly)} faster` +
        (a100.floor ? `. The floor, cp -a of the finished files and tar -czf per host (C, no templating), is ${ratios(pairedRatios(a100.playbook.samples, a100.floor.samples))} faster than the playbook` : ''),
      met: same.median >= 500,
    });
  } else out.push({ what: 'N=100: at least 500 times faster than the Ansible playbook', measured: 'not measured in this run', met: undefined });
  for (const layout of Object.keys(LAYOUTS) as Layout[]) {
    const big = fleetOf(r, layout, 10000);
    const mid = fleetOf(r, layout, 1000);
    const tag = layout === 'single' ? 'one director' : 'director pair';
    if (!big) continue;
    const st = (id: StepId) => big.steps[id]!.samples;
    const rc = pairedRatios(st('render'), st('cp'));
    out.push({
      what: `N=10,000 (${tag}): render and write all bundles in at most 3x cp -a of the output`,
      measured: `${secs(wallOf(big, 'render'))} and ${secs(wallOf(big, 'cp'))}; per run ${ratios(rc)}`,
      met: rc.median <= 3,
    });
    const pt = pairedRatios(st('package-all'), st('tar-hosts'));
    const po = pairedRatios(st('package-all'), st('tar-one'));
    out.push({
      what: `N=10,000 (${tag}): package every host in all three formats in at most 3x tar -czf of the same trees`,
      measured: `${secs(wallOf(big, 'package-all'))} and ${secs(wallOf(big, 'tar-hosts'))} for one tar -czf per host: per run ${ratios(pt)}; against one tar -czf of the whole tree (${secs(wallOf(big, 'tar-one'))}): ${ratios(po)}`,
      met: pt.median <= 3,
    });
    if (mid) {
      const per = (f: FleetResult, id: StepId, k: 'wall' | 'user') => (f.steps[id]?.[k].median ?? NaN) / f.hosts;
      const g = (id: StepId, k: 'wall' | 'user') => per(big, id, k) / per(mid, id, k);
      out.push({
        what: `render: time per host at N=10,000 within 1.5x of N=1,000 (${tag})`,
        measured:
          `wall ${perHost(per(mid, 'render', 'wall'))} -> ${perHost(per(big, 'render', 'wall'))} per host (${ratio(g('render', 'wall'))}); ` +
          `user CPU ${perHost(per(mid, 'render', 'user'))} -> ${perHost(per(big, 'render', 'user'))} (${ratio(g('render', 'user'))}). ` +
          `Package, all formats: wall ${ratio(g('package-all', 'wall'))}, user CPU ${ratio(g('package-all', 'user'))}; validate: ${ratio(g('validate', 'wall'))}, ${ratio(g('validate', 'user'))}`,
        met: g('render', 'wall') <= 1.5 && g('render', 'user') <= 1.5,
      });
    }
    const lv = STEPS.filter((x) => !['cp', 'tar-hosts', 'tar-one'].includes(x.id)).map((x) => ({ id: x.id, rss: big.steps[x.id]?.rss.max ?? 0 }));
    const worst = lv.reduce((a, b) => (b.rss > a.rss ? b : a));
    out.push({ what: `N=10,000 (${tag}): peak RSS under 1 GiB`, measured: `largest of any run: ${mib(worst.rss)} (${stepLabel(worst.id)})`, met: worst.rss < GiB });
  }
  return out;
}

/** Per run: the playbook's wall time over lvsgen's render + package --format tar of the same run. */
function playbookRatios(a: AnsibleResult): Summary {
  return summarize(a.playbook.samples.map((p, i) => p.wall / (a.render.samples[i]!.wall + a.packageTar.samples[i]!.wall)));
}

function fleetTable(r: BenchResults, layout: Layout): string {
  const rows: Array<Array<string | number>> = [];
  for (const f of r.fleet.filter((x) => x.layout === layout)) {
    for (const s of STEPS) {
      const m = f.steps[s.id];
      if (!m) continue;
      rows.push([n0(f.n), s.label, spread(m.wall), spread(m.cpu), secs(m.user.median), spread(m.rss, mib), perHost(m.wall.median / f.hosts)]);
    }
  }
  return table(['N', 'what', 'wall: median (min-max)', 'CPU: user + system', 'of which user', 'peak RSS', 'wall per host'], rows);
}

function perHost(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x < 1e-3 ? `${(x * 1e6).toFixed(0)} µs` : `${(x * 1e3).toFixed(2)} ms`;
}

function growthTable(r: BenchResults, layout: Layout, k: 'wall' | 'user'): string {
  const fs = r.fleet.filter((x) => x.layout === layout).sort((a, b) => a.n - b.n);
  if (fs.length < 2) return '(one size only: no growth to show)';
  const of = (f: FleetResult, id: StepId) => f.steps[id]?.[k].median ?? NaN;
  const head = ['what', ...fs.map((f) => `per host, N=${n0(f.n)}`), ...fs.slice(1).map((f, i) => `exponent ${n0(fs[i]!.n)}->${n0(f.n)}`)];
  const rows = STEPS.filter((s) => k === 'wall' || !['cp', 'tar-hosts', 'tar-one'].includes(s.id)).map((s) => {
    const per = fs.map((f) => of(f, s.id) / f.hosts);
    // t ~ N^k between two sizes: k = log(t2/t1) / log(N2/N1); 1 is linear.
    const e = fs.slice(1).map((f, i) => Math.log(of(f, s.id) / of(fs[i]!, s.id)) / Math.log(f.hosts / fs[i]!.hosts));
    return [s.label, ...per.map(perHost), ...e.map((x) => (Number.isFinite(x) ? x.toFixed(2) : '-'))];
  });
  return table(head, rows);
}

function ansibleTable(as: AnsibleResult[]): string {
  const rows = as.map((a) => [
    n0(a.n),
    spread(a.playbook.wall),
    spread(a.playbook.cpu),
    spread(a.render.wall),
    spread(a.packageTar.wall),
    ratios(playbookRatios(a)),
    ratios(pairedRatios(a.playbook.samples, a.render.samples)),
    ratio(a.playbook.cpu.median / (a.render.cpu.median + a.packageTar.cpu.median)),
    a.floor ? `${spread(a.floor.wall)}: ${ratios(pairedRatios(a.playbook.samples, a.floor.samples))}` : '-',
    a.fairness.equal ? `yes (${a.fairness.files} files, ${a.fairness.tarballs} tarballs)` : `NO: ${a.fairness.differences.length} differences`,
  ]);
  return table(
    ['N', 'playbook wall', 'playbook CPU', 'lvsgen render', 'lvsgen package --format tar', 'playbook / (render + package), per run', 'playbook / render, per run', 'CPU: playbook / (render + package)', 'floor (cp -a + tar -czf per host): wall, playbook / floor', 'same files'],
    rows,
  );
}

function unchangedTable(r: BenchResults): string {
  return table(
    ['layout', 'N', 'files checked', 'runs', 'files with a new size, mtime or inode', 'output directory untouched', 'lvsgen said', 're-render wall'],
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
    'The machine is a virtual machine on a shared host, and other work may run beside the benchmark, so',
    'absolute times vary from run to run; the min and max show by how much.',
    '',
    '## Method',
    '',
    `- Topologies come from test/support/scale.ts: N real servers over /24 server networks (250 each), ${SERVICES} virtual`,
    '  services on one virtual address, every real server in every service, in two layouts:',
    ...(Object.keys(LAYOUTS) as Layout[]).map((l) => `  - **${l}**: ${LAYOUTS[l].label};`),
    '- every measurement is a whole process, timed from outside: wall time by the benchmark\'s clock, CPU',
    '  time (user + system) and peak RSS from GNU time (`/usr/bin/time`, rusage of the process and what it',
    '  waited for; for `tar -czf` that is tar and gzip, for the playbook every fork);',
    '- each run takes the steps in this order, so that lvsgen and its references alternate: validate, render into a',
    '  new directory, render again (unchanged), `cp -a` of the rendered tree, package in each format',
    '  and in all three, `tar -czf` of each host\'s tree, `tar -czf` of the whole tree;',
    '- every step writes into a new directory and nothing is deleted until the benchmark is over: on this file system,',
    '  creating files shortly after deleting many is several times slower (see the profile findings), and whichever step',
    '  followed a deletion would pay for it;',
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
      growthTable(r, layout, 'wall'),
      '',
      'User CPU time per host (lvsgen\'s own computing; the file system\'s work is system time, and wall time on this machine',
      'depends on it more than on anything lvsgen does):',
      '',
      growthTable(r, layout, 'user'),
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
    'compares: nothing may change, the output directory itself included (inode, mtime). Tools that look at mtimes',
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
