// The pipeline in one pure call: topology text -> validated topology -> its
// secrets -> the checks that depend on each host's distro -> the derived model
// -> one bundle per host. Everything it would otherwise read from the machine
// comes in as an argument (the loaded distro set, the environment, a key-file
// reader), so the same call serves the commands (src/cli/generate.ts reads the
// file and passes the real environment) and tests on in-memory topologies.
import { deriveModel } from './derive/derive.js';
import type { DerivedModel } from './derive/model.js';
import { loadTopology } from './model/load.js';
import { formatPath, TopologyError } from './model/problems.js';
import { resolveSecrets } from './model/secrets.js';
import type { Topology } from './model/schema.js';
import { checkTargets } from './model/targets.js';
import type { DistroSet } from './render/distros.js';
import { renderModel } from './render/render.js';
import type { HostBundle } from './render/types.js';

export interface Generated {
  topology: Topology;
  model: DerivedModel;
  bundles: HostBundle[];
}

export interface PipelineOptions {
  /** The distros hosts may target (render/distros.ts loads them). */
  distros: DistroSet;
  /** `--distro`: overrides every host's distro. */
  distro?: string;
  /** Where `heartbeat.auth.key_env` is looked up. */
  env: Readonly<Record<string, string | undefined>>;
  /** Reads `heartbeat.auth.key_file` as the topology names it (resolving a relative path is the caller's). */
  readKeyFile(path: string): string;
}

/** `--distro` must name a distro of the set. */
export function checkDistroOption(set: DistroSet, distro: string | undefined): void {
  if (distro !== undefined && !set.has(distro)) {
    throw new TopologyError([{ code: 'invalid-value', path: '', message: `--distro ${distro}: unknown distro; known: ${[...set.keys()].join(', ')}` }]);
  }
}

/** Throws TopologyError with every problem of the input; anything else it throws is a bug. */
export function runPipeline(topology: string | Uint8Array, opts: PipelineOptions): Generated {
  const set = opts.distros;
  const names = [...set.keys()];
  checkDistroOption(set, opts.distro);
  const bytes = typeof topology === 'string' ? new TextEncoder().encode(topology) : topology;
  const loaded = loadTopology(bytes, names);
  const secrets = resolveSecrets(loaded.topology, { env: opts.env, readFile: opts.readKeyFile }, loaded.positionOf);
  // What depends on each host's target distro (director backend, VRRP) is only known here.
  const problems = checkTargets(loaded.topology, {
    ...(opts.distro !== undefined ? { distro: opts.distro } : {}),
    distros: names,
    capabilities: (d) => set.get(d)!.capabilities,
    ...(secrets.heartbeatKey !== undefined ? { heartbeatKey: secrets.heartbeatKey } : {}),
  });
  if (problems.length > 0) {
    throw new TopologyError(problems.map((p) => ({ code: p.code, path: formatPath(p.path), message: p.message, pos: loaded.positionOf(p.path) })));
  }
  const model = deriveModel(loaded.topology, { ...(opts.distro !== undefined ? { distro: opts.distro } : {}), secrets });
  return { topology: loaded.topology, model, bundles: renderModel(model, set) };
}
