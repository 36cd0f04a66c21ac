// `lvsgen schema`: the JSON Schema of the topology file (docs/topology.schema.json).
import type { CommandModule } from 'yargs';
import { distros } from '../generate.js';
import type { Io } from '../io.js';
import { topologyJsonSchema } from '../json-schema.js';

export function schemaCommand(io: Io): CommandModule {
  return {
    command: 'schema',
    describe: 'Print the JSON Schema of the topology file.',
    handler: () => {
      io.out(`${JSON.stringify(topologyJsonSchema([...distros().keys()]), null, 2)}\n`);
    },
  };
}
