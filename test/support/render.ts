// Rendering: the pipeline in process (generate*), and the CLI rendering into
// a temp dir (render*), read back through one Rendered type.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { generate, type Generated } from '../../src/cli/generate.js';
import { checkTopology } from '../../src/model/load.js';
import type { Problem } from '../../src/model/problems.js';
import type { HostBundle } from '../../src/render/types.js';
import type { GoldenCase } from './cases.js';
import { example } from './env.js';
import { cli } from './proc.js';
import { tempDir, withTempDir } from './tmp.js';

/** A topology file through the pipeline, for `distro` (else each host's own). */
export function generateFile(file: string, distro?: string): Generated {
  return generate(file, distro !== undefined ? { distro } : {});
}

/** An example (examples/<name>.yaml) through the pipeline. */
export function bundlesOf(name: string, distro?: string): Generated {
  return generateFile(example(name), distro);
}

/** A file of an example's bundle for one host (the pipeline in process), as text; the test fails when the host has no such file. */
export function exampleFile(name: string, distro: string, host: string, path: string): string {
  const f = bundlesOf(name, distro).bundles.find((b) => b.host === host)?.files.find((x) => x.path === path);
  assert.ok(f, `${name}/${distro}: ${host} has no ${path}`);
  return f.content.toString();
}

/** A file of topology text's bundle for one host (the pipeline in process), as text; the test fails when the host has no such file. */
export function textFile(text: string, host: string, path: string): string {
  const f = generateText(text).bundles.find((b) => b.host === host)?.files.find((x) => x.path === path);
  assert.ok(f, `${host} has no ${path}`);
  return f.content.toString();
}

/** Topology text through the pipeline: generate reads a file, so it is written to a temp dir (removed again). */
export function generateText(text: string, distro?: string, env?: Record<string, string>): Generated {
  return withTempDir('lvsgen-text-', (dir) => {
    const file = join(dir, 'topology.yaml');
    writeFileSync(file, text);
    return generate(file, { ...(distro !== undefined ? { distro } : {}), ...(env !== undefined ? { env } : {}) });
  });
}

/** An example's text with director_backend set (unset: the example as it is). */
export function exampleWith(name: string, backend?: string): string {
  const text = readFileSync(example(name), 'utf8');
  return backend === undefined ? text : `${text}\ndirector_backend: ${backend}\n`;
}

/** A golden case through the pipeline: the example file, or its text with the backend set. */
export function bundlesOfCase(c: GoldenCase): Generated {
  return c.backend === undefined ? bundlesOf(c.example, c.distro) : generateText(exampleWith(c.example, c.backend), c.distro);
}

/** What the CLI rendered into a directory: <dir>/<host>/<path>. */
export interface Rendered {
  /** The render's output directory. */
  dir: string;
  /** The same topology's bundles from the pipeline in process (computed on first use). */
  readonly bundles: HostBundle[];
  /** Absolute path of a host file (or of a bundle file such as .lvsgen/install.sh). */
  file(host: string, path: string): string;
  read(host: string, path: string): string;
  /** Bundles that hold this path (without the leading slash). */
  holding(path: string | RegExp): HostBundle[];
}

function rendered(dir: string, bundlesOnce: () => HostBundle[]): Rendered {
  let cached: HostBundle[] | undefined;
  const file = (host: string, path: string) => join(dir, host, path.replace(/^\//, ''));
  const r: Rendered = {
    dir,
    get bundles() {
      cached ??= bundlesOnce();
      return cached;
    },
    file,
    read: (host, path) => readFileSync(file(host, path), 'utf8'),
    holding: (path) => r.bundles.filter((b) => b.files.some((f) => (typeof path === 'string' ? f.path === path : path.test(f.path)))),
  };
  return r;
}

/** `lvsgen render FILE -o DIR --distro DISTRO` in process; fails the test unless it exits 0. */
async function renderWithCli(file: string, dir: string, distro: string, what: string): Promise<void> {
  const r = await cli('render', file, '-o', dir, '--distro', distro);
  assert.equal(r.status, 0, `lvsgen render ${what}--distro ${distro}: ${r.stderr}`);
}

/** Render `example` for `distro` with the CLI (the user's path) into a fresh temp dir; every bundle is of that distro. */
export async function render(t: TestContext, ex: string, distro: string): Promise<Rendered> {
  const dir = join(tempDir(t, `lvsgen-consumers-${ex}-${distro}-`), 'out');
  await renderWithCli(example(ex), dir, distro, `${ex} `);
  const { bundles } = bundlesOf(ex, distro);
  assert.ok(bundles.length > 0);
  for (const b of bundles) assert.equal(b.distro, distro);
  return rendered(dir, () => bundles);
}

/** Render topology text with the CLI (the user's path) for `distro` into a fresh temp dir. */
export async function renderText(t: TestContext, text: string, distro: string): Promise<Rendered> {
  const dir = tempDir(t, 'lvsgen-distros-');
  const file = join(dir, 'topology.yaml');
  writeFileSync(file, text);
  const out = join(dir, 'out');
  await renderWithCli(file, out, distro, '');
  return rendered(out, () => generateFile(file, distro).bundles);
}

/** Render a golden case with the CLI into a fresh temp dir. */
export const renderCase = (t: TestContext, c: GoldenCase) => renderText(t, exampleWith(c.example, c.backend), c.distro);

/** The problems (and warnings) checking topology text reports for `distros` (none: []). */
export function problemsOf(text: string, distros: readonly string[] = ['debian', 'redhat', 'debian12', 'rhel9']): Problem[] {
  // What loadTopology throws, or, for a valid file, its warnings.
  return checkTopology(new TextEncoder().encode(text), [...distros]).problems;
}

/** Checking topology text reports exactly `want` ([code, path] each, in order; the message is free), and each problem with its line. */
export function assertRefused(text: string, want: ReadonlyArray<readonly [code: string, path: string]>): void {
  const ps = problemsOf(text);
  assert.deepEqual(ps.map((p) => [p.code, p.path]), want, ps.map((p) => `${p.path}: ${p.message}`).join('\n'));
  for (const p of ps) assert.ok(p.pos, `${p.path} has its line`);
}
