// lvsgen graph: the diagram is a pure, deterministic view of the derived
// model, shows every host, address, network, pair and service, and each format
// passes its real consumer: the SVG in headless Chromium (no two texts overlap,
// every text inside its box and the picture, a non-blank screenshot), DOT in
// Graphviz's dot, Mermaid through a structural check of its flowchart grammar.
// Topologies: the examples and some held here (a director pair, three pairs, several
// networks, long interface names, tunnelling and UDP, a small fleet).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { renderGraph, GRAPH_FORMATS } from '../../src/graph/graph.js';
import { graphView } from '../../src/graph/view.js';
import type { Generated } from '../../src/pipeline.js';
import { cli, generateText, bundlesOf, HICAP_VARIANT, PAIR, requireTools, sh, sourceFile, tempDir } from '../support/index.js';
import { scaledTopology } from '../support/scale.js';
import { dumpDom, pngPixels, screenshot } from './browser.js';

/** Three networks, a router, a director with long interface names, tunnelling, UDP DNS, a weight and a port. */
const WIDE = `name: wide-one
defaults: { distro: debian12 }
hosts:
  edge: { roles: [router], interfaces: { ens3: 203.0.113.1/24, ens4: 172.16.0.1/24 } }
  lb: { roles: [director], interfaces: { enp0s31f6.100: 172.16.0.10/24, enp0s31f6.200: 10.20.0.1/16 } }
  web-a: { roles: [real-server], interfaces: { eth0: 10.20.1.5/16 } }
  web-b: { roles: [real-server], interfaces: { eth0: 10.20.1.6/16 } }
  far: { roles: [real-server], distro: rhel9, interfaces: { eth0: 172.16.0.50/24 } }
virtual_services:
  - virtual: 172.16.0.80:80
    forward: masq
    check: { type: negotiate, request: ok.html, receive: fine }
    real_servers: [web-a, { host: web-b, port: 8080, weight: 3 }]
  - virtual: 172.16.0.80:53
    protocol: udp
    forward: masq
    check: { type: negotiate, request: example.org, receive: 192.0.2.1 }
    real_servers: [web-a]
  - virtual: 172.16.0.81:443
    forward: ipip
    check: { type: connect }
    real_servers: [far]
`;

const HELD: Record<string, string> = {
  pair: PAIR,
  hicap: HICAP_VARIANT,
  wide: WIDE,
  fleet: scaledTopology({ realServers: 9, services: 2, directorPair: true, mixDistros: ['debian12', 'rhel9'] }),
};

/** Every bundled example (examples/*.yaml): each has its diagram in docs/graphs. */
const ALL_EXAMPLES = readdirSync(sourceFile('examples')).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();

const models = new Map<string, Generated>([
  ...ALL_EXAMPLES.map((e) => [e, bundlesOf(e)] as const),
  ...Object.entries(HELD).map(([k, text]) => [k, generateText(text)] as const),
]);

