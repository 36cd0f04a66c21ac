// Switching a debian12 director's backend (ldirectord <-> keepalived, the
// topology's director_backend): install.sh starts the new backend before it
// stops the old one, then has the new one add again what the old one's stop
// deleted. A switch that fails at any step (the new backend's first command,
// its start, the old one's stop, the re-add, a later action) leaves the host
// as it was: the old backend's file (which the new plan no longer has) and
// the installer's state byte for byte, the old backend enabled and running on
// that file with every service, the new one stopped and disabled; --check then
// says what an install would still do, and the next install does it.
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
// services (clear_services), a restart is a stop and a start. A daemon's
// start and reload copy the file it reads to NAME.loaded (its stop removes
// it): the file it runs on. Every call is logged with the table's size after
// it; the command line LVSGEN_STUB_FAIL names fails (exit 1, nothing done).
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, exampleWith, installerPrograms, requireRoot, requireTools, sh, STUB_NOT_RUNNING, tempDir } from '../support/index.js';
import { filesUnder } from '../support/host-package.js';

const LOG = 'stub.log';
const SERVICES = ['10.1.3.61:21', '10.1.3.61:80', '10.1.3.61:443'];
const BACKENDS = ['ldirectord', 'keepalived'] as const;
type Backend = (typeof BACKENDS)[number];
/** The file each daemon reads. */
const CONF: Record<Backend, string> = { ldirectord: '/etc/ha.d/ldirectord.cf', keepalived: '/etc/keepalived/keepalived.conf' };
/** The administrator's own ldirectord.cf, there before lvsgen: lvsgen keeps it and puts it back. */
const ADMIN_LDIRECTORD = '# the administrator\'s, before lvsgen\nchecktimeout=3\n';
/** A program the test appends to a plan as an action after the backend's (every debian12 plan ends with it). */
const LATE = '/usr/sbin/lvsgen-late';
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
conf() { case $1 in ldirectord) echo ${CONF.ldirectord} ;; keepalived) echo ${CONF.keepalived} ;; esac; }
load() { f=$(conf "$1"); [ -n "$f" ] && cp "$f" "$d/$1.loaded"; return 0; }
start() { get "$1.active" && return 0; put "$1.active" yes; load "$1"; add; }
stop() { get "$1.active" || return 0; put "$1.active" no; rm -f "$d/$1.loaded"; clear; }
reload() { get "$1.active" || return 1; load "$1"; [ "$1" = ldirectord ] && add; return 0; }
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

const dir = tempDir(after);
/** The director's bundle per backend; `late`: with an action appended after the backend's, running LATE. */
const bundles: Record<string, string> = {};

before(async () => {
  for (const backend of BACKENDS) {
    writeFileSync(join(dir, `${backend}.yaml`), exampleWith('lb-nat', backend));
    assert.equal((await cli('render', join(dir, `${backend}.yaml`), '--distro', 'debian12', '-o', join(dir, backend))).status, 0);
    bundles[backend] = join(dir, backend, 'director');
    const late = join(dir, `${backend}-late`, 'director');
    cpSync(bundles[backend]!, late, { recursive: true });
    appendFileSync(join(late, '.lvsgen/plan'), `action late now\nwhen late ${CONF[backend]}\nrun late must ${LATE} now\n`);
    bundles[`${backend}-late`] = late;
  }
});

let roots = 0;
/**
 * A scratch root for the installer to chroot into: busybox, the stand-ins, both
 * daemons installed, neither enabled, the administrator's ldirectord.cf (0640).
 */
