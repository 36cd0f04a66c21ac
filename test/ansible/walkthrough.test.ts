// The README's "Keeping a cluster in a repository", run as written: every
// ```sh block of that section, in order, in one bash session (its cwd and
// variables carry on from block to block, as in an operator's terminal), from
// an empty directory to a deployed lab cluster and back. The README cannot go
// stale: the commands are read from it. Between its blocks the test adds the
// checks the issue asks of the Ansible deployment, on the same lab cluster
// (one cluster, built once: `lvsgen lab up`, sshd on each host, a key made by
// the walkthrough itself), through Debian's ansible-playbook:
//   - check mode on the fresh cluster reports every host changed and names
//     every file of each bundle, and writes none of them;
//   - apply converges: each host holds every file of its bundle with its mode,
//     installed in the promised order (the director, then the pair, one node
//     at a time, the preferred node first as neither serves yet);
//   - a second apply reports nothing changed;
//   - a file edited by hand on one host (over SSH) is reported by check mode
//     on that host only, with the edit in the diff;
//   - the change deployed while the pair serves: its standby node first,
//     the node holding the floating address last;
//   - the change deployed with draining: each real server set to weight 0 on
//     the director before it changed and back after (the director's ipvsadm
//     log), and `lvsgen lab check` passes on the hosts Ansible left;
//   - the heartbeat key shows in nothing any command printed;
//   - `lvsgen lab down` leaves no namespace and no directory.
// Ansible reaches only the lab's management addresses, from the lab's control
// namespace (`lvsgen lab exec`).
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { mergeFile, parsePlan } from '../../src/render/plan.js';
import { REPO, requireRoot, requireTools, sh, tempDir } from '../support/index.js';
import { labAvailable, labPlan, namespacesLeft } from '../e2e/lab-run.js';

const SECTION = '## Keeping a cluster in a repository';

/** The ```sh blocks of the README's walkthrough, in order. */
export function walkthroughBlocks(readme: string): string[] {
  const start = readme.indexOf(`\n${SECTION}\n`);
  assert.ok(start >= 0, `README.md has a section "${SECTION}"`);
  const rest = readme.slice(start + SECTION.length + 2);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

interface Ran { status: number; stdout: string; stderr: string; ms: number }

/** One bash session: each block sourced from a file (stdin /dev/null), its output in files, its status after. */
class Session {
  private readonly bash: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(line: string) => void> = [];
  private n = 0;
  exited: number | null = null;
  constructor(private readonly dir: string, cwd: string, env: NodeJS.ProcessEnv) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.bash.stdout }).on('line', (l) => this.waiting.shift()?.(l));
    this.bash.on('exit', (code) => { this.exited = code ?? -1; for (const w of this.waiting.splice(0)) w('__exited__'); });
  }
  async run(block: string, limitMs = 900_000): Promise<Ran> {
    const k = ++this.n;
    const f = (s: string) => join(this.dir, `block-${k}.${s}`);
    writeFileSync(f('sh'), block);
    const t0 = Date.now();
    const line = new Promise<string>((resolve) => {
      this.waiting.push(resolve);
      setTimeout(() => resolve('__timeout__'), limitMs).unref();
    });
    this.bash.stdin.write(`source ${f('sh')} </dev/null >${f('out')} 2>${f('err')}; echo "__done__ $?"\n`);
    const done = await line;
    const read = (s: string) => (existsSync(f(s)) ? readFileSync(f(s), 'utf8') : '');
    const m = /^__done__ (\d+)$/.exec(done);
    if (!m) throw new Error(`block ${k} did not finish (${done}):\n${block}\n--- stdout\n${read('out').slice(-4000)}\n--- stderr\n${read('err').slice(-4000)}`);
    return { status: Number(m[1]), stdout: read('out'), stderr: read('err'), ms: Date.now() - t0 };
  }
  close(): void {
    if (this.exited === null) this.bash.stdin.end();
  }
}

/** What the json callback prints. */
interface PlaybookRun {
  plays: Array<{ play: { name: string }; tasks: Array<{ task: { name: string }; hosts: Record<string, TaskResult> }> }>;
  stats: Record<string, { changed: number; failures: number; unreachable: number }>;
}
interface TaskResult { changed?: boolean; skipped?: boolean; rc?: number; stdout?: string }

