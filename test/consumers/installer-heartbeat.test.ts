// heartbeat's ha.cf, haresources and authkeys have no check-only consumer: the
// installer's pre-flight reads them as heartbeat 3.0's start does (`@heartbeat
// FILE`, install.sh check_heartbeat). For each broken file below, the real
// heartbeat (the machine's, run in network, mount, UTS and pid namespaces this
// test creates, its files over /etc/ha.d by an overlay, a private
// /var/lib/heartbeat and /run; ended by its pid) refuses to start, or, for a
// resource script that does not exist, starts and cannot take its resources;
// and install.sh's pre-flight refuses the same file, the root left byte for
// byte. The generated files: both take them.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { scratchRoot } from '../support/host-package.js';
import { bundleResourceScripts, installerPrograms, render, requireRoot, requireTools, type Rendered, sh, snapshotTree, staticBusybox, STUB_NOT_RUNNING, tempDir, fileScope } from '../support/index.js';

const HEARTBEAT = '/usr/libexec/heartbeat/heartbeat';
const KEY = 'example-only-change-me';
const FILES = ['ha.cf', 'haresources', 'authkeys'] as const;
type HbFile = (typeof FILES)[number];
type HbFiles = Record<HbFile, { text: string; mode: number }>;

// One render per distro for the whole file (removed after the last test).
const scope = fileScope();
const rendered = new Map<string, Promise<Rendered>>();
function haLb(distro: string): Promise<Rendered> {
  if (!rendered.has(distro)) rendered.set(distro, render(scope, 'ha-lb', distro));
  return rendered.get(distro)!;
}

function generated(r: Rendered): HbFiles {
  const one = (f: HbFile) => ({ text: r.read('lvs1', `etc/ha.d/${f}`), mode: f === 'authkeys' ? 0o600 : 0o644 });
  return { 'ha.cf': one('ha.cf'), haresources: one('haresources'), authkeys: one('authkeys') };
}

// Inside the namespaces: lo and two veth pairs (eth0, eth1: ha.cf's bcast device
// must exist), the files over /etc/ha.d, heartbeat started; when it started, it
// runs SECONDS (or, given UNTIL, until its log file holds each line of UNTIL,
// SECONDS at most), then is ended by its pid (its pid file) and waited for. The
// namespace's pid 1 then exits, which ends whatever a resource script left.
const RUN_HEARTBEAT = `
set -u
d=$1 node=$2 seconds=$3 heartbeat=$4 until=$5
mount -t proc proc /proc
hostname "$node"
ip link set lo up
for i in 0 1; do
  ip link add eth$i type veth peer name peer$i
  ip addr add 10.9.$i.2/24 brd + dev eth$i
  ip link set eth$i up && ip link set peer$i up
done
mount -t overlay overlay -o "lowerdir=/etc/ha.d,upperdir=$d/upper,workdir=$d/work" /etc/ha.d
mount -t tmpfs tmpfs /var/lib/heartbeat
mount -t tmpfs tmpfs /run
mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/lock
"$heartbeat" >"$d/out" 2>&1
status=$?
echo $status >"$d/status"
# Started: its daemon writes its pid file once in the background.
i=0
while [ $status = 0 ] && [ ! -s /run/heartbeat.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ -s /run/heartbeat.pid ]; then
  if [ -n "$until" ]; then
    i=0
    logged() { printf '%s\n' "$until" | while IFS= read -r u; do grep -qF -- "$u" /var/lib/heartbeat/ha-log 2>/dev/null || exit 1; done; }
    while ! logged && [ $i -lt $((seconds * 10)) ]; do sleep 0.1; i=$((i + 1)); done
  else sleep "$seconds"; fi
  ip -o addr show >"$d/addresses"
  cp /var/lib/heartbeat/ha-log "$d/ha-log" 2>/dev/null
  pid=$(cat /run/heartbeat.pid)
  kill "$pid"
  # Ended: gone, or a zombie (this shell, the namespace's init, is its parent now).
  alive() { [ -e /proc/$pid/stat ] && [ "$(sed 's/.*) //; s/ .*//' /proc/$pid/stat)" != Z ]; }
  i=0
  while alive && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
  if alive; then echo "heartbeat (pid $pid) still runs" >"$d/not-ended"; fi
fi
`;

