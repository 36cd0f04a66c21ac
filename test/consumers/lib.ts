// Helpers for the consumer tests: render fresh bundles into a temp dir, make
// scratch network namespaces (and veths inside them) that t.after removes,
// parse the installer's command lines. Imported by the *.test.ts files of
// this folder; runs nothing itself.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { HostBundle } from '../../src/render/types.js';
import { bundlesOf, cli, example, sh, tempDir, type Ran } from '../helpers.js';

export interface Rendered {
  /** The render's output directory: <dir>/<host>/<path>. */
  dir: string;
  bundles: HostBundle[];
  /** Absolute path of a host file (or of a bundle file such as .lvsgen/install.sh). */
  file(host: string, path: string): string;
  /** Bundles that hold this path (without the leading slash). */
  holding(path: string | RegExp): HostBundle[];
}

/** Render `example` for `distro` with the CLI (the user's path) into a fresh temp dir. */
export async function render(t: TestContext, ex: string, distro: string): Promise<Rendered> {
  const dir = join(tempDir(t, `lvsgen-consumers-${ex}-${distro}-`), 'out');
  const r = await cli('render', example(ex), '-o', dir, '--distro', distro);
  assert.equal(r.status, 0, `lvsgen render ${ex} --distro ${distro}: ${r.stderr}`);
  const { bundles } = bundlesOf(ex, distro);
  assert.ok(bundles.length > 0);
  for (const b of bundles) assert.equal(b.distro, distro);
  return {
    dir,
    bundles,
    file: (host, path) => join(dir, host, path.replace(/^\//, '')),
    holding: (path) => bundles.filter((b) => b.files.some((f) => (typeof path === 'string' ? f.path === path : path.test(f.path)))),
  };
}

/** Exit status 0, or fail with everything the command printed. */
export function ok(r: Ran, what: string): Ran {
  assert.equal(r.status, 0, `${what} exited ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Collapse runs of blanks, drop trailing ones. */
export const norm = (s: string) => s.replace(/[ \t]+/g, ' ').trim();
export const lines = (s: string) => s.split('\n').map(norm).filter((l) => l !== '');

let counter = 0;
/** A name unique to this process and call: namespaces, pid-file names. */
export const unique = (prefix: string) => `${prefix}${process.pid}-${++counter}`;

export interface Netns {
  name: string;
  /** Run a command inside the namespace. */
  exec(cmd: string, args: string[], input?: string): Ran;
  /** Create a veth pair inside the namespace: `ifname` for the host files, its peer up (carrier). */
  veth(ifname: string): void;
  ip(...args: string[]): Ran;
}

/**
 * A scratch network namespace. t.after deletes the veths made in it, then the
 * namespace, and checks that it is gone.
 */
export function netns(t: TestContext): Netns {
  const name = unique('lvsgen-c');
  ok(sh('ip', ['netns', 'add', name]), `ip netns add ${name}`);
  const veths: string[] = [];
  t.after(() => {
    for (const v of veths) sh('ip', ['-n', name, 'link', 'del', v]);
    sh('ip', ['netns', 'del', name]);
    assert.ok(!sh('ip', ['netns', 'list']).stdout.split('\n').some((l) => l.split(' ')[0] === name), `namespace ${name} still exists`);
  });
  const ns: Netns = {
    name,
    exec: (cmd, args, input) => sh('ip', ['netns', 'exec', name, cmd, ...args], input !== undefined ? { input } : {}),
    ip: (...args) => sh('ip', ['-n', name, ...args]),
    veth(ifname) {
      const peer = `p${veths.length}-${ifname.replace(/[^a-z0-9]/g, '')}`.slice(0, 15);
      ok(ns.ip('link', 'add', ifname, 'type', 'veth', 'peer', 'name', peer), `veth ${ifname}`);
      veths.push(ifname);
      ok(ns.ip('link', 'set', peer, 'up'), `link set ${peer} up`);
    },
  };
  return ns;
}

/** The kernel's own configuration, when it publishes it (/proc/config.gz). */
export function kernelConfig(): string | undefined {
  if (!existsSync('/proc/config.gz')) return undefined;
  const r = sh('sh', ['-c', 'gzip -dc /proc/config.gz']);
  return r.status === 0 ? r.stdout : undefined;
}

/** `KEY = VALUE` lines of a sysctl.conf, in order (comments and blanks dropped). */
export function sysctlEntries(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (l === '' || l.startsWith('#') || l.startsWith(';')) continue;
    const m = /^([^=\s]+)\s*=\s*(.*)$/.exec(l);
    assert.ok(m, `not a sysctl line: ${JSON.stringify(raw)}`);
    out.push([m[1]!.replace(/\//g, '.'), m[2]!]);
  }
  return out;
}

/** The commands an installer runs (through run, run_ok or confirm+run), in script order. */
export interface InstallerCommand {
  command: string;
  kind: 'run' | 'run_ok';
  /** Asked for through confirm (the network restart). */
  confirmed: boolean;
  /** The files of its enclosing `if changed FILE...; then` block: it runs when one of them was installed. */
  when: string[];
}

export function installerCommands(script: string): InstallerCommand[] {
  const out: InstallerCommand[] = [];
  let when: string[] = [];
  for (const line of script.split('\n')) {
    if (/^\s*(run|run_ok|confirm|changed)\(\)/.test(line) || /^\s*#/.test(line)) continue;
    const block = /^\s*if changed ([^;]+); then\s*$/.exec(line);
    if (block) when = block[1]!.trim().split(/\s+/);
    else if (/^\s*fi\s*$/.test(line)) when = [];
    const re = /\b(run_ok|run) (\/[^;]*?)\s*(?:;|$)/g;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      out.push({ command: m[2]!, kind: m[1] as 'run' | 'run_ok', confirmed: /\bconfirm '/.test(line), when });
    }
  }
  return out;
}

export const read = (p: string) => readFileSync(p, 'utf8');

export type Vars = Record<string, string>;

/** Source FILE in a clean bash and print every variable it defined (and nothing it did not). */
const SOURCE = `
unset HOSTNAME HOSTTYPE MACHTYPE OSTYPE # preset by bash; /etc/sysconfig/network sets HOSTNAME
before=" $(compgen -v | tr '\\n' ' ') "
. "$1" || exit 9
for v in $(compgen -v); do
  case $before in *" $v "*) continue ;; esac
  case $v in before | v | _ | PIPESTATUS | BASH_*) continue ;; esac
  printf '%s=%s\\n' "$v" "\${!v}"
done`;

/** The variables sourcing a shell variable file defines (exactly those). */
export function sourced(file: string): Vars {
  const r = ok(sh('env', ['-i', 'PATH=/usr/bin:/bin', 'bash', '--norc', '--noprofile', '-euc', SOURCE, 'source', file]), `sourcing ${file}`);
  assert.equal(r.stderr, '', `sourcing ${file} printed on stderr`);
  return Object.fromEntries(r.stdout.split('\n').filter((l) => l !== '').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

