// The .rpm of every host of both examples, judged by rpm itself: every digest
// verifies, the queries and rpm2cpio read back the scriptlets and files we
// meant to write, rpmlint finds nothing beyond test/package/host.rpmlintrc,
// and rpm --root installs, verifies, upgrades and erases a host package in a
// scratch root with the scriptlets really running (chrooted, busybox as
// /bin/sh, the distro's service commands stubbed).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hostPackage } from '../../src/package/host-package.js';
import { parsePlan } from '../../src/render/plan.js';
import { example, EXAMPLES, generateFile, installerPrograms, netns, ok, requireRoot, requireTools, run, runBytes, sourceFile, staticBusybox, tempDir } from '../support/index.js';
import {
  fileAt,
  filesUnder,
  hostFiles,
  hostState,
  packageName,
  packageWithCli,
  plant,
  realIptables,
  scratchRoot,
  setStandIn,
  STAND_IN_STATE,
  standIns,
  stubCommands,
  takeStubLog,
  writeLbNatV2,
} from '../support/host-package.js';

const dir = tempDir(after);
before(async () => {
  for (const c of EXAMPLES) await packageWithCli(example(c), path.join(dir, 'out'), '--format', 'rpm');
});
const rpmOf = (cluster: string, host: string, version = '1.0.0-1', out = 'out'): string =>
  path.resolve(dir, out, `${packageName(cluster, host)}-${version}.noarch.rpm`);
const everyHost = (): { cluster: string; host: string }[] =>
  EXAMPLES.flatMap((c) => generateFile(example(c)).bundles.map((b) => ({ cluster: c, host: b.host })));

