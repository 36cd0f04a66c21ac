// No topology or planted file can make lvsgen write outside the output
// directory or through a symbolic link.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, example, tempDir } from '../support/index.js';

test('a symbolic link planted inside the output is replaced, never followed', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'out');
  assert.equal((await cli('render', example('lb-nat'), '-o', out)).status, 0);
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious\n');
  const planted = join(out, 'director/etc/sysctl.conf');
  rmSync(planted);
  symlinkSync(victim, planted);
  const r = await cli('render', example('lb-nat'), '-o', out);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  assert.ok(lstatSync(planted).isFile(), 'the output holds a regular file again');
});

test('links planted where earlier versions built their trees are removed, not followed', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'out');
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  for (const name of ['.out.lvsgen-0000000000000000', '.out.lvsgen-0000000000000000.partial', 'out.lvsgen-link']) symlinkSync(elsewhere, join(dir, name));
  assert.equal((await cli('render', example('lb-nat'), '-o', out)).status, 0);
  assert.deepEqual(readdirSync(elsewhere), []);
  assert.ok(existsSync(join(out, 'director/etc/sysctl.conf')));
});

test('an output path that is a link lvsgen did not make is refused', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'etc'));
  symlinkSync(join(dir, 'etc'), join(dir, 'out'));
  const r = await cli('render', example('lb-nat'), '-o', join(dir, 'out'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /symbolic link that lvsgen did not make/);
  assert.deepEqual(readdirSync(join(dir, 'etc')), []);
});

test('host names and requests that climb out of the tree are rejected before anything is written', async (t) => {
  const dir = tempDir(t);
  const text = readFileSync(example('lb-nat'), 'utf8');
  for (const [from, to] of [
    ['  real2:', '  "../../tmp/x":'],
    ['  real2:', '  "/tmp/x":'],
    ['request: ldirector.html, receive: Test Page }\n    real_servers: [real1, real2]\n\n  - virtual: 10.1.3.61:443', 'request: ../../../../etc/cron.d/x, receive: Test Page }\n    real_servers: [real1, real2]\n\n  - virtual: 10.1.3.61:443'],
  ] as const) {
    assert.ok(text.includes(from));
    writeFileSync(join(dir, 't.yaml'), text.replace(from, to));
    const r = await cli('render', join(dir, 't.yaml'), '-o', join(dir, 'out'));
    assert.equal(r.status, 2, r.stderr);
    assert.deepEqual(readdirSync(dir), ['t.yaml']);
  }
});
