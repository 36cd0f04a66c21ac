// Exit codes as documented: 0 success, 1 differences, 2 invalid input or
// usage, 3 internal error with a message asking for a report and no stack trace.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { example, REPO, sh, tempDir } from '../support/index.js';

const lvsgen = join(REPO, 'bin/lvsgen');

test('exit 0: success', () => {
  assert.equal(sh(lvsgen, ['validate', example('lb-nat')]).status, 0);
});

test('exit 1: diff found differences', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'other'));
  const r = sh(lvsgen, ['diff', example('lb-nat'), '--against', join(dir, 'other')]);
  assert.equal(r.status, 1);
});

test('exit 2: invalid input, and usage errors', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'bad.yaml'), 'name: -bad-\n');
  assert.equal(sh(lvsgen, ['validate', join(dir, 'bad.yaml')]).status, 2);
  assert.equal(sh(lvsgen, ['render']).status, 2);
  assert.equal(sh(lvsgen, ['--no-such-option']).status, 2);
});

test('exit 3: an internal error asks for a report and shows no stack trace', (t) => {
  const dir = tempDir(t);
  // A distros folder whose template references a field the model lacks.
  cpSync(join(REPO, 'distros'), join(dir, 'distros'), { recursive: true });
  writeFileSync(join(dir, 'distros/redhat/templates/static-routes.hbs'), '{{no.such.field}}\n');
  const r = sh(lvsgen, ['render', example('ha-cidr'), '-o', join(dir, 'out')], { env: { ...process.env, LVSGEN_DISTROS: join(dir, 'distros'), LVSGEN_DEBUG: '' } });
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /internal error/);
  assert.match(r.stderr, /please report/);
  assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/);
  const debug = sh(lvsgen, ['render', example('ha-cidr'), '-o', join(dir, 'out')], { env: { ...process.env, LVSGEN_DISTROS: join(dir, 'distros'), LVSGEN_DEBUG: '1' } });
  assert.equal(debug.status, 3);
  assert.match(debug.stderr, /\n\s+at /, 'LVSGEN_DEBUG=1 shows the stack');
});