interface HeartbeatRun {
  status: number;
  /** What it printed before it went to the background, and its log file (ha.cf's logfile) when it ran. */
  log: string;
  addresses: string;
}

/** The machine's heartbeat on FILES as node NODE, in namespaces of its own. */
function runHeartbeat(t: TestContext, files: HbFiles, node: string, seconds = 1, scripts: Record<string, string> = {}, until = ''): HeartbeatRun {
  const d = tempDir(t, 'lvsgen-heartbeat-');
  mkdirSync(join(d, 'upper/resource.d'), { recursive: true });
  mkdirSync(join(d, 'work'));
  for (const f of FILES) {
    writeFileSync(join(d, 'upper', f), files[f].text);
    chmodSync(join(d, 'upper', f), files[f].mode);
  }
  for (const [name, text] of Object.entries(scripts)) writeFileSync(join(d, 'upper/resource.d', name), text, { mode: 0o755 });
  const r = sh('unshare', ['--mount', '--net', '--uts', '--pid', '--fork', '--propagation', 'private', 'sh', '-c', RUN_HEARTBEAT, 'run-heartbeat', d, node, String(seconds), HEARTBEAT, until], { timeout: (seconds + 50) * 1000 });
  assert.equal(r.status, 0, `the namespaces: ${r.stdout}${r.stderr}`);
  const text = (f: string) => (existsSync(join(d, f)) ? readFileSync(join(d, f), 'utf8') : '');
  assert.equal(text('not-ended'), '', 'heartbeat did not end on its TERM');
  if (text('status').trim() === '0') assert.notEqual(text('addresses'), '', 'heartbeat started, but its pid file never came');
  return { status: Number(text('status').trim()), log: text('out') + text('ha-log'), addresses: text('addresses') };
}

interface Preflight {
  status: number;
  out: string;
}

/**
 * ha-lb's lvs1 bundle (a copy) with FILES as its heartbeat files and its plan
 * giving authkeys AUTHKEYS_MODE, installed into a scratch root (busybox, silent
 * stubs for the plan's programs and the resource scripts heartbeat's package
 * ships, but those in WITHOUT; /etc/hostname NODE): the installer's output, and
 * the root is asserted unchanged when the install fails.
 */
function install(t: TestContext, r: Rendered, files: HbFiles, node: string, without: readonly string[] = []): Preflight {
  const busybox = staticBusybox(t)!;
  const dir = tempDir(t, 'lvsgen-heartbeat-install-');
  const bundle = join(dir, 'bundle');
  cpSync(join(r.dir, 'lvs1'), bundle, { recursive: true });
  for (const f of FILES) writeFileSync(join(bundle, 'etc/ha.d', f), files[f].text);
  const plan = join(bundle, '.lvsgen/plan');
  const mode = `0${files.authkeys.mode.toString(8)}`;
  writeFileSync(plan, readFileSync(plan, 'utf8').replace(/^file 0600 replace secret \/etc\/ha\.d\/authkeys$/m, `file ${mode} replace secret /etc/ha.d/authkeys`));
  assert.ok(readFileSync(plan, 'utf8').includes(`file ${mode} replace secret /etc/ha.d/authkeys`));
  const root = scratchRoot(dir, busybox);
  for (const p of [...installerPrograms(readFileSync(plan, 'utf8')), ...bundleResourceScripts(join(r.dir, 'lvs1'))].filter((x) => !without.includes(x))) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), `#!/bin/sh\n${STUB_NOT_RUNNING}\nexit 0\n`, { mode: 0o755 });
  }
  writeFileSync(join(root, 'etc/hostname'), `${node}\n`);
  const before = snapshotTree(root);
  const ran = sh(join(bundle, '.lvsgen/install.sh'), ['--root', root, '--no-restart'], { input: '' });
  const out = ran.stdout + ran.stderr;
  assert.ok(!out.includes(KEY), `the key was printed:\n${out}`);
  if (ran.status !== 0) assert.deepEqual(snapshotTree(root), before, `a refused install changed the root:\n${out}`);
  return { status: ran.status, out };
}

