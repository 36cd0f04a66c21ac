// Load a topology: bytes -> YAML document (with positions) -> schema check and
// cross-field checks in one pass (the cross-field rules also run on what
// passed the schema when something did not: salvage.ts). Pure: the caller
// reads the file and hands over bytes.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { formatPath, isWarning, sortProblems, TopologyError, type PathSegments, type Position, type Problem, type ProblemCode, type RawProblem } from './problems.js';
import { isPlainObject, knownKeys, remap, salvage, startsWith } from './salvage.js';
import { makeTopologySchema, type Topology, type TopologySchema } from './schema.js';
import { didYouMean, suggest } from './suggest.js';
import { validateTopology } from './validate.js';

/** Reading limits: documented in README ("Reading limits"). */
export const LIMITS = {
  /** Largest topology file accepted, in bytes. */
  maxBytes: 8 * 1024 * 1024,
  /** YAML aliases a document may resolve (guards against alias bombs). */
  maxAliasCount: 100,
  /** Deepest nesting of mappings and sequences. */
  maxDepth: 64,
} as const;

export interface LoadedTopology {
  topology: Topology;
  /** Position of a model path in the source, for later stages' messages. */
  positionOf(path: PathSegments): Position | undefined;
}

/**
 * What one pass over a topology found: every problem of the schema and the
 * cross-field rules, and what the later checks (secrets, targets) need to
 * add theirs to the same list.
 */
export interface CheckedTopology {
  /** Every problem so far, in the order of the file, each once. */
  problems: Problem[];
  /**
   * The topology as far as it could be understood: the valid topology when
   * `problems` is empty; else, where the file is a mapping, what passed the
   * schema (see salvage.ts), for the cross-field and later checks.
   */
  understood?: Topology;
  positionOf(path: PathSegments): Position | undefined;
  /**
   * Later checks' problems about `understood`, positioned, with their paths
   * (and the indices their messages name) mapped back to the file's, and
   * without those that follow from the schema problems already found: at or
   * above a path that holds one, naming a host whose own fields are broken,
   * about the whole topology when a host, the defaults or the backend is
   * broken, or naming the heartbeat when it is broken.
   */
  admit(raw: readonly RawProblem[]): Problem[];
  /** Whether a schema problem lies at or under `path`. */
  damaged(path: PathSegments): boolean;
}

/** Throws TopologyError with every problem of the schema and the cross-field rules (warnings alone do not stop it). */
export function loadTopology(bytes: Uint8Array, distros: readonly string[]): LoadedTopology {
  const c = checkTopology(bytes, distros);
  if (c.problems.some((p) => !isWarning(p)) || c.understood === undefined) throw new TopologyError(c.problems);
  return { topology: c.understood, positionOf: c.positionOf };
}

/** One pass: the schema and the cross-field rules together. Never throws for bad input. */
export function checkTopology(bytes: Uint8Array, distros: readonly string[]): CheckedTopology {
  const nothing = (problems: Problem[]): CheckedTopology => ({ problems, positionOf: () => undefined, admit: () => [], damaged: () => true });
  let yaml: ParsedYaml;
  try {
    yaml = parseYaml(bytes);
  } catch (e) {
    if (e instanceof TopologyError) return nothing(e.problems);
    throw e;
  }
  const { data, at } = yaml;
  const positionOf = (path: PathSegments) => at(path, false);
  const hostNames = isPlainObject(data) && isPlainObject(data.hosts) ? Object.keys(data.hosts) : [];
  const toProblem = (r: RawProblem): Problem => {
    const pos = r.pos ?? (r.file === undefined ? at(r.path, r.atKey ?? false) : undefined);
    const p: Problem = {
      code: r.code,
      path: formatPath(r.path),
      message: r.message,
      ...(pos !== undefined ? { pos } : {}),
      ...(r.suggestion !== undefined ? { suggestion: r.suggestion } : {}),
      ...(r.severity !== undefined ? { severity: r.severity } : {}),
      ...(r.file !== undefined ? { file: r.file } : {}),
    };
    return withHostSuggestion(p, r.path, data, hostNames);
  };

  if (data === null || data === undefined) {
    return nothing([{ code: 'missing', path: '', message: 'the file is empty: a topology needs at least name and hosts', pos: { line: 1, col: 1 } }]);
  }
  const schema = makeTopologySchema(distros);
  const parsed = schema.safeParse(data);
  if (parsed.success) {
    const admit = (raw: readonly RawProblem[]) => raw.map(toProblem);
    return { problems: sortProblems(admit(validateTopology(parsed.data))), understood: parsed.data, positionOf, admit, damaged: () => false };
  }

  const bad = parsed.error.issues.flatMap((i) => fromZodIssue(i, data, schema));
  const badPaths = bad.map((p) => p.path);
  const damaged = (path: PathSegments) => badPaths.some((b) => startsWith(b, path));
  const kept = new WeakMap<object, number[]>();
  let understood: Topology | undefined;
  if (isPlainObject(data)) {
    // A bad cluster name must not hide the rest: no rule reads it.
    const named = schema.shape.name.safeParse(data.name).success ? data : { ...data, name: 'lvsgen' };
    const s = salvage(schema, named, kept);
    if (s.ok) understood = s.value as Topology;
  }
  const brokenHosts = [...new Set(badPaths.filter((b) => b[0] === 'hosts' && b.length >= 2).map((b) => String(b[1])))];
  const naming = brokenHosts.map((h) => new RegExp(`(?<![A-Za-z0-9-])${h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9-])`));
  // What depends on every host's roles and distros: the virtual services' director, the backend's support.
  const wholeBroken = brokenHosts.length > 0 || badPaths.some((b) => b.length <= 1 || b[0] === 'defaults' || b[0] === 'director_backend');
  const heartbeatBroken = damaged(['heartbeat']) || damaged(['pairs']);
  const admit = (raw: readonly RawProblem[]): Problem[] => {
    if (understood === undefined) return [];
    const out: Problem[] = [];
    for (const r of raw) {
      const m = remap(understood, r, kept);
      if (badPaths.some((b) => startsWith(b, m.path) || startsWith(m.path, b))) continue;
      if (naming.some((re) => re.test(m.message))) continue;
      if (wholeBroken && m.path.length <= 1) continue;
      if (heartbeatBroken && m.path[0] !== 'heartbeat' && m.path[0] !== 'pairs' && m.message.includes('heartbeat')) continue;
      out.push(toProblem(m));
    }
    return out;
  };
  const problems = [...bad.map(toProblem), ...(understood !== undefined ? admit(validateTopology(understood)) : [])];
  return { problems: sortProblems(problems), ...(understood !== undefined ? { understood } : {}), positionOf, admit, damaged };
}

