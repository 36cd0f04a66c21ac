// docs/distros.md's kind table, written from KINDS (each kind's `per` and
// `usedFor`) so the docs cannot drift from the code: `make docs` rewrites the
// lines between the markers, and test/render/docs-kinds.test.ts fails when
// they differ from what this produces.
import { KIND_NAMES, KINDS } from './kinds.js';

export const KINDS_BEGIN = '<!-- kinds:begin: `make docs` writes this table from src/render/kinds.ts; edit the descriptions there -->';
export const KINDS_END = '<!-- kinds:end -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function kindsTable(): string {
  const rows = KIND_NAMES.map((k) => `| \`${k}\` | ${cell(KINDS[k].per)} | ${cell(KINDS[k].usedFor)} |`);
  return ['| Kind | One file per | Used for |', '|---|---|---|', ...rows].join('\n');
}

/** `doc` with the lines between the markers replaced by the table. */
export function withKindsTable(doc: string): string {
  const begin = doc.indexOf(KINDS_BEGIN);
  const end = doc.indexOf(KINDS_END);
  if (begin < 0 || end < begin) throw new Error(`the kind table's markers are missing: ${KINDS_BEGIN} ... ${KINDS_END}`);
  return `${doc.slice(0, begin)}${KINDS_BEGIN}\n${kindsTable()}\n${doc.slice(end)}`;
}
