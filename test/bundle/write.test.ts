// The writer (src/bundle/write.ts): a plain directory updated in place, an
// unchanged render touching nothing, the link form of earlier versions
// migrated, and a write killed before each of its steps in turn: the next
// write always brings the directory to exactly the tree it was asked for.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Tree } from '../../src/bundle/tree.js';
import { isWriterEntry, JOURNAL, MARKER, PENDING, recover, writeTree } from '../../src/bundle/write.js';
import { REPO, tempDir } from '../support/index.js';

const file = (content: string, mode = 0o644) => ({ content, mode, secret: false });

/** Before: every kind of change the writer meets has something to change. */
const OLD: Tree = new Map([
  ['a/etc/kept', file('same\n')],
  ['a/etc/changed', file('old\n')],
  ['a/etc/mode', file('mode\n', 0o644)],
  ['a/etc/gone', file('removed\n')],
  ['a/dir-becomes-file/x', file('x\n')],
  ['a/file-becomes-dir', file('f\n')],
  ['a/whole/dir/goes', file('g\n')],
  ['b/secret', file('s\n', 0o600)],
]);
const NEW: Tree = new Map([
  ['a/etc/kept', file('same\n')],
  ['a/etc/changed', file('new, and longer\n')],
  ['a/etc/mode', file('mode\n', 0o755)],
  ['a/etc/added', file('added\n')],
  ['a/dir-becomes-file', file('now a file\n')],
  ['a/file-becomes-dir/y', file('y\n')],
  ['b/secret', file('s\n', 0o600)],
  ['c/new-host/file', file('n\n')],
]);

/** The directory holds exactly `tree` (lvsgen's marker aside): files, bytes, modes, and no other file or directory. */
function assertHolds(out: string, tree: Tree, what: string): void {
  const found = new Map<string, { content: string; mode: number }>();
  const dirs: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(rel === '' ? out : join(out, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (isWriterEntry(r)) continue;
      const st = lstatSync(join(out, r));
      if (st.isDirectory()) {
        dirs.push(r);
        walk(r);
      } else {
        assert.ok(st.isFile(), `${what}: ${r} is not a regular file`);
        found.set(r, { content: readFileSync(join(out, r), 'utf8'), mode: st.mode & 0o7777 });
      }
    }
  };
  walk('');
  assert.deepEqual(new Map([...found].sort()), new Map([...tree].map(([p, f]) => [p, { content: f.content, mode: f.mode }] as const).sort()), what);
  for (const d of dirs) assert.ok([...tree.keys()].some((p) => p.startsWith(`${d}/`)), `${what}: ${d} is a directory nothing is written under`);
}

/** path -> "inode mtime" of every entry, directories included. */
function stamps(out: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (rel: string): void => {
    const st = lstatSync(rel === '' ? out : join(out, rel), { bigint: true });
    m.set(rel, `${st.ino} ${st.mtimeNs} ${st.mode}`);
    if (st.isDirectory()) for (const e of readdirSync(rel === '' ? out : join(out, rel))) walk(rel === '' ? e : `${rel}/${e}`);
  };
  walk('');
  return m;
}

test('a fresh render is a plain directory: no link, no digest names, modes kept', (t) => {
  const out = join(tempDir(t), 'out');
  assert.equal(writeTree(OLD, out).written, true);
  assert.ok(lstatSync(out).isDirectory());
  assert.deepEqual(readdirSync(join(out, '..')), ['out']);
  assertHolds(out, OLD, 'fresh');
  assert.deepEqual(readdirSync(out).sort(), [MARKER, 'a', 'b']);
});

test('an unchanged render touches nothing: every inode and mtime kept, directories included', (t) => {
  const out = join(tempDir(t), 'out');
  writeTree(OLD, out);
  const before = stamps(out);
  const r = writeTree(OLD, out);
  assert.equal(r.written, false);
  assert.deepEqual(stamps(out), before);
});

test('a changed render rewrites only what changed and deletes what the tree no longer has', (t) => {
  const out = join(tempDir(t), 'out');
  writeTree(OLD, out);
  const before = stamps(out);
  const r = writeTree(NEW, out);
  assertHolds(out, NEW, 'after the change');
  assert.deepEqual(r.changed.sort(), ['a/dir-becomes-file', 'a/etc/added', 'a/etc/changed', 'a/etc/mode', 'a/file-becomes-dir/y', 'c/new-host/file']);
  assert.deepEqual(r.removed.sort(), ['a/dir-becomes-file', 'a/etc/gone', 'a/file-becomes-dir', 'a/whole']);
  const after = stamps(out);
  for (const kept of ['a/etc/kept', 'b/secret', 'b', MARKER]) assert.equal(after.get(kept), before.get(kept), `${kept} was not touched`);
  assert.notEqual(after.get('a/etc/changed'), before.get('a/etc/changed'));
  assert.ok(!existsSync(join(out, PENDING)));
});