describe('host .rpm: queries', () => {
  test('rpm -Kv: header SHA256 and SHA1, payload SHA256 and MD5 OK for every host', (t) => {
    if (!requireTools(t, 'rpm')) return;
    for (const { cluster, host } of everyHost()) {
      const out = run('rpm', ['-Kv', rpmOf(cluster, host)]).stdout;
      for (const line of ['Header SHA256 digest: OK', 'Header SHA1 digest: OK', 'Payload SHA256 digest: OK', 'MD5 digest: OK']) {
        assert.ok(out.includes(line), `${host}: missing '${line}' in\n${out}`);
      }
      assert.doesNotMatch(out, /BAD|NOT OK/);
    }
  });

  test('rpm -qpR: Requires what the host\'s files and actions need (the plan\'s needs); rpm -i refuses a host without them, before any scriptlet', (t) => {
    if (!requireTools(t, 'rpm')) return;
    for (const c of EXAMPLES) {
      for (const b of generateFile(example(c)).bundles) {
        const needs = parsePlan(b.files.find((f) => f.path === '.lvsgen/plan')!.content).needs;
        assert.ok(needs.length > 0, `${b.host}: needs nothing`);
        const requires = run('rpm', ['-qpR', rpmOf(c, b.host)]).stdout.split('\n').filter((l) => l !== '' && !l.startsWith('rpmlib(') && l !== '/bin/sh');
        assert.deepEqual(requires.sort(), [...needs].sort(), `${b.host}: Requires`);
      }
    }
    if (!requireRoot(t)) return;
    const root = path.join(dir, 'rpm-needs');
    fs.mkdirSync(root);
    const r = run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '--initdb'], { allowFailure: true });
    assert.equal(r.status, 0, r.stderr);
    const i = run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-i', rpmOf('lb-nat', 'director')], { allowFailure: true });
    assert.notEqual(i.status, 0, 'rpm -i succeeded without the packages the host needs');
    assert.match(i.stderr, /Failed dependencies/);
    for (const n of ['heartbeat-ldirectord', 'ipvsadm', 'iptables']) assert.match(i.stderr, new RegExp(`\\b${n} is needed by`), i.stderr);
    assert.deepEqual(filesUnder(root, 'etc'), [], 'a scriptlet ran');
  });

  test('rpm -qp --scripts: %post, %preun and %postun exactly as rendered, nothing else', (t) => {
    if (!requireTools(t, 'rpm')) return;
    for (const c of EXAMPLES) {
      const g = generateFile(example(c));
      for (const b of g.bundles) {
        const want = hostPackage(b, { cluster: c, version: '1.0.0', release: '1', mtime: 0, maintainer: 'x <x@x.x>' }).rpm.scripts!;
        const got = run('rpm', ['-qp', '--scripts', rpmOf(c, b.host)]).stdout;
        // rpm prints a newline after each body.
        const expected =
          `postinstall scriptlet (using /bin/sh):\n${want.post}\n` +
          `preuninstall scriptlet (using /bin/sh):\n${want.preun}\n` +
          `postuninstall scriptlet (using /bin/sh):\n${want.postun}\n`;
        assert.equal(got, expected, b.host);
        assert.match(want.post!, new RegExp(`^/usr/share/${packageName(c, b.host)}/\\.lvsgen/install\\.sh --no-restart$`, 'm'));
        assert.match(want.preun!, /^if \[ "\$1" -eq 0 \]; then\n\t\/usr\/share\/[^\n]+\/install\.sh --uninstall$/m);
      }
    }
  });

  test('rpm -qp --dump and rpm2cpio | cpio: the bundle under /usr/share/<package>/ with sizes, SHA-256 and modes; only the package\'s own directories', (t) => {
    if (!requireTools(t, 'rpm', 'rpm2cpio', 'cpio')) return;
    for (const c of EXAMPLES) {
      for (const b of generateFile(example(c)).bundles) {
        const name = packageName(c, b.host);
        const share = `/usr/share/${name}`;
        const dirs = new Set<string>([share]);
        for (const f of b.files) {
          const parts = f.path.split('/');
          for (let i = 1; i < parts.length; i++) dirs.add(`${share}/${parts.slice(0, i).join('/')}`);
        }
        const mtime = run('rpm', ['-qp', '--qf', '%{BUILDTIME}', rpmOf(c, b.host)]).stdout;
        const expected = [
          ...[...dirs].map((d) => `${d} 0 ${mtime} ${'0'.repeat(64)} 040755 root root 0 0 0 X`),
          ...b.files.map((f) => {
            const bytes = Buffer.from(f.content, 'utf8');
            return `${share}/${f.path} ${bytes.length} ${mtime} ${createHash('sha256').update(bytes).digest('hex')} 0100${f.mode.toString(8)} root root 0 0 0 X`;
          }),
        ].sort();
        assert.deepEqual(run('rpm', ['-qp', '--dump', rpmOf(c, b.host)]).stdout.trim().split('\n'), expected, name);
        const listing = run('cpio', ['-t', '--quiet'], { input: runBytes('rpm2cpio', [rpmOf(c, b.host)]) }).stdout.trim().split('\n');
        assert.deepEqual(listing, expected.map((l) => `.${l.split(' ')[0]}`), `${name}: payload in header order`);
      }
    }
  });
});

