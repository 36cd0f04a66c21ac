// `lvsgen validate TOPOLOGY`: check the file; its problems are main's to print.
// The heartbeat key is not needed here: a key source that is not there
// (key_env unset, key_file missing) is a warning, and the file is valid.
import type { CommandModule } from 'yargs';
import { generate } from '../generate.js';
import { count, inTopologyFile, printWarnings, type Io } from '../io.js';

export function validateCommand(io: Io): CommandModule<object, { topology: string }> {
  return {
    command: 'validate <topology>',
    describe: 'Check a topology file; report every problem with its line and model path.',
    builder: (y) => y.positional('topology', { type: 'string', demandOption: true }),
    handler: (a) => {
      const g = inTopologyFile(a.topology, () => generate(a.topology, { missingSecret: 'warning' }));
      printWarnings(io, a.topology, g.warnings);
      const hosts = count(g.model.hosts.length, 'host');
      const services = count(g.topology.virtual_services.length, 'virtual service');
      io.out(`${a.topology}: valid (${hosts}, ${services})\n`);
    },
  };
}
