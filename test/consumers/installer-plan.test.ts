// The static installer (distros/_shared/install.sh) tested once, directly, on
// hand-written plans: records are data, never shell text. A command's words
// reach the program as they are (`;`, `$(...)`, `*` and quotes included: a
// plan lvsgen writes never holds them, a tampered one must still not run
// them); `when` decides which actions run; a plan of another format, or a
// merge this installer does not know, is refused before anything changes.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BLOCK_BEGIN, BLOCK_END, mergeBlock } from '../../src/render/plan.js';
import { ok, REPO, requireRoot, requireTools, sh, tempDir } from '../support/index.js';

const STUB = `#!/bin/sh
for a in "$0" "$@"; do printf '[%s]' "$a"; done >>/stub.log
echo >>/stub.log
`;

/** A bundle (installer + plan + files) and a scratch root with busybox as /bin/sh and a logging stub. */
function setup(t: TestContext, plan: string, files: Record<string, string> = {}): { bundle: string; root: string; install: (...args: string[]) => ReturnType<typeof sh>; log: () => string[] } {
  const dir = tempDir(t, 'lvsgen-inst-plan-');
  const bundle = join(dir, 'bundle');
  const root = join(dir, 'root');
  mkdirSync(join(bundle, '.lvsgen'), { recursive: true });
  copyFileSync(join(REPO, 'distros/_shared/install.sh'), join(bundle, '.lvsgen/install.sh'));
  chmodSync(join(bundle, '.lvsgen/install.sh'), 0o755);
  writeFileSync(join(bundle, '.lvsgen/plan'), plan);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(bundle, dirname(p)), { recursive: true });
    writeFileSync(join(bundle, p), c);
  }
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(sh('sh', ['-c', 'command -v busybox']).stdout.trim(), join(root, 'bin/sh'));
  chmodSync(join(root, 'bin/sh'), 0o755);
  mkdirSync(join(root, 'sbin'), { recursive: true });
  writeFileSync(join(root, 'sbin/stub'), STUB, { mode: 0o755 });
  const log = join(root, 'stub.log');
  return {
    bundle,
    root,
    install: (...args) => sh(join(bundle, '.lvsgen/install.sh'), ['--root', root, ...args], { input: '' }),
    log: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : []),
  };
}

const canRun = (t: TestContext) => requireRoot(t) && requireTools(t, 'busybox', 'chroot', 'diff', 'cmp', 'stat', 'mktemp');

test('install.sh runs a command\'s words as they are: no expansion, substitution, globbing or second command', (t) => {
  if (!canRun(t)) return;
  const s = setup(
    t,
    'lvsgen-plan 1\nhost h1\nfile 0644 replace plain /etc/a.conf\naction hostile now\nwhen hostile /etc/a.conf\nrun hostile must /sbin/stub a;touch /pwned $(touch /pwned2) `id` * "q" $HOME\n',
    { 'etc/a.conf': 'a\n' },
  );
  const r = ok(s.install(), 'install');
  assert.deepEqual(s.log(), ['[/sbin/stub][a;touch][/pwned][$(touch][/pwned2)][`id`][*]["q"][$HOME]']);
  assert.ok(!existsSync(join(s.root, 'pwned')) && !existsSync(join(s.root, 'pwned2')), 'a command of the plan was evaluated');
  assert.match(r.stdout, /^installed \/etc\/a\.conf$/m);
});

