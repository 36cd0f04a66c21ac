// The review as Markdown for a pull-request comment: the summary as a table
// per host, the pair's order, then each host's diffs in a collapsed
// <details> block as fenced `diff` code (GitHub Flavored Markdown renders
// both: https://github.github.com/gfm/#fenced-code-blocks).
import type { Review } from './changes.js';
import { PLAIN, patchText } from './text.js';
import { fileLine, headline, hostHeadline, pairLine } from './summary.js';

/** A fence longer than any run of backticks in the text (GFM: the closing fence is at least as long as the opening). */
function fence(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Markdown's inline code for a path or command. */
function code(s: string): string {
  const f = s.includes('`') ? '``' : '`';
  return `${f}${f.length > 1 ? ' ' : ''}${s}${f.length > 1 ? ' ' : ''}${f}`;
}

const escapeText = (s: string) => s.replace(/([\\`*_{}[\]<>|#])/g, '\\$1');

export function reviewMarkdown(r: Review): string {
  const out: string[] = [`### ${escapeText(headline(r))}`, ''];
  const changing = r.hosts.filter((h) => h.files.length > 0);
  if (changing.length > 0) {
    out.push('| host | files | the installer then runs |', '|---|---|---|');
    for (const h of changing) {
      const files = h.files.map((f) => escapeText(fileLine(f)).replace(/^(\S+)\s+/, '$1 ')).join('<br>');
      const actions = h.actions.length === 0 ? 'nothing' : h.actions.map((a) => `**${a.name}**${a.confirm ? ' (asks first)' : ''}: ${a.commands.map(code).join(', ')}`).join('<br>');
      out.push(`| **${h.host}** ${escapeText(hostHeadline(h).slice(h.host.length))} | ${files} | ${actions} |`);
    }
    out.push('');
  }
  if (r.pair) out.push(`**Order:** ${escapeText(pairLine(r.pair))}.`, '');
  for (const n of r.notCompared) out.push(`${code(n)}: not compared (it holds the heartbeat key, which is not available).`, '');
  for (const h of changing) {
    const patch = patchText(h, PLAIN);
    if (patch === '') continue;
    const f = fence(patch);
    out.push(`<details><summary>${h.host}: ${h.files.length} ${h.files.length === 1 ? 'file' : 'files'}</summary>`, '', `${f}diff`, patch.trimEnd(), f, '', '</details>', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
