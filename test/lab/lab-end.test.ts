// The lab ends its background processes by pid (lab/lib/cluster.sh lab_end):
// a server it stops, everything when it ends. A pid it started may have ended
// and been reaped long before, and with pid_max at 32768 belong to another
// program by then (a test of make test's, beside the namespace labs). lab_end
// signals only what is still the lab's: a running job of its shell, or a
// process in one of its namespaces; never that other program nor its children.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, bareNetns, requireRoot, requireTools, sh, tempDir } from '../support/index.js';

const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch { return false; }
};

test('lab_end ends its own jobs and the processes of its namespaces with their children, and leaves a pid that is no longer its own', { timeout: 60_000 }, (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'pkill')) return;
  const ns = bareNetns(t, 'lvsgen-le');
  // another program's: a process with a child, as node's test runner has its
  // lvsgen; the lab holds its pid as if it had started it once
  const foreign = spawn('sh', ['-c', 'sleep 120 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  // in the lab's namespace, started elsewhere (as `on_bg` servers are, through nsenter)
  const inNs = spawn('ip', ['netns', 'exec', ns.name, 'sleep', '120'], { stdio: 'ignore', detached: true });
  const pids: number[] = [];
  t.after(() => {
    for (const p of [foreign.pid, inNs.pid, ...pids]) if (p && alive(p)) process.kill(p, 'SIGKILL');
  });
  return new Promise<void>((resolve, reject) => {
    foreign.stdout!.once('data', (d: Buffer) => {
      try {
        const foreignChild = Number(d.toString().trim());
        pids.push(foreignChild);
        const script = `
          set -u
          . "$1/lab/lib/cluster.sh"
          LAB_NS=("$2")
          sleep 120 & mine=$!
          ( sleep 120 & echo $! >"$TMPDIR_LE/child"; wait ) & parent=$!
          sleep 0.3
          child=$(cat "$TMPDIR_LE/child")
          LAB_BG=("$mine" "$parent" "$3" "$4")
          lab_end "\${LAB_BG[@]}"
          sleep 0.5
          for p in "$mine" "$parent" "$child" "$3" "$4"; do
            # a zombie is gone: ended, its parent (node, blocked here) not yet told
            if [ -r "/proc/$p/stat" ] && [ "$(cut -d' ' -f3 "/proc/$p/stat")" != Z ]; then echo "$p alive"; else echo "$p gone"; fi
          done
          kill -9 "$child" 2>/dev/null
          wait
        `;
        const dir = tempDir(t, 'lvsgen-lab-end-');
        const r = sh('bash', ['-c', script, 'le', REPO, ns.name, String(foreign.pid), String(inNs.pid)], {
          env: { ...process.env, LAB_PREFIX: 'le', LAB_WORK: dir, LAB_TIER: 'host', TMPDIR_LE: dir },
        });
        assert.equal(r.status, 0, r.stderr);
        const seen = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(' ')));
        const lines = r.stdout.trim().split('\n');
        assert.equal(lines.length, 5, r.stdout + r.stderr);
        const [mine, parent, child] = lines.map((l) => l.split(' ')[0]!);
        assert.equal(seen[mine!], 'gone', `its own job: ${r.stdout}`);
        assert.equal(seen[parent!], 'gone', `its own job with a child: ${r.stdout}`);
        assert.equal(seen[child!], 'gone', `that job's child: ${r.stdout}`);
        assert.equal(seen[String(inNs.pid)], 'gone', `a process in its namespace: ${r.stdout}`);
        assert.equal(seen[String(foreign.pid)], 'alive', `another program's pid: ${r.stdout}`);
        assert.ok(alive(foreignChild), 'that program\'s child is left alone');
        resolve();
      } catch (e) { reject(e as Error); }
    });
  });
});

test('the lab signals a recorded pid\'s children only through lab_end', () => {
  const files = ['lab.sh', ...readdirSync(join(REPO, 'lab', 'lib')).filter((f) => f.endsWith('.sh')).map((f) => join('lib', f))];
  const uses = files.flatMap((f) => readFileSync(join(REPO, 'lab', f), 'utf8').split('\n')
    .map((l, i) => ({ at: `lab/${f}:${i + 1}`, l })).filter(({ l }) => /\bpkill\b[^#]*-P\b/.test(l)));
  assert.deepEqual(uses.map((u) => u.at).length, 1, uses.map((u) => `${u.at}: ${u.l}`).join('\n'));
  assert.match(uses[0]!.at, /^lab\/lib\/cluster\.sh:/);
});
