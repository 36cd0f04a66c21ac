// lvsgen-ipvs-sync, heartbeat's resource script for the IPVS sync daemon on a
// pair of directors (redhat, debian): shellcheck-clean, and run as heartbeat
// runs a resource.d script (`NAME arg1 arg2 start|stop|status`, the args from
// haresources' `NAME::arg1::arg2`) with a stand-in ipvsadm first on PATH that
// records its arguments and plays the kernel's daemon list, so the exact
// ipvsadm calls of start, stop and status are checked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KINDS } from '../../src/render/kinds.js';
import { exampleWith, generateText, requireTools, tempDir } from '../support/index.js';

const SCRIPT = 'etc/ha.d/resource.d/lvsgen-ipvs-sync';

function scriptOf(distro: string): { script: string; args: string[] } {
  const g = generateText(exampleWith('ha-lb'), distro);
  const files = (h: string) => g.bundles.find((b) => b.host === h)!.files;
  const f = files('lvs1').find((x) => x.path === SCRIPT)!;
  assert.equal(f.mode, 0o755);
  assert.equal(f.content, files('lvs2').find((x) => x.path === SCRIPT)!.content, 'the same script on both directors');
  const hr = files('lvs1').find((x) => x.path === 'etc/ha.d/haresources')!.content;
  const lvs1 = g.model.hosts.find((h) => h.name === 'lvs1')!;
  assert.deepEqual(KINDS['ipvs-sync'].contexts(lvs1), [lvs1.heartbeat!.sync], 'the kind applies to a pair director');
  const m = / lvsgen-ipvs-sync::(\S+)/.exec(hr);
  assert.ok(m, hr);
  return { script: f.content, args: m[1]!.split('::') };
}

// A stand-in ipvsadm: logs each call; --start-daemon/--stop-daemon edit the
// daemon list (state file), failing as the kernel does (EEXIST, ESRCH); -L --daemon prints it.
const STUB = `#!/bin/sh
d=$(dirname "$0")
echo "$*" >>"$d/calls"
touch "$d/state"
case $1 in
--start-daemon)
	grep -q "^$2 " "$d/state" && exit 2
	echo "$2 sync daemon (mcast=$4, syncid=$6)" >>"$d/state" ;;
--stop-daemon)
	grep -q "^$2 " "$d/state" || exit 2
	grep -v "^$2 " "$d/state" >"$d/state.new"; mv "$d/state.new" "$d/state" ;;
-L) cat "$d/state" ;;
esac
`;

/** The script as DIR/lvsgen-ipvs-sync beside the logging ipvsadm stub; its path. */
function withStub(dir: string, script: string): string {
  const file = join(dir, 'lvsgen-ipvs-sync');
  writeFileSync(file, script, { mode: 0o755 });
  chmodSync(file, 0o755);
  writeFileSync(join(dir, 'ipvsadm'), STUB);
  chmodSync(join(dir, 'ipvsadm'), 0o755);
  return file;
}

