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
import { STUB_NOT_RUNNING } from './consumers.js';
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
