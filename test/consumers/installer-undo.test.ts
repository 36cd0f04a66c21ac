// What an install takes down live when the topology no longer has it, and
// what a failed install puts back (issue 15's leftovers).
//
// install.sh runs for real (`--root`, commands chrooted into a scratch root)
// in a scratch network namespace, with the real `ip`, and, where the plan's
// actions use them, the real consumers: ifupdown's ifup/ifdown (debian12,
// debian: the latter's network restart is networking's `ifdown -a
// --exclude=lo` then `ifup -a`) and the lab's initscripts kit (redhat's
// `ifup lo`, run by the real bash). Every other command of the plan (modprobe,
// sysctl, nmcli, the service manager) is a stub that logs and succeeds, or
// fails when LVSGEN_STUB_FAIL names it. The kernel's ipip module, which makes
// tunl0, is not on this machine: tunl0 is a stand-in, a veth of that name
// (down, as ipip's fallback device is when the module loads), which the
// plan's `ip link set tunl0 up` and ifupdown's `up` line bring up for real.
//
// Shown:
// - a real server of lb-tun taken out of the tunnelling service (its plan
//   then has no tunnel, no loopback action): the reinstall takes tunl0 down
//   and its virtual address off lo, and --uninstall does too, on debian12,
//   debian, redhat and rhel9 (rhel9's lo address is NetworkManager's: the
//   stub adds nothing, the undo record's `ip addr del` is seen to run);
// - a second virtual address left the topology, on a host installed by an
//   installer that kept no undo records (an lvsgen before them: its state is
//   this installer's without /var/lib/lvsgen/undo): the reinstall finds it in
//   the earlier files and takes it off lo (debian12 lo:1, redhat's lo:1 and
//   IPv6 address on lo);
// - the same reinstall failing at a later step (an action the test appends to
//   the plan): the rollback puts the address it took down back, with the kept
//   records and without them;
// - a real server taken out of the tunnelling service, the reinstall failing
//   at a later step (a new file of the bundle whose action fails): the
//   rollback brings tunl0 up and lo's virtual address back, on debian12,
//   debian, redhat and rhel9 (debian's tunl0 is its network restart's, an
//   action that stays: before the kept redo records tunl0 stayed down);
// - redhat's real1 reinstalled with a plan that no longer probes tunl0 while
//   its modules action stays (the test edits the plan and rc.local), failing
//   at a later step: the stale revert turned tunl0 down, the rollback turns it
//   up again (the kept redo record), as it was before the run.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { parsePlan, type Plan } from '../../src/render/plan.js';
import { copyProgram, realPath } from '../support/host-package.js';
import { checkPrograms, example, netns, type Netns, ok, type Ran, read, renderText, requireRoot, requireTools, run, sh, sourceFile, staticBusybox, tempDir, LOGGING_STUB, LOGGING_STUB_LOG } from '../support/index.js';

const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
/** Debian's network restart: networking's stop then start, with the real ifupdown. */
const IFUPDOWN_RESTART = (ifup: string) => `#!/bin/sh
printf '%s\\n' "$0 $*" >>/${LOGGING_STUB_LOG}
case "$*" in *restart*) ;; *) exit 0 ;; esac
${dirname(ifup)}/ifdown -a --exclude=lo
exec ${ifup} -a
`;

const LB_TUN = read(example('lb-tun'));
/** lb-tun with a second virtual address by tunnelling: real1 holds both on lo (lo:0, lo:1). */
const LB_TUN_TWO = `${LB_TUN}
  - virtual: 10.1.3.62:80
    scheduler: wlc
    forward: ipip
    check: { type: connect }
    real_servers: [real1, real2]
`;
/** lb-tun with real1 out of the service: its plan has neither tunl0 nor a virtual address. */
const LB_TUN_OUT = LB_TUN.replace('real_servers: [real1, real2]', 'real_servers: [real2]');
/** lb-ipv6 with a second IPv6 virtual address by direct routing. */
const LB_IPV6_TWO = `${read(example('lb-ipv6'))}
  - virtual: "[2001:db8:3::63]:80"
    scheduler: rr
    forward: gate
    check: { type: connect }
    real_servers: [real1, real2]
`;

interface Bundle {
  bundle: string;
  installer: string;
  plan: Plan;
}

