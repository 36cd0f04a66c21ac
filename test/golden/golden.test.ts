// Golden trees: golden/<example>/<distro>/ must equal what the code renders.
// UPDATE_GOLDEN=1 (make golden) rewrites them; a mismatch prints the diff and
// that command; a missing or stale golden tree fails.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareGolden, writeGolden } from '../../src/bundle/golden.js';
import { treeOf } from '../../src/bundle/tree.js';
import type { Generated } from '../../src/cli/generate.js';
import { bundlesOfCase, caseName, TODAY_CASES } from '../distros/cases.js';
import { bundlesOf, DISTROS, EXAMPLES, REPO } from '../helpers.js';

const GOLDEN = join(REPO, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, render: () => Generated): void {
  test(`golden/${name} matches the rendered bundles`, () => {
    const g = render();
    const dir = join(GOLDEN, name);
    const tree = treeOf(g.bundles);
    if (update) {
      writeGolden(dir, tree, g.model.secrets);
      return;
    }
    assert.ok(existsSync(dir), `golden/${name} is missing: run make golden, read the diff, commit it`);
    const diffs = compareGolden(dir, tree, g.model.secrets);
    assert.equal(
      diffs.length,
      0,
      `${diffs.map((d) => d.patch || d.message).join('\n')}\n${diffs.length} golden file(s) differ. If the change is intended: make golden, then read git diff golden/ before committing.`,
    );
  });
}

// The seeds' distros: each example as it is.
for (const ex of EXAMPLES) {
  for (const distro of DISTROS) golden(`${ex}/${distro}`, () => bundlesOf(ex, distro));
}
// Today's distros, with each director backend that applies (golden/<example>/<distro>[-<backend>]).
for (const c of TODAY_CASES) golden(caseName(c), () => bundlesOfCase(c));

test('no stale golden trees: every golden/<example>/<distro> is produced by a test', () => {
  if (!existsSync(GOLDEN)) return assert.fail('golden/ is missing: run make golden');
  const known = new Set([...EXAMPLES.flatMap((e) => DISTROS.map((d) => `${e}/${d}`)), ...TODAY_CASES.map(caseName)]);
  const found = readdirSync(GOLDEN).flatMap((e) => readdirSync(join(GOLDEN, e)).map((d) => `${e}/${d}`));
  assert.deepEqual(found.filter((f) => !known.has(f)), [], 'stale golden trees: remove them');
});
