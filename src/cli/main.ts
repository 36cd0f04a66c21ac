// The CLI: a function from arguments to an exit code (bin/lvsgen is a shim).
// It assembles the commands (one per file in commands/) and turns what they
// throw into messages and exit codes (see io.ts): 0 success, 1 differences
// found (diff), 2 invalid input or usage, 3 internal error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { OutputError } from '../bundle/write.js';
import { formatProblem } from '../model/problems.js';
import { LVSGEN_ROOT } from '../render/distros.js';
import { ansibleCommand } from './commands/ansible.js';
import { diffCommand } from './commands/diff.js';
import { graphCommand } from './commands/graph.js';
import { ipvsadmCommand } from './commands/ipvsadm.js';
import { LabUnavailable } from './commands/lab.js';
import { labCommands } from './commands/lab-kept.js';
import { packageCommand } from './commands/package.js';
import { renderCommand } from './commands/render.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { distros } from './generate.js';
import { EXIT, problemSummary, stdio, TopologyFileError, UsageError, type Io } from './io.js';

/** lvsgen's own version, from its package.json. */
function lvsgenVersion(): string {
  return (JSON.parse(readFileSync(join(LVSGEN_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let code: number = EXIT.ok;
  try {
    // Loaded once here (the commands' --distro choices reuse it) so that broken distro data is named as such.
    distros();
  } catch (e) {
    io.err(`lvsgen: internal error: cannot load distros: ${(e as Error).message}\n`);
    return EXIT.internal;
  }
  const parser = yargs(argv)
    .scriptName('lvsgen')
    .usage('$0 <command> TOPOLOGY [options]\n\nGenerate every host\'s files for a Linux Virtual Server cluster from one topology file.')
    .command(validateCommand(io))
    .command(renderCommand(io))
    .command(diffCommand(io, () => (code = EXIT.differ), io === stdio && process.stdout.isTTY === true))
    .command(ipvsadmCommand(io))
    .command(packageCommand(io, io === stdio && process.stdout.isTTY ? process.stdout : undefined))
    .command(graphCommand(io))
    .command(ansibleCommand(io))
    .command(labCommands(io, (c) => (code = c)))
    .command(schemaCommand(io))
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
    if (e instanceof TopologyFileError) {
      for (const p of e.problems) io.err(`${formatProblem(e.file, p)}\n`);
      io.err(`${problemSummary(e.problems)}\n`);
      return EXIT.invalid;
    }
    if (e instanceof UsageError) {
      io.err(`lvsgen: ${e.message}\nRun lvsgen --help for usage.\n`);
      return EXIT.invalid;
    }
    // The arguments were fine; what they name could not be written (or replaced): --help would not help.
    // The machine cannot run the lab (not root, a tool missing): nothing was created.
    if (e instanceof LabUnavailable) {
      io.err(`lvsgen lab: ${e.message}\n`);
      return EXIT.invalid;
    }
    if (e instanceof OutputError) {
      io.err(`lvsgen: ${e.message}\n`);
      return EXIT.invalid;
    }
    // Including a TopologyError no command named its file for: a command that forgot inTopologyFile.
    io.err(`lvsgen: internal error: ${(e as Error).message}\nThis is a bug in lvsgen: please report it with the command you ran${process.env.LVSGEN_DEBUG ? '' : ' (set LVSGEN_DEBUG=1 for a stack trace)'}.\n`);
    if (process.env.LVSGEN_DEBUG) io.err(`${(e as Error).stack}\n`);
    return EXIT.internal;
  }
}