async function real1(t: TestContext, text: string, distro: string): Promise<Bundle> {
  const bundle = join((await renderText(t, text, distro)).dir, 'real1');
  return { bundle, installer: join(bundle, '.lvsgen/install.sh'), plan: parsePlan(read(join(bundle, '.lvsgen/plan'))) };
}

/** Every program a plan names (actions, probes, reverts, services, keys, checks). */
function programs(plan: Plan): string[] {
  return [
    ...plan.actions.flatMap((a) => [...a.before, ...a.commands, ...a.reload, ...a.start, ...a.undo, ...a.reapply].map((c) => c.words[0]!).concat(a.running.slice(0, 1))),
    ...plan.probes.flatMap((p) => [p.words[0]!, p.revert.words[0]!]),
    ...plan.services.flatMap((s) => Object.values(s.commands).map((w) => w[0]!)),
    ...plan.sysctls.map((k) => k.program),
    ...checkPrograms(plan),
  ].filter((p) => p.startsWith('/'));
}

/**
 * The scratch root: busybox as /bin/sh, stubs for every program of the plans,
 * then the real ip (at every path the plans name it, and on PATH), and the
 * distro's real interface tools.
 */
function hostRoot(t: TestContext, distro: string, plans: Plan[], busybox: Buffer): string {
  const root = tempDir(t, `lvsgen-undo-${distro}-`);
  for (const d of ['bin', 'sbin', 'usr/sbin', 'dev', 'tmp', 'run/network', 'sys/class/net/lo', ...['pre-up', 'up', 'down', 'post-down'].map((s) => `etc/network/if-${s}.d`)]) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'bin/sh'), busybox, { mode: 0o755 });
  run('mknod', ['-m', '666', join(root, 'dev/null'), 'c', '1', '3']);
  const place = (p: string, text: string) => {
    mkdirSync(join(root, dirname(p)), { recursive: true });
    rmSync(join(root, p), { force: true });
    writeFileSync(join(root, p), text, { mode: 0o755 });
  };
  const all = [...new Set(plans.flatMap(programs))];
  for (const p of all) place(p, LOGGING_STUB);
  const link = (tool: string, at: string) => {
    const real = realPath(tool);
    copyProgram(root, real);
    mkdirSync(join(root, dirname(at)), { recursive: true });
    rmSync(join(root, at), { force: true });
    symlinkSync(`/real/${basename(real)}`, join(root, at));
  };
  for (const at of new Set([...all.filter((p) => basename(p) === 'ip'), '/sbin/ip', '/usr/sbin/ip'])) link('ip', at);
  if (distro === 'debian12' || distro === 'debian') {
    const ifup = all.find((p) => basename(p) === 'ifup') ?? '/sbin/ifup';
    link('ifup', ifup);
    link('ifup', `${dirname(ifup)}/ifdown`);
    link('run-parts', '/bin/run-parts');
  }
  if (distro === 'debian') {
    // Sarge's networking restart brings tunl0 up (its stanza's up line): the real one.
    const restart = plans.flatMap((p) => p.actions.filter((a) => a.name === 'network').map((a) => a.commands[0]!.words[0]!));
    for (const r of new Set(restart)) place(r, IFUPDOWN_RESTART(all.find((p) => basename(p) === 'ifup')!));
    // Its lo:0 stanza's `pre-up sysctl -p` runs busybox's sysctl (the root's sh prefers its
    // applets), which writes under /proc/sys: the keys of lvsgen's file, as plain files.
    for (const p of plans) for (const k of p.sysctls) {
      const f = join(root, 'proc/sys', ...k.key.split('.'));
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, '0\n');
    }
  }
  if (distro === 'redhat') {
    for (const [tool, at] of [['bash', '/bin/bash'], ['grep', '/bin/grep'], ['mkdir', '/bin/mkdir']] as const) link(tool, at);
    for (const tool of ['ifup', 'ifdown']) {
      copyFileSync(sourceFile(`lab/kit/redhat/usr/sbin/${tool}`), join(root, 'sbin', tool));
      chmodSync(join(root, 'sbin', tool), 0o755);
    }
    mkdirSync(join(root, 'etc/sysconfig/network-scripts'), { recursive: true });
    writeFileSync(join(root, 'etc/sysconfig/network-scripts/ifcfg-lo'), 'DEVICE=lo\nIPADDR=127.0.0.1\nNETMASK=255.0.0.0\nNETWORK=127.0.0.0\nBROADCAST=127.255.255.255\nONBOOT=yes\nNAME=loopback\n', { mode: 0o644 });
    writeFileSync(join(root, 'etc/sysconfig/network'), 'NETWORKING=yes\nNETWORKING_IPV6=yes\nHOSTNAME=real1\n', { mode: 0o644 });
  }
  return root;
}

