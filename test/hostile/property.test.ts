// Property-based tests over generated valid topologies: every one renders,
// rendering is deterministic, the order of hosts in the input does not
// matter, renaming a host changes only what names it, and every output is
// accepted by its real consumer. Seeded; `make fuzz` runs many more cases.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parsePlan } from '../../src/render/plan.js';
import { treeOf, type Tree } from '../../src/bundle/tree.js';
import { generate } from '../../src/cli/generate.js';
import { requireTools, sh, tempDir } from '../support/index.js';
import { topologyArb } from '../support/arbitrary.js';

const RUNS = Number(process.env.LVSGEN_FUZZ_RUNS ?? 40);
const CONSUMER_RUNS = Math.max(8, Math.floor(RUNS / 4));
const SEED = Number(process.env.LVSGEN_FUZZ_SEED ?? 20261122);

let n = 0;
function renderTree(dir: string, topology: unknown): Tree {
  const file = join(dir, `t${n++}.yaml`);
  writeFileSync(file, stringify(topology));
  return treeOf(generate(file, { env: {} }).bundles);
}

const same = (a: Tree, b: Tree) => {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [p, f] of a) assert.deepEqual(b.get(p), f, p);
};

test(`property (${RUNS} cases, seed ${SEED}): every generated topology renders, deterministically`, (t) => {
  const dir = tempDir(t);
  fc.assert(
    fc.property(topologyArb, (g) => {
      same(renderTree(dir, g.topology), renderTree(dir, g.topology));
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

test(`property (${RUNS} cases, seed ${SEED}): reordering hosts in the input changes nothing`, (t) => {
  const dir = tempDir(t);
  fc.assert(
    fc.property(topologyArb, (g) => {
      const topo = g.topology as { hosts: Record<string, unknown> };
      const reversed = { ...topo, hosts: Object.fromEntries(Object.entries(topo.hosts).reverse()) };
      same(renderTree(dir, topo), renderTree(dir, reversed));
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

test(`property (${RUNS} cases, seed ${SEED}): renaming a host changes only files that name it`, (t) => {
  const dir = tempDir(t);
  fc.assert(
    fc.property(topologyArb, fc.nat(), (g, pick) => {
      const old = g.hostNames[pick % g.hostNames.length]!;
      const fresh = `renamed${pick % 1000}x`;
      fc.pre(!g.hostNames.includes(fresh));
      const text = stringify(g.topology);
      const renamed = stringify(g.topology).replace(new RegExp(`\\b${old}\\b`, 'g'), fresh);
      fc.pre(text.split(old).length === renamed.split(fresh).length); // the name occurs only as the name
      const a = renderTree(dir, g.topology);
      const b = renderTree(dir, JSON.parse(JSON.stringify(g.topology).replace(new RegExp(`"${old}"`, 'g'), `"${fresh}"`)));
      const touched = new Set<string>();
      const manifests: string[] = [];
      for (const [p, f] of a) {
        const [host, ...rest] = p.split('/');
        const q = host === old ? [fresh, ...rest].join('/') : p;
        const other = b.get(q);
        assert.ok(other, `${q} is missing after renaming ${old}`);
        if (host === old) continue;
        // A manifest lists its host's checksums: it changes exactly when one of them does.
        if (p.endsWith('.lvsgen/manifest')) manifests.push(p);
        else if (f.content.includes(old)) touched.add(host!);
        else assert.deepEqual(other, f, `${p} changed although it does not name ${old}`);
      }
      for (const m of manifests) if (!touched.has(m.split('/')[0]!)) assert.deepEqual(b.get(m), a.get(m), `${m} changed`);
      assert.equal(a.size, b.size);
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

test(`property (${CONSUMER_RUNS} cases, seed ${SEED}): outputs pass ldirectord's parser, ifquery, bash -n and the plan parser`, (t) => {
  if (!requireTools(t, 'ldirectord', 'ifquery', 'bash')) return;
  const dir = tempDir(t);
  let i = 0;
  fc.assert(
    fc.property(topologyArb, (g) => {
      const tree = renderTree(dir, g.topology);
      for (const [p, f] of tree) {
        const file = join(dir, `case${i}`, p);
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, f.content, { mode: f.mode });
        if (p.endsWith('etc/ha.d/ldirectord.cf')) {
          const unique = join(dir, `case${i}`, `prop-${process.pid}-${i}.cf`);
          writeFileSync(unique, f.content);
          const r = sh('ldirectord', [unique, 'status'], { timeout: 20_000 });
          assert.equal(r.status, 3, `ldirectord rejects ${p}:\n${r.stdout}${r.stderr}\n${f.content}`);
        } else if (p.endsWith('etc/network/interfaces')) {
          const r = sh('ifquery', ['-i', file, '--list', '-a']);
          assert.equal(r.status, 0, `ifquery rejects ${p}:\n${r.stderr}\n${f.content}`);
        } else if (p.includes('/etc/sysconfig/')) {
          const r = sh('bash', ['-n', file]);
          assert.equal(r.status, 0, `bash -n rejects ${p}: ${r.stderr}`);
        } else if (p.endsWith('.lvsgen/plan')) {
          assert.doesNotThrow(() => parsePlan(f.content), `the plan ${p} does not parse`);
        }
      }
      i++;
    }),
    { numRuns: CONSUMER_RUNS, seed: SEED },
  );
});
