// Helpers for the package tests: oracle tools, temp dirs, process runs and
// file-tree snapshots. Imported by the *.test.ts files; runs nothing itself.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/** In CI a missing oracle is a failure, never a skip. */
export const IN_CI = process.env.CI === 'true';

/** Debian package that provides each tool, for the message on a missing one. */
const DEBIAN_PACKAGE: Record<string, string> = {
  'dpkg-deb': 'dpkg',
  dpkg: 'dpkg',
  lintian: 'lintian',
  rpm: 'rpm',
  rpm2cpio: 'rpm',
  rpmlint: 'rpmlint',
  cpio: 'cpio',
  busybox: 'busybox-static',
  tar: 'tar',
  'dpkg-query': 'dpkg',
  md5sum: 'coreutils',
};

/** Absolute path of an executable on PATH, or undefined. */
export function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, tool);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * True when every tool is on PATH. Otherwise fails the test under CI=true and
 * skips it elsewhere, naming the Debian packages to install.
 */
export function haveTools(t: TestContext, tools: readonly string[]): boolean {
  const missing = tools.filter((tool) => which(tool) === undefined);
  if (missing.length === 0) return true;
  const pkgs = [...new Set(missing.map((m) => DEBIAN_PACKAGE[m] ?? m))].join(' ');
  const message = `missing ${missing.join(', ')}: apt-get install -y --no-install-recommends ${pkgs}`;
  if (IN_CI) assert.fail(`${message} (CI=true: oracles are mandatory)`);
  t.skip(message);
  return false;
}

/**
 * True when running as root. dpkg --root and rpm --root chroot into the
 * scratch root to run maintainer scripts, which needs root. Fails under
 * CI=true (the proof must run there) and skips elsewhere.
 */
export function haveRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  const message = 'needs root: dpkg/rpm --root chroot into the scratch root to run maintainer scripts';
  if (IN_CI) assert.fail(`${message} (CI=true)`);
  t.skip(message);
  return false;
}

/** A fresh directory under the OS temp dir, removed when the test ends. */
export function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsgen-package-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: Buffer | string;
  /** Return instead of failing on a non-zero exit. */
  allowFailure?: boolean;
}

/** Run a command (no shell); fail with its output unless it exits 0. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  const result = { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  if (!opts.allowFailure && result.status !== 0) {
    assert.fail(`${cmd} ${args.join(' ')} exited ${result.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return result;
}

/** Run a command whose stdout is binary (rpm2cpio); fail unless it exits 0. */
export function runBytes(cmd: string, args: readonly string[], opts: Omit<RunOptions, 'allowFailure'> = {}): Buffer {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, input: opts.input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) assert.fail(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stderr.toString('utf8')}`);
  return r.stdout;
}

/** What the tests compare about one extracted path. */
export interface NodeFacts {
  kind: 'dir' | 'file' | 'other';
  mode: string;
  sha256?: string;
}

/** Every path under root (relative, '/'-separated) with its kind, mode and content digest. */
export function snapshotTree(root: string): Map<string, NodeFacts> {
  const out = new Map<string, NodeFacts>();
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const st = fs.lstatSync(path.join(root, relPath));
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isDirectory()) {
        out.set(relPath, { kind: 'dir', mode });
        walk(relPath);
      } else if (st.isFile()) {
        const sha256 = createHash('sha256').update(fs.readFileSync(path.join(root, relPath))).digest('hex');
        out.set(relPath, { kind: 'file', mode, sha256 });
      } else {
        out.set(relPath, { kind: 'other', mode });
      }
    }
  };
  walk('');
  return out;
}

/**
 * A file of the source tree (test/package/rpmlintrc ...). The compiled tests
 * live in dist/, so look upwards for the checkout, unless LVSGEN_ROOT (set by
 * the Makefile) says where it is.
 */
export function sourceFile(relative: string): string {
  const roots = process.env.LVSGEN_ROOT ? [process.env.LVSGEN_ROOT] : [];
  for (let dir = path.dirname(new URL(import.meta.url).pathname); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    roots.push(dir);
  }
  for (const root of roots) {
    const candidate = path.join(root, relative);
    if (fs.existsSync(candidate) && fs.existsSync(path.join(root, 'package.json'))) return candidate;
  }
  throw new Error(`cannot find ${relative} above ${import.meta.url}; set LVSGEN_ROOT`);
}

/** True for an ELF executable without a PT_INTERP program header (statically linked). */
export function isStaticElf(bytes: Buffer): boolean {
  if (bytes.subarray(0, 4).toString('latin1') !== '\x7fELF' || bytes[4] !== 2) return false; // ELF64 only
  const phoff = Number(bytes.readBigUInt64LE(0x20));
  const phentsize = bytes.readUInt16LE(0x36);
  const phnum = bytes.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (bytes.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

/**
 * A static busybox to serve as /bin/sh inside scratch roots: dpkg --root and
 * rpm --root run maintainer scripts chrooted (formats "Hints"). Fails under CI
 * and skips elsewhere when only a dynamic busybox (or none) is installed.
 */
export function staticBusybox(t: TestContext): Buffer | undefined {
  for (const candidate of ['/bin/busybox', '/usr/bin/busybox', which('busybox')]) {
    if (candidate === undefined || !fs.existsSync(candidate)) continue;
    const bytes = fs.readFileSync(candidate);
    if (isStaticElf(bytes)) return bytes;
  }
  const message = 'no static busybox for the chroot: apt-get install -y --no-install-recommends busybox-static';
  if (IN_CI) assert.fail(message);
  t.skip(message);
  return undefined;
}
