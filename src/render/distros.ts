// Distros are data: distros/<name>/distro.yaml says which artifact kinds a
// host of that distro gets, where they go, which template renders them and
// which commands apply them. Templates are looked up in the distro's folder,
// then in distros/_shared/. This module is the only one that reads them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { DIRECTOR_BACKENDS } from '../model/schema.js';
import type { DistroCapabilities } from '../model/targets.js';
import { KINDS } from './kinds.js';
import { compileTemplate, registerPartial, type Template } from './templates.js';

const ruleSchema = z.strictObject({
  kind: z.string().refine((k) => k in KINDS, { message: `unknown kind; known: ${Object.keys(KINDS).join(', ')}` }),
  path: z.string().regex(/^(\/|\{\{)/, { message: 'must be an absolute path (it may start with a {{variable}})' }),
  template: z.string(),
  mode: z.string().regex(/^0[0-7]{3}$/).default('0644'),
  then: z.array(z.string()).default([]),
});
const actionSchema = z.strictObject({
  /** Ask before running: restarting networking can cut the operator's connection. */
  confirm: z.boolean().default(false),
  /** Commands (Handlebars over the host). A leading `-` means a failure is only a warning. */
  run: z.array(z.string()).min(1),
});
const verifySchema = z.strictObject({
  run: z.string(),
  expect: z.string(),
});
const distroSchema = z.strictObject({
  description: z.string(),
  verify: z.array(verifySchema).default([]),
  vars: z.record(z.string(), z.string()).default({}),
  files: z.array(ruleSchema),
  actions: z.record(z.string(), actionSchema).default({}),
});

export interface FileRule {
  kind: string;
  path: Template;
  pathSource: string;
  template: Template;
  mode: number;
  then: string[];
}

export interface ActionRule {
  name: string;
  confirm: boolean;
  run: Template[];
}

export interface VerifyRule {
  run: string;
  expect: Template;
}

export interface Distro {
  name: string;
  verify: VerifyRule[];
  description: string;
  vars: Record<string, string>;
  files: FileRule[];
  actions: ActionRule[];
  installer: Template;
}

export type DistroSet = ReadonlyMap<string, Distro>;

/**
 * lvsgen's own folder (package.json, distros/): three levels above this
 * module in dist/src/render, as above the bundle in dist/src/cli.
 */
export const LVSGEN_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DISTROS_DIR = join(LVSGEN_ROOT, 'distros');
const SHARED = '_shared';

/** Names of the distros in a distros/ folder (folders not starting with `_`). */
export function listDistros(dir = DISTROS_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('_') && existsSync(join(dir, e.name, 'distro.yaml')))
    .map((e) => e.name)
    .sort();
}

export function loadDistros(dir = DISTROS_DIR): DistroSet {
  const shared = join(dir, SHARED, 'templates');
  for (const f of readdirSync(shared).filter((n) => /^_.+\.hbs$/.test(n)).sort()) {
    registerPartial(f.slice(1, -'.hbs'.length), readFileSync(join(shared, f), 'utf8'));
  }
  return new Map(listDistros(dir).map((name) => [name, loadDistro(dir, name)]));
}

/**
 * What a distro can target, read off the kinds it lists: a director backend is
 * supported when its kind is there (ldirectord, keepalived), and heartbeat
 * pairs become VRRP when keepalived is.
 */
export function capabilitiesOf(distro: Distro): DistroCapabilities {
  const kinds = new Set(distro.files.map((f) => f.kind));
  return { directorBackends: DIRECTOR_BACKENDS.filter((b) => kinds.has(b)), vrrp: kinds.has('keepalived') };
}

function loadDistro(dir: string, name: string): Distro {
  const file = join(dir, name, 'distro.yaml');
  const parsed = distroSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const d = parsed.data;
  const template = (t: string) => {
    const own = join(dir, name, 'templates', t);
    const path = existsSync(own) ? own : join(dir, SHARED, 'templates', t);
    return compileTemplate(readFileSync(path, 'utf8'), path);
  };
  for (const r of d.files) {
    for (const a of r.then) if (!(a in d.actions)) throw new Error(`${file}: file ${r.path} names unknown action ${a}`);
  }
  return {
    name,
    description: d.description,
    vars: d.vars,
    verify: d.verify.map((v) => ({ run: v.run, expect: compileTemplate(v.expect, `${file} verify ${v.run}`) })),
    files: d.files.map((r) => ({
      kind: r.kind,
      path: compileTemplate(r.path, `${file} path`),
      pathSource: r.path,
      template: template(r.template),
      mode: parseInt(r.mode, 8),
      then: r.then,
    })),
    actions: Object.entries(d.actions).map(([n, a]) => ({ name: n, confirm: a.confirm, run: a.run.map((c) => compileTemplate(c, `${file} action ${n}`)) })),
    installer: template('install.sh.hbs'),
  };
}
