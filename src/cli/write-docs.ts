// `make docs`: rewrite docs/distros.md's kind table from src/render/kinds.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { withKindsTable } from '../render/kinds-table.js';

const target = process.argv[2] ?? 'docs/distros.md';
const doc = readFileSync(target, 'utf8');
const updated = withKindsTable(doc);
if (updated !== doc) writeFileSync(target, updated);
process.stdout.write(`${target}: kind table ${updated === doc ? 'already up to date' : 'rewritten'}\n`);
