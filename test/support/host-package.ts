// Fixtures of the host-package tests (test/package/host-*): a second version
// of lb-nat to upgrade to, and scratch roots in which dpkg --root and rpm
// --root run the maintainer scripts chrooted: busybox as /bin/sh and the
// tools the installer uses, logging stubs for the distro's service commands.
// Runs nothing on import.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Generated } from '../../src/cli/generate.js';
import { hostPackageName } from '../../src/package/host-package.js';
import { type Merge, mergeFile, parsePlan } from '../../src/render/plan.js';
import { installerPrograms, STUB_NOT_RUNNING } from './consumers.js';
import { example } from './env.js';
import { cli, run } from './proc.js';

/** Where the stubs log '<command> <args>' inside a scratch root. */
export const STUB_LOG = 'var/log/lvsgen-stubs.log';

/** `lvsgen package` in process; fails the test unless it exits 0. */
export async function packageWithCli(topology: string, out: string, ...args: string[]): Promise<string> {
  const r = await cli('package', topology, '-o', out, ...args);
  assert.equal(r.status, 0, `lvsgen package ${topology}: ${r.stderr}`);
  return r.stdout;
}

/**
 * lb-nat, version 2: the FTP service is gone (so the director no longer
 * needs ip_vs_ftp at boot: rc.local on Red Hat, /etc/modules on Debian are
 * dropped) and ldirectord checks less often (ldirectord.cf changes).
 */
export function writeLbNatV2(dir: string): string {
  const v1 = fs.readFileSync(example('lb-nat'), 'utf8');
  const v2 = v1.replace(/ {2}- virtual: 10\.1\.3\.61:21\n[\s\S]*?(?= {2}- virtual: )/, '').replace('checkinterval: 2', 'checkinterval: 5');
  assert.ok(!v2.includes('10.1.3.61:21') && v2.includes('checkinterval: 5'), 'examples/lb-nat.yaml changed: update writeLbNatV2');
  const file = path.join(dir, 'lb-nat-v2.yaml');
  fs.writeFileSync(file, v2);
  return file;
}

export function packageName(cluster: string, host: string): string {
  return hostPackageName(cluster, host);
}

/**
 * Host file -> { content, mode } of one host's bundle as installed, without the
 * .lvsgen/ meta files: a file the plan merges is the host's own file
 * (`originals`, by path without the leading slash) with lvsgen's block.
 */
export function hostFiles(g: Generated, host: string, originals: Record<string, string> = {}): Map<string, { content: string; mode: number }> {
  const b = g.bundles.find((x) => x.host === host);
  assert.ok(b, `no host ${host}`);
  const plan = parsePlan(b.files.find((f) => f.path === '.lvsgen/plan')!.content);
  const merges = new Map<string, Merge>(plan.files.map((f) => [f.path.slice(1), f.merge]));
  return new Map(
    b.files
      .filter((f) => !f.path.startsWith('.lvsgen/'))
      .map((f) => [f.path, { content: mergeFile(merges.get(f.path) ?? 'replace', originals[f.path], f.content), mode: f.mode }]),
  );
}

/**
 * A scratch root to chroot into: /bin holds busybox and a link per applet
 * (sh, cp, mv, cmp, stat, mktemp, find, sort ...), /dev/null, /tmp and
 * /var/tmp (install.sh and rpm write temporary files there), root in
 * /etc/passwd and /etc/group (rpm resolves file owners by name).
 */
