// Writing bundles to disk: DIR/<host>/<path> with modes kept, as a plain
// directory a repository can hold (no links, no digest names).
//
// DIR is updated in place: a file whose bytes and mode are already right is
// left alone (inode and mtime kept), a changed one is replaced, one the tree
// no longer has is deleted. An unchanged render touches nothing at all.
//
// Interruption (the process killed, not the machine losing power: nothing is
// fsync'ed) is handled with a redo journal under DIR/.lvsgen-pending/:
//   1. every new or changed file is written whole into .lvsgen-pending/ (a
//      run killed here left DIR as it was: the next run deletes the folder);
//   2. .lvsgen-pending/journal is written beside, then renamed into place:
//      that rename is the commit point;
//   3. the journal is applied: the paths to delete, then each staged file
//      renamed over its place (rename(2) replaces a file atomically);
//   4. the journal is deleted, then the folder.
// Every step of 3 can be repeated: a run that finds a journal applies it
// again before anything else, so DIR is completed to the render that wrote
// it, then brought to the new one. Whoever reads DIR in between (lvsgen diff
// does) sees the journal and can say that a render was interrupted.
//
// Only output lvsgen wrote itself (its marker file inside) or an empty
// directory is ever changed. The output of earlier lvsgen versions, a symbolic link
// to a hidden `.DIR.lvsgen-<digest>` directory, is turned into a plain
// directory first (see migrateLinkForm).
import {
  closeSync, existsSync, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, unlinkSync, writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Tree } from './tree.js';

export const MARKER = '.lvsgen-output';
export const PENDING = '.lvsgen-pending';
export const JOURNAL = 'journal';
const MARKER_TEXT = 'This directory is written by lvsgen render and updated in place by the next one.\n';

/** lvsgen's own entries at the top of DIR: never part of the tree. */
export function isWriterEntry(rel: string): boolean {
  return rel === MARKER || rel === PENDING || rel.startsWith(`${PENDING}/`);
}

export class OutputError extends Error {}

export interface WriteResult {
  /** The output directory. */
  dir: string;
  written: boolean;
  /** Paths (relative to DIR) written, and deleted, by this run. */
  changed: string[];
  removed: string[];
}

/** What a journal holds: paths relative to DIR. */
interface Journal {
  version: 1;
  /** Deleted first (a file, a link, or a whole directory). */
  remove: string[];
  /** Then each `.lvsgen-pending/<staged>` renamed to `path`. */
  put: Array<{ path: string; staged: string }>;
}

/**
 * Called before every change to the filesystem with a step number (tests use
 * it to kill the process at each step in turn).
 */
export type StepHook = (step: number) => void;

export function writeTree(tree: Tree, outDir: string, hook: StepHook = () => {}): WriteResult {
  const out = resolve(outDir);
  let steps = 0;
  const step = (): void => hook(steps++);
  checkTree(tree);
  mkdirSync(dirname(out), { recursive: true });
  migrateLinkForm(out, outDir, step);
  const fresh = claim(out, outDir);
  if (fresh) {
    step();
    mkdirSync(out, { recursive: true, mode: 0o755 });
    step();
    writeFileExclusive(join(out, MARKER), MARKER_TEXT, 0o644);
  }
  recover(out, step);

  const journal = plan(out, tree);
  if (journal.remove.length === 0 && journal.put.length === 0) return { dir: out, written: false, changed: [], removed: [] };

  const pending = join(out, PENDING);
  step();
  mkdirSync(pending, { mode: 0o700 });
  for (const p of journal.put) {
    const f = tree.get(p.path)!;
    step();
    writeFileExclusive(join(pending, p.staged), f.content, f.mode);
  }
  step();
  writeFileExclusive(join(pending, `${JOURNAL}.tmp`), `${JSON.stringify(journal)}\n`, 0o600);
  step();
  renameSync(join(pending, `${JOURNAL}.tmp`), join(pending, JOURNAL));
  apply(out, journal, step);
  return { dir: out, written: true, changed: journal.put.map((p) => p.path), removed: journal.remove };
}

