// Upgrading a host to a newer bundle that no longer manages a file (here the
// FTP service goes away, and with it /etc/rc.d/rc.local): the newer installer
// puts that file's original back, keeps the other backups, and --uninstall
// then restores everything and removes its state.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { hostState, scratchRoot, setStandIn, STAND_IN_STATE, standIns } from '../support/host-package.js';
import { bundleResourceScripts, cli, example, installerPrograms, STUB_NOT_RUNNING, requireRoot, requireTools, sh, staticBusybox, tempDir } from '../support/index.js';

// Like a fresh host: no daemon runs (status, is-active; ldirectord's pre-flight, `ldirectord FILE status`, wants that answer).
const STUB = `#!/bin/sh\n${STUB_NOT_RUNNING}\nexit 0\n`;

test('an upgrade that drops a file puts its original back; --uninstall restores the rest', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'busybox', 'chroot')) return;
  const dir = tempDir(t);
  const v1 = join(dir, 'v1');
  const v2 = join(dir, 'v2');
  const text = readFileSync(example('lb-nat'), 'utf8');
  const noFtp = text.slice(0, text.indexOf('  - virtual: 10.1.3.61:21')) + text.slice(text.indexOf('  - virtual: 10.1.3.61:80'));
  writeFileSync(join(dir, 'v2.yaml'), noFtp);
  assert.equal((await cli('render', example('lb-nat'), '-o', v1)).status, 0);
  assert.equal((await cli('render', join(dir, 'v2.yaml'), '-o', v2)).status, 0);
  assert.ok(existsSync(join(v1, 'director/etc/rc.d/rc.local')) && !existsSync(join(v2, 'director/etc/rc.d/rc.local')));

  const root = join(dir, 'root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(sh('sh', ['-c', 'command -v busybox']).stdout.trim(), join(root, 'bin/sh'));
  chmodSync(join(root, 'bin/sh'), 0o755);
  for (const v of [v1, v2]) {
    for (const program of installerPrograms(readFileSync(join(v, 'director/.lvsgen/plan'), 'utf8'))) {
      mkdirSync(join(root, dirname(program)), { recursive: true });
      writeFileSync(join(root, program), STUB, { mode: 0o755 });
    }
  }
  const originals = { 'etc/rc.d/rc.local': '#!/bin/sh\n# the host\'s own rc.local\n', 'etc/sysctl.conf': '# the host\'s own sysctl.conf\n' };
  for (const [p, c] of Object.entries(originals)) {
    mkdirSync(join(root, dirname(p)), { recursive: true });
    writeFileSync(join(root, p), c, { mode: 0o644 });
  }
  const run = (v: string, ...args: string[]) => sh(join(v, 'director/.lvsgen/install.sh'), ['--root', root, '--yes', ...args], { input: '' });

  const first = run(v1);
  assert.equal(first.status, 0, first.stdout + first.stderr);
  assert.match(readFileSync(join(root, 'etc/rc.d/rc.local'), 'utf8'), /modprobe ip_vs_ftp/);
  const upgrade = run(v2);
  assert.equal(upgrade.status, 0, upgrade.stdout + upgrade.stderr);
  assert.equal(readFileSync(join(root, 'etc/rc.d/rc.local'), 'utf8'), originals['etc/rc.d/rc.local'], 'the dropped file is the original again');
  assert.match(upgrade.stdout, /restored \/etc\/rc\.d\/rc\.local/);
  assert.match(readFileSync(join(root, 'etc/sysctl.conf'), 'utf8'), /ip_forward = 1/);
  assert.ok(existsSync(join(root, 'var/lib/lvsgen/backup/etc/sysctl.conf')), 'the first backup is kept across the upgrade');
  const again = run(v2);
  assert.match(again.stdout, /nothing to do/);

  const un = run(v2, '--uninstall');
  assert.equal(un.status, 0, un.stdout + un.stderr);
  for (const [p, c] of Object.entries(originals)) assert.equal(readFileSync(join(root, p), 'utf8'), c, p);
  assert.ok(!existsSync(join(root, 'etc/ha.d/ldirectord.cf')), 'files that did not exist are gone');
  assert.ok(!existsSync(join(root, 'var/lib/lvsgen')), 'no state is left');
});

// An upgrade that fails after a daemon re-read its new file: ha-lb's lvs1
// (redhat), version 2 changing ldirectord.cf and the heartbeat key. The
// ldirectord action reloads the running ldirectord with version 2's file, then
// heartbeat's start fails (once): the rollback puts version 1's files back, the
// running ldirectord is reloaded from them, not left on version 2's, and
// heartbeat runs again, from version 1's files.
test('an upgrade failing after ldirectord reloaded its new file: ldirectord runs version 1\'s file again', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'chroot')) return;
  const busybox = staticBusybox(t);
  if (busybox === undefined) return;
  const dir = tempDir(t);
  const text = readFileSync(example('ha-lb'), 'utf8');
  const v2text = text.replace('checkinterval: 2', 'checkinterval: 5').replace('key: example-only-change-me', 'key: example-only-changed-too');
  assert.notEqual(v2text, text);
  writeFileSync(join(dir, 'v2.yaml'), v2text);
  const v1 = join(dir, 'v1');
  const v2 = join(dir, 'v2');
  assert.equal((await cli('render', example('ha-lb'), '-o', v1, '--distro', 'redhat')).status, 0);
  assert.equal((await cli('render', join(dir, 'v2.yaml'), '-o', v2, '--distro', 'redhat')).status, 0);
  const cf = (v: string) => readFileSync(join(v, 'lvs1/etc/ha.d/ldirectord.cf'), 'utf8');
  assert.notEqual(cf(v1), cf(v2));
  const root = scratchRoot(dir, busybox);
  standIns(root, [...new Set([v1, v2].flatMap((v) => [...installerPrograms(readFileSync(join(v, 'lvs1/.lvsgen/plan'), 'utf8')), ...bundleResourceScripts(join(v, 'lvs1'))]))]);
  // Heartbeat runs ldirectord on the active node: it runs (with no file of lvsgen's yet).
  setStandIn(root, 'ldirectord.active', 'yes');
  const install = (v: string) => sh(join(v, 'lvs1/.lvsgen/install.sh'), ['--root', root, '--no-restart'], { input: '' });

  const first = install(v1);
  assert.equal(first.status, 0, first.stdout + first.stderr);
  const installed = hostState(root);
  assert.equal(installed.live[`${STAND_IN_STATE}/ldirectord.loaded`], cf(v1));
  setStandIn(root, 'fail', '/etc/init.d/heartbeat start');
  const up = install(v2);
  assert.notEqual(up.status, 0, up.stdout + up.stderr);
  assert.match(up.stderr, /command failed: \/etc\/init\.d\/heartbeat start/);
  assert.match(up.stdout, /\+ \/usr\/sbin\/ldirectord ldirectord\.cf reload/, 'version 2\'s file was reloaded (the ldirectord heartbeat runs, by its name) before the failure');
  assert.ok(!existsSync(join(root, STAND_IN_STATE, 'fail')), 'the injected failure happened');
  const after = hostState(root);
  assert.deepEqual(after.files, installed.files, 'version 1\'s files');
  assert.equal(after.live[`${STAND_IN_STATE}/ldirectord.loaded`], cf(v1), `ldirectord runs version 2's file after the rollback:\n${up.stdout}${up.stderr}`);
  assert.deepEqual(after.live, installed.live, 'services and kernel keys as version 1 left them');
});
