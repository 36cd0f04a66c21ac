// `lvsgen package` killed at random points: every artifact in the output is
// either the previous run's or the new run's, whole, never truncated, and no
// temporary file outlives the next run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, sh, tempDir } from '../support/index.js';
import { scaledTopology } from '../support/scale.js';

const KILLS = 16;
const lvsgen = join(REPO, 'bin/lvsgen');

function packageKilledAfter(topology: string, out: string, version: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(lvsgen, ['package', topology, '-o', out, '--version', version], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? String(code));
    });
  });
}

const digests = (dir: string) =>
  new Map(readdirSync(dir).filter((f) => !f.startsWith('.')).map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));

test(`package killed with SIGKILL at ${KILLS} random points: every artifact is whole`, async (t) => {
  const dir = tempDir(t);
  const topology = join(dir, 'scale.yaml');
  writeFileSync(topology, scaledTopology({ realServers: 150, services: 3 }));
  // The complete artifacts of both versions, for reference.
  const whole = new Map<string, string>();
  for (const v of ['1.0.0', '1.0.1']) {
    const ref = join(dir, `ref-${v}`);
    assert.equal(sh(lvsgen, ['package', topology, '-o', ref, '--version', v]).status, 0);
    for (const [f, d] of digests(ref)) whole.set(f, d);
  }
  const out = join(dir, 'out');
  let seed = 777;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let killed = 0;
  for (let i = 0; i < KILLS; i++) {
    const how = await packageKilledAfter(topology, out, i % 2 === 0 ? '1.0.0' : '1.0.1', 200 + Math.floor(random() * 1200));
    if (how === 'SIGKILL') killed++;
    if (!existsSync(out)) continue;
    for (const [f, d] of digests(out)) assert.equal(d, whole.get(f), `after run ${i} (${how}): ${f} is not a whole artifact`);
  }
  assert.equal(sh(lvsgen, ['package', topology, '-o', out, '--version', '1.0.1']).status, 0);
  assert.deepEqual(readdirSync(out).filter((f) => f.includes('.lvsgen-tmp-')), [], 'the next run removes temporary files');
  t.diagnostic(`${killed} of ${KILLS} runs killed; every artifact left was whole`);
  assert.ok(killed >= KILLS / 4, `too few runs were killed mid-way (${killed})`);
});