function host() {
  const root = join(dir, `root${++roots}`);
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(sh('sh', ['-c', 'command -v busybox']).stdout.trim(), join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'mkdir', 'touch', 'grep', 'wc', 'cp', 'rm']) sh('ln', ['-sf', 'busybox', join(root, 'bin', applet)]);
  for (const b of Object.values(bundles)) {
    for (const program of installerPrograms(readFileSync(join(b, '.lvsgen/plan'), 'utf8'))) {
      mkdirSync(join(root, dirname(program)), { recursive: true });
      writeFileSync(join(root, program), program.endsWith('/systemctl') ? SYSTEMCTL : `${PREAMBLE}${STUB_NOT_RUNNING}\nexit 0\n`, { mode: 0o755 });
    }
  }
  mkdirSync(join(root, 'var/lib/stub'), { recursive: true });
  for (const b of BACKENDS) for (const q of ['enabled', 'active']) writeFileSync(join(root, `var/lib/stub/${b}.${q}`), 'no\n');
  mkdirSync(join(root, dirname(CONF.ldirectord)), { recursive: true });
  writeFileSync(join(root, CONF.ldirectord), ADMIN_LDIRECTORD, { mode: 0o640 });
  const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
  const lines = (rel: string) => read(rel).split('\n').filter((l) => l !== '');
  return {
    root,
    log: () => (existsSync(join(root, LOG)) ? lines(LOG) : []),
    table: () => lines('var/lib/stub/ipvs'),
    /** [enabled, active] */
    state: (svc: Backend) => [read(`var/lib/stub/${svc}.enabled`).trim(), read(`var/lib/stub/${svc}.active`).trim()],
    /** The file the daemon runs on, or undefined when it does not run. */
    loaded: (svc: Backend) => (existsSync(join(root, `var/lib/stub/${svc}.loaded`)) ? read(`var/lib/stub/${svc}.loaded`) : undefined),
    file: (p: string) => read(p.slice(1)),
    installer: (bundle: string, args: string[], fail = '') =>
      sh(join(bundles[bundle]!, '.lvsgen/install.sh'), ['--root', root, ...args], { input: '', env: { ...process.env, LVSGEN_STUB_FAIL: fail } }),
    /**
     * The host as a failed switch must leave it: every file under /etc and the
     * installer's state (mode and bytes), and the stand-ins' (services, table,
     * the daemons' loaded files).
     */
    snapshot: () => {
      const out: Record<string, string> = {};
      for (const p of [...filesUnder(root, 'etc'), ...filesUnder(root, 'var/lib/lvsgen')]) out[p] = `${(statSync(join(root, p)).mode & 0o7777).toString(8)} ${read(p)}`;
      for (const p of filesUnder(root, 'var/lib/stub')) out[p] = read(p);
      return out;
    },
  };
}

/** The systemctl calls of the daemons in log lines, with the table's size after each. */
const calls = (log: string[]) => log.filter((l) => /systemctl .*(ldirectord|keepalived)/.test(l) && !/is-(active|enabled)/.test(l)).map((l) => l.replace(/^\S*systemctl /, ''));

