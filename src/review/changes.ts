// What a change of topology does to each host: the files added, changed and
// removed (from an earlier render, a golden tree or a copy of the hosts'
// files to what lvsgen generates now), the installer's actions those changes
// trigger, and the order a pair must be changed in. Pure: the command reads
// the trees and prints one of the views (text.ts, markdown.ts, html.ts).
import type { Tree } from '../bundle/tree.js';
import type { PairView } from '../derive/model.js';
import { parsePlan } from '../render/plan.js';
import { INSTALLER, MANIFEST, PLAN, type HostBundle } from '../render/types.js';
import { maskFile } from './mask.js';

export interface FileChange {
  /** The path on the host, e.g. `/etc/sysctl.conf`, or the bundle's own `.lvsgen/install.sh`. */
  path: string;
  kind: 'added' | 'changed' | 'removed';
  /** Both texts with every secret value replaced by ********; '' for the side that does not exist. */
  old: string;
  new: string;
  oldMode?: number;
  newMode?: number;
  /** The file holds a secret, and the secret is all that changed: the masked texts are equal. */
  secretOnly: boolean;
  /** A new host's installer: counted, not shown (the same program in every bundle; its plan is shown). */
  hidden: boolean;
}

export interface ActionRun {
  name: string;
  /** Asked for first on a terminal (restarting networking). */
  confirm: boolean;
  commands: string[];
  /** The changed files that trigger it. */
  because: string[];
}

export interface HostChange {
  host: string;
  /** The host's distro now; undefined for a host the topology no longer has. */
  distro?: string;
  status: 'new' | 'changed' | 'gone' | 'unchanged';
  files: FileChange[];
  /** What install.sh runs after installing the files, in its order. */
  actions: ActionRun[];
}

export interface PairOrder {
  /** Changed first: the standby node. */
  first: string;
  /** Then, once the first is back: the preferred active node. */
  then: string;
}

export interface Review {
  cluster: string;
  hosts: HostChange[];
  /** Set when both nodes of the pair change. */
  pair?: PairOrder;
  /** Files not compared: they hold the heartbeat key, which is not available. */
  notCompared: string[];
}

export interface ReviewInput {
  cluster: string;
  bundles: readonly HostBundle[];
  /** What is generated now and what is there, as `<host>/<path in bundle>`. */
  want: Tree;
  have: Tree;
  secrets: readonly string[];
  pair?: PairView;
  /** The stand-in for a heartbeat key that is not available (validate and diff run without it). */
  keyStandIn?: string;
}

const hostOf = (p: string) => p.slice(0, p.indexOf('/'));
const inBundle = (p: string) => p.slice(p.indexOf('/') + 1);
/** Host files are shown with their path on the host; lvsgen's own under .lvsgen/. */
const shownPath = (rel: string) => (rel.startsWith('.lvsgen/') ? rel : `/${rel}`);