/** A namespace with eth0 and the stand-in tunl0 (down). */
function host(t: TestContext): Netns {
  const ns = netns(t, 'lvun');
  ns.veth('eth0');
  ok(ns.ip('link', 'add', 'tunl0', 'type', 'veth', 'peer', 'name', 'tunl0-peer'), 'the stand-in tunl0');
  ok(ns.ip('link', 'set', 'tunl0-peer', 'up'), 'its peer up');
  return ns;
}

function install(ns: Netns, b: Bundle, root: string, args: string[], fail = ''): Ran {
  return sh('ip', ['netns', 'exec', ns.name, 'env', `PATH=${PATH}`, `LVSGEN_STUB_FAIL=${fail}`, b.installer, '--root', root, ...args], { input: '', timeout: 120_000 });
}

const tunl0Up = (ns: Netns) => ok(ns.ip('link', 'show', 'up', 'dev', 'tunl0'), 'ip link show up dev tunl0').stdout.trim() !== '';
/** The global addresses on lo, sorted. */
const onLo = (ns: Netns) =>
  ok(ns.ip('-o', 'addr', 'show', 'dev', 'lo', 'scope', 'global'), 'ip addr show dev lo').stdout.split('\n').flatMap((l) => /inet6? (\S+)/.exec(l)?.[1] ?? []).sort();
const said = (r: Ran) => `${r.stdout}${r.stderr}`;

/** A copy of the bundle whose plan ends with an action that fails when its files change (a later step). */
function failingLater(t: TestContext, b: Bundle, when: string): Bundle {
  const dir = tempDir(t, 'lvsgen-undo-later-');
  cpSync(b.bundle, dir, { recursive: true });
  const plan = join(dir, '.lvsgen/plan');
  writeFileSync(plan, `${read(plan)}action later now\nwhen later ${when}\nrun later must /usr/local/sbin/later now\n`);
  return { bundle: dir, installer: join(dir, '.lvsgen/install.sh'), plan: parsePlan(read(plan)) };
}
const LATER = '/usr/local/sbin/later now';

const TUNL0_DISTROS = ['debian12', 'debian', 'redhat', 'rhel9'];

describe('a real server taken out of the tunnelling service: tunl0 goes down, live, on reinstall and on --uninstall', { concurrency: true }, () => {
  for (const distro of TUNL0_DISTROS) {
    test(`lb-tun/${distro}/real1: tunl0 up after install; down after the reinstall without the service and after --uninstall; lo's virtual address goes with it`, async (t) => {
      if (!(requireRoot(t) && requireTools(t, 'ip', 'ifup', 'run-parts', 'bash', 'ldd', 'chroot', 'mknod'))) return;
      const busybox = staticBusybox(t);
      if (busybox === undefined) return;
      const tun = await real1(t, LB_TUN, distro);
      const out = await real1(t, LB_TUN_OUT, distro);
      assert.ok(tun.plan.probes.some((p) => p.id === 'link-tunl0'), 'the plan probes tunl0');
      assert.ok(!out.plan.probes.some((p) => p.id === 'link-tunl0') && !out.plan.actions.some((a) => a.name === 'loopback'), 'real1 out of the service: no tunl0, no virtual address');
      // NetworkManager (a stub here) holds rhel9's virtual address: only the others' is seen live.
      const vip = distro === 'rhel9' ? [] : ['10.1.3.61/32'];
      const ns = host(t);
      const root = hostRoot(t, distro, [tun.plan, out.plan], busybox);

      const first = ok(install(ns, tun, root, ['--yes']), 'install');
      assert.ok(tunl0Up(ns), `tunl0 is up after the install:\n${said(first)}`);
      assert.deepEqual(onLo(ns), vip, 'the virtual address on lo');
      const again = ok(install(ns, out, root, ['--yes']), 'install without the service');
      assert.ok(!tunl0Up(ns), `tunl0 is still up after the reinstall without the service:\n${said(again)}`);
      assert.deepEqual(onLo(ns), [], `lo keeps the virtual address:\n${said(again)}`);
      if (distro === 'rhel9') assert.match(again.stdout, /^\+ \/usr\/sbin\/ip addr del 10\.1\.3\.61\/32 dev lo$/m, 'the kept undo record ran');
      assert.match(ok(install(ns, out, root, ['--yes']), 'reinstall').stdout, /nothing to do/);

      ok(install(ns, tun, root, ['--yes']), 'install again');
      assert.ok(tunl0Up(ns), 'tunl0 is up again');
      const un = ok(install(ns, tun, root, ['--uninstall']), '--uninstall');
      assert.ok(!tunl0Up(ns), `tunl0 is still up after --uninstall:\n${said(un)}`);
      assert.deepEqual(onLo(ns), [], '--uninstall left the virtual address');
      assert.ok(!existsSync(join(root, 'var/lib/lvsgen')), '--uninstall left its state');
    });
  }
});

