// Red Hat ifcfg files on a host that already has its own (issue 15): lvsgen's
// ifcfg-DEV keeps the variables of the host's ifcfg files for that device that
// lvsgen does not set (DNS, MTU, HWADDR, a gateway, IPv6 ...), and another
// ifcfg file for the same device (ifcfg-System_eth0) gets ONBOOT=no, so that
// the network service brings the device up from one file. install.sh runs for
// real against a scratch root (`--root`, busybox as /bin/sh, a stub at every
// command path of the plan, as in installer-coexist.test.ts); the files are
// then read as initscripts read them: sourced by the shell, and chosen by the
// network service's own selection of ifcfg files (initscripts'
// /etc/init.d/network and is_ignored_file; initscripts' ifup is not on this
// machine). Reinstall changes nothing; a failed network restart and
// --uninstall put every byte back.
//
// rhel9: NetworkManager reads ifcfg files too (RHEL's ifcfg-rh plugin): an
// ifcfg-eth0 there is a profile for eth0. It gets ONBOOT=no (the plugin's
// autoconnect=false) and its DNS, MTU, zone, gateway and IPv6 join lvsgen's
// keyfile, which NetworkManager itself then activates in a namespace.
//
// Then the rest of issue 15's coexistence: an ifcfg file or a profile bound to a
// device by its hardware address alone (HWADDR, mac-address), the host's alias
// files that clash with lvsgen's (ifup-aliases' selection rules), and rhel9's
// runtime profiles under /run/NetworkManager, each with a control that fails
// without the installer's handling.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ifcfgAsKeyfile, mergeFile, parsePlan, type Plan } from '../../src/render/plan.js';
import { copyProgram, realPath } from '../support/host-package.js';
import { checkPrograms, example, netns, type Netns, ok, type Ran, read, render, renderText, requireRoot, requireTools, run, sh, sourceFile, staticBusybox, tempDir, bootLvsgenProfiles, LOGGING_STUB, LOGGING_STUB_LOG, type AdminFile, installOn, stubbedRoot, fileScope } from '../support/index.js';

const SCRIPTS = '/etc/sysconfig/network-scripts';

// The administrator's ifcfg-eth0 (lb-nat's director: lvsgen gives eth0 10.1.3.1/24 and no gateway).
const ETH0 = `# eth0: the administrator's, from the kickstart
DEVICE=eth0
BOOTPROTO=dhcp
HWADDR=52:54:00:12:34:56
ONBOOT=yes
IPADDR=10.1.3.1
PREFIX=24
GATEWAY=10.1.3.254
DNS1=10.1.3.53
DNS2=10.1.3.54
DOMAIN="example.org"
MTU=9000
ETHTOOL_OPTS="-K eth0 gro off"
IPV6INIT=yes
IPV6ADDR=2001:db8:3::1/64
USERCTL=no
`;
// A second file for eth0, as NetworkManager names the ifcfg files it writes ("System eth0").
const SYSTEM_ETH0 = `TYPE=Ethernet
NAME="System eth0"
DEVICE=eth0
ONBOOT=yes
BOOTPROTO=dhcp
PEERDNS=no
MTU=1500
`;
// Files lvsgen leaves alone: a backup the network service skips, another device, the stock loopback.
const ETH0_BAK = 'DEVICE=eth0\nONBOOT=yes\nBOOTPROTO=dhcp\n';
const ETH2 = 'DEVICE=eth2\nONBOOT=yes\nBOOTPROTO=dhcp\n';
const LO = 'DEVICE=lo\nIPADDR=127.0.0.1\nNETMASK=255.0.0.0\nNETWORK=127.0.0.0\nBROADCAST=127.255.255.255\nONBOOT=yes\nNAME=loopback\n';

const ADMIN: Record<string, AdminFile> = {
  [`${SCRIPTS}/ifcfg-eth0`]: { text: ETH0, mode: 0o644 },
  [`${SCRIPTS}/ifcfg-System_eth0`]: { text: SYSTEM_ETH0, mode: 0o644 },
  [`${SCRIPTS}/ifcfg-eth0.bak`]: { text: ETH0_BAK, mode: 0o644 },
  [`${SCRIPTS}/ifcfg-eth2`]: { text: ETH2, mode: 0o644 },
  [`${SCRIPTS}/ifcfg-lo`]: { text: LO, mode: 0o644 },
};

// How initscripts' network service picks the files it brings up at boot (etc/rc.d/init.d/network:
// every ifcfg-* but the names is_ignored_file skips, lo, aliases and ranges; each sourced in a
// subshell, skipped when its ONBOOT is false): prints "FILE DEVICE" per file it would bring up.
// The device as ifup's source_config (network-scripts/network-functions) finds it: DEVICE, else
// with HWADDR the device of that address (get_device_by_hwaddr, case aside; here from the
// root's sys/class/net/*/address, $2; "-": none, so ifup finds no device), else the name.
const BOOT_SELECTION = `cd "$1" || exit 1
is_false() { case "$1" in [Nn] | [Nn][Oo] | [Ff][Aa][Ll][Ss][Ee] | 0) return 0 ;; esac; return 1; }
by_hwaddr() { for a in "$2"/*/address; do [ -f "$a" ] && grep -qix "$1" "$a" && basename "$(dirname "$a")"; done; }
for f in $(ls ifcfg-* | sed -e '/\\(~\\|\\.bak\\|\\.old\\|\\.orig\\|\\.rpmnew\\|\\.rpmorig\\|\\.rpmsave\\)$/d' -e '/\\(ifcfg-lo$\\|:\\|ifcfg-.*-range\\)/d'); do
	( DEVICE=; ONBOOT=; . "./$f"; is_false "$ONBOOT" ) && continue
	( DEVICE=; HWADDR=; . "./$f"; if [ -z "$DEVICE" ] && [ -n "$HWADDR" ]; then DEVICE=$(by_hwaddr "$HWADDR" "$2"); DEVICE=\${DEVICE:--}; fi; echo "$f \${DEVICE:-\${f#ifcfg-}}" )
done`;

