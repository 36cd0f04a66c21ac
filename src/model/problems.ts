// Problems found in a topology: every one carries a code, the model path it
// concerns, the YAML position and a plain message. Validation collects them
// all and fails once, so an operator fixes a topology in one round.

export type ProblemCode =
  | 'read-error'
  | 'input-too-large'
  | 'not-utf8'
  | 'yaml-syntax'
  | 'yaml-duplicate-key'
  | 'yaml-alias-limit'
  | 'yaml-too-deep'
  | 'type'
  | 'unknown-key'
  | 'missing'
  | 'invalid-value'
  | 'invalid-address'
  | 'invalid-cidr'
  | 'invalid-hostname'
  | 'invalid-interface'
  | 'invalid-port'
  | 'invalid-scheduler'
  | 'invalid-text'
  | 'address-outside-network'
  | 'duplicate-address'
  | 'overlapping-networks'
  | 'undefined-host'
  | 'wrong-role'
  | 'unreachable-real-server'
  | 'wrong-gateway'
  | 'duplicate-virtual-service'
  | 'no-director'
  | 'virtual-address-off-network'
  | 'heartbeat-nodes'
  | 'floating-off-network'
  | 'virtual-network-overlap'
  | 'missing-check-field'
  | 'unsupported'
  | 'secret-source';

export interface Position {
  line: number;
  col: number;
}

export interface Problem {
  code: ProblemCode;
  /** Model path such as `virtual_services[1].real_servers[0]`; '' for the whole file. */
  path: string;
  message: string;
  pos?: Position;
}

/** The path segments as they appear in the parsed document. */
export type PathSegments = ReadonlyArray<string | number>;

/**
 * A problem before it has a source position: what the checks that see only
 * the parsed topology (validate.ts, targets.ts) return. load.ts, which holds
 * the document, turns model paths into positions.
 */
export interface RawProblem {
  code: ProblemCode;
  path: PathSegments;
  message: string;
  /** Point at the key rather than the value (unknown keys, bad names). */
  atKey?: boolean;
}

export function formatPath(segments: PathSegments): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

export function formatProblem(file: string, p: Problem): string {
  const where = p.pos ? `${file}:${p.pos.line}:${p.pos.col}` : file;
  const path = p.path === '' ? '' : ` ${p.path}:`;
  return `${where}: error [${p.code}]${path} ${p.message}`;
}

/** Thrown by the pure stages when input is invalid; the CLI turns it into exit code 2. */
export class TopologyError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`${problems.length} problem(s) in the topology`);
    this.name = 'TopologyError';
  }
}