describe('host .rpm: rpmlint', () => {
  test('no errors and no warnings beyond test/package/host.rpmlintrc, for every host of both examples', (t) => {
    if (!requireTools(t, 'rpmlint')) return;
    const rpms = everyHost().map(({ cluster, host }) => rpmOf(cluster, host));
    const r = run('rpmlint', ['-r', sourceFile('test/package/host.rpmlintrc'), ...rpms], { allowFailure: true });
    assert.equal(r.status, 0, `rpmlint reported:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, / 0 errors, 0 warnings/, r.stdout);
  });
});

describe('host .rpm: rpm --root', () => {
  test('lb-nat director (redhat): install, verify, upgrade dropping a file, erase; originals back, backups kept across the upgrade', async (t) => {
    if (!requireTools(t, 'rpm') || !requireRoot(t)) return;
    const busybox = staticBusybox(t);
    if (busybox === undefined) return;
    const work = path.join(dir, 'rpm-director');
    fs.mkdirSync(work);
    const v2yaml = writeLbNatV2(work);
    await packageWithCli(example('lb-nat'), path.join(work, 'v1'), '--format', 'rpm', '--distro', 'redhat');
    await packageWithCli(v2yaml, path.join(work, 'v2'), '--format', 'rpm', '--distro', 'redhat', '--version', '1.1.0');
    const g1 = generateFile(example('lb-nat'), 'redhat');
    const g2 = generateFile(v2yaml, 'redhat');
    const v1files = hostFiles(g1, 'director');
    const v2files = hostFiles(g2, 'director');
    assert.ok(v1files.has('etc/rc.d/rc.local') && !v2files.has('etc/rc.d/rc.local'), 'version 2 drops rc.local');
    const planOf = (g: typeof g1): string => g.bundles.find((b) => b.host === 'director')!.files.find((f) => f.path === '.lvsgen/plan')!.content;
    const root = scratchRoot(work, busybox);
    stubCommands(root, [...new Set([planOf(g1), planOf(g2)].flatMap(installerPrograms))]);
    const name = packageName('lb-nat', 'director');
    // The database goes inside the root whatever this host's macros say. --nodeps:
    // /bin/sh is busybox, which no package in the scratch database provides.
    const rpm = (...args: string[]): ReturnType<typeof run> => run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args], { allowFailure: true });
    const ok = (...args: string[]): string => {
      const r = rpm(...args);
      assert.equal(r.status, 0, `rpm ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr, /scriptlet failed|warning/, r.stderr);
      return r.stdout;
    };
    const originals = { 'etc/sysctl.conf': '# the host\'s own sysctl.conf\n', 'etc/rc.d/rc.local': '#!/bin/sh\ntouch /var/lock/subsys/local\n' };
    plant(root, 'etc/sysctl.conf', originals['etc/sysctl.conf']);
    plant(root, 'etc/rc.d/rc.local', originals['etc/rc.d/rc.local'], 0o755);
    const backup = 'var/lib/lvsgen/backup';

    ok('--initdb');
    const out1 = ok('-i', '--nodeps', rpmOf('lb-nat', 'director', '1.0.0-1', path.join(work, 'v1')));
    assert.equal(ok('-q', name), `${name}-1.0.0-1.noarch\n`);
    assert.equal(ok('-V', '--nodeps', name), '', 'the payload under /usr/share verifies clean: the scriptlets never touch it');
    for (const [p, f] of hostFiles(g1, 'director', originals)) assert.deepEqual(fileAt(root, p), f, `${p} installed with its mode`);
    assert.deepEqual(fileAt(root, `${backup}/etc/rc.d/rc.local`), { content: originals['etc/rc.d/rc.local'], mode: 0o755 });
    const log1 = takeStubLog(root);
    assert.ok(log1.includes('/sbin/sysctl -p') && log1.includes('/sbin/modprobe ip_vs_ftp'), log1.join('\n'));
    assert.ok(log1.some((l) => l.startsWith('/sbin/chkconfig')), 'Red Hat\'s own tools');
    assert.ok(!log1.some((l) => l.startsWith('/etc/init.d/network ')), 'networking is never restarted from rpm');
    assert.match(out1, /\/etc\/init\.d\/network restart/, 'the command to run is printed instead');

    // Upgrade: new %post installs version 2 and restores rc.local; old %preun ($1 = 1) keeps everything.
    ok('-U', '--nodeps', rpmOf('lb-nat', 'director', '1.1.0-1', path.join(work, 'v2')));
    assert.equal(ok('-q', name), `${name}-1.1.0-1.noarch\n`);
    assert.equal(ok('-V', '--nodeps', name), '');
    for (const [p, f] of hostFiles(g2, 'director', originals)) assert.deepEqual(fileAt(root, p), f, `${p} after the upgrade`);
    assert.deepEqual(fileAt(root, 'etc/rc.d/rc.local'), { content: originals['etc/rc.d/rc.local'], mode: 0o755 }, 'dropped file: original restored');
    assert.equal(fileAt(root, `${backup}/etc/sysctl.conf`)?.content, originals['etc/sysctl.conf'], 'the original backup is kept');
    assert.ok(fileAt(root, `${backup}/etc/sysconfig/iptables.lvsgen-absent`), 'and the record that iptables did not exist');

    ok('-e', '--nodeps', name);
    assert.equal(rpm('-q', name).status, 1, 'erased');
    assert.deepEqual(fileAt(root, 'etc/sysctl.conf'), { content: originals['etc/sysctl.conf'], mode: 0o644 });
    assert.deepEqual(fileAt(root, 'etc/rc.d/rc.local'), { content: originals['etc/rc.d/rc.local'], mode: 0o755 });
    for (const p of v2files.keys()) if (!(p in originals)) assert.equal(fileAt(root, p), undefined, `${p} did not exist before`);
    assert.deepEqual(filesUnder(root, `usr/share/${name}`), []);
    assert.ok(!fs.existsSync(path.join(root, 'var/lib/lvsgen')), 'the installer\'s state folder is gone');
  });
});

