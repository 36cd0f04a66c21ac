// A render killed at random points leaves either the previous output or the
// complete new one, never a mix (the output is a link swapped by one rename).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, REPO, tempDir } from '../support/index.js';
import { scaledTopology } from '../support/scale.js';

const KILLS = 24;

function renderKilledAfter(topology: string, out: string, distro: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(join(REPO, 'bin/lvsgen'), ['render', topology, '-o', out, '--distro', distro], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? String(code));
    });
  });
}

test(`render killed with SIGKILL at ${KILLS} random points: the output is always one complete render`, async (t) => {
  const dir = tempDir(t);
  const topology = join(dir, 'scale.yaml');
  writeFileSync(topology, scaledTopology({ realServers: 300, services: 3 }));
  const out = join(dir, 'out');
  const distros = ['redhat', 'debian'];
  let killed = 0;
  let completed = 0;
  // Seeded so a failure can be replayed.
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < KILLS; i++) {
    const distro = distros[i % 2]!;
    const how = await renderKilledAfter(topology, out, distro, 150 + Math.floor(random() * 900));
    if (how === 'SIGKILL') killed++;
    else completed++;
    if (!existsSync(out)) continue; // nothing rendered yet: also "the previous output"
    const matches = [];
    for (const d of distros) matches.push((await cli('diff', topology, '--against', out, '--distro', d)).status === 0);
    assert.ok(matches.some(Boolean), `after run ${i} (${how}), ${out} is neither complete render`);
  }
  t.diagnostic(`${killed} runs killed, ${completed} completed; the output was always whole`);
  assert.ok(killed >= KILLS / 4, `too few runs were killed mid-way (${killed}): the test proves little`);
});
