// Distros are data: distros/<name>/distro.yaml says what a host of that distro
// can run (capabilities), which artifact kinds it gets, where they go, which
// template renders them and which commands apply them. Templates are looked up
// in the distro's folder, then in distros/_shared/. Reading the folder
// (readDistroFiles) is the only I/O; building a distro set from its text
// (distroSet) is pure, so tests can build one in memory.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { DIRECTOR_BACKENDS } from '../model/schema.js';
import type { DistroCapabilities } from '../model/targets.js';
import { KIND_NAMES, type KindName } from './kinds.js';
import { SERVICE_QUERIES, type Merge, type ServiceQuery } from './plan.js';
import { createTemplateEngine, type Template, type TemplateEngine } from './templates.js';

const ruleSchema = z.strictObject({
  kind: z.enum(KIND_NAMES, { message: `unknown kind; known: ${KIND_NAMES.join(', ')}` }),
  path: z.string().regex(/^(\/|\{\{)/, { message: 'must be an absolute path (it may start with a {{variable}})' }),
  template: z.string(),
  mode: z.string().regex(/^0[0-7]{3}$/).default('0644'),
  then: z.array(z.string()).default([]),
  /**
   * replace: the whole file is lvsgen's; block: only a marked block of the host's file;
   * iptables: a marked block inside the table's section of an iptables-save file; ifupdown,
   * keyfile, ifcfg: lvsgen's interface file with the host's own settings of the device carried over,
   * the host's other stanzas or profiles for it disabled; interfaces: the host's main
   * interfaces(5) file with its stanzas for lvsgen's devices disabled (see render/plan.ts).
   */
  merge: z.enum(['replace', 'block', 'iptables', 'ifupdown', 'keyfile', 'ifcfg', 'interfaces']).default('replace'),
  /**
   * Pre-flight: the command (Handlebars over the file's context and `file`,
   * its host path) with which the file's consumer reads it without applying
   * it, and the exit status that means it takes the file. The installer runs
   * it on a staged copy (the word `file` renders to is replaced by the copy's
   * path) before it replaces anything.
   */
  check: z.strictObject({ run: z.string(), status: z.number().int().min(0).max(255).default(0) }).optional(),
  /**
   * The file's consumer also reads profiles of another format from a folder:
   * `ifcfg: DIR`, NetworkManager's ifcfg-rh plugin reading DIR/ifcfg-* (RHEL 9).
   * Those for the file's device are disabled and their settings carried over
   * (a keyfile merge; see install.sh and render/plan.ts ifcfgAsKeyfile).
   */
  reads: z.strictObject({ ifcfg: z.string().regex(/^(\/[A-Za-z0-9_.-]+)+$/, { message: 'must be an absolute path' }) }).optional(),
});
const actionSchema = z.strictObject({
  /** Ask before running: restarting networking can cut the operator's connection. */
  confirm: z.boolean().default(false),
  /** Commands (Handlebars over the host). A leading `-` means a failure is only a warning. None: a daemon's reload alone (`running`). */
  run: z.array(z.string()).default([]),
  /**
   * Commands run before the action's files are replaced, with the old files in
   * place (take the old loopback alias down before the new one comes up).
   */
  before: z.array(z.string()).default([]),
  /**
   * Reload, not restart: after `run`, the command that says whether the
   * daemon runs (exit 0), then `reload` when it does, `start` when not.
   */
  running: z.string().optional(),
  reload: z.array(z.string()).default([]),
  start: z.array(z.string()).default([]),
  /**
   * A backend switch: `after`, commands run once the daemon runs (after its
   * reload or start) when service `after.service` (Handlebars; empty: none)
   * was enabled or running before the run, to stop that other backend only
   * then; and `readd`, run after them when service `readd.service` was running
   * before the run: the new backend adds again what the old one deleted on its way out.
   */
  after: z.strictObject({ service: z.string(), run: z.array(z.string()) }).optional(),
  readd: z.strictObject({ service: z.string(), run: z.array(z.string()) }).optional(),
  /**
   * Commands that take the action's live effect down (lvsgen's table, chain,
   * addresses), lvsgen's files still in place: run by --uninstall and by the
   * rollback of a run that started the action. A leading `-`: only a warning.
   */
  undo: z.array(z.string()).default([]),
  /** Commands run once the files are restored (--uninstall, a rollback): the host re-reads them. */
  reapply: z.array(z.string()).default([]),
  /**
   * Services the action may enable, disable, start or stop (Handlebars, one
   * or more names a line; empty: none): install.sh keeps their state before
   * the actions run and puts it back (a rollback, --uninstall). See `live`.
   */
  services: z.array(z.string()).default([]),
  /** Services the action only enables (never starts or stops: stopping iptables or nftables.service flushes rules). */
  enables: z.array(z.string()).default([]),
  /**
   * What the action turns on that the host may not have had (a module loaded,
   * an SELinux boolean set, tunl0 up, a route added), one item a line of each
   * template (Handlebars over the host; the three render the same number of
   * lines): `id` names it, `probe` says whether it is on (exit 0 with output),
   * `revert` turns it back (a leading `-`: a failure only warns). install.sh
   * probes each before the actions run and reverts, on --uninstall and
   * rollback, only what was off before and is on now. `redo` (as many lines,
   * or none) turns it on again: a later install whose plan no longer probes
   * the item reverts it, and its rollback runs the kept `redo`.
   */
  states: z.array(z.strictObject({ id: z.string(), probe: z.string(), revert: z.string(), redo: z.string().default('') })).default([]),
}).refine((a) => a.run.length > 0 || a.running !== undefined, { message: 'an action runs commands (run), or reloads a daemon (running, reload)' });
/**
 * How install.sh reads and puts back the live state the actions change:
 * services' commands (Handlebars over the host and `service`), and the
 * program that reads and writes a kernel key (`-n KEY`, `-w KEY=VALUE`).
 */
const liveSchema = z.strictObject({
  sysctl: z.string().optional(),
  services: z
    .strictObject({
      /** exit 0: enabled at boot. Absent where the distro has no such query: enablement is then not kept. */
      enabled: z.string().optional(),
      /** exit 0: running. */
      active: z.string(),
      enable: z.string().optional(),
      disable: z.string().optional(),
      start: z.string(),
      stop: z.string(),
    })
    .optional(),
});
const verifySchema = z.strictObject({
  run: z.string(),
  expect: z.string(),
});
const capabilitiesSchema = z.strictObject({
  /** What can run a director's virtual services here (the topology's director_backend); the first is the default. */
  director_backends: z.array(z.enum(DIRECTOR_BACKENDS)),
  /** What a topology's heartbeat: pair becomes: heartbeat's files, or a keepalived VRRP instance. */
  heartbeat_pair: z.enum(['heartbeat', 'vrrp']),
  /** The firewall a NAT director's masquerading is written for. */
  firewall: z.enum(['iptables', 'nftables']),
  /**
   * The kernel has net.ipv4.vs.conntrack (Linux 2.6.37 on): a NAT director sets it to 1
   * (derive.ts). Unset: false (the 2005 distros' kernels lack the key).
   */
  ipvs_conntrack: z.boolean().optional(),
});
/**
 * Package names (Handlebars over the host, one or more per line: a name that
 * renders empty is not needed by that host). render/plan.ts checks each name.
 */
const packagesSchema = z.strictObject({
  /** By file kind: what reads that file (ldirectord.cf: ldirectord). */
  kinds: z.partialRecord(z.enum(KIND_NAMES), z.array(z.string())).default({}),
  /** By action: what its commands run (sysctl: procps). */
  actions: z.record(z.string(), z.array(z.string())).default({}),
});
const distroSchema = z.strictObject({
  description: z.string(),
  packages: packagesSchema.default({ kinds: {}, actions: {} }),
  capabilities: capabilitiesSchema,
  verify: z.array(verifySchema).default([]),
  vars: z.record(z.string(), z.string()).default({}),
  files: z.array(ruleSchema),
  live: liveSchema.default({}),
  actions: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'an action name is lower-case letters, digits, - and _' }), actionSchema).default({}),
});

