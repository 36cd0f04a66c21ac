// The installer's route reverts (issue 15): --uninstall deletes the static
// routes lvsgen's interface files added, and only those.
//
// fwmark's router gets one route from lvsgen (10.1.4.0/24 via 10.1.3.1 dev
// eth0: the director's virtual network), through its distro's own file:
// an `up ip route add` line of its ifupdown stanza (debian, debian12), a line
// of /etc/sysconfig/static-routes (redhat). Its plan probes the route before
// the install (`probe route-eth0-10_1_4_0-24-via-10_1_3_1 ip route show exact
// ...`: the id names the route) and deletes it on --uninstall when it was not
// there before (`revert route-eth0-... ip route del ...`).
//
// install.sh runs for real (`--root`, commands chrooted into a scratch root)
// in a scratch network namespace whose host already routes as its
// administrator set it up: a default route (via 172.16.0.1 on eth1) and a
// static route of their own (10.9.0.0/16 via 10.1.3.250 on eth0, the same
// device as lvsgen's route). The programs that add and delete routes are the
// real ones, copied into the root with their libraries: `ip` (the probes, the
// reverts, and what ifupdown runs), ifupdown's ifup/ifdown (the network
// restart on Debian: `ifdown -a --exclude=lo` then `ifup -a`, as
// networking.service and sarge's /etc/init.d/networking do; also the
// pre-flight's `ifup --no-act`), run-parts, and net-tools' `route`. Red
// Hat's network restart is initscripts' replayed in sh (INITSCRIPTS_RESTART:
// every device down and up again from its ifcfg file, GATEWAY, route-DEV,
// then static-routes' `any` lines through route); the redhat host has a
// static route of its own in static-routes too, which lvsgen merges (block).
// Every other command of the plan (sysctl, the service manager) is a stub
// that succeeds.
//
// Shown, per distro: the administrator's routes survive the install's network
// restart, lvsgen's route is added; --uninstall leaves `ip route` (and `ip
// addr`) exactly as before. A route the host already had that lvsgen's file
// also adds stays after --uninstall. Without the plan's revert records the
// same uninstall leaves lvsgen's route behind (the comparison above catches
// it).
//
// The routes reordered between two installs, one added before the others: an
// id names its route, so the state each had before the first install stays
// with it, and --uninstall deletes exactly the routes lvsgen added.
//
// tunl0's revert (`ip link set tunl0 down`) is shown in installer-undo.test.ts,
// on a stand-in tunl0 (this machine's kernel lacks the ipip module).
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { parsePlan, type Plan } from '../../src/render/plan.js';
import { copyProgram, realPath } from '../support/host-package.js';
import { consumerOf, example, netns, type Netns, ok, read, render, renderText, requireRoot, requireTools, run, sh, staticBusybox } from '../support/index.js';

const STUB_LOG = 'lvsgen-stub.log';
/** Chrooted commands look programs up here (ifupdown runs `ip` and `run-parts` by name). */
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const LVSGEN_ROUTE = '10.1.4.0/24 via 10.1.3.1 dev eth0';
const ADMIN_DEFAULT = 'default via 172.16.0.1 dev eth1'; // ifupdown adds `onlink`
const ADMIN_ROUTE = '10.9.0.0/16 via 10.1.3.250 dev eth0';

/** A stub: logs its command line and succeeds. */
const STUB = `#!/bin/sh\nprintf '%s\\n' "$0 $*" >>/${STUB_LOG}\nexit 0\n`;

/** The network restart of Debian with ifupdown: networking.service's ExecStop then ExecStart (sarge's init script does the same). */
const IFUPDOWN_RESTART = (ifup: string) => `#!/bin/sh
printf '%s\\n' "$0 $*" >>/${STUB_LOG}
case "$*" in *restart*) ;; *) exit 0 ;; esac
${dirname(ifup)}/ifdown -a --exclude=lo
exec ${ifup} -a
`;

/**
 * Red Hat's /etc/init.d/network restart as initscripts (7.x) do it, with the
 * real ip and route: stop is ifdown of every device (its addresses flushed,
 * the device down: the kernel drops its routes); start is, for each ifcfg-DEV
 * with ONBOOT=yes, its address, the default route when GATEWAY (ifcfg-DEV,
 * else /etc/sysconfig/network) lies in the device's network (ifup-eth's
 * ipcalc test), each line of route-DEV as `ip route add LINE dev DEV`
 * (ifup-routes), then the non interface-specific static routes:
 *   grep "^any" /etc/sysconfig/static-routes | while read ignore args ; do /sbin/route add -$args ; done
 * The names initscripts skip (aliases, backups) are skipped.
 */