describe('graph: a view of the model', () => {
  for (const [name, g] of models) {
    test(`${name}: every format is the same bytes twice and ends in one newline`, () => {
      for (const f of GRAPH_FORMATS) {
        const a = renderGraph(g.model, f);
        assert.equal(renderGraph(g.model, f), a);
        assert.ok(a.endsWith('\n') && !a.endsWith('\n\n'), f);
      }
    });

    test(`${name}: shows every host, address, network, floating address and service, and no secret`, () => {
      const v = graphView(g.model);
      for (const f of GRAPH_FORMATS) {
        const text = renderGraph(g.model, f);
        for (const h of g.model.hosts) {
          assert.ok(text.includes(h.name), `${f}: host ${h.name}`);
          for (const d of h.devices) assert.ok(text.includes(`${d.address}/${d.prefix}`), `${f}: ${h.name} ${d.address}`);
        }
        for (const n of v.networks) assert.ok(text.includes(n.cidr), `${f}: network ${n.cidr}`);
        for (const s of g.model.services) {
          assert.ok(text.includes(`${s.protocol.toUpperCase()} ${s.address}:${s.port}`), `${f}: service ${s.address}:${s.port}`);
          for (const r of s.reals) assert.ok(text.includes(`${r.host}`) && text.includes(`:${r.port} w${r.weight}`), `${f}: real ${r.host}`);
        }
        for (const fl of g.model.pairs.flatMap((p) => p.floating)) assert.ok(text.includes(fl), `${f}: floating ${fl}`);
        for (const s of g.model.secrets) assert.ok(!text.includes(s), `${f}: a secret shows`);
      }
    });
  }

  test('the pair is shown as one: both nodes in its frame, the preferred one active', () => {
    const v = graphView(models.get('pair')!.model);
    assert.deepEqual(v.pairs.map((p) => p.nodes), [['dir1', 'dir2']]);
    assert.deepEqual(v.hosts.filter((h) => h.pair).map((h) => [h.name, h.pair]), [['dir1', 'active'], ['dir2', 'standby']]);
    const svg = renderGraph(models.get('pair')!.model, 'svg');
    assert.match(svg, /<g class="box pair">[\s\S]*HA pair: dir1 active, dir2 standby/);
  });

  test('several pairs (high capacity): a frame per pair around its own two nodes, each naming its own floating addresses', () => {
    for (const name of ['high-capacity', 'hicap']) {
      const g = models.get(name)!;
      const v = graphView(g.model);
      assert.deepEqual(v.pairs.map((p) => p.nodes), g.model.pairs.map((p) => p.nodes));
      assert.ok(v.pairs.length >= 2, name);
      const svg = renderGraph(g.model, 'svg');
      const frames = [...svg.matchAll(/<g class="box pair">([\s\S]*?)<\/g>/g)].map((m) => m[1]!);
      assert.equal(frames.length, g.model.pairs.length, `${name}: one frame per pair`);
      g.model.pairs.forEach((p, i) => {
        assert.ok(frames[i]!.includes(`HA pair: ${p.nodes[0]} active, ${p.nodes[1]} standby`), `${name}: frame ${i} names its nodes`);
        for (const fl of p.floating) assert.ok(frames[i]!.includes(fl), `${name}: frame ${i} names ${fl}`);
      });
      // DOT: one cluster per pair, holding exactly its two nodes
      const dot = renderGraph(g.model, 'dot');
      const clusters = [...dot.matchAll(/subgraph (cluster_pair\d*) \{([\s\S]*?)\n {2}\}/g)];
      assert.equal(clusters.length, g.model.pairs.length, `${name}: one DOT cluster per pair`);
      g.model.pairs.forEach((p, i) => {
        const ids = [...clusters[i]![2]!.matchAll(/^ {4}(h\d+) \[/gm)].map((m) => m[1]);
        assert.deepEqual(ids, p.nodes.map((n) => v.hosts.find((h) => h.name === n)!.id), `${name}: cluster ${i} holds its pair's nodes`);
      });
      const mermaid = renderGraph(g.model, 'mermaid');
      assert.equal((mermaid.match(/^ {2}subgraph pair\d*\[/gm) ?? []).length, g.model.pairs.length, `${name}: one Mermaid subgraph per pair`);
    }
  });

  test('forwarding methods are named as ipvsadm does (NAT, direct routing, tunnelling)', () => {
    const svg = renderGraph(models.get('wide')!.model, 'svg');
    assert.match(svg, /NAT \(masq\)/);
    assert.match(svg, /tunnelling \(ipip\)/);
    assert.match(renderGraph(models.get('pair')!.model, 'svg'), /direct routing \(gate\)/);
    assert.match(svg, /UDP 172\.16\.0\.80:53/);
  });

  test('a fleet of 300 real servers still draws (and quickly)', () => {
    const g = generateText(scaledTopology({ realServers: 300, services: 3 }));
    const t0 = process.hrtime.bigint();
    const svg = renderGraph(g.model, 'svg');
    assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 2000);
    assert.equal((svg.match(/<g class="host"/g) ?? []).length, 301);
  });
});

describe('graph: the SVG in Chromium', () => {
  // One page holds every diagram (one browser start for all); the script checks each apart.
  let results: Record<string, { texts: number; problems: string[]; font: string }> | undefined;
  const layout = (name: string) => {
    if (results === undefined) {
      const dir = tempDir(after, 'lvsgen-graph-');
      const svgs = [...models].map(([n, g]) => `<div data-name="${n}">${renderGraph(g.model, 'svg')}</div>`).join('\n');
      writeFileSync(join(dir, 'page.html'), `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">${svgs}<pre id="result"></pre><script>${CHECK_SCRIPT}</script></body></html>`);
      const dom = dumpDom(join(dir, 'page.html'));
      const m = /<pre id="result">([\s\S]*?)<\/pre>/.exec(dom);
      assert.ok(m && m[1] !== '', `the check script ran:\n${dom.slice(-2000)}`);
      results = JSON.parse(m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as typeof results;
    }
    return results![name]!;
  };
  for (const name of models.keys()) {
    test(`${name}: no two texts overlap, each stays in its box and the picture; the screenshot is not blank`, (t) => {
      if (!requireTools(t, 'chromium')) return;
      const svg = renderGraph(models.get(name)!.model, 'svg');
      const result = layout(name);
      assert.deepEqual(result.problems, [], `layout problems (font: ${result.font})`);
      assert.equal(result.texts, (svg.match(/<text /g) ?? []).length);
      assert.ok(result.texts > 5);
      // The picture itself: an SVG that failed to parse shows blank (or an error page).
      const dir = tempDir(t, 'lvsgen-graph-');
      const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number) as [number, number, number];
      writeFileSync(join(dir, 'graph.svg'), svg);
      const px = pngPixels(screenshot(join(dir, 'graph.svg'), join(dir, 'shot.png'), w, h));
      let dark = 0;
      for (let i = 0; i < px.data.length; i += px.channels) if (px.data[i]! + px.data[i + 1]! + px.data[i + 2]! < 200) dark++;
      const share = dark / (px.width * px.height);
      assert.ok(share > 0.005 && share < 0.3, `dark pixels ${(share * 100).toFixed(2)}% (text and lines expected)`);
    });
  }
});

/** Runs in the page: every text's box from getBBox, checked pairwise, against its box's rect and the viewBox. */
const CHECK_SCRIPT = `
const results = {};
for (const div of document.querySelectorAll('div[data-name]')) {
const svg = div.querySelector('svg');
const vb = svg.viewBox.baseVal;
const texts = [...svg.querySelectorAll('text')];
const problems = [];
const boxes = texts.map((t) => { const b = t.getBBox(); return { s: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height, t }; });
for (const b of boxes) {
  if (b.w <= 0 || b.h <= 0) problems.push('empty: ' + b.s);
  if (b.x < 0 || b.y < 0 || b.x + b.w > vb.width || b.y + b.h > vb.height) problems.push('outside the picture: ' + b.s);
  const g = b.t.closest('g.box');
  if (g) {
    const r = g.querySelector(':scope > rect').getBBox();
    if (b.x < r.x || b.y < r.y || b.x + b.w > r.x + r.width || b.y + b.h > r.y + r.height) problems.push('outside its box: ' + b.s);
  }
}
for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
  const a = boxes[i], b = boxes[j];
  if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) problems.push('overlap: ' + a.s + ' | ' + b.s);
}
results[div.dataset.name] = { texts: texts.length, font: getComputedStyle(texts[0]).fontFamily, problems };
}
document.getElementById('result').textContent = JSON.stringify(results);
`;

describe('graph: DOT in Graphviz, Mermaid by its grammar', () => {
  for (const [name, g] of models) {
    test(`${name}: dot -Tsvg lays the DOT out without a warning`, (t) => {
      if (!requireTools(t, 'dot')) return;
      const r = sh('dot', ['-Tsvg'], { input: renderGraph(g.model, 'dot') });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      for (const h of g.model.hosts) assert.ok(r.stdout.replace(/&#45;/g, '-').includes(`>${h.name}</text>`), `dot drew ${h.name}`);
    });

    test(`${name}: the Mermaid flowchart is well formed`, () => {
      assert.deepEqual(mermaidProblems(renderGraph(g.model, 'mermaid')), []);
    });
  }

  test('the Mermaid check finds a broken chart (an undeclared node, a raw quote, an open subgraph)', () => {
    const good = renderGraph(models.get('ha-cidr')!.model, 'mermaid');
    assert.notDeepEqual(mermaidProblems(good.replace(/---\|/, '---|"x" y|')), []);
    assert.notDeepEqual(mermaidProblems(good.replace('h0 ---|', 'zz ---|')), []);
    assert.notDeepEqual(mermaidProblems(good.replace(/\n  end\n/, '\n')), []);
  });
});

/**
 * The statements lvsgen writes, per Mermaid's flowchart syntax
 * (https://mermaid.js.org/syntax/flowchart.html): a node with a quoted label
 * in one of three shapes, a subgraph with a quoted title and its `end`, and
 * edges between declared nodes with an optional quoted label. A label holds
 * no raw `"` (it is written #quot;).
 */
function mermaidProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) !== '') problems.push('no final newline');
  const label = String.raw`"[^"]*"`;
  const node = new RegExp(String.raw`^\s*([a-z][a-z0-9_]*)(?:\[${label}\]|\(\[${label}\]\)|\[/${label}/\])$`);
  const edge = new RegExp(String.raw`^\s*([a-z][a-z0-9_]*) (---|-->|-\.->)(?:\|${label}\|)? ([a-z][a-z0-9_]*)$`);
  const declared = new Set<string>();
  const used: string[] = [];
  let depth = 0;
  let i = 0;
  if (lines[0] === '---') {
    i = lines.indexOf('---', 1) + 1;
    if (i === 0) problems.push('front matter not closed');
  }
  if (lines[i++] !== 'flowchart TB') problems.push('no flowchart header');
  for (; i < lines.length - 1; i++) {
    const l = lines[i]!;
    let m: RegExpExecArray | null;
    if ((m = node.exec(l))) declared.add(m[1]!);
    else if ((m = edge.exec(l))) used.push(m[1]!, m[3]!);
    else if (new RegExp(String.raw`^\s*subgraph [a-z][a-z0-9_]*\[${label}\]$`).test(l)) depth++;
    else if (/^\s*end$/.test(l)) depth--;
    else problems.push(`line ${i + 1}: ${l}`);
    if (depth < 0) problems.push(`line ${i + 1}: end without subgraph`);
  }
  if (depth !== 0) problems.push('subgraph not closed');
  for (const u of used) if (!declared.has(u)) problems.push(`edge to undeclared node ${u}`);
  return problems;
}