test('planted links and files in the output are removed, never followed', (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'out');
  writeTree(OLD, out);
  mkdirSync(join(dir, 'victim'));
  writeFileSync(join(dir, 'victim/kept'), 'precious\n');
  rmSync(join(out, 'a/etc'), { recursive: true });
  symlinkSync(join(dir, 'victim'), join(out, 'a/etc'));
  writeFileSync(join(out, 'stray'), 'not in the tree\n');
  writeTree(NEW, out);
  assertHolds(out, NEW, 'after planted links');
  assert.deepEqual(readdirSync(join(dir, 'victim')), ['kept']);
  assert.equal(readFileSync(join(dir, 'victim/kept'), 'utf8'), 'precious\n');
});

test('the link form of earlier versions is migrated to a plain directory, also when the migration was interrupted', (t) => {
  for (const interrupted of [false, true]) {
    const dir = tempDir(t);
    const gen = join(dir, '.out.lvsgen-0123456789abcdef');
    mkdirSync(gen);
    writeFileSync(join(gen, MARKER), 'old marker\n');
    mkdirSync(join(gen, 'a/etc'), { recursive: true });
    writeFileSync(join(gen, 'a/etc/kept'), 'same\n');
    mkdirSync(join(dir, '.out.lvsgen-fedcba9876543210.partial'));
    symlinkSync('.out.lvsgen-fedcba9876543210.partial', join(dir, 'out.lvsgen-link'));
    if (!interrupted) symlinkSync('.out.lvsgen-0123456789abcdef', join(dir, 'out'));
    const ino = lstatSync(join(gen, 'a/etc/kept')).ino;
    writeTree(NEW, join(dir, 'out'));
    assert.deepEqual(readdirSync(dir), ['out'], 'the link and every hidden generation are gone');
    assert.ok(lstatSync(join(dir, 'out')).isDirectory());
    assertHolds(join(dir, 'out'), NEW, `migrated (interrupted: ${interrupted})`);
    assert.equal(lstatSync(join(dir, 'out/a/etc/kept')).ino, ino, 'the unchanged file of the old generation is kept as it was');
  }
});

test('a directory lvsgen did not write is refused; an empty one is taken', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'mine'));
  writeFileSync(join(dir, 'mine/notes'), 'keep\n');
  assert.throws(() => writeTree(NEW, join(dir, 'mine')), /not written by lvsgen/);
  assert.deepEqual(readdirSync(join(dir, 'mine')), ['notes']);
  mkdirSync(join(dir, 'empty'));
  writeTree(NEW, join(dir, 'empty'));
  assertHolds(join(dir, 'empty'), NEW, 'an empty directory');
});

const CHILD = join(REPO, 'dist/test/support/write-child.js');
function child(tree: Tree, out: string, killAt: number, dir: string) {
  const treeFile = join(dir, `tree-${killAt}.json`);
  writeFileSync(treeFile, JSON.stringify([...tree].map(([p, f]) => [p, { content: f.content, mode: f.mode }])));
  return spawnSync(process.execPath, [CHILD, treeFile, out, String(killAt)], { encoding: 'utf8' });
}

test('killed before each of its steps in turn, a write leaves a whole tree or a journal, and the next write completes it or goes back', (t) => {
  const dir = tempDir(t);
  const base = join(dir, 'base');
  writeTree(OLD, base);
  cpSync(base, join(dir, 'count'), { recursive: true });
  const full = child(NEW, join(dir, 'count'), -1, dir);
  assert.equal(full.status, 0, full.stderr);
  const total = Number(full.stdout.trim());
  assert.ok(total > 20, `a write of this change takes ${total} steps`);
  let journals = 0;
  for (let k = 0; k < total; k++) {
    for (const next of [NEW, OLD]) {
      const out = join(dir, `out-${k}`);
      rmSync(out, { recursive: true, force: true });
      cpSync(base, out, { recursive: true });
      const r = child(NEW, out, k, dir);
      assert.equal(r.signal, 'SIGKILL', `step ${k}: the child was killed (${r.stderr})`);
      const committed = existsSync(join(out, PENDING, JOURNAL));
      if (committed) {
        journals++;
        // The journal alone completes the interrupted write.
        const copy = `${out}-recovered`;
        rmSync(copy, { recursive: true, force: true });
        cpSync(out, copy, { recursive: true });
        recover(copy);
        assertHolds(copy, NEW, `killed at step ${k}, then recovered from the journal`);
      }
      // Without a journal the directory holds one whole tree: the old one, or the new one once the journal is done.
      else {
        const whole = [OLD, NEW].filter((tree) => {
          try {
            assertHolds(out, tree, '');
            return true;
          } catch {
            return false;
          }
        });
        assert.equal(whole.length, 1, `killed at step ${k}: no journal, and the directory is neither whole tree`);
      }
      writeTree(next, out);
      assertHolds(out, next, `killed at step ${k}, then written again (${next === NEW ? 'new' : 'old'} tree)`);
      assert.ok(!existsSync(join(out, PENDING)));
    }
  }
  t.diagnostic(`${total} steps; ${journals / 2} kills left a committed journal`);
  assert.ok(journals > 0);
});
