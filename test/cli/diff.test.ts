// `lvsgen diff` as a user runs it: its unified diffs are real ones (git
// apply turns the old render into the new), new and deleted files against
// /dev/null, colour only when asked or on a terminal without NO_COLOR,
// --stat, and the markdown view.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { useColour } from '../../src/cli/commands/diff.js';
import { cli, example, ok, requireTools, sh, snapshotTree, tempDir } from '../support/index.js';

const withoutManifests = (root: string) => new Map([...snapshotTree(root)].filter(([p]) => !p.endsWith('.lvsgen/manifest') && !p.startsWith('.lvsgen-')));

test('git apply of the diff turns the old render into the new one (new, deleted and re-moded files included)', async (t) => {
  if (!requireTools(t, 'git')) return;
  const dir = tempDir(t);
  const old = join(dir, 'old');
  const fresh = join(dir, 'new');
  ok(await cli('render', example('lb-nat'), '-o', old), 'render redhat');
  ok(await cli('render', example('lb-nat'), '-o', fresh, '--distro', 'debian12'), 'render debian12');
  const d = await cli('diff', example('lb-nat'), '--against', old, '--distro', 'debian12');
  assert.equal(d.status, 1, d.stderr);
  assert.match(d.stdout, /^--- \/dev\/null$/m);
  assert.match(d.stdout, /^\+\+\+ \/dev\/null$/m);
  assert.doesNotMatch(d.stdout, /manifest/);
  assert.doesNotMatch(d.stdout, /\x1b\[/, 'no colour when the output is not a terminal');
  writeFileSync(join(dir, 'change.diff'), d.stdout);
  const work = join(dir, 'work');
  cpSync(old, work, { recursive: true });
  ok(sh('git', ['apply', '--verbose', join(dir, 'change.diff')], { cwd: work }), 'git apply');
  assert.deepEqual(withoutManifests(work), withoutManifests(fresh));
});

test('colour: --color always or never wins; auto colours a terminal unless NO_COLOR is set and not empty', async (t) => {
  assert.equal(useColour('auto', true, {}), true);
  assert.equal(useColour('auto', true, { NO_COLOR: '1' }), false);
  assert.equal(useColour('auto', true, { NO_COLOR: '' }), true);
  assert.equal(useColour('auto', false, {}), false);
  assert.equal(useColour('always', false, { NO_COLOR: '1' }), true);
  assert.equal(useColour('never', true, {}), false);
  const out = join(tempDir(t), 'out');
  await cli('render', example('lb-nat'), '-o', out);
  const f = join(out, 'real1/etc/sysconfig/network-scripts/ifcfg-eth0');
  writeFileSync(f, readFileSync(f, 'utf8').replace('GATEWAY=192.168.6.1', 'GATEWAY=192.168.6.254'));
  const r = await cli('diff', example('lb-nat'), '--against', out, '--color', 'always');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /\x1b\[31m-GATEWAY=192\.168\.6\.254\x1b\[0m/);
  assert.match(r.stdout, /\x1b\[32m\+GATEWAY=192\.168\.6\.1\x1b\[0m/);
  const stat = await cli('diff', example('lb-nat'), '--against', out, '--stat');
  assert.equal(stat.status, 1);
  assert.match(stat.stdout, /^ {2}real1\/etc\/sysconfig\/network-scripts\/ifcfg-eth0 \| +2 \+-$/m);
  assert.match(stat.stdout, /^ 1 file changed, 1 insertions\(\+\), 1 deletions\(-\)$/m);
  assert.doesNotMatch(stat.stdout, /^@@/m, '--stat shows no hunks');
  assert.equal((await cli('diff', example('lb-nat'), '--against', out, '--stat', '--format', 'html')).status, 2, '--stat is for the text view');
});

test('markdown: a summary table, the pair order, and each host\'s diff in a fenced block', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'out');
  await cli('render', example('ha-cidr'), '-o', out);
  for (const n of ['node1', 'node2']) {
    const f = join(out, n, 'etc/ha.d/ha.cf');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^keepalive .*$/m, 'keepalive 5\n```'));
  }
  const r = await cli('diff', example('ha-cidr'), '--against', out, '--format', 'markdown');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^\| host \| files \| the installer then runs \|$/m);
  assert.match(r.stdout, /^\| \*\*node1\*\* .*\| changed \/etc\/ha\.d\/ha\.cf \| \*\*heartbeat\*\*/m);
  assert.match(r.stdout, /^\*\*Order:\*\* pair node2\/node1: change node2 \(standby\) first/m);
  // The file's own ``` cannot close the block: the fence is longer.
  assert.match(r.stdout, /^````diff\n[^]*?^-```\n[^]*?^````$/m);
  assert.equal(r.stderr, '');
});
