// Every host's .lvsgen/install.sh run for real against a scratch root
// (`install.sh --root DIR`): DIR holds a static busybox as /bin/sh and a stub
// at every absolute command path the host's plan (.lvsgen/plan) has the
// installer run; the installer runs them chrooted into DIR and
// each stub appends its argv to DIR/lvsgen-stub.log (LVSGEN_STUB_FAIL names
// the one command that should fail).
//
// The last two tests of the file prove installer bugs found while writing
// these (they fail until the installer is fixed): a backup taken by a
// rolled-back run is kept and later restored by --uninstall, and --uninstall
// leaves its backup tree behind.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { type Merge, mergeFile, parsePlan } from '../../src/render/plan.js';
import { bundleResourceScripts, bundlesOf, checkPrograms, STUB_NOT_RUNNING, DISTROS, EXAMPLES, type InstallerCommand, installerCommands, installerStateReads, ok, type Ran, read, render, requireRoot, requireTools, sh, tempDir } from '../support/index.js';

const STUB_LOG = 'lvsgen-stub.log';
const STUB = `#!/bin/sh
# lvsgen consumer-test stub: log argv; fail when asked to
printf '%s\\n' "$0 $*" >>/${STUB_LOG}
if [ "$0 $*" = "\${LVSGEN_STUB_FAIL-}" ]; then
	echo "stub: $0 fails on purpose" >&2
	exit 1
fi
${STUB_NOT_RUNNING}
exit 0
`;
const KEY = 'example-only-change-me';

/** What the seeds say each kind of host runs (in this order, among others). */
const SEED_COMMANDS: Record<string, string[]> = {
  'lb-nat/redhat/director': [
    '/etc/init.d/network restart',
    '/sbin/sysctl -p',
    '/sbin/chkconfig --level 2345 iptables on',
    '/sbin/modprobe ip_vs',
    '/sbin/modprobe ip_vs_ftp',
    '/sbin/sysctl -w net.ipv4.vs.expire_nodest_conn=1',
    '/sbin/chkconfig --level 2345 ldirectord on',
    '/sbin/chkconfig --del heartbeat',
    '/etc/init.d/ldirectord start',
  ],
  // ip_vs is loaded before sysctl -p: the persistent FTP service's IPVS keys exist only then.
  'lb-nat/debian/director': [
    '/etc/init.d/networking restart',
    '/sbin/modprobe ip_vs',
    '/sbin/modprobe ip_vs_ftp',
    '/sbin/sysctl -p',
    '/usr/sbin/update-rc.d ldirectord start 2 3 4 5 .',
    '/usr/sbin/update-rc.d -f heartbeat remove',
    '/etc/init.d/ldirectord start',
  ],
  'lb-nat/redhat/real': ['/etc/init.d/network restart'],
  'lb-nat/debian/real': ['/etc/init.d/networking restart'],
  'ha-cidr/redhat/router': ['/etc/init.d/network restart', '/sbin/sysctl -p'],
  'ha-cidr/debian/router': ['/etc/init.d/networking restart', '/sbin/sysctl -p'],
  'ha-cidr/redhat/node': ['/etc/init.d/network restart', '/sbin/chkconfig --level 2345 heartbeat on', '/etc/init.d/heartbeat start'],
  'ha-cidr/debian/node': ['/etc/init.d/networking restart', '/usr/sbin/update-rc.d heartbeat defaults', '/etc/init.d/heartbeat start'],
};
const seedKey = (ex: string, distro: string, host: string) => `${ex}/${distro}/${host.replace(/\d+$/, '')}`;

interface ManifestEntry {
  mode: number;
  sha256: string;
  path: string;
}

