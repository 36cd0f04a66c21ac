// What of a topology passes the schema, when the whole does not: the
// cross-field rules then still run on the rest, so a bad scheduler in one
// virtual service does not hide an undefined host in another. Pure.
//
// A part that fails is dropped: an optional field (its default applies), a
// list entry or a mapping entry; a required list or mapping that is not one
// becomes empty; an object that misses a required plain field is dropped as a
// whole. Unknown keys are ignored (the schema problems name them). Lists that
// lost entries are recorded with the index each kept entry had in the file,
// so that problems about the salvaged topology can be mapped back.
import type { z } from 'zod';
import type { PathSegments, RawProblem } from './problems.js';

/** The parts of a zod schema this module looks into (zod 4's definitions). */
interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The schema without its optional, default and pipe wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = defOf(s);
    if ((d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'readonly' || d.type === 'prefault') && d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

/** The keys an object schema knows at `path` (through lists, mappings and unions); [] where none. */
export function knownKeys(schema: z.ZodType, path: PathSegments): string[] {
  let cur: z.ZodType[] = [schema];
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const s of cur.map(unwrap)) {
      const d = defOf(s);
      if (d.type === 'object' && d.shape && typeof seg === 'string' && seg in d.shape) next.push(d.shape[seg]!);
      else if (d.type === 'array' && d.element && typeof seg === 'number') next.push(d.element);
      else if (d.type === 'record' && d.valueType) next.push(d.valueType);
      else if (d.type === 'union' && d.options) {
        for (const o of d.options) {
          const od = defOf(unwrap(o));
          if (od.type === 'object' && od.shape && typeof seg === 'string' && seg in od.shape) next.push(od.shape[seg]!);
        }
      }
    }
    cur = next;
  }
  const keys: string[] = [];
  for (const s of cur.map(unwrap)) {
    const d = defOf(s);
    const shapes = d.type === 'object' ? [d.shape] : d.type === 'union' ? (d.options ?? []).map((o) => defOf(unwrap(o)).shape) : [];
    for (const sh of shapes) for (const k of Object.keys(sh ?? {})) if (!keys.includes(k)) keys.push(k);
  }
  return keys;
}

type Salvaged = { ok: true; value: unknown } | { ok: false };
const FAIL: Salvaged = { ok: false };

/** `value` as far as it passes `schema`; `kept` records, per list made here, the file's index of each entry. */
export function salvage(schema: z.ZodType, value: unknown, kept: WeakMap<object, number[]>): Salvaged {
  const whole = schema.safeParse(value);
  if (whole.success) return { ok: true, value: whole.data };
  const d = defOf(schema);
  switch (d.type) {
    case 'default':
    case 'prefault': {
      const inner = salvage(d.innerType!, value, kept);
      if (inner.ok && inner.value !== undefined) return inner;
      const fallback = schema.safeParse(undefined);
      return fallback.success ? { ok: true, value: fallback.data } : FAIL;
    }
    case 'optional': {
      const inner = salvage(d.innerType!, value, kept);
      return inner.ok ? inner : { ok: true, value: undefined };
    }
    case 'object': {
      if (!isPlainObject(value)) return FAIL;
      const out: Record<string, unknown> = {};
      for (const [k, field] of Object.entries(d.shape ?? {})) {
        const s = salvage(field, value[k], kept);
        if (s.ok) {
          if (s.value !== undefined) out[k] = s.value;
          continue;
        }
        const t = defOf(unwrap(field)).type;
        if (t === 'array') out[k] = track([], [], kept);
        else if (t === 'record') out[k] = {};
        else return FAIL;
      }
      return { ok: true, value: out };
    }
    case 'array': {
      if (!Array.isArray(value)) return FAIL;
      const out: unknown[] = [];
      const from: number[] = [];
      for (const [i, item] of value.entries()) {
        const s = salvage(d.element!, item, kept);
        if (s.ok) {
          out.push(s.value);
          from.push(i);
        }
      }
      return { ok: true, value: track(out, from, kept) };
    }
    case 'record': {
      if (!isPlainObject(value)) return FAIL;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (!d.keyType!.safeParse(k).success) continue;
        const s = salvage(d.valueType!, v, kept);
        if (s.ok) out[k] = s.value;
      }
      return { ok: true, value: out };
    }
    case 'union': {
      for (const o of d.options ?? []) {
        const s = salvage(o, value, kept);
        if (s.ok) return s;
      }
      return FAIL;
    }
    default:
      return FAIL;
  }
}

function track(out: unknown[], from: number[], kept: WeakMap<object, number[]>): unknown[] {
  kept.set(out, from);
  return out;
}

/**
 * A problem about the salvaged topology with the file's indices: in its path,
 * and where its message names a virtual service, a pair or a floating address
 * by index (virtual_services[N], pairs[N], pairs[N].floating[M],
 * heartbeat.floating[M]).
 */
export function remap(root: unknown, p: RawProblem, kept: WeakMap<object, number[]>): RawProblem {
  const path = mapPath(root, p.path, kept);
  const message = p.message.replace(/\b(virtual_services|pairs|heartbeat\.floating)\[(\d+)\](\.floating\[(\d+)\])?/g, (all, where: string, i: string, sub: string | undefined, j: string | undefined) => {
    const segs: PathSegments = [...where.split('.'), Number(i), ...(sub !== undefined ? ['floating', Number(j)] : [])];
    const m = mapPath(root, segs, kept);
    return sub !== undefined
      ? `${where}[${String(m[m.length - 3])}].floating[${String(m[m.length - 1])}]`
      : `${where}[${String(m[m.length - 1])}]`;
  });
  return { ...p, path, message };
}

function mapPath(root: unknown, path: PathSegments, kept: WeakMap<object, number[]>): Array<string | number> {
  const out: Array<string | number> = [];
  let node: unknown = root;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === 'number') {
      out.push(kept.get(node)?.[seg] ?? seg);
      node = node[seg];
    } else {
      out.push(seg);
      node = isPlainObject(node) ? node[String(seg)] : undefined;
    }
  }
  return out;
}

/** Whether `path` starts with `prefix`, segment by segment (hosts.real1 is not under hosts.real10). */
export function startsWith(path: PathSegments, prefix: PathSegments): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]));
}
