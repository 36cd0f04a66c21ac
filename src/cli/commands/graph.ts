// `lvsgen graph TOPOLOGY [-o FILE] [--format svg|dot|mermaid]`: the cluster as
// a diagram (src/graph). Without -o it prints; with -o the file is written
// whole (a temporary file renamed into place) and left untouched when it
// already holds the same bytes.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CommandModule } from 'yargs';
import { OutputError } from '../../bundle/write.js';
import { formatOfFile, GRAPH_FORMATS, renderGraph, type GraphFormat } from '../../graph/graph.js';
import { distros, generate } from '../generate.js';
import { inTopologyFile, printWarnings, type Io } from '../io.js';

interface GraphArgs {
  topology: string;
  out?: string;
  format?: GraphFormat;
  distro?: string;
}

/** Writes `content` to `file` whole, unless it already holds it; true when written. */
export function writeFileWhole(file: string, content: string): boolean {
  try {
    if (readFileSync(file, 'utf8') === content) return false;
  } catch {
    // Not there (or unreadable): written below, and a real problem shows there.
  }
  const tmp = join(dirname(file), `.${basename(file)}.lvsgen-${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeFileSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new OutputError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return true;
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