/** A reference to a host that is not there: the host names closest to it. */
function withHostSuggestion(p: Problem, path: PathSegments, data: unknown, hostNames: readonly string[]): Problem {
  const reference = p.code === 'undefined-host' || (p.code === 'invalid-hostname' && (path[0] === 'virtual_services' || path[0] === 'heartbeat' || path[0] === 'pairs'));
  if (!reference || p.suggestion !== undefined) return p;
  const v = valueAt(data, path);
  const name = typeof v === 'string' ? v : isPlainObject(v) && typeof v.host === 'string' ? v.host : undefined;
  if (name === undefined) return p;
  const close = suggest(name, hostNames);
  if (close.length === 0) return p;
  return { ...p, message: `${p.message}; ${didYouMean(close)}`, suggestion: close[0]! };
}

interface ParsedYaml {
  data: unknown;
  at(path: PathSegments, atKey: boolean): Position | undefined;
}

/** Bytes -> data with positions; throws TopologyError for what stops the reading (limits, encoding, YAML errors). */
function parseYaml(bytes: Uint8Array): ParsedYaml {
  if (bytes.length > LIMITS.maxBytes) {
    throw new TopologyError([{ code: 'input-too-large', path: '', message: `file is ${bytes.length} bytes; the limit is ${LIMITS.maxBytes}` }]);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TopologyError([{ code: 'not-utf8', path: '', message: 'file is not valid UTF-8 text' }]);
  }
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    // Duplicate keys are found below with a Set: the library's own check compares
    // each key with every earlier one, quadratic in the number of hosts.
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: true });
  } catch (e) {
    throw new TopologyError([{ code: 'yaml-too-deep', path: '', message: `YAML could not be parsed: ${(e as Error).message}` }]);
  }
  const at = (offset: number | undefined): Position | undefined => {
    if (offset === undefined) return undefined;
    const p = lines.linePos(offset);
    return { line: p.line, col: p.col };
  };
  if (doc.errors.length > 0) {
    throw new TopologyError(
      doc.errors.map((e) => ({
        code: e.code === 'DUPLICATE_KEY' ? 'yaml-duplicate-key' : /call stack/i.test(e.message) ? 'yaml-too-deep' : 'yaml-syntax',
        path: '',
        message: e.message.split('\n')[0]!,
        pos: at(e.pos[0]),
      })),
    );
  }
  const duplicates = duplicateKeys(doc.contents);
  if (duplicates.length > 0) {
    throw new TopologyError(duplicates.map((k) => ({ code: 'yaml-duplicate-key', path: '', message: `map keys must be unique: "${k.key}" appears again`, pos: at(k.offset) })));
  }
  if (depthOf(doc.contents) > LIMITS.maxDepth) {
    throw new TopologyError([{ code: 'yaml-too-deep', path: '', message: `nesting deeper than ${LIMITS.maxDepth} levels` }]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
  } catch (e) {
    throw new TopologyError([{ code: 'yaml-alias-limit', path: '', message: (e as Error).message }]);
  }
  return { data, at: (path, atKey) => at(offsetOf(doc.contents, path, atKey)) };
}

function valueAt(data: unknown, path: PathSegments): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** Fields whose values are never echoed in a message. */
const SECRET_FIELDS = new Set(['key', 'passwd', 'key_env', 'key_file']);