function manifest(text: string): ManifestEntry[] {
  return text
    .split('\n')
    .filter((l) => /^0\d{3} /.test(l) && / \//.test(l))
    .map((l) => {
      const m = /^(0\d{3}) ([0-9a-f]{64}|-) (\/\S+)$/.exec(l);
      assert.ok(m, `manifest line: ${l}`);
      return { mode: parseInt(m[1]!, 8), sha256: m[2]!, path: m[3]! };
    });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const modeOf = (p: string) => lstatSync(p).mode & 0o7777;

/** Every regular file under root (but the stub log): path -> mode and content. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p !== join(root, STUB_LOG)) out.set(p.slice(root.length), `${modeOf(p).toString(8)} ${sha256(readFileSync(p))}`);
    }
  };
  walk(root);
  return out;
}

interface Host {
  ex: string;
  distro: string;
  host: string;
  bundle: string;
  script: string;
  installer: string;
  commands: InstallerCommand[];
  /** What a first install runs: the \`before\` commands, the state reads (of stubbed programs: only they log), the actions' commands. */
  firstRun: string[];
  /** The state reads of a run (a probe may also be a read: \`status\`). */
  reads: string[];
  /** What --uninstall and a rollback may run (undo, reapply, the services' and the kernel keys' commands), of stubbed programs. */
  undoing: Set<string>;
  files: ManifestEntry[];
  /** The files the plan merges (the host's lines kept), with how. */
  block: Map<string, Merge>;
  /** Files holding a secret (their checksum is withheld). */
  secret: Set<string>;
  /** The programs of the pre-flight checks (stubbed, but /bin/sh). */
  checks: string[];
}

async function hostOf(t: TestContext, ex: string, distro: string, host: string): Promise<Host> {
  const r = await render(t, ex, distro);
  const bundle = join(r.dir, host);
  const installer = join(bundle, '.lvsgen/install.sh');
  const script = read(installer);
  const files = manifest(read(join(bundle, '.lvsgen/manifest')));
  const b = r.bundles.find((x) => x.host === host)!;
  assert.deepEqual(
    files.map((f) => f.path),
    b.files.filter((f) => !f.path.startsWith('.lvsgen/')).map((f) => `/${f.path}`),
    'manifest lists every host file',
  );
  const planText = read(join(bundle, '.lvsgen/plan'));
  const commands = installerCommands(planText);
  const block = new Map(parsePlan(planText).files.filter((f) => f.merge !== 'replace').map((f) => [f.path, f.merge] as const));
  assert.ok(commands.length > 0, 'the installer runs commands');
  const stubbed = new Set(commands.map((c) => c.command.split(' ')[0]!));
  const reads = installerStateReads(planText).filter((c) => stubbed.has(c.split(' ')[0]!));
  const firstRun = [...commands.filter((c) => c.before).map((c) => c.command), ...reads, ...commands.filter((c) => !c.before).map((c) => c.command)];
  const p = parsePlan(planText);
  const undoing = new Set(
    [...p.actions.flatMap((a) => [...a.undo, ...a.reapply].map((c) => c.words.join(' '))), ...p.services.flatMap((s) => Object.values(s.commands).map((w) => w.join(' '))), ...reads].filter((c) => stubbed.has(c.split(' ')[0]!)),
  );
  return { ex, distro, host, bundle, script, installer, commands, firstRun, reads, undoing, files, block, secret: new Set(files.filter((f) => f.sha256 === '-').map((f) => f.path)), checks: [...checkPrograms(p), ...bundleResourceScripts(bundle)] };
}

interface Root {
  dir: string;
  /** Commands the stubs logged so far. */
  log(): string[];
  /** The originals planted before installing: path -> content (mode 0640); others were absent. */
  originals: Map<string, string>;
}

/** A scratch root: busybox as /bin/sh, a stub per command path, originals for every other host file. */
function scratchRoot(t: TestContext, h: Host): Root {
  const dir = tempDir(t, `lvsgen-root-${h.host}-`);
  mkdirSync(join(dir, 'bin'));
  // busybox-static: runs chrooted without any library. The stubs use only shell builtins, so no applet links are needed.
  copyFileSync(sh('sh', ['-c', 'command -v busybox']).stdout.trim(), join(dir, 'bin/sh'));
  chmodSync(join(dir, 'bin/sh'), 0o755);
  for (const path of new Set([...h.commands.map((c) => c.command.split(' ')[0]!), ...h.checks])) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), STUB, { mode: 0o755 });
  }
  const originals = new Map<string, string>();
  h.files.forEach((f, i) => {
    if (i % 2 !== 0) return;
    const text = `# the host's own ${f.path}, before lvsgen\n`;
    mkdirSync(join(dir, dirname(f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), text, { mode: 0o640 });
    chmodSync(join(dir, f.path), 0o640);
    originals.set(f.path, text);
  });
  const logFile = join(dir, STUB_LOG);
  // The pre-flight's checks read staged copies (*.lvsgen-preflight): not the plan's commands.
  return { dir, originals, log: () => (existsSync(logFile) ? read(logFile).split('\n').filter((l) => l !== '' && !l.includes('.lvsgen-preflight')) : []) };
}