/** The variables initscripts get from sourcing an ifcfg file (ifup's source_config: `. FILE`). */
function sourced(file: string, names: string[]): Record<string, string> {
  const r = ok(sh('sh', ['-c', `. "$0"; ${names.map((n) => `printf '%s=%s\\n' ${n} "$${n}"`).join('; ')}`, file]), `sh: . ${file}`);
  return Object.fromEntries(r.stdout.split('\n').filter((l) => l !== '').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const scope = fileScope();
const rendered = new Map<string, ReturnType<typeof render>>();

interface Host {
  bundle: string;
  installer: string;
  plan: Plan;
}
async function director(distro = 'redhat', example = 'lb-nat'): Promise<Host> {
  if (!rendered.has(`${example}/${distro}`)) rendered.set(`${example}/${distro}`, render(scope, example, distro));
  const bundle = join((await rendered.get(`${example}/${distro}`)!).dir, 'director');
  return { bundle, installer: join(bundle, '.lvsgen/install.sh'), plan: parsePlan(read(join(bundle, '.lvsgen/plan'))) };
}

function scratchRoot(t: TestContext, h: Host, files: Record<string, AdminFile>): string {
  const programs = h.plan.actions.flatMap((a) => [...a.before, ...a.commands, ...a.reload, ...a.start].map((c) => c.words[0]!).concat(a.running.slice(0, 1)));
  return stubbedRoot(t, 'lvsgen-ifcfg-', [...programs, ...checkPrograms(h.plan)], files);
}

const install = (h: Host, root: string, args: string[], fail = ''): Ran => installOn(h.installer, root, args, fail);

function assertKept(root: string, files: Record<string, AdminFile>, what: string): void {
  for (const [p, f] of Object.entries(files)) {
    assert.equal(read(join(root, p)), f.text, `${what}: ${p}: the administrator's bytes`);
    assert.equal((lstatSync(join(root, p)).mode & 0o7777).toString(8), f.mode.toString(8), `${what}: ${p}: mode`);
  }
}

const bootSelection = (root: string) => ok(sh('sh', ['-c', BOOT_SELECTION, 'sh', join(root, SCRIPTS), join(root, 'sys/class/net')]), 'the network service\'s selection').stdout.split('\n').filter((l) => l !== '').sort();

test("lb-nat/redhat/director: lvsgen's ifcfg-eth0 keeps the host's DNS, MTU, gateway, HWADDR and IPv6; another ifcfg for eth0 gets ONBOOT=no; sourced as initscripts do; reinstall is a no-op; a failure and --uninstall put every byte back", async (t) => {
  if (!(requireRoot(t) && requireTools(t, 'busybox', 'chroot', 'sed'))) return;
  const h = await director();
  for (const p of ['ifcfg-eth0', 'ifcfg-eth0:0', 'ifcfg-eth1']) assert.equal(h.plan.files.find((f) => f.path === `${SCRIPTS}/${p}`)?.merge, 'ifcfg', `${p} is merged by ifcfg`);

  // Negative control: as the administrator left it, the network service brings eth0 up from two files.
  const before = scratchRoot(t, h, ADMIN);
  assert.deepEqual(bootSelection(before), ['ifcfg-System_eth0 eth0', 'ifcfg-eth0 eth0', 'ifcfg-eth2 eth2']);

  // A failed network restart: every byte back, the second file's included.
  const r = install(h, before, ['--yes'], '/etc/init.d/network restart');
  assert.notEqual(r.status, 0, r.stdout);
  assertKept(before, ADMIN, 'a failed restart');
  assert.ok(!existsSync(join(before, SCRIPTS, 'ifcfg-eth1')), 'a failed install left ifcfg-eth1');

  const root = scratchRoot(t, h, ADMIN);
  ok(install(h, root, ['--yes']), 'install');
  const eth0 = read(join(root, SCRIPTS, 'ifcfg-eth0'));
  const bundled = read(join(h.bundle, SCRIPTS, 'ifcfg-eth0'));
  // lvsgen's file, the host's own lines for eth0 (as the oracle merges them), then what only the second file set.
  const own = mergeFile('ifcfg', ETH0, bundled);
  assert.equal(eth0, `${own}TYPE=Ethernet\nNAME="System eth0"\nPEERDNS=no\n`, eth0);
  assert.ok(own.startsWith(bundled), "lvsgen's lines come first, as rendered");
  for (const l of ['BOOTPROTO=dhcp', 'PREFIX=24', 'MTU=1500', 'ONBOOT=no']) assert.ok(!eth0.split('\n').includes(l), `${l} is carried:\n${eth0}`);
  for (const k of ['DEVICE', 'ONBOOT', 'BOOTPROTO', 'IPADDR', 'MTU']) assert.equal(eth0.split('\n').filter((l) => l.startsWith(`${k}=`)).length, 1, `${k} set once:\n${eth0}`);
  assert.equal((lstatSync(join(root, SCRIPTS, 'ifcfg-eth0')).mode & 0o7777).toString(8), '644');
  // As initscripts read it: sourced.
  assert.deepEqual(sourced(join(root, SCRIPTS, 'ifcfg-eth0'), ['DEVICE', 'ONBOOT', 'BOOTPROTO', 'IPADDR', 'NETMASK', 'PREFIX', 'GATEWAY', 'DNS1', 'DNS2', 'DOMAIN', 'MTU', 'ETHTOOL_OPTS', 'HWADDR', 'IPV6INIT', 'IPV6ADDR', 'USERCTL', 'PEERDNS']), {
    DEVICE: 'eth0',
    ONBOOT: 'yes',
    BOOTPROTO: 'static',
    IPADDR: '10.1.3.1',
    NETMASK: '255.255.255.0',
    PREFIX: '',
    GATEWAY: '10.1.3.254',
    DNS1: '10.1.3.53',
    DNS2: '10.1.3.54',
    DOMAIN: 'example.org',
    MTU: '9000',
    ETHTOOL_OPTS: '-K eth0 gro off',
    HWADDR: '52:54:00:12:34:56',
    IPV6INIT: 'yes',
    IPV6ADDR: '2001:db8:3::1/64',
    USERCTL: 'no',
    PEERDNS: 'no',
  });
  // The devices lvsgen adds have no host file: they are lvsgen's as rendered.
  for (const p of ['ifcfg-eth1', 'ifcfg-eth0:0']) assert.equal(read(join(root, SCRIPTS, p)), read(join(h.bundle, SCRIPTS, p)), p);
  // The second file: only its ONBOOT changed; the others untouched.
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-System_eth0')), SYSTEM_ETH0.replace('ONBOOT=yes', 'ONBOOT=no'));
  const { [`${SCRIPTS}/ifcfg-eth0`]: _e, [`${SCRIPTS}/ifcfg-System_eth0`]: _s, ...untouched } = ADMIN;
  assertKept(root, untouched, 'install');
  // The network service now brings each device up from one file.
  assert.deepEqual(bootSelection(root), ['ifcfg-eth0 eth0', 'ifcfg-eth1 eth1', 'ifcfg-eth2 eth2']);

  // Reinstall: nothing to do; --check clean.
  assert.match(ok(install(h, root, ['--yes']), 'reinstall').stdout, /nothing to do/);
  assert.equal(install(h, root, ['--check']).status, 0, '--check after install');
  // An edit to lvsgen's file is lvsgen's to undo (--check shows it); the host's settings stay.
  writeFileSync(join(root, SCRIPTS, 'ifcfg-eth0'), `${eth0}MTU=1400\n`);
  const check = install(h, root, ['--check']);
  assert.equal(check.status, 1, check.stdout);
  assert.ok(check.stdout.split('\n').includes('-MTU=1400'), check.stdout);
  ok(install(h, root, ['--yes']), 'install over the edit');
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-eth0')), eth0);

  ok(install(h, root, ['--uninstall']), '--uninstall');
  assertKept(root, ADMIN, '--uninstall');
  for (const p of ['ifcfg-eth1', 'ifcfg-eth0:0']) assert.ok(!existsSync(join(root, SCRIPTS, p)), `--uninstall left ${p}`);
  assert.ok(!existsSync(join(root, 'var/lib/lvsgen')), '--uninstall left its state');
});

test('lb-nat/redhat/director: upgrading from an lvsgen that replaced ifcfg-eth0 whole brings the administrator\'s settings back', async (t) => {
  if (!(requireRoot(t) && requireTools(t, 'busybox', 'chroot'))) return;
  const h = await director();
  const bundled = read(join(h.bundle, SCRIPTS, 'ifcfg-eth0'));
  // What the earlier installer left: its own file in place, the administrator's kept in backup/.
  const root = scratchRoot(t, h, { [`${SCRIPTS}/ifcfg-eth0`]: { text: bundled, mode: 0o644 }, [`/var/lib/lvsgen/backup${SCRIPTS}/ifcfg-eth0`]: { text: ETH0, mode: 0o644 } });
  ok(install(h, root, ['--yes']), 'install');
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-eth0')), mergeFile('ifcfg', ETH0, bundled));
  ok(install(h, root, ['--uninstall']), '--uninstall');
  assertKept(root, { [`${SCRIPTS}/ifcfg-eth0`]: { text: ETH0, mode: 0o644 } }, '--uninstall after the upgrade');
});

// What RHEL's NetworkManager writes for eth0 in the ifcfg format (nmcli on a host that keeps ifcfg-rh profiles).
const ETH0_RH = `TYPE=Ethernet
BOOTPROTO=none
NAME="System eth0"
UUID=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03
DEVICE=eth0
ONBOOT=yes
IPADDR=10.1.3.1
PREFIX=24
GATEWAY=10.1.3.254
DNS1=10.1.3.53
DNS2=10.1.3.54
DOMAIN=example.org
MTU=9000
ZONE=public
IPV6INIT=yes
IPV6ADDR=2001:db8:3::1/64
`;

test("lb-nat/rhel9/director: an ifcfg-format profile for eth0 (NetworkManager's ifcfg-rh) gets ONBOOT=no and its DNS, MTU, zone, gateway and IPv6 join lvsgen's keyfile; NetworkManager activates lvsgen's profiles with them; reinstall is a no-op; --uninstall puts every byte back", async (t) => {
  if (!(requireRoot(t) && requireTools(t, 'busybox', 'chroot', 'ip', 'NetworkManager', 'nmcli', 'dbus-daemon', 'unshare'))) return;
  const h = await director('rhel9');
  const KEYFILES = '/etc/NetworkManager/system-connections';
  for (const d of ['eth0', 'eth1']) assert.equal(h.plan.files.find((f) => f.path === `${KEYFILES}/lvsgen-${d}.nmconnection`)?.ifcfgDir, SCRIPTS, `lvsgen-${d}: NetworkManager reads ${SCRIPTS} too`);
  const admin: Record<string, AdminFile> = {
    [`${SCRIPTS}/ifcfg-eth0`]: { text: ETH0_RH, mode: 0o644 },
    [`${SCRIPTS}/ifcfg-eth0.bak`]: { text: ETH0_BAK, mode: 0o644 },
    [`${SCRIPTS}/ifcfg-eth2`]: { text: ETH2, mode: 0o644 },
    '/etc/NetworkManager/NetworkManager.conf': { text: '[main]\nplugins=keyfile\nno-auto-default=*\n', mode: 0o644 },
  };
  const root = scratchRoot(t, h, admin);
  ok(install(h, root, ['--yes']), 'install');
  const eth0 = read(join(root, KEYFILES, 'lvsgen-eth0.nmconnection'));
  assert.equal(eth0, mergeFile('keyfile', ifcfgAsKeyfile(ETH0_RH, 'ifcfg-eth0'), read(join(h.bundle, KEYFILES, 'lvsgen-eth0.nmconnection'))), eth0);
  for (const l of ['dns=10.1.3.53;10.1.3.54;', 'dns-search=example.org;', 'gateway=10.1.3.254', 'mtu=9000', 'zone=public', 'address1=2001:db8:3::1/64']) assert.ok(eth0.split('\n').includes(l), `lvsgen-eth0 lacks ${l}:\n${eth0}`);
  assert.equal((lstatSync(join(root, KEYFILES, 'lvsgen-eth0.nmconnection')).mode & 0o7777).toString(8), '600');
  // The ifcfg profile: only ONBOOT changed (the ifcfg-rh plugin reads ONBOOT as connection.autoconnect); the rest untouched.
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-eth0')), ETH0_RH.replace('ONBOOT=yes', 'ONBOOT=no'));
  assert.equal(sourced(join(root, SCRIPTS, 'ifcfg-eth0'), ['ONBOOT']).ONBOOT, 'no');
  const { [`${SCRIPTS}/ifcfg-eth0`]: _e, ...untouched } = admin;
  assertKept(root, untouched, 'install');

  // NetworkManager itself, at "boot" with the installed keyfiles: lvsgen's profiles alone come up, with the ifcfg's settings.
  const { why, active, ...run } = bootLvsgenProfiles(t, root, ['ipv4.dns', 'ipv4.dns-search', 'ipv4.gateway', '802-3-ethernet.mtu', 'connection.zone', 'ipv6.method', 'ipv6.addresses']);
  assert.deepEqual(active.sort(), ['lvsgen-eth0', 'lvsgen-eth1'], why);
  for (const l of ['ipv4.dns:10.1.3.53,10.1.3.54', 'ipv4.dns-search:example.org', 'ipv4.gateway:10.1.3.254', '802-3-ethernet.mtu:9000', 'connection.zone:public', 'ipv6.method:manual', 'ipv6.addresses:2001:db8:3::1/64']) assert.ok(run.stdout.includes(`${l}\n`), `${l}: ${why}`);
  assert.match(run.stdout, /eth0.* mtu 9000 /, why);
  assert.match(run.stdout, /inet6 2001:db8:3::1\/64 /, why);
  assert.match(run.stdout, /^default via 10\.1\.3\.254 dev eth0/m, why);

  assert.match(ok(install(h, root, ['--yes']), 'reinstall').stdout, /nothing to do/);
  assert.equal(install(h, root, ['--check']).status, 0, '--check after install');
  ok(install(h, root, ['--uninstall']), '--uninstall');
  assertKept(root, admin, '--uninstall');
  assert.ok(!existsSync(join(root, KEYFILES, 'lvsgen-eth0.nmconnection')), '--uninstall left lvsgen-eth0');
});

// Files and profiles bound to a device by its hardware address alone. The scratch root gets
// sys/class/net/DEV/address as a live host's /sys has it (install.sh reads ROOT/sys/class/net).
const MAC0 = '52:54:00:aa:bb:01';
const MAC1 = '52:54:00:aa:bb:02';
const SYS: Record<string, AdminFile> = {
  '/sys/class/net/eth0/address': { text: `${MAC0}\n`, mode: 0o444 },
  '/sys/class/net/eth1/address': { text: `${MAC1}\n`, mode: 0o444 },
};
// An ifcfg file bound by HWADDR alone (no DEVICE, a name that is no device's): initscripts bring
// eth0 up from it (source_config: get_device_by_hwaddr). Another for an address no device of lvsgen's has.
const NIC0 = `# the installer's file for the first NIC
HWADDR=${MAC0.toUpperCase()}
ONBOOT=yes
BOOTPROTO=dhcp
MTU=9000
DNS1=10.1.3.53
`;
const NIC9 = 'HWADDR=52:54:00:aa:bb:09\nONBOOT=yes\nBOOTPROTO=dhcp\n';

test("lb-nat/redhat/director: an ifcfg file bound to eth0 by HWADDR alone (initscripts' get_device_by_hwaddr) gets ONBOOT=no and its MTU and DNS join lvsgen's ifcfg-eth0; one for another address is left; without the root's /sys it is judged by its name, with a warning; --uninstall puts every byte back", async (t) => {
  if (!(requireRoot(t) && requireTools(t, 'busybox', 'chroot', 'sed'))) return;
  const h = await director();
  const admin: Record<string, AdminFile> = { ...SYS, [`${SCRIPTS}/ifcfg-nic0`]: { text: NIC0, mode: 0o644 }, [`${SCRIPTS}/ifcfg-nic9`]: { text: NIC9, mode: 0o644 } };
  const root = scratchRoot(t, h, admin);
  // Negative control: as the administrator left it, the network service brings eth0 up from ifcfg-nic0; nic9 has no device.
  assert.deepEqual(bootSelection(root), ['ifcfg-nic0 eth0', 'ifcfg-nic9 -']);

  ok(install(h, root, ['--yes']), 'install');
  const bundled = read(join(h.bundle, SCRIPTS, 'ifcfg-eth0'));
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-eth0')), `${bundled}HWADDR=${MAC0.toUpperCase()}\nMTU=9000\nDNS1=10.1.3.53\n`);
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-nic0')), NIC0.replace('ONBOOT=yes', 'ONBOOT=no'));
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-nic9')), NIC9);
  // Each device from one file, as the network service reads them.
  assert.deepEqual(bootSelection(root), ['ifcfg-eth0 eth0', 'ifcfg-eth1 eth1', 'ifcfg-nic9 -']);
  assert.deepEqual(sourced(join(root, SCRIPTS, 'ifcfg-eth0'), ['DEVICE', 'ONBOOT', 'BOOTPROTO', 'MTU', 'HWADDR']), { DEVICE: 'eth0', ONBOOT: 'yes', BOOTPROTO: 'static', MTU: '9000', HWADDR: MAC0.toUpperCase() });
  assert.match(ok(install(h, root, ['--yes']), 'reinstall').stdout, /nothing to do/);
  ok(install(h, root, ['--uninstall']), '--uninstall');
  assertKept(root, admin, '--uninstall');
  assert.ok(!existsSync(join(root, 'var/lib/lvsgen')), '--uninstall left its state');

  // A root without sys/class/net (an image): the address cannot be compared; ifcfg-nic0 is taken by its name (no device of lvsgen's), with a warning.
  const image = scratchRoot(t, h, { [`${SCRIPTS}/ifcfg-nic0`]: { text: NIC0, mode: 0o644 } });
  const r = ok(install(h, image, ['--yes']), 'install on an image');
  assert.match(r.stderr, new RegExp(`warning: ${SCRIPTS}/ifcfg-nic0 is bound to the device of address ${MAC0.toUpperCase()} alone.*taken as the device its name says`), r.stderr);
  assert.equal(read(join(image, SCRIPTS, 'ifcfg-nic0')), NIC0);
  assert.equal(read(join(image, SCRIPTS, 'ifcfg-eth0')), bundled);
});

// A profile bound to eth0 by its address alone, as cloud-init writes one (no interface-name), and
// one for an address no device of lvsgen's has.
const NM_BY_MAC = `[connection]
id=cloud-init eth0
uuid=1f4ea1b2-4c2d-4e8f-9a0b-2c3d4e5f6a7b
type=ethernet
autoconnect-priority=20

[ethernet]
mac-address=${MAC0.toUpperCase()}
mtu=9000

[ipv4]
method=manual
address1=10.1.3.1/24
gateway=10.1.3.254
dns=10.1.3.53;
`;
const NM_OTHER_MAC = NM_BY_MAC.replace('cloud-init eth0', 'cloud-init eth9').replace('1f4ea1b2', '2a5fb2c3').replace(MAC0.toUpperCase(), '52:54:00:AA:BB:09');

test("lb-nat/rhel9/director: a NetworkManager profile bound to eth0 by mac-address alone gets autoconnect=false and its settings join lvsgen's keyfile; NetworkManager binds it to eth0 yet activates lvsgen's; an ifcfg file bound by HWADDR alone likewise; one for another address is left; --uninstall puts every byte back", async (t) => {
  if (!(requireRoot(t) && requireTools(t, 'busybox', 'chroot', 'ip', 'NetworkManager', 'nmcli', 'dbus-daemon', 'unshare'))) return;
  const h = await director('rhel9');
  const KEYFILES = '/etc/NetworkManager/system-connections';
  const byMac = `${KEYFILES}/cloud-init eth0.nmconnection`;
  const admin: Record<string, AdminFile> = {
    ...SYS,
    [byMac]: { text: NM_BY_MAC, mode: 0o600 },
    [`${KEYFILES}/cloud-init eth9.nmconnection`]: { text: NM_OTHER_MAC, mode: 0o600 },
    [`${SCRIPTS}/ifcfg-nic0`]: { text: 'HWADDR=52:54:00:AA:BB:02\nONBOOT=yes\nZONE=internal\n', mode: 0o644 },
    '/etc/NetworkManager/NetworkManager.conf': { text: '[main]\nplugins=keyfile\nno-auto-default=*\n', mode: 0o644 },
  };
  const root = scratchRoot(t, h, admin);
  ok(install(h, root, ['--yes']), 'install');
  const eth0 = read(join(root, KEYFILES, 'lvsgen-eth0.nmconnection'));
  assert.equal(eth0, mergeFile('keyfile', NM_BY_MAC, read(join(h.bundle, KEYFILES, 'lvsgen-eth0.nmconnection')), [], { [MAC0]: 'eth0', [MAC1]: 'eth1' }), eth0);
  for (const l of ['mtu=9000', 'dns=10.1.3.53;', 'gateway=10.1.3.254', `mac-address=${MAC0.toUpperCase()}`]) assert.ok(eth0.split('\n').includes(l), `lvsgen-eth0 lacks ${l}:\n${eth0}`);
  assert.equal(read(join(root, byMac)), NM_BY_MAC.replace('[connection]\n', '[connection]\nautoconnect=false\n'));
  // ifcfg-nic0 is eth1's by its HWADDR (NetworkManager's ifcfg-rh reads it as mac-address): disabled, its zone carried.
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-nic0')), 'HWADDR=52:54:00:AA:BB:02\nONBOOT=no\nZONE=internal\n');
  assert.ok(read(join(root, KEYFILES, 'lvsgen-eth1.nmconnection')).split('\n').includes('zone=internal'), 'lvsgen-eth1 lacks the zone');
  assert.equal(read(join(root, KEYFILES, 'cloud-init eth9.nmconnection')), NM_OTHER_MAC);

  // NetworkManager itself, with eth0 at that address: it binds the profile to eth0 (an available
  // connection of the device) and, its autoconnect off, activates lvsgen's alone with its settings.
  const { why, active, ...run } = bootLvsgenProfiles(t, root, ['802-3-ethernet.mtu', 'ipv4.gateway'], { eth0: MAC0, eth1: MAC1 }, 'echo "== available"; nmcli -g CONNECTIONS.AVAILABLE-CONNECTIONS device show eth0\necho "== autoconnect"; nmcli -g connection.autoconnect connection show "cloud-init eth0"\n');
  assert.deepEqual(active.sort(), ['lvsgen-eth0', 'lvsgen-eth1'], why);
  assert.match(run.stdout, /== available\n.*cloud-init eth0/, why);
  assert.match(run.stdout, /== autoconnect\nno\n/, why);
  assert.match(run.stdout, /eth0.* mtu 9000 /, why);
  assert.match(run.stdout, /^default via 10\.1\.3\.254 dev eth0/m, why);

  assert.match(ok(install(h, root, ['--yes']), 'reinstall').stdout, /nothing to do/);
  ok(install(h, root, ['--uninstall']), '--uninstall');
  assertKept(root, admin, '--uninstall');
  assert.ok(!existsSync(join(root, KEYFILES, 'lvsgen-eth0.nmconnection')), '--uninstall left lvsgen-eth0');
});

// How initscripts' ifup-aliases P brings up the aliases of device P (network-scripts/ifup-aliases):
// every ifcfg-P:* in name order but the names is_ignored_file skips; each sourced after ini_env;
// DEVICE, else the name, gives the alias number; ONPARENT=no skips the file; new_interface marks
// the address and the number as seen, then refuses a file whose address ("already seen ipaddr")
// or number ("already seen device") an earlier file took. Prints "FILE P:N ADDRESS" per alias
// it adds, "FILE refused: ..." per file it refuses.
const ALIAS_SELECTION = `cd "$1" || exit 1
parent=$2
ips=' '
nums=' '
for FILE in ifcfg-$parent:*; do
	[ -f "$FILE" ] || continue
	case $FILE in *~ | *.bak | *.old | *.orig | *.rpmnew | *.rpmorig | *.rpmsave) continue ;; esac
	DEVICE=; IPADDR=; ONPARENT=
	. "./$FILE"
	[ -z "$DEVICE" ] && DEVICE=\${FILE#ifcfg-}
	case $ONPARENT in no | NO) continue ;; esac
	n=\${DEVICE#*:}
	ipseen=no; devseen=no
	case $ips in *" $IPADDR "*) ipseen=yes ;; esac
	case $nums in *" $n "*) devseen=yes ;; esac
	ips="$ips$IPADDR "; nums="$nums$n "
	[ $ipseen = yes ] && { echo "$FILE refused: already seen ipaddr $IPADDR"; continue; }
	[ $devseen = yes ] && { echo "$FILE refused: already seen device $parent:$n"; continue; }
	echo "$FILE $parent:$n $IPADDR"
done`;
const aliasSelection = (root: string, parent: string) => ok(sh('sh', ['-c', ALIAS_SELECTION, 'sh', join(root, SCRIPTS), parent]), `ifup-aliases ${parent}`).stdout.split('\n').filter((l) => l !== '');

test("fwmark/redhat/director: the host's alias files of eth0 and lo that take an alias number or an address of lvsgen's get ONPARENT=no (ifup-aliases skips them; it refuses the later of two otherwise); the others stay; --uninstall puts every byte back", async (t) => {
  if (!(requireRoot(t) && requireTools(t, 'busybox', 'chroot', 'sed'))) return;
  const h = await director('redhat', 'fwmark');
  for (const p of ['ifcfg-eth0:0', 'ifcfg-eth0:1', 'ifcfg-lo:0']) assert.ok(h.plan.files.some((f) => f.path === `${SCRIPTS}/${p}`), `fwmark's director has ${p}`);
  const admin: Record<string, AdminFile> = {
    // lvsgen's eth0:1 address under another number, in a file that sorts before lvsgen's ifcfg-eth0:1
    [`${SCRIPTS}/ifcfg-eth0:01`]: { text: 'IPADDR=10.1.3.62\nNETMASK=255.255.0.0\n', mode: 0o644 },
    // lvsgen's number eth0:0 (DEVICE) under another name and address
    [`${SCRIPTS}/ifcfg-eth0:vip`]: { text: 'DEVICE=eth0:0\nIPADDR=10.1.3.99\nNETMASK=255.255.255.0\nARPCHECK=no\n', mode: 0o644 },
    // neither: stays
    [`${SCRIPTS}/ifcfg-eth0:7`]: { text: 'DEVICE=eth0:7\nIPADDR=10.1.3.77\nNETMASK=255.255.255.0\nONPARENT=yes\n', mode: 0o644 },
    [`${SCRIPTS}/ifcfg-eth0:1.bak`]: { text: 'IPADDR=10.1.3.62\n', mode: 0o644 },
    // lvsgen's lo:0 address
    [`${SCRIPTS}/ifcfg-lo:5`]: { text: 'DEVICE=lo:5\nIPADDR=10.1.4.0\nNETMASK=255.255.255.0\nONPARENT=yes\n', mode: 0o644 },
  };
  const root = scratchRoot(t, h, admin);
  ok(install(h, root, ['--yes']), 'install');
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-eth0:01')), `${admin[`${SCRIPTS}/ifcfg-eth0:01`]!.text}ONPARENT=no\n`);
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-eth0:vip')), `${admin[`${SCRIPTS}/ifcfg-eth0:vip`]!.text}ONPARENT=no\n`);
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-lo:5')), admin[`${SCRIPTS}/ifcfg-lo:5`]!.text.replace('ONPARENT=yes', 'ONPARENT=no'));
  for (const p of ['ifcfg-eth0:7', 'ifcfg-eth0:1.bak']) assert.equal(read(join(root, SCRIPTS, p)), admin[`${SCRIPTS}/${p}`]!.text, p);
  // The file that named eth0:0 is another file for that alias: its settings join lvsgen's (not its address).
  assert.equal(read(join(root, SCRIPTS, 'ifcfg-eth0:0')), `${read(join(h.bundle, SCRIPTS, 'ifcfg-eth0:0'))}ARPCHECK=no\n`);
  // ifup-aliases brings each of lvsgen's aliases up from lvsgen's file, and the host's other alias too.
  assert.deepEqual(aliasSelection(root, 'eth0'), ['ifcfg-eth0:0 eth0:0 10.1.3.61', 'ifcfg-eth0:1 eth0:1 10.1.3.62', 'ifcfg-eth0:7 eth0:7 10.1.3.77']);
  assert.deepEqual(aliasSelection(root, 'lo'), ['ifcfg-lo:0 lo:0 10.1.4.0']);
  assert.match(ok(install(h, root, ['--yes']), 'reinstall').stdout, /nothing to do/);
  assert.equal(install(h, root, ['--check']).status, 0, '--check after install');
  ok(install(h, root, ['--uninstall']), '--uninstall');
  assertKept(root, admin, '--uninstall');
  assert.deepEqual(aliasSelection(root, 'eth0'), ['ifcfg-eth0:01 eth0:01 10.1.3.62', 'ifcfg-eth0:7 eth0:7 10.1.3.77', 'ifcfg-eth0:vip eth0:0 10.1.3.99']);

  // Negative control: lvsgen's alias files beside the host's as they are (what an installer that
  // leaves them does): ifup-aliases refuses lvsgen's eth0:1, its address taken by eth0:01.
  const both = scratchRoot(t, h, admin);
  for (const p of ['ifcfg-eth0:0', 'ifcfg-eth0:1', 'ifcfg-lo:0']) writeFileSync(join(both, SCRIPTS, p), read(join(h.bundle, SCRIPTS, p)));
  assert.deepEqual(aliasSelection(both, 'eth0'), ['ifcfg-eth0:0 eth0:0 10.1.3.61', 'ifcfg-eth0:01 eth0:01 10.1.3.62', 'ifcfg-eth0:1 refused: already seen ipaddr 10.1.3.62', 'ifcfg-eth0:7 eth0:7 10.1.3.77', 'ifcfg-eth0:vip refused: already seen device eth0:0']);
});

// A runtime profile for eth0: NetworkManager's in-memory profiles live in
// /run/NetworkManager/system-connections (`nmcli connection add --temporary`, and those
// nm-initrd-generator writes from the kernel command line at every boot).
const NM_RUNTIME = `[connection]
id=eth0
uuid=5c1d7e0a-3b2f-4a6e-8d9c-0e1f2a3b4c5d
type=ethernet
interface-name=eth0
autoconnect-priority=20

[ipv4]
method=manual
address1=10.1.3.1/24
gateway=10.1.3.254
dns=10.1.3.53;
`;

test("lb-nat/rhel9/director: a runtime profile for eth0 (/run/NetworkManager) is made persistent disabled, as NetworkManager does when one is modified: its copy in /etc gets autoconnect=false and the /run file goes; its settings join lvsgen's keyfile; NetworkManager activates lvsgen's; --uninstall puts every byte back", async (t) => {
  if (!(requireRoot(t) && requireTools(t, 'busybox', 'chroot', 'ip', 'NetworkManager', 'nmcli', 'dbus-daemon', 'unshare'))) return;
  const h = await director('rhel9');
  const KEYFILES = '/etc/NetworkManager/system-connections';
  const RUNTIME = '/run/NetworkManager/system-connections';
  const admin: Record<string, AdminFile> = {
    [`${RUNTIME}/eth0.nmconnection`]: { text: NM_RUNTIME, mode: 0o600 },
    '/etc/NetworkManager/NetworkManager.conf': { text: '[main]\nplugins=keyfile\nno-auto-default=*\n', mode: 0o644 },
  };
  // Negative control: lvsgen's keyfiles beside the runtime profile left as it is: NetworkManager activates the runtime one on eth0.
  const left = scratchRoot(t, h, admin);
  for (const f of ['lvsgen-eth0.nmconnection', 'lvsgen-eth1.nmconnection', 'lvsgen-lo.nmconnection']) {
    if (!existsSync(join(h.bundle, KEYFILES, f))) continue;
    mkdirSync(join(left, KEYFILES), { recursive: true });
    copyFileSync(join(h.bundle, KEYFILES, f), join(left, KEYFILES, f));
    chmodSync(join(left, KEYFILES, f), 0o600);
  }
  const control = bootLvsgenProfiles(t, left, ['connection.id']);
  assert.deepEqual(control.active.sort(), ['eth0', 'lvsgen-eth1'], control.why);

  // A failed activation rolls back: the runtime file back, its copy gone.
  const failed = scratchRoot(t, h, admin);
  const r = install(h, failed, ['--yes'], '/usr/bin/nmcli connection up lvsgen-eth1');
  assert.notEqual(r.status, 0, r.stdout);
  assertKept(failed, admin, 'a failed install');
  assert.ok(!existsSync(join(failed, KEYFILES, 'eth0.nmconnection')), 'a failed install left the /etc copy');

  const root = scratchRoot(t, h, admin);
  ok(install(h, root, ['--yes']), 'install');
  assert.ok(!existsSync(join(root, RUNTIME, 'eth0.nmconnection')), 'the runtime file is still there');
  assert.equal(read(join(root, KEYFILES, 'eth0.nmconnection')), NM_RUNTIME.replace('[connection]\n', '[connection]\nautoconnect=false\n'));
  assert.equal((lstatSync(join(root, KEYFILES, 'eth0.nmconnection')).mode & 0o7777).toString(8), '600');
  const eth0 = read(join(root, KEYFILES, 'lvsgen-eth0.nmconnection'));
  assert.equal(eth0, mergeFile('keyfile', NM_RUNTIME, read(join(h.bundle, KEYFILES, 'lvsgen-eth0.nmconnection'))), eth0);

  const { why, active, ...run } = bootLvsgenProfiles(t, root, ['ipv4.dns', 'ipv4.gateway'], {}, 'echo "== eth0"; nmcli -g connection.autoconnect,connection.uuid connection show eth0\n');
  assert.deepEqual(active.sort(), ['lvsgen-eth0', 'lvsgen-eth1'], why);
  assert.ok(run.stdout.includes('ipv4.dns:10.1.3.53\n'), why);
  assert.match(run.stdout, /== eth0\nno\n5c1d7e0a-3b2f-4a6e-8d9c-0e1f2a3b4c5d\n/, why);

  assert.match(ok(install(h, root, ['--yes']), 'reinstall').stdout, /nothing to do/);
  assert.equal(install(h, root, ['--check']).status, 0, '--check after install');
  ok(install(h, root, ['--uninstall']), '--uninstall');
  assertKept(root, admin, '--uninstall');
  assert.ok(!existsSync(join(root, KEYFILES, 'eth0.nmconnection')), '--uninstall left the /etc copy');
  assert.ok(!existsSync(join(root, 'var/lib/lvsgen')), '--uninstall left its state');

  // What NetworkManager generates itself for a device it found configured (as it writes its "lo"): left alone, nothing carried.
  const generated = { [`${RUNTIME}/eth1.nmconnection`]: { text: NM_GENERATED, mode: 0o600 } };
  const other = scratchRoot(t, h, generated);
  ok(install(h, other, ['--yes']), 'install beside a generated profile');
  assertKept(other, generated, 'install');
  assert.equal(read(join(other, KEYFILES, 'lvsgen-eth1.nmconnection')), read(join(h.bundle, KEYFILES, 'lvsgen-eth1.nmconnection')));
});

// NetworkManager 1.42's own runtime profile of a device configured outside it (its [.nmmeta] group).
const NM_GENERATED = `[connection]
id=eth1
uuid=77790771-928f-4437-87bf-fc6119ffd644
type=ethernet
autoconnect=false
interface-name=eth1

[ipv4]
address1=192.168.6.9/24
method=manual

[ipv6]
addr-gen-mode=default
method=link-local

[.nmmeta]
nm-generated=true
volatile=true
external=true
`;

test("lb-ipv6/redhat/real1 (IPv6 direct routing): lvsgen's ifcfg-lo carries the virtual address (IPV6ADDR) with the stock loopback keys; the host's ifcfg-lo keeps its comments and its other variables; `ifup lo` applies it; reinstall is a no-op; --uninstall puts every byte back", async (t) => {
  if (!(requireRoot(t) && requireTools(t, 'busybox', 'chroot', 'sed'))) return;
  if (!rendered.has('lb-ipv6/redhat')) rendered.set('lb-ipv6/redhat', render(scope, 'lb-ipv6', 'redhat'));
  const bundle = join((await rendered.get('lb-ipv6/redhat')!).dir, 'real1');
  const h: Host = { bundle, installer: join(bundle, '.lvsgen/install.sh'), plan: parsePlan(read(join(bundle, '.lvsgen/plan'))) };
  // The stock file with its comment (initscripts' ifcfg-lo), and a variable of the administrator's.
  const stock = LO.replace('BROADCAST=', '# If you\'re having problems with gated making 127.0.0.0/8 a martian,\n# you can change this to something else (255.255.255.255, for example)\nBROADCAST=') + 'USERCTL=no\n';
  const admin: Record<string, AdminFile> = { [`${SCRIPTS}/ifcfg-lo`]: { text: stock, mode: 0o644 } };
  const root = scratchRoot(t, h, admin);
  // scratchRoot stubs what the actions run; --uninstall's undo commands too
  for (const p of new Set(h.plan.actions.flatMap((a) => a.undo.map((c) => c.words[0]!)))) {
    mkdirSync(join(root, dirname(p)), { recursive: true });
    writeFileSync(join(root, p), LOGGING_STUB, { mode: 0o755 });
  }
  ok(install(h, root, ['--yes']), 'install');
  const lo = join(root, SCRIPTS, 'ifcfg-lo');
  const v = sourced(lo, ['DEVICE', 'IPADDR', 'NETMASK', 'ONBOOT', 'IPV6INIT', 'IPV6ADDR', 'USERCTL']);
  assert.deepEqual(v, { DEVICE: 'lo', IPADDR: '127.0.0.1', NETMASK: '255.0.0.0', ONBOOT: 'yes', IPV6INIT: 'yes', IPV6ADDR: '2001:db8:3::62/128', USERCTL: 'no' });
  assert.ok(read(lo).startsWith(read(join(bundle, SCRIPTS, 'ifcfg-lo'))), 'lvsgen\'s file first');
  assert.match(read(lo), /^# If you're having problems with gated/m, 'the host\'s comment kept');
  assert.match(read(join(root, LOGGING_STUB_LOG)), /^\/sbin\/ifup lo$/m, 'the loopback action ran ifup lo');
  // The network service brings lo up by name (ifup ifcfg-lo), never from its selection of files.
  assert.ok(!bootSelection(root).some((l) => l.startsWith('ifcfg-lo ')), 'ifcfg-lo is not among the files the network service selects');
  assert.match(ok(install(h, root, ['--yes']), 'reinstall').stdout, /nothing to do/);
  ok(install(h, root, ['--uninstall']), '--uninstall');
  assertKept(root, admin, '--uninstall');
  assert.match(read(join(root, LOGGING_STUB_LOG)), /^\/sbin\/ip -6 addr del 2001:db8:3::62\/128 dev lo$/m, '--uninstall takes the address off lo');
});

// lb-ipv6 with a second IPv6 virtual address by direct routing: real1 holds both on lo.
const LB_IPV6_TWO_DR = `${read(example('lb-ipv6'))}
  - virtual: "[2001:db8:3::63]:80"
    scheduler: rr
    forward: gate
    check: { type: connect }
    real_servers: [real1, real2]
`;

/** The global IPv6 addresses on lo in NS, sorted. */
const lo6 = (ns: Netns) =>
  ok(ns.ip('-6', '-o', 'addr', 'show', 'dev', 'lo', 'scope', 'global'), 'ip -6 addr show dev lo').stdout.split('\n').flatMap((l) => /inet6 (\S+)/.exec(l)?.[1] ?? []).sort();

test("lb-ipv6/redhat/real1: a reinstall after an IPv6 virtual address left the topology takes it off lo (the last install's undo record, run before `ifup lo`), the initscripts kit's ifup in a namespace; reinstall is a no-op; --uninstall, of this bundle or of another, takes the rest off and puts every byte back; without the kept records (an earlier lvsgen's) it is found in the earlier file", async (t) => {
  if (!(requireRoot(t) && requireTools(t, 'ip', 'bash', 'grep', 'mkdir', 'chroot', 'ldd'))) return;
  const busybox = staticBusybox(t);
  if (busybox === undefined) return;
  const hostIn = (dir: string): Host => {
    const bundle = join(dir, 'real1');
    return { bundle, installer: join(bundle, '.lvsgen/install.sh'), plan: parsePlan(read(join(bundle, '.lvsgen/plan'))) };
  };
  const two = hostIn((await renderText(t, LB_IPV6_TWO_DR, 'redhat')).dir);
  const one = hostIn((await render(t, 'lb-ipv6', 'redhat')).dir);
  const undo = (h: Host) => h.plan.actions.find((a) => a.name === 'loopback')!.undo.map((c) => c.words.join(' '));
  assert.deepEqual(undo(two), ['/sbin/ip -6 addr del 2001:db8:3::62/128 dev lo', '/sbin/ip -6 addr del 2001:db8:3::63/128 dev lo']);
  assert.deepEqual(undo(one), ['/sbin/ip -6 addr del 2001:db8:3::62/128 dev lo']);
  const ifup = two.plan.actions.find((a) => a.name === 'loopback')!.commands.map((c) => c.words.join(' '));
  assert.deepEqual(ifup, ['/sbin/ifup lo']);

  const admin: Record<string, AdminFile> = {
    [`${SCRIPTS}/ifcfg-lo`]: { text: LO, mode: 0o644 },
    '/etc/sysconfig/network': { text: 'NETWORKING=yes\nHOSTNAME=real1\n', mode: 0o644 },
  };
  // A root where /sbin/ifup is the lab's initscripts kit (lab/kit/redhat: ifup-eth then
  // ifup-ipv6 replayed with iproute2; it adds IPV6ADDR and IPV6ADDR_SECONDARIES and deletes
  // nothing, as ifup-ipv6 does), run by the real bash with the real ip, grep and mkdir;
  // /sbin/ip is the real ip (the undo records); busybox is /bin/sh (the checks' `sh -n`);
  // the network restart is a stub.
  const hostRoot = () => {
    const root = tempDir(t, 'lvsgen-v6lo-');
    for (const d of ['bin', 'sbin', 'dev', 'tmp', 'etc/init.d', 'sys/class/net/lo']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'bin/sh'), busybox, { mode: 0o755 });
    run('mknod', ['-m', '666', join(root, 'dev/null'), 'c', '1', '3']);
    for (const [tool, at] of [['bash', '/bin/bash'], ['grep', '/bin/grep'], ['mkdir', '/bin/mkdir'], ['ip', '/sbin/ip']] as const) {
      const real = realPath(tool);
      copyProgram(root, real);
      symlinkSync(`/real/${basename(real)}`, join(root, at));
    }
    copyFileSync(sourceFile('lab/kit/redhat/usr/sbin/ifup'), join(root, 'sbin/ifup'));
    chmodSync(join(root, 'sbin/ifup'), 0o755);
    writeFileSync(join(root, 'etc/init.d/network'), LOGGING_STUB, { mode: 0o755 });
    for (const [p, f] of Object.entries(admin)) {
      mkdirSync(join(root, dirname(p)), { recursive: true });
      writeFileSync(join(root, p), f.text, { mode: f.mode });
    }
    return root;
  };
  const ns = netns(t, 'lv6lo');
  const inNs = (h: Host, root: string, ...args: string[]) =>
    sh('ip', ['netns', 'exec', ns.name, 'env', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', h.installer, '--root', root, ...args], { input: '', timeout: 120_000 });
  const both = ['2001:db8:3::62/128', '2001:db8:3::63/128'];

  const root = hostRoot();
  ok(inNs(two, root, '--yes'), 'install (two virtual addresses)');
  assert.deepEqual(lo6(ns), both, 'the kit\'s ifup lo added both');
  const again = ok(inNs(one, root, '--yes'), 'install (one left)');
  assert.deepEqual(lo6(ns), ['2001:db8:3::62/128'], `ip -6 addr show dev lo after the reinstall:\n${again.stdout}${again.stderr}`);
  assert.match(again.stdout, /^\+ \/sbin\/ip -6 addr del 2001:db8:3::63\/128 dev lo$/m, again.stdout);
  assert.ok(again.stdout.indexOf('ip -6 addr del') < again.stdout.indexOf('/sbin/ifup lo'), `the address goes before ifup lo:\n${again.stdout}`);
  assert.match(ok(inNs(one, root, '--yes'), 'reinstall').stdout, /nothing to do/);
  assert.equal(inNs(one, root, '--check').status, 0, '--check after install');
  assert.deepEqual(lo6(ns), ['2001:db8:3::62/128']);
  ok(inNs(one, root, '--uninstall'), '--uninstall');
  assert.deepEqual(lo6(ns), [], '--uninstall left an address on lo');
  assertKept(root, admin, '--uninstall');
  assert.ok(!existsSync(join(root, 'var/lib/lvsgen')), '--uninstall left its state');

  // --uninstall from another bundle than the one installed: the kept records take the address it does not name off too.
  const other = hostRoot();
  ok(inNs(two, other, '--yes'), 'install (two virtual addresses)');
  assert.deepEqual(lo6(ns), both);
  ok(inNs(one, other, '--uninstall'), '--uninstall with the bundle of one');
  assert.deepEqual(lo6(ns), [], '--uninstall left an address on lo');
  assertKept(other, admin, '--uninstall');

  // The same reinstall without the kept records (an earlier lvsgen's installer kept none):
  // no undo record runs; the address is found in the earlier ifcfg-lo instead
  // (installer-undo.test.ts shows that path on more hosts).
  const control = hostRoot();
  ok(inNs(two, control, '--yes'), 'install (two virtual addresses)');
  rmSync(join(control, 'var/lib/lvsgen/undo'));
  const bare = ok(inNs(one, control, '--yes'), 'install (one left), no kept records');
  assert.doesNotMatch(bare.stdout, /ip -6 addr del/, 'no undo record ran');
  assert.match(bare.stdout, /kept no undo records .*: 2001:db8:3::63 left the topology/, bare.stdout);
  assert.deepEqual(lo6(ns), ['2001:db8:3::62/128'], 'without the kept records the address goes too');
  ok(ns.ip('-6', 'addr', 'del', '2001:db8:3::62/128', 'dev', 'lo'), 'ip -6 addr del 2001:db8:3::62/128');
});