for (const distro of ['redhat', 'debian']) {
  test(`${distro}: lvsgen-ipvs-sync is shellcheck-clean POSIX sh`, (t) => {
    if (!requireTools(t, 'shellcheck')) return;
    const dir = tempDir(t, 'lvsgen-sync-sc-');
    const file = join(dir, 'lvsgen-ipvs-sync');
    writeFileSync(file, scriptOf(distro).script);
    const r = spawnSync('shellcheck', ['--shell=sh', '--severity=style', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test(`${distro}: lvsgen-ipvs-sync start, status, stop, as heartbeat calls it, make exactly the ipvsadm calls of a role swap`, (t) => {
    const { script, args } = scriptOf(distro);
    const [iface, syncid] = args as [string, string];
    assert.match(syncid, /^\d+$/);
    const dir = tempDir(t, 'lvsgen-sync-run-');
    const file = withStub(dir, script);
    const run = (op: string) => {
      const log = join(dir, 'calls');
      writeFileSync(log, '');
      const r = spawnSync(file, [...args, op], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
      return { status: r.status, out: r.stdout, err: r.stderr, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
    };
    const daemons = () => (existsSync(join(dir, 'state')) ? readFileSync(join(dir, 'state'), 'utf8') : '');
    const backup = `--start-daemon backup --mcast-interface ${iface} --syncid ${syncid}`;
    const master = `--start-daemon master --mcast-interface ${iface} --syncid ${syncid}`;

    // The installer's run on a fresh node: no master to stop, the backup daemon starts.
    assert.deepEqual(run('stop'), { status: 0, out: '', err: '', calls: ['--stop-daemon master', '-L --daemon', backup] });
    assert.equal(daemons(), `backup sync daemon (mcast=${iface}, syncid=${syncid})\n`);
    // Not held: status says so (heartbeat's "running" test).
    assert.deepEqual(run('status'), { status: 0, out: 'stopped\n', err: '', calls: ['-L --daemon'] });
    // Taking over: backup stops, master starts.
    assert.deepEqual(run('start'), { status: 0, out: '', err: '', calls: ['--stop-daemon backup', '-L --daemon', master] });
    assert.equal(daemons(), `master sync daemon (mcast=${iface}, syncid=${syncid})\n`);
    assert.deepEqual(run('status'), { status: 0, out: 'running\n', err: '', calls: ['-L --daemon'] });
    // A second start (heartbeat may repeat one) leaves the master alone and succeeds.
    assert.deepEqual(run('start'), { status: 0, out: '', err: '', calls: ['--stop-daemon backup', '-L --daemon'] });
    // Giving up: master stops, backup starts again.
    assert.deepEqual(run('stop'), { status: 0, out: '', err: '', calls: ['--stop-daemon master', '-L --daemon', backup] });
    assert.equal(daemons(), `backup sync daemon (mcast=${iface}, syncid=${syncid})\n`);
    // A second stop keeps the running backup daemon and still succeeds.
    assert.deepEqual(run('stop'), { status: 0, out: '', err: '', calls: ['--stop-daemon master', '-L --daemon'] });
    // Wrong use: a usage line and exit 1, no ipvsadm call.
    const bad = run('restart');
    assert.equal(bad.status, 1);
    assert.match(bad.err, /usage: .*INTERFACE SYNCID start\|stop\|status/);
    assert.deepEqual(bad.calls, []);
  });
}

// Heartbeat runs a resource only on the node that takes it: after a reboot
// the standby would run no backup daemon, and the connections of the active
// director would be lost at the next failover. `boot`, run when the sync
// interface comes up (Red Hat's rc.local, Debian's `up` line), starts it.
for (const distro of ['redhat', 'debian']) {
  test(`${distro}: at boot both directors start the backup sync daemon (lvsgen-ipvs-sync ... boot), and boot leaves a running master alone`, (t) => {
    const g = generateText(exampleWith('ha-lb'), distro);
    const { script, args } = scriptOf(distro);
    const [iface, syncid] = args as [string, string];
    const line = `/etc/ha.d/resource.d/lvsgen-ipvs-sync ${iface} ${syncid} boot`;
    for (const h of ['lvs1', 'lvs2']) {
      const files = g.bundles.find((b) => b.host === h)!.files;
      const bootFile = files.find((f) => f.path === (distro === 'redhat' ? 'etc/rc.d/rc.local' : 'etc/network/interfaces'))!.content;
      const want = distro === 'redhat' ? line : `\tup ${line}`;
      assert.equal(bootFile.split('\n').filter((l) => l === want).length, 1, `${distro} ${h}: one boot line\n${bootFile}`);
    }
    // ... and only on the sync interface's stanza (Debian).
    if (distro === 'debian') {
      const ifaces = g.bundles.find((b) => b.host === 'lvs1')!.files.find((f) => f.path === 'etc/network/interfaces')!.content;
      const stanza = ifaces.split('\n\n').find((s) => s.includes(line))!;
      assert.match(stanza, new RegExp(`^auto ${iface}\\niface ${iface} inet static`, 'm'));
    }
    const dir = tempDir(t, 'lvsgen-sync-boot-');
    const file = withStub(dir, script);
    const run = (op: string) => {
      writeFileSync(join(dir, 'calls'), '');
      const r = spawnSync(file, [...args, op], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
      return { status: r.status, err: r.stderr, calls: readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').filter(Boolean) };
    };
    const daemons = () => (existsSync(join(dir, 'state')) ? readFileSync(join(dir, 'state'), 'utf8') : '');
    const backup = `--start-daemon backup --mcast-interface ${iface} --syncid ${syncid}`;
    // A freshly booted standby: no daemon yet; boot starts the backup one.
    assert.deepEqual(run('boot'), { status: 0, err: '', calls: ['-L --daemon', '-L --daemon', backup] });
    assert.equal(daemons(), `backup sync daemon (mcast=${iface}, syncid=${syncid})\n`);
    // An interface brought up again (networking restart): nothing more.
    assert.deepEqual(run('boot'), { status: 0, err: '', calls: ['-L --daemon', '-L --daemon'] });
    // The active node: heartbeat's start made it master; boot leaves it so.
    run('start');
    assert.deepEqual(run('boot'), { status: 0, err: '', calls: ['-L --daemon'] });
    assert.equal(daemons(), `master sync daemon (mcast=${iface}, syncid=${syncid})\n`);
    // A kernel without IPVS: the backup daemon cannot start, boot says so and still exits 0 (an `up` line must not fail).
    writeFileSync(join(dir, 'ipvsadm'), '#!/bin/sh\nexit 1\n');
    const broken = run('boot');
    assert.equal(broken.status, 0);
    assert.match(broken.err, /the IPVS backup sync daemon did not start/);
  });
}