function install(h: Host, root: Root, args: string[], fail?: string): Ran {
  const env = { ...process.env, LVSGEN_STUB_FAIL: fail ?? '' };
  // stdin is a pipe: no terminal to ask on.
  return sh(h.installer, ['--root', root.dir, ...args], { env, input: '' });
}

/** Every original is back byte for byte with its mode; every file that was absent is gone. */
function assertRestored(h: Host, root: Root, what: string): void {
  for (const f of h.files) {
    const p = join(root.dir, f.path);
    const orig = root.originals.get(f.path);
    if (orig === undefined) assert.ok(!existsSync(p), `${what}: ${f.path} did not exist before, but is still there`);
    else {
      assert.equal(read(p), orig, `${what}: ${f.path} is not the original`);
      assert.equal(modeOf(p), 0o640, `${what}: ${f.path} lost its mode`);
    }
  }
}

/** What the host holds once installed: the bundle's file, or for a block merge the host's file with lvsgen's block (every original line kept). */
function expected(h: Host, path: string, original: string | undefined): string {
  const bundled = read(join(h.bundle, path));
  const merge = h.block.get(path);
  if (merge === undefined) return bundled;
  const merged = mergeFile(merge, original, bundled);
  // A block keeps the host's lines first; an interface file (ifupdown, keyfile) is lvsgen's, with the host's settings of the device carried in.
  if (original !== undefined && (merge === 'block' || merge === 'iptables')) assert.ok(merged.startsWith(original), `${path}: the host's lines come first, byte for byte`);
  return merged;
}

function canRun(t: TestContext): boolean {
  return requireRoot(t) && requireTools(t, 'busybox', 'chroot', 'diff', 'cmp', 'stat', 'mktemp');
}

const isSubsequence = (want: string[], got: string[]) => {
  let i = 0;
  for (const g of got) if (g === want[i]) i++;
  return i === want.length;
};