function edit(files: HbFiles, f: HbFile, from: RegExp, to: string): HbFiles {
  const text = files[f].text.replace(from, to);
  assert.notEqual(text, files[f].text, `${f}: ${from} is not in the generated file`);
  return { ...files, [f]: { ...files[f], text } };
}

function canRun(t: TestContext): boolean {
  return requireRoot(t) && requireTools(t, 'unshare', 'ip', 'mount', 'chroot', HEARTBEAT) && staticBusybox(t) !== undefined;
}

const uuidBefore = existsSync('/var/lib/heartbeat/hb_uuid');
after(() => assert.equal(existsSync('/var/lib/heartbeat/hb_uuid'), uuidBefore, "heartbeat's uuid file appeared on the machine"));

for (const distro of ['debian', 'redhat']) {
  test(`ha-lb/${distro}: heartbeat starts on the generated files, and the pre-flight takes each of them`, async (t) => {
    if (!canRun(t)) return;
    const r = await haLb(distro);
    const files = generated(r);
    const hb = runHeartbeat(t, files, 'lvs1');
    assert.equal(hb.status, 0, hb.log);
    assert.match(hb.log, /Configuration validated\. Starting heartbeat/);
    const pf = install(t, r, files, 'lvs1');
    assert.equal(pf.status, 0, pf.out);
    for (const f of FILES) assert.ok(pf.out.includes(`pre-flight: /etc/ha.d/${f}: heartbeat takes it`), pf.out);
  });
}

/** A broken file: what heartbeat says of it (exit 6, not started), what the pre-flight says. */
interface Broken {
  what: string;
  broken: (g: HbFiles) => HbFiles;
  node?: string;
  heartbeat: RegExp;
  preflight: RegExp;
}

const BROKEN: Broken[] = [
  { what: 'an unknown directive', broken: (g) => edit(g, 'ha.cf', /^keepalive /m, 'keepalives '), heartbeat: /Illegal directive \[keepalives\]/, preflight: /ha\.cf:\d+: Illegal directive \[keepalives\] in \/etc\/ha\.d\/ha\.cf/ },
  { what: 'a time heartbeat does not read (2s)', broken: (g) => edit(g, 'ha.cf', /^keepalive 2$/m, 'keepalive 2s'), heartbeat: /Heartbeat not started: configuration error/, preflight: /keepalive 2s: not a time heartbeat reads/ },
  { what: 'a deadtime of two keepalives', broken: (g) => edit(g, 'ha.cf', /^deadtime 10$/m, 'deadtime 4'), heartbeat: /Dead time \[4000\] is too small compared to keeplive \[2000\]/, preflight: /Dead time \[4000\] is too small compared to keeplive \[2000\]/ },
  { what: 'an initdead below deadtime', broken: (g) => edit(g, 'ha.cf', /^initdead 60$/m, 'initdead 5'), heartbeat: /Initial dead time \[5000\] is smaller than deadtime \[10000\]/, preflight: /Initial dead time \[5000\] is smaller than deadtime \[10000\]/ },
  { what: 'an unknown log facility', broken: (g) => edit(g, 'ha.cf', /^logfacility local0$/m, 'logfacility local9'), heartbeat: /Log facility\(local9\) not valid/, preflight: /Log facility\(local9\) not valid/ },
  { what: 'no media', broken: (g) => edit(g, 'ha.cf', /^bcast eth0\n/m, ''), heartbeat: /No heartbeat media defined/, preflight: /No heartbeat media defined/ },
  { what: 'this host not a node of ha.cf', broken: (g) => g, node: 'lvs3', heartbeat: /Current node \[lvs3\] not in configuration!/, preflight: /Current node \[lvs3\] not in configuration!/ },
  { what: 'auth naming a key that is not there', broken: (g) => edit(g, 'authkeys', /^auth 1$/m, 'auth 2'), heartbeat: /Auth Key \[2\] not found in keyfile/, preflight: /Auth Key \[2\] not found in keyfile \[\/etc\/ha\.d\/authkeys\]/ },
  { what: 'authkeys readable by others (0644)', broken: (g) => ({ ...g, authkeys: { ...g.authkeys, mode: 0o644 } }), heartbeat: /Bad permissions on keyfile \[\/etc\/ha\.d\/+authkeys\], 600 recommended/, preflight: /Bad permissions on keyfile \[\/etc\/ha\.d\/authkeys\], 600 recommended/ },
  { what: 'authkeys readable by its group (0640)', broken: (g) => ({ ...g, authkeys: { ...g.authkeys, mode: 0o640 } }), heartbeat: /Bad permissions on keyfile/, preflight: /Bad permissions on keyfile/ },
  { what: 'a sha1 key line without its key', broken: (g) => edit(g, 'authkeys', /^1 sha1 .*$/m, '1 sha1'), heartbeat: /Auth method \[sha1\] requires a key/, preflight: /Auth method \[sha1\] requires a key/ },
  { what: 'an unknown auth method', broken: (g) => edit(g, 'authkeys', /^1 sha1 /m, '1 sha256 '), heartbeat: /Invalid authtype \[sha256\]/, preflight: /Invalid authtype \[sha256\]/ },
  { what: 'crc with a key', broken: (g) => edit(g, 'authkeys', /^1 sha1 /m, '1 crc '), heartbeat: /Auth method \[crc\] doesn't use a key/, preflight: /Auth method \[crc\] doesn't use a key/ },
  { what: 'a haresources node not in ha.cf', broken: (g) => edit(g, 'haresources', /^lvs1 /m, 'lvs3 '), heartbeat: /Bad nodename in \/etc\/ha\.d\/+haresources \[lvs3\]/, preflight: /Bad nodename in \/etc\/ha\.d\/haresources \[lvs3\]/ },
];