describe('host .rpm: rpm -e undoes the live state', () => {
  test('lb-nat director (redhat), in a network namespace: rpm -e takes lvsgen\'s chain out of the live nat table, sets services and kernel keys back, and gives back every administrator byte', async (t) => {
    if (!requireTools(t, 'rpm', 'ip', 'iptables', 'iptables-save', 'iptables-restore', 'ldd') || !requireRoot(t)) return;
    const busybox = staticBusybox(t);
    if (busybox === undefined) return;
    const work = path.join(dir, 'rpm-erase');
    fs.mkdirSync(work);
    const g = generateFile(example('lb-nat'), 'redhat');
    const planText = g.bundles.find((b) => b.host === 'director')!.files.find((f) => f.path === '.lvsgen/plan')!.content;
    const plan = parsePlan(planText);
    const root = scratchRoot(work, busybox);
    // Stand-ins that keep state for the services and kernel keys (sysctl -p of the administrator's
    // vm.swappiness would set the test machine's: not per namespace); the real iptables.
    standIns(root, installerPrograms(planText));
    realIptables(root, installerPrograms(planText).filter((p) => /\/iptables(-restore)?$/.test(p)));
    const iptablesAdmin = '*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n';
    const originals: Record<string, string> = {
      'etc/sysconfig/iptables': iptablesAdmin,
      'etc/sysctl.conf': '# the administrator\'s\nvm.swappiness = 10\n',
      'etc/sysconfig/network-scripts/ifcfg-eth0': 'DEVICE=eth0\nBOOTPROTO=static\nIPADDR=10.1.3.1\nNETMASK=255.255.255.0\nMTU=9000\nONBOOT=yes\n',
      'etc/sysconfig/network-scripts/ifcfg-eth2': 'DEVICE=eth2\nBOOTPROTO=dhcp\nONBOOT=yes\n',
    };
    const modes: Record<string, number> = { 'etc/sysconfig/iptables': 0o600 };
    for (const [p, content] of Object.entries(originals)) plant(root, p, content, modes[p]);
    // The administrator's services (heartbeat on and running, the iptables service on) and kernel keys.
    for (const [s, v] of [['heartbeat.enabled', 'yes'], ['heartbeat.active', 'yes'], ['iptables.enabled', 'yes'], ['ldirectord.enabled', 'no'], ['ldirectord.active', 'no']]) setStandIn(root, s!, v!);
    for (const k of plan.sysctls) setStandIn(root, `sysctl/${k.key}`, k.key === 'kernel.sysrq' ? '16' : '0');
    setStandIn(root, 'sysctl/vm.swappiness', '10');

    const ns = netns(t, 'lvre');
    // iptables-save without counters and comments, and without a table left empty (its built-in chains
    // accepting, no rule): iptables cannot delete a table, and iptables-legacy lists every table always.
    const ruleset = (): string =>
      ok(ns.exec('iptables-save', []), 'iptables-save')
        .stdout.split('\n')
        .filter((l) => !l.startsWith('#'))
        .map((l) => l.replace(/ \[\d+:\d+\]$/, ''))
        .join('\n')
        .replace(/^\*[a-z]+\n(?::[A-Z]+ ACCEPT\n)+COMMIT\n/gm, '');
    ok(ns.exec('iptables-restore', [], iptablesAdmin), 'the administrator\'s rules');
    const before = { rules: ruleset(), host: hostState(root) };
    assert.match(before.rules, /-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT/);
    const name = packageName('lb-nat', 'director');
    const rpm = (...args: string[]): string => {
      const r = run('ip', ['netns', 'exec', ns.name, 'rpm', '--root', root, '--dbpath', '/var/lib/rpm', ...args], { allowFailure: true });
      assert.equal(r.status, 0, `rpm ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr, /scriptlet failed/, r.stderr);
      return r.stdout + r.stderr;
    };
    rpm('--initdb');
    rpm('-i', '--nodeps', rpmOf('lb-nat', 'director'));
    for (const [p, f] of hostFiles(g, 'director', originals)) assert.deepEqual(fileAt(root, p), f, `${p} installed`);
    assert.match(ruleset(), /-A POSTROUTING -j LVSGEN-POSTROUTING[^]*-A LVSGEN-POSTROUTING -s 192\.168\.6\.0\/24 -j MASQUERADE/, 'lvsgen\'s chain is live');
    assert.match(ruleset(), /-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT/, 'the administrator\'s SSH rule stays');
    const installed = hostState(root).live;
    assert.equal(installed[`${STAND_IN_STATE}/sysctl/net.ipv4.ip_forward`], '1\n');
    assert.equal(installed[`${STAND_IN_STATE}/ldirectord.active`], 'yes\n');
    assert.equal(installed[`${STAND_IN_STATE}/heartbeat.active`], 'no\n');
    takeStubLog(root);

    const erase = rpm('-e', '--nodeps', name);
    assert.doesNotMatch(erase, /warning: command failed/, 'every undo command succeeds');
    // %preun's install.sh --uninstall: the services first, then each action's undo (newest action
    // first), the kernel keys, the files, then each reapply (sysctl -p of the administrator's file).
    const log = takeStubLog(root);
    const undo = [...plan.actions].reverse().flatMap((a) => a.undo).map((c) => c.words.join(' '));
    const reapply = plan.actions.flatMap((a) => a.reapply).map((c) => c.words.join(' '));
    assert.ok(undo.includes('/sbin/iptables -t nat -X LVSGEN-POSTROUTING') && reapply.includes('/sbin/sysctl -p'), undo.join('\n'));
    const want = ['/sbin/chkconfig ldirectord off', '/etc/init.d/ldirectord stop', '/sbin/chkconfig --level 2345 heartbeat on', '/etc/init.d/heartbeat start', ...undo, ...reapply];
    assert.deepEqual(log.filter((l) => want.includes(l)), want, `rpm -e: the uninstall's commands, in order:\n${log.join('\n')}\n${erase}`);
    assert.equal(ruleset(), before.rules, 'the live tables are the administrator\'s again');
    const after = hostState(root);
    assert.deepEqual(after.files, before.host.files, 'every file under etc/ as the administrator had it; no installer state left');
    assert.deepEqual(after.live, before.host.live, 'services and kernel keys as the administrator had them');
    assert.deepEqual(filesUnder(root, `usr/share/${name}`), []);
    assert.ok(!fs.existsSync(path.join(root, 'var/lib/lvsgen')), 'the installer\'s state folder is gone');
  });
});