export function scratchRoot(dir: string, busybox: Buffer): string {
  const root = path.join(dir, 'root');
  for (const d of ['bin', 'dev', 'etc', 'tmp', 'var/tmp', 'var/log']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  fs.chmodSync(path.join(root, 'var/tmp'), 0o1777);
  fs.writeFileSync(path.join(root, 'bin/busybox'), busybox, { mode: 0o755 });
  const applets = run(path.join(root, 'bin/busybox'), ['--list']).stdout.split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
  for (const a of applets) fs.symlinkSync('busybox', path.join(root, 'bin', a));
  run('mknod', ['-m', '666', path.join(root, 'dev/null'), 'c', '1', '3']);
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\n');
  return root;
}

/** Replace each command by a script that logs '<command> <args>' to STUB_LOG and succeeds. */
export function stubCommands(root: string, commands: readonly string[]): void {
  for (const c of commands) {
    const p = path.join(root, c);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.rmSync(p, { force: true });
    fs.writeFileSync(p, `#!/bin/sh\necho "$0 $*" >> /${STUB_LOG}\n${STUB_NOT_RUNNING}\n`, { mode: 0o755 });
  }
}

/** The stub log as lines ('' when nothing ran), then emptied; the pre-flight's checks (they read staged *.lvsgen-preflight copies) left out. */
export function takeStubLog(root: string): string[] {
  const p = path.join(root, STUB_LOG);
  if (!fs.existsSync(p)) return [];
  const lines = fs.readFileSync(p, 'utf8').split('\n').filter((l) => l !== '' && !l.includes('.lvsgen-preflight'));
  fs.rmSync(p);
  return lines;
}

/** Write a file into the root with an exact mode (an original the packages must give back). */
export function plant(root: string, rel: string, content: string, mode = 0o644): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  fs.chmodSync(p, mode);
}

/** Content and permission bits of a file in the root, or undefined when absent. */
export function fileAt(root: string, rel: string): { content: string; mode: number } | undefined {
  const p = path.join(root, rel);
  if (!fs.existsSync(p)) return undefined;
  return { content: fs.readFileSync(p, 'utf8'), mode: fs.statSync(p).mode & 0o7777 };
}

/** Every regular file under root/rel (relative to root), sorted; [] when rel is absent. */
export function filesUnder(root: string, rel: string): string[] {
  const base = path.join(root, rel);
  if (!fs.existsSync(base)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p));
    }
  };
  walk(base);
  return out.sort();
}

/** Where the stateful stand-ins (standIns) keep what they were told. */
export const STAND_IN_STATE = 'var/lib/lvsgen-stand-in';

/**
 * Stand-ins that remember, for the commands the plans run (each logs
 * '<command> <args>' to STUB_LOG as stubCommands' do): sysctl keeps each key's
 * value in STAND_IN_STATE/sysctl/KEY (0 until set; -p sets the keys of
 * /etc/sysctl.conf), chkconfig and update-rc.d a service's enablement and the
 * init scripts whether it runs (STAND_IN_STATE/SVC.enabled, SVC.active: yes or
 * no); ldirectord's start and reload copy the ldirectord.cf they read to
 * STAND_IN_STATE/ldirectord.loaded (stop removes it), as does a reload of
 * `ldirectord ldirectord.cf` (heartbeat's name for the one it runs, which
 * shares the init script's state), and fail (exit 1, nothing loaded) on a
 * file holding the text of STAND_IN_STATE/refuse when that exists; systemctl
 * (debian12) keeps the same states for its units, and its start, restart and
 * reload of ldirectord or keepalived copy the file the daemon reads to
 * STAND_IN_STATE/NAME.loaded (ldirectord refusing as above). The
 * command line STAND_IN_STATE/fail holds, if any, fails once (exit 1). Anything
 * else logs and succeeds, but `status`/`is-active`, which say 'not running'.
 */
