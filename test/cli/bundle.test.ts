// bin/lvsgen starts from the bundle make build writes (dist/src/cli/lvsgen.cjs,
// with V8's code cache): it must behave exactly as the modules it was built
// from, byte for byte, for every command.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { example, REPO, snapshotTree, tempDir } from '../support/index.js';

const BIN = join(REPO, 'bin', 'lvsgen');
const BUNDLE = join(REPO, 'dist', 'src', 'cli', 'lvsgen.cjs');

function run(bundled: boolean, args: string[], cwd: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, LVSGEN_TRACE_START: '1' };
  if (bundled) delete env.LVSGEN_NO_BUNDLE;
  else env.LVSGEN_NO_BUNDLE = '1';
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8' });
  const [start, ...rest] = r.stderr.split('\n');
  return { status: r.status, stdout: r.stdout, stderr: rest.join('\n'), start };
}

test('make build wrote the bundle and its code cache', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run make build`);
  assert.ok(existsSync(`${BUNDLE}.cache`), `${BUNDLE}.cache is missing: run make build`);
});

test('the bundle starts with its code cache accepted; LVSGEN_NO_BUNDLE starts from the modules', (t) => {
  const dir = tempDir(t);
  assert.equal(run(true, ['--version'], dir).start, 'lvsgen: started from the bundle, code cache accepted');
  assert.equal(run(false, ['--version'], dir).start, 'lvsgen: started from the modules');
});

test('bundle and modules: the same output, messages and exit code for every command', (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, readFileSync(example('lb-nat'), 'utf8').replace('scheduler: rr', 'scheduler: bogus'));
  const commands: Array<{ args: (o: string) => string[]; out?: string }> = [
    { args: () => ['--help'] },
    { args: () => ['--version'] },
    { args: () => [] },
    { args: () => ['render', '--help'] },
    { args: () => ['validate', example('ha-cidr')] },
    { args: () => ['validate', bad] },
    { args: () => ['validate', join(dir, 'missing.yaml')] },
    { args: () => ['ipvsadm', example('lb-nat')] },
    { args: () => ['schema'] },
    { args: (o) => ['render', example('ha-cidr'), '-o', o], out: 'render' },
    { args: (o) => ['render', example('lb-nat'), '--distro', 'debian12', '-o', o], out: 'render' },
    { args: () => ['diff', example('lb-nat'), '--against', join(REPO, 'golden', 'lb-nat', 'redhat')] },
    // Differences: the unified diffs come from the diff library, loaded lazily.
    { args: () => ['diff', example('lb-nat'), '--distro', 'debian', '--against', join(REPO, 'golden', 'lb-nat', 'redhat')] },
    { args: (o) => ['package', example('lb-nat'), '-o', o], out: 'package' },
  ];
  for (const [i, c] of commands.entries()) {
    const got = [true, false].map((bundled) => {
      const o = join(dir, `${i}-${bundled ? 'bundle' : 'modules'}`);
      const r = run(bundled, c.args(o), dir);
      const text = (s: string) => s.split(o).join('OUT');
      return { status: r.status, stdout: text(r.stdout), stderr: text(r.stderr), tree: c.out === 'render' || c.out === 'package' ? snapshotTree(o) : undefined };
    });
    const what = c.args('OUT').join(' ');
    assert.equal(got[0]!.status, got[1]!.status, what);
    assert.equal(got[0]!.stdout, got[1]!.stdout, what);
    assert.equal(got[0]!.stderr, got[1]!.stderr, what);
    if (got[0]!.tree) {
      assert.ok(got[0]!.tree.size > 0, what);
      assert.deepEqual(got[0]!.tree, got[1]!.tree, what);
    }
  }
});
