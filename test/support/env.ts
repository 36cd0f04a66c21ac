// Where the checkout is, whether this run is CI, and the tools and privileges
// a test needs (one rule for all of them: see CI).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The checkout: this module runs as dist/test/support/env.js. */
export const REPO = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A file of the checkout, by its path from the top (test/package/rpmlintrc ...). */
export const sourceFile = (relative: string) => path.join(REPO, relative);

/** A bundled example topology: examples/<name>.yaml. */
export const example = (name: string) => path.join(REPO, 'examples', `${name}.yaml`);

/**
 * CI is set when the environment variable CI is 'true' or '1' (anything else,
 * or unset, is a developer's machine). Under CI a missing tool, root or static
 * busybox fails the test; elsewhere the test skips, saying what to install.
 */
export const CI = process.env.CI === 'true' || process.env.CI === '1';

/** The Debian package of a tool, for the message on a missing one (default: the tool's name). */
const DEBIAN_PACKAGE: Record<string, string> = {
  'dpkg-deb': 'dpkg',
  'dpkg-query': 'dpkg',
  rpm2cpio: 'rpm',
  busybox: 'busybox-static',
  md5sum: 'coreutils',
  chroot: 'coreutils',
  timeout: 'coreutils',
  diff: 'diffutils',
  cmp: 'diffutils',
  stat: 'coreutils',
  mktemp: 'coreutils',
  ip: 'iproute2',
  sysctl: 'procps',
  unshare: 'util-linux',
  ifup: 'ifupdown',
  ifdown: 'ifupdown',
  ifquery: 'ifupdown',
  route: 'net-tools',
  ifconfig: 'net-tools',
  'iptables-restore': 'iptables',
  'iptables-save': 'iptables',
  nft: 'nftables',
  'firewall-offline-cmd': 'firewalld',
  genhash: 'keepalived',
  NetworkManager: 'network-manager',
  nmcli: 'network-manager',
  'dbus-daemon': 'dbus-daemon',
  'systemd-analyze': 'systemd',
  'ansible-playbook': 'ansible',
  '/usr/sbin/sshd': 'openssh-server',
  'ssh-keygen': 'openssh-client',
  '/usr/bin/time': 'time',
  '/usr/libexec/heartbeat/heartbeat': 'heartbeat',
};

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of a tool (a name looked up on PATH, or a path as given), or undefined. */
export function which(tool: string): string | undefined {
  if (tool.includes('/')) return executable(tool) ? path.resolve(tool) : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, tool);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

export const have = (tool: string): boolean => which(tool) !== undefined;

/** Fail under CI, else skip with the reason; always false (the test should stop). */
function unavailable(t: TestContext, why: string): false {
  if (CI) assert.fail(`${why} (CI is set: the test must run)`);
  t.skip(why);
  return false;
}

/** True when every tool is here; otherwise fails under CI and skips elsewhere, naming the Debian packages. */
export function requireTools(t: TestContext, ...tools: string[]): boolean {
  const missing = tools.filter((x) => !have(x));
  if (missing.length === 0) return true;
  const pkgs = [...new Set(missing.map((m) => DEBIAN_PACKAGE[m] ?? m))].join(' ');
  return unavailable(t, `missing tool(s): ${missing.join(', ')}: apt-get install -y --no-install-recommends ${pkgs} (make test installs them as root)`);
}

/** True as root (network namespaces; dpkg/rpm --root chroot to run maintainer scripts); otherwise fails under CI, skips elsewhere. */
export function requireRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  return unavailable(t, 'needs root (network namespaces; dpkg/rpm --root chroot into a scratch root)');
}

/** True for an ELF executable without a PT_INTERP program header (statically linked). */
export function isStaticElf(bytes: Buffer): boolean {
  if (bytes.subarray(0, 4).toString('latin1') !== '\x7fELF' || bytes[4] !== 2) return false; // ELF64 only
  const phoff = Number(bytes.readBigUInt64LE(0x20));
  const phentsize = bytes.readUInt16LE(0x36);
  const phnum = bytes.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (bytes.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

/**
 * A static busybox to serve as /bin/sh inside scratch roots: dpkg --root and
 * rpm --root run maintainer scripts chrooted. Fails under CI and skips
 * elsewhere when only a dynamic busybox (or none) is installed.
 */
export function staticBusybox(t: TestContext): Buffer | undefined {
  for (const candidate of ['/bin/busybox', '/usr/bin/busybox', which('busybox')]) {
    if (candidate === undefined || !fs.existsSync(candidate)) continue;
    const bytes = fs.readFileSync(candidate);
    if (isStaticElf(bytes)) return bytes;
  }
  unavailable(t, 'no static busybox for the chroot: apt-get install -y --no-install-recommends busybox-static');
  return undefined;
}
