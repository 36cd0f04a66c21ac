// Reading generated files the way their consumers do: whitespace-normalized
// lines, sysctl.conf entries, shell variable files sourced by bash, the
// commands an installer runs, the kernel's own configuration.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parsePlan, type Plan } from '../../src/render/plan.js';
import { ok, type Ran, sh, unique } from './proc.js';
import { type Owner, tempDir } from './tmp.js';

/** Collapse runs of blanks, drop trailing ones. */
export const norm = (s: string) => s.replace(/[ \t]+/g, ' ').trim();
export const lines = (s: string) => s.split('\n').map(norm).filter((l) => l !== '');

/**
 * One virtual service of ldirectord.cf (from its virtual= or virtual6= line) or
 * of keepalived.conf (from its virtual_server line), found by `start`: up to the
 * next service's comment or first line. The test fails when `start` is not there.
 */
export function serviceBlock(text: string, start: RegExp): string {
  const m = start.exec(text);
  assert.ok(m, `no ${start} in\n${text}`);
  const rest = text.slice(m.index + m[0].length);
  const end = rest.search(/\n(?:# Virtual Service|virtual6?=|virtual_server )/);
  return end < 0 ? rest : rest.slice(0, end);
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

/** The commands a plan has the installer run, in run order. */
export interface InstallerCommand {
  command: string;
  /** probe: a `running` record (does the daemon run?); the stubs answer no, as on a fresh host. */
  kind: 'run' | 'run_ok' | 'probe';
  /** Asked for through confirm (the network restart). */
  confirmed: boolean;
  /** Its action's files: it runs when one of them was installed. */
  when: string[];
  /** Run before the files are replaced (a `before` record). */
  before: boolean;
}

/**
 * The commands of a plan (.lvsgen/plan's text), read as data by parsePlan, in
 * the order an install that replaces every file runs them: every action's
 * `before` commands (run while the old files are in place), then the actions:
 * each one's commands, then its `running` probe and, the daemon not running
 * (a fresh host: the test stubs answer `status` and `is-active` with 3), its
 * `start` commands.
 */
export function installerCommands(planText: string): InstallerCommand[] {
  const plan = parsePlan(planText);
  const of = (phase: 'before' | 'run') =>
    plan.actions.flatMap((a) => {
      const one = (c: { words: string[]; tolerant: boolean }) => ({
        command: c.words.join(' '),
        kind: c.tolerant ? ('run_ok' as const) : ('run' as const),
        confirmed: phase === 'run' && a.confirm,
        before: phase === 'before',
        when: a.triggers,
      });
      if (phase === 'before') return a.before.map(one);
      const probe = a.running.length > 0 ? [{ command: a.running.join(' '), kind: 'probe' as const, confirmed: false, before: false, when: a.triggers }] : [];
      return [...a.commands.map(one), ...probe, ...a.start.map(one)];
    });
  return [...of('before'), ...of('run')];
}

/**
 * What install.sh reads of the live state before the actions of a run that
 * changed a file (a rollback and --uninstall set it back), in its order: each
 * kernel key (`PROGRAM -n KEY`), then each service the actions change, by
 * name: its `enabled` query, and its `active` query when an action may start
 * or stop it (not only enable it).
 */
export function installerStateReads(planText: string): string[] {
  const plan = parsePlan(planText);
  const changes = new Set(plan.actions.flatMap((a) => a.services));
  const names = [...new Set(plan.actions.flatMap((a) => [...a.services, ...a.enables]))].sort();
  const query = (name: string, q: 'enabled' | 'active') => plan.services.find((s) => s.name === name)?.commands[q]?.join(' ');
  return [
    ...plan.sysctls.map((k) => `${k.program} -n ${k.key}`),
    ...names.flatMap((n) => [query(n, 'enabled'), changes.has(n) ? query(n, 'active') : undefined].filter((c): c is string => c !== undefined)),
  ];
}

/** What a test stub answers when asked whether a service runs (`status`, `is-active`): 3, not running, as on a fresh host. */
export const STUB_NOT_RUNNING = 'case " $* " in *" status "* | *" is-active "*) exit 3 ;; esac';

/** Where LOGGING_STUB logs, relative to the root it runs in: `<program> <args>` a line. */
export const LOGGING_STUB_LOG = 'lvsgen-stub.log';

/**
 * A stub for each program an installer runs in a scratch root: it logs its
 * command line to /LOGGING_STUB_LOG, says no daemon runs (status, is-active:
 * exit 3, as on a fresh host), fails (exit 1) when LVSGEN_STUB_FAIL is its
 * command line, and otherwise succeeds.
 */
export const LOGGING_STUB = `#!/bin/sh
# lvsgen consumer-test stub: log argv; fail when asked to
printf '%s\\n' "$0 $*" >>/${LOGGING_STUB_LOG}
# like a fresh host: no daemon runs yet (status, is-active)
${STUB_NOT_RUNNING}
if [ "$0 $*" = "\${LVSGEN_STUB_FAIL-}" ]; then
	echo "stub: $0 fails on purpose" >&2
	exit 1
fi
exit 0
`;

/** A file of the administrator's in a scratch root: its text and mode. */
export interface AdminFile {
  text: string;
  mode: number;
}

/**
 * A scratch root for an installer run with --root: busybox as /bin/sh (the
 * installer's own shell), LOGGING_STUB at each of PROGRAMS' paths, and the
 * administrator's FILES with their modes.
 */
export function stubbedRoot(owner: Owner, prefix: string, programs: Iterable<string>, files: Record<string, AdminFile>): string {
  const dir = tempDir(owner, prefix);
  mkdirSync(join(dir, 'bin'));
  copyFileSync(sh('sh', ['-c', 'command -v busybox']).stdout.trim(), join(dir, 'bin/sh'));
  chmodSync(join(dir, 'bin/sh'), 0o755);
  for (const path of new Set(programs)) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), LOGGING_STUB, { mode: 0o755 });
  }
  for (const [path, f] of Object.entries(files)) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), f.text);
    chmodSync(join(dir, path), f.mode);
  }
  return dir;
}