export function reviewChanges(input: ReviewInput): Review {
  const { want, have, secrets } = input;
  const byHost = new Map<string, { want: string[]; have: string[] }>();
  const note = (p: string, side: 'want' | 'have') => {
    if (!p.includes('/')) return; // a stray file at the top is no host's
    const h = hostOf(p);
    if (!byHost.has(h)) byHost.set(h, { want: [], have: [] });
    byHost.get(h)![side].push(p);
  };
  for (const p of want.keys()) note(p, 'want');
  for (const p of have.keys()) note(p, 'have');
  const bundles = new Map(input.bundles.map((b) => [b.host, b]));
  const notCompared: string[] = [];
  const hosts: HostChange[] = [];
  for (const host of [...byHost.keys()].sort()) {
    const sides = byHost.get(host)!;
    const bundle = bundles.get(host);
    const isNew = sides.have.length === 0;
    const files: FileChange[] = [];
    for (const p of [...new Set([...sides.want, ...sides.have])].sort()) {
      const rel = inBundle(p);
      // The manifest only restates the other files' modes and checksums.
      if (rel === MANIFEST) continue;
      const w = want.get(p);
      const h = have.get(p);
      if (w !== undefined && h !== undefined && w.content === h.content && w.mode === h.mode) continue;
      if (input.keyStandIn !== undefined && w !== undefined && h !== undefined && w.content.includes(input.keyStandIn)) {
        if (w.mode === h.mode) notCompared.push(p);
        else files.push(fileChange(rel, h, w, secrets, false));
        continue;
      }
      files.push(fileChange(rel, h, w, secrets, isNew && rel === INSTALLER));
    }
    const status = bundle === undefined ? 'gone' : isNew ? 'new' : files.length > 0 ? 'changed' : 'unchanged';
    hosts.push({ host, ...(bundle ? { distro: bundle.distro } : {}), status, files, actions: bundle ? actionsFor(bundle, files) : [] });
  }
  const changed = (h: string) => hosts.some((x) => x.host === h && x.status === 'changed');
  const pair = input.pair && changed(input.pair.nodes[0]) && changed(input.pair.nodes[1]) ? { first: input.pair.nodes[1], then: input.pair.nodes[0] } : undefined;
  return { cluster: input.cluster, hosts, ...(pair ? { pair } : {}), notCompared };
}

function fileChange(rel: string, h: { content: string; mode: number } | undefined, w: { content: string; mode: number } | undefined, secrets: readonly string[], hidden: boolean): FileChange {
  const path = shownPath(rel);
  const oldText = h === undefined ? '' : maskFile(path, h.content, secrets);
  const newText = w === undefined ? '' : maskFile(path, w.content, secrets);
  return {
    path,
    kind: h === undefined ? 'added' : w === undefined ? 'removed' : 'changed',
    old: oldText,
    new: newText,
    ...(h !== undefined ? { oldMode: h.mode } : {}),
    ...(w !== undefined ? { newMode: w.mode } : {}),
    secretOnly: h !== undefined && w !== undefined && h.content !== w.content && oldText === newText,
    hidden,
  };
}

/**
 * The actions install.sh runs, read from the host's plan (.lvsgen/plan, the
 * data the installer runs from): those whose triggers (distro.yaml's `then`
 * of each file) include a file it installs anew or changes. A file the
 * topology no longer implies is put back to the host's original by the
 * installer and triggers nothing.
 */
const shown = (c: { words: string[]; tolerant: boolean }) => (c.tolerant ? `${c.words.join(' ')} (a failure is only a warning)` : c.words.join(' '));

function actionsFor(bundle: HostBundle, files: readonly FileChange[]): ActionRun[] {
  const touched = new Set(files.filter((f) => f.kind !== 'removed').map((f) => f.path));
  const plan = bundle.files.find((f) => f.path === PLAN);
  if (plan === undefined) throw new Error(`internal: the bundle of ${bundle.host} has no ${PLAN}`);
  return parsePlan(plan.content)
    .actions.map((a) => ({
      name: a.name,
      confirm: a.confirm,
      commands: [
        ...a.commands.map(shown),
        // Reload, not restart: which of the two runs is decided on the host.
        ...a.reload.map((c) => `${shown(c)} (if ${a.running.join(' ')} says it runs)`),
        ...a.start.map((c) => `${shown(c)} (if it does not run)`),
      ],
      because: a.triggers.filter((t) => touched.has(t)),
    }))
    .filter((a) => a.because.length > 0);
}

/** Counts for a summary line. */
export function tally(files: readonly FileChange[]): { added: number; changed: number; removed: number } {
  return {
    added: files.filter((f) => f.kind === 'added').length,
    changed: files.filter((f) => f.kind === 'changed').length,
    removed: files.filter((f) => f.kind === 'removed').length,
  };
}

export function differs(r: Review): boolean {
  return r.hosts.some((h) => h.files.length > 0);
}
