// `lvsgen validate TOPOLOGY`: check the file; its problems are main's to print.
import type { CommandModule } from 'yargs';
import { generate } from '../generate.js';
import { count, inTopologyFile, type Io } from '../io.js';

export function validateCommand(io: Io): CommandModule<object, { topology: string }> {
  return {
    command: 'validate <topology>',
    describe: 'Check a topology file; report every problem with its line and model path.',
    builder: (y) => y.positional('topology', { type: 'string', demandOption: true }),
    handler: (a) => {
      const g = inTopologyFile(a.topology, () => generate(a.topology));
      const hosts = count(g.model.hosts.length, 'host');
      const services = count(g.topology.virtual_services.length, 'virtual service');
      io.out(`${a.topology}: valid (${hosts}, ${services})\n`);
    },
  };
}
