// Golden trees: golden/<example>/<distro>/ must equal what the code renders.
// UPDATE_GOLDEN=1 (make golden) rewrites them; a mismatch prints the diff and
// that command; a missing or stale golden tree, or one two cases produce, fails.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareGolden, writeGolden } from '../../src/bundle/golden.js';
import { treeOf } from '../../src/bundle/tree.js';
import type { Generated } from '../../src/cli/generate.js';
import { bundlesOfCase, caseName, GOLDEN_CASES, REPO } from '../support/index.js';

const GOLDEN = join(REPO, 'golden');
// Every bundle carries the same static installer: the golden trees hold the
// plans it reads, and this test checks each bundle's copy against its source.
const INSTALLER = readFileSync(join(REPO, 'distros/_shared/install.sh'), 'utf8');
const update = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, render: () => Generated): void {
  test(`golden/${name} matches the rendered bundles`, () => {
    const g = render();
    const dir = join(GOLDEN, name);
    const tree = treeOf(g.bundles);
    // The golden trees leave the installer out (src/bundle/golden.ts): each copy is checked here.
    const installers = [...tree].filter(([p]) => p.endsWith('/.lvsgen/install.sh'));
    assert.equal(installers.length, new Set(g.bundles.map((b) => b.host)).size, 'one installer per host');
    for (const [p, f] of installers) assert.ok(f.content === INSTALLER && f.mode === 0o755, `${p} is not distros/_shared/install.sh, mode 0755`);
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

// Every case of the one table (test/support/cases.ts): golden/<example>/<tree>.
for (const c of GOLDEN_CASES) golden(caseName(c), () => bundlesOfCase(c));

test('no stale golden trees: every golden/<example>/<distro> is produced by a test', () => {
  if (!existsSync(GOLDEN)) return assert.fail('golden/ is missing: run make golden');
  const names = GOLDEN_CASES.map(caseName);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], 'golden trees produced by more than one case');
  const known = new Set(names);
  const found = readdirSync(GOLDEN).flatMap((e) => readdirSync(join(GOLDEN, e)).map((d) => `${e}/${d}`));
  assert.deepEqual(found.filter((f) => !known.has(f)), [], 'stale golden trees: remove them');
});
