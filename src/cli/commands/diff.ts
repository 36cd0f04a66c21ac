// `lvsgen diff TOPOLOGY --against DIR`: what would change, host by host, from
// DIR (an earlier render, a golden tree, a copy of hosts' files) to what the
// topology generates now: first a summary (files added, changed and removed,
// the actions each installer runs, the order a pair must be changed in), then
// unified diffs; or --stat; or --format markdown / html for a review. Secrets
// are masked. Exit 1 when something differs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { MODES_FILE } from '../../bundle/golden.js';
import { maskSecrets, readTree, treeOf, type Tree } from '../../bundle/tree.js';
import { isWriterEntry, JOURNAL, PENDING } from '../../bundle/write.js';
import { differs, reviewChanges, type Review } from '../../review/changes.js';
import { reviewHtml } from '../../review/html.js';
import { reviewMarkdown } from '../../review/markdown.js';
import { COLOUR, PLAIN, reviewText, statText } from '../../review/text.js';
import { INSTALLER } from '../../render/types.js';
import { distros, generate } from '../generate.js';
import { count, inTopologyFile, printWarnings, UsageError, type Io } from '../io.js';

interface DiffArgs {
  topology: string;
  against: string;
  distro?: string;
  format: string;
  stat: boolean;
  color: string;
}

export const FORMATS = ['text', 'markdown', 'html'] as const;

/**
 * Colour for the text view: --color always/never wins; auto means a terminal
 * and no NO_COLOR (https://no-color.org: set and not empty disables colour).
 */
export function useColour(flag: string, isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (flag === 'always') return true;
  if (flag === 'never') return false;
  return isTTY && (env.NO_COLOR ?? '') === '';
}

/**
 * A golden tree (golden/<example>/<distro>): modes from its MODES file (git
 * keeps none), secrets stored masked, so what is generated is masked the same
 * way before comparing.
 */
function goldenSides(dir: string, want: Tree, secrets: readonly string[]): { want: Tree; have: Tree } {
  const have = readTree(dir, (r) => r === MODES_FILE).tree;
  for (const line of readFileSync(join(dir, MODES_FILE), 'utf8').split('\n')) {
    const m = /^(0[0-7]{3,4}) (.+)$/.exec(line);
    const f = m ? have.get(m[2]!) : undefined;
    if (f) f.mode = parseInt(m![1]!, 8);
  }
  // Golden trees leave out the installer, the same program in every bundle (see bundle/golden.ts).
  const masked: Tree = new Map([...want].filter(([p]) => !p.endsWith(`/${INSTALLER}`)).map(([p, f]) => [p, { ...f, content: maskSecrets(f.content, secrets) }]));
  return { want: masked, have };
}

/** The last line on stderr of the text view: how many files differ. */
export function differSummary(r: Review): string {
  const n = r.hosts.reduce((k, h) => k + h.files.length, 0);
  return n === 0 ? '' : `${count(n, 'file differs', 'files differ')}\n`;
}

/** `onDiffer` is called when something differs: main then exits with EXIT.differ. */
export function diffCommand(io: Io, onDiffer: () => void, isTTY = false): CommandModule<object, DiffArgs> {
  return {
    command: 'diff <topology>',
    describe: 'What would change from a tree (a render, a golden tree, a copy of host files) to what the topology generates: a summary per host, then unified diffs; exit 1 when they differ.',
    builder: (y) =>
      y
        .positional('topology', { type: 'string', demandOption: true })
        .option('against', { type: 'string', demandOption: true, describe: 'Directory to compare with: <host>/<path> inside' })
        .option('distro', { type: 'string', choices: [...distros().keys()], describe: 'Override every host\'s distro' })
        .option('format', { type: 'string', choices: [...FORMATS], default: 'text', describe: 'text (summary and unified diffs), markdown (a pull-request comment) or html (a review page)' })
        .option('stat', { type: 'boolean', default: false, describe: 'The summary and a line per file with its insertions and deletions, no diffs (text)' })
        .option('color', { type: 'string', choices: ['auto', 'always', 'never'], default: 'auto', describe: 'Colour the text view (auto: on a terminal, unless NO_COLOR is set)' }),
    handler: (a) => {
      // A key source that is not there is a warning: the files that hold the key are then not compared.
      const g = inTopologyFile(a.topology, () => generate(a.topology, { ...(a.distro !== undefined ? { distro: a.distro } : {}), missingSecret: 'warning' }));
      if (!existsSync(a.against)) throw new UsageError(`--against ${a.against}: no such directory`);
      if (a.stat && a.format !== 'text') throw new UsageError('--stat is a text view: leave out --format, or --stat');
      printWarnings(io, a.topology, g.warnings);
      if (existsSync(join(a.against, PENDING, JOURNAL))) {
        io.err(`${a.against}: holds an interrupted render (lvsgen render completes it); compared as it is\n`);
      }
      const generated = treeOf(g.bundles);
      const sides = existsSync(join(a.against, MODES_FILE))
        ? goldenSides(a.against, generated, g.model.secrets)
        : { want: generated, have: readTree(a.against, isWriterEntry).tree };
      const review = reviewChanges({
        cluster: g.model.name,
        bundles: g.bundles,
        ...sides,
        secrets: g.model.secrets,
        ...(g.model.pair ? { pair: g.model.pair } : {}),
        ...(g.keyStandIn !== undefined ? { keyStandIn: g.keyStandIn } : {}),
      });
      if (a.format === 'markdown') io.out(reviewMarkdown(review));
      else if (a.format === 'html') io.out(reviewHtml(review));
      else {
        // On stderr, as warnings are: a comparison that could not be made is no difference.
        for (const n of review.notCompared) io.err(`${n}: not compared (it holds the heartbeat key, which is not available)\n`);
        const paint = useColour(a.color, isTTY, process.env) ? COLOUR : PLAIN;
        io.out(a.stat ? statText(review, paint) : reviewText(review, paint));
        io.err(differSummary(review));
      }
      if (differs(review)) onDiffer();
    },
  };
}


