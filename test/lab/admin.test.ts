// The administrator's configuration the lab's hosts start from (lab/lib/admin.sh):
// what admin_seed writes per distro, and what admin_check (the lab check
// `admin-kept`) accepts and refuses. The hosts' files are a scratch root; the
// live state (nft, iptables, sysctl) is read by the real tools in a namespace
// this test makes, loaded from the administrator's files. The lab itself
// (`lvsgen lab ... --no-vm`) runs it after each host's real installer.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { planText } from '../../src/lab/plan.js';
import { mergeFile } from '../../src/render/plan.js';
import { example, netns, REPO, requireRoot, requireTools, sh, tempDir } from '../support/index.js';
import { labPlan } from '../support/lab.js';

const ADMIN = join(REPO, 'lab', 'lib', 'admin.sh');
const BEGIN = '# BEGIN lvsgen: install.sh rewrites the lines up to END lvsgen; edit outside them';
const END = '# END lvsgen';

/** admin.sh sourced, `on HOST CMD...` reading files from ROOT and running the rest in NS (its /etc/... arguments under ROOT). */
function bash(dir: string, ns: string, script: string) {
  const prelude = `set -u
. '${ADMIN}'
LAB_WORK='${dir}/work'; OUT='${dir}/out'; ROOT='${dir}/root'; mkdir -p "$OUT" "$ROOT"
lab_log() { echo "$*" >&2; }
on() {
  shift
  case $1 in
  cat) cat "$ROOT$2" ;;
  stat) stat -c %a "$ROOT\${*: -1}" ;;
  *)
    # the host's files are under ROOT: /etc/... arguments read from there
    local a w=()
    for a in "$@"; do case $a in /etc/*) w+=("$ROOT$a") ;; *) w+=("$a") ;; esac; done
    ip netns exec '${ns}' "\${w[@]}"
    ;;
  esac
}
`;
  return sh('bash', ['-c', prelude + script]);
}