/** A copy of the bundle with a new file and an action, run when it is installed, that fails (a later step of a run whose other files only leave). */
function failingOnNewFile(t: TestContext, b: Bundle): Bundle {
  const dir = tempDir(t, 'lvsgen-undo-new-file-');
  cpSync(b.bundle, dir, { recursive: true });
  const plan = join(dir, '.lvsgen/plan');
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'etc/lvsgen-later'), 'later\n');
  writeFileSync(plan, read(plan).replace(/^(file .*\n)(?!file )/m, '$1file 0644 replace plain /etc/lvsgen-later\n') + 'action later now\nwhen later /etc/lvsgen-later\nrun later must /usr/local/sbin/later now\n');
  return { bundle: dir, installer: join(dir, '.lvsgen/install.sh'), plan: parsePlan(read(plan)) };
}

describe('a real server taken out of the tunnelling service, the reinstall failing at a later step: the rollback brings tunl0 and lo\'s virtual address back', { concurrency: true }, () => {
  for (const distro of TUNL0_DISTROS) {
    test(`lb-tun/${distro}/real1: tunl0 up and the virtual address on lo after the failed reinstall without the service, as before it`, async (t) => {
      if (!(requireRoot(t) && requireTools(t, 'ip', 'ifup', 'run-parts', 'bash', 'ldd', 'chroot', 'mknod'))) return;
      const busybox = staticBusybox(t);
      if (busybox === undefined) return;
      const tun = await real1(t, LB_TUN, distro);
      const out = failingOnNewFile(t, await real1(t, LB_TUN_OUT, distro));
      assert.ok(out.plan.files.some((f) => f.path === '/etc/lvsgen-later'), 'the new file is in the plan');
      const vip = distro === 'rhel9' ? [] : ['10.1.3.61/32'];
      const ns = host(t);
      const root = hostRoot(t, distro, [tun.plan, out.plan], busybox);
      ok(install(ns, tun, root, ['--yes']), 'install');
      assert.ok(tunl0Up(ns), 'tunl0 is up after the install');
      const failed = install(ns, out, root, ['--yes'], LATER);
      assert.notEqual(failed.status, 0, said(failed));
      assert.match(failed.stderr, /command failed: \/usr\/local\/sbin\/later now/);
      assert.ok(tunl0Up(ns), `tunl0 is down after the rollback:\n${said(failed)}`);
      assert.deepEqual(onLo(ns), vip, `lo after the rollback:\n${said(failed)}`);
      assert.ok(!existsSync(join(root, 'etc/lvsgen-later')), 'the new file is gone');
    });
  }
});

/**
 * redhat's real1 of lb-tun no longer bringing tunl0 up while its modules
 * action stays (it still loads ipip): the plan without tunl0's probe and its
 * `ip link set tunl0 up` (in rc.local's block and the action's records), and
 * a later action, appended, that fails when rc.local changes.
 */