/** What a distro can do, as its distro.yaml states it; the checks of model/targets.ts read the DistroCapabilities part. */
export interface Capabilities extends DistroCapabilities {
  heartbeatPair: 'heartbeat' | 'vrrp';
  firewall: 'iptables' | 'nftables';
  ipvsConntrack: boolean;
}

export interface FileRule {
  kind: KindName;
  path: Template;
  pathSource: string;
  template: Template;
  mode: number;
  then: string[];
  merge: Merge;
  /** Pre-flight: the consumer's check of the file (`file` in the template is its host path) and the status that accepts it. */
  check?: { run: Template; status: number };
  /** The folder of ifcfg files the file's consumer also reads (NetworkManager's ifcfg-rh plugin). */
  readsIfcfg?: string;
}

export interface ActionRule {
  name: string;
  confirm: boolean;
  before: Template[];
  run: Template[];
  running?: Template;
  reload: Template[];
  start: Template[];
  after?: { service: Template; run: Template[] };
  readd?: { service: Template; run: Template[] };
  undo: Template[];
  reapply: Template[];
  services: Template[];
  enables: Template[];
  states: Array<{ id: Template; probe: Template; revert: Template; redo: Template }>;
}

/** How install.sh reads and sets what the actions change live (distro.yaml's `live`). */
export interface LiveRule {
  /** The sysctl program (`-n KEY` reads, `-w KEY=VALUE` writes); absent: keys are not kept. */
  sysctl?: string;
  /** Over the host and `service`. */
  services?: Partial<Record<ServiceQuery, Template>>;
}