for (const ex of EXAMPLES) {
  for (const distro of DISTROS) {
    for (const { host } of bundlesOf(ex, distro).bundles) {
      test(`${ex}/${distro}/${host}: install.sh --root installs every file, runs the seed's commands, is idempotent, --check diffs, --uninstall restores`, async (t) => {
        if (!canRun(t)) return;
        const h = await hostOf(t, ex, distro, host);
        const root = scratchRoot(t, h);
        assert.ok(root.originals.size > 0 && root.originals.size < h.files.length, 'some originals exist, some files are new');
        // The copied busybox really is a static shell: it runs chrooted into the bare root.
        assert.equal(ok(sh('chroot', [root.dir, '/bin/sh', '-c', 'echo static']), 'chroot busybox').stdout, 'static\n');

        // --check before installing: exit 1, changes nothing.
        const before = snapshot(root.dir);
        const pre = install(h, root, ['--check']);
        assert.equal(pre.status, 1, `--check on a fresh root: ${pre.stdout}${pre.stderr}`);
        assert.deepEqual(snapshot(root.dir), before, '--check changed the root');
        assert.deepEqual(root.log(), [], '--check ran a command');
        assert.ok(!(pre.stdout + pre.stderr).includes(KEY), '--check showed the generated key');

        // First install.
        const first = ok(install(h, root, ['--yes']), 'install --yes');
        assert.ok(!(first.stdout + first.stderr).includes(KEY), 'install showed the generated key');
        for (const f of h.files) {
          const p = join(root.dir, f.path);
          assert.ok(first.stdout.split('\n').includes(`installed ${f.path}`), `no "installed ${f.path}"`);
          assert.ok(lstatSync(p).isFile(), `${f.path} is not a regular file`);
          assert.equal(modeOf(p).toString(8), f.mode.toString(8), `${f.path}: mode`);
          assert.equal(read(p), expected(h, f.path, root.originals.get(f.path)), `${f.path}: content`);
          if (f.sha256 !== '-' && !h.block.has(f.path)) assert.equal(sha256(readFileSync(p)), f.sha256, `${f.path}: manifest checksum`);
          // The original, kept once.
          const backup = join(root.dir, 'var/lib/lvsgen/backup', f.path);
          const orig = root.originals.get(f.path);
          if (orig === undefined) assert.ok(existsSync(`${backup}.lvsgen-absent`), `${f.path}: no absent marker`);
          else assert.equal(read(backup), orig, `${f.path}: backup`);
        }
        const all = h.firstRun;
        for (const c of h.commands) {
          assert.ok(c.when.length > 0, `${c.command} runs outside an "if changed" block`);
          for (const p of c.when) assert.ok(h.files.some((f) => f.path === p), `${c.command} depends on ${p}, which the bundle does not install`);
        }
        assert.deepEqual(root.log(), all, 'first install runs every command of the installer, once, in order');
        const seed = SEED_COMMANDS[seedKey(ex, distro, host)]!;
        assert.ok(seed !== undefined && isSubsequence(seed, root.log()), `the seed's commands, in order:\n${seed.join('\n')}\nran:\n${root.log().join('\n')}`);
        for (const c of h.commands) if (c.kind !== 'probe') assert.ok(first.stdout.includes(`+ ${c.command}\n`), `not announced: ${c.command}`);

        // Second install: nothing to do, no command.
        const installed = snapshot(root.dir);
        const second = ok(install(h, root, ['--yes']), 'second install');
        assert.match(second.stdout, /nothing to do/);
        assert.doesNotMatch(second.stdout, /^installed /m);
        assert.deepEqual(root.log(), all, 'the second run ran a command');
        assert.deepEqual(snapshot(root.dir), installed, 'the second run changed a file');

        // --check after install: clean.
        const clean = ok(install(h, root, ['--check']), '--check after install');
        assert.match(clean.stdout, /every file is up to date/);
        assert.doesNotMatch(clean.stdout + clean.stderr, /^(---|\+\+\+)|differs|mode of/m);

        // Local changes: an edited plain file, an edited secret, a changed mode.
        // A file merged by block keeps an edit outside the block; an interface file (ifupdown, keyfile) is lvsgen's: an edit is undone.
        const keepsEdits = (p: string) => ['block', 'iptables'].includes(h.block.get(p) ?? 'replace');
        const plain = h.files.filter((f) => !h.secret.has(f.path) && !keepsEdits(f.path));
        const edited = plain[0]!;
        writeFileSync(join(root.dir, edited.path), `${read(join(root.dir, edited.path))}# local edit\n`);
        const secret = h.files.find((f) => h.secret.has(f.path));
        const localSecret = 'local-secret-never-shown';
        if (secret) writeFileSync(join(root.dir, secret.path), `auth 1\n1 sha1 ${localSecret}\n`);
        const chmodded = plain[1];
        if (chmodded) chmodSync(join(root.dir, chmodded.path), 0o666);
        const touched = snapshot(root.dir);
        const dirty = install(h, root, ['--check']);
        assert.equal(dirty.status, 1, `--check with local changes: ${dirty.stdout}${dirty.stderr}`);
        assert.deepEqual(snapshot(root.dir), touched, '--check changed the root');
        assert.ok(dirty.stdout.includes(`--- ${edited.path} (on the host)\n+++ ${edited.path} (generated)\n@@ `), `no unified diff for ${edited.path}:\n${dirty.stdout}`);
        assert.ok(dirty.stdout.split('\n').includes('-# local edit'), dirty.stdout);
        if (chmodded) assert.ok(dirty.stdout.includes(`mode of ${chmodded.path}: is 0666, will be 0${chmodded.mode.toString(8)}`), dirty.stdout);
        if (secret) {
          // Masked, not hidden (test/consumers/installer-secrets.test.ts covers each format).
          assert.ok(dirty.stdout.includes(`--- ${secret.path} (on the host)\n+++ ${secret.path} (generated)\n`), dirty.stdout);
          assert.ok(dirty.stdout.split('\n').includes(' 1 sha1 ********'), dirty.stdout);
          assert.ok(!(dirty.stdout + dirty.stderr).includes(KEY), 'the generated key was shown');
          assert.ok(!(dirty.stdout + dirty.stderr).includes(localSecret), 'the local key was shown');
        }
        assert.equal(secret !== undefined, ex === 'ha-cidr' && host !== 'router', 'authkeys (a secret) on the heartbeat nodes only');

        // Installing over the local changes puts the generated files back and runs only
        // the commands of the blocks whose files changed.
        const touchedPaths = [edited.path, ...(secret ? [secret.path] : []), ...(chmodded ? [chmodded.path] : [])];
        const reinstall = ok(install(h, root, ['--yes']), 'install over local changes');
        assert.deepEqual(reinstall.stdout.split('\n').filter((l) => l.startsWith('installed ')).sort(), touchedPaths.map((p) => `installed ${p}`).sort());
        assert.deepEqual(snapshot(root.dir), installed, 'install over local changes: the generated files again');
        const rerun = h.commands.filter((c) => c.when.some((p) => touchedPaths.includes(p))).map((c) => c.command);
        assert.ok(rerun.length > 0);
        assert.deepEqual(root.log(), [...all, ...h.reads, ...rerun], 'install over local changes: the state read again, then only the affected commands');

        // --uninstall: originals back byte for byte, new files gone, no command run.
        const logged = root.log();
        const un = ok(install(h, root, ['--uninstall']), '--uninstall');
        assertRestored(h, root, '--uninstall');
        for (const f of h.files) assert.match(un.stdout, new RegExp(`^(restored|removed) ${f.path.replace(/[.]/g, '\\.')}$`, 'm'));
        // It undoes the live state: only undo, reapply and the services' and keys' commands, each undo and reapply of the plan.
        const undone = root.log().slice(logged.length);
        for (const c of undone) assert.ok(h.undoing.has(c), `--uninstall ran ${c}`);
        const plan = parsePlan(read(join(h.bundle, '.lvsgen/plan')));
        const wanted = [...[...plan.actions].reverse().flatMap((a) => a.undo), ...plan.actions.flatMap((a) => a.reapply)].map((c) => c.words.join(' ')).filter((c) => h.undoing.has(c));
        assert.ok(isSubsequence(wanted, undone), `--uninstall: the undo and reapply commands, in order:\n${wanted.join('\n')}\nran:\n${undone.join('\n')}`);
      });

      test(`${ex}/${distro}/${host}: a failing command stops install.sh, names the command and restores the files it replaced; a failing run_ok only warns`, async (t) => {
        if (!canRun(t)) return;
        const h = await hostOf(t, ex, distro, host);
        const last = [...h.commands].reverse().find((c) => c.kind === 'run')!;
        const root = scratchRoot(t, h);
        const r = install(h, root, ['--yes'], last.command);
        assert.notEqual(r.status, 0, `install succeeded with ${last.command} failing`);
        assert.ok(r.stderr.includes(`command failed: ${last.command}`), r.stderr);
        assert.match(r.stderr, /restoring the files this run replaced/);
        const at = root.log().lastIndexOf(last.command);
        assert.ok(at >= 0, 'the failing command ran');
        // After it, only a rollback's commands: undo, reapply, the services' and keys', and the commands that ran before
        // it, again (an action whose files had an earlier version runs again from them).
        const ran = new Set(h.commands.slice(0, h.commands.indexOf(last)).map((c) => c.command));
        for (const c of root.log().slice(at + 1)) assert.ok(h.undoing.has(c) || ran.has(c), `after the failed command, ${c} ran: only a rollback's commands may`);
        assertRestored(h, root, 'rollback');

        const soft = h.commands.find((c) => c.kind === 'run_ok');
        if (soft) {
          const root2 = scratchRoot(t, h);
          const r2 = ok(install(h, root2, ['--yes'], soft.command), `install with ${soft.command} failing`);
          assert.ok(r2.stderr.includes(`warning: command failed (ignored): ${soft.command}`), r2.stderr);
          assert.deepEqual(root2.log(), h.firstRun);
          for (const f of h.files) assert.equal(read(join(root2.dir, f.path)), expected(h, f.path, root2.originals.get(f.path)), f.path);
        }
      });

      test(`${ex}/${distro}/${host}: without --yes and without a terminal the network restart is announced, not run (also --no-restart)`, async (t) => {
        if (!canRun(t)) return;
        const h = await hostOf(t, ex, distro, host);
        const restart = h.commands.filter((c) => c.confirmed);
        assert.equal(restart.length, 1, 'exactly one confirmed network restart');
        const others = h.firstRun.filter((c) => c !== restart[0]!.command);
        const reads = h.reads;
        for (const [args, why] of [
          [[], 'Not restarting: no terminal to ask on'],
          [['--no-restart'], 'Not restarting (--no-restart)'],
        ] as const) {
          const root = scratchRoot(t, h);
          const r = ok(install(h, root, [...args]), `install ${args.join(' ')}`);
          assert.ok(r.stdout.includes(`To apply the network configuration: ${restart[0]!.command}\n`), r.stdout);
          assert.ok(r.stdout.includes(why), r.stdout);
          assert.deepEqual(root.log(), others, `install ${args.join(' ')}: commands run`);
          // The skipped restart is remembered: --check shows it, the next install runs it (and only it).
          assert.equal(read(join(root.dir, 'var/lib/lvsgen/pending')), 'network\n');
          const pending = install(h, root, ['--check']);
          assert.equal(pending.status, 1, `--check with a pending restart: ${pending.stdout}`);
          assert.match(pending.stdout, /^pending: network /m);
          ok(install(h, root, ['--no-restart']), 'install again, --no-restart');
          assert.deepEqual(root.log(), [...others, ...reads], 'the pending restart ran without --yes');
          ok(install(h, root, ['--yes']), 'install --yes');
          assert.deepEqual(root.log(), [...others, ...reads, ...reads, restart[0]!.command], 'install --yes runs the pending restart, and nothing else');
          assert.ok(!existsSync(join(root.dir, 'var/lib/lvsgen/pending')), 'the restart is no longer pending');
          assert.equal(install(h, root, ['--check']).status, 0, '--check: nothing pending, nothing differs');
        }
      });
    }
  }
}

