// `lvsgen graph TOPOLOGY [-o FILE] [--format svg|dot|mermaid]`: the cluster as
// a diagram (src/graph). Without -o it prints; with -o the file is written
// whole (a temporary file renamed into place) and left untouched when it
// already holds the same bytes.
import type { CommandModule } from 'yargs';
import { formatOfFile, GRAPH_FORMATS, renderGraph, type GraphFormat } from '../../graph/graph.js';
import { distros, generate } from '../generate.js';
import { inTopologyFile, printWarnings, type Io } from '../io.js';
import { writeFileWhole } from '../write-file.js';

interface GraphArgs {
  topology: string;
  out?: string;
  format?: GraphFormat;
  distro?: string;
}

export function graphCommand(io: Io): CommandModule<object, GraphArgs> {
  return {
    command: 'graph <topology>',
    describe: 'Draw the cluster: networks, hosts with roles and addresses, the pair and its floating addresses, virtual services with their real servers and forwarding method.',
    builder: (y) =>
      y
        .positional('topology', { type: 'string', demandOption: true })
        .option('out', { alias: 'o', type: 'string', describe: 'Write the diagram to this file (default: standard output)' })
        .option('format', { type: 'string', choices: GRAPH_FORMATS, describe: 'svg, dot (Graphviz) or mermaid (default: from the -o file name, else svg)' })
        .option('distro', { type: 'string', choices: [...distros().keys()], describe: 'Override every host\'s distro' }),
    handler: (a) => {
      // A diagram shows no secret: a key source that is not there is a warning.
      const g = inTopologyFile(a.topology, () => generate(a.topology, { missingSecret: 'warning', ...(a.distro !== undefined ? { distro: a.distro } : {}) }));
      printWarnings(io, a.topology, g.warnings);
      const format = a.format ?? (a.out !== undefined ? formatOfFile(a.out) : undefined) ?? 'svg';
      const text = renderGraph(g.model, format);
      if (a.out === undefined) {
        io.out(text);
        return;
      }
      io.out(writeFileWhole(a.out, text) ? `wrote ${a.out} (${format})\n` : `${a.out} is up to date (${format})\n`);
    },
  };
}