const INITSCRIPTS_RESTART = `#!/bin/sh
printf '%s\\n' "$0 $*" >>/${STUB_LOG}
[ "$1" = restart ] || exit 0
S=/etc/sysconfig/network-scripts
bb=/real/busybox
devices() {
	for f in "$S"/ifcfg-*; do
		d=\${f##*/ifcfg-}
		case $d in lo | *:* | *~ | *.bak | *.old | *.orig | *.rpmnew | *.rpmorig | *.rpmsave | *.lvsgen-*) continue ;; esac
		echo "$d"
	done
}
for d in $(devices); do /sbin/ip addr flush dev "$d"; /sbin/ip link set dev "$d" down; done
for d in $(devices); do
	(
		GATEWAY=
		. /etc/sysconfig/network
		netgw=$GATEWAY
		DEVICE=$d IPADDR= NETMASK= GATEWAY= GATEWAYDEV= ONBOOT=
		. "$S/ifcfg-$d"
		[ "$ONBOOT" = yes ] || exit 0
		eval "$($bb ipcalc -p "$IPADDR" "$NETMASK")"
		eval "$($bb ipcalc -n "$IPADDR" "$NETMASK")"
		/sbin/ip addr add "$IPADDR/$PREFIX" dev "$DEVICE"
		/sbin/ip link set dev "$DEVICE" up
		gw=\${GATEWAY:-$netgw}
		if [ -n "$gw" ] && { [ -z "$GATEWAYDEV" ] || [ "$GATEWAYDEV" = "$DEVICE" ]; } && [ "$($bb ipcalc -n "$gw" "$NETMASK")" = "NETWORK=$NETWORK" ]; then
			/sbin/ip route replace default via "$gw" dev "$DEVICE"
		fi
		[ -f "$S/route-$DEVICE" ] && $bb grep -v '^#' "$S/route-$DEVICE" | while read -r line; do
			[ -n "$line" ] && /sbin/ip route add $line dev "$DEVICE"
		done
		exit 0
	)
done
[ -f /etc/sysconfig/static-routes ] || exit 0
$bb grep "^any" /etc/sysconfig/static-routes | while read -r ignore args; do
	/sbin/route add -$args
done
exit 0
`;

/** The administrator's interfaces(5): the router already routes (ifupdown brought it up from this file). */
const ADMIN_INTERFACES = `# interfaces(5) file used by ifup(8) and ifdown(8)
auto lo
iface lo inet loopback

# Towards the servers; the management network lies behind 10.1.3.250.
auto eth0
iface eth0 inet static
	address 10.1.3.254/24
	up ip route add 10.9.0.0/16 via 10.1.3.250

# The uplink.
auto eth1
iface eth1 inet static
	address 172.16.0.254/24
	gateway 172.16.0.1
`;

interface Case {
  distro: string;
  /** The administrator's files. */
  files: Record<string, string>;
  /** Brings the host up as its administrator's files say (before lvsgen). */
  boot(ns: Netns, root: string, plan: Plan): void;
  /** The stand-in of the plan's network restart. */
  restart(plan: Plan): string;
  /** Real programs at the root's paths (beyond `ip`): path -> tool. */
  programs(plan: Plan): Record<string, string>;
  /** The administrator's routes beyond ADMIN_DEFAULT and ADMIN_ROUTE. */
  adminRoutes?: string[];
}

/** The plan's network restart command (its program). */
const networkOf = (plan: Plan) => plan.actions.find((a) => a.name === 'network')!.commands[0]!.words[0]!;

/** The plan's ifup (its pre-flight check's program). */
const ifupOf = (plan: Plan) => consumerOf(plan.files.find((f) => f.check?.words.some((w) => w.endsWith('/ifup')))!.check!.words);

const IFUPDOWN: Omit<Case, 'distro'> = {
  files: { '/etc/network/interfaces': ADMIN_INTERFACES },
  boot: (ns, root, plan) => void chrooted(ns, root, [ifupOf(plan), '-a'], 'the administrator\'s ifup -a'),
  restart: (plan) => IFUPDOWN_RESTART(ifupOf(plan)),
  programs: (plan) => ({ [ifupOf(plan)]: 'ifup', [`${dirname(ifupOf(plan))}/ifdown`]: 'ifup', '/bin/run-parts': 'run-parts' }),
};