const seed = (dir: string, ns: string, distro: string) => {
  const r = bash(dir, ns, `admin_seed h ${distro} "$ROOT" eth1`);
  assert.equal(r.status, 0, r.stderr);
  return (path: string) => join(dir, 'root', path);
};
const manifest = (dir: string) => readFileSync(join(dir, 'work/hosts/h/admin/manifest'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
const check = (dir: string, ns: string) => bash(dir, ns, 'admin_check h');
const copy = (dir: string, path: string) => readFileSync(join(dir, 'work/hosts/h/admin/files', path), 'utf8');

function setup(t: TestContext, tools: string[]) {
  if (!requireRoot(t) || !requireTools(t, 'ip', ...tools)) return undefined;
  return { dir: tempDir(t, 'lvsgen-admin-'), ns: netns(t, 'lva').name };
}

test('admin_seed: per distro, the administrator\'s files in the root and a copy outside it, with what is checked', (t) => {
  const s = setup(t, []);
  if (!s) return;
  const want: Record<string, { files: Record<string, string>; kinds: string[] }> = {
    redhat: { files: { '/etc/sysctl.conf': '644', '/etc/sysconfig/iptables': '600', '/etc/sysconfig/network-scripts/ifcfg-eth1': '644' }, kinds: ['kept', 'kept', 'ifcfg', 'ifcfg', 'backup', 'iptables', 'sysctl', 'boot', 'boot'] },
    debian: { files: { '/etc/sysctl.conf': '644', '/etc/network/interfaces': '644' }, kinds: ['kept', 'option', 'option', 'backup', 'sysctl', 'boot'] },
    debian12: {
      files: { '/etc/nftables.conf': '755', '/etc/sysctl.d/60-admin.conf': '644', '/etc/network/interfaces.d/50-cloud-init': '644' },
      kinds: ['kept', 'kept', 'disabled', 'option', 'nft', 'sysctl', 'boot', 'boot'],
    },
    rhel9: {
      files: { '/etc/NetworkManager/system-connections/eth1.nmconnection': '600', '/etc/firewalld/zones/public.xml': '644', '/etc/sysctl.d/60-admin.conf': '644' },
      kinds: ['kept', 'kept', 'autoconnect-off', 'backup', 'keyfile', 'keyfile', 'firewalld', 'sysctl', 'boot', 'boot'],
    },
  };
  for (const [distro, w] of Object.entries(want)) {
    const dir = join(s.dir, distro);
    const at = seed(dir, s.ns, distro);
    assert.deepEqual(manifest(dir).map((r) => r[0]), w.kinds, distro);
    for (const [path, mode] of Object.entries(w.files)) {
      assert.equal(readFileSync(at(path), 'utf8'), copy(dir, path), `${distro} ${path}`);
      assert.equal((statSync(at(path)).mode & 0o777).toString(8), mode, `${distro} ${path}`);
      assert.equal((statSync(join(dir, 'work/hosts/h/admin/files', path)).mode & 0o777).toString(8), mode, `${distro} ${path} (copy)`);
    }
    // the administrator's DNS servers go on the device it is given; no gateway anywhere
    const all = Object.keys(w.files).map((p) => readFileSync(at(p), 'utf8')).join('');
    assert.doesNotMatch(all, /gateway/);
    if (distro === 'redhat') assert.match(all, /^DEVICE=eth1\nBOOTPROTO=dhcp\nONBOOT=yes\nDNS1=192\.0\.2\.53\n/m);
    else if (distro === 'rhel9') assert.match(all, /^interface-name=eth1\n[\s\S]*^\[ipv4\]\ndns=192\.0\.2\.53;\ndns-search=lab\.example;\nmethod=auto\n/m);
    else assert.match(all, /iface eth1 inet dhcp\n\s+dns-nameservers 192\.0\.2\.53\n/);
  }
});

test('admin_seed, rhel9: firewalld\'s zone opens SSH and the ports it is given (the administrator\'s own applications: admin_ports), and nothing else', (t) => {
  const s = setup(t, []);
  if (!s) return;
  const r = bash(s.dir, s.ns, 'admin_seed h rhel9 "$ROOT" eth0 tcp/80 udp/53');
  assert.equal(r.status, 0, r.stderr);
  const zone = readFileSync(join(s.dir, 'root/etc/firewalld/zones/public.xml'), 'utf8');
  assert.deepEqual(zone.split('\n').filter((l) => /<(service|port)/.test(l)).map((l) => l.trim()), ['<service name="ssh"/>', '<port protocol="tcp" port="80"/>', '<port protocol="udp" port="53"/>']);
  assert.match(zone, /<forward\/>\n<\/zone>\n$/);
});

/** The lab's plan text of a topology (lab.sh reads it), as `lvsgen lab` writes it. */
function labPlanText(text: string, distro?: string): string {
  return planText(labPlan(text, distro));
}

test('admin_ports: the administrator\'s zone opens the lab\'s own probe of a pair, never a virtual service\'s servers (lvsgen\'s firewalld policy opens those)', (t) => {
  if (!requireTools(t, 'bash', 'awk')) return;
  const dir = tempDir(t, 'lvsgen-admin-ports-');
  const ports = (text: string, host: string, distro?: string) => {
    writeFileSync(join(dir, 'plan'), labPlanText(text, distro));
    const r = sh('bash', ['-c', `. '${ADMIN}'; admin_ports "$0" "$1"`, join(dir, 'plan'), host]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  // rhel9 real servers behind a director: the lab's servers there are the services' (http on 80, a banner on 8443): none opened
  const mix = `name: rhel-mix
defaults: { distro: rhel9 }
hosts:
  lb: { roles: [director], distro: debian, interfaces: { eth0: 10.70.0.10/24, eth1: 10.71.0.1/24 } }
  app-a: { roles: [real-server], interfaces: { eth0: 10.71.0.21/24 } }
  app-c: { roles: [real-server], interfaces: { eth0: 10.70.0.23/24 } }
virtual_services:
  - virtual: 10.70.0.50:80
    forward: masq
    check: { type: negotiate, service: http, request: alive.txt, receive: up }
    real_servers: [app-a]
  - virtual: 10.70.0.51:8443
    forward: gate
    check: { type: connect }
    real_servers: [app-c]
`;
  assert.match(labPlanText(mix), /^server\tapp-a\thttp\ttcp\t80\t/m);
  assert.deepEqual(ports(mix, 'app-a'), []);
  assert.deepEqual(ports(mix, 'app-c'), []);
  // a VRRP pair of real servers (ha-cidr on rhel9): the lab's "who am I" page is the administrator's application
  const hacidr = readFileSync(example('ha-cidr'), 'utf8');
  assert.deepEqual(ports(hacidr, 'node1', 'rhel9'), ['tcp/8080']);
});

test('admin_check, debian12: the installer\'s merges pass; a replaced file, a stanza left on, a missing backup, a flushed table fail', (t) => {
  const s = setup(t, ['nft']);
  if (!s) return;
  const { dir, ns } = s;
  const at = seed(dir, ns, 'debian12');
  // boot: the administrator's table and key live in the namespace, as nftables.service and systemd-sysctl make them
  const boot = bash(dir, ns, 'admin_boot h');
  assert.equal(boot.status, 0, boot.stderr);
  const put = (path: string, text: string) => { mkdirSync(dirname(at(path)), { recursive: true }); writeFileSync(at(path), text); };
  // what install.sh leaves: the include in a marked block, the cloud-init stanza commented out and backed up, DNS carried
  const nft = copy(dir, '/etc/nftables.conf');
  put('/etc/nftables.conf', `${nft}${BEGIN}\ninclude "/etc/nftables.d/lvsgen.nft"\n${END}\n`);
  const cloud = copy(dir, '/etc/network/interfaces.d/50-cloud-init');
  const off = cloud.replace(/^(iface eth1 inet dhcp\n)( +dns-nameservers .*\n)/m, '#lvsgen-disabled# $1#lvsgen-disabled# $2');
  assert.notEqual(off, cloud);
  put('/etc/network/interfaces.d/50-cloud-init', off);
  put('/var/lib/lvsgen/backup/etc/network/interfaces.d/50-cloud-init', cloud);
  put('/etc/network/interfaces.d/eth1', 'auto eth1\niface eth1 inet static\n\taddress 10.0.0.2/24\n\tdns-nameservers 192.0.2.53\n');
  let r = check(dir, ns);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /nft table inet admin live with: tcp dport 22 accept/);
  assert.match(r.stdout, /net\.ipv4\.tcp_fin_timeout = 30/);

  const failsWith = (re: RegExp, why: string) => {
    const x = check(dir, ns);
    assert.equal(x.status, 1, `${why}: ${x.stdout}`);
    assert.match(x.stdout, re, why);
  };
  // replaced: lvsgen's include alone
  put('/etc/nftables.conf', `${BEGIN}\ninclude "/etc/nftables.d/lvsgen.nft"\n${END}\n`);
  failsWith(/\/etc\/nftables\.conf: not the administrator's file: it lacks the line "#!\/usr\/sbin\/nft -f"/, 'nftables.conf replaced');
  // a line of lvsgen's outside its block
  put('/etc/nftables.conf', `${nft}include "/etc/nftables.d/lvsgen.nft"\n`);
  failsWith(/has a line not the administrator's outside lvsgen's block: "include/, 'a line outside the block');
  put('/etc/nftables.conf', `${nft}${BEGIN}\ninclude "/etc/nftables.d/lvsgen.nft"\n${END}\n`);
  // its mode changed
  sh('chmod', ['644', at('/etc/nftables.conf')]);
  failsWith(/\/etc\/nftables\.conf: mode 644, the administrator's was 755/, 'mode');
  sh('chmod', ['755', at('/etc/nftables.conf')]);
  // the cloud-init stanza left as it was
  put('/etc/network/interfaces.d/50-cloud-init', cloud);
  failsWith(/50-cloud-init: not the administrator's file with iface eth1 inet commented out: it lacks the line "#lvsgen-disabled# iface eth1 inet dhcp"/, 'stanza left on');
  put('/etc/network/interfaces.d/50-cloud-init', off);
  // disabled without its original kept
  rmSync(at('/var/lib/lvsgen/backup/etc/network/interfaces.d/50-cloud-init'));
  failsWith(/50-cloud-init: disabled, but its original is not in/, 'no backup');
  put('/var/lib/lvsgen/backup/etc/network/interfaces.d/50-cloud-init', cloud);
  // the DNS servers not carried into lvsgen's stanza
  put('/etc/network/interfaces.d/eth1', 'auto eth1\niface eth1 inet static\n\taddress 10.0.0.2/24\n');
  failsWith(/interfaces\.d\/eth1: iface eth1 inet lacks the administrator's dns-nameservers 192\.0\.2\.53/, 'DNS lost');
  put('/etc/network/interfaces.d/eth1', 'auto eth1\niface eth1 inet static\n\taddress 10.0.0.2/24\n\tdns-nameservers 192.0.2.53\n');
  assert.equal(check(dir, ns).status, 0);
  // the live state: the table flushed, the key set back
  sh('ip', ['netns', 'exec', ns, 'nft', 'flush', 'ruleset']);
  failsWith(/nft table inet admin not live with tcp dport 22 accept/, 'table flushed');
  r = sh('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: nft });
  assert.equal(r.status, 0, r.stderr);
  sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.tcp_fin_timeout=60']);
  failsWith(/net\.ipv4\.tcp_fin_timeout = 60, the administrator's is 30/, 'key set back');
});

test('admin_check, redhat: the iptables and ifcfg merges pass; a file replaced or the rule flushed fails', (t) => {
  const s = setup(t, ['iptables', 'iptables-restore']);
  if (!s) return;
  const { dir, ns } = s;
  const at = seed(dir, ns, 'redhat');
  // boot: the administrator's rules and key (rc.sysinit's sysctl -p reads the machine's file here, so set it directly)
  let r = sh('ip', ['netns', 'exec', ns, 'iptables-restore', at('/etc/sysconfig/iptables')]);
  assert.equal(r.status, 0, r.stderr);
  sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.tcp_keepalive_time=600']);
  const ipt = copy(dir, '/etc/sysconfig/iptables');
  const sysctl = copy(dir, '/etc/sysctl.conf');
  const nat = `${BEGIN}\n*nat\n:LVSGEN-POSTROUTING - [0:0]\n-A LVSGEN-POSTROUTING -s 192.168.6.0/24 -j MASQUERADE\n-A POSTROUTING -j LVSGEN-POSTROUTING\nCOMMIT\n${END}\n`;
  writeFileSync(at('/etc/sysconfig/iptables'), ipt + nat);
  writeFileSync(at('/etc/sysctl.conf'), `${sysctl}${BEGIN}\nnet.ipv4.ip_forward = 1\n${END}\n`);
  // the ifcfg as install.sh merges it (its oracle), and the original backed up
  const ifcfgPath = '/etc/sysconfig/network-scripts/ifcfg-eth1';
  const ifcfg = copy(dir, ifcfgPath);
  const lvsgens = 'DEVICE=eth1\nBOOTPROTO=static\nIPADDR=10.0.0.2\nNETMASK=255.255.255.0\nONBOOT=yes\n';
  writeFileSync(at(ifcfgPath), mergeFile('ifcfg', ifcfg, lvsgens));
  mkdirSync(dirname(at(`/var/lib/lvsgen/backup${ifcfgPath}`)), { recursive: true });
  writeFileSync(at(`/var/lib/lvsgen/backup${ifcfgPath}`), ifcfg);
  r = check(dir, ns);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /iptables -t filter: -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT/);
  assert.match(r.stdout, /ifcfg-eth1: the administrator's DNS1=192\.0\.2\.53/);
  // lvsgen's ifcfg alone: the administrator's DNS servers lost
  writeFileSync(at(ifcfgPath), lvsgens);
  r = check(dir, ns);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /ifcfg-eth1: DNS1 is "", the administrator's was 192\.0\.2\.53/);
  writeFileSync(at(ifcfgPath), mergeFile('ifcfg', ifcfg, lvsgens));
  assert.equal(check(dir, ns).status, 0);
  // replaced by lvsgen's file
  writeFileSync(at('/etc/sysconfig/iptables'), nat);
  r = check(dir, ns);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /\/etc\/sysconfig\/iptables: not the administrator's file: it lacks the line "# Firewall configuration written by the administrator"/);
  writeFileSync(at('/etc/sysconfig/iptables'), ipt + nat);
  assert.equal(check(dir, ns).status, 0);
  // a line of the administrator's sysctl.conf gone
  writeFileSync(at('/etc/sysctl.conf'), `${sysctl.replace('net.ipv4.tcp_keepalive_time = 600\n', '')}${BEGIN}\nnet.ipv4.ip_forward = 1\n${END}\n`);
  r = check(dir, ns);
  assert.match(r.stdout, /\/etc\/sysctl\.conf: not the administrator's file: it lacks the line "net\.ipv4\.tcp_keepalive_time = 600"/);
  writeFileSync(at('/etc/sysctl.conf'), `${sysctl}${BEGIN}\nnet.ipv4.ip_forward = 1\n${END}\n`);
  // the rule flushed (an init script's stop)
  sh('ip', ['netns', 'exec', ns, 'iptables', '-F', 'INPUT']);
  r = check(dir, ns);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /iptables -t filter -S INPUT lacks -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT/);
});

/**
 * rhel9's live state is firewalld's: the check runs in a mount namespace of
 * its own inside NS, with a tmpfs /run, a system bus, and the root's
 * /etc/firewalld (the machine's, with the administrator's zone) at
 * /etc/firewalld; `systemctl start firewalld` (admin_boot) starts firewalld
 * there, never the machine's.
 */
function bashFirewalld(dir: string, ns: string, script: string) {
  return sh('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'bash', '-c', `set -u
. '${ADMIN}'
LAB_WORK='${dir}/work'; OUT='${dir}/out'; ROOT='${dir}/root'; mkdir -p "$OUT"
lab_log() { echo "$*" >&2; }
mount -t tmpfs lvsgen-admin-run /run
mkdir -p /run/dbus
cp -an /etc/firewalld/. "$ROOT/etc/firewalld/"
mount --bind "$ROOT/etc/firewalld" /etc/firewalld
dbus=$(dbus-daemon --system --fork --print-pid) || exit 91
fw=
trap '[ -n "$fw" ] && kill $fw; kill $dbus' EXIT
on() {
  shift
  case $1 in
  cat) cat "$ROOT$2" ;;
  stat) stat -c %a "$ROOT\${*: -1}" ;;
  /usr/bin/systemctl)
    [ "$2 $3" = 'start firewalld' ] || return 1
    firewalld --nofork --nopid & fw=$!
    for i in $(seq 1 120); do firewall-cmd --state >/dev/null 2>&1 && return 0; sleep 0.25; done
    return 1
    ;;
  *)
    local a w=()
    for a in "$@"; do case $a in /etc/*) w+=("$ROOT$a") ;; *) w+=("$a") ;; esac; done
    "\${w[@]}"
    ;;
  esac
}
${script}`]);
}

test('admin_check, rhel9: the keyfile merge and the disabled profile pass; the profile left on, DNS lost, no backup, a replaced zone, firewalld stopped fail', (t) => {
  const s = setup(t, ['firewalld', 'firewall-cmd', 'dbus-daemon', 'unshare']);
  if (!s) return;
  const { dir, ns } = s;
  const at = seed(dir, ns, 'rhel9');
  const put = (path: string, text: string) => { mkdirSync(dirname(at(path)), { recursive: true }); writeFileSync(at(path), text); };
  const nmc = '/etc/NetworkManager/system-connections';
  const profile = copy(dir, `${nmc}/eth1.nmconnection`);
  // what install.sh leaves: lvsgen's keyfile with the administrator's keys (its oracle), the administrator's profile off, backed up
  const lvsgens = '[connection]\nid=lvsgen-eth1\nuuid=0b5c4b2e-7f1a-5e3d-9c8b-1a2b3c4d5e6f\ntype=ethernet\ninterface-name=eth1\nautoconnect-priority=10\n\n[ethernet]\n\n[ipv4]\nmethod=manual\naddress1=10.0.0.2/24\n\n[ipv6]\nmethod=ignore\n';
  const merged = mergeFile('keyfile', profile, lvsgens);
  assert.match(merged, /^dns=192\.0\.2\.53;$/m, merged);
  put(`${nmc}/lvsgen-eth1.nmconnection`, merged);
  const off = profile.replace('[connection]\n', '[connection]\nautoconnect=false\n');
  assert.notEqual(off, profile);
  put(`${nmc}/eth1.nmconnection`, off);
  put(`/var/lib/lvsgen/backup${nmc}/eth1.nmconnection`, profile);
  const zone = copy(dir, '/etc/firewalld/zones/public.xml');
  const run = (extra: string) => bashFirewalld(dir, ns, `admin_boot h || exit 93\n${extra}\nadmin_check h`);
  let r = run('');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /firewalld running, zone public with ssh/);
  assert.match(r.stdout, /eth1\.nmconnection: the administrator's profile, autoconnect=false, the rest kept/);
  assert.match(r.stdout, /lvsgen-eth1\.nmconnection: \[ipv4\] has the administrator's dns-search=lab\.example;/);
  assert.match(r.stdout, /net\.ipv4\.tcp_keepalive_probes = 5/);

  const failsWith = (extra: string, re: RegExp, why: string) => {
    const x = run(extra);
    assert.equal(x.status, 1, `${why}: ${x.stdout}${x.stderr}`);
    assert.match(x.stdout, re, why);
  };
  // the administrator's profile left as it was: it would come up beside lvsgen's
  put(`${nmc}/eth1.nmconnection`, profile);
  failsWith('', /eth1\.nmconnection: not the administrator's profile with autoconnect=false: it lacks the line "autoconnect=false"/, 'profile left on');
  put(`${nmc}/eth1.nmconnection`, off);
  // no backup of it
  rmSync(at(`/var/lib/lvsgen/backup${nmc}/eth1.nmconnection`));
  failsWith('', /eth1\.nmconnection: no copy of the administrator's original/, 'no backup');
  put(`/var/lib/lvsgen/backup${nmc}/eth1.nmconnection`, profile);
  // lvsgen's keyfile alone: the administrator's DNS server lost
  put(`${nmc}/lvsgen-eth1.nmconnection`, lvsgens);
  failsWith('', /lvsgen-eth1\.nmconnection: \[ipv4\] lacks the administrator's dns=192\.0\.2\.53;/, 'DNS lost');
  put(`${nmc}/lvsgen-eth1.nmconnection`, merged);
  // the zone replaced
  put('/etc/firewalld/zones/public.xml', zone.replace('  <service name="ssh"/>\n', ''));
  failsWith('', /public\.xml: not the administrator's file: it lacks the line " *<service name="ssh"\/>"/, 'zone replaced');
  put('/etc/firewalld/zones/public.xml', zone);
  // firewalld stopped (what a `systemctl stop firewalld` or a conflicting nftables.service would do)
  failsWith('kill $fw; wait $fw; fw=', /firewalld: zone public with ssh: (FirewallD is )?not running/, 'firewalld stopped');
  // the key set back
  failsWith('sysctl -qw net.ipv4.tcp_keepalive_probes=9', /net\.ipv4\.tcp_keepalive_probes = 9, the administrator's is 5/, 'key set back');
});
