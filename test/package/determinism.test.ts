// Byte-for-byte determinism of all three artifacts across processes that
// differ in TZ, umask, cwd and locale, and agreement between them: the tar,
// the .deb's data and the .rpm's payload extract to the same files and modes.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { debDocPaths } from '../../src/package/deb.js';
import { NAME, buildAll, debSpec } from '../support/package-fixture.js';
import { requireTools, run, runBytes, snapshotTree, tempDir } from '../support/index.js';

const FIXTURE_URL = pathToFileURL(path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'support', 'package-fixture.js')).href;

/**
 * Build the fixture in a child node process under `umask`, in `cwd`, with
 * `env`. The child is a one-line -e script so no extra file can be picked up
 * by the test runner.
 */
function buildInChild(outDir: string, umask: string, cwd: string, env: Record<string, string>): void {
  const code = `const { buildAll } = await import(${JSON.stringify(FIXTURE_URL)}); await buildAll(process.env.OUT_DIR);`;
  const script = `umask ${umask} && exec "$NODE" --input-type=module -e "$CODE"`;
  run('sh', ['-c', script], { cwd, env: { ...process.env, ...env, NODE: process.execPath, CODE: code, OUT_DIR: outDir } });
}

describe('determinism', () => {
  test('two builds under different TZ, umask, cwd and locale are byte-identical, and equal this process', async (t) => {
    const dir = tempDir(t);
    const scratch = path.join(dir, 'scratch');
    fs.mkdirSync(scratch);
    buildInChild(path.join(dir, 'out1'), '022', scratch, { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' });
    buildInChild(path.join(dir, 'out2'), '077', '/', { TZ: 'Asia/Tokyo', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' });
    const here = await buildAll(path.join(dir, 'out3'));
    for (const file of Object.values(here)) {
      const name = path.basename(file);
      const a = fs.readFileSync(path.join(dir, 'out1', name));
      const b = fs.readFileSync(path.join(dir, 'out2', name));
      assert.ok(a.equals(b), `${name} differs between the two child builds (try diffoscope)`);
      assert.ok(a.equals(fs.readFileSync(file)), `${name} differs from the in-process build`);
    }
  });
});

describe('one payload, three formats', () => {
  test('tar, deb data and rpm payload extract to the same files and modes', async (t) => {
    if (!requireTools(t, 'tar', 'dpkg-deb', 'rpm2cpio', 'cpio')) return;
    const dir = tempDir(t);
    const built = await buildAll(path.join(dir, 'out'));
    const fromTar = path.join(dir, 'tar');
    const fromDeb = path.join(dir, 'deb');
    const fromRpm = path.join(dir, 'rpm');
    for (const d of [fromTar, fromRpm]) fs.mkdirSync(d);
    run('tar', ['-xzf', built.tar, '-C', fromTar]);
    run('dpkg-deb', ['-x', built.deb, fromDeb]);
    run('cpio', ['-idm', '--quiet'], { input: runBytes('rpm2cpio', [built.rpm]), cwd: fromRpm });

    const tar = snapshotTree(fromTar);
    const deb = snapshotTree(fromDeb);
    const rpm = snapshotTree(fromRpm);
    const files = (m: Map<string, { kind: string }>): string[] => [...m].filter(([, f]) => f.kind === 'file').map(([p]) => p);

    // The .deb adds copyright and changelog under usr/share/doc (Debian Policy 12.5, 12.7).
    const docs = debDocPaths(NAME, debSpec(1).version);
    for (const doc of [docs.copyright, docs.changelog, `usr/share/doc/${NAME}`, 'usr/share/doc']) {
      assert.ok(deb.delete(doc), `${doc} in the .deb`);
    }
    assert.deepEqual(deb, tar, 'deb data == tarball, directories included');
    assert.deepEqual(files(rpm), files(tar), 'same regular files in the rpm payload');
    // rpm owns only its own directories (cpio -d makes the others with the umask), so compare files and owned dirs.
    for (const [p, facts] of rpm) {
      if (facts.kind === 'file' || p.split('/').includes(NAME)) assert.deepEqual(facts, tar.get(p), p);
    }
  });
});
