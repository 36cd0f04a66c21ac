// Upgrading a host to a newer bundle that no longer manages a file (here the
// FTP service goes away, and with it /etc/rc.d/rc.local): the newer installer
// puts that file's original back, keeps the other backups, and --uninstall
// then restores everything and removes its state.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { cli, example, installerPrograms, STUB_NOT_RUNNING, requireRoot, requireTools, sh, tempDir } from '../support/index.js';

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
