// Helpers for the tests of today's distros: render a case with the CLI into a
// temp dir, scratch network namespaces joined by veths (removed by t.after),
// background processes started inside them (ended by pid), ifupdown pointed
// at a bundle. Imported by the *.test.ts files of this folder.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { cli, sh, tempDir, type Ran } from '../helpers.js';
import { exampleWith, type TodayCase } from './cases.js';

export interface Rendered {
  dir: string;
  /** Absolute path of a file of a host's bundle. */
  file(host: string, path: string): string;
  read(host: string, path: string): string;
}

/** Render topology text with the CLI (the user's path) for `distro` into a fresh temp dir. */
export async function renderText(t: TestContext, text: string, distro: string): Promise<Rendered> {
  const dir = tempDir(t, 'lvsgen-distros-');
  writeFileSync(join(dir, 'topology.yaml'), text);
  const out = join(dir, 'out');
  const r = await cli('render', join(dir, 'topology.yaml'), '-o', out, '--distro', distro);
  assert.equal(r.status, 0, `lvsgen render --distro ${distro}: ${r.stderr}`);
  const file = (host: string, path: string) => join(out, host, path.replace(/^\//, ''));
  return { dir: out, file, read: (host, path) => readFileSync(file(host, path), 'utf8') };
}

export const renderCase = (t: TestContext, c: TodayCase) => renderText(t, exampleWith(c.example, c.backend), c.distro);

/** Exit status 0, or fail with everything the command printed. */
export function ok(r: Ran, what: string): Ran {
  assert.equal(r.status, 0, `${what} exited ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

let counter = 0;
/** A name unique to this process and call (namespaces, veths, pid files). */
export const unique = (prefix: string) => `${prefix}${process.pid % 100000}x${++counter}`;

export interface Netns {
  name: string;
  exec(cmd: string, args: string[]): Ran;
  ip(...args: string[]): Ran;
}

/** A scratch network namespace with lo up; t.after deletes it (and what is inside). */
export function netns(t: TestContext, prefix = 'lvd'): Netns {
  const name = unique(prefix);
  ok(sh('ip', ['netns', 'add', name]), `ip netns add ${name}`);
  t.after(() => {
    sh('ip', ['netns', 'del', name]);
  });
  const ns: Netns = {
    name,
    exec: (cmd, args) => sh('ip', ['netns', 'exec', name, cmd, ...args]),
    ip: (...args) => sh('ip', ['-n', name, ...args]),
  };
  ok(ns.ip('link', 'set', 'lo', 'up'), 'lo up');
  return ns;
}

/** A veth pair between two namespaces, named as the host files name the interfaces, both ends up. */
export function link(a: Netns, aName: string, b: Netns, bName: string): void {
  const x = unique('va');
  const y = unique('vb');
  ok(sh('ip', ['link', 'add', x, 'type', 'veth', 'peer', 'name', y]), 'veth');
  ok(sh('ip', ['link', 'set', x, 'netns', a.name]), 'move veth');
  ok(sh('ip', ['link', 'set', y, 'netns', b.name]), 'move veth');
  ok(a.ip('link', 'set', x, 'name', aName), 'rename');
  ok(b.ip('link', 'set', y, 'name', bName), 'rename');
  ok(a.ip('link', 'set', aName, 'up'), 'up');
  ok(b.ip('link', 'set', bName, 'up'), 'up');
}

/** A bridge in its own namespace: a LAN that hosts join with `join`. */
export function lan(t: TestContext): { ns: Netns; join(host: Netns, ifname: string): void } {
  const ns = netns(t, 'lvl');
  ok(ns.ip('link', 'add', 'br0', 'type', 'bridge'), 'bridge');
  ok(ns.ip('link', 'set', 'br0', 'up'), 'bridge up');
  let n = 0;
  return {
    ns,
    join(host, ifname) {
      const port = `p${n++}`;
      link(host, ifname, ns, port);
      ok(ns.ip('link', 'set', port, 'master', 'br0'), 'bridge port');
    },
  };
}

/** A process started inside a namespace; t.after ends it by pid (SIGTERM, then SIGKILL). */
export function spawnIn(t: TestContext, ns: Netns, cmd: string, args: string[]): ChildProcess & { output(): string } {
  const child = spawn('ip', ['netns', 'exec', ns.name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  t.after(() => stop(child));
  return Object.assign(child, { output: () => output });
}

/** End a spawned process and wait for it. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(timer);
}

export const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Poll `probe` until it returns true, or fail after `ms` with `what`. */
export async function until(what: string, probe: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (probe()) return;
    await sleep(250);
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}`);
}

/**
 * A debian12 host's /etc/network/interfaces with its `source` line pointed at
 * the bundle's interfaces.d (the only change): ifupdown then reads exactly the
 * bundle's drop-ins instead of the test machine's.
 */
export function interfacesOf(r: Rendered, host: string, dir: string): string {
  const main = r.read(host, '/etc/network/interfaces');
  assert.match(main, /^source \/etc\/network\/interfaces\.d\/\*$/m);
  const file = join(dir, `${host}-interfaces`);
  writeFileSync(file, main.replace(/^source \/etc\/network\/interfaces\.d\/\*$/m, `source ${r.file(host, '/etc/network/interfaces.d')}/*`));
  return file;
}

/** Bring a debian12 host's interfaces up for real inside `ns` (ifupdown, its own state dir). */
export function ifupAll(ns: Netns, interfaces: string, stateDir: string): Ran {
  return ok(ns.exec('ifup', ['-a', '-i', interfaces, '--state-dir', stateDir, '--no-scripts']), `ifup -a -i ${interfaces}`);
}
