// What the machine running `lvsgen lab` needs for a plan (pure): the tools,
// each with the Debian package that has it, for the one message that lists
// what to install.
import type { LabPlan } from './plan.js';

export interface Tool {
  /** A command on PATH, or an absolute path. */
  tool: string;
  package: string;
}

const t = (tool: string, pkg: string): Tool => ({ tool, package: pkg });

/** Every lab: namespaces, private roots, the servers and the clients. */
const BASE = [
  t('ip', 'iproute2'), t('unshare', 'util-linux'), t('nsenter', 'util-linux'), t('mount', 'mount'),
  t('chroot', 'coreutils'), t('timeout', 'coreutils'), t('bash', 'bash'), t('busybox', 'busybox-static'),
  t('curl', 'curl'), t('perl', 'perl-base'), t('ping', 'iputils-ping'), t('sysctl', 'procps'), t('pkill', 'procps'),
];

/** What each distro's installer runs, beyond BASE (Red Hat's initscripts are the lab's replay, kit/redhat). */
const DISTRO: Record<string, Tool[]> = {
  redhat: [t('iptables-restore', 'iptables'), t('iptables', 'iptables'), t('route', 'net-tools'), t('ifconfig', 'net-tools')],
  debian: [t('ifup', 'ifupdown'), t('ifdown', 'ifupdown'), t('iptables', 'iptables'), t('update-rc.d', 'init-system-helpers'), t('route', 'net-tools')],
  debian12: [t('ifup', 'ifupdown'), t('ifdown', 'ifupdown'), t('nft', 'nftables'), t('systemctl', 'systemd')],
  // NetworkManager and firewalld on a system bus of the host's own (lab/lib/cluster.sh)
  rhel9: [
    t('NetworkManager', 'network-manager'), t('nmcli', 'network-manager'), t('dbus-daemon', 'dbus-daemon'), t('dbus-send', 'dbus-bin'),
    t('firewalld', 'firewalld'), t('firewall-cmd', 'firewalld'), t('nft', 'nftables'), t('systemctl', 'systemd'),
  ],
};

const NEED: Record<string, Tool[]> = {
  ldirectord: [t('/usr/sbin/ldirectord', 'ldirectord')],
  keepalived: [t('keepalived', 'keepalived')],
  heartbeat: [t('/usr/libexec/heartbeat/heartbeat', 'heartbeat'), t('/etc/ha.d/resource.d/IPaddr', 'heartbeat')],
  vrrp: [t('keepalived', 'keepalived')],
  openssl: [t('openssl', 'openssl')],
};

/** The distros the lab can build hosts of today. */
export const LAB_DISTROS = Object.keys(DISTRO);

export function labTools(plan: LabPlan): Tool[] {
  const out = new Map<string, Tool>();
  const add = (list: Tool[]) => { for (const x of list) out.set(x.tool, x); };
  add(BASE);
  for (const n of plan.needs) add(n.startsWith('distro:') ? DISTRO[n.slice('distro:'.length)] ?? [] : NEED[n] ?? []);
  return [...out.values()];
}

/** The one message for what is missing: the tools, and the packages that have them. */
export function missingMessage(missing: readonly Tool[]): string {
  const pkgs = [...new Set(missing.map((m) => m.package))].sort();
  return `missing ${missing.map((m) => m.tool).join(', ')}: install ${pkgs.join(' ')} (Debian: apt-get install ${pkgs.join(' ')})`;
}
