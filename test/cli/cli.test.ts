// The commands as a user runs them: exit codes, what is (not) written, diffs.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeTree } from '../../src/bundle/write.js';
import { topologyJsonSchema } from '../../src/cli/json-schema.js';
import { listDistros } from '../../src/render/distros.js';
import { cli, example, REPO, sh, tempDir } from '../support/index.js';

const KEY = 'example-only-change-me';

test('validate: both examples are valid (exit 0)', async () => {
  for (const e of ['lb-nat', 'ha-cidr']) {
    const r = await cli('validate', example(e));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /valid/);
  }
});

test('validate: problems go to stderr as file:line:col, exit 2', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, readFileSync(example('lb-nat'), 'utf8').replace('scheduler: rr\n    persistent', 'scheduler: bogus\n    persistent').replace('192.168.6.5/24', '192.168.6.4/24'));
  const r = await cli('validate', f);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`${f.replace(/[.]/g, '\\.')}:\\d+:\\d+: error \\[invalid-scheduler\\] virtual_services\\[0\\]\\.scheduler:`));
  assert.match(r.stderr, /\[duplicate-address\] hosts\.real2\.interfaces\.eth0/);
  assert.match(r.stderr, /2 problems; nothing written/);
});

test('render: writes <host>/<path> with modes, installer and manifest', async (t) => {
  const out = join(tempDir(t), 'out');
  const r = await cli('render', example('ha-cidr'), '-o', out);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['.lvsgen-output', 'node1', 'node2', 'router']);
  assert.equal(statSync(join(out, 'node1/etc/ha.d/authkeys')).mode & 0o777, 0o600);
  assert.equal(statSync(join(out, 'node1/.lvsgen/install.sh')).mode & 0o777, 0o755);
  assert.equal(statSync(join(out, 'router/etc/sysctl.conf')).mode & 0o777, 0o644);
  const manifest = readFileSync(join(out, 'node1/.lvsgen/manifest'), 'utf8');
  assert.match(manifest, /^0600 - \/etc\/ha\.d\/authkeys$/m);
  for (const line of manifest.split('\n').filter((l) => /^0\d{3} [0-9a-f]{64} \//.test(l))) {
    const [, sum, path] = line.split(' ');
    const got = sh('sha256sum', [join(out, 'node1', path!)]).stdout.split(' ')[0];
    assert.equal(got, sum, path);
  }
  assert.ok(!r.stdout.includes(KEY) && !r.stderr.includes(KEY));
});

test('render: invalid input writes nothing, not even the output directory', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, 'name: x\nhosts: {}\n');
  const r = await cli('render', f, '-o', join(dir, 'out'));
  assert.equal(r.status, 2);
  assert.deepEqual(readdirSync(dir), ['bad.yaml']);
});

test('render: an unchanged topology rewrites nothing; a changed one is updated in place', async (t) => {
  const out = join(tempDir(t), 'out');
  assert.equal((await cli('render', example('lb-nat'), '-o', out)).status, 0);
  const before = statSync(join(out, 'director/etc/sysctl.conf')).mtimeMs;
  const again = await cli('render', example('lb-nat'), '-o', out);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /up to date/);
  assert.equal(statSync(join(out, 'director/etc/sysctl.conf')).mtimeMs, before);
  const deb = await cli('render', example('lb-nat'), '-o', out, '--distro', 'debian');
  assert.equal(deb.status, 0);
  assert.ok(existsSync(join(out, 'director/etc/network/interfaces')));
  assert.ok(!existsSync(join(out, 'director/etc/sysconfig')), 'stale files of the previous render are gone');
  assert.match(deb.stdout, /\d+ written, \d+ removed/);
});

test('render: refuses to replace a directory lvsgen did not write', async (t) => {
  const out = join(tempDir(t), 'precious');
  mkdirSync(out);
  writeFileSync(join(out, 'notes.txt'), 'keep me');
  const r = await cli('render', example('lb-nat'), '-o', out);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not written by lvsgen/);
  assert.deepEqual(readdirSync(out), ['notes.txt']);
});

test('render: a failure while writing leaves the previous output intact', async (t) => {
  const out = join(tempDir(t), 'out');
  assert.equal((await cli('render', example('lb-nat'), '-o', out)).status, 0);
  // A tree that cannot be written: 'x' is both a file and a directory.
  const broken = new Map([
    ['x', { content: 'file\n', mode: 0o644, secret: false }],
    ['x/y', { content: 'under a file\n', mode: 0o644, secret: false }],
  ]);
  assert.throws(() => writeTree(broken, out));
  assert.ok(existsSync(join(out, 'director/etc/sysconfig/iptables')), 'the previous render is intact');
  assert.ok(!existsSync(join(out, 'x')));
  assert.deepEqual(readdirSync(join(out, '..')), ['out'], 'nothing beside the output');
  assert.equal((await cli('diff', example('lb-nat'), '--against', out)).status, 0, 'the output is the previous render, whole');
});

