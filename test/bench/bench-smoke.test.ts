// The benchmark (make bench) as a smoke check: at N=10, once, it runs every
// step and writes its report, and the Ansible playbook of the side by side
// writes exactly lvsgen's host files (its fairness check, run once). No timing is asserted: CI machines are
// shared and noisy; docs/benchmarks.md holds the measured numbers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { STEPS, type BenchResults } from '../../bench/matrix.js';
import { REPO, requireTools, tempDir } from '../support/index.js';

test('the benchmark runs at N=10 (both layouts, every step, the side by side) and writes its report', (t) => {
  if (!requireTools(t, '/usr/bin/time', 'ansible-playbook')) return;
  const dir = tempDir(t, 'lvsgen-bench-smoke-');
  const json = join(dir, 'benchmarks.json');
  const md = join(dir, 'benchmarks.md');
  const r = spawnSync(process.execPath, [join(REPO, 'dist', 'bench', 'run.js'), '--smoke', '--work', join(dir, 'work'), '--json', json, '--md', md], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(r.status, 0, `bench --smoke failed:\n${r.stderr}`);
  const results = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
  assert.deepEqual(results.fleet.map((f) => `${f.layout} ${f.n}`), ['single 10', 'pair 10']);
  for (const f of results.fleet) {
    assert.deepEqual(Object.keys(f.steps).sort(), STEPS.map((s) => s.id).sort(), `${f.layout}: every step measured`);
    for (const [id, m] of Object.entries(f.steps)) {
      assert.ok(m.wall.median > 0 && m.cpu.median >= 0 && m.rss.median > 0, `${f.layout} ${id}: wall, CPU and RSS recorded`);
    }
    assert.equal(f.hosts, f.layout === 'pair' ? 12 : 11);
    assert.equal(f.unchanged.changed, 0, `${f.layout}: re-rendering an unchanged topology rewrote files`);
    assert.ok(f.unchanged.linkKept, `${f.layout}: re-rendering swapped the output link`);
    assert.match(f.unchanged.message, /is up to date/);
  }
  assert.equal(results.ansible.length, 1);
  assert.ok(results.ansible[0]!.fairness.equal, results.ansible[0]!.fairness.differences.join('\n'));
  // The side by side compares the same work: the playbook writes lvsgen's host
  // files for lb-nat with 10 real servers, and a tarball per host.
  assert.equal(results.fairness.length, 1);
  const f = results.fairness[0]!;
  assert.deepEqual(f.differences, [], 'the playbook and lvsgen differ: the side by side would compare different work');
  assert.ok(f.equal);
  assert.equal(f.hosts, 11);
  assert.equal(f.tarballs, 11);
  // director: 3 ifcfg, sysctl.conf, iptables, iptables-lvsgen, rc.local, ldirectord.cf; each real server: ifcfg-eth0 and the check page.
  assert.equal(f.files, 8 + 10 * 2);
  assert.ok(existsSync(md));
  assert.match(readFileSync(md, 'utf8'), /## Side by side: the Ansible playbook/);
});