for (const b of BROKEN) {
  test(`ha-lb/debian, ${b.what}: heartbeat refuses to start, and the pre-flight refuses the file with the root unchanged`, async (t) => {
    if (!canRun(t)) return;
    const r = await haLb('debian');
    const files = b.broken(generated(r));
    const hb = runHeartbeat(t, files, b.node ?? 'lvs1');
    assert.equal(hb.status, 6, `heartbeat: ${hb.log}`);
    assert.match(hb.log, b.heartbeat);
    assert.match(hb.log, /Configuration error, heartbeat not started/);
    const pf = install(t, r, files, b.node ?? 'lvs1');
    assert.equal(pf.status, 1, pf.out);
    assert.match(pf.out, /install\.sh: pre-flight: \/etc\/ha\.d\/(ha\.cf|haresources|authkeys): refused by its consumer, @heartbeat /);
    assert.match(pf.out, b.preflight);
    assert.match(pf.out, /pre-flight: a file's consumer refuses it; nothing was changed/);
  });
}

// A resource script heartbeat cannot find is no reason for it to refuse its
// start: it starts, and when it takes the group over (here after initdead, the
// peer silent) ResourceManager cannot locate the script and the group's
// addresses never come up. The pre-flight refuses it before anything changes.
test('ha-lb/debian, a haresources resource script that does not exist: heartbeat starts but cannot take the group; the pre-flight refuses the file', async (t) => {
  if (!canRun(t)) return;
  const r = await haLb('debian');
  const files = edit(generated(r), 'haresources', / ldirectord::/, ' nosuchagent::');
  // Quick timers and a log file, for heartbeat to take the group over within seconds.
  const quick = edit(edit(edit(edit(files, 'ha.cf', /^keepalive 2$/m, 'keepalive 250ms'), 'ha.cf', /^deadtime 10$/m, 'deadtime 1'), 'ha.cf', /^initdead 60$/m, 'initdead 1'), 'ha.cf', /^logfacility local0$/m, 'logfile /var/lib/heartbeat/ha-log');
  // until heartbeat has tried the group (a minute at most: at load it takes its
  // time); the error may come first, from an earlier look at the group's status.
  // It takes the group one of two ways: as its own after initdead ("Acquiring
  // resource group"), or, when it has declared the peer dead first, through
  // mach_down ("Resources being acquired from lvs2", logged before it; a CI run
  // of 2026-12-07); either way heartbeat logs "Local Resource acquisition
  // completed." after the error (mach_down's own lines may come later).
  const hb = runHeartbeat(t, quick, 'lvs1', 60, { 'lvsgen-ipvs-sync': r.read('lvs1', 'etc/ha.d/resource.d/lvsgen-ipvs-sync') }, 'Cannot locate resource script nosuchagent\nLocal Resource acquisition completed.');
  assert.equal(hb.status, 0, hb.log);
  assert.match(hb.log, /Configuration validated\. Starting heartbeat/);
  assert.match(hb.log, /Acquiring resource group: lvs1 nosuchagent::ldirectord\.cf|Resources being acquired from lvs2\./);
  assert.match(hb.log, /Local Resource acquisition completed\./);
  assert.match(hb.log, /ERROR: Cannot locate resource script nosuchagent/);
  assert.ok(hb.addresses.includes('10.9.0.2/24') && !hb.addresses.includes('10.1.3.61'), `the floating address came up:\n${hb.addresses}`);
  const pf = install(t, r, files, 'lvs1');
  assert.equal(pf.status, 1, pf.out);
  assert.match(pf.out, /\/etc\/ha\.d\/haresources: Cannot locate resource script nosuchagent/);
});

// lvsgen-ipv6addr (ha-lb-ipv6's IPv6 floating addresses) starts and stops an
// address with heartbeat's resource.d/IPv6addr, which haresources does not
// name: without it the script's start fails when heartbeat takes the group
// over, so the pre-flight asks for it as for a script haresources names.
test('ha-lb-ipv6/debian: the pre-flight refuses haresources naming lvsgen-ipv6addr where resource.d/IPv6addr, which it runs, is missing; with it the install goes through', async (t) => {
  if (!canRun(t)) return;
  const r = await render(scope, 'ha-lb-ipv6', 'debian');
  const files = generated(r);
  assert.match(files.haresources.text, / lvsgen-ipv6addr::/);
  assert.doesNotMatch(files.haresources.text, /IPv6addr::/);
  assert.ok(bundleResourceScripts(join(r.dir, 'lvs1')).includes('/etc/ha.d/resource.d/IPv6addr'), 'the stand-ins include IPv6addr');
  const missing = install(t, r, files, 'lvs1', ['/etc/ha.d/resource.d/IPv6addr']);
  assert.equal(missing.status, 1, missing.out);
  assert.match(missing.out, /\/etc\/ha\.d\/haresources: Cannot locate resource script IPv6addr \(in \/etc\/ha\.d\/resource\.d\), which lvsgen-ipv6addr runs/);
  const present = install(t, r, files, 'lvs1');
  assert.equal(present.status, 0, present.out);
});

// Where the two differ. heartbeat lower-cases the node names (and its own):
// both take a host named LVS1. heartbeat refuses a bcast device that does not
// exist when it starts; the pre-flight does not look (the device may come up
// with the network restart of the same install).
test('ha-lb/debian: both take a host named LVS1; only heartbeat refuses a bcast device that does not exist', async (t) => {
  if (!canRun(t)) return;
  const r = await haLb('debian');
  const files = generated(r);
  assert.equal(runHeartbeat(t, files, 'LVS1').status, 0);
  assert.equal(install(t, r, files, 'LVS1').status, 0);
  const eth9 = edit(files, 'ha.cf', /^bcast eth0$/m, 'bcast eth9');
  const hb = runHeartbeat(t, eth9, 'lvs1');
  assert.equal(hb.status, 6);
  assert.match(hb.log, /IP interface \[eth9\] does not exist/);
  assert.equal(install(t, r, eth9, 'lvs1').status, 0);
});
