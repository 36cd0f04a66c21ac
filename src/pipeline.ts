// The pipeline in one pure call: topology text -> validated topology -> its
// secrets -> the checks that depend on each host's distro -> the derived model
// -> one bundle per host. Everything it would otherwise read from the machine
// comes in as an argument (the loaded distro set, the environment, a key-file
// reader), so the same call serves the commands (src/cli/generate.ts reads the
// file and passes the real environment) and tests on in-memory topologies.
import { deriveModel } from './derive/derive.js';
import type { DerivedModel } from './derive/model.js';
import { checkTopology } from './model/load.js';
import { isWarning, sortProblems, TopologyError, type Problem } from './model/problems.js';
import { resolveSecrets } from './model/secrets.js';
import { pairsOf } from './model/pairs.js';
import type { Topology } from './model/schema.js';
import { checkTargets, directorBackends } from './model/targets.js';
import type { DistroSet } from './render/distros.js';
import { renderModel } from './render/render.js';
import type { HostBundle } from './render/types.js';

export interface Generated {
  topology: Topology;
  model: DerivedModel;
  bundles: HostBundle[];
  /** Problems that did not stop the run (a key that is not available to validate or diff). */
  warnings: Problem[];
  /**
   * Set when the heartbeat key was not available (`missingSecret: 'warning'`):
   * the bundles then hold this stand-in instead, and the files that hold it
   * say nothing about the real ones.
   */
  keyStandIn?: string;
}

/** What the bundles hold in place of a heartbeat key that is not available (valid as a key, never a real one). */
export const KEY_STAND_IN = 'lvsgen-heartbeat-key-not-available';

export interface PipelineOptions {
  /** The distros hosts may target (render/distros.ts loads them). */
  distros: DistroSet;
  /** `--distro`: overrides every host's distro. */
  distro?: string;
  /** Where `heartbeat.auth.key_env` is looked up. */
  env: Readonly<Record<string, string | undefined>>;
  /** Reads `heartbeat.auth.key_file` as the topology names it (resolving a relative path is the caller's). */
  readKeyFile(path: string): string;
  /** How messages name a key file (default: as the topology names it). */
  keyFileName?(path: string): string;
  /**
   * A key source that is not there (key_env unset, key_file unreadable): an
   * error (default; render, package), or a warning for the commands that do
   * not need the key (validate, diff).
   */
  missingSecret?: 'error' | 'warning';
}

/** `--distro` must name a distro of the set. */
export function checkDistroOption(set: DistroSet, distro: string | undefined): void {
  if (distro !== undefined && !set.has(distro)) {
    throw new TopologyError([{ code: 'invalid-value', path: '', message: `--distro ${distro}: unknown distro; known: ${[...set.keys()].join(', ')}` }]);
  }
}

/**
 * Throws TopologyError with every problem of the input, found in one pass:
 * schema, cross-field, secret and target problems together (and the
 * warnings); anything else it throws is a bug.
 */
export function runPipeline(topology: string | Uint8Array, opts: PipelineOptions): Generated {
  const set = opts.distros;
  const names = [...set.keys()];
  checkDistroOption(set, opts.distro);
  const bytes = typeof topology === 'string' ? new TextEncoder().encode(topology) : topology;
  const checked = checkTopology(bytes, names);
  const problems = [...checked.problems];
  const t = checked.understood;
  let heartbeatKey: string | undefined;
  let pairKeys: Array<string | undefined> | undefined;
  let keyStandIn: string | undefined;
  if (t !== undefined) {
    // Each pair's key source, unless the schema already found its auth broken.
    const s = resolveSecrets(t, { env: opts.env, readFile: opts.readKeyFile, ...(opts.keyFileName ? { fileName: opts.keyFileName } : {}) }, opts.missingSecret ?? 'error', (path) => checked.damaged(path));
    problems.push(...checked.admit(s.problems));
    heartbeatKey = s.secrets.heartbeatKey;
    pairKeys = s.secrets.pairKeys;
    if (s.unavailable && (opts.missingSecret ?? 'error') === 'warning') keyStandIn = KEY_STAND_IN;
    // What depends on each host's target distro (director backend, VRRP) is only known here.
    problems.push(
      ...checked.admit(
        checkTargets(t, {
          ...(opts.distro !== undefined ? { distro: opts.distro } : {}),
          distros: names,
          capabilities: (d) => set.get(d)!.capabilities,
          ...(heartbeatKey !== undefined ? { heartbeatKey } : {}),
          ...(pairKeys !== undefined ? { pairKeys } : {}),
        }),
      ),
    );
  }
  const sorted = sortProblems(problems);
  const warnings = sorted.filter(isWarning);
  if (t === undefined || sorted.length > warnings.length) throw new TopologyError(sorted);
  // A key that is not available is the stand-in, in every pair that has a key.
  const keys = pairsOf(t).map((p, i) => pairKeys?.[i] ?? (keyStandIn !== undefined && p.spec.auth.method !== 'crc' ? keyStandIn : undefined));
  const secrets = {
    ...(heartbeatKey !== undefined ? { heartbeatKey } : keyStandIn !== undefined ? { heartbeatKey: keyStandIn } : {}),
    ...(keys.some((k) => k !== undefined) ? { pairKeys: keys } : {}),
  };
  const backends = directorBackends(t, { ...(opts.distro !== undefined ? { distro: opts.distro } : {}), capabilities: (d) => set.get(d)!.capabilities });
  const model = deriveModel(t, { ...(opts.distro !== undefined ? { distro: opts.distro } : {}), secrets, backends, vrrp: (d) => set.get(d)!.capabilities.vrrp, ipvsConntrack: (d) => set.get(d)!.capabilities.ipvsConntrack });
  return { topology: t, model, bundles: renderModel(model, set), warnings, ...(keyStandIn !== undefined ? { keyStandIn } : {}) };
}