/** INSTALLER run on a scratch root (--root), no terminal, LOGGING_STUB failing at FAIL (a command line) if given. */
export function installOn(installer: string, root: string, args: string[], fail = ''): Ran {
  return sh(installer, ['--root', root, ...args], { env: { ...process.env, LVSGEN_STUB_FAIL: fail }, input: '' });
}

/**
 * The absolute programs a plan has the installer run (the first word of each
 * command, the network restart it offers included, and what --uninstall and a
 * rollback run: undo, reapply, the services' and kernel keys' commands),
 * sorted, each once: what a scratch root must stub.
 */
export function installerPrograms(planText: string): string[] {
  const plan = parsePlan(planText);
  const words = [
    ...plan.actions.flatMap((a) => [...a.before, ...a.commands, ...a.reload, ...a.start, ...a.undo, ...a.reapply].map((c) => c.words[0]!).concat(a.running.slice(0, 1))),
    ...plan.services.flatMap((s) => Object.values(s.commands).map((w) => w[0]!)),
    ...plan.sysctls.map((k) => k.program),
    ...checkPrograms(plan),
  ];
  return [...new Set(words.filter((w) => w.startsWith('/')))].sort();
}

/**
 * The programs of a plan's pre-flight checks (keepalived, ldirectord, nft ...)
 * but /bin/sh: a scratch root has a real one, the installer's own shell, which
 * checks `sh -n` for real.
 */
export function checkPrograms(plan: Plan): string[] {
  return [...new Set(plan.files.flatMap((f) => (f.check ? [consumerOf(f.check.words)] : [])))].filter((p) => p.startsWith('/') && p !== '/bin/sh').sort();
}

/**
 * The resource scripts a haresources file names, where heartbeat's
 * ResourceManager looks first (/etc/ha.d/resource.d/NAME; an address alone is
 * IPaddr's, ResourceManager's isip): the heartbeat and ldirectord packages'
 * IPaddr, IPaddr2, ldirectord ..., which a scratch root stubs as it stubs the
 * checks' programs, or the pre-flight (install.sh check_heartbeat) refuses the
 * file; and heartbeat's IPv6addr where lvsgen-ipv6addr, which runs it, is
 * named (the pre-flight asks for it too). Those the bundle installs itself
 * (`bundled`: lvsgen-ipvs-sync, lvsgen-ipv6addr) are left out.
 */
export function resourceScripts(haresources: string | undefined, bundled: readonly string[] = []): string[] {
  if (haresources === undefined) return [];
  const resources = haresources
    .replace(/#.*/g, '')
    .replace(/\\\n/g, '')
    .split('\n')
    .flatMap((l) => l.trim().split(/\s+/).slice(1))
    .filter((r) => r !== '');
  const names = resources.map((r) => (/^[0-9].*\.[0-9].*\.[0-9].*\.[0-9]/.test(r) ? 'IPaddr' : r.split('::')[0]!));
  const scripts = [...names, ...(names.includes('lvsgen-ipv6addr') ? ['IPv6addr'] : [])].map((n) => `/etc/ha.d/resource.d/${n}`);
  return [...new Set(scripts)].filter((p) => !bundled.includes(p)).sort();
}

/** resourceScripts of the bundle in folder BUNDLE (its etc/ha.d/haresources, if it has one). */
export function bundleResourceScripts(bundle: string): string[] {
  const at = join(bundle, 'etc/ha.d/haresources');
  if (!existsSync(at)) return [];
  const text = readFileSync(at, 'utf8');
  return resourceScripts(text).filter((p) => !existsSync(join(bundle, p)));
}

/**
 * The program a check record's words ask, as install.sh's consumer_of names it:
 * the first word, or the one after @stdin, or the one after @confdir's folder;
 * `sysctl` for the installer's own reading (@sysctl).
 */
export function consumerOf(words: readonly string[]): string {
  if (words[0] === '@stdin') return words[1]!;
  if (words[0] === '@confdir') return words[2]!;
  return words[0]!.replace(/^@/, '');
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

/**
 * keepalived's own check of a configuration: `keepalived --config-test=LOG -f
 * FILE` on `text` written into `dir` under a fresh name. Its status, and what
 * it said (the log, stdout and stderr): empty for a file it takes as it is.
 */
export function keepalivedConfigTest(dir: string, text: string): { status: number | null; log: string } {
  const f = join(dir, unique('keepalived-'));
  writeFileSync(f, text);
  writeFileSync(`${f}.log`, '');
  const r = sh('keepalived', [`--config-test=${f}.log`, '-f', f]);
  return { status: r.status, log: readFileSync(`${f}.log`, 'utf8') + r.stdout + r.stderr };
}

/**
 * keepalived takes `text` as it is (status 0, nothing said), and says
 * something of `broken`, a copy with the part under test spoilt: the negative
 * control that it reads that part at all (`what` names the spoilt part).
 */
export function assertKeepalivedReads(dir: string, text: string, broken: string, what: string): void {
  const good = keepalivedConfigTest(dir, text);
  assert.equal(good.status, 0, good.log);
  assert.equal(good.log.trim(), '', good.log);
  assert.notEqual(keepalivedConfigTest(dir, broken).log.trim(), '', `keepalived said nothing of ${what}`);
}
