// `make schema`: write docs/topology.schema.json.
import { writeFileSync } from 'node:fs';
import { topologyJsonSchema } from './json-schema.js';
import { distros } from './generate.js';

const target = process.argv[2] ?? 'docs/topology.schema.json';
writeFileSync(target, `${JSON.stringify(topologyJsonSchema([...distros().keys()]), null, 2)}\n`);
