// The pipeline in one call, for the commands: read the topology file, load
// and validate it, resolve secrets, derive, render. The only I/O here is
// reading the topology (and a key file it names).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { deriveModel } from '../derive/derive.js';
import type { DerivedModel } from '../derive/model.js';
import { loadTopology } from '../model/load.js';
import { formatPath, TopologyError } from '../model/problems.js';
import { resolveSecrets } from '../model/secrets.js';
import type { Topology } from '../model/schema.js';
import { checkTargets } from '../model/targets.js';
import { capabilitiesOf, loadDistros, type DistroSet } from '../render/distros.js';
import { renderModel } from '../render/render.js';
import type { HostBundle } from '../render/types.js';

export interface Generated {
  topology: Topology;
  model: DerivedModel;
  bundles: HostBundle[];
}

let distroCache: DistroSet | undefined;
/** The distros: the bundled ones, or those of LVSGEN_DISTROS (a folder laid out like distros/). */
export function distros(): DistroSet {
  distroCache ??= loadDistros(process.env.LVSGEN_DISTROS || undefined);
  return distroCache;
}

export function readTopology(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new TopologyError([{ code: 'read-error', path: '', message: `cannot read ${file} (${code})` }]);
  }
}

export interface GenerateOptions {
  distro?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export function generate(file: string, opts: GenerateOptions = {}): Generated {
  const set = distros();
  const names = [...set.keys()];
  if (opts.distro !== undefined && !set.has(opts.distro)) {
    throw new TopologyError([{ code: 'invalid-value', path: '', message: `--distro ${opts.distro}: unknown distro; known: ${names.join(', ')}` }]);
  }
  const loaded = loadTopology(readTopology(file), names);
  const secrets = resolveSecrets(
    loaded.topology,
    { env: opts.env ?? process.env, readFile: (p) => readFileSync(resolve(dirname(file), p), 'utf8') },
    loaded.positionOf,
  );
  // What depends on each host's target distro (director backend, VRRP) is only known here.
  const problems = checkTargets(loaded.topology, {
    ...(opts.distro !== undefined ? { distro: opts.distro } : {}),
    distros: names,
    capabilities: (d) => capabilitiesOf(set.get(d)!),
    ...(secrets.heartbeatKey !== undefined ? { heartbeatKey: secrets.heartbeatKey } : {}),
  });
  if (problems.length > 0) {
    throw new TopologyError(problems.map((p) => ({ code: p.code, path: formatPath(p.path), message: p.message, pos: loaded.positionOf(p.path) })));
  }
  const model = deriveModel(loaded.topology, { ...(opts.distro !== undefined ? { distro: opts.distro } : {}), secrets });
  return { topology: loaded.topology, model, bundles: renderModel(model, set) };
}
