// Writing bundles to disk: DIR/<host>/<path> with modes kept, built in a
// temporary sibling and renamed into place, so a failure never leaves a
// partial DIR. Only a directory lvsgen wrote itself (it holds the marker) is
// ever replaced; an unchanged tree is left untouched.
import { chmodSync, closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { compareTrees, readTree, type Tree } from './tree.js';

export const MARKER = '.lvsgen-output';
const MARKER_TEXT = 'This directory is written by lvsgen render; it is replaced as a whole on each render.\n';

export class OutputError extends Error {}

export interface WriteResult {
  dir: string;
  written: boolean;
}

export function writeTree(tree: Tree, outDir: string): WriteResult {
  const dir = resolve(outDir);
  recoverInterrupted(dir);
  if (existsSync(dir)) {
    const st = lstatSync(dir);
    if (!st.isDirectory()) throw new OutputError(`${outDir} exists and is not a directory`);
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new OutputError(`${outDir} is not empty and was not written by lvsgen (no ${MARKER}); refusing to replace it`);
    }
    if (entries.includes(MARKER)) {
      const { tree: have, odd } = readTree(dir, (r) => r === MARKER);
      if (odd.length === 0 && compareTrees(tree, have, []).length === 0) return { dir, written: false };
    }
  }
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, `.${basename(dir)}.lvsgen-new-`));
  try {
    writeFileExclusive(join(tmp, MARKER), MARKER_TEXT, 0o644);
    for (const [rel, f] of [...tree.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const target = join(tmp, rel);
      mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
      writeFileExclusive(target, f.content, f.mode);
    }
    swapInto(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { dir, written: true };
}

/** 'wx' refuses to follow or overwrite anything planted at the path. */
function writeFileExclusive(path: string, content: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // openSync's mode is filtered by the umask; set the exact bits.
  chmodSync(path, mode);
}

/** Replace `dir` by `tmp`: the old tree is moved aside first, then removed. */
function swapInto(tmp: string, dir: string): void {
  const old = `${dir}.lvsgen-old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** A run killed between the two renames left only `dir.lvsgen-old`: put it back. */
function recoverInterrupted(dir: string): void {
  const old = `${dir}.lvsgen-old`;
  if (existsSync(old) && !existsSync(dir)) renameSync(old, dir);
  else if (existsSync(old)) rmSync(old, { recursive: true, force: true });
  for (const e of existsSync(dirname(dir)) ? readdirSync(dirname(dir)) : []) {
    if (e.startsWith(`.${basename(dir)}.lvsgen-new-`)) rmSync(join(dirname(dir), e), { recursive: true, force: true });
  }
}
