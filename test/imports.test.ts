// No import circles in src/: a module that imports, however indirectly, a
// module importing it cannot be read (or moved) on its own, and ESM evaluates
// one side of the circle before the other is ready. Type-only imports count
// too: they tie the modules together for a reader even though tsc erases them.
// The sources are read as text from the repository (found by walking up from
// this file to package.json), so the test sees what a reader sees.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository: the nearest folder above this file with a package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('no package.json above the test file');
    dir = up;
  }
  return dir;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

// Static imports and re-exports, at the start of a line (so not in a line
// comment), over several lines if need be; and import('...') anywhere, which
// also covers `typeof import('...')` in types.
const STATIC = /^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative module specifiers a source imports. */
function importsOf(source: string): string[] {
  return [...source.matchAll(STATIC), ...source.matchAll(DYNAMIC)].map((m) => m[1]!).filter((s) => s.startsWith('./') || s.startsWith('../'));
}

/** module -> the modules it imports, as repository paths of .ts files. */
type Graph = ReadonlyMap<string, readonly string[]>;

function importGraph(root: string): Graph {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(join(root, 'src'))) {
    const from = relative(root, file).split(sep).join('/');
    const to = importsOf(readFileSync(file, 'utf8')).map((s) => posix.normalize(posix.join(posix.dirname(from), s)).replace(/\.js$/, '.ts'));
    graph.set(from, [...new Set(to)]);
  }
  return graph;
}

/**
 * Every import circle, each as the path that closes it (a -> b -> a), one per
 * strongly connected component (Tarjan's algorithm), so a tangle of several
 * modules is reported once.
 */
function findCycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((c) => circleIn(graph, new Set(c)));
}

/** One circle through the component's first module (sorted), found breadth first so it is a shortest one. */
function circleIn(graph: Graph, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = cameFrom.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  throw new Error(`no circle through ${start}`);
}

test('the import parser sees static, multi-line, type-only, re-export and dynamic imports, not comments or packages', () => {
  const source = [
    "import { a } from './a.js';",
    'import {',
    '  b,',
    "} from '../b.js';",
    "import type { C } from './c.js';",
    "export { d } from './d.js';",
    "import './e.js';",
    "type F = typeof import('./f.js');",
    "// import { g } from './g.js';",
    "import { h } from 'node:fs';",
    "import yargs from 'yargs';",
  ].join('\n');
  assert.deepEqual(importsOf(source).sort(), ['../b.js', './a.js', './c.js', './d.js', './e.js', './f.js']);
});

test('findCycles reports a circle, a longer one and a self-import, and nothing for a tree', () => {
  const graph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['a.ts', 'c.ts']],
    ['c.ts', ['d.ts']],
    ['d.ts', ['e.ts']],
    ['e.ts', ['c.ts']],
    ['f.ts', ['f.ts']],
    ['g.ts', ['a.ts', 'h.ts']],
    ['h.ts', []],
  ]);
  assert.deepEqual(findCycles(graph).sort(), [['a.ts', 'b.ts', 'a.ts'], ['c.ts', 'd.ts', 'e.ts', 'c.ts'], ['f.ts', 'f.ts']]);
  assert.deepEqual(findCycles(new Map([['x.ts', ['y.ts', 'z.ts']], ['y.ts', ['z.ts']], ['z.ts', []]])), []);
});

test('no import circles in src/', () => {
  const graph = importGraph(repoRoot());
  // The parser found the modules and their imports (an empty graph has no circles either).
  assert.ok(graph.get('src/cli/entry.ts')?.includes('src/cli/main.ts'), 'entry.ts imports main.ts');
  for (const [from, to] of graph) for (const m of to) assert.ok(graph.has(m), `${from} imports ${m}, which is not a module in src/`);
  const cycles = findCycles(graph);
  assert.ok(cycles.length === 0, `import circles in src/:\n${cycles.map((c) => `  ${c.join(' -> ')}`).join('\n')}`);
});