function fromZodIssue(issue: z.core.$ZodIssue, data: unknown, schema: TopologySchema): RawProblem[] {
  const path = issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s));
  const input = valueAt(data, path);
  if (input === undefined && issue.code !== 'unrecognized_keys' && issue.code !== 'invalid_key' && path.length > 0) {
    return [{ code: 'missing', path, message: 'required field is missing' }];
  }
  const tagged = (issue as { params?: { code?: ProblemCode } }).params?.code;
  switch (issue.code) {
    case 'unrecognized_keys': {
      // Prefer the keys the mapping does not have yet: `role` beside no `roles`.
      const known = knownKeys(schema, path);
      const here = valueAt(data, path);
      const absent = known.filter((k) => !(isPlainObject(here) && k in here));
      return issue.keys.map((k) => {
        const close = suggest(k, absent).length > 0 ? suggest(k, absent) : suggest(k, known);
        return {
          code: 'unknown-key',
          path: [...path, k],
          message: `unknown key "${k}"${close.length > 0 ? `; ${didYouMean(close)}` : ''}`,
          atKey: true,
          ...(close.length > 0 ? { suggestion: close[0]! } : {}),
        };
      });
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      const code: ProblemCode = path[path.length - 2] === 'interfaces' ? 'invalid-interface' : 'invalid-hostname';
      return [{ code, path, message: `"${String(path[path.length - 1])}": ${inner?.message ?? issue.message}`, atKey: true }];
    }
    case 'invalid_type': {
      if (issue.expected === 'int') return [{ code: 'invalid-value', path, message: 'must be a whole number' }];
      const secret = path.some((p) => typeof p === 'string' && SECRET_FIELDS.has(p));
      return [{ code: 'type', path, message: `expected ${issue.expected}, got ${secret ? typeof input : describe(input)}` }];
    }
    case 'invalid_value': {
      // An enum: a role, a distro, a scheduler, a forwarding method, ... (never a secret's).
      const secret = path.some((p) => typeof p === 'string' && SECRET_FIELDS.has(p));
      const close = typeof input === 'string' && !secret ? suggest(input, issue.values.filter((v): v is string => typeof v === 'string')) : [];
      return [{
        code: path.includes('scheduler') ? 'invalid-scheduler' : 'invalid-value',
        path,
        message: close.length > 0 ? `${issue.message}; ${didYouMean(close)}` : issue.message,
        ...(close.length > 0 ? { suggestion: close[0]! } : {}),
      }];
    }
    case 'invalid_union': {
      // Report the branch that got furthest: the one whose issues have the longest path.
      const branches = issue.errors.map((errs) => errs.flatMap((e) => fromZodIssue({ ...e, path: [...issue.path, ...e.path] } as z.core.$ZodIssue, data, schema)));
      branches.sort((a, b) => Math.max(...b.map((p) => p.path.length)) - Math.max(...a.map((p) => p.path.length)));
      const best = branches[0];
      return best && best.length > 0 ? best : [{ code: 'type', path, message: issue.message }];
    }
    default: {
      const code: ProblemCode = tagged ?? (path.includes('port') ? 'invalid-port' : 'invalid-value');
      return [{ code, path, message: issue.message }];
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/** Keys that repeat within one mapping, with the offset of each repetition. */
function duplicateKeys(root: unknown): Array<{ key: string; offset: number | undefined }> {
  const out: Array<{ key: string; offset: number | undefined }> = [];
  const visit = (node: unknown, depth: number) => {
    if (depth > LIMITS.maxDepth) return;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? `${typeof pair.key.value}:${String(pair.key.value)}` : undefined;
        if (key !== undefined && seen.has(key)) out.push({ key: String((pair.key as { value: unknown }).value), offset: (pair.key as Node).range?.[0] });
        if (key !== undefined) seen.add(key);
        visit(pair.value, depth + 1);
      }
    } else if (isSeq(node)) for (const item of node.items) visit(item, depth + 1);
  };
  visit(root, 0);
  return out;
}

function depthOf(node: unknown, depth = 0): number {
  if (depth > LIMITS.maxDepth) return depth;
  if (isMap(node)) return Math.max(depth + 1, ...node.items.map((p) => depthOf(p.value, depth + 1)));
  if (isSeq(node)) return Math.max(depth + 1, ...node.items.map((i) => depthOf(i, depth + 1)));
  return depth;
}

/** Source offset of a model path: the value's start, or its key's with atKey. */
function offsetOf(root: unknown, path: PathSegments, atKey: boolean): number | undefined {
  let node: unknown = root;
  let best = (node as Node | null)?.range?.[0];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return best;
      const key = pair.key as Node;
      if (last && atKey) return key.range?.[0] ?? best;
      node = pair.value ?? key;
      best = (node as Node).range?.[0] ?? key.range?.[0] ?? best;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) return best;
      node = item;
      best = (item as Node).range?.[0] ?? best;
    } else {
      return best;
    }
  }
  return best;
}
