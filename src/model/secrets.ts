// Secrets (the heartbeat key) may live in the topology, an environment
// variable or a file, so topology files can be committed without them.
// The caller passes the environment and a file reader: this stays pure.
import { formatPath, TopologyError, type PathSegments, type Position } from './problems.js';
import type { Topology } from './schema.js';

export interface SecretSources {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a key file; relative paths are the caller's to resolve. */
  readFile(path: string): string;
}

export interface ResolvedSecrets {
  heartbeatKey?: string;
}

const KEY_RE = /^[\x21-\x7e]{8,256}$/;

export function resolveSecrets(t: Topology, src: SecretSources, positionOf: (p: PathSegments) => Position | undefined): ResolvedSecrets {
  const auth = t.heartbeat?.auth;
  if (auth === undefined || auth.method === 'crc') return {};
  const fail = (field: string, message: string): never => {
    const path = ['heartbeat', 'auth', field];
    throw new TopologyError([{ code: 'secret-source', path: formatPath(path), message, pos: positionOf(path) }]);
  };
  let key: string | undefined = auth.key;
  if (auth.key_env !== undefined) {
    key = src.env[auth.key_env];
    if (key === undefined || key === '') fail('key_env', `environment variable ${auth.key_env} is not set`);
  } else if (auth.key_file !== undefined) {
    try {
      key = src.readFile(auth.key_file).split(/\r?\n/)[0];
    } catch (e) {
      fail('key_file', `cannot read the key file ${auth.key_file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  // Never echo the key itself in a message.
  if (key === undefined || !KEY_RE.test(key)) {
    fail(auth.key_env !== undefined ? 'key_env' : auth.key_file !== undefined ? 'key_file' : 'key', 'the key must be 8-256 printable characters without spaces');
  }
  return { heartbeatKey: key! };
}
