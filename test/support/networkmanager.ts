// NetworkManager itself in a scratch network namespace (test/distros/networkmanager.test.ts
// and the installer's interface tests): a private mount namespace puts the given
// folder at /etc/NetworkManager (tmpfs over /run and /var/lib/NetworkManager), a
// private system bus starts, and NetworkManager runs there while a script runs.
// Without udev (none runs in a namespace) NetworkManager waits forever for devices
// to be "initialized"; with /sys read-only it does not use udev, which is how it
// runs in containers. Nothing happens at import.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { link, netns, type Netns } from './netns.js';
import { ok, type Ran, sh } from './proc.js';
import { tempDir } from './tmp.js';

const RUN = `
set -u
mount -t tmpfs lvsgen-run /run
mkdir -p /run/dbus /run/NetworkManager
[ -z "$4" ] || cp -a "$4/." /run/NetworkManager/
mount -t tmpfs lvsgen-nm-state /var/lib/NetworkManager
mount --bind "$1" /etc/NetworkManager
mount -o remount,ro /sys
dbus=$(dbus-daemon --system --fork --print-pid) || exit 91
NetworkManager --no-daemon --debug --log-level=INFO >"$2" 2>&1 &
nm=$!
trap 'kill $nm; wait $nm; kill $dbus' EXIT
i=0
until nmcli -t general status >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 120 ] && exit 92
	sleep 0.25
done
. "$3"
`;

/**
 * Run `script` (sh) in `ns` once NetworkManager runs there with `etc` as
 * /etc/NetworkManager and, where given, a copy of `run` as /run/NetworkManager.
 */
export function withNetworkManager(t: TestContext, ns: Netns, etc: string, script: string, run = ''): Ran & { log: string } {
  const dir = tempDir(t, 'lvsgen-nm-run-');
  writeFileSync(join(dir, 'run.sh'), RUN);
  writeFileSync(join(dir, 'script.sh'), script);
  const log = join(dir, 'NetworkManager.log');
  const r = sh('ip', ['netns', 'exec', ns.name, 'unshare', '--mount', '--propagation', 'private', 'sh', join(dir, 'run.sh'), etc, log, join(dir, 'script.sh'), run], { timeout: 90_000 });
  const text = sh('cat', [log]).stdout;
  return { ...r, log: text };
}

/**
 * NetworkManager at "boot" on ROOT's /etc/NetworkManager (and its /run/NetworkManager), in a namespace with
 * eth0 and eth1 (veths to a peer): waits until two lvsgen-* profiles are
 * active, then reports the active profiles and FIELDS (nmcli -t -f) of
 * lvsgen-eth0, eth0's link and IPv6 addresses and the default route. Asserts
 * the run succeeded; `why` is its output with NetworkManager's log, for messages.
 * `macs`: the hardware address to give a device (DEV: address) before
 * NetworkManager starts; `after`: more of the script's lines, output last.
 */
export function bootLvsgenProfiles(t: TestContext, root: string, fields: string[], macs: Readonly<Record<string, string>> = {}, after = ''): { stdout: string; why: string; active: string[] } {
  const ns = netns(t, 'lvnm');
  const peer = netns(t, 'lvnp');
  for (const d of ['eth0', 'eth1']) {
    link(ns, d, peer, d);
    if (macs[d] !== undefined) ok(ns.ip('link', 'set', d, 'address', macs[d]), `${d} address`);
  }
  const script = `
i=0
until [ "$(nmcli -g NAME,ACTIVE connection show | grep -c '^lvsgen-.*:yes$')" -eq 2 ]; do
	i=$((i + 1)); [ $i -gt 120 ] && break
	sleep 0.25
done
sleep 1
echo "== active"; nmcli -g NAME connection show --active
echo "== show"; nmcli -t -f ${fields.join(',')} connection show lvsgen-eth0
echo "== link"; ip -o link show eth0
echo "== addr6"; ip -6 -o addr show dev eth0
echo "== route"; ip route show default
${after}`;
  const run = withNetworkManager(t, ns, join(root, 'etc/NetworkManager'), script, existsSync(join(root, 'run/NetworkManager')) ? join(root, 'run/NetworkManager') : '');
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}\n${run.log}`);
  const active = /== active\n([\s\S]*?)== show/.exec(run.stdout)?.[1]?.split('\n').filter((l) => l !== '' && l !== 'lo') ?? [];
  return { stdout: run.stdout, why: `${run.stdout}\n--- NetworkManager log ---\n${run.log}`, active };
}