export function standIns(root: string, commands: readonly string[]): void {
  const d = `/${STAND_IN_STATE}`;
  const script = `#!/bin/sh
echo "$0 $*" >> /${STUB_LOG}
d=${d}
if [ -f "$d/fail" ] && read -r fail <"$d/fail" && [ "$0 $*" = "$fail" ]; then
	rm -f "$d/fail"
	echo "stand-in: $0 $* fails on purpose, once" >&2
	exit 1
fi
get() { v=no; [ -f "$d/$1" ] && read -r v <"$d/$1"; [ "$v" = yes ]; }
put() { mkdir -p "$d"; echo "$2" >"$d/$1"; }
onoff() { if [ "$1" = on ]; then echo yes; else echo no; fi; }
case $0 in
*/sysctl)
	mkdir -p "$d/sysctl"
	case $1 in
	-n) v=0; [ -f "$d/sysctl/$2" ] && read -r v <"$d/sysctl/$2"; echo "$v" ;;
	-w) echo "\${2#*=}" >"$d/sysctl/\${2%%=*}" ;;
	-p) sed -n 's/^[[:space:]]*\\([a-z][a-z0-9_.]*\\)[[:space:]]*=[[:space:]]*\\(.*\\)$/\\1 \\2/p' "\${2:-/etc/sysctl.conf}" |
		while read -r k v; do echo "$v" >"$d/sysctl/$k"; echo "$k = $v"; done ;;
	esac ;;
*/chkconfig)
	case "$1 $2" in
	"--level 2345") put "$3.enabled" "$(onoff "$4")" ;;
	"--del "*) put "$2.enabled" no ;;
	*) if [ $# -eq 1 ]; then get "$1.enabled" || exit 1; else put "$1.enabled" "$(onoff "$2")"; fi ;;
	esac ;;
*/update-rc.d)
	if [ "$1" = -f ]; then put "$2.enabled" no; else put "$1.enabled" yes; fi ;;
*/init.d/*)
	s=\${0##*/}
	case $1 in
	start | reload | restart)
		[ "$1" = reload ] && ! get "$s.active" && exit 7
		if [ "$s" = ldirectord ]; then
			if [ -f "$d/refuse" ] && read -r refuse <"$d/refuse" && grep -qF -- "$refuse" /etc/ha.d/ldirectord.cf; then
				echo "ldirectord stand-in: refuses /etc/ha.d/ldirectord.cf ($refuse)" >&2
				exit 1
			fi
			cp /etc/ha.d/ldirectord.cf "$d/ldirectord.loaded"
		fi
		put "$s.active" yes ;;
	stop) put "$s.active" no; rm -f "$d/$s.loaded" ;;
	status) get "$s.active" || exit 3 ;;
	esac ;;
*/ldirectord)
	# ldirectord itself, named by heartbeat's configuration name (haresources'
	# ldirectord::ldirectord.cf: a pair's director, redhat): the one running
	# ldirectord, as the init script's; any other file (the pre-flight's
	# staged copy) is not running.
	[ "$1" = ldirectord.cf ] || { ${STUB_NOT_RUNNING}; exit 0; }
	case $2 in
	reload)
		get ldirectord.active || exit 1
		if [ -f "$d/refuse" ] && read -r refuse <"$d/refuse" && grep -qF -- "$refuse" /etc/ha.d/ldirectord.cf; then
			echo "ldirectord stand-in: refuses /etc/ha.d/ldirectord.cf ($refuse)" >&2
			exit 1
		fi
		cp /etc/ha.d/ldirectord.cf "$d/ldirectord.loaded" ;;
	status) get ldirectord.active || exit 3 ;;
	esac ;;
*/systemctl)
	# debian12: systemctl keeps each unit's enablement and whether it runs;
	# ldirectord and keepalived load their file as the init scripts' do.
	for unit; do :; done
	load() {
		case $1 in ldirectord) f=/etc/ha.d/ldirectord.cf ;; keepalived) f=/etc/keepalived/keepalived.conf ;; *) return 0 ;; esac
		if [ "$1" = ldirectord ] && [ -f "$d/refuse" ] && read -r refuse <"$d/refuse" && grep -qF -- "$refuse" "$f"; then
			echo "ldirectord stand-in: refuses $f ($refuse)" >&2
			exit 1
		fi
		cp "$f" "$d/$1.loaded"
	}
	case $1 in
	is-active) get "$unit.active" || exit 3 ;;
	is-enabled) get "$unit.enabled" || exit 1 ;;
	enable) put "$2.enabled" yes ;;
	disable) if [ "$2" = --now ]; then put "$3.enabled" no; put "$3.active" no; rm -f "$d/$3.loaded"; else put "$2.enabled" no; fi ;;
	start | restart) load "$2"; put "$2.active" yes ;;
	reload) get "$2.active" || exit 1; load "$2" ;;
	stop) put "$2.active" no; rm -f "$d/$2.loaded" ;;
	esac ;;
*) ${STUB_NOT_RUNNING} ;;
esac
exit 0
`;
  for (const c of commands) {
    const p = path.join(root, c);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.rmSync(p, { force: true });
    fs.writeFileSync(p, script, { mode: 0o755 });
  }
}

/** Set the stand-ins' state: a service enabled/running, a kernel key's value. */
export function setStandIn(root: string, rel: string, value: string): void {
  plant(root, path.join(STAND_IN_STATE, rel), `${value}\n`);
}