describe('graph: the command', () => {
  test('-o writes the file whole, the format from its name; an unchanged graph leaves it untouched', async (t) => {
    const dir = tempDir(t, 'lvsgen-graph-');
    const out = join(dir, 'lb-nat.dot');
    const first = await cli('graph', sourceFile('examples/lb-nat.yaml'), '-o', out);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(readFileSync(out, 'utf8'), renderGraph(models.get('lb-nat')!.model, 'dot'));
    const before = statSync(out);
    const again = await cli('graph', sourceFile('examples/lb-nat.yaml'), '-o', out);
    assert.match(again.stdout, /up to date/);
    assert.equal(statSync(out).mtimeMs, before.mtimeMs);
    assert.equal(statSync(out).ino, before.ino);
    const printed = await cli('graph', sourceFile('examples/lb-nat.yaml'), '--format', 'mermaid');
    assert.equal(printed.stdout, renderGraph(models.get('lb-nat')!.model, 'mermaid'));
  });

  test('a bad topology exits 2 naming the file and line, and writes nothing', async (t) => {
    const dir = tempDir(t, 'lvsgen-graph-');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\nhosts:\n  a: { roles: [director], interfaces: { eth0: 10.0.0.300/24 } }\n');
    const r = await cli('graph', bad, '-o', join(dir, 'x.svg'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad\.yaml:3:\d+: error \[invalid-cidr\]/);
    assert.equal(existsSync(join(dir, 'x.svg')), false);
    assert.equal((await cli('graph', bad, '--format', 'png')).status, 2);
  });

  test('a missing heartbeat key is a warning: the diagram needs none', async (t) => {
    const dir = tempDir(t, 'lvsgen-graph-');
    const f = join(dir, 'ha.yaml');
    writeFileSync(f, readFileSync(sourceFile('examples/ha-cidr.yaml'), 'utf8').replace('key: example-only-change-me', 'key_env: LVSGEN_GRAPH_TEST_UNSET'));
    const r = await cli('graph', f);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning/);
    assert.match(r.stdout, /^<svg /);
  });
});

describe('graph: docs/graphs is current', () => {
  for (const e of ALL_EXAMPLES) {
    test(`docs/graphs/${e}.svg is what lvsgen graph draws (make graphs rewrites it)`, () => {
      const file = sourceFile(`docs/graphs/${e}.svg`);
      assert.ok(existsSync(file), `${file} is missing: run make graphs`);
      assert.equal(readFileSync(file, 'utf8'), renderGraph(models.get(e)!.model, 'svg'), `docs/graphs/${e}.svg is stale: run make graphs`);
    });
  }

  test('the README shows the diagram of each example', () => {
    const readme = readFileSync(sourceFile('README.md'), 'utf8');
    for (const e of ALL_EXAMPLES) assert.ok(readme.includes(`(docs/graphs/${e}.svg)`), `README shows docs/graphs/${e}.svg`);
  });
});

