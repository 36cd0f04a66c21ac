// The maintainer scripts of a host package on their own, under busybox sh in
// a scratch root, for every argument dpkg and rpm pass (deb-postinst(5) and
// friends; rpm's $1 = 0, 1, 2): which installer call each makes, the exit
// status. The installer is a stub that logs its arguments: putting back the
// originals (also of files an earlier version managed) is the installer's own
// job, proven by test/consumers/installer-upgrade.test.ts.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { hostPackage } from '../../src/package/host-package.js';
import type { HostPackage } from '../../src/package/host-package.js';
import { example, generateFile, requireRoot, requireTools, run, staticBusybox, tempDir, which } from '../support/index.js';
import { STUB_LOG, plant, scratchRoot, takeStubLog } from '../support/host-package.js';

const dir = tempDir(after);
const director = generateFile(example('lb-nat')).bundles.find((b) => b.host === 'director')!;
const pkg: HostPackage = hostPackage(director, { cluster: 'lb-nat', version: '1.0.0', release: '1', mtime: 1700000000, maintainer: 'x <x@example.org>' });
const share = `usr/share/${pkg.identity.name}`;
const state = 'var/lib/lvsgen';
const backup = `${state}/backup`;

interface Outcome {
  status: number;
  /** What the stub installer was called with. */
  calls: string[];
  /** State folder gone. */
  stateGone: boolean;
}

let counter = 0;
/** A fresh root: the stub installer and a managed original (sysctl.conf). */
function freshRoot(busybox: Buffer, installerStatus = 0): string {
  const root = scratchRoot(path.join(dir, String(++counter)), busybox);
  plant(root, `${share}/.lvsgen/install.sh`, `#!/bin/sh\necho "install.sh $*" >> /${STUB_LOG}\nexit ${installerStatus}\n`, 0o755);
  plant(root, 'etc/sysctl.conf', 'generated\n');
  plant(root, `${backup}/etc/sysctl.conf`, 'original sysctl\n');
  return root;
}

/** Run one script chrooted under /bin/sh with these arguments, as dpkg and rpm do (PATH: the busybox applets). */
function runScript(busybox: Buffer, script: string, args: readonly string[], installerStatus = 0): Outcome {
  const root = freshRoot(busybox, installerStatus);
  plant(root, 'tmp/script', script, 0o755);
  const r = run(which('chroot')!, [root, '/bin/sh', '/tmp/script', ...args], { allowFailure: true, env: { PATH: '/bin' } });
  return { status: r.status, calls: takeStubLog(root), stateGone: !fs.existsSync(path.join(root, state)) };
}

function ready(t: TestContext): Buffer | undefined {
  if (!requireTools(t, 'chroot') || !requireRoot(t)) return undefined;
  return staticBusybox(t);
}

const INSTALL = ['install.sh --no-restart'];
const UNINSTALL = ['install.sh --uninstall'];

