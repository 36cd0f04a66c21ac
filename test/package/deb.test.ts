// The .deb writer judged by dpkg itself: dpkg-deb parses and extracts it,
// lintian finds no errors or warnings (beyond the justified list), and dpkg
// installs, upgrades, removes and purges it in a scratch root with the
// maintainer scripts really running (chrooted, busybox as /bin/sh).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { buildDeb, debDocPaths } from '../../src/package/deb.js';
import { debVersion } from '../../src/package/naming.js';
import {
  CONFFILE_PATH,
  LONG_PATH,
  MAINTAINER,
  NAME,
  SCRIPT_LOG,
  SECRET_PATH,
  buildAll,
  debSpec,
  identity,
  sampleEntries,
} from '../support/package-fixture.js';
import { type NodeFacts, requireRoot, requireTools, run, snapshotTree, sourceFile, staticBusybox, tempDir } from '../support/index.js';

const V1 = debVersion(identity(1));
const V2 = debVersion(identity(2));

/** Build version 1 (and 2) into a fresh temp dir. */
async function built(t: TestContext): Promise<{ dir: string; v1: string; v2: string }> {
  const dir = tempDir(t);
  return { dir, v1: (await buildAll(path.join(dir, 'v1'), 1)).deb, v2: (await buildAll(path.join(dir, 'v2'), 2)).deb };
}

/** What dpkg-deb -x must produce apart from the two doc files: entries and every parent directory 0755. */
function expectedTree(variant: 1 | 2): Map<string, NodeFacts> {
  const spec = debSpec(variant);
  const docs = debDocPaths(NAME, spec.version);
  const out = new Map<string, NodeFacts>();
  for (const f of [...sampleEntries(variant).map((e) => e.path), docs.copyright, docs.changelog]) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) out.set(parts.slice(0, i).join('/'), { kind: 'dir', mode: '0755' });
  }
  for (const e of sampleEntries(variant)) {
    out.set(e.path, { kind: 'file', mode: e.mode.toString(8).padStart(4, '0'), sha256: createHash('sha256').update(e.content).digest('hex') });
  }
  return out;
}

describe('deb: dpkg-deb', () => {
  test('--info and --field read the control file we meant to write', async (t) => {
    if (!requireTools(t, 'dpkg-deb')) return;
    const { v1 } = await built(t);
    const info = run('dpkg-deb', ['--info', v1]).stdout;
    for (const script of ['preinst', 'postinst', 'prerm', 'postrm']) {
      assert.match(info, new RegExp(`\\*\\s+${script}\\s+#!/bin/sh`), `${script} listed as executable`);
    }
    const field = (name: string): string => run('dpkg-deb', ['--field', v1, name]).stdout.trim();
    assert.equal(field('Package'), NAME);
    assert.equal(field('Version'), V1);
    assert.equal(field('Architecture'), 'all');
    assert.equal(field('Maintainer'), MAINTAINER);
    assert.match(field('Installed-Size'), /^[1-9][0-9]*$/);
    const withDepends = path.join(path.dirname(v1), 'depends.deb');
    fs.writeFileSync(withDepends, buildDeb({ ...debSpec(1), depends: ['ldirectord', 'ipvsadm (>= 1:1.26)'] }));
    assert.equal(run('dpkg-deb', ['--field', withDepends, 'Depends']).stdout, 'ldirectord, ipvsadm (>= 1:1.26)\n');
    assert.equal(field('Description'), `${debSpec(1).summary}\n This package is built by the lvsgen test suite only.\n .\n It carries a secret, a script, a conffile and a very long path.`);
  });

  test('--contents lists root-owned entries with our modes, long name intact', async (t) => {
    if (!requireTools(t, 'dpkg-deb')) return;
    const { v1 } = await built(t);
    const lines = run('dpkg-deb', ['--contents', v1]).stdout.trim().split('\n');
    const listed = new Map(lines.map((l) => {
      const cols = l.split(/\s+/);
      return [cols.slice(5).join(' '), { perms: cols[0], owner: cols[1] }];
    }));
    for (const { owner } of listed.values()) assert.equal(owner, 'root/root');
    assert.equal(listed.get(`./${SECRET_PATH}`)?.perms, '-rw-------');
    assert.equal(listed.get(`./${LONG_PATH}`)?.perms, '-rw-r--r--');
    assert.equal(listed.get('./usr/share/')?.perms, 'drwxr-xr-x');
    assert.equal(listed.size, expectedTree(1).size + 3, 'every path plus ./ and the two doc files');
  });

  test('-x extracts exactly the expected tree; -e gives conffiles and md5sums that match it', async (t) => {
    if (!requireTools(t, 'dpkg-deb', 'md5sum')) return;
    const { dir, v1 } = await built(t);
    const root = path.join(dir, 'x');
    const ctl = path.join(dir, 'ctl');
    run('dpkg-deb', ['-x', v1, root]);
    run('dpkg-deb', ['-e', v1, ctl]);
    const tree = snapshotTree(root);
    const docs = debDocPaths(NAME, V1);
    for (const doc of [docs.copyright, docs.changelog]) {
      assert.equal(tree.get(doc)?.mode, '0644', doc);
      tree.delete(doc);
    }
    assert.deepEqual(tree, new Map([...expectedTree(1)].filter(([p]) => p !== docs.copyright && p !== docs.changelog)));
    assert.equal(fs.readFileSync(path.join(ctl, 'conffiles'), 'utf8'), `/${CONFFILE_PATH}\n`);
    run('md5sum', ['--check', '--strict', '--quiet', path.join(ctl, 'md5sums')], { cwd: root });
    const sums = fs.readFileSync(path.join(ctl, 'md5sums'), 'utf8').trim().split('\n');
    assert.equal(sums.length, sampleEntries(1).length + 2, 'one line per regular file');
    for (const script of ['preinst', 'postinst', 'prerm', 'postrm']) run('sh', ['-n', path.join(ctl, script)]);
  });
});

