// Temporary directories, removed again when their test (or test file) ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';

/** Who removes the directory: a test (t.after) or a whole test file (node:test's `after`). */
export type Owner = Pick<TestContext, 'after'> | ((fn: () => void) => void);

/** A fresh directory under the OS temp dir, removed when its owner ends. */
export function tempDir(owner: Owner, prefix = 'lvsgen-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (typeof owner === 'function') owner(remove);
  else owner.after(remove);
  return dir;
}

/** Run `fn` with a fresh directory that is removed as soon as it returns (or throws). */
export function withTempDir<T>(prefix: string, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An owner for what lives as long as the test file (a render its tests
 * share): what it is given to remove goes after the file's last test. Call it
 * at the file's top level.
 */
export function fileScope(): TestContext {
  const cleanups: Array<() => void> = [];
  after(() => cleanups.forEach((fn) => fn()));
  return { after: (fn: () => void) => cleanups.push(fn) } as unknown as TestContext;
}
