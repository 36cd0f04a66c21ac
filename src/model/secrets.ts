// Secrets (the heartbeat key) may live in the topology, an environment
// variable or a file, so topology files can be committed without them.
// The caller passes the environment and a file reader: this stays pure.
//
// A source that is not there (the variable unset, the file missing or
// unreadable) is an error when the key is needed (render, package) and a
// warning when it is not (validate, diff): `missing`. A key that is there but
// not a valid key is an error either way; when it came from a key file the
// problem is in that file. A key never appears in a message.
import type { RawProblem } from './problems.js';
import type { HeartbeatSpec, Topology } from './schema.js';
import { pairsOf } from './pairs.js';

export interface SecretSources {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a key file; relative paths are the caller's to resolve. */
  readFile(path: string): string;
  /** How messages name a key file the topology names `path` (say, relative to the topology's directory); default `path`. */
  fileName?(path: string): string;
}

export interface ResolvedSecrets {
  /** The first pair's key. */
  heartbeatKey?: string;
  /** Each pair's key, in model/pairs.ts order (undefined: crc, or not available). */
  pairKeys?: Array<string | undefined>;
}

export interface SecretResult {
  secrets: ResolvedSecrets;
  problems: RawProblem[];
  /** A key's source is not there (reported as a warning when `missing` is 'warning'): no key. */
  unavailable: boolean;
}

const KEY_RE = /^[\x21-\x7e]{8,256}$/;
const KEY_RULE = 'must be 8-256 printable characters without spaces';

/**
 * Every pair's key (model/pairs.ts: `heartbeat`, or each of `pairs`), except
 * those of a pair whose auth the schema already found broken (`damaged`).
 */
export function resolveSecrets(t: Topology, src: SecretSources, missing: 'error' | 'warning' = 'error', damaged: (path: Array<string | number>) => boolean = () => false): SecretResult {
  const problems: RawProblem[] = [];
  const pairKeys: Array<string | undefined> = [];
  let unavailable = false;
  for (const pair of pairsOf(t)) {
    const at = [...pair.at, 'auth'];
    const r = damaged(at) ? { key: undefined, problems: [], unavailable: false } : resolveKey(pair.spec.auth, at, src, missing);
    pairKeys.push(r.key);
    problems.push(...r.problems);
    unavailable ||= r.unavailable;
  }
  const first = pairKeys[0];
  return { secrets: { ...(first !== undefined ? { heartbeatKey: first } : {}), ...(pairKeys.some((k) => k !== undefined) ? { pairKeys } : {}) }, problems, unavailable };
}

function resolveKey(auth: HeartbeatSpec['auth'], at: Array<string | number>, src: SecretSources, missing: 'error' | 'warning'): { key: string | undefined; problems: RawProblem[]; unavailable: boolean } {
  const none = { key: undefined, problems: [], unavailable: false };
  if (auth.method === 'crc') return none;
  const sources = (['key', 'key_env', 'key_file'] as const).filter((k) => auth[k] !== undefined);
  // None or several: validate.ts reports it (secret-source at heartbeat.auth).
  if (sources.length !== 1) return none;
  const unavailable = (field: string, message: string) => ({
    key: undefined,
    problems: [{ code: 'secret-source' as const, path: [...at, field], message: missing === 'warning' ? `${message}; the key is needed to render and package` : message, ...(missing === 'warning' ? { severity: 'warning' as const } : {}) }],
    unavailable: true,
  });
  const invalid = (p: Omit<RawProblem, 'code' | 'path'>, field: string) => ({
    key: undefined,
    problems: [{ code: 'secret-source' as const, path: [...at, field], ...p }],
    unavailable: false,
  });

  if (auth.key_env !== undefined) {
    const key = src.env[auth.key_env];
    if (key === undefined || key === '') return unavailable('key_env', `environment variable ${auth.key_env} is not set`);
    if (!KEY_RE.test(key)) return invalid({ message: `the key in environment variable ${auth.key_env} ${KEY_RULE}` }, 'key_env');
    return { ...none, key };
  }
  if (auth.key_file !== undefined) {
    const name = src.fileName?.(auth.key_file) ?? auth.key_file;
    let text: string;
    try {
      text = src.readFile(auth.key_file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      return unavailable('key_file', `cannot read the key file ${auth.key_file}: ${code}${name !== auth.key_file ? ` (${name})` : ''}`);
    }
    const key = text.split(/\r?\n/)[0]!;
    // The problem is in the key file, on its first line, the key.
    if (!KEY_RE.test(key)) return invalid({ message: `the key (the first line of the key file) ${KEY_RULE}`, file: name, pos: { line: 1, col: 1 } }, 'key_file');
    return { ...none, key };
  }
  // Inline: the schema has checked it.
  return { ...none, key: auth.key! };
}
