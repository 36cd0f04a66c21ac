// The published JSON Schema comes from the same zod schema as the validator.
import { z } from 'zod';
import { makeTopologySchema } from '../model/schema.js';

export function topologyJsonSchema(distros: readonly string[]): object {
  const schema = z.toJSONSchema(makeTopologySchema(distros), { io: 'input', unrepresentable: 'any' });
  return { ...schema, $id: 'https://lvsgen.invalid/topology.schema.json', title: 'lvsgen topology' };
}
