// Turn PackageEntry[] into the sorted file tree every writer serialises:
// validated paths, explicit modes, and every implied parent directory.

import type { PackageEntry } from './types.js';
import { splitUstarName } from './ustar.js';

/** A node of the package tree: a directory or a regular file. */
export interface TreeNode {
  path: string;
  kind: 'dir' | 'file';
  /** Permission bits only (0o755 for implied directories). */
  mode: number;
  content: Buffer;
}

/** Mode of every implied directory (the brief and dpkg-deb both use 0755). */
export const DIR_MODE = 0o755;

// Portable, shell- and conffile-safe characters only: conffiles and md5sums
// are whitespace-separated lists (deb-conffiles(5), deb-md5sums(5)), and we
// write no pax headers, so ustar names stay ASCII.
const SEGMENT = /^[A-Za-z0-9._+@,:=%~-]+$/;

/** Problems with one entry path, each prefixed with where it was found. */
function pathProblems(where: string, path: string): string[] {
  if (path.startsWith('/')) return [`${where}: path must be relative, got '${path}'`];
  const segments = path.split('/');
  for (const seg of segments) {
    if (seg === '' || seg === '.' || seg === '..') {
      return [`${where}: path '${path}' has an empty, '.' or '..' segment`];
    }
    if (!SEGMENT.test(seg)) {
      return [`${where}: path '${path}' has a character outside [A-Za-z0-9._+@,:=%~-]`];
    }
  }
  // The .deb stores './path/' for directories: the longest name any writer uses.
  if (splitUstarName(`./${path}/`) === null) {
    return [`${where}: path '${path}' does not fit a ustar name (100) + prefix (155)`];
  }
  return [];
}

/** Mode must be plain permission bits, readable by the owner (no setuid/sticky). */
function modeProblems(where: string, mode: number): string[] {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    return [`${where}: mode must be an integer within 0..0o777, got ${mode}`];
  }
  if ((mode & 0o400) === 0) return [`${where}: mode ${mode.toString(8)} is not readable by its owner`];
  return [];
}

/** Every problem with the entries, e.g. 'entries[2].path: ...'. Empty when valid. */
export function validateEntries(entries: readonly PackageEntry[]): string[] {
  const problems: string[] = [];
  const files = new Set<string>();
  entries.forEach((e, i) => {
    problems.push(...pathProblems(`entries[${i}].path`, e.path));
    problems.push(...modeProblems(`entries[${i}].mode`, e.mode));
    if (!Buffer.isBuffer(e.content)) problems.push(`entries[${i}].content: must be a Buffer`);
    if (files.has(e.path)) problems.push(`entries[${i}].path: duplicate path '${e.path}'`);
    files.add(e.path);
  });
  for (const f of files) {
    for (const dir of parentDirs(f)) {
      if (files.has(dir)) problems.push(`entries: '${dir}' is a file but also the parent of '${f}'`);
    }
  }
  return problems;
}

/** 'a/b/c' -> ['a', 'a/b'] */
export function parentDirs(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/**
 * Byte order of ASCII paths. A parent always sorts before its children because
 * it is a prefix of them; rpm also needs the file arrays in this strcmp order
 * (rpm's format.md: the file arrays are sorted by path).
 */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted tree with every parent directory. Call validateEntries first. */
export function buildTree(entries: readonly PackageEntry[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const e of entries) {
    for (const dir of parentDirs(e.path)) {
      if (!nodes.has(dir)) nodes.set(dir, { path: dir, kind: 'dir', mode: DIR_MODE, content: Buffer.alloc(0) });
    }
    nodes.set(e.path, { path: e.path, kind: 'file', mode: e.mode, content: e.content });
  }
  return [...nodes.values()].sort((a, b) => comparePaths(a.path, b.path));
}

/** The paths that are configuration: everything under etc/ plus the extras. */
export function configPaths(entries: readonly PackageEntry[], extra: readonly string[] = []): Set<string> {
  const out = new Set(extra);
  for (const e of entries) if (e.path.startsWith('etc/')) out.add(e.path);
  return out;
}

/** Problems with a list of extra conffiles: each must name one of the entries. */
export function conffileProblems(entries: readonly PackageEntry[], extra: readonly string[]): string[] {
  const paths = new Set(entries.map((e) => e.path));
  return extra
    .map((p, i) => (paths.has(p) ? '' : `conffiles[${i}]: '${p}' is not one of the entries`))
    .filter((p) => p !== '');
}