export interface VerifyRule {
  run: string;
  expect: Template;
}

export interface Distro {
  name: string;
  /**
   * The packages a host needs, under this distro's names: those of each file
   * kind it gets and of each action its plan runs (render.ts picks them).
   */
  packages: { kinds: Partial<Record<KindName, Template[]>>; actions: Record<string, Template[]> };
  verify: VerifyRule[];
  description: string;
  capabilities: Capabilities;
  vars: Record<string, string>;
  files: FileRule[];
  actions: ActionRule[];
  live: LiveRule;
  /** The static installer's bytes (_shared/install.sh): the same program in every bundle. */
  installer: string;
}

export type DistroSet = ReadonlyMap<string, Distro>;

/**
 * lvsgen's own folder (package.json, distros/): the first folder above this
 * module holding lvsgen's package.json. Walking up rather than counting
 * levels finds it from the compiled modules (dist/src/render) and from the
 * bundle (dist/src/cli/lvsgen.cjs) alike, and from an installed copy.
 */
export const LVSGEN_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
export const DISTROS_DIR = join(LVSGEN_ROOT, 'distros');
const SHARED = '_shared';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (isLvsgenPackage(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`internal: no package.json of lvsgen in ${from} or above it`);
  }
}

function isLvsgenPackage(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'lvsgen';
  } catch {
    return false; // someone else's unreadable package.json: keep looking
  }
}

/** Names of the distros in a distros/ folder (folders not starting with `_`). */
export function listDistros(dir = DISTROS_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('_') && existsSync(join(dir, e.name, 'distro.yaml')))
    .map((e) => e.name)
    .sort();
}

/**
 * A distros/ folder as text, by path inside it: `debian/distro.yaml`,
 * `debian/templates/interfaces.hbs`, `_shared/templates/_arp.hbs` ...
 */
export type DistroFiles = ReadonlyMap<string, string>;

/** The static installer, in the distros/ folder: the one program every bundle carries as .lvsgen/install.sh. */
export const INSTALLER_SOURCE = `${SHARED}/install.sh`;

/** Reads what distroSet needs from a distros/ folder: every distro.yaml, every template and the installer. */
export function readDistroFiles(dir = DISTROS_DIR): DistroFiles {
  const files = new Map<string, string>();
  const installer = join(dir, INSTALLER_SOURCE);
  if (existsSync(installer)) files.set(INSTALLER_SOURCE, readFileSync(installer, 'utf8'));
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const yaml = join(dir, e.name, 'distro.yaml');
    if (existsSync(yaml)) files.set(`${e.name}/distro.yaml`, readFileSync(yaml, 'utf8'));
    const templates = join(dir, e.name, 'templates');
    if (!existsSync(templates)) continue;
    for (const t of readdirSync(templates).filter((n) => n.endsWith('.hbs'))) {
      files.set(`${e.name}/templates/${t}`, readFileSync(join(templates, t), 'utf8'));
    }
  }
  return files;
}

export function loadDistros(dir = DISTROS_DIR): DistroSet {
  return distroSet(readDistroFiles(dir), dir);
}

/**
 * The distros of a folder's text, with a template engine of their own: the
 * partials (`{{> name}}`, from `_shared/templates/_name.hbs`) are this set's,
 * and each distinct template source is compiled once for the set. `dir` only
 * names files in messages.
 */