test('install.sh runs an action only when one of its `when` files changed, in the plan\'s order; a `may` failure warns', (t) => {
  if (!canRun(t)) return;
  const plan = [
    'lvsgen-plan 1',
    '# a comment',
    'host h1',
    'file 0644 replace plain /etc/a.conf',
    'file 0600 replace secret /etc/b.conf',
    'action first now',
    'when first /etc/b.conf',
    'run first may /sbin/missing x',
    'run first must /sbin/stub first',
    'action second now',
    'when second /etc/a.conf',
    'run second must /sbin/stub second',
    '',
  ].join('\n');
  const s = setup(t, plan, { 'etc/a.conf': 'a\n', 'etc/b.conf': 'b\n' });
  const r = ok(s.install(), 'install');
  assert.deepEqual(s.log(), ['[/sbin/stub][first]', '[/sbin/stub][second]']);
  assert.match(r.stderr, /warning: command failed \(ignored\): \/sbin\/missing x/);
  assert.equal((sh('stat', ['-c', '%a', join(s.root, 'etc/b.conf')]).stdout).trim(), '600');
  // Only /etc/a.conf changes: only `second` runs.
  writeFileSync(join(s.root, 'etc/a.conf'), 'local\n');
  ok(s.install(), 'second install');
  assert.deepEqual(s.log(), ['[/sbin/stub][first]', '[/sbin/stub][second]', '[/sbin/stub][second]']);
  assert.match(ok(s.install(), 'third install').stdout, /nothing to do/);
});

test('install.sh --verify runs each check\'s words and looks for each expected line', (t) => {
  if (!canRun(t)) return;
  const s = setup(t, 'lvsgen-plan 1\nhost h1\nverify 1 /sbin/stub  hello   world\nexpect 1 [hello][world]\nverify 2 /sbin/stub x\nexpect 2 not printed\n');
  writeFileSync(join(s.root, 'sbin/stub'), '#!/bin/sh\nfor a in "$0" "$@"; do printf \'[%s]\' "$a"; done\necho\n', { mode: 0o755 });
  const r = s.install('--verify');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok: \/sbin\/stub {2}hello {3}world: \[hello\]\[world\]$/m);
  assert.match(r.stdout, /^FAILED: \/sbin\/stub x: expected a line with: not printed$/m);
});

for (const [what, plan] of [
  ['a plan of another format', 'lvsgen-plan 2\nhost h1\nfile 0644 replace plain /etc/a.conf\n'],
  ['a plan without a format line', 'host h1\nfile 0644 replace plain /etc/a.conf\n'],
  ['a plan naming no host', 'lvsgen-plan 1\nfile 0644 replace plain /etc/a.conf\n'],
  ['a merge the installer does not know', 'lvsgen-plan 1\nhost h1\nfile 0644 replace plain /etc/b.conf\nfile 0644 sideways plain /etc/a.conf\n'],
] as const) {
  test(`install.sh refuses ${what} and changes nothing`, (t) => {
    if (!canRun(t)) return;
    const s = setup(t, plan, { 'etc/a.conf': 'a\n', 'etc/b.conf': 'b\n' });
    const r = s.install();
    assert.notEqual(r.status, 0, r.stdout);
    assert.ok(!existsSync(join(s.root, 'etc')), `something was installed:\n${r.stdout}${r.stderr}`);
    assert.ok(!existsSync(join(s.root, 'var/lib/lvsgen/h1/backup/etc/b.conf.lvsgen-absent')), 'a backup was left behind');
  });
}

test('state is per machine: a bundle for a renamed host keeps the true originals, and --uninstall puts them back', (t) => {
  if (!canRun(t)) return;
  const plan = (host: string) => `lvsgen-plan 1\nhost ${host}\nfile 0644 replace plain /etc/a.conf\n`;
  const old = setup(t, plan('old-name'), { 'etc/a.conf': 'generated for old-name\n' });
  mkdirSync(join(old.root, 'etc'));
  writeFileSync(join(old.root, 'etc/a.conf'), 'the original\n');
  ok(old.install(), 'install as old-name');
  // The same machine, rendered under another name: a second bundle, the same root.
  const renamed = setup(t, plan('new-name'), { 'etc/a.conf': 'generated for new-name\n' });
  const install = (...args: string[]) => sh(join(renamed.bundle, '.lvsgen/install.sh'), ['--root', old.root, ...args], { input: '' });
  ok(install(), 'install as new-name');
  assert.equal(readFileSync(join(old.root, 'etc/a.conf'), 'utf8'), 'generated for new-name\n');
  ok(install('--uninstall'), 'uninstall as new-name');
  assert.equal(readFileSync(join(old.root, 'etc/a.conf'), 'utf8'), 'the original\n', 'the original, not old-name\'s generated file');
  assert.ok(!existsSync(join(old.root, 'var/lib/lvsgen')), 'state left behind');
});