/** A path that is both a file and a directory cannot be written: refused before anything is touched. */
function checkTree(tree: Tree): void {
  for (const p of tree.keys()) {
    if (p === '' || p.startsWith('/') || p.split('/').some((s) => s === '' || s === '.' || s === '..') || isWriterEntry(p)) {
      throw new Error(`internal: unsafe tree path ${JSON.stringify(p)}`);
    }
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) {
      if (tree.has(p.slice(0, i))) throw new Error(`internal: ${p.slice(0, i)} is both a file and a directory`);
    }
  }
}

/**
 * Whether DIR is ours to write: true when it must be made (absent), false
 * when it holds lvsgen's marker or is an empty directory. Anything else is refused.
 */
function claim(out: string, shown: string): boolean {
  let st;
  try {
    st = lstatSync(out);
  } catch {
    return true;
  }
  if (st.isSymbolicLink()) throw new OutputError(`${shown} is a symbolic link that lvsgen did not make; refusing to replace it`);
  if (!st.isDirectory()) throw new OutputError(`${shown} exists and is not a directory`);
  const entries = readdirSync(out);
  if (entries.length === 0) {
    // An empty directory the user made for us.
    writeFileExclusive(join(out, MARKER), MARKER_TEXT, 0o644);
    return false;
  }
  if (!entries.includes(MARKER) || !lstatSync(join(out, MARKER)).isFile()) {
    throw new OutputError(`${shown} is not empty and was not written by lvsgen; refusing to replace it`);
  }
  return false;
}

const oldPrefix = (out: string) => `.${basename(out)}.lvsgen-`;
const OLD_GENERATION = /^[0-9a-f]{16}$/;

/**
 * The link form of earlier versions: DIR a symbolic link to `.DIR.lvsgen-<digest>`
 * beside it. The link is deleted and the directory renamed to DIR; killed
 * between the two, the next run finds DIR absent and the directory still
 * there, and renames it then. Partial trees and other generations go.
 */
function migrateLinkForm(out: string, shown: string, step: () => void): void {
  const parent = dirname(out);
  const prefix = oldPrefix(out);
  let st;
  try {
    st = lstatSync(out);
  } catch {
    st = undefined;
  }
  let keep: string | undefined;
  if (st?.isSymbolicLink()) {
    const target = readlinkSync(out);
    const name = basename(target);
    if (target.includes('/') || !name.startsWith(prefix) || !OLD_GENERATION.test(name.slice(prefix.length)) || !isDir(join(parent, name)) || !existsSync(join(parent, name, MARKER))) {
      throw new OutputError(`${shown} is a symbolic link that lvsgen did not make; refusing to replace it`);
    }
    keep = name;
  } else if (st === undefined) {
    keep = readdirSync(parent).find((e) => e.startsWith(prefix) && OLD_GENERATION.test(e.slice(prefix.length)) && isDir(join(parent, e)) && existsSync(join(parent, e, MARKER)));
  }
  // Leftovers of the link form: never followed (a link is deleted as a link).
  for (const e of readdirSync(parent)) {
    if ((e.startsWith(prefix) && e !== keep) || e === `${basename(out)}.lvsgen-link`) {
      step();
      rmSync(join(parent, e), { recursive: true, force: true });
    }
  }
  if (keep === undefined) return;
  if (st !== undefined) {
    step();
    unlinkSync(out);
  }
  step();
  renameSync(join(parent, keep), out);
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * An interrupted run: applied again when its journal was committed, else its
 * staged files deleted. writeTree does this first; exported for the tests.
 */
export function recover(out: string, step: () => void = () => {}): void {
  const pending = join(out, PENDING);
  let st;
  try {
    st = lstatSync(pending);
  } catch {
    return;
  }
  if (st.isDirectory() && existsSync(join(pending, JOURNAL))) {
    const journal = readJournal(join(pending, JOURNAL));
    if (journal !== undefined) {
      apply(out, journal, step);
      return;
    }
  }
  step();
  rmSync(pending, { recursive: true, force: true });
}

function readJournal(path: string): Journal | undefined {
  let j: Journal;
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as Journal;
  } catch {
    return undefined;
  }
  // It sits in DIR, where anyone who can write DIR could edit it: only plain relative paths are followed.
  const safe = (p: unknown) => typeof p === 'string' && p !== '' && !p.startsWith('/') && !p.split('/').some((s) => s === '' || s === '.' || s === '..') && !isWriterEntry(p);
  const ok = j?.version === 1 && Array.isArray(j.remove) && Array.isArray(j.put)
    && j.remove.every(safe) && j.put.every((e) => safe(e?.path) && typeof e.staged === 'string' && /^[0-9]+$/.test(e.staged));
  return ok ? j : undefined;
}

