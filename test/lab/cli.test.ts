// `lvsgen lab` refuses what it cannot do before it creates anything: a distro
// it cannot build, a missing tool (the VM mode's too) (one message listing
// what to install), each exit 2 with no temporary directory or namespace left.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kernelHasIpvs } from '../../src/cli/commands/lab.js';
import { example, REPO, sh } from '../support/index.js';

const LVSGEN = join(REPO, 'bin', 'lvsgen');

// Its temporary directory (where the lab would make its own) stays empty; the
// namespaces come after the temporary directory, so none was made either.
function refused(args: string[], env: NodeJS.ProcessEnv, message: RegExp): void {
  const tmp = mkdtempSync(join(tmpdir(), 'lvsgen-lab-cli-'));
  try {
    const r = sh(process.execPath, [LVSGEN, 'lab', ...args], { env: { ...process.env, TMPDIR: tmp, ...env } });
    assert.equal(r.status, 2, `exit 2: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing started');
    assert.deepEqual(readdirSync(tmp), [], 'no temporary directory');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

test('--distro rhel9 where the directors would need IPVS (keepalived), in namespaces on a kernel without it: exit 2, saying why and naming --vm', { skip: kernelHasIpvs() && 'this kernel has IPVS: the namespace mode builds keepalived directors' }, () => {
  refused([example('lb-nat'), '--distro', 'rhel9', '--no-vm'], {}, /^lvsgen: keepalived on director director needs IPVS in the kernel, which this one lacks .*: run it with --vm$/m);
});

test('--vm without qemu: the tools of the VM mode are listed too, exit 2', { skip: process.getuid?.() !== 0 && 'the root check comes first' }, () => {
  refused([example('ha-cidr'), '--vm'], { PATH: '/nonexistent' }, /^lvsgen lab: missing .*qemu-system-x86_64.*: install .*qemu-system-x86/m);
});

test('tools missing: one message listing them and their packages, exit 2', { skip: process.getuid?.() !== 0 && 'the root check comes first' }, () => {
  // PATH without /usr/bin and /bin: curl, busybox, perl, ... are not found (lvsgen runs by node's absolute path)
  refused([example('lb-nat')], { PATH: '/nonexistent' }, /^lvsgen lab: missing .*busybox.*curl.*: install .*busybox-static.*curl.* \(Debian: apt-get install /m);
});

test('not root: exit 2, saying so', { skip: process.getuid?.() === 0 && 'runs as root here' }, () => {
  refused([example('lb-nat')], {}, /lvsgen lab must run as root/);
});