test('originals an earlier installer kept per host name (/var/lib/lvsgen/<host>/backup) are taken over', (t) => {
  if (!canRun(t)) return;
  const s = setup(t, 'lvsgen-plan 1\nhost h1\nfile 0644 replace plain /etc/a.conf\n', { 'etc/a.conf': 'generated, version 2\n' });
  mkdirSync(join(s.root, 'etc'));
  writeFileSync(join(s.root, 'etc/a.conf'), 'generated, version 1\n');
  mkdirSync(join(s.root, 'var/lib/lvsgen/h0/backup/etc'), { recursive: true });
  writeFileSync(join(s.root, 'var/lib/lvsgen/h0/backup/etc/a.conf'), 'the original\n');
  ok(s.install(), 'install');
  assert.equal(readFileSync(join(s.root, 'var/lib/lvsgen/backup/etc/a.conf'), 'utf8'), 'the original\n');
  assert.ok(!existsSync(join(s.root, 'var/lib/lvsgen/h0')), 'the per-host folder is gone');
  ok(s.install('--uninstall'), 'uninstall');
  assert.equal(readFileSync(join(s.root, 'etc/a.conf'), 'utf8'), 'the original\n');
});

test('`before` commands run with the old files still in place, only for the actions whose files change, before any file is replaced', (t) => {
  if (!canRun(t)) return;
  const plan = [
    'lvsgen-plan 1',
    'host h1',
    'file 0644 replace plain /etc/lo.conf',
    'file 0644 replace plain /etc/other.conf',
    'action loopback now',
    'when loopback /etc/lo.conf',
    'before loopback may /sbin/down lo:0',
    'run loopback must /sbin/stub up lo:0',
    'action other now',
    'when other /etc/other.conf',
    'before other must /sbin/down other',
    'run other must /sbin/stub other',
    '',
  ].join('\n');
  const s = setup(t, plan, { 'etc/lo.conf': 'address 10.0.0.2\n', 'etc/other.conf': 'x\n' });
  mkdirSync(join(s.root, 'etc'));
  writeFileSync(join(s.root, 'etc/lo.conf'), 'address 10.0.0.1\n');
  writeFileSync(join(s.root, 'etc/other.conf'), 'x\n');
  chmodSync(join(s.root, 'etc/other.conf'), 0o644);
  // What ifdown would read: the file as it is when the command runs.
  writeFileSync(join(s.root, 'sbin/down'), '#!/bin/sh\nread -r line </etc/lo.conf\necho "[down $*: $line]" >>/stub.log\n', { mode: 0o755 });
  ok(s.install(), 'install');
  assert.deepEqual(s.log(), ['[down lo:0: address 10.0.0.1]', '[/sbin/stub][up][lo:0]'], 'other.conf did not change: neither of its commands runs');
  assert.equal(readFileSync(join(s.root, 'etc/lo.conf'), 'utf8'), 'address 10.0.0.2\n');
});