describe('installer: switching the backend of a debian12 director', () => {
  test('a switch starts the new backend before stopping the old one and ends with every service, both ways', (t) => {
    if (!requireRoot(t) || !requireTools(t, 'busybox', 'chroot')) return;
    const h = host();
    const first = h.installer('ldirectord', ['--yes']);
    assert.equal(first.status, 0, first.stdout + first.stderr);
    assert.deepEqual(h.table(), SERVICES);
    assert.deepEqual(h.state('ldirectord'), ['yes', 'yes']);
    // keepalived was neither enabled nor running: the first install leaves it alone.
    assert.ok(!calls(h.log()).some((c) => c.includes('keepalived')), calls(h.log()).join('\n'));

    // ldirectord -> keepalived: keepalived started while ldirectord runs, then ldirectord
    // stopped (its stop deletes the services), then keepalived restarted (adds them again).
    let n = h.log().length;
    const toKeepalived = h.installer('keepalived', ['--yes']);
    assert.equal(toKeepalived.status, 0, toKeepalived.stdout + toKeepalived.stderr);
    assert.deepEqual(calls(h.log().slice(n)), ['enable keepalived -> 3', 'start keepalived -> 3', 'disable --now ldirectord -> 0', 'restart keepalived -> 3'], toKeepalived.stdout);
    assert.deepEqual(h.table(), SERVICES);
    assert.deepEqual([h.state('keepalived'), h.state('ldirectord')], [['yes', 'yes'], ['no', 'no']]);
    assert.equal(h.loaded('keepalived'), h.file(CONF.keepalived));
    assert.equal(h.file(CONF.ldirectord), ADMIN_LDIRECTORD, 'the administrator\'s ldirectord.cf is back');

    // keepalived -> ldirectord: ldirectord started (it edits the services it finds), then
    // keepalived stopped (deletes them), then `ldirectord reload` adds them again.
    n = h.log().length;
    const back = h.installer('ldirectord', ['--yes']);
    assert.equal(back.status, 0, back.stdout + back.stderr);
    assert.deepEqual(calls(h.log().slice(n)), ['enable ldirectord -> 3', 'start ldirectord -> 3', 'disable --now keepalived -> 0', 'reload ldirectord -> 3'], back.stdout);
    assert.deepEqual(h.table(), SERVICES);
    assert.deepEqual([h.state('keepalived'), h.state('ldirectord')], [['no', 'no'], ['yes', 'yes']]);
    assert.equal(h.loaded('ldirectord'), h.file(CONF.ldirectord));
  });

  for (const [from, to] of [['ldirectord', 'keepalived'], ['keepalived', 'ldirectord']] as const) {
    const steps = [
      { step: "the new backend's first command", fail: `/usr/bin/systemctl enable ${to}` },
      { step: "the new backend's start", fail: `/usr/bin/systemctl start ${to}` },
      { step: "the old backend's stop", fail: `/usr/bin/systemctl disable --now ${from}` },
      { step: 'the re-add', fail: to === 'keepalived' ? '/usr/bin/systemctl restart keepalived' : '/usr/bin/systemctl reload ldirectord' },
      { step: 'a later action (appended to the plan)', fail: `${LATE} now`, bundle: `${to}-late` },
    ];
    for (const s of steps) {
      test(`${from} -> ${to} failing at ${s.step}: the host as before, ${from} running on its restored ${CONF[from]}; --check says what is left, the next install switches`, (t) => {
        if (!requireRoot(t) || !requireTools(t, 'busybox', 'chroot')) return;
        const h = host();
        const first = h.installer(from, ['--yes']);
        assert.equal(first.status, 0, first.stdout + first.stderr);
        const was = h.snapshot();
        assert.equal(h.loaded(from), h.file(CONF[from]));
        assert.deepEqual(h.table(), SERVICES);

        const n = h.log().length;
        const failed = h.installer(s.bundle ?? to, ['--yes'], s.fail);
        const said = failed.stdout + failed.stderr;
        assert.equal(failed.status, 1, said);
        assert.ok(said.includes(`install.sh: command failed: ${s.fail}`), said);
        assert.ok(h.log().slice(n).includes(`${s.fail} FAILED`), `the failure was not injected:\n${h.log().slice(n).join('\n')}`);
        if (s.step === "the new backend's start" || s.step === "the new backend's first command") {
          assert.ok(!calls(h.log().slice(n)).some((c) => c.includes(`stop ${from}`)), `${from} was stopped:\n${calls(h.log().slice(n)).join('\n')}`);
          assert.ok(h.log().slice(n).every((l) => !l.endsWith('-> 0')), `the table was emptied:\n${h.log().slice(n).join('\n')}`);
        }
        assert.deepEqual(h.snapshot(), was, `the host is not as before the run:\n${said}\n${calls(h.log().slice(n)).join('\n')}`);
        assert.deepEqual([h.state(from), h.state(to)], [['yes', 'yes'], ['no', 'no']]);
        assert.equal(h.loaded(from), h.file(CONF[from]), `${from} does not run on its restored file`);
        assert.equal(h.loaded(to), undefined);
        assert.deepEqual(h.table(), SERVICES);

        // --check: the new backend's file still to come, the old one's still to go; nothing changed.
        const check = h.installer(to, ['--check']);
        assert.equal(check.status, 1, check.stdout + check.stderr);
        assert.match(check.stdout, new RegExp(`^--- ${CONF[to]} \\(on the host\\)$`, 'm'), check.stdout);
        const goes = from === 'ldirectord' ? "puts back the host's own \\(kept in /var/lib/lvsgen/backup\\)" : 'takes out what lvsgen wrote \\(the host had no such file\\)';
        assert.match(check.stdout, new RegExp(`^--- ${CONF[from]} is no longer in this bundle: an install ${goes}$`, 'm'), check.stdout);
        assert.deepEqual(h.snapshot(), was, '--check changed the host');

        // The next install, nothing failing, makes the switch.
        const again = h.installer(to, ['--yes']);
        assert.equal(again.status, 0, again.stdout + again.stderr);
        assert.deepEqual([h.state(to), h.state(from)], [['yes', 'yes'], ['no', 'no']]);
        assert.equal(h.loaded(to), h.file(CONF[to]));
        assert.deepEqual(h.table(), SERVICES);
        if (from === 'ldirectord') assert.equal(h.file(CONF.ldirectord), ADMIN_LDIRECTORD, 'the administrator\'s ldirectord.cf is not back');
        else assert.ok(!existsSync(join(h.root, CONF[from])), `${CONF[from]} is left`);
      });
    }
  }
});
