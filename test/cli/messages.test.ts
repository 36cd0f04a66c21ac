// What the commands say: counts in the singular and plural, diff's summary on
// a line of its own, problems under the topology's own file name whatever the
// order of the arguments, and "Run lvsgen --help" only after bad arguments.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { count } from '../../src/cli/io.js';
import { cli, example, tempDir } from '../support/index.js';

const HELP = 'Run lvsgen --help for usage.';

/** A director alone, with no virtual service: valid, and the only one-host topology there is. */
const ONE_HOST = 'name: one\nhosts:\n  director:\n    roles: [director]\n    interfaces:\n      eth0: 10.1.3.1/24\nvirtual_services: []\n';

test('count: one in the singular, any other number in the plural', () => {
  assert.equal(count(0, 'host'), '0 hosts');
  assert.equal(count(1, 'host'), '1 host');
  assert.equal(count(2, 'virtual service'), '2 virtual services');
  assert.equal(count(1, 'file differs', 'files differ'), '1 file differs');
});

test('validate counts hosts and virtual services in the singular and plural', async (t) => {
  const dir = tempDir(t);
  const one = join(dir, 'one.yaml');
  writeFileSync(one, ONE_HOST);
  const single = join(dir, 'single-service.yaml');
  const lbNat = readFileSync(example('lb-nat'), 'utf8');
  writeFileSync(single, lbNat.slice(0, lbNat.indexOf('\n  - virtual: 10.1.3.61:80')) + '\n');

  const cases: [string, string][] = [
    [example('lb-nat'), '3 hosts, 3 virtual services'],
    [example('ha-cidr'), '3 hosts, 0 virtual services'],
    [single, '3 hosts, 1 virtual service'],
    [one, '1 host, 0 virtual services'],
  ];
  for (const [file, counts] of cases) {
    const r = await cli('validate', file);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${file}: valid (${counts})\n`);
  }
  const r = await cli('render', one, '-o', join(dir, 'out'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: 1 host, (\d+) files \(\1 written, 0 removed\)\n$/);
});

test('diff: "1 file differs", "2 files differ", after the patches', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'out');
  assert.equal((await cli('render', example('lb-nat'), '-o', out)).status, 0);
  const copy = join(dir, 'copy');
  cpSync(out, copy, { recursive: true, dereference: true });
  // No newline at the end, as the diff's last line.
  writeFileSync(join(copy, 'real2/var/www/html/ldirector.html'), 'changed');

  const one = await cli('diff', example('lb-nat'), '--against', copy);
  assert.equal(one.status, 1, one.stderr);
  assert.match(one.stdout, /^\\ No newline at end of file\n/m);
  assert.ok(one.stdout.endsWith('\n'), 'the patches end their last line');
  assert.equal(one.stderr, '1 file differs\n');

  mkdirSync(join(copy, 'real3'));
  writeFileSync(join(copy, 'real3/extra'), 'only here');
  const two = await cli('diff', example('lb-nat'), '--against', copy);
  assert.equal(two.status, 1, two.stderr);
  assert.ok(two.stdout.endsWith('\n'));
  assert.equal(two.stderr, '2 files differ\n');

  const none = await cli('diff', example('lb-nat'), '--against', out);
  assert.deepEqual(none, { status: 0, stdout: '', stderr: '' });
});

test('problems are reported under the topology file, wherever -o or --against stands', async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: -bad-\n');
  const other = join(dir, 'OTHER');
  const runs: string[][] = [
    ['validate', bad],
    ['render', '-o', other, bad],
    ['render', bad, '-o', other],
    ['render', '--out', other, '--distro', 'debian', bad],
    ['diff', '--against', other, bad],
    ['ipvsadm', '--host', 'director', bad],
    ['package', '-o', other, bad],
    ['package', bad, '-o', other],
    ['package', '--format', 'tar', '-o', other, bad],
  ];
  for (const argv of runs) {
    const r = await cli(...argv);
    const what = argv.join(' ');
    assert.equal(r.status, 2, `${what}: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.ok(lines.length >= 2, `${what}: ${r.stderr}`);
    for (const line of lines.slice(0, -1)) assert.ok(line.startsWith(`${bad}:`), `${what}: ${line}`);
    assert.match(lines.at(-1)!, /^\d+ problems?; nothing written$/, what);
    assert.ok(!r.stderr.includes('OTHER'), `${what}: ${r.stderr}`);
    assert.ok(!r.stderr.includes(HELP), `${what}: invalid input is not a usage error`);
  }
  const missing = join(dir, 'missing.yaml');
  const r = await cli('render', '-o', other, missing);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`^${missing.replace(/[.]/g, '\\.')}: error \\[read-error\\] cannot read`));
});

test('only bad arguments end with "Run lvsgen --help for usage."', async (t) => {
  const dir = tempDir(t);
  const usage: string[][] = [
    [],
    ['frobnicate'],
    ['render', example('lb-nat')],
    ['render', example('lb-nat'), '-o', join(dir, 'x'), '--distro', 'beos'],
    ['diff', example('lb-nat'), '--against', join(dir, 'no-such-dir')],
    ['ipvsadm', example('lb-nat'), '--host', 'real1'],
    ['package', example('lb-nat'), '-o', join(dir, 'p'), '--format', 'zip'],
    ['package', example('lb-nat'), '-o', join(dir, 'p'), '--maintainer', 'nobody'],
  ];
  for (const argv of usage) {
    const r = await cli(...argv);
    assert.equal(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.endsWith(`\n${HELP}\n`), `${argv.join(' ')}: ${r.stderr}`);
  }

  // Right arguments, but the output cannot be written: exit 2, and --help would not help.
  const foreign = join(dir, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'mine'), 'not lvsgen output\n');
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, '');
  const output: [string[], RegExp][] = [
    [['render', example('lb-nat'), '-o', foreign], /^lvsgen: .* not written by lvsgen; refusing to replace it\n$/],
    [['package', example('lb-nat'), '-o', aFile], /^lvsgen: .* exists and is not a directory\n$/],
  ];
  for (const [argv, message] of output) {
    const r = await cli(...argv);
    assert.equal(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, argv.join(' '));
  }
});