/** Step 3 and 4: each operation can be repeated after an interruption. */
function apply(out: string, journal: Journal, step: () => void): void {
  const pending = join(out, PENDING);
  // Removals all come before the first rename: once a staged file is gone they
  // are done, and doing them again would delete new files (a removed file's
  // path can be the new one's, or its directory).
  const removed = journal.put.some((p) => !existsSync(join(pending, p.staged)));
  if (!removed) {
    for (const rel of journal.remove) {
      step();
      rmSync(join(out, rel), { recursive: true, force: true });
    }
  }
  for (const p of journal.put) {
    const from = join(pending, p.staged);
    if (!existsSync(from)) continue;
    makeParents(out, p.path, step);
    step();
    renameSync(from, join(out, p.path));
  }
  step();
  rmSync(join(pending, JOURNAL), { force: true });
  step();
  rmSync(pending, { recursive: true, force: true });
}

/** mkdir of each missing parent of `rel` under `out`; what is in the way was removed by the journal. */
function makeParents(out: string, rel: string, step: () => void): void {
  const parts = rel.split('/').slice(0, -1);
  let p = out;
  for (const s of parts) {
    p = join(p, s);
    if (isDir(p)) continue;
    step();
    mkdirSync(p, { mode: 0o755 });
  }
}

/**
 * What it takes to bring DIR to `tree`: every entry on disk that the tree does
 * not hold as it is (a link or special file, a directory where a file goes, a
 * directory nothing goes under) is removed, and every file that is missing or
 * differs in bytes or mode is written.
 */
function plan(out: string, tree: Tree): Journal {
  const dirsWanted = new Set<string>();
  for (const p of tree.keys()) for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) dirsWanted.add(p.slice(0, i));
  const remove: string[] = [];
  const same = new Set<string>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(rel === '' ? out : join(out, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (rel === '' && (e.name === MARKER || e.name === PENDING)) continue;
      if (e.isDirectory()) {
        if (dirsWanted.has(r)) walk(r);
        else remove.push(r);
        continue;
      }
      const want = tree.get(r);
      if (!e.isFile() || want === undefined) {
        remove.push(r);
        continue;
      }
      if (holds(join(out, r), want.content, want.mode)) same.add(r);
      else remove.push(r);
    }
  };
  walk('');
  const put = [...tree.keys()].filter((p) => !same.has(p)).sort().map((path, i) => ({ path, staged: String(i) }));
  // A changed file is replaced by the rename alone: it need not be deleted first.
  const putPaths = new Set(put.map((p) => p.path));
  return { version: 1, remove: remove.filter((r) => !(putPaths.has(r) && isFile(join(out, r)))), put };
}

function isFile(p: string): boolean {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
}

function holds(path: string, content: string, mode: number): boolean {
  const st = lstatSync(path);
  if (!st.isFile() || (st.mode & 0o7777) !== mode || st.size !== Buffer.byteLength(content)) return false;
  return readFileSync(path).equals(Buffer.from(content));
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