function tunl0Dropped(t: TestContext, b: Bundle): Bundle {
  const dir = tempDir(t, 'lvsgen-undo-kept-action-');
  cpSync(b.bundle, dir, { recursive: true });
  const plan = join(dir, '.lvsgen/plan');
  const text = read(plan);
  const edited = text.replace(/^(probe|revert|redo) link-tunl0 .*\n/gm, '').replace(/^run modules must \/sbin\/ip link set tunl0 up\n/m, '');
  assert.ok(text.split('\n').length - edited.split('\n').length >= 3, 'tunl0\'s records out');
  writeFileSync(plan, `${edited}action later now\nwhen later /etc/rc.d/rc.local\nrun later must /usr/local/sbin/later now\n`);
  const rc = join(dir, 'etc/rc.d/rc.local');
  const rcText = read(rc);
  assert.match(rcText, /^\/sbin\/ip link set tunl0 up$/m);
  writeFileSync(rc, rcText.replace(/^\/sbin\/ip link set tunl0 up\n/m, ''));
  return { bundle: dir, installer: join(dir, '.lvsgen/install.sh'), plan: parsePlan(read(plan)) };
}

test('lb-tun/redhat/real1: a reinstall whose plan no longer probes tunl0, its modules action kept, turns tunl0 down; failing at a later step, its rollback brings tunl0 up again', async (t) => {
  if (!(requireRoot(t) && requireTools(t, 'ip', 'bash', 'ldd', 'chroot', 'mknod'))) return;
  const busybox = staticBusybox(t);
  if (busybox === undefined) return;
  const tun = await real1(t, LB_TUN, 'redhat');
  const dropped = tunl0Dropped(t, tun);
  assert.ok(dropped.plan.actions.some((a) => a.name === 'modules') && !dropped.plan.probes.some((p) => p.id === 'link-tunl0'), 'the modules action stays, tunl0\'s probe goes');
  const ns = host(t);
  const root = hostRoot(t, 'redhat', [tun.plan, dropped.plan], busybox);
  const first = ok(install(ns, tun, root, ['--yes']), 'install');
  assert.ok(tunl0Up(ns), `tunl0 is up after the install:\n${said(first)}`);
  const files = read(join(root, 'etc/rc.d/rc.local'));
  const kept = read(join(root, 'var/lib/lvsgen/undo'));

  const failed = install(ns, dropped, root, ['--yes'], LATER);
  assert.notEqual(failed.status, 0, said(failed));
  assert.match(failed.stderr, /command failed: \/usr\/local\/sbin\/later now/);
  assert.match(failed.stdout, /^\+ \/sbin\/ip link set tunl0 down$/m, `the stale revert ran:\n${said(failed)}`);
  assert.equal(read(join(root, 'etc/rc.d/rc.local')), files, 'rc.local is restored');
  assert.equal(read(join(root, 'var/lib/lvsgen/undo')), kept, 'the kept records are as before');
  assert.ok(tunl0Up(ns), `tunl0 is down after the rollback:\n${said(failed)}`);
  assert.match(failed.stderr, /^link-tunl0: turning it on again \(this run turned it off\)$/m, said(failed));

  // Nothing failing: tunl0 goes down and stays down.
  const done = ok(install(ns, dropped, root, ['--yes']), 'install, nothing failing');
  assert.ok(!tunl0Up(ns), `tunl0 is up after the install without it:\n${said(done)}`);
});

interface DropCase {
  distro: string;
  two: string;
  one: string;
  /** The addresses on lo with two, and the one that leaves. */
  both: string[];
  gone: string;
  /** A file of the loopback action that the reinstall changes (the failing later action's trigger); none: no action runs. */
  lo?: string;
}

const DROPS: DropCase[] = [
  { distro: 'debian12', two: LB_TUN_TWO, one: LB_TUN, both: ['10.1.3.61/32', '10.1.3.62/32'], gone: '10.1.3.62/32', lo: '/etc/network/interfaces.d/lo' },
  { distro: 'redhat', two: LB_TUN_TWO, one: LB_TUN, both: ['10.1.3.61/32', '10.1.3.62/32'], gone: '10.1.3.62/32' },
  { distro: 'redhat', two: LB_IPV6_TWO, one: read(example('lb-ipv6')), both: ['2001:db8:3::62/128', '2001:db8:3::63/128'], gone: '2001:db8:3::63/128', lo: '/etc/sysconfig/network-scripts/ifcfg-lo' },
];