test('merge block: the host\'s lines are kept byte for byte through install, a changed block, a failed run and uninstall', (t) => {
  if (!canRun(t)) return;
  const plan = 'lvsgen-plan 1\nhost h1\nfile 0644 block plain /etc/sysctl.conf\naction sysctl now\nwhen sysctl /etc/sysctl.conf\nrun sysctl must /sbin/stub sysctl -p\n';
  const admin = '# the administrator\'s own\nvm.swappiness = 10\nnet.ipv4.ip_forward = 0\n';
  const s = setup(t, plan, { 'etc/sysctl.conf': 'net.ipv4.ip_forward = 1\n' });
  mkdirSync(join(s.root, 'etc'));
  writeFileSync(join(s.root, 'etc/sysctl.conf'), admin);
  chmodSync(join(s.root, 'etc/sysctl.conf'), 0o640);
  const file = join(s.root, 'etc/sysctl.conf');
  const check = s.install('--check');
  assert.equal(check.status, 1);
  assert.match(check.stdout, /^\+net\.ipv4\.ip_forward = 1$/m);
  assert.doesNotMatch(check.stdout, /^-(?!-- )/m, 'the check removes none of the host\'s lines');
  ok(s.install(), 'install');
  assert.equal(readFileSync(file, 'utf8'), mergeBlock(admin, 'net.ipv4.ip_forward = 1\n'));
  assert.ok(readFileSync(file, 'utf8').startsWith(admin));
  assert.match(ok(s.install(), 'again').stdout, /nothing to do/);
  // The administrator adds a line after lvsgen's block; a new bundle changes the block: rewritten in place.
  writeFileSync(file, `${readFileSync(file, 'utf8')}kernel.panic = 5\n`);
  writeFileSync(join(s.bundle, 'etc/sysctl.conf'), 'net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.arp_ignore = 1\n');
  const edited = readFileSync(file, 'utf8');
  // A failed command rolls the file back to what it was, byte for byte.
  writeFileSync(join(s.root, 'sbin/stub'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  assert.notEqual(s.install().status, 0);
  assert.equal(readFileSync(file, 'utf8'), edited, 'rolled back');
  writeFileSync(join(s.root, 'sbin/stub'), STUB, { mode: 0o755 });
  ok(s.install(), 'install the changed block');
  assert.equal(readFileSync(file, 'utf8'), `${admin}${BLOCK_BEGIN}\nnet.ipv4.ip_forward = 1\nnet.ipv4.conf.all.arp_ignore = 1\n${BLOCK_END}\nkernel.panic = 5\n`, 'the block rewritten where it was');
  ok(s.install('--uninstall'), 'uninstall');
  assert.equal(readFileSync(file, 'utf8'), `${admin}kernel.panic = 5\n`, 'the host\'s lines, its later one included, and nothing of lvsgen');
  assert.equal(sh('stat', ['-c', '%a', file]).stdout.trim(), '640', 'its mode back');
  assert.ok(!existsSync(join(s.root, 'var/lib/lvsgen')), 'state left behind');
});

test('merge block on a host without the file: uninstall removes the file it created', (t) => {
  if (!canRun(t)) return;
  const s = setup(t, 'lvsgen-plan 1\nhost h1\nfile 0644 block plain /etc/modules\n', { 'etc/modules': 'ip_vs_ftp\n' });
  ok(s.install(), 'install');
  assert.equal(readFileSync(join(s.root, 'etc/modules'), 'utf8'), `${BLOCK_BEGIN}\nip_vs_ftp\n${BLOCK_END}\n`);
  ok(s.install('--uninstall'), 'uninstall');
  assert.ok(!existsSync(join(s.root, 'etc/modules')));
});

test('install.sh reloads a running daemon and starts one that is not, saying which; never both, never a restart', (t) => {
  if (!canRun(t)) return;
  const plan = [
    'lvsgen-plan 1',
    'host h1',
    'file 0644 replace plain /etc/d.conf',
    'action d now',
    'when d /etc/d.conf',
    'run d must /sbin/stub enable d',
    'running d /sbin/probe',
    'reload d must /sbin/stub reload d',
    'start d must /sbin/stub start d',
    '',
  ].join('\n');
  const s = setup(t, plan, { 'etc/d.conf': 'one\n' });
  // The probe: exit 0 (running) while /running exists.
  writeFileSync(join(s.root, 'sbin/probe'), '#!/bin/sh\n[ -e /running ]\n', { mode: 0o755 });
  const first = ok(s.install(), 'install, not running');
  assert.deepEqual(s.log(), ['[/sbin/stub][enable][d]', '[/sbin/stub][start][d]']);
  assert.match(first.stdout, /^d is not running: starting it$/m);
  writeFileSync(join(s.bundle, 'etc/d.conf'), 'two\n');
  writeFileSync(join(s.root, 'running'), '');
  const second = ok(s.install(), 'install, running');
  assert.deepEqual(s.log().slice(2), ['[/sbin/stub][enable][d]', '[/sbin/stub][reload][d]']);
  assert.match(second.stdout, /^d is running: reloading it \(it keeps its state\)$/m);
});

test('a probe the plan keeps under another id is not stale; the item whose probe left is reverted, and a rollback turns it on again', (t) => {
  if (!canRun(t)) return;
  // Items as files under /items: `has` probes one (prints it when there), `on` and `off` set it.
  // Ids name a position (route-0-0, route-0-1, as an earlier lvsgen's route probes did): the first
  // bundle's route-0-1 (B) is the second's route-0-0, and the first's route-0-0 (A) left.
  const plan = (items: string[], extra = '') =>
    [
      'lvsgen-plan 1',
      'host h1',
      'file 0644 replace plain /etc/routes.conf',
      'action network now',
      'when network /etc/routes.conf',
      ...items.map((i) => `run network must /sbin/on ${i}`),
      ...items.flatMap((i, n) => [`probe route-0-${n} /sbin/has ${i}`, `revert route-0-${n} may /sbin/off ${i}`, `redo route-0-${n} may /sbin/on ${i}`]),
      extra,
    ].join('\n');
  const s = setup(t, plan(['A', 'B']), { 'etc/routes.conf': 'A\nB\n' });
  writeFileSync(join(s.root, 'sbin/has'), '#!/bin/sh\n[ -e "/items/$1" ] && echo "$1"\n', { mode: 0o755 });
  writeFileSync(join(s.root, 'sbin/on'), '#!/bin/sh\nmkdir -p /items && : >"/items/$1" && echo "on $1" >>/stub.log\n', { mode: 0o755 });
  writeFileSync(join(s.root, 'sbin/off'), '#!/bin/sh\nrm -f "/items/$1" && echo "off $1" >>/stub.log\n', { mode: 0o755 });
  const items = () => (existsSync(join(s.root, 'items')) ? readdirSync(join(s.root, 'items')).sort() : []);
  ok(s.install(), 'install (A and B)');
  assert.deepEqual(items(), ['A', 'B']);
  // The second bundle, B only, with an action that fails after the network action.
  writeFileSync(join(s.bundle, '.lvsgen/plan'), plan(['B'], 'action later now\nwhen later /etc/routes.conf\nrun later must /sbin/stub later\n'));
  writeFileSync(join(s.bundle, 'etc/routes.conf'), 'B\n');
  writeFileSync(join(s.root, 'sbin/stub'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  const failed = s.install();
  assert.notEqual(failed.status, 0, failed.stdout + failed.stderr);
  assert.deepEqual(s.log().filter((l) => l.startsWith('off ')), ['off A'], `only A, whose probe left, is reverted:\n${failed.stdout}${failed.stderr}`);
  assert.deepEqual(items(), ['A', 'B'], `the rollback leaves both on, as before the run:\n${failed.stdout}${failed.stderr}`);
  writeFileSync(join(s.root, 'sbin/stub'), STUB, { mode: 0o755 });
  const done = ok(s.install(), 'install (B only)');
  assert.deepEqual(items(), ['B'], `A left the plan and is off; B stays on:\n${done.stdout}${done.stderr}`);
});

// An upgrade from an lvsgen that named routes by position (route-0-1) to one
// that names them by themselves: the state each item had before the first
// install carries over to its new id (the kept probe records say which item
// an old id named), whether the new bundle changes a file (the actions run
// and read the items, all on by now) or not (nothing to do, but the new ids
// are kept), and --uninstall with the new bundle right after the first
// install reads the originals under its ids too. Without that, the new ids
// read "on" (lvsgen's items are on by then, or no state is kept under them)
// and --uninstall keeps A and C.
for (const files of ['the same files', 'a changed file', '--uninstall only'] as const) {
  test(`an upgrade to ids that name the item (${files}): the state before the first install carries over from the old id, and --uninstall turns back only what lvsgen turned on`, (t) => {
    if (!canRun(t)) return;
    const plan = (ids: Record<string, string>) =>
      [
        'lvsgen-plan 1',
        'host h1',
        'file 0644 replace plain /etc/routes.conf',
        'action network now',
        'when network /etc/routes.conf',
        ...Object.keys(ids).map((i) => `run network must /sbin/on ${i}`),
        ...Object.entries(ids).flatMap(([i, id]) => [`probe ${id} /sbin/has ${i}`, `revert ${id} may /sbin/off ${i}`, `redo ${id} may /sbin/on ${i}`]),
        '',
      ].join('\n');
    const s = setup(t, plan({ A: 'route-0-0', B: 'route-0-1', C: 'route-0-2' }), { 'etc/routes.conf': 'A\nB\nC\n' });
    writeFileSync(join(s.root, 'sbin/has'), '#!/bin/sh\n[ -e "/items/$1" ] && echo "$1"\n', { mode: 0o755 });
    writeFileSync(join(s.root, 'sbin/on'), '#!/bin/sh\nmkdir -p /items && : >"/items/$1" && echo "on $1" >>/stub.log\n', { mode: 0o755 });
    writeFileSync(join(s.root, 'sbin/off'), '#!/bin/sh\nrm -f "/items/$1" && echo "off $1" >>/stub.log\n', { mode: 0o755 });
    const items = () => (existsSync(join(s.root, 'items')) ? readdirSync(join(s.root, 'items')).sort() : []);
    // B is the administrator's, on before lvsgen.
    mkdirSync(join(s.root, 'items'));
    writeFileSync(join(s.root, 'items/B'), '');
    ok(s.install(), 'install (positional ids)');
    assert.deepEqual(items(), ['A', 'B', 'C']);
    assert.equal(readFileSync(join(s.root, 'var/lib/lvsgen/probes'), 'utf8'), 'route-0-0 no\nroute-0-1 yes\nroute-0-2 no\n');
    // The new lvsgen's bundle: the same items, named by themselves.
    writeFileSync(join(s.bundle, '.lvsgen/plan'), plan({ A: 'route-a', B: 'route-b', C: 'route-c' }));
    if (files === 'a changed file') writeFileSync(join(s.bundle, 'etc/routes.conf'), 'A\nB\nC\n# v2\n');
    if (files !== '--uninstall only') {
      const second = ok(s.install(), 'install (ids that name the item)');
      assert.match(second.stdout, files === 'a changed file' ? /^h1: done\.$/m : /nothing to do/m);
      assert.equal(readFileSync(join(s.root, 'var/lib/lvsgen/probes'), 'utf8'), 'route-a no\nroute-b yes\nroute-c no\n', 'the originals under the new ids');
    }
    const un = ok(s.install('--uninstall'), 'uninstall');
    assert.deepEqual(items(), ['B'], `A and C, which lvsgen turned on, are off; the administrator's B stays:\n${un.stdout}${un.stderr}`);
    assert.deepEqual(s.log().filter((l) => l.startsWith('off ')), ['off C', 'off A'], 'newest first');
  });
}

test('over an installer that kept no undo records, a route id of a place in its plan is noted as a route that may have left; another item as one that left', (t) => {
  if (!canRun(t)) return;
  const s = setup(t, 'lvsgen-plan 1\nhost h1\nfile 0644 replace plain /etc/routes.conf\nprobe route-eth0-10_1_4_0-24-via-10_1_3_1 /sbin/stub has\nrevert route-eth0-10_1_4_0-24-via-10_1_3_1 may /sbin/stub off\n', { 'etc/routes.conf': 'v2\n' });
  // The earlier lvsgen's state: a backup folder, its originals, no undo file.
  mkdirSync(join(s.root, 'var/lib/lvsgen/backup'), { recursive: true });
  writeFileSync(join(s.root, 'var/lib/lvsgen/probes'), 'route-0-0 no\nlink-tunl0 no\nroute-eth1-0 no\n');
  const r = ok(s.install(), 'install');
  assert.match(r.stderr, /^install\.sh: note: route-0-0, a route an earlier lvsgen added here \(named by its place in that install's plan, which kept no undo records\), may have left this topology; if so it stays until reboot: run `ip route del` for it$/m);
  assert.match(r.stderr, /^install\.sh: note: link-tunl0, which an earlier lvsgen turned on here, is no longer in this topology; that install kept no undo records, so it stays until reboot: run `ip link set tunl0 down`$/m);
  assert.match(r.stderr, /^install\.sh: note: route-eth1-0, which an earlier lvsgen turned on here, is no longer in this topology/m);
});

// An action due only because one of its files left the bundle (left_actions)
// whose daemon runs: the install reloads it (it re-reads what is there now);
// the rollback of that install, once the file is back, reloads it again, so
// the daemon does not go on with what the failed run left.
test('a rollback reloads the running daemon of an action that was due only because one of its files left the bundle, once the file is back', (t) => {
  if (!canRun(t)) return;
  const plan = (files: string[], extra = '') =>
    [
      'lvsgen-plan 1',
      'host h1',
      ...files.map((f) => `file 0644 replace plain ${f}`),
      'action d now',
      ...files.filter((f) => f !== '/etc/later.conf').map((f) => `when d ${f}`),
      'run d must /sbin/stub enable d',
      'running d /sbin/probe',
      'reload d must /sbin/stub reload d',
      'start d must /sbin/stub start d',
      extra,
      '',
    ].join('\n');
  const s = setup(t, plan(['/etc/d.conf', '/etc/d-extra.conf']), { 'etc/d.conf': 'd\n', 'etc/d-extra.conf': 'extra\n' });
  writeFileSync(join(s.root, 'sbin/probe'), '#!/bin/sh\n[ -e /running ]\n', { mode: 0o755 });
  ok(s.install(), 'install');
  writeFileSync(join(s.root, 'running'), '');
  // The second bundle: d-extra.conf leaves (d stays); later.conf is new, its action fails.
  writeFileSync(join(s.bundle, '.lvsgen/plan'), plan(['/etc/d.conf', '/etc/later.conf'], 'action later now\nwhen later /etc/later.conf\nrun later must /sbin/fail later\n'));
  writeFileSync(join(s.bundle, 'etc/later.conf'), 'later\n');
  writeFileSync(join(s.root, 'sbin/fail'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  const n = s.log().length;
  const failed = s.install();
  assert.notEqual(failed.status, 0, failed.stdout + failed.stderr);
  assert.equal(readFileSync(join(s.root, 'etc/d-extra.conf'), 'utf8'), 'extra\n', 'the file that left is back');
  const ran = s.log().slice(n);
  assert.deepEqual(ran.slice(0, 2), ['[/sbin/stub][enable][d]', '[/sbin/stub][reload][d]'], `the run reloads d without d-extra.conf:\n${failed.stdout}${failed.stderr}`);
  assert.equal(ran.at(-1), '[/sbin/stub][reload][d]', `the rollback reloads d last, with d-extra.conf back:\n${ran.join('\n')}\n${failed.stdout}${failed.stderr}`);
});
