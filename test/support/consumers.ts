// Reading generated files the way their consumers do: whitespace-normalized
// lines, sysctl.conf entries, shell variable files sourced by bash, the
// commands an installer runs, the kernel's own configuration.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ok, sh } from './proc.js';

/** Collapse runs of blanks, drop trailing ones. */
export const norm = (s: string) => s.replace(/[ \t]+/g, ' ').trim();
export const lines = (s: string) => s.split('\n').map(norm).filter((l) => l !== '');

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

/**
 * The absolute programs an installer runs (the first word of its `run` /
 * `run_ok` lines and of the network restart it offers), sorted, each once:
 * what a scratch root must stub.
 */
export function installerPrograms(installer: string): string[] {
  const out = new Set<string>();
  for (const m of installer.matchAll(/^\s*(?:if confirm '[^']*'; then )?run(?:_ok)? (\/[^\s;]+)/gm)) out.add(m[1]!);
  return [...out].sort();
}

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
