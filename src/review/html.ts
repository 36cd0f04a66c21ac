// The review as one self-contained HTML page (no script, no external
// resource): the summary, then per host each file side by side, the old text
// on the left and the new on the right, secrets masked as in every view.
import type { FileChange, HostChange, Review } from './changes.js';
import { hunkHeader, hunksOf, octal } from './patch.js';
import { fileLine, headline, hostHeadline, pairLine } from './summary.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1f2328; background: #fff; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #d0d7de; }
h3 { font: bold 13px ui-monospace, monospace; background: #f6f8fa; border: 1px solid #d0d7de; padding: .4em .6em; margin: 1em 0 0; }
ul.files, ul.actions { font-family: ui-monospace, monospace; font-size: 13px; }
.added { color: #1a7f37; } .removed { color: #cf222e; } .order { font-weight: bold; }
table.diff { border-collapse: collapse; width: 100%; table-layout: fixed; font: 12px/1.5 ui-monospace, monospace; border: 1px solid #d0d7de; border-top: 0; }
table.diff td { padding: 0 .5em; white-space: pre-wrap; word-break: break-all; vertical-align: top; }
table.diff td.n { width: 3.5em; color: #6e7781; text-align: right; user-select: none; }
table.diff td.del { background: #ffebe9; } table.diff td.add { background: #e6ffec; }
table.diff tr.hunk td { background: #ddf4ff; color: #57606a; }
table.diff td.none { background: #f6f8fa; }
p.note { font-style: italic; color: #57606a; }
`;

interface Row {
  oldNo?: number;
  old?: string;
  newNo?: number;
  new?: string;
}

/** Side-by-side rows: each run of deletions paired line by line with the additions that follow it. */
function rows(f: FileChange): Array<Row | string> {
  const out: Array<Row | string> = [];
  for (const h of hunksOf(f)) {
    out.push(hunkHeader(h));
    let o = h.oldStart;
    let n = h.newStart;
    let dels: Row[] = [];
    let adds: Row[] = [];
    const flush = () => {
      for (let i = 0; i < Math.max(dels.length, adds.length); i++) out.push({ ...dels[i], ...adds[i] });
      dels = [];
      adds = [];
    };
    for (const l of h.lines) {
      const text = l.slice(1);
      if (l[0] === '-') dels.push({ oldNo: o++, old: text });
      else if (l[0] === '+') adds.push({ newNo: n++, new: text });
      else if (l[0] === ' ') {
        flush();
        out.push({ oldNo: o++, old: text, newNo: n++, new: text });
      }
      // '\ No newline at end of file' has no line of its own here.
    }
    flush();
  }
  return out;
}

function cell(no: number | undefined, text: string | undefined, cls: string): string {
  if (no === undefined) return '<td class="n"></td><td class="none"></td>';
  return `<td class="n">${no}</td><td class="${cls}">${esc(text ?? '')}</td>`;
}

function fileSection(h: HostChange, f: FileChange): string {
  const head = `<h3 id="${esc(`${h.host}${f.path}`)}">${esc(`${h.host} ${f.path}`)} <span class="${f.kind}">(${f.kind}${f.oldMode !== undefined && f.newMode !== undefined && f.oldMode !== f.newMode ? `, mode ${octal(f.oldMode)} → ${octal(f.newMode)}` : ''})</span></h3>`;
  if (f.hidden) return `${head}\n<p class="note">The new host's installer (${f.new.split('\n').length - 1} lines): not shown.</p>`;
  if (f.secretOnly) return `${head}\n<p class="note">A secret value changed: not shown.</p>`;
  const body = rows(f)
    .map((r) => {
      if (typeof r === 'string') return `<tr class="hunk"><td colspan="4">${esc(r)}</td></tr>`;
      const changed = r.old !== r.new;
      return `<tr>${cell(r.oldNo, r.old, changed ? 'del' : 'ctx')}${cell(r.newNo, r.new, changed ? 'add' : 'ctx')}</tr>`;
    })
    .join('\n');
  return `${head}\n<table class="diff"><colgroup><col style="width:3.5em"><col><col style="width:3.5em"><col></colgroup>\n${body}\n</table>`;
}

export function reviewHtml(r: Review): string {
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${esc(`lvsgen diff: ${r.cluster}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${esc(headline(r))}</h1>`,
  ];
  if (r.pair) out.push(`<p class="order">${esc(pairLine(r.pair))}</p>`);
  for (const n of r.notCompared) out.push(`<p class="note">${esc(n)}: not compared (it holds the heartbeat key, which is not available).</p>`);
  for (const h of r.hosts) {
    if (h.files.length === 0) continue;
    out.push(`<section class="host" id="host-${esc(h.host)}">`, `<h2>${esc(hostHeadline(h))}</h2>`);
    out.push('<ul class="files">', ...h.files.map((f) => `<li class="${f.kind}">${esc(fileLine(f))}</li>`), '</ul>');
    if (h.actions.length > 0) {
      out.push('<p>The installer then runs:</p>', '<ul class="actions">');
      for (const a of h.actions) out.push(`<li><b>${esc(a.name)}</b>${a.confirm ? ' (asks first: it can cut the connection)' : ''} for ${esc(a.because.join(', '))}: ${a.commands.map((c) => `<code>${esc(c)}</code>`).join('; ')}</li>`);
      out.push('</ul>');
    }
    for (const f of h.files) out.push(fileSection(h, f));
    out.push('</section>');
  }
  out.push('</body>', '</html>');
  return `${out.join('\n')}\n`;
}
