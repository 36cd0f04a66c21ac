// The Ansible side of the side-by-side: write lb-nat scaled to N as lvsgen's
// topology and as the playbook's inventory, run the playbook, and check that
// it wrote the same host files as lvsgen (same bytes, same modes), so that
// timing one against the other is fair.
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lbNatInventory, lbNatTopology } from './lb-nat-scaled.js';
import { measure, type Ran } from './measure.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LVSGEN = join(REPO, 'bin', 'lvsgen');
export const PLAYBOOK = join(REPO, 'bench', 'ansible', 'playbook.yml');
const ANSIBLE_CFG = join(REPO, 'bench', 'ansible', 'ansible.cfg');

export interface LbNatCase {
  n: number;
  dir: string;
  topology: string;
  inventory: string;
  /** Where the playbook renders (<host>/... and <host>.tar.gz). */
  ansibleOut: string;
}

/** Write lb-nat with N real servers under `dir` as a topology and an inventory. */
export function writeLbNat(n: number, dir: string): LbNatCase {
  mkdirSync(dir, { recursive: true });
  const c: LbNatCase = { n, dir, topology: join(dir, 'lb-nat.yaml'), inventory: join(dir, 'inventory.yml'), ansibleOut: join(dir, 'ansible-out') };
  writeFileSync(c.topology, lbNatTopology(n));
  writeFileSync(c.inventory, lbNatInventory(n, c.ansibleOut));
  return c;
}

export function ansibleVersion(): string | undefined {
  const r = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0]!.trim() : undefined;
}

export function ansibleEnv(c: LbNatCase): NodeJS.ProcessEnv {
  // Ansible's own temporary files and caches stay in the case's directory.
  return { ...process.env, ANSIBLE_CONFIG: ANSIBLE_CFG, ANSIBLE_HOME: join(c.dir, '.ansible'), ANSIBLE_LOCAL_TEMP: join(c.dir, '.ansible', 'tmp') };
}

/** One timed run of the playbook into `out` (by default the inventory's), which must not exist yet. */
export function runPlaybook(c: LbNatCase, out = c.ansibleOut): Ran {
  return measure('ansible-playbook', ['-i', c.inventory, PLAYBOOK, '-e', `out=${out}`], { env: ansibleEnv(c) });
}

export interface Fairness {
  n: number;
  /** Host files compared (lvsgen's own .lvsgen/ files excluded: the playbook does not write them). */
  files: number;
  hosts: number;
  /** Tarballs the playbook wrote, one per host. */
  tarballs: number;
  equal: boolean;
  differences: string[];
}

interface FileFact {
  mode: number;
  bytes: Buffer;
}

/** Regular files under `root` (relative paths), skipping what `skip` names; links and specials are reported. */
function filesUnder(root: string, skip: (rel: string) => boolean, odd: string[]): Map<string, FileFact> {
  const out = new Map<string, FileFact>();
  const walk = (rel: string) => {
    for (const e of readdirSync(rel === '' ? root : join(root, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (skip(r)) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.set(r, { mode: lstatSync(join(root, r)).mode & 0o7777, bytes: readFileSync(join(root, r)) });
      else odd.push(r);
    }
  };
  walk('');
  return out;
}

/**
 * Compare lvsgen's render (`lvsgenOut`) with the playbook's output: every host
 * file lvsgen writes (all but .lvsgen/, its installer and manifest) must be
 * there with the same bytes and mode, and the playbook must write nothing
 * else but one tarball per host.
 */
export function compareOutputs(n: number, lvsgenOut: string, ansibleOut: string): Fairness {
  const odd: string[] = [];
  const want = filesUnder(lvsgenOut, (r) => r === '.lvsgen-output' || /^[^/]+\/\.lvsgen$/.test(r), odd);
  const have = filesUnder(ansibleOut, (r) => /^[^/]+\.tar\.gz$/.test(r), odd);
  const hosts = readdirSync(lvsgenOut, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  const tarballs = readdirSync(ansibleOut).filter((f) => f.endsWith('.tar.gz'));
  const differences = odd.map((r) => `${r}: not a regular file`);
  for (const [p, w] of [...want].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const h = have.get(p);
    if (h === undefined) differences.push(`${p}: missing from the playbook's output`);
    else if (!h.bytes.equals(w.bytes)) differences.push(`${p}: content differs`);
    else if (h.mode !== w.mode) differences.push(`${p}: mode 0${h.mode.toString(8)}, lvsgen writes 0${w.mode.toString(8)}`);
  }
  for (const p of [...have.keys()].sort()) if (!want.has(p)) differences.push(`${p}: only in the playbook's output`);
  for (const h of hosts) if (!tarballs.includes(`${h}.tar.gz`)) differences.push(`${h}.tar.gz: the playbook wrote no tarball`);
  return { n, files: want.size, hosts: hosts.length, tarballs: tarballs.length, equal: differences.length === 0, differences };
}

/** Render with lvsgen and run the playbook (untimed), then compare: the fairness check. */
export function ansibleFairness(n: number, dir: string): Fairness {
  const c = writeLbNat(n, dir);
  const out = join(dir, 'lvsgen-out');
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [LVSGEN, 'render', c.topology, '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lvsgen render failed: ${r.stderr}`);
  rmSync(c.ansibleOut, { recursive: true, force: true });
  const a = spawnSync('ansible-playbook', ['-i', c.inventory, PLAYBOOK], { encoding: 'utf8', env: ansibleEnv(c), maxBuffer: 256 * 1024 * 1024 });
  if (a.status !== 0) throw new Error(`ansible-playbook failed (${a.status}):\n${String(a.stdout).slice(-4000)}\n${String(a.stderr).slice(-4000)}`);
  return compareOutputs(n, out, c.ansibleOut);
}