/**
 * What the host is, as the tests compare it across a failed upgrade: every
 * file under etc/ and the installer's state (var/lib/lvsgen: backups,
 * originals, pending actions; path -> 'MODE CONTENT'), and the stand-ins' live
 * state (services, kernel keys, ldirectord's loaded file; path -> content).
 */
export function hostState(root: string): { files: Record<string, string>; live: Record<string, string> } {
  const read = (rel: string, mode: boolean): Record<string, string> =>
    Object.fromEntries(filesUnder(root, rel).map((p) => {
      const f = fileAt(root, p)!;
      return [p, mode ? `${f.mode.toString(8)} ${f.content}` : f.content];
    }));
  return { files: { ...read('etc', true), ...read('var/lib/lvsgen', true) }, live: read(STAND_IN_STATE, false) };
}

/**
 * A scratch dpkg root: busybox, stubs for every command the plans have the
 * installer run, a dpkg database that holds the packages the plans need
 * (stand-ins: a status entry each) unless `withNeeds` is false; `stub`
 * writes the commands (stubCommands, or standIns).
 */
export function dpkgRoot(at: string, busybox: Buffer, plans: readonly string[], withNeeds = true, stub: (root: string, commands: readonly string[]) => void = stubCommands): string {
  const root = scratchRoot(at, busybox);
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) fs.mkdirSync(path.join(root, d), { recursive: true });
  const needs = withNeeds ? [...new Set(plans.flatMap((p) => parsePlan(p).needs))].sort() : [];
  const status = needs.map((n) => `Package: ${n}\nStatus: install ok installed\nPriority: optional\nSection: admin\nMaintainer: stand-in <stand-in@lvsgen.invalid>\nArchitecture: all\nVersion: 1.0-1\nDescription: stand-in for ${n}\n`);
  fs.writeFileSync(path.join(root, 'var/lib/dpkg/status'), status.join('\n'));
  fs.writeFileSync(path.join(root, 'var/lib/dpkg/available'), '');
  stub(root, [...new Set(plans.flatMap(installerPrograms))]);
  return root;
}

/** A tool's real program (symlinks resolved), as found on PATH. */
export function realPath(tool: string): string {
  const found = run('sh', ['-c', `command -v ${tool}`]).stdout.trim();
  return run('readlink', ['-f', found]).stdout.trim();
}

/** Copies a program to /real/NAME in the root, and every library ldd names to its own path there (the loader finds them). */
export function copyProgram(root: string, real: string): void {
  fs.mkdirSync(path.join(root, 'real'), { recursive: true });
  fs.copyFileSync(real, path.join(root, 'real', path.basename(real)));
  fs.chmodSync(path.join(root, 'real', path.basename(real)), 0o755);
  for (const m of run('ldd', [real]).stdout.matchAll(/(\/\S+) \(0x/g)) {
    const lib = m[1]!;
    if (fs.existsSync(path.join(root, lib))) continue;
    fs.mkdirSync(path.join(root, path.dirname(lib)), { recursive: true });
    fs.copyFileSync(lib, path.join(root, lib));
  }
}

/**
 * The root's COMMANDS (iptables, iptables-restore, iptables-save: absolute
 * paths) become the real iptables, copied in with its libraries and the
 * matches and targets it loads at run time; each still logs to STUB_LOG. Run
 * in a network namespace, they act on its tables.
 */
export function realIptables(root: string, commands: readonly string[]): void {
  const xtables = realPath('iptables');
  copyProgram(root, xtables);
  const plugins = run('sh', ['-c', 'ls -d /usr/lib/*/xtables | head -n 1']).stdout.trim();
  fs.cpSync(plugins, path.join(root, plugins), { recursive: true, dereference: true });
  fs.mkdirSync(path.join(root, 'run'), { recursive: true });
  for (const c of commands) {
    const p = path.join(root, c);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.rmSync(p, { force: true });
    fs.writeFileSync(p, `#!/bin/sh\necho "$0 $*" >> /${STUB_LOG}\nexec /real/${path.basename(xtables)} ${path.basename(c)} "$@"\n`, { mode: 0o755 });
  }
}
