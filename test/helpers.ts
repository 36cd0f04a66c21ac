// Shared by the tests: repository paths, temp dirs, running the CLI in
// process, and requiring the real tools that prove generated files.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { generate } from '../src/cli/generate.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLES = ['lb-nat', 'ha-cidr'] as const;
export const DISTROS = ['redhat', 'debian'] as const;
export const example = (name: string) => join(REPO, 'examples', `${name}.yaml`);
export const CI = process.env.CI === 'true' || process.env.CI === '1';

export function tempDir(t: TestContext, prefix = 'lvsgen-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Under CI a missing tool fails the test; elsewhere it skips with a reason.
 * Returns false when the test should stop.
 */
export function requireTools(t: TestContext, ...tools: string[]): boolean {
  const missing = tools.filter((x) => !have(x));
  if (missing.length === 0) return true;
  const why = `missing tool(s): ${missing.join(', ')} (make test installs them as root)`;
  if (CI) throw new Error(why);
  t.skip(why);
  return false;
}

export function requireRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  if (CI) throw new Error('this test needs root (network namespaces)');
  t.skip('needs root for network namespaces');
  return false;
}

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

export function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Ran {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, ...opts });
  return { status: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Run the CLI in process; returns the exit code and what it printed. */
export async function cli(...argv: string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { out: (s) => (stdout += s), err: (s) => (stderr += s) });
  return { status, stdout, stderr };
}

export function bundlesOf(name: string, distro?: string) {
  return generate(example(name), distro !== undefined ? { distro } : {});
}
