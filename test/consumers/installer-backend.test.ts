// Switching a debian12 director's backend (ldirectord <-> keepalived, the
// topology's director_backend): install.sh starts the new backend before it
// stops the old one, then has the new one add again what the old one's stop
// deleted; a failure to start the new one rolls back with the old one never
// stopped.
//
// This kernel has no IPVS, so the daemons are a stand-in: systemctl's stub
// keeps each service's state and the IPVS table (the lb-nat director's three
// virtual services) in files and applies to the table what each daemon does
// to it, as their sources say (distros/debian12/distro.yaml, docs/installer.md
// "Switching backends"): ldirectord's start and reload add every service
// missing from the table (ld_start), its stop deletes every service of its
// file (ld_stop, cleanstop=yes); keepalived's start adds what is missing (an
// existing service answers EEXIST, ignored), its reload adds nothing
// (clear_diff_services keeps its services' state), its stop deletes its
// services (clear_services), a restart is a stop and a start. Every call is
// logged with the table's size after it.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { cli, exampleWith, installerPrograms, requireRoot, requireTools, sh, STUB_NOT_RUNNING, tempDir } from '../support/index.js';

const LOG = 'stub.log';
const SERVICES = ['10.1.3.61:21', '10.1.3.61:80', '10.1.3.61:443'];
const PREAMBLE = `#!/bin/sh
if [ "$0 $*" = "\${LVSGEN_STUB_FAIL-}" ]; then echo "$0 $* FAILED" >>/${LOG}; exit 1; fi
`;
const SYSTEMCTL = `${PREAMBLE}d=/var/lib/stub
args="$*"
mkdir -p $d; touch $d/ipvs
get() { v=no; [ -f "$d/$1" ] && read -r v <"$d/$1"; [ "$v" = yes ]; }
put() { echo "$2" >"$d/$1"; }
add() { for s in ${SERVICES.join(' ')}; do grep -qx "$s" $d/ipvs || echo "$s" >>$d/ipvs; done; }
clear() { : >$d/ipvs; }
start() { get "$1.active" && return 0; put "$1.active" yes; add; }
stop() { get "$1.active" || return 0; put "$1.active" no; clear; }
reload() { get "$1.active" || return 1; [ "$1" = ldirectord ] && add; return 0; }
log() { echo "$0 $args -> $(wc -l <$d/ipvs)" >>/${LOG}; }
[ "$1" = --quiet ] && shift
case $1 in
is-active) get "$3.active"; exit ;;
is-enabled) get "$3.enabled"; exit ;;
enable) put "$2.enabled" yes ;;
disable) if [ "$2" = --now ]; then put "$3.enabled" no; stop "$3"; else put "$2.enabled" no; fi ;;
start) start "$2" ;;
stop) stop "$2" ;;
reload) reload "$2" || { log; exit 1; } ;;
restart) case $2 in ldirectord | keepalived) stop "$2"; start "$2" ;; esac ;;
esac
log
`;

test('a backend switch starts the new backend before stopping the old one, ends with every service; a failed start leaves the old one running', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'busybox', 'chroot')) return;
  const dir = tempDir(t);
  const bundles: Record<string, string> = {};
  for (const backend of ['ldirectord', 'keepalived']) {
    writeFileSync(join(dir, `${backend}.yaml`), exampleWith('lb-nat', backend));
    assert.equal((await cli('render', join(dir, `${backend}.yaml`), '--distro', 'debian12', '-o', join(dir, backend))).status, 0);
    bundles[backend] = join(dir, backend, 'director');
  }
  const root = join(dir, 'root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(sh('sh', ['-c', 'command -v busybox']).stdout.trim(), join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'mkdir', 'touch', 'grep', 'wc']) sh('ln', ['-sf', 'busybox', join(root, 'bin', applet)]);
  for (const b of Object.values(bundles)) {
    for (const program of installerPrograms(readFileSync(join(b, '.lvsgen/plan'), 'utf8'))) {
      mkdirSync(join(root, dirname(program)), { recursive: true });
      writeFileSync(join(root, program), program.endsWith('/systemctl') ? SYSTEMCTL : `${PREAMBLE}${STUB_NOT_RUNNING}\nexit 0\n`, { mode: 0o755 });
    }
  }
  const log = () => readFileSync(join(root, LOG), 'utf8').split('\n').filter((l) => l !== '');
  const table = () => readFileSync(join(root, 'var/lib/stub/ipvs'), 'utf8').split('\n').filter((l) => l !== '');
  const state = (svc: string) => readFileSync(join(root, `var/lib/stub/${svc}.active`), 'utf8').trim();
  const install = (backend: string, fail = '') => sh(join(bundles[backend]!, '.lvsgen/install.sh'), ['--root', root, '--yes'], { input: '', env: { ...process.env, LVSGEN_STUB_FAIL: fail } });
  /** The systemctl calls of the daemons since `from`, with the table's size after each. */
  const calls = (from: number) => log().slice(from).filter((l) => /systemctl .*(ldirectord|keepalived)/.test(l) && !/is-(active|enabled)/.test(l)).map((l) => l.replace(/^\S*systemctl /, ''));

  const first = install('ldirectord');
  assert.equal(first.status, 0, first.stdout + first.stderr);
  assert.deepEqual(table(), SERVICES);
  assert.equal(state('ldirectord'), 'yes');

  // ldirectord -> keepalived: keepalived started while ldirectord runs, then ldirectord
  // stopped (its stop deletes the services), then keepalived restarted (adds them again).
  let n = log().length;
  const toKeepalived = install('keepalived');
  assert.equal(toKeepalived.status, 0, toKeepalived.stdout + toKeepalived.stderr);
  assert.deepEqual(calls(n), ['enable keepalived -> 3', 'start keepalived -> 3', 'disable --now ldirectord -> 0', 'restart keepalived -> 3'], toKeepalived.stdout);
  assert.deepEqual(table(), SERVICES);
  assert.deepEqual([state('keepalived'), state('ldirectord')], ['yes', 'no']);

  // keepalived -> ldirectord: ldirectord started (it edits the services it finds), then
  // keepalived stopped (deletes them), then `ldirectord reload` adds them again.
  n = log().length;
  const back = install('ldirectord');
  assert.equal(back.status, 0, back.stdout + back.stderr);
  assert.deepEqual(calls(n), ['enable ldirectord -> 3', 'start ldirectord -> 3', 'disable --now keepalived -> 0', 'reload ldirectord -> 3'], back.stdout);
  assert.deepEqual(table(), SERVICES);
  assert.deepEqual([state('keepalived'), state('ldirectord')], ['no', 'yes']);

  // The new backend fails to start: rolled back, the old one never stopped, every service there.
  n = log().length;
  const failed = install('keepalived', '/usr/bin/systemctl start keepalived');
  assert.notEqual(failed.status, 0, failed.stdout);
  assert.ok(!calls(n).some((c) => /(stop|disable --now) ldirectord/.test(c)), `ldirectord was stopped:\n${calls(n).join('\n')}`);
  assert.ok(log().slice(n).every((l) => !l.endsWith('-> 0')), `the table was emptied:\n${log().slice(n).join('\n')}`);
  assert.deepEqual(table(), SERVICES);
  assert.deepEqual([state('keepalived'), state('ldirectord')], ['no', 'yes']);
});
