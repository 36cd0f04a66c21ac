// Load a topology: bytes -> YAML document (with positions) -> schema check ->
// cross-field checks. Pure: the caller reads the file and hands over bytes.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { formatPath, TopologyError, type PathSegments, type Position, type Problem, type ProblemCode, type RawProblem } from './problems.js';
import { makeTopologySchema, type Topology } from './schema.js';
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

export function loadTopology(bytes: Uint8Array, distros: readonly string[]): LoadedTopology {
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
  const positionOf = (path: PathSegments, atKey = false) => at(offsetOf(doc.contents, path, atKey));
  const toProblem = (r: RawProblem): Problem => ({
    code: r.code,
    path: formatPath(r.path),
    message: r.message,
    pos: positionOf(r.path, r.atKey ?? false),
  });

  if (data === null || data === undefined) {
    throw new TopologyError([{ code: 'missing', path: '', message: 'the file is empty: a topology needs at least name and hosts', pos: { line: 1, col: 1 } }]);
  }
  const schema = makeTopologySchema(distros);
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const found = parsed.error.issues.flatMap((i) => fromZodIssue(i, data));
    // Report cross-field problems too, where the rest still parses once the
    // bad optional fields are dropped (their defaults then apply).
    const pruned = structuredClone(data);
    for (const p of found) deleteAt(pruned, p.path);
    const retry = schema.safeParse(pruned);
    if (retry.success) {
      const bad = found.map((p) => formatPath(p.path));
      for (const extra of validateTopology(retry.data)) {
        const at = formatPath(extra.path);
        if (!bad.some((b) => at.startsWith(b) || b.startsWith(at))) found.push(extra);
      }
    }
    throw new TopologyError(sortProblems(found.map(toProblem)));
  }
  const problems = validateTopology(parsed.data).map(toProblem);
  if (problems.length > 0) throw new TopologyError(sortProblems(problems));
  return { topology: parsed.data, positionOf: (p) => positionOf(p) };
}

function sortProblems(ps: Problem[]): Problem[] {
  return [...ps].sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0));
}

function deleteAt(data: unknown, path: PathSegments): void {
  const parent = valueAt(data, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last !== undefined && parent !== null && typeof parent === 'object' && !Array.isArray(parent)) {
    delete (parent as Record<string, unknown>)[last];
  }
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

function fromZodIssue(issue: z.core.$ZodIssue, data: unknown): RawProblem[] {
  const path = issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s));
  const input = valueAt(data, path);
  if (input === undefined && issue.code !== 'unrecognized_keys' && issue.code !== 'invalid_key' && path.length > 0) {
    return [{ code: 'missing', path, message: 'required field is missing' }];
  }
  const tagged = (issue as { params?: { code?: ProblemCode } }).params?.code;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => ({ code: 'unknown-key', path: [...path, k], message: `unknown key "${k}"`, atKey: true }));
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
    case 'invalid_value':
      return [{ code: path.includes('scheduler') ? 'invalid-scheduler' : 'invalid-value', path, message: issue.message }];
    case 'invalid_union': {
      // Report the branch that got furthest: the one whose issues have the longest path.
      const branches = issue.errors.map((errs) => errs.flatMap((e) => fromZodIssue({ ...e, path: [...issue.path, ...e.path] } as z.core.$ZodIssue, data)));
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