export function distroSet(files: DistroFiles, dir: string): DistroSet {
  const engine = createTemplateEngine();
  const partial = new RegExp(`^${SHARED}/templates/_(.+)\\.hbs$`);
  for (const path of [...files.keys()].sort()) {
    const m = partial.exec(path);
    if (m) engine.registerPartial(m[1]!, files.get(path)!);
  }
  const names = [...files.keys()]
    .map((p) => /^([^_/][^/]*)\/distro\.yaml$/.exec(p)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
  return new Map(names.map((name) => [name, buildDistro(files, dir, name, engine)]));
}

function buildDistro(files: DistroFiles, dir: string, name: string, engine: TemplateEngine): Distro {
  const file = join(dir, name, 'distro.yaml');
  const parsed = distroSchema.safeParse(parse(files.get(`${name}/distro.yaml`)!));
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const d = parsed.data;
  const template = (t: string) => {
    for (const folder of [name, SHARED]) {
      const source = files.get(`${folder}/templates/${t}`);
      if (source !== undefined) return engine.compile(source, join(dir, folder, 'templates', t));
    }
    throw new Error(`${file}: template ${t} is in neither ${join(dir, name, 'templates')} nor ${join(dir, SHARED, 'templates')}`);
  };
  for (const r of d.files) {
    for (const a of r.then) if (!(a in d.actions)) throw new Error(`${file}: file ${r.path} names unknown action ${a}`);
  }
  for (const k of Object.keys(d.packages.kinds)) {
    if (!d.files.some((r) => r.kind === k)) throw new Error(`${file}: packages.kinds names ${k}, a kind its files do not list`);
  }
  for (const [n, a] of Object.entries(d.actions)) {
    if ((a.reload.length > 0 || a.start.length > 0) !== (a.running !== undefined)) throw new Error(`${file}: action ${n}: running goes with reload or start`);
    if (a.services.length + a.enables.length > 0 && d.live.services === undefined) throw new Error(`${file}: action ${n}: services without live.services`);
  }
  for (const a of Object.keys(d.packages.actions)) if (!(a in d.actions)) throw new Error(`${file}: packages.actions names unknown action ${a}`);
  const capabilities: Capabilities = {
    // In the file's order: the first is what a director runs when the topology does not say.
    directorBackends: [...new Set(d.capabilities.director_backends)],
    vrrp: d.capabilities.heartbeat_pair === 'vrrp',
    heartbeatPair: d.capabilities.heartbeat_pair,
    firewall: d.capabilities.firewall,
    ipvsConntrack: d.capabilities.ipvs_conntrack ?? false,
  };
  const inconsistent = capabilityProblems(capabilities, new Set(d.files.map((r) => r.kind)));
  if (inconsistent.length > 0) throw new Error(`${file}: ${inconsistent.join('; ')}`);
  return {
    name,
    description: d.description,
    packages: {
      kinds: Object.fromEntries(Object.entries(d.packages.kinds).map(([k, list]) => [k, list.map((p) => engine.compile(p, `${file} packages of kind ${k}`))])),
      actions: Object.fromEntries(Object.entries(d.packages.actions).map(([a, list]) => [a, list.map((p) => engine.compile(p, `${file} packages of action ${a}`))])),
    },
    capabilities,
    vars: d.vars,
    verify: d.verify.map((v) => ({ run: v.run, expect: engine.compile(v.expect, `${file} verify ${v.run}`) })),
    files: d.files.map((r) => ({
      kind: r.kind,
      path: engine.compile(r.path, `${file} path`),
      pathSource: r.path,
      template: template(r.template),
      mode: parseInt(r.mode, 8),
      then: r.then,
      merge: r.merge,
      ...(r.check !== undefined ? { check: { run: engine.compile(r.check.run, `${file} check of ${r.path}`), status: r.check.status } } : {}),
      ...(r.reads !== undefined ? { readsIfcfg: r.reads.ifcfg } : {}),
    })),
    actions: Object.entries(d.actions).map(([n, a]) => ({
      name: n,
      confirm: a.confirm,
      before: a.before.map((c) => engine.compile(c, `${file} action ${n} before`)),
      run: a.run.map((c) => engine.compile(c, `${file} action ${n}`)),
      ...(a.running !== undefined ? { running: engine.compile(a.running, `${file} action ${n} running`) } : {}),
      reload: a.reload.map((c) => engine.compile(c, `${file} action ${n} reload`)),
      start: a.start.map((c) => engine.compile(c, `${file} action ${n} start`)),
      ...(a.after !== undefined ? { after: { service: engine.compile(a.after.service, `${file} action ${n} after service`), run: a.after.run.map((c) => engine.compile(c, `${file} action ${n} after`)) } } : {}),
      ...(a.readd !== undefined ? { readd: { service: engine.compile(a.readd.service, `${file} action ${n} readd service`), run: a.readd.run.map((c) => engine.compile(c, `${file} action ${n} readd`)) } } : {}),
      undo: a.undo.map((c) => engine.compile(c, `${file} action ${n} undo`)),
      reapply: a.reapply.map((c) => engine.compile(c, `${file} action ${n} reapply`)),
      services: a.services.map((c) => engine.compile(c, `${file} action ${n} services`)),
      enables: a.enables.map((c) => engine.compile(c, `${file} action ${n} enables`)),
      states: a.states.map((x) => ({
        id: engine.compile(x.id, `${file} action ${n} states id`),
        probe: engine.compile(x.probe, `${file} action ${n} states probe`),
        revert: engine.compile(x.revert, `${file} action ${n} states revert`),
        redo: engine.compile(x.redo, `${file} action ${n} states redo`),
      })),
    })),
    live: {
      ...(d.live.sysctl !== undefined ? { sysctl: d.live.sysctl } : {}),
      ...(d.live.services !== undefined
        ? {
            services: Object.fromEntries(
              SERVICE_QUERIES.flatMap((q) => {
                const c = d.live.services![q];
                return c === undefined ? [] : [[q, engine.compile(c, `${file} live.services.${q}`)]];
              }),
            ),
          }
        : {}),
    },
    installer: installer(files, dir),
  };
}

function installer(files: DistroFiles, dir: string): string {
  const text = files.get(INSTALLER_SOURCE);
  if (text === undefined) throw new Error(`${join(dir, INSTALLER_SOURCE)}: the installer is missing`);
  return text;
}

/**
 * The kinds each capability needs (a claim the files cannot keep is a broken
 * distro), and the kinds only a capability may bring (heartbeat's files on a
 * VRRP distro would be installed and never used; an ldirectord.cf where the
 * checks refuse ldirectord directors would never be written). Debian (sarge)
 * writes its iptables lines into /etc/network/interfaces, hence no kind
 * required for firewall: iptables.
 */
const CLAIMS: ReadonlyArray<{ claim: string; holds: (c: Capabilities) => boolean; requires: readonly KindName[]; allows?: readonly KindName[] }> = [
  { claim: 'director_backends: ldirectord', holds: (c) => c.directorBackends.includes('ldirectord'), requires: ['ldirectord'] },
  { claim: 'director_backends: keepalived', holds: (c) => c.directorBackends.includes('keepalived'), requires: ['keepalived'] },
  { claim: 'heartbeat_pair: vrrp', holds: (c) => c.heartbeatPair === 'vrrp', requires: ['keepalived'] },
  { claim: 'heartbeat_pair: heartbeat', holds: (c) => c.heartbeatPair === 'heartbeat', requires: ['ha-cf', 'haresources', 'authkeys', 'ipvs-sync', 'ipv6addr'] },
  { claim: 'firewall: nftables', holds: (c) => c.firewall === 'nftables', requires: ['masquerade'] },
  { claim: 'firewall: iptables', holds: (c) => c.firewall === 'iptables', requires: [], allows: ['iptables'] },
];

export function capabilityProblems(c: Capabilities, kinds: ReadonlySet<KindName>): string[] {
  const problems: string[] = [];
  for (const rule of CLAIMS) {
    if (!rule.holds(c)) continue;
    const missing = rule.requires.filter((k) => !kinds.has(k));
    if (missing.length > 0) problems.push(`capabilities say ${rule.claim}, but files list no ${missing.join(', ')} kind`);
  }
  // keepalived for the directors alone would still write VRRP for a heartbeat pair.
  if (kinds.has('keepalived') && c.heartbeatPair !== 'vrrp') {
    problems.push(`files list the keepalived kind, which writes a heartbeat pair's VRRP instance, but capabilities say heartbeat_pair: ${c.heartbeatPair}`);
  }
  for (const k of new Set(CLAIMS.flatMap((r) => [...r.requires, ...(r.allows ?? [])]))) {
    if (!kinds.has(k) || k === 'keepalived') continue;
    const by = CLAIMS.filter((r) => r.requires.includes(k) || r.allows?.includes(k));
    if (!by.some((r) => r.holds(c))) problems.push(`files list the ${k} kind, but capabilities claim none of ${by.map((r) => r.claim).join(', ')}`);
  }
  return problems;
}
