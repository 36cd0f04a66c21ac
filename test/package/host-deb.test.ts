// The .deb of every host of both examples, judged by dpkg itself: dpkg-deb
// reads the control file, scripts and payload we meant to write, lintian
// finds nothing beyond test/package/host-lintian-suppressed.txt, and dpkg
// --root installs, upgrades, removes and purges a host package in a scratch
// root with the maintainer scripts really running (chrooted, busybox as
// /bin/sh, the distro's service commands stubbed): the files land with their
// modes and the originals come back.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { debDocPaths } from '../../src/package/deb.js';
import { parsePlan } from '../../src/render/plan.js';
import { example, EXAMPLES, generateFile, requireRoot, resourceScripts, requireTools, run, sourceFile, staticBusybox, tempDir } from '../support/index.js';
import {
  dpkgRoot,
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

const VERSION = '1.0.0-1';
const dir = tempDir(after);
before(async () => {
  for (const c of EXAMPLES) await packageWithCli(example(c), path.join(dir, 'out'), '--format', 'deb');
});
const debOf = (cluster: string, host: string, version = VERSION, out = 'out'): string =>
  path.resolve(dir, out, `${packageName(cluster, host)}_${version}_all.deb`);

describe('host .deb: dpkg-deb', () => {
  test('--info and --field: control fields, and postinst/prerm/postrm as executable scripts (no preinst, no conffiles)', (t) => {
    if (!requireTools(t, 'dpkg-deb')) return;
    for (const c of EXAMPLES) {
      for (const b of generateFile(example(c)).bundles) {
        const deb = debOf(c, b.host);
        const field = (name: string): string => run('dpkg-deb', ['--field', deb, name]).stdout.trim();
        assert.equal(field('Package'), packageName(c, b.host));
        assert.equal(field('Version'), VERSION);
        assert.equal(field('Architecture'), 'all');
        assert.equal(field('Maintainer'), 'lvsgen <lvsgen@lvsgen.invalid>');
        assert.equal(field('Section'), 'admin');
        assert.match(field('Description'), new RegExp(`^LVS cluster ${c}: configuration of host ${b.host}\n`));
        // What the host's files and actions need (distro.yaml's packages): the plan's `needs`.
        const needs = parsePlan(b.files.find((f) => f.path === '.lvsgen/plan')!.content).needs;
        assert.ok(needs.length > 0, `${b.host}: needs nothing`);
        assert.equal(field('Depends'), needs.join(', '), `${b.host}: Depends`);
        const info = run('dpkg-deb', ['--info', deb]).stdout;
        for (const s of ['postinst', 'prerm', 'postrm']) assert.match(info, new RegExp(`\\*\\s+${s}\\s+#!/bin/sh`), `${b.host}: ${s}`);
        assert.doesNotMatch(info, /preinst|conffiles/, 'nothing to do before unpacking; no file under /etc');
      }
    }
  });

  test('--contents: the bundle under /usr/share/<package>/ with its modes, root/root, and nothing else but the doc files', (t) => {
    if (!requireTools(t, 'dpkg-deb')) return;
    for (const c of EXAMPLES) {
      for (const b of generateFile(example(c)).bundles) {
        const name = packageName(c, b.host);
        const listed = new Map(
          run('dpkg-deb', ['--contents', debOf(c, b.host)]).stdout.trim().split('\n').map((l) => {
            const cols = l.split(/\s+/);
            return [cols.slice(5).join(' ').replace(/^\.\//, ''), { perms: cols[0]!, owner: cols[1]! }];
          }),
        );
        for (const { owner } of listed.values()) assert.equal(owner, 'root/root');
        const files = [...listed].filter(([, v]) => v.perms.startsWith('-'));
        const docs = debDocPaths(name, VERSION);
        const expected = new Map([
          ...b.files.map((f) => [`usr/share/${name}/${f.path}`, f.mode] as const),
          [docs.copyright, 0o644],
          [docs.changelog, 0o644],
        ]);
        assert.deepEqual(files.map(([p]) => p).sort(), [...expected.keys()].sort(), `${name}: files`);
        for (const [p, { perms }] of files) {
          const mode = expected.get(p)!;
          const want = `-${[6, 3, 0].map((s) => { const m = (mode >> s) & 7; return `${m & 4 ? 'r' : '-'}${m & 2 ? 'w' : '-'}${m & 1 ? 'x' : '-'}`; }).join('')}`;
          assert.equal(perms, want, p);
        }
        for (const [p] of listed) assert.ok(p === '' || p.startsWith('usr/'), `${p}: only under /usr (never a file another package owns)`);
      }
    }
  });

  test('-e: the maintainer scripts pass sh -n and shellcheck -s sh', (t) => {
    if (!requireTools(t, 'dpkg-deb', 'shellcheck')) return;
    for (const c of EXAMPLES) {
      for (const b of generateFile(example(c)).bundles) {
        const ctl = path.join(dir, 'ctl', c, b.host);
        fs.mkdirSync(path.dirname(ctl), { recursive: true });
        run('dpkg-deb', ['-e', debOf(c, b.host), ctl]);
        const scripts = ['postinst', 'prerm', 'postrm'].map((s) => path.join(ctl, s));
        for (const s of scripts) run('sh', ['-n', s]);
        run('shellcheck', ['-s', 'sh', ...scripts]);
      }
    }
  });
});

describe('host .deb: lintian', () => {
  test('no errors and no warnings beyond test/package/host-lintian-suppressed.txt, for every host of both examples', (t) => {
    if (!requireTools(t, 'lintian')) return;
    const debs = EXAMPLES.flatMap((c) => generateFile(example(c)).bundles.map((b) => debOf(c, b.host)));
    const r = run('lintian', [
      '--fail-on', 'error,warning',
      '--suppress-tags-from-file', sourceFile('test/package/host-lintian-suppressed.txt'),
      '--tag-display-limit', '0',
      ...debs,
    ], { allowFailure: true });
    assert.equal(r.status, 0, `lintian reported:\n${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stdout, /^[EW]: /m);
  });
});

describe('host .deb: dpkg --root', () => {
  test('lb-nat director (debian): install, upgrade dropping a file, remove, purge; originals back, backups kept across the upgrade', async (t) => {
    if (!requireTools(t, 'dpkg', 'dpkg-query') || !requireRoot(t)) return;
    const busybox = staticBusybox(t);
    if (busybox === undefined) return;
    const work = path.join(dir, 'dpkg-director');
    fs.mkdirSync(work);
    const v2yaml = writeLbNatV2(work);
    await packageWithCli(example('lb-nat'), path.join(work, 'v1'), '--format', 'deb', '--distro', 'debian');
    await packageWithCli(v2yaml, path.join(work, 'v2'), '--format', 'deb', '--distro', 'debian', '--version', '1.1.0');
    const g1 = generateFile(example('lb-nat'), 'debian');
    const g2 = generateFile(v2yaml, 'debian');
    const v1files = hostFiles(g1, 'director');
    const v2files = hostFiles(g2, 'director');
    assert.ok(v1files.has('etc/modules') && !v2files.has('etc/modules'), 'version 2 drops /etc/modules');
    const planOf = (g: typeof g1): string => g.bundles.find((b) => b.host === 'director')!.files.find((f) => f.path === '.lvsgen/plan')!.content;
    const root = dpkgRoot(work, busybox, [planOf(g1), planOf(g2)]);
    const name = packageName('lb-nat', 'director');
    const dpkg = (...args: string[]): string => run('dpkg', [`--root=${root}`, `--log=${path.join(root, 'var/log/dpkg.log')}`, ...args]).stdout;
    const status = (): string =>
      run('dpkg-query', [`--admindir=${path.join(root, 'var/lib/dpkg')}`, '-W', '-f=${Status} ${Version}', name], { allowFailure: true }).stdout;
    // The host as it was: a sysctl.conf and an /etc/modules of its own, no interfaces, no ldirectord.cf.
    const originals = { 'etc/sysctl.conf': '# the host\'s own sysctl.conf\n', 'etc/modules': '# the host\'s own modules\nloop\n' };
    for (const [p, content] of Object.entries(originals)) plant(root, p, content);
    const backup = 'var/lib/lvsgen/backup';

    const out1 = dpkg('-i', debOf('lb-nat', 'director', VERSION, path.join(work, 'v1')));
    assert.equal(status(), `install ok installed ${VERSION}`);
    for (const [p, f] of hostFiles(g1, 'director', originals)) assert.deepEqual(fileAt(root, p), f, `${p} installed with its mode`);
    assert.deepEqual(fileAt(root, `${backup}/etc/sysctl.conf`), { content: originals['etc/sysctl.conf'], mode: 0o644 });
    const log1 = takeStubLog(root);
    assert.ok(log1.includes('/sbin/sysctl -p') && log1.includes('/sbin/modprobe ip_vs_ftp'), log1.join('\n'));
    assert.ok(log1.some((l) => l.startsWith('/usr/sbin/update-rc.d ldirectord')), 'Debian\'s own tools');
    assert.ok(!log1.some((l) => /network/.test(l)), 'networking is never restarted from dpkg');
    assert.match(out1, /\/etc\/init\.d\/networking restart/, 'the command to run is printed instead');

    // Upgrade: ldirectord.cf changes, /etc/modules is no longer managed: its original comes back.
    dpkg('-i', debOf('lb-nat', 'director', '1.1.0-1', path.join(work, 'v2')));
    assert.equal(status(), 'install ok installed 1.1.0-1');
    for (const [p, f] of hostFiles(g2, 'director', originals)) assert.deepEqual(fileAt(root, p), f, `${p} after the upgrade`);
    assert.deepEqual(fileAt(root, 'etc/modules'), { content: originals['etc/modules'], mode: 0o644 }, 'dropped file: original restored');
    assert.deepEqual(fileAt(root, `${backup}/etc/sysctl.conf`)?.content, originals['etc/sysctl.conf'], 'the original backup is kept, not replaced by version 1');
    assert.deepEqual(takeStubLog(root).filter((l) => l.includes('ldirectord')).slice(-1), ['/etc/init.d/ldirectord start']);

    dpkg('-r', name);
    assert.equal(status(), `deinstall ok config-files 1.1.0-1`, 'postrm remains for purge');
    // prerm's install.sh --uninstall undoes the live state: each undo of the plan (the alias address, the
    // masquerading rule), newest action first, then each reapply (sysctl -p of the restored sysctl.conf).
    const plan2 = parsePlan(planOf(g2));
    const undone = [...[...plan2.actions].reverse().flatMap((a) => a.undo), ...plan2.actions.flatMap((a) => a.reapply)].map((c) => c.words.join(' '));
    assert.ok(undone.includes('/sbin/ip addr del 10.1.3.61/24 dev eth0') && undone.includes('/sbin/sysctl -p'), undone.join('\n'));
    const removal = takeStubLog(root);
    assert.deepEqual(removal.filter((l) => undone.includes(l)), undone, `dpkg -r: the uninstall's undo and reapply commands, in order:\n${removal.join('\n')}`);
    assert.deepEqual(fileAt(root, 'etc/sysctl.conf'), { content: originals['etc/sysctl.conf'], mode: 0o644 });
    assert.deepEqual(fileAt(root, 'etc/modules'), { content: originals['etc/modules'], mode: 0o644 });
    for (const p of ['etc/network/interfaces', 'etc/ha.d/ldirectord.cf']) assert.equal(fileAt(root, p), undefined, `${p} did not exist before`);
    assert.deepEqual(filesUnder(root, `usr/share/${name}`), [], 'the bundle is gone');
    assert.deepEqual(filesUnder(root, 'var/lib/lvsgen'), [], 'no backup left behind');

    dpkg('-P', name);
    assert.equal(status(), '', 'purged');
    assert.ok(!fs.existsSync(path.join(root, 'var/lib/lvsgen')), 'the installer\'s state folder is gone');
    assert.deepEqual(fileAt(root, 'etc/sysctl.conf')?.content, originals['etc/sysctl.conf']);
  });

  test('lb-nat director (debian) on a host without what it needs: dpkg refuses to configure it, before any of its scripts changes a file', async (t) => {
    if (!requireTools(t, 'dpkg', 'dpkg-query') || !requireRoot(t)) return;
    const busybox = staticBusybox(t);
    if (busybox === undefined) return;
    const work = path.join(dir, 'dpkg-needs');
    fs.mkdirSync(work);
    await packageWithCli(example('lb-nat'), path.join(work, 'out'), '--format', 'deb', '--distro', 'debian');
    const g = generateFile(example('lb-nat'), 'debian');
    const plan = g.bundles.find((b) => b.host === 'director')!.files.find((f) => f.path === '.lvsgen/plan')!.content;
    const needs = parsePlan(plan).needs;
    assert.deepEqual(needs, ['ifupdown', 'iptables', 'ipvsadm', 'ldirectord', 'module-init-tools', 'procps'], 'a single NAT director of 2005 Debian');
    const root = dpkgRoot(work, busybox, [plan], false);
    const original = '# the host\'s own sysctl.conf\n';
    plant(root, 'etc/sysctl.conf', original);
    const r = run('dpkg', [`--root=${root}`, `--log=${path.join(root, 'var/log/dpkg.log')}`, '-i', debOf('lb-nat', 'director', VERSION, path.join(work, 'out'))], { allowFailure: true });
    assert.notEqual(r.status, 0, 'dpkg -i succeeded without the packages the host needs');
    for (const n of needs) assert.match(r.stderr, new RegExp(`depends on ${n}[;,]`), `dpkg does not name ${n}:\n${r.stderr}`);
    assert.deepEqual(fileAt(root, 'etc/sysctl.conf'), { content: original, mode: 0o644 }, 'postinst ran');
    assert.equal(fileAt(root, 'etc/ha.d/ldirectord.cf'), undefined, 'postinst ran');
    assert.deepEqual(takeStubLog(root), [], 'a command ran');
  });

  test('ha-cidr node1 (debian): the secret authkeys lands 0600; purge restores the original interfaces', async (t) => {
    if (!requireTools(t, 'dpkg', 'dpkg-query') || !requireRoot(t)) return;
    const busybox = staticBusybox(t);
    if (busybox === undefined) return;
    const work = path.join(dir, 'dpkg-node1');
    fs.mkdirSync(work);
    await packageWithCli(example('ha-cidr'), path.join(work, 'out'), '--format', 'deb', '--distro', 'debian');
    const g = generateFile(example('ha-cidr'), 'debian');
    const plan = g.bundles.find((b) => b.host === 'node1')!.files.find((f) => f.path === '.lvsgen/plan')!.content;
    const root = dpkgRoot(work, busybox, [plan]);
    // What heartbeat's package gives node1 (the resource scripts its haresources names), and
    // its name as heartbeat reads it (/etc/ha.d/nodeinfo, before uname -n: this machine's):
    // the postinst's pre-flight (install.sh check_heartbeat) takes the heartbeat files then.
    const bundle = g.bundles.find((b) => b.host === 'node1')!;
    stubCommands(root, resourceScripts(bundle.files.find((f) => f.path === 'etc/ha.d/haresources')?.content, bundle.files.map((f) => `/${f.path}`)));
    plant(root, 'etc/ha.d/nodeinfo', 'node1\n');
    const name = packageName('ha-cidr', 'node1');
    const dpkg = (...args: string[]): string => run('dpkg', [`--root=${root}`, `--log=${path.join(root, 'var/log/dpkg.log')}`, ...args]).stdout;
    const original = 'auto lo\niface lo inet loopback\n';
    plant(root, 'etc/network/interfaces', original);

    dpkg('-i', debOf('ha-cidr', 'node1', VERSION, path.join(work, 'out')));
    const files = hostFiles(g, 'node1');
    for (const [p, f] of files) assert.deepEqual(fileAt(root, p), f, p);
    assert.equal(fileAt(root, 'etc/ha.d/authkeys')?.mode, 0o600);
    assert.equal(fileAt(root, `usr/share/${name}/etc/ha.d/authkeys`)?.mode, 0o600, 'also in the package payload');
    assert.ok(takeStubLog(root).some((l) => l.startsWith('/usr/sbin/update-rc.d heartbeat')));

    dpkg('-P', name);
    assert.deepEqual(fileAt(root, 'etc/network/interfaces'), { content: original, mode: 0o644 });
    for (const p of files.keys()) if (p !== 'etc/network/interfaces') assert.equal(fileAt(root, p), undefined, p);
    assert.ok(!fs.existsSync(path.join(root, 'var/lib/lvsgen')));
  });
});
