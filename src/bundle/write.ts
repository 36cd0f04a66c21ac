// Writing bundles to disk: DIR/<host>/<path> with modes kept.
//
// DIR is a symbolic link to a sibling directory `.DIR.lvsgen-<digest>` that
// holds the complete tree. A render builds the new tree beside the old one,
// then replaces the link with rename(2), which is atomic: whenever the process
// dies, DIR names either the previous complete tree or the new complete one,
// never a mix. Leftovers of an interrupted run are removed by the next one.
// Only output lvsgen wrote itself is ever replaced, and an unchanged tree is
// left untouched (no file rewritten, mtimes kept).
import { createHash } from 'node:crypto';
import {
  closeSync, existsSync, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Tree, TreeFile } from './tree.js';

export const MARKER = '.lvsgen-output';
const MARKER_TEXT = 'This directory is written by lvsgen render; it is replaced as a whole on each render.\n';

export class OutputError extends Error {}

export interface WriteResult {
  /** The directory holding the tree (the link's target). */
  dir: string;
  written: boolean;
}

const generationPrefix = (dir: string) => `.${basename(dir)}.lvsgen-`;

export function writeTree(tree: Tree, outDir: string): WriteResult {
  const link = resolve(outDir);
  const parent = dirname(link);
  mkdirSync(parent, { recursive: true });
  const current = currentGeneration(link, outDir);
  removeLeftovers(link, current);
  const entries = [...tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (current !== undefined && holdsExactly(current, tree)) return { dir: current, written: false };
  const target = join(parent, `${generationPrefix(link)}${digest(entries)}`);
  rmSync(target, { recursive: true, force: true });
  const building = `${target}.partial`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { mode: 0o755 });
  try {
    writeFileExclusive(join(building, MARKER), MARKER_TEXT, 0o644);
    // Directories made so far (the tree is fresh): one mkdir per directory, not one per file.
    const made = new Set<string>(['']);
    const makeDir = (rel: string): void => {
      if (made.has(rel)) return;
      makeDir(parentOf(rel));
      mkdirSync(join(building, rel), { mode: 0o755 });
      made.add(rel);
    };
    for (const [rel, f] of entries) {
      makeDir(parentOf(rel));
      writeFileExclusive(join(building, rel), f.content, f.mode);
    }
    renameSync(building, target);
    const tmpLink = `${link}.lvsgen-link`;
    rmSync(tmpLink, { force: true });
    symlinkSync(basename(target), tmpLink);
    if (current === undefined && existsSync(link)) {
      // An empty directory the user created for us: replace it.
      rmSync(link, { recursive: true });
    }
    renameSync(tmpLink, link);
  } catch (e) {
    rmSync(building, { recursive: true, force: true });
    throw e;
  }
  if (current !== undefined && current !== target) rmSync(current, { recursive: true, force: true });
  return { dir: target, written: true };
}

/**
 * The tree DIR holds now: the target of lvsgen's link, undefined when DIR is
 * absent or an empty directory. Anything else is not ours to replace.
 */
function currentGeneration(link: string, shown: string): string | undefined {
  let st;
  try {
    st = lstatSync(link);
  } catch {
    return undefined;
  }
  if (st.isSymbolicLink()) {
    const target = readlinkSync(link);
    const abs = resolve(dirname(link), target);
    if (target.includes('/') || !basename(abs).startsWith(generationPrefix(link)) || !existsSync(join(abs, MARKER))) {
      throw new OutputError(`${shown} is a symbolic link that lvsgen did not make; refusing to replace it`);
    }
    return abs;
  }
  if (!st.isDirectory()) throw new OutputError(`${shown} exists and is not a directory`);
  if (readdirSync(link).length > 0) {
    throw new OutputError(`${shown} is not empty and was not written by lvsgen; refusing to replace it`);
  }
  return undefined;
}

/** Generations and partial trees of earlier, interrupted runs. */
function removeLeftovers(link: string, keep: string | undefined): void {
  const parent = dirname(link);
  const prefix = generationPrefix(link);
  for (const e of readdirSync(parent)) {
    const p = join(parent, e);
    if ((e.startsWith(prefix) && p !== keep) || e === `${basename(link)}.lvsgen-link`) rmSync(p, { recursive: true, force: true });
  }
}

/** 'a/b/c' -> 'a/b'; 'c' -> ''. */
function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? '' : rel.slice(0, i);
}

function digest(entries: ReadonlyArray<readonly [string, TreeFile]>): string {
  const h = createHash('sha256');
  for (const [p, f] of entries) h.update(`${p}\0${f.mode}\0${f.content.length}\0`).update(f.content);
  return h.digest('hex').slice(0, 16);
}

/**
 * Whether `dir` holds exactly `tree` (lvsgen's marker aside): the same regular
 * files with the same bytes and modes, and nothing else but directories.
 * Stops at the first difference; a link or special file is one.
 */
function holdsExactly(dir: string, tree: Tree): boolean {
  let found = 0;
  const walk = (rel: string): boolean => {
    for (const e of readdirSync(rel === '' ? dir : join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (r === MARKER) continue;
      if (e.isDirectory()) {
        if (!walk(r)) return false;
        continue;
      }
      if (!e.isFile()) return false;
      const want = tree.get(r);
      if (want === undefined) return false;
      const path = join(dir, r);
      const st = lstatSync(path);
      if (!st.isFile() || (st.mode & 0o7777) !== want.mode || st.size !== Buffer.byteLength(want.content)) return false;
      if (!readFileSync(path).equals(Buffer.from(want.content))) return false;
      found++;
    }
    return true;
  };
  return walk('') && found === tree.size;
}

/** 'wx' refuses to follow or overwrite anything planted at the path. */
function writeFileExclusive(path: string, content: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, content);
    // openSync's mode is filtered by the umask; set the exact bits.
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}
