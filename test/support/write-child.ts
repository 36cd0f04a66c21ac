// A child process for test/bundle/write.test.ts: writeTree(TREE_JSON, OUT),
// killed with SIGKILL (no cleanup of any kind runs) just before step KILL_AT;
// KILL_AT -1 never kills and prints the number of steps the write took.
import { readFileSync } from 'node:fs';
import type { Tree } from '../../src/bundle/tree.js';
import { writeTree } from '../../src/bundle/write.js';

const [treeFile, out, killAt] = process.argv.slice(2) as [string, string, string];
// `node --test dist/test/` also runs this file, with no arguments: nothing to do then.
if (treeFile === undefined) process.exit(0);
const tree: Tree = new Map(
  (JSON.parse(readFileSync(treeFile, 'utf8')) as Array<[string, { content: string; mode: number }]>).map(([p, f]) => [p, { ...f, secret: false }]),
);
const at = Number(killAt);
let steps = 0;
writeTree(tree, out, (n) => {
  steps = n + 1;
  if (n === at) process.kill(process.pid, 'SIGKILL');
});
process.stdout.write(`${steps}\n`);