const CASES: Case[] = [
  { distro: 'debian12', ...IFUPDOWN },
  { distro: 'debian', ...IFUPDOWN },
  {
    distro: 'redhat',
    files: {
      '/etc/sysconfig/network': 'NETWORKING=yes\nHOSTNAME=router\nGATEWAY=172.16.0.1\n',
      '/etc/sysconfig/network-scripts/ifcfg-eth0': 'DEVICE=eth0\nONBOOT=yes\nBOOTPROTO=static\nIPADDR=10.1.3.254\nNETMASK=255.255.255.0\n',
      '/etc/sysconfig/network-scripts/ifcfg-eth1': 'DEVICE=eth1\nONBOOT=yes\nBOOTPROTO=static\nIPADDR=172.16.0.254\nNETMASK=255.255.255.0\n',
      // initscripts' ifup-routes: each line is `ip route add LINE dev eth0`.
      '/etc/sysconfig/network-scripts/route-eth0': '10.9.0.0/16 via 10.1.3.250\n',
      // The administrator's own static route in the file lvsgen writes too.
      '/etc/sysconfig/static-routes': `any net 10.8.0.0 netmask 255.255.0.0 gw 10.1.3.250\n`,
    },
    // The host as initscripts' network start brings it up from those files.
    boot: (ns, root, plan) => void chrooted(ns, root, [networkOf(plan), 'restart'], 'the administrator\'s network start'),
    restart: () => INITSCRIPTS_RESTART,
    adminRoutes: ['10.8.0.0/16 via 10.1.3.250 dev eth0'],
    programs: () => ({ '/sbin/route': 'route' }),
  },
];

/** A command chrooted into the root, in the namespace; fails the test unless it exits 0. */
function chrooted(ns: Netns, root: string, words: string[], what: string) {
  return ok(sh('ip', ['netns', 'exec', ns.name, 'env', '-i', `PATH=${PATH}`, 'chroot', root, ...words]), what);
}