describe('deb: lintian', () => {
  test('no errors and no warnings beyond test/package/lintian-overrides.txt', async (t) => {
    if (!requireTools(t, 'lintian')) return;
    const { v1 } = await built(t);
    const r = run('lintian', [
      '--fail-on', 'error,warning',
      '--suppress-tags-from-file', sourceFile('test/package/lintian-overrides.txt'),
      '--tag-display-limit', '0',
      v1,
    ], { allowFailure: true });
    assert.equal(r.status, 0, `lintian reported:\n${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stdout, /^[EW]: /m);
  });
});

/** A scratch dpkg root: empty database, busybox as /bin/sh, /var/log for the script log. */
function dpkgRoot(dir: string, busybox: Buffer): string {
  const root = path.join(dir, 'root');
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers', 'var/log', 'bin']) {
    fs.mkdirSync(path.join(root, d), { recursive: true });
  }
  for (const f of ['var/lib/dpkg/status', 'var/lib/dpkg/available']) fs.writeFileSync(path.join(root, f), '');
  fs.writeFileSync(path.join(root, 'bin/busybox'), busybox, { mode: 0o755 });
  fs.symlinkSync('busybox', path.join(root, 'bin/sh'));
  return root;
}

describe('deb: dpkg --root', () => {
  test('install, conffile kept on upgrade, remove, purge, with the scripts run in order', async (t) => {
    if (!requireTools(t, 'dpkg', 'dpkg-query') || !requireRoot(t)) return;
    const busybox = staticBusybox(t);
    if (busybox === undefined) return;
    const { dir, v1, v2 } = await built(t);
    const root = dpkgRoot(dir, busybox);
    // --log keeps dpkg from writing the host's /var/log/dpkg.log.
    const dpkg = (...args: string[]): string =>
      run('dpkg', [`--root=${root}`, `--log=${path.join(root, 'var/log/dpkg.log')}`, ...args]).stdout;
    const at = (p: string): string => path.join(root, p);
    const status = (): string => run('dpkg-query', [`--admindir=${at('var/lib/dpkg')}`, '-W', '-f=${Status} ${Version}', NAME], { allowFailure: true }).stdout;

    dpkg('-i', v1);
    assert.equal(status(), `install ok installed ${V1}`);
    const installed = snapshotTree(root);
    for (const [p, facts] of expectedTree(1)) {
      if (facts.kind === 'file') assert.deepEqual(installed.get(p), facts, p);
    }
    assert.match(dpkg('-s', NAME), new RegExp(`Conffiles:\\n /${CONFFILE_PATH} [0-9a-f]{32}`));

    // A local edit of the conffile survives the upgrade (--force-confold answers the prompt).
    fs.appendFileSync(at(CONFFILE_PATH), '# local edit\n');
    dpkg('--force-confdef', '--force-confold', '-i', v2);
    assert.equal(status(), `install ok installed ${V2}`);
    assert.match(fs.readFileSync(at(CONFFILE_PATH), 'utf8'), /version 1\n.*\n# local edit\n$/s);
    assert.ok(fs.existsSync(at(`usr/share/${NAME}/only-in-v2.txt`)), 'new file installed');
    assert.ok(!fs.existsSync(at(`usr/share/${NAME}/only-in-v1.txt`)), 'dropped file removed');

    dpkg('-r', NAME);
    assert.equal(status(), `deinstall ok config-files ${V2}`);
    assert.ok(!fs.existsSync(at(SECRET_PATH)), 'files removed');
    assert.ok(fs.existsSync(at(CONFFILE_PATH)), 'conffile kept until purge');

    dpkg('-P', NAME);
    assert.equal(status(), '', 'package forgotten after purge');
    assert.ok(!fs.existsSync(at(CONFFILE_PATH)), 'conffile purged');
    assert.ok(!fs.existsSync(at(`usr/share/${NAME}`)), 'package directories removed');

    // deb-postinst(5) and friends: which script ran, with which arguments, in order.
    assert.deepEqual(fs.readFileSync(at(SCRIPT_LOG), 'utf8').trim().split('\n'), [
      'preinst install',
      'postinst configure ',
      `prerm upgrade ${V2}`,
      `preinst upgrade ${V1} ${V2}`,
      `postrm upgrade ${V2}`,
      `postinst configure ${V1}`,
      'prerm remove',
      'postrm remove',
      'postrm purge',
    ]);
  });
});
