// Unified diff hunks of one file change, shared by the text, markdown and
// HTML views. The diff library is loaded only when a difference is shown:
// render, validate and package never need it.
import { createRequire } from 'node:module';
import type { FileChange } from './changes.js';

type DiffModule = typeof import('diff');
let diffModule: DiffModule | undefined;

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Each line with its prefix: ' ', '-', '+', or '\' (no newline at end of file). */
  lines: string[];
}

export function hunksOf(f: FileChange): Hunk[] {
  diffModule ??= createRequire(import.meta.url)('diff') as DiffModule;
  return diffModule.structuredPatch('a', 'b', f.old, f.new, '', '', { context: 3 }).hunks;
}

/** `--- a/HOST/PATH` and `+++ b/HOST/PATH`, /dev/null for the side that does not exist (as git writes them). */
export function fileNames(host: string, f: FileChange): { old: string; new: string } {
  const name = `${host}${f.path.startsWith('/') ? '' : '/'}${f.path}`;
  return { old: f.kind === 'added' ? '/dev/null' : `a/${name}`, new: f.kind === 'removed' ? '/dev/null' : `b/${name}` };
}

/** An empty side starts at line 0, as diff -u and git write it (`@@ -0,0 +1,3 @@` for a new file). */
export const hunkHeader = (h: Hunk) => `@@ -${h.oldLines === 0 ? 0 : h.oldStart},${h.oldLines} +${h.newLines === 0 ? 0 : h.newStart},${h.newLines} @@`;

export const octal = (m: number) => `0${m.toString(8)}`;

/** Insertions and deletions of a change, as `--stat` counts them. */
export function lineCounts(f: FileChange): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const h of hunksOf(f)) {
    for (const l of h.lines) {
      if (l[0] === '+') added++;
      else if (l[0] === '-') removed++;
    }
  }
  return { added, removed };
}
