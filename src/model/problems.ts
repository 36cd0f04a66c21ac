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
  | 'secret-source'
  | 'outside-sorry-server';

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
  /** What the value most likely should be ("did you mean"), also in the message. */
  suggestion?: string;
  /** A warning does not stop the command (a secret that is not available to validate or diff). Default: error. */
  severity?: 'error' | 'warning';
  /**
   * The file the problem is in when it is not the topology itself (a key
   * file's content), as the topology names it; `pos` is then in that file.
   */
  file?: string;
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
  suggestion?: string;
  severity?: 'error' | 'warning';
  /** See Problem.file; `pos` is then the position in that file. */
  file?: string;
  pos?: Position;
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

/** `FILE:LINE:COL: error [code] path: message`; FILE is the problem's own file (a key file) when it has one. */
export function formatProblem(file: string, p: Problem): string {
  const f = p.file ?? file;
  const where = p.pos ? `${f}:${p.pos.line}:${p.pos.col}` : f;
  const path = p.path === '' ? '' : ` ${p.path}:`;
  return `${where}: ${p.severity ?? 'error'} [${p.code}]${path} ${p.message}`;
}

export const isWarning = (p: Problem): boolean => p.severity === 'warning';

/**
 * Problems in the order of the file (those of other files, such as a key
 * file, after the topology's; those without a position first), each once.
 */
export function sortProblems(ps: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const once = ps.filter((p) => {
    const k = JSON.stringify([p.file ?? '', p.pos?.line ?? 0, p.pos?.col ?? 0, p.code, p.path, p.message]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const fileRank = (p: Problem) => (p.file === undefined ? '' : `1${p.file}`);
  return once.sort(
    (a, b) =>
      fileRank(a).localeCompare(fileRank(b)) || (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0),
  );
}

/** Thrown by the pure stages when input is invalid; the CLI turns it into exit code 2. */
export class TopologyError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`${problems.length} problem(s) in the topology`);
    this.name = 'TopologyError';
  }
}
