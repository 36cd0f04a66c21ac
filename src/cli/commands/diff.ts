// `lvsgen diff TOPOLOGY --against DIR`: unified diffs between what would be
// generated and DIR (a render, a golden tree, a copy of hosts' files).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { compareGolden, MODES_FILE } from '../../bundle/golden.js';
import { compareTrees, readTree, treeOf, type Tree, type TreeDifference } from '../../bundle/tree.js';
import { isWriterEntry, JOURNAL, PENDING } from '../../bundle/write.js';
import { distros, generate } from '../generate.js';
import { inTopologyFile, printWarnings, UsageError, type Io } from '../io.js';

interface DiffArgs {
  topology: string;
  against: string;
  distro?: string;
}

/**
 * What diff prints: the patches (stdout) and a summary (stderr), '' when
 * nothing differs. stdout always ends a line before the summary: on a
 * terminal both streams share the screen, and the summary must not trail the
 * last patch's final line.
 */
export function diffReport(diffs: readonly TreeDifference[]): { out: string; summary: string } {
  let out = diffs.map((d) => (d.patch !== '' ? d.patch : `${d.message}\n`)).join('');
  if (out !== '' && !out.endsWith('\n')) out += '\n';
  const summary = diffs.length === 0 ? '' : diffs.length === 1 ? '1 file differs\n' : `${diffs.length} files differ\n`;
  return { out, summary };
}

/**
 * Without the heartbeat key the generated files that hold it carry a stand-in:
 * their content differences say nothing and are left out (named in `skipped`);
 * a file missing, extra or with another mode still counts.
 */
export function withoutStandIn(diffs: readonly TreeDifference[], tree: Tree, standIn: string | undefined): { diffs: TreeDifference[]; skipped: string[] } {
  if (standIn === undefined) return { diffs: [...diffs], skipped: [] };
  const holds = (p: string) => tree.get(p)?.content.includes(standIn) ?? false;
  return { diffs: diffs.filter((d) => !(d.kind === 'content' && holds(d.path))), skipped: diffs.filter((d) => d.kind === 'content' && holds(d.path)).map((d) => d.path) };
}

/** `onDiffer` is called when something differs: main then exits with EXIT.differ. */
export function diffCommand(io: Io, onDiffer: () => void): CommandModule<object, DiffArgs> {
  return {
    command: 'diff <topology>',
    describe: 'Unified diffs between what would be generated and a tree (a render, a golden tree, a copy of host files); exit 1 when they differ.',
    builder: (y) =>
      y
        .positional('topology', { type: 'string', demandOption: true })
        .option('against', { type: 'string', demandOption: true, describe: 'Directory to compare with: <host>/<path> inside' })
        .option('distro', { type: 'string', choices: [...distros().keys()], describe: 'Override every host\'s distro' }),
    handler: (a) => {
      // A key source that is not there is a warning: the files that hold the key are then not compared.
      const g = inTopologyFile(a.topology, () => generate(a.topology, { ...(a.distro !== undefined ? { distro: a.distro } : {}), missingSecret: 'warning' }));
      if (!existsSync(a.against)) throw new UsageError(`--against ${a.against}: no such directory`);
      printWarnings(io, a.topology, g.warnings);
      if (existsSync(join(a.against, PENDING, JOURNAL))) {
        io.err(`${a.against}: holds an interrupted render (lvsgen render completes it); compared as it is\n`);
      }
      const tree = treeOf(g.bundles);
      const all = existsSync(join(a.against, MODES_FILE))
        ? compareGolden(a.against, tree, g.model.secrets)
        : compareTrees(tree, readTree(a.against, isWriterEntry).tree, g.model.secrets, { have: a.against, want: 'generated' });
      const { diffs, skipped } = withoutStandIn(all, tree, g.keyStandIn);
      for (const p of skipped) io.err(`${p}: not compared (it holds the heartbeat key, which is not available)\n`);
      const { out, summary } = diffReport(diffs);
      io.out(out);
      if (summary !== '') {
        io.err(summary);
        onDiffer();
      }
    },
  };
}