// ---------------------------------------------------------------- bugs found (these fail until fixed)

for (const distro of DISTROS) {
  test(`lb-nat/${distro}/real1: --uninstall after a rolled-back install restores the host's file as it was before the successful install`, async (t) => {
    if (!canRun(t)) return;
    const h = await hostOf(t, 'lb-nat', distro, 'real1');
    const root = scratchRoot(t, h);
    const network = h.commands.find((c) => c.confirmed)!.command;
    // 1. An install fails and is rolled back: the host's original file is back.
    assert.notEqual(install(h, root, ['--yes'], network).status, 0);
    assertRestored(h, root, 'rollback');
    // 2. The administrator then changes that file (and creates the one that was absent).
    const changed = new Map<string, string>();
    for (const f of h.files) {
      const text = `# changed by the administrator after the failed install: ${f.path}\n`;
      mkdirSync(join(root.dir, dirname(f.path)), { recursive: true });
      writeFileSync(join(root.dir, f.path), text, { mode: 0o640 });
      chmodSync(join(root.dir, f.path), 0o640);
      changed.set(f.path, text);
    }
    // 3. A later install succeeds; 4. --uninstall must give back what the host had just before it.
    ok(install(h, root, ['--yes']), 'second install');
    ok(install(h, root, ['--uninstall']), '--uninstall');
    const problems: string[] = [];
    for (const [path, text] of changed) {
      const p = join(root.dir, path);
      if (!existsSync(p)) problems.push(`${path}: deleted by --uninstall, though the host had it before the successful install (stale .lvsgen-absent marker left by the rolled-back run)`);
      else if (read(p) !== text) problems.push(`${path}: --uninstall put back the copy saved by the rolled-back run (${JSON.stringify(read(p))}), losing the administrator's later change`);
    }
    assert.deepEqual(problems, []);
  });

  test(`lb-nat/${distro}/director: --uninstall leaves no state behind (/var/lib/lvsgen)`, async (t) => {
    if (!canRun(t)) return;
    const h = await hostOf(t, 'lb-nat', distro, 'director');
    const root = scratchRoot(t, h);
    ok(install(h, root, ['--yes']), 'install');
    ok(install(h, root, ['--uninstall']), '--uninstall');
    const state = join(root.dir, 'var/lib/lvsgen');
    const left = existsSync(state) ? sh('find', [state]).stdout : '';
    assert.deepEqual([...snapshot(root.dir).keys()].filter((p) => p.startsWith('/var/lib/lvsgen')), [], 'files left in the state directory');
    assert.equal(left, '', `the installer means to remove its state directory (rmdir "$backup" "$state"), but its backup tree of empty directories is left:\n${left}`);
  });
}