describe('deb maintainer scripts under sh', () => {
  test('postinst: configure (first install or upgrade) and every abort-* run the installer without restarting networking', (t) => {
    const busybox = ready(t);
    if (busybox === undefined) return;
    for (const args of [['configure', ''], ['configure', '0.9.0-1'], ['abort-upgrade', '1.1.0-1'], ['abort-remove'], ['abort-deconfigure', 'in-favour', 'x', '1']]) {
      assert.deepEqual(runScript(busybox, pkg.deb.scripts!.postinst!, args), { status: 0, calls: INSTALL, stateGone: false }, args.join(' '));
    }
    assert.deepEqual(runScript(busybox, pkg.deb.scripts!.postinst!, ['triggered', 'x']), { status: 1, calls: [], stateGone: false });
    assert.equal(runScript(busybox, pkg.deb.scripts!.postinst!, ['configure', ''], 1).status, 1, 'a failed install fails configure (dpkg: half-configured)');
  });

  test('prerm: remove restores every original; upgrade, failed-upgrade and deconfigure keep everything', (t) => {
    const busybox = ready(t);
    if (busybox === undefined) return;
    assert.deepEqual(runScript(busybox, pkg.deb.scripts!.prerm!, ['remove']), { status: 0, calls: UNINSTALL, stateGone: false });
    for (const args of [['upgrade', '1.1.0-1'], ['failed-upgrade', '1.0.0-1'], ['deconfigure', 'in-favour', 'x', '1', 'removing', 'y', '2']]) {
      assert.deepEqual(runScript(busybox, pkg.deb.scripts!.prerm!, args), { status: 0, calls: [], stateGone: false }, args.join(' '));
    }
    assert.equal(runScript(busybox, pkg.deb.scripts!.prerm!, ['bogus']).status, 1);
    assert.equal(runScript(busybox, pkg.deb.scripts!.prerm!, ['remove'], 1).status, 1, 'a failed uninstall stops the removal');
  });

  test('postrm: never calls the installer (its files are gone); purge removes only an empty state folder', (t) => {
    const busybox = ready(t);
    if (busybox === undefined) return;
    for (const args of [['remove'], ['purge'], ['upgrade', '1.1.0-1'], ['failed-upgrade', '1.0.0-1'], ['abort-install'], ['abort-upgrade', '1.0.0-1'], ['disappear', 'x', '1']]) {
      assert.deepEqual(runScript(busybox, pkg.deb.scripts!.postrm!, args), { status: 0, calls: [], stateGone: false }, args.join(' '));
    }
    assert.equal(runScript(busybox, pkg.deb.scripts!.postrm!, ['bogus']).status, 1);
    // With no backup left, purge removes the folder.
    const root = freshRoot(busybox);
    fs.rmSync(path.join(root, backup), { recursive: true });
    plant(root, 'tmp/script', pkg.deb.scripts!.postrm!, 0o755);
    run(which('chroot')!, [root, '/bin/sh', '/tmp/script', 'purge'], { env: { PATH: '/bin' } });
    assert.ok(!fs.existsSync(path.join(root, 'var/lib/lvsgen')));
  });
});

describe('rpm scriptlets under sh', () => {
  test('%post: $1 = 1 (install) and 2 (upgrade) run the installer without restarting networking', (t) => {
    const busybox = ready(t);
    if (busybox === undefined) return;
    for (const n of ['1', '2']) assert.deepEqual(runScript(busybox, pkg.rpm.scripts!.post!, [n]), { status: 0, calls: INSTALL, stateGone: false }, `$1 = ${n}`);
    assert.equal(runScript(busybox, pkg.rpm.scripts!.post!, ['1'], 1).status, 1, 'a failed install is reported by rpm');
  });

  test('%preun: $1 = 0 (erase) restores every original; $1 = 1 (upgrade) keeps everything', (t) => {
    const busybox = ready(t);
    if (busybox === undefined) return;
    assert.deepEqual(runScript(busybox, pkg.rpm.scripts!.preun!, ['0']), { status: 0, calls: UNINSTALL, stateGone: false });
    assert.deepEqual(runScript(busybox, pkg.rpm.scripts!.preun!, ['1']), { status: 0, calls: [], stateGone: false });
  });

  test('%postun: $1 = 0 removes only an empty state folder; $1 = 1 does nothing', (t) => {
    const busybox = ready(t);
    if (busybox === undefined) return;
    for (const n of ['0', '1']) assert.deepEqual(runScript(busybox, pkg.rpm.scripts!.postun!, [n]), { status: 0, calls: [], stateGone: false }, `$1 = ${n}`);
    const root = freshRoot(busybox);
    fs.rmSync(path.join(root, backup), { recursive: true });
    plant(root, 'tmp/script', pkg.rpm.scripts!.postun!, 0o755);
    run(which('chroot')!, [root, '/bin/sh', '/tmp/script', '0'], { env: { PATH: '/bin' } });
    assert.ok(!fs.existsSync(path.join(root, 'var/lib/lvsgen')));
  });

  test('every script passes sh -n and shellcheck -s sh', (t) => {
    if (!requireTools(t, 'shellcheck')) return;
    const files = Object.entries({ ...pkg.deb.scripts, ...pkg.rpm.scripts }).map(([name, body]) => {
      const f = path.join(dir, `${name}.sh`);
      // rpm scriptlets have no #! line: rpm runs them with /bin/sh.
      fs.writeFileSync(f, body!.startsWith('#!') ? body! : `#!/bin/sh\n${body!}`);
      run('sh', ['-n', f]);
      return f;
    });
    run('shellcheck', ['-s', 'sh', ...files]);
  });
});
