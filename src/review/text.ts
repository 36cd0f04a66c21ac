// The terminal view of a review: the change summary, then unified diffs
// (git's layout: a/ and b/ names, /dev/null for a new or deleted file, mode
// lines), or with --stat a histogram per file. Colour is ANSI SGR, chosen by
// the command (a terminal, NO_COLOR, --color).
import { differs, type HostChange, type Review } from './changes.js';
import { fileNames, hunkHeader, hunksOf, lineCounts } from './patch.js';
import { fileLine, headline, hostHeadline, pairLine } from './summary.js';

export interface Paint {
  bold: (s: string) => string;
  red: (s: string) => string;
  green: (s: string) => string;
  cyan: (s: string) => string;
  yellow: (s: string) => string;
}

const sgr = (code: string) => (s: string) => (s === '' ? s : `\x1b[${code}m${s}\x1b[0m`);
export const COLOUR: Paint = { bold: sgr('1'), red: sgr('31'), green: sgr('32'), cyan: sgr('36'), yellow: sgr('33') };
const same = (s: string) => s;
export const PLAIN: Paint = { bold: same, red: same, green: same, cyan: same, yellow: same };

export function summaryText(r: Review, p: Paint): string {
  const out: string[] = [p.bold(headline(r))];
  for (const h of r.hosts) {
    if (h.files.length === 0) continue;
    out.push('', p.bold(hostHeadline(h)));
    for (const f of h.files) {
      const line = `  ${fileLine(f)}`;
      out.push(f.kind === 'added' ? p.green(line) : f.kind === 'removed' ? p.red(line) : line);
    }
    for (const a of h.actions) {
      out.push(p.yellow(`  then    ${a.name}${a.confirm ? ' (asks first: it can cut the connection)' : ''}, for ${a.because.join(', ')}:`));
      for (const c of a.commands) out.push(`            ${c}`);
    }
    if (h.status === 'changed' && h.actions.length === 0) out.push('  then    nothing to run');
  }
  if (r.pair) out.push('', p.bold(pairLine(r.pair)));
  return `${out.join('\n')}\n`;
}

/** git's mode of a regular file: 100 and the permission bits (git diff writes 100644, 100755; ours may be 100600). */
const gitMode = (m: number) => `100${m.toString(8).padStart(3, '0')}`;

export function patchText(h: HostChange, p: Paint): string {
  const out: string[] = [];
  for (const f of h.files) {
    const names = fileNames(h.host, f);
    const name = `${h.host}${f.path.startsWith('/') ? '' : '/'}${f.path}`;
    // git's extended header: `git apply` takes the whole output (new and deleted files and modes included).
    out.push(p.bold(`diff --git a/${name} b/${name}`));
    if (f.kind === 'added') out.push(p.bold(`new file mode ${gitMode(f.newMode!)}`));
    else if (f.kind === 'removed') out.push(p.bold(`deleted file mode ${gitMode(f.oldMode!)}`));
    else if (f.oldMode !== f.newMode) out.push(p.bold(`old mode ${gitMode(f.oldMode!)}`), p.bold(`new mode ${gitMode(f.newMode!)}`));
    if (f.hidden) {
      out.push(`(the new host's installer: ${f.new.split('\n').length - 1} lines, not shown)`);
      continue;
    }
    if (f.secretOnly) {
      out.push('(a secret value changed: not shown)');
      continue;
    }
    const hunks = hunksOf(f);
    if (hunks.length === 0) continue;
    out.push(p.bold(`--- ${names.old}`), p.bold(`+++ ${names.new}`));
    for (const hk of hunks) {
      out.push(p.cyan(hunkHeader(hk)));
      for (const l of hk.lines) out.push(l[0] === '+' ? p.green(l) : l[0] === '-' ? p.red(l) : l);
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** The whole text view: the summary, then every host's diffs. */
export function reviewText(r: Review, p: Paint): string {
  if (!differs(r)) return '';
  const patches = r.hosts.map((h) => patchText(h, p)).filter((t) => t !== '');
  return [summaryText(r, p), ...patches].join('\n');
}

/** `--stat`: the summary, then one line per file with its insertions and deletions, as git diff --stat. */
export function statText(r: Review, p: Paint): string {
  const rows: Array<{ name: string; added: number; removed: number; note: string }> = [];
  for (const h of r.hosts) {
    for (const f of h.files) {
      const c = f.hidden || f.secretOnly ? { added: 0, removed: 0 } : lineCounts(f);
      const note = f.hidden ? ' (installer, not shown)' : f.secretOnly ? ' (secret)' : f.oldMode !== undefined && f.newMode !== undefined && f.oldMode !== f.newMode && c.added + c.removed === 0 ? ' (mode)' : '';
      rows.push({ name: `${h.host}${f.path.startsWith('/') ? '' : '/'}${f.path}`, ...c, note });
    }
  }
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((x) => x.name.length));
  const most = Math.max(1, ...rows.map((x) => x.added + x.removed));
  const scale = (n: number) => (most <= 40 ? n : Math.ceil((n * 40) / most));
  const lines = rows.map((x) => `  ${x.name.padEnd(width)} | ${String(x.added + x.removed).padStart(4)} ${p.green('+'.repeat(scale(x.added)))}${p.red('-'.repeat(scale(x.removed)))}${x.note}`);
  const added = rows.reduce((n, x) => n + x.added, 0);
  const removed = rows.reduce((n, x) => n + x.removed, 0);
  lines.push(` ${rows.length} ${rows.length === 1 ? 'file' : 'files'} changed, ${added} insertions(+), ${removed} deletions(-)`);
  return `${summaryText(r, p)}\n${lines.join('\n')}\n`;
}
