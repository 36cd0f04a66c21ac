// The broken-input corpus: every file under corpus/ says on its first line
// which error code and model path it must produce. Each runs through the CLI
// (render), which must exit 2, name the code and path, and write nothing.
// A few inputs are made here because they cannot sit in the repository as
// text (bytes that are not UTF-8, a 9 MiB file) or are clearer as code.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LIMITS } from '../../src/model/load.js';
import { cli, example, REPO, tempDir } from '../support/index.js';

const CORPUS = join(REPO, 'test/hostile/corpus');

interface Case {
  name: string;
  bytes: Buffer;
  code: string;
  path: string;
}

const fromFiles: Case[] = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => {
    const bytes = readFileSync(join(CORPUS, f));
    const m = /^# expect: (\S+) (\S+)\n/.exec(bytes.toString('utf8'));
    if (!m) throw new Error(`${f}: first line must be "# expect: CODE PATH"`);
    return { name: f, bytes, code: m[1]!, path: m[2] === '-' ? '' : m[2]! };
  });

const lb = readFileSync(example('lb-nat'));
const made: Case[] = [
  { name: 'empty file', bytes: Buffer.alloc(0), code: 'missing', path: '' },
  { name: 'non-UTF-8 bytes', bytes: Buffer.concat([Buffer.from('name: caf'), Buffer.from([0xe9]), Buffer.from('\nhosts: {}\n')]), code: 'not-utf8', path: '' },
  { name: 'UTF-16 file', bytes: Buffer.from(`\ufeff${lb.toString('utf8')}`, 'utf16le'), code: 'not-utf8', path: '' },
  { name: 'enormous input', bytes: Buffer.concat([lb, Buffer.from(`# ${'x'.repeat(LIMITS.maxBytes)}\n`)]), code: 'input-too-large', path: '' },
  {
    name: 'alias bomb (billion laughs)',
    bytes: Buffer.from(['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`), 'name: x', 'hosts: {}'].join('\n')),
    code: 'yaml-alias-limit',
    path: '',
  },
  { name: 'nesting 1000 deep', bytes: Buffer.from(`name: ${'['.repeat(1000)}${']'.repeat(1000)}\n`), code: 'yaml-too-deep', path: '' },
  { name: 'NUL byte in a value', bytes: Buffer.from(lb.toString('utf8').replace('name: lb-nat', 'name: lb\0nat')), code: 'invalid-hostname', path: 'name' },
];

const all = [...fromFiles, ...made];

test(`the corpus holds at least 40 broken inputs (it holds ${all.length})`, () => {
  assert.ok(all.length >= 40);
});

for (const c of all) {
  test(`broken input: ${c.name} -> exit 2, ${c.code} at ${c.path || '(file)'}, nothing written`, async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'topology.yaml');
    writeFileSync(file, c.bytes);
    const r = await cli('render', file, '-o', join(dir, 'out'));
    assert.equal(r.status, 2, `exit ${r.status}\n${r.stderr}`);
    const lines = r.stderr.split('\n');
    const hit = lines.find((l) => l.includes(`error [${c.code}]`) && (c.path === '' || l.includes(` ${c.path}: `)));
    assert.ok(hit, `expected [${c.code}] at "${c.path}", got:\n${r.stderr}`);
    if (c.path !== '') assert.match(hit, /topology\.yaml:\d+:\d+: /, 'a model path comes with line:col');
    assert.ok(!r.stderr.includes('at ') || !/\n\s+at /.test(r.stderr), 'no stack trace');
    assert.deepEqual(readdirSync(dir), ['topology.yaml'], 'nothing written');
  });
}

test('a CRLF copy of a valid topology renders exactly like the LF original', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'crlf.yaml'), lb.toString('utf8').replace(/\n/g, '\r\n'));
  assert.equal((await cli('render', join(dir, 'crlf.yaml'), '-o', join(dir, 'a'))).status, 0);
  assert.equal((await cli('render', example('lb-nat'), '-o', join(dir, 'b'))).status, 0);
  assert.equal((await cli('diff', join(dir, 'crlf.yaml'), '--against', join(dir, 'b'))).status, 0);
});
