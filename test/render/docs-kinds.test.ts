// docs/distros.md's kind table is written from src/render/kinds.ts: a kind
// added, renamed or redescribed in code without `make docs` fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KIND_NAMES } from '../../src/render/kinds.js';
import { KINDS_BEGIN, KINDS_END, kindsTable, withKindsTable } from '../../src/render/kinds-table.js';
import { REPO } from '../support/index.js';

const DOC = join(REPO, 'docs', 'distros.md');

test("docs/distros.md's kind table is the one src/render/kinds.ts produces", () => {
  const doc = readFileSync(DOC, 'utf8');
  assert.ok(withKindsTable(doc) === doc, "docs/distros.md's kind table differs from src/render/kinds.ts: run `make docs` and commit docs/distros.md");
});

test('the table has one row per kind, and a changed row is noticed', () => {
  const table = kindsTable();
  for (const k of KIND_NAMES) assert.match(table, new RegExp(`^\\| \`${k}\` \\|`, 'm'));
  assert.equal(table.split('\n').length, KIND_NAMES.length + 2);
  const doc = readFileSync(DOC, 'utf8');
  const stale = doc.replace('| `sysctl` |', '| `sysctl` | stale |');
  assert.notEqual(stale, doc, 'the doc has a sysctl row to spoil');
  assert.notEqual(withKindsTable(stale), stale);
  assert.equal(withKindsTable(stale), doc);
});

test('a doc without the markers is refused rather than left as it is', () => {
  assert.throws(() => withKindsTable('# no table here\n'), /markers are missing/);
  assert.throws(() => withKindsTable(`${KINDS_END}\n${KINDS_BEGIN}\n`), /markers are missing/);
});
