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
import { example, EXAMPLES, generateFile, installerPrograms, requireRoot, requireTools, run, runBytes, sourceFile, staticBusybox, tempDir } from '../support/index.js';
import {
  fileAt,
  filesUnder,
  hostFiles,
  packageName,
  packageWithCli,
  plant,
  scratchRoot,
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
