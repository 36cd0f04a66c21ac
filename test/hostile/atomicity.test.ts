// A render killed at random points, through the real CLI on a large
// topology: the output is always one complete render, or holds the journal of
// an interrupted one (src/bundle/write.ts), which the next render completes;
// `lvsgen diff` says so meanwhile. test/bundle/write.test.ts kills the writer
// before each of its steps in turn on a small tree.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { JOURNAL, PENDING } from '../../src/bundle/write.js';
import { cli, REPO, tempDir } from '../support/index.js';
import { scaledTopology } from '../support/scale.js';

const KILLS = 16;

/**
 * A render killed with SIGKILL a random 0-40 ms after the writer reaches a
 * phase: staging its files (the pending folder exists), or applying them (its
 * journal is committed). Polled, not timed: on a loaded machine a render's
 * duration varies tenfold, and a fixed delay would mostly kill before the
 * writing starts.
 */
function renderKilledIn(phase: 'staging' | 'applying', topology: string, out: string, distro: string, delay: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(join(REPO, 'bin/lvsgen'), ['render', topology, '-o', out, '--distro', distro], { stdio: 'ignore' });
    const mark = join(out, PENDING, ...(phase === 'applying' ? [JOURNAL] : []));
    let armed = false;
    const poll = setInterval(() => {
      if (armed || !existsSync(mark)) return;
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), delay);
    }, 2);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      resolve(signal ?? String(code));
    });
  });
}

test(`render killed with SIGKILL ${KILLS} times while staging or applying: one complete render, or a journal the next render completes`, async (t) => {
  const dir = tempDir(t);
  const topology = join(dir, 'scale.yaml');
  writeFileSync(topology, scaledTopology({ realServers: 150, services: 3 }));
  const out = join(dir, 'out');
  const distros = ['redhat', 'debian'];
  let killed = 0;
  let completed = 0;
  let interrupted = 0;
  // Seeded so a failure can be replayed.
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  assert.equal((await cli('render', topology, '-o', out, '--distro', 'debian')).status, 0, 'a complete render to start from');
  for (let i = 0; i < KILLS; i++) {
    const distro = distros[i % 2]!;
    const how = await renderKilledIn(i % 4 < 2 ? 'staging' : 'applying', topology, out, distro, Math.floor(random() * 40));
    if (how === 'SIGKILL') killed++;
    else completed++;
    if (existsSync(join(out, PENDING, JOURNAL))) {
      interrupted++;
      const d = await cli('diff', topology, '--against', out, '--distro', distro);
      assert.match(d.stderr, /interrupted render/, `after run ${i}: diff says the output is incomplete`);
      continue;
    }
    const matches = [];
    for (const d of distros) matches.push((await cli('diff', topology, '--against', out, '--distro', d)).status === 0);
    assert.ok(matches.some(Boolean), `after run ${i} (${how}), ${out} is neither complete render and holds no journal`);
  }
  const last = await cli('render', topology, '-o', out, '--distro', 'debian');
  assert.equal(last.status, 0, last.stderr);
  assert.equal((await cli('diff', topology, '--against', out, '--distro', 'debian')).status, 0, 'the last render is complete');
  assert.ok(!existsSync(join(out, PENDING)));
  t.diagnostic(`${killed} runs killed (${interrupted} with a committed journal left), ${completed} completed; the output was always whole or completed by the next run`);
  assert.ok(killed >= KILLS / 2 && interrupted >= KILLS / 8, `too few runs were killed mid-way (${killed}, ${interrupted} while applying): the test proves little`);
});