describe('a virtual address that left the topology: the reinstall takes it off lo, kept records or not; a failed reinstall puts it back', { concurrency: true }, () => {
  for (const c of DROPS) {
    const what = `${c.distro}/real1 (${c.gone} leaves)`;
    /** The bundles, a namespace, and a fresh root with lo emptied. */
    const setUp = async (t: TestContext) => {
      if (!(requireRoot(t) && requireTools(t, 'ip', 'ifup', 'run-parts', 'bash', 'ldd', 'chroot', 'mknod'))) return undefined;
      const busybox = staticBusybox(t);
      if (busybox === undefined) return undefined;
      const two = await real1(t, c.two, c.distro);
      const one = await real1(t, c.one, c.distro);
      const later = c.lo === undefined ? one : failingLater(t, one, c.lo);
      const ns = host(t);
      const fresh = () => {
        for (const a of onLo(ns)) ok(ns.ip('addr', 'del', a, 'dev', 'lo'), `ip addr del ${a}`);
        return hostRoot(t, c.distro, [two.plan, one.plan, later.plan], busybox);
      };
      return { two, one, later, ns, fresh };
    };
    const kept = (root: string) => join(root, 'var/lib/lvsgen/undo');

    test(`${what}: the reinstall takes it off lo, over an installer that kept no undo records (an earlier lvsgen's), with kept records, and with kept records worded otherwise (the address that stays comes back); reinstall is a no-op; --uninstall takes the rest`, async (t) => {
      const s = await setUp(t);
      if (s === undefined) return;
      // An earlier lvsgen's install is this installer's state without the undo records.
      // Records worded otherwise (an earlier lvsgen's template, say): every kept
      // loopback record is stale then, and takes its address down, the one that stays too.
      for (const records of ['none', 'kept', 'worded otherwise'] as const) {
        const root = s.fresh();
        ok(install(s.ns, s.two, root, ['--yes']), 'install (two virtual addresses)');
        assert.deepEqual(onLo(s.ns), c.both, 'both on lo');
        if (records === 'none') rmSync(kept(root));
        if (records === 'worded otherwise') {
          const text = read(kept(root));
          const reworded = text.replace(/^(undo loopback .*) addr del /gm, '$1 address del ').replace(/^(undo loopback .*)\/ifdown lo:/gm, '$1/ifdown --force lo:');
          assert.notEqual(reworded, text);
          writeFileSync(kept(root), reworded);
        }
        const up = ok(install(s.ns, s.one, root, ['--yes']), 'install (one left)');
        assert.deepEqual(onLo(s.ns), c.both.filter((a) => a !== c.gone), `lo after the reinstall (records: ${records}):\n${said(up)}`);
        assert.ok(existsSync(kept(root)), 'the records are kept now');
        assert.match(ok(install(s.ns, s.one, root, ['--yes']), 'reinstall').stdout, /nothing to do/);
        ok(install(s.ns, s.one, root, ['--uninstall']), '--uninstall');
        assert.deepEqual(onLo(s.ns), [], '--uninstall');
      }
    });

    if (c.lo === undefined) continue;
    test(`${what}: the reinstall failing at a later step puts the address back with the files, with kept records and without`, async (t) => {
      const s = await setUp(t);
      if (s === undefined) return;
      for (const withRecords of [true, false]) {
        const root = s.fresh();
        ok(install(s.ns, s.two, root, ['--yes']), 'install (two virtual addresses)');
        if (!withRecords) rmSync(kept(root));
        const files = read(join(root, c.lo!));
        const failed = install(s.ns, s.later, root, ['--yes'], LATER);
        assert.notEqual(failed.status, 0, said(failed));
        assert.match(failed.stderr, /command failed: \/usr\/local\/sbin\/later now/);
        assert.equal(read(join(root, c.lo!)), files, 'the files are restored');
        assert.deepEqual(onLo(s.ns), c.both, `lo after the rollback (${withRecords ? 'kept records' : 'no kept records'}):\n${said(failed)}`);
        assert.equal(existsSync(kept(root)), withRecords, 'the kept records are as before');
      }
    });
  }
});
