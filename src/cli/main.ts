// The CLI: a function from arguments to an exit code (bin/lvsgen is a shim).
// Exit codes: 0 success, 1 differences found (diff), 2 invalid input or
// usage, 3 internal error.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { compareGolden, MODES_FILE } from '../bundle/golden.js';
import { compareTrees, readTree, treeOf } from '../bundle/tree.js';
import { MARKER, OutputError, writeTree } from '../bundle/write.js';
import { formatProblem, TopologyError } from '../model/problems.js';
import { LVSGEN_ROOT } from '../render/distros.js';
import { renderIpvsadmTable } from '../render/ipvsadm-table.js';
import { topologyJsonSchema } from './json-schema.js';
import { distros, generate } from './generate.js';
import { packageCommand } from './package-command.js';

export const EXIT = { ok: 0, differ: 1, invalid: 2, internal: 3 } as const;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

class UsageError extends Error {}

/** lvsgen's own version, from its package.json. */
function lvsgenVersion(): string {
  return (JSON.parse(readFileSync(join(LVSGEN_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let code: number = EXIT.ok;
  let distroNames: string[];
  try {
    distroNames = [...distros().keys()];
  } catch (e) {
    io.err(`lvsgen: internal error: cannot load distros: ${(e as Error).message}\n`);
    return EXIT.internal;
  }
  const parser = yargs(argv)
    .scriptName('lvsgen')
    .usage('$0 <command> TOPOLOGY [options]\n\nGenerate every host\'s files for a Linux Virtual Server cluster from one topology file.')
    .command(
      'validate <topology>',
      'Check a topology file; report every problem with its line and model path.',
      (y) => y.positional('topology', { type: 'string', demandOption: true }),
      (a) => {
        const g = generate(a.topology);
        io.out(`${a.topology}: valid (${g.model.hosts.length} hosts, ${g.topology.virtual_services.length} virtual services)\n`);
      },
    )
    .command(
      'render <topology>',
      'Write DIR/<host>/<path> for every host file, plus DIR/<host>/.lvsgen/install.sh and manifest.',
      (y) =>
        y
          .positional('topology', { type: 'string', demandOption: true })
          .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Output directory (created; replaced as a whole if lvsgen wrote it)' })
          .option('distro', { type: 'string', choices: distroNames, describe: 'Override every host\'s distro' }),
      (a) => {
        const g = generate(a.topology, a.distro !== undefined ? { distro: a.distro } : {});
        const result = writeTree(treeOf(g.bundles), a.out);
        const files = g.bundles.reduce((n, b) => n + b.files.length, 0);
        io.out(result.written ? `wrote ${a.out}: ${g.bundles.length} hosts, ${files} files\n` : `${a.out} is up to date (${g.bundles.length} hosts, ${files} files)\n`);
      },
    )
    .command(
      'diff <topology>',
      'Unified diffs between what would be generated and a tree (a render, a golden tree, a copy of host files); exit 1 when they differ.',
      (y) =>
        y
          .positional('topology', { type: 'string', demandOption: true })
          .option('against', { type: 'string', demandOption: true, describe: 'Directory to compare with: <host>/<path> inside' })
          .option('distro', { type: 'string', choices: distroNames, describe: 'Override every host\'s distro' }),
      (a) => {
        const g = generate(a.topology, a.distro !== undefined ? { distro: a.distro } : {});
        if (!existsSync(a.against)) throw new UsageError(`--against ${a.against}: no such directory`);
        const tree = treeOf(g.bundles);
        const diffs = existsSync(join(a.against, MODES_FILE))
          ? compareGolden(a.against, tree, g.model.secrets)
          : compareTrees(tree, readTree(a.against, (r) => r === MARKER).tree, g.model.secrets, { have: a.against, want: 'generated' });
        for (const d of diffs) io.out(d.patch !== '' ? d.patch : `${d.message}\n`);
        if (diffs.length > 0) {
          io.err(`${diffs.length} file(s) differ\n`);
          code = EXIT.differ;
        }
      },
    )
    .command(
      'ipvsadm <topology>',
      'Print the `ipvsadm -L -n` table each director should show once every real server passes its check.',
      (y) =>
        y
          .positional('topology', { type: 'string', demandOption: true })
          .option('host', { type: 'string', describe: 'Only this director' })
          .option('ipvs-version', { type: 'string', default: '1.0.4', describe: 'Version shown in the first line' }),
      (a) => {
        const g = generate(a.topology);
        const directors = g.model.hosts.filter((h) => h.roles.director && (a.host === undefined || h.name === a.host));
        if (a.host !== undefined && directors.length === 0) throw new UsageError(`--host ${a.host}: no director of that name`);
        if (directors.length === 0) io.err('no director in this topology\n');
        for (const d of directors) io.out(`${directors.length > 1 ? `==> ${d.name} <==\n` : ''}${renderIpvsadmTable(d, a['ipvs-version'])}`);
      },
    )
    .command(packageCommand(io, io === stdio && process.stdout.isTTY ? process.stdout : undefined))
    .command('schema', 'Print the JSON Schema of the topology file.', {}, () => {
      io.out(`${JSON.stringify(topologyJsonSchema(distroNames), null, 2)}\n`);
    })
    .demandCommand(1, 'Name a command.')
    .strict()
    .help()
    // Not yargs' --version: `package --version V` is the packages' version.
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });

  if (argv.length === 1 && argv[0] === '--version') {
    io.out(`${lvsgenVersion()}\n`);
    return EXIT.ok;
  }
  try {
    let helpOut = '';
    await parser.parseAsync(argv, {}, (_err, _argv, output) => {
      helpOut = output;
    });
    if (helpOut !== '') io.out(`${helpOut}\n`);
    return code;
  } catch (e) {
    if (e instanceof TopologyError) {
      const file = argv.find((x, i) => i > 0 && !x.startsWith('-')) ?? 'topology';
      for (const p of e.problems) io.err(`${formatProblem(file, p)}\n`);
      io.err(`${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}; nothing written\n`);
      return EXIT.invalid;
    }
    if (e instanceof UsageError || e instanceof OutputError) {
      io.err(`lvsgen: ${e.message}\nRun lvsgen --help for usage.\n`);
      return EXIT.invalid;
    }
    io.err(`lvsgen: internal error: ${(e as Error).message}\nThis is a bug in lvsgen: please report it with the command you ran${process.env.LVSGEN_DEBUG ? '' : ' (set LVSGEN_DEBUG=1 for a stack trace)'}.\n`);
    if (process.env.LVSGEN_DEBUG) io.err(`${(e as Error).stack}\n`);
    return EXIT.internal;
  }
}
