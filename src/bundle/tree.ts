// Bundles as trees of files: flatten them (DIR/<host>/<path>), mask secrets,
// read a tree back from disk, and compare two trees as unified diffs.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { HostBundle } from '../render/types.js';

// The diff library is loaded only when a difference is shown: render, validate
// and package never need it, and every process would pay for loading it.
type DiffModule = typeof import('diff');
let diffModule: DiffModule | undefined;
function createTwoFilesPatch(oldName: string, newName: string, oldText: string, newText: string): string {
  diffModule ??= createRequire(import.meta.url)('diff') as DiffModule;
  return diffModule.createTwoFilesPatch(oldName, newName, oldText, newText);
}

export interface TreeFile {
  content: string;
  mode: number;
  secret: boolean;
}

/** path relative to the tree root ('<host>/etc/sysctl.conf') -> file. */
export type Tree = Map<string, TreeFile>;

export const MASK = '********';

export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s !== '') out = out.split(s).join(MASK);
  return out;
}

export function treeOf(bundles: readonly HostBundle[]): Tree {
  const tree: Tree = new Map();
  for (const b of bundles) for (const f of b.files) tree.set(`${b.host}/${f.path}`, { content: f.content, mode: f.mode, secret: f.secret });
  return tree;
}

/** Read a tree from disk. Symlinks and special files are reported, never followed. */
export function readTree(root: string, skip: (rel: string) => boolean = () => false): { tree: Tree; odd: string[] } {
  const tree: Tree = new Map();
  const odd: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (skip(r)) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) {
        const st = lstatSync(join(root, r));
        tree.set(r, { content: readFileSync(join(root, r), 'utf8'), mode: st.mode & 0o7777, secret: false });
      } else odd.push(r);
    }
  };
  walk('');
  return { tree, odd };
}

export interface TreeDifference {
  path: string;
  kind: 'missing' | 'extra' | 'content' | 'mode';
  /** Unified diff, secrets masked; empty for mode-only differences. */
  patch: string;
  message: string;
}

/**
 * Differences from `have` (on disk) to `want` (generated). A file that holds
 * a secret in either tree is never shown: only that it differs.
 */
export function compareTrees(want: Tree, have: Tree, secrets: readonly string[], labels = { have: 'on disk', want: 'generated' }): TreeDifference[] {
  const out: TreeDifference[] = [];
  const paths = [...new Set([...want.keys(), ...have.keys()])].sort();
  for (const p of paths) {
    const w = want.get(p);
    const h = have.get(p);
    const secret = (w?.secret ?? false) || secrets.some((s) => s !== '' && (h?.content.includes(s) ?? false));
    const patch = (a: string, b: string) =>
      secret ? `--- ${p} differs (it holds a secret: content not shown)\n` : maskSecrets(createTwoFilesPatch(`${labels.have}/${p}`, `${labels.want}/${p}`, a, b), secrets);
    if (w === undefined) out.push({ path: p, kind: 'extra', patch: patch(h!.content, ''), message: `${p}: only in ${labels.have}` });
    else if (h === undefined) out.push({ path: p, kind: 'missing', patch: patch('', w.content), message: `${p}: missing from ${labels.have}` });
    else if (h.content !== w.content) out.push({ path: p, kind: 'content', patch: patch(h.content, w.content), message: `${p}: content differs` });
    else if (h.mode !== w.mode) {
      out.push({ path: p, kind: 'mode', patch: '', message: `${p}: mode is 0${h.mode.toString(8)}, generated 0${w.mode.toString(8)}` });
    }
  }
  return out;
}