const playbookOf = (r: Ran): PlaybookRun => {
  const at = r.stdout.indexOf('\n{');
  return JSON.parse(r.stdout.slice(r.stdout.startsWith('{') ? 0 : at + 1)) as PlaybookRun;
};
const changedHosts = (p: PlaybookRun) => Object.keys(p.stats).filter((h) => p.stats[h]!.changed > 0).sort();
/** Per host, the result of the task of that name. */
function results(p: PlaybookRun, task: string): Map<string, TaskResult> {
  const m = new Map<string, TaskResult>();
  for (const play of p.plays) for (const tk of play.tasks) if (tk.task.name.endsWith(task)) for (const [h, r] of Object.entries(tk.hosts)) m.set(h, r);
  return m;
}
/** The hosts installed, play by play, in the order they ran. */
function installOrder(p: PlaybookRun): string[][] {
  const out: string[][] = [];
  for (const play of p.plays) for (const tk of play.tasks) {
    if (!tk.task.name.endsWith('Install and apply (install.sh)')) continue;
    const hosts = Object.entries(tk.hosts).filter(([, r]) => r.changed).map(([h]) => h).sort();
    if (hosts.length) out.push(hosts);
  }
  return out;
}

/** Every file of a rendered host (not .lvsgen/), as a path on the host. */
function hostFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (p === '.lvsgen') continue;
    if (e.isDirectory()) out.push(...hostFiles(root, p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

function fail(what: string, r: Ran): never {
  assert.fail(`${what}: exit ${r.status}\n--- stdout\n${r.stdout.slice(-6000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
}

test('README "Keeping a cluster in a repository": the walkthrough as written, with Ansible checked against the lab\'s hosts', { timeout: 1_800_000 }, async (t) => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const blocks = walkthroughBlocks(readme);
  const topology = /cat > cluster\.yaml <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(blocks[0] ?? '')?.[1];
  assert.ok(topology, 'the first block writes cluster.yaml');
  if (!requireRoot(t) || !requireTools(t, 'ansible-playbook', '/usr/sbin/sshd', 'ssh-keygen', 'git')) return;
  if (!labAvailable(t, labPlan(topology.replace(/key_file: \S+ \}/, 'key: lab-test-only }')))) return;

  const dir = tempDir(t, 'lvsgen-walk-');
  const home = join(dir, 'home');
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(REPO, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: home,
    LANG: 'C.UTF-8',
    TMPDIR: dir,
    GIT_AUTHOR_NAME: 'Walkthrough', GIT_AUTHOR_EMAIL: 'walkthrough@lvsgen.invalid',
    GIT_COMMITTER_NAME: 'Walkthrough', GIT_COMMITTER_EMAIL: 'walkthrough@lvsgen.invalid',
    GIT_CONFIG_NOSYSTEM: '1',
    // Ansible's own files under the test's directory; its results as JSON
    ANSIBLE_HOME: join(dir, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-local'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    ANSIBLE_STDOUT_CALLBACK: 'json',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORKS: '6',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_DEPRECATION_WARNINGS: '0',
    ...(process.env.CI !== undefined ? { CI: process.env.CI } : {}),
  };
  const session = new Session(dir, dir, env);
  const lab = join(dir, 'shop-lab');
  const repo = join(dir, 'shop');
  // The lab's namespace prefix, read once `lab up` has run: the test's directory
  // (and lab.json in it) is removed by an earlier after-hook than this one.
  let labPrefix: string | undefined;
  t.after(() => {
    session.close();
    // a walkthrough that stopped half way leaves its lab up: take it down
    if (existsSync(join(lab, 'lab.json'))) sh(process.execPath, [join(REPO, 'bin', 'lvsgen'), 'lab', 'down', lab], { timeout: 120_000 });
    // and whatever `lab down` could not: every process of the lab's namespaces ended by pid, the namespaces deleted
    if (labPrefix === undefined || labPrefix === '') return;
    for (const ns of namespacesLeft(labPrefix)) {
      for (const pid of sh('ip', ['netns', 'pids', ns]).stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      sh('ip', ['netns', 'del', ns]);
    }
  });
  const printed: string[] = [];
  const step = async (k: number, want: number | number[] = 0): Promise<Ran> => {
    const r = await session.run(blocks[k]!);
    printed.push(r.stdout, r.stderr);
    t.diagnostic(`block ${k + 1} (${blocks[k]!.split('\n')[0]!.slice(0, 60)}...): exit ${r.status}, ${(r.ms / 1000).toFixed(0)} s`);
    if (!(Array.isArray(want) ? want : [want]).includes(r.status)) fail(`README block ${k + 1}:\n${blocks[k]}`, r);
    return r;
  };
  const extra = async (what: string, cmd: string): Promise<Ran> => {
    const r = await session.run(cmd);
    printed.push(r.stdout, r.stderr);
    t.diagnostic(`${what}: exit ${r.status}, ${(r.ms / 1000).toFixed(0)} s`);
    if (r.status !== 0) fail(what, r);
    return r;
  };
  const find = (re: RegExp) => {
    const k = blocks.findIndex((b) => re.test(b));
    assert.ok(k >= 0, `a walkthrough block matches ${re}`);
    return k;
  };
  const kRepo = 0;
  const kUp = find(/lvsgen lab up /);
  const kCheck = find(/site\.yml --check --diff$/m);
  const kApply = find(/site\.yml$/m);
  const kChange = find(/lvsgen diff /);
  const kRedeploy = find(/lvsgen_drain_enabled=true/);
  const kLabCheck = find(/lvsgen lab check /);
  const kDown = find(/lvsgen lab down /);
  assert.deepEqual([kRepo, kUp, kCheck, kApply, kChange, kRedeploy, kLabCheck, kDown], [0, 1, 2, 3, 4, 5, 6, 7], 'the walkthrough\'s steps, in order');
  assert.equal(blocks.length, 8);

  // 1. The repository: the topology, its key kept out, the rendered tree committed.
  await step(kRepo);
  assert.equal(sh('git', ['-C', repo, 'status', '--porcelain'], { env }).stdout, '', 'a clean working tree');
  const tracked = sh('git', ['-C', repo, 'ls-files'], { env }).stdout.split('\n');
  assert.ok(tracked.includes('out/lb/etc/ha.d/ldirectord.cf') && tracked.includes('cluster.yaml'));
  assert.ok(!tracked.some((f) => f === 'vrrp.key' || f.endsWith('keepalived.conf')), `no secret committed: ${tracked.join(' ')}`);
  const key = readFileSync(join(repo, 'vrrp.key'), 'utf8').trim();
  const hosts = readdirSync(join(repo, 'out')).filter((h) => !h.startsWith('.')).sort();
  assert.deepEqual(hosts, ['lb', 'web1', 'web2']);
  const files = new Map(hosts.map((h) => [h, hostFiles(join(repo, 'out', h))]));
  const upper = (h: string) => join(lab, 'work', 'hosts', h, 'upper');

  // 2. The lab's hosts, up with sshd, nothing installed.
  await step(kUp);
  const kept = JSON.parse(readFileSync(join(lab, 'lab.json'), 'utf8')) as { prefix: string; hosts: Record<string, string> };
  labPrefix = kept.prefix;
  assert.deepEqual(Object.keys(kept.hosts).sort(), hosts);
  for (const a of Object.values(kept.hosts)) assert.match(a, /^198\.1[89]\./, 'management addresses in the lab\'s own range');
  const state = () => hosts.flatMap((h) => files.get(h)!.map((f) => {
    const p = join(upper(h), f);
    return `${h}:${f}:${existsSync(p) ? statSync(p).mtimeMs : '-'}`;
  }));
  const before = state();
  // What each host had before the install (its own file, or the machine's under the
  // lab's overlay): the files the plan merges keep it around lvsgen's lines.
  const original = (h: string, f: string) => [join(upper(h), f), join('/', f)].map((p) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined)).find((t) => t !== undefined);
  // An ifupdown file takes the host's options for its devices from every file
  // ifupdown reads with it (FILE and FILE.d/*: docs/installer.md, "Interface
  // files"); the lab's hosts start with cloud-init's interfaces.d/50-cloud-init
  // and its DNS servers (lab/lib/admin.sh).
  const family = (h: string, f: string) => {
    const base = f.replace(/\.d\/[^/]+$/, '');
    const names = new Set([join(upper(h), `${base}.d`), join('/', `${base}.d`)].flatMap((d) => (existsSync(d) ? readdirSync(d) : [])));
    return [base, ...[...names].sort().map((n) => `${base}.d/${n}`)].map((x) => original(h, x) ?? '').join('\n');
  };
  const merges = (h: string) => parsePlan(readFileSync(join(repo, 'out', h, '.lvsgen', 'plan'), 'utf8')).files;
  const originals = new Map(hosts.flatMap((h) => files.get(h)!.map((f) => [`${h}:${f}`,
    merges(h).find((p) => p.path === `/${f}`)?.merge === 'ifupdown' ? family(h, f) : original(h, f)] as const)));

  // 3. Check mode on the fresh cluster: every host, every file, nothing written.
  const check = playbookOf(await step(kCheck));
  assert.deepEqual(changedHosts(check), hosts);
  const compared = results(check, 'Compare with the host (install.sh --check)');
  for (const h of hosts) {
    assert.equal(compared.get(h)?.rc, 1, `${h}: install.sh --check found differences`);
    for (const f of files.get(h)!) assert.ok(compared.get(h)!.stdout!.includes(f), `${h}: check mode names ${f}`);
  }
  assert.deepEqual(state(), before, 'check mode wrote nothing on the hosts');

  // 4. Apply: every file in place with its mode, in order.
  const apply = playbookOf(await step(kApply));
  assert.deepEqual(changedHosts(apply), hosts);
  for (const h of hosts) {
    const plan = parsePlan(readFileSync(join(repo, 'out', h, '.lvsgen', 'plan'), 'utf8'));
    for (const f of files.get(h)!) {
      const want = join(repo, 'out', h, f);
      const got = join(upper(h), f);
      const merge = plan.files.find((p) => p.path === `/${f}`)?.merge ?? 'replace';
      assert.equal(readFileSync(got, 'utf8'), mergeFile(merge, originals.get(`${h}:${f}`), readFileSync(want, 'utf8')), `${h}:/${f} installed (${merge})`);
      assert.equal(statSync(got).mode & 0o7777, statSync(want).mode & 0o7777, `${h}:/${f} mode`);
    }
  }
  assert.deepEqual(installOrder(apply), [['lb'], ['web1'], ['web2']], 'the director, then the pair, its preferred node first');

  // 5. Again: nothing changes.
  const again = playbookOf(await extra('the same apply again', blocks[kApply]!));
  assert.deepEqual(changedHosts(again), [], 'a second apply changes nothing');

  // 6. A file edited by hand on web2 (over SSH, as an operator would): check mode reports it there only.
  const page = files.get('web2')!.find((f) => f.endsWith('alive.html'))!;
  await extra('an edit by hand on web2', `lvsgen lab exec ../shop-lab ssh -F /dev/null -i ../shop-key -o IdentitiesOnly=yes -o UserKnownHostsFile=../shop-lab/ssh/known_hosts -o StrictHostKeyChecking=yes root@${kept.hosts.web2} 'echo edited by hand > /${page}'\n`);
  const drift = playbookOf(await extra('check mode after the edit', blocks[kCheck]!.split('\n').filter((l) => l.includes('--check')).join('\n')));
  assert.deepEqual(changedHosts(drift), ['web2']);
  const seen = results(drift, 'Compare with the host (install.sh --check)').get('web2')!.stdout!;
  assert.ok(seen.includes(page) && seen.includes('edited by hand'), `check mode shows the edit:\n${seen}`);

  // 7. The change, reviewed: markdown and HTML, no key in either.
  await step(kChange, 1);
  const md = readFileSync(join(dir, 'review.md'), 'utf8');
  const html = readFileSync(join(dir, 'review.html'), 'utf8');
  for (const h of hosts) assert.ok(md.includes(h), `review.md names ${h}`);
  assert.match(md, /alive\.html/);
  assert.match(html, /^<!DOCTYPE html>/i);
  for (const text of [md, html]) assert.ok(!text.includes(key), 'no key in the review');

  // 8. Render, commit, deploy with draining.
  const redeploy = playbookOf(await step(kRedeploy));
  assert.deepEqual(changedHosts(redeploy), hosts);
  // web1 took the floating address (it came up first): now it is the active node, changed last
  assert.deepEqual(installOrder(redeploy), [['lb'], ['web2'], ['web1']], 'the pair serving: its standby (web2) first, then the node holding the address');
  assert.equal(sh('git', ['-C', repo, 'status', '--porcelain'], { env }).stdout, '', 'the change committed');
  const log = readFileSync(join(upper('lb'), 'var/log/lvsgen-lab/ipvsadm.log'), 'utf8').split('\n');
  for (const addr of ['192.168.6.4', '192.168.6.5']) {
    const zero = log.indexOf(`ipvsadm -e -t 10.1.3.61:80 -r ${addr}:80 -m -w 0`);
    const back = log.lastIndexOf(`ipvsadm -e -t 10.1.3.61:80 -r ${addr}:80 -m -w 1`);
    assert.ok(zero >= 0 && back > zero, `${addr} drained on lb, then back at weight 1:\n${log.filter((l) => l.includes(' -e ')).join('\n')}`);
  }

  // 9. The lab's checks on the cluster as Ansible left it.
  const proved = await step(kLabCheck, [0, 4]);
  assert.match(proved.stdout, /\n\d+ passed, 0 failed, \d+ not run\n/);
  for (const h of hosts) assert.match(proved.stdout, new RegExp(`PASS install\\.sh on ${h}: .*nothing to change`));

  // 10. Down: nothing left.
  await step(kDown);
  assert.deepEqual(namespacesLeft(kept.prefix), []);
  assert.equal(existsSync(lab), false);

  for (const text of printed) assert.ok(!text.includes(key), 'the key shows in nothing printed');
});
