// Golden trees: golden/<example>/<distro>/<host>/<path>, mirroring each host's
// filesystem, plus MODES (git keeps no modes) listing every file's mode; the
// static installer is left out (test/golden checks each bundle's copy).
// Secrets are stored masked. Updating is always explicit (make golden).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { INSTALLER } from '../render/types.js';
import { compareTrees, maskSecrets, readTree, type Tree, type TreeDifference } from './tree.js';

export const MODES_FILE = 'MODES';

export function goldenTree(tree: Tree, secrets: readonly string[]): Tree {
  const out: Tree = new Map();
  const modes: string[] = ['# mode path: the permission bits of every file in this golden tree'];
  for (const [p, f] of [...tree.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // The installer is one static program (distros/_shared/install.sh), the same
    // in every bundle: golden trees hold the plans it reads, not copies of it.
    if (p.endsWith(`/${INSTALLER}`)) continue;
    out.set(p, { content: maskSecrets(f.content, secrets), mode: 0o644, secret: false });
    modes.push(`0${f.mode.toString(8)} ${p}`);
  }
  out.set(MODES_FILE, { content: `${modes.join('\n')}\n`, mode: 0o644, secret: false });
  return out;
}

/** Differences between a golden directory and what the code generates now. */
export function compareGolden(dir: string, tree: Tree, secrets: readonly string[]): TreeDifference[] {
  let have: Tree;
  try {
    have = readTree(dir).tree;
  } catch {
    have = new Map();
  }
  // Modes on disk are git's business; MODES holds the real ones.
  for (const f of have.values()) f.mode = 0o644;
  return compareTrees(goldenTree(tree, secrets), have, [], { have: 'golden', want: 'generated' });
}

export function writeGolden(dir: string, tree: Tree, secrets: readonly string[]): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [p, f] of goldenTree(tree, secrets)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), f.content);
  }
}
