// `lvsgen render TOPOLOGY -o DIR`: every host's files under DIR/<host>/ (see bundle/write.ts).
import type { CommandModule } from 'yargs';
import { treeOf } from '../../bundle/tree.js';
import { writeTree } from '../../bundle/write.js';
import { distros, generate } from '../generate.js';
import { count, inTopologyFile, printWarnings, type Io } from '../io.js';

interface RenderArgs {
  topology: string;
  out: string;
  distro?: string;
}

export function renderCommand(io: Io): CommandModule<object, RenderArgs> {
  return {
    command: 'render <topology>',
    describe: 'Write DIR/<host>/<path> for every host file, plus DIR/<host>/.lvsgen/install.sh and manifest.',
    builder: (y) =>
      y
        .positional('topology', { type: 'string', demandOption: true })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Output directory (created, or updated in place if lvsgen wrote it)' })
        .option('distro', { type: 'string', choices: [...distros().keys()], describe: 'Override every host\'s distro' }),
    handler: (a) => {
      const g = inTopologyFile(a.topology, () => generate(a.topology, a.distro !== undefined ? { distro: a.distro } : {}));
      printWarnings(io, a.topology, g.warnings);
      const result = writeTree(treeOf(g.bundles), a.out);
      const what = `${count(g.bundles.length, 'host')}, ${count(g.bundles.reduce((n, b) => n + b.files.length, 0), 'file')}`;
      const changes = `${result.changed.length} written, ${result.removed.length} removed`;
      io.out(result.written ? `wrote ${a.out}: ${what} (${changes})\n` : `${a.out} is up to date (${what})\n`);
    },
  };
}
