// The pipeline's edge for the commands: load the distros (once), read the
// topology file, and run the pure pipeline (src/pipeline.ts) with this
// process's environment and a reader for key files beside the topology.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { TopologyError } from '../model/problems.js';
import { checkDistroOption, runPipeline, type Generated } from '../pipeline.js';
import { loadDistros, type DistroSet } from '../render/distros.js';

export type { Generated };

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
  /** 'warning' for the commands that do not need the heartbeat key (validate, diff): see PipelineOptions. */
  missingSecret?: 'error' | 'warning';
}

export function generate(file: string, opts: GenerateOptions = {}): Generated {
  const set = distros();
  // An unknown --distro is refused before the file is read.
  checkDistroOption(set, opts.distro);
  return runPipeline(readTopology(file), {
    distros: set,
    ...(opts.distro !== undefined ? { distro: opts.distro } : {}),
    env: opts.env ?? process.env,
    // A key file's relative path is relative to the topology file.
    readKeyFile: (p) => readFileSync(resolve(dirname(file), p), 'utf8'),
    // Messages name it as one would from here: beside the topology file as it was named.
    keyFileName: (p) => (isAbsolute(p) ? p : join(dirname(file), p)),
    ...(opts.missingSecret !== undefined ? { missingSecret: opts.missingSecret } : {}),
  });
}