/** The scratch root: busybox's sh, /dev/null, ifupdown's folders, the real programs, stubs for the rest of the plan. */
function scratchRoot(t: TestContext, c: Case, plan: Plan, busybox: Buffer): string {
  const root = mkdtempSync(join(tmpdir(), 'lvsgen-routes-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const d of ['bin', 'dev', 'tmp', 'run/network', 'real', ...['pre-up', 'up', 'down', 'post-down'].map((s) => `etc/network/if-${s}.d`)]) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'bin/sh'), busybox, { mode: 0o755 });
  writeFileSync(join(root, 'real/busybox'), busybox, { mode: 0o755 });
  run('mknod', ['-m', '666', join(root, 'dev/null'), 'c', '1', '3']);
  const ip = plan.probes.find((p) => p.id.startsWith('route-'))!.words[0]!;
  const programs: Record<string, string> = { [ip]: 'ip', ...c.programs(plan) };
  const network = networkOf(plan);
  const words = plan.actions.flatMap((a) => [...a.before, ...a.commands, ...a.reload, ...a.start, ...a.undo, ...a.reapply].map((x) => x.words[0]!));
  const place = (p: string, text: string) => {
    mkdirSync(join(root, dirname(p)), { recursive: true });
    writeFileSync(join(root, p), text, { mode: 0o755 });
  };
  for (const p of new Set([...words, ...plan.sysctls.map((k) => k.program), ...plan.services.flatMap((s) => Object.values(s.commands).map((w) => w[0]!))])) place(p, STUB);
  place(network, c.restart(plan));
  for (const [p, tool] of Object.entries(programs)) {
    const real = realPath(tool);
    copyProgram(root, real);
    mkdirSync(join(root, dirname(p)), { recursive: true });
    rmSync(join(root, p), { force: true });
    // A link keeps the name the program was called by (ifdown is ifup called ifdown).
    symlinkSync(`/real/${basename(real)}`, join(root, p));
  }
  for (const [p, text] of Object.entries(c.files)) {
    mkdirSync(join(root, dirname(p)), { recursive: true });
    writeFileSync(join(root, p), text, { mode: 0o644 });
  }
  return root;
}

/** install.sh in the namespace. */
function install(ns: Netns, installer: string, root: string, ...args: string[]) {
  return sh('ip', ['netns', 'exec', ns.name, 'env', `PATH=${PATH}`, installer, '--root', root, ...args], { input: '', timeout: 120_000 });
}

/** The namespace's routes and addresses, a line each, sorted (the kernel lists routes in its own order). */
function live(ns: Netns) {
  const rows = (s: string) => s.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => l !== '').sort();
  return { route: rows(ok(ns.ip('route'), 'ip route').stdout), addr: rows(ok(ns.ip('-4', '-o', 'addr'), 'ip addr').stdout) };
}

/** A copy of the bundle whose plan has no revert record: the negative control. */
function withoutReverts(t: TestContext, bundle: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lvsgen-routes-noreverts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(bundle, dir, { recursive: true });
  const plan = join(dir, '.lvsgen/plan');
  const text = read(plan);
  const stripped = text.replace(/^revert .*\n/gm, '');
  assert.notEqual(stripped, text, 'the plan has revert records');
  writeFileSync(plan, stripped);
  return join(dir, '.lvsgen/install.sh');
}

describe('install.sh --uninstall deletes lvsgen\'s static routes and keeps the administrator\'s', { concurrency: true }, () => {
  for (const c of CASES) {
    test(`fwmark/${c.distro}/router: ip route after install then --uninstall is as before; a route the host had stays; without the revert records lvsgen's stays`, async (t) => {
      if (!(requireRoot(t) && requireTools(t, 'ip', 'ifup', 'route', 'run-parts', 'ldd', 'chroot', 'mknod'))) return;
      const busybox = staticBusybox(t);
      if (busybox === undefined) return;
      const r = await render(t, 'fwmark', c.distro);
      const bundle = join(r.dir, 'router');
      const installer = join(bundle, '.lvsgen/install.sh');
      const plan = parsePlan(read(join(bundle, '.lvsgen/plan')));
      const probe = plan.probes.find((p) => p.id === 'route-eth0-10_1_4_0-24-via-10_1_3_1');
      assert.ok(probe !== undefined, 'the plan probes lvsgen\'s route');
      assert.deepEqual(probe.words.slice(1), ['route', 'show', 'exact', ...LVSGEN_ROUTE.split(' ')]);
      assert.deepEqual(probe.revert.words.slice(1), ['route', 'del', ...LVSGEN_ROUTE.split(' ')]);

      const ns = netns(t, 'lvrt');
      ns.veth('eth0');
      ns.veth('eth1');
      const root = scratchRoot(t, c, plan, busybox);
      c.boot(ns, root, plan);
      const before = live(ns);
      assert.ok(before.route.some((l) => l.startsWith(ADMIN_DEFAULT)) && [ADMIN_ROUTE, ...(c.adminRoutes ?? [])].every((a) => before.route.includes(a)), `the administrator's routes are up:\n${before.route.join('\n')}`);
      assert.ok(!before.route.includes(LVSGEN_ROUTE));

      // Install: the network restart reads lvsgen's file; the administrator's routes stay.
      const done = install(ns, installer, root, '--yes');
      ok(done, 'install');
      assert.match(readFileSync(join(root, STUB_LOG), 'utf8'), /restart/, 'the network restart ran');
      assert.deepEqual(live(ns), { ...before, route: [...before.route, LVSGEN_ROUTE].sort() }, `installed: lvsgen's route beside the administrator's\n${done.stdout}${done.stderr}`);
      const un = install(ns, installer, root, '--uninstall');
      ok(un, '--uninstall');
      assert.match(un.stdout, new RegExp(`route del ${LVSGEN_ROUTE}`), 'the revert ran');
      assert.deepEqual(live(ns), before, `--uninstall: ip route is not as before\n${un.stdout}${un.stderr}`);

      // The host already has the route lvsgen's file adds: it is the host's, kept.
      ok(ns.ip('route', 'add', ...LVSGEN_ROUTE.split(' ')), 'the administrator adds the route');
      const had = live(ns);
      ok(install(ns, installer, root, '--yes'), 'install over the host\'s route');
      assert.deepEqual(live(ns), had, 'installed: the same routes');
      const kept = install(ns, installer, root, '--uninstall');
      ok(kept, '--uninstall');
      assert.doesNotMatch(kept.stdout, /route del/, 'no route deleted');
      assert.deepEqual(live(ns), had, '--uninstall kept the host\'s own route');
      ok(ns.ip('route', 'del', ...LVSGEN_ROUTE.split(' ')), 'the administrator deletes it again');
      assert.deepEqual(live(ns), before);

      // Negative control: the same bundle without its revert records leaves lvsgen's route behind.
      const bare = withoutReverts(t, bundle);
      ok(install(ns, bare, root, '--yes'), 'install (no reverts)');
      ok(install(ns, bare, root, '--uninstall'), '--uninstall (no reverts)');
      assert.deepEqual(live(ns), { ...before, route: [...before.route, LVSGEN_ROUTE].sort() }, 'without the revert records lvsgen\'s route stays');
    });
  }
});

/** fwmark with a firewall-mark service per network: the router routes each to the director, in this order. */
function routedTopology(networks: string[]): string {
  const head = read(example('fwmark')).split('\nvirtual_services:\n')[0]!;
  const service = (net: string) => `  - fwmark:\n      match: [${net}:80]\n    forward: gate\n    check: { type: connect, port: 80 }\n    real_servers: [real1, real2]\n`;
  return `${head}\nvirtual_services:\n${networks.map(service).join('')}`;
}

/** The route lvsgen's router adds for a network (to the director, 10.1.3.1, on eth0). */
const routeTo = (net: string) => `${net} via 10.1.3.1 dev eth0`;

describe('install.sh: routes reordered between installs keep the state they had before lvsgen', { concurrency: true }, () => {
  for (const c of CASES) {
    test(`fwmark/${c.distro}/router: a route added before the others and the rest reordered; --uninstall deletes exactly lvsgen's routes and keeps the administrator's own (also in lvsgen's files)`, async (t) => {
      if (!(requireRoot(t) && requireTools(t, 'ip', 'ifup', 'route', 'run-parts', 'ldd', 'chroot', 'mknod'))) return;
      const busybox = staticBusybox(t);
      if (busybox === undefined) return;
      // First 4, 5, 6; then 2 before them, and 6, 5, 4. The administrator routes 5 already.
      const first = await renderText(t, routedTopology(['10.1.4.0/24', '10.1.5.0/24', '10.1.6.0/24']), c.distro);
      const second = await renderText(t, routedTopology(['10.1.2.0/24', '10.1.6.0/24', '10.1.5.0/24', '10.1.4.0/24']), c.distro);
      const planOf = (r: typeof first) => parsePlan(r.read('router', '.lvsgen/plan'));
      const routes = (r: typeof first) => planOf(r).probes.filter((p) => p.id.startsWith('route-')).map((p) => p.words.slice(4).join(' '));
      assert.deepEqual(routes(first), ['10.1.4.0/24', '10.1.5.0/24', '10.1.6.0/24'].map(routeTo));
      assert.deepEqual(routes(second), ['10.1.2.0/24', '10.1.6.0/24', '10.1.5.0/24', '10.1.4.0/24'].map(routeTo));
      const installerOf = (r: typeof first) => r.file('router', '.lvsgen/install.sh');

      const ns = netns(t, 'lvro');
      ns.veth('eth0');
      ns.veth('eth1');
      const root = scratchRoot(t, c, planOf(second), busybox);
      c.boot(ns, root, planOf(first));
      ok(ns.ip('route', 'add', ...routeTo('10.1.5.0/24').split(' ')), 'the administrator routes 10.1.5.0/24');
      const before = live(ns);
      assert.ok(before.route.includes(routeTo('10.1.5.0/24')) && !before.route.includes(routeTo('10.1.4.0/24')));

      const one = install(ns, installerOf(first), root, '--yes');
      ok(one, 'install (4, 5, 6)');
      assert.deepEqual(live(ns).route, [...before.route, routeTo('10.1.4.0/24'), routeTo('10.1.6.0/24')].sort(), `first install:\n${one.stdout}${one.stderr}`);
      const two = install(ns, installerOf(second), root, '--yes');
      ok(two, 'install (2, 6, 5, 4)');
      assert.deepEqual(live(ns).route, [...before.route, ...['10.1.2.0/24', '10.1.4.0/24', '10.1.6.0/24'].map(routeTo)].sort(), `second install:\n${two.stdout}${two.stderr}`);
      const un = install(ns, installerOf(second), root, '--uninstall');
      ok(un, '--uninstall');
      assert.deepEqual(live(ns), before, `--uninstall: lvsgen's routes (2, 4, 6) gone, the administrator's 10.1.5.0/24 kept:\n${un.stdout}${un.stderr}`);
    });
  }
});