test('diff: identical tree exits 0; a changed file exits 1 with a unified diff', async (t) => {
  const out = join(tempDir(t), 'out');
  await cli('render', example('lb-nat'), '-o', out);
  assert.equal((await cli('diff', example('lb-nat'), '--against', out)).status, 0);
  const f = join(out, 'real1/etc/sysconfig/network-scripts/ifcfg-eth0');
  writeFileSync(f, readFileSync(f, 'utf8').replace('GATEWAY=192.168.6.1', 'GATEWAY=192.168.6.254'));
  const r = await cli('diff', example('lb-nat'), '--against', out);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^-GATEWAY=192\.168\.6\.254$/m);
  assert.match(r.stdout, /^\+GATEWAY=192\.168\.6\.1$/m);
});

test('diff: against a golden tree; secrets are never shown', async (t) => {
  const golden = join(REPO, 'golden/ha-cidr/redhat');
  assert.equal((await cli('diff', example('ha-cidr'), '--against', golden)).status, 0);
  const out = join(tempDir(t), 'out');
  await cli('render', example('ha-cidr'), '-o', out);
  const auth = join(out, 'node1/etc/ha.d/authkeys');
  writeFileSync(auth, readFileSync(auth, 'utf8').replace(KEY, 'another-secret-key'));
  const r = await cli('diff', example('ha-cidr'), '--against', out);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^ {2}changed \/etc\/ha\.d\/authkeys \(a secret value changed: not shown\)$/m);
  assert.ok(!r.stdout.includes(KEY) && !r.stdout.includes('another-secret-key'));
});

test('ipvsadm: one table per director; none for a topology without directors', async () => {
  const r = await cli('ipvsadm', example('ha-cidr'));
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /no director/);
});

test('secrets from the environment and from a file', async (t) => {
  const dir = tempDir(t);
  const base = readFileSync(example('ha-cidr'), 'utf8');
  writeFileSync(join(dir, 'env.yaml'), base.replace(`key: ${KEY}`, 'key_env: LVSGEN_TEST_KEY'));
  writeFileSync(join(dir, 'file.yaml'), base.replace(`key: ${KEY}`, 'key_file: hb.key'));
  writeFileSync(join(dir, 'hb.key'), 'from-a-file-123\n');
  const missing = await cli('render', join(dir, 'env.yaml'), '-o', join(dir, 'o1'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /secret-source.*LVSGEN_TEST_KEY is not set/);
  process.env.LVSGEN_TEST_KEY = 'from-the-environment';
  t.after(() => delete process.env.LVSGEN_TEST_KEY);
  assert.equal((await cli('render', join(dir, 'env.yaml'), '-o', join(dir, 'o1'))).status, 0);
  assert.match(readFileSync(join(dir, 'o1/node1/etc/ha.d/authkeys'), 'utf8'), /^1 sha1 from-the-environment$/m);
  assert.equal((await cli('render', join(dir, 'file.yaml'), '-o', join(dir, 'o2'))).status, 0);
  assert.match(readFileSync(join(dir, 'o2/node2/etc/ha.d/authkeys'), 'utf8'), /^1 sha1 from-a-file-123$/m);
});

test('usage errors exit 2', async () => {
  assert.equal((await cli()).status, 2);
  assert.equal((await cli('frobnicate')).status, 2);
  assert.equal((await cli('render', example('lb-nat'))).status, 2);
  assert.equal((await cli('render', example('lb-nat'), '-o', '/tmp/x', '--distro', 'beos')).status, 2);
  assert.equal((await cli('validate', '/nonexistent/topology.yaml')).status, 2);
});

test('bin/lvsgen runs the CLI from the checkout', () => {
  const r = sh(join(REPO, 'bin/lvsgen'), ['validate', example('lb-nat')]);
  assert.equal(r.status, 0, r.stderr);
  const h = sh(join(REPO, 'bin/lvsgen'), ['--help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /render <topology>/);
});

test('docs/topology.schema.json is generated from the validator schema (run make schema)', () => {
  const published = JSON.parse(readFileSync(join(REPO, 'docs/topology.schema.json'), 'utf8'));
  assert.deepEqual(published, topologyJsonSchema(listDistros()));
});

test('--version prints the version of package.json, exit 0', async () => {
  const r = await cli('--version');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version}\n`);
});
