// The repository stands on its own: a clone with nothing beside it builds and
// passes the seed, golden and model suites, and no tracked file names a path
// outside the checkout. The clone is of the committed HEAD (uncommitted work
// is not in it), made in an empty temporary directory, so `../` of the clone
// holds nothing but the clone itself.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CI, REPO, requireTools, sh, tempDir } from '../support/index.js';

/** Is REPO a git work tree? (An unpacked tarball of lvsgen is not.) */
function isGitCheckout(): boolean {
  return sh('git', ['-C', REPO, 'rev-parse', '--is-inside-work-tree']).stdout.trim() === 'true';
}

test('a fresh clone with nothing beside it passes the seed, golden and model suites', { timeout: 300_000 }, (t) => {
  if (!requireTools(t, 'git')) return;
  if (!isGitCheckout()) {
    if (CI) throw new Error(`${REPO} is not a git checkout`);
    t.skip('not a git checkout');
    return;
  }
  const parent = tempDir(t, 'lvsgen-clone-');
  const clone = join(parent, 'lvsgen');
  const cloned = sh('git', ['clone', '--quiet', '--no-hardlinks', REPO, clone]);
  assert.equal(cloned.status, 0, cloned.stderr);
  assert.deepEqual(readdirSync(parent), ['lvsgen'], 'the clone has nothing beside it');
  // The dependencies are installed ones, not part of the repository: the
  // clone uses this checkout's node_modules rather than the network.
  symlinkSync(join(REPO, 'node_modules'), join(clone, 'node_modules'), 'dir');
  // Nothing may lead back to this checkout: LVSGEN_* variables (LVSGEN_DISTROS
  // names a distros folder) are dropped; so is NODE_TEST_CONTEXT, which would
  // make the inner test runner report to this one instead of printing TAP.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LVSGEN_') && k !== 'NODE_TEST_CONTEXT'));
  const built = sh(join(clone, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: clone, env, timeout: 180_000 });
  assert.equal(built.status, 0, built.stdout + built.stderr);
  const suites = ['seeds', 'golden', 'model'].map((s) => join('dist', 'test', s));
  for (const s of suites) assert.ok(existsSync(join(clone, s)), `${s} was not built`);
  const ran = sh(process.execPath, ['--test', '--test-reporter=tap', ...suites], { cwd: clone, env, timeout: 240_000 });
  const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(ran.stdout)?.[1] ?? NaN);
  t.diagnostic(`in the clone: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`);
  assert.equal(ran.status, 0, ran.stdout.split('\n').filter((l) => /^\s*not ok|error:/.test(l)).join('\n'));
  assert.ok(count('pass') > 50, `too few tests ran in the clone:\n${ran.stdout.slice(-2000)}`);
  assert.equal(count('fail'), 0);
  assert.equal(count('skipped'), 0);
});

test('no tracked file names a path outside the checkout', (t) => {
  if (!requireTools(t, 'git')) return;
  if (!isGitCheckout()) {
    if (CI) throw new Error(`${REPO} is not a git checkout`);
    t.skip('not a git checkout');
    return;
  }
  // Written in pieces so that this file does not match itself.
  const patterns = ['\\.\\./' + 'shared', '/' + 'work/', "'\\.\\.', *'" + "shared'"];
  const found = sh('git', ['-C', REPO, 'grep', '-nE', patterns.join('|'), '--', '.']);
  assert.equal(found.status, 1, `paths outside the repository:\n${found.stdout}`);
});
