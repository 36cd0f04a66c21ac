// rhel9's NetworkManager keyfiles read back and applied by NetworkManager
// itself (Debian 12's NetworkManager 1.42.4; RHEL 9.2 ships a 1.42 too), not by a
// parser of ours: for each host of each rhel9 case, a scratch network
// namespace gets one veth per device of the host, a private mount namespace
// puts the host's keyfiles at /etc/NetworkManager/system-connections (tmpfs
// over /run and /var/lib/NetworkManager), a private system bus starts, and
// NetworkManager runs there. As at boot, NetworkManager must bring every
// profile up by itself (autoconnect); `nmcli connection show` must list each
// with the derived addresses, gateway and routes; the kernel must then hold
// those addresses and routes, including the virtual network that lo accepts
// as local (seed 001); and the installer's `nmcli connection up` works too.
//
// Without udev (none runs in a namespace) NetworkManager waits forever for
// devices to be "initialized"; with /sys read-only it does not use udev,
// which is how it runs in containers. The remount is private to the test's
// mount namespace.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { DerivedHost } from '../../src/derive/model.js';
import { bundlesOfCase, caseName, link, netns, renderCase, type Rendered, requireRoot, requireTools, sh, tempDir, TODAY_CASES, withNetworkManager } from '../support/index.js';

const KEYFILES = '/etc/NetworkManager/system-connections';

/** /etc/NetworkManager for the test: keyfile plugin only, no automatic profiles, the host's keyfiles as they are (modes kept). */
function etcFor(t: TestContext, r: Rendered, host: string): string {
  const etc = join(tempDir(t, 'lvsgen-nm-etc-'), 'NetworkManager');
  mkdirSync(join(etc, 'system-connections'), { recursive: true, mode: 0o755 });
  writeFileSync(join(etc, 'NetworkManager.conf'), '[main]\nplugins=keyfile\nno-auto-default=*\n');
  const src = r.file(host, KEYFILES);
  for (const f of readdirSync(src)) {
    copyFileSync(join(src, f), join(etc, 'system-connections', f));
    chmodSync(join(etc, 'system-connections', f), 0o600);
  }
  return etc;
}

/** `== name` sections of the script's output. */
function sections(out: string): Map<string, string> {
  const m = new Map<string, string>();
  let cur = '';
  for (const line of out.split('\n')) {
    const h = /^== (.*)$/.exec(line);
    if (h) m.set((cur = h[1]!), '');
    else if (cur !== '') m.set(cur, `${m.get(cur)!}${line}\n`);
  }
  return m;
}

/** The profiles (ids) lvsgen writes for a host. */
const profiles = (h: DerivedHost) => [...h.devices.map((d) => `lvsgen-${d.device}`), ...(h.loopbackAliases.length > 0 || h.loopback6.length > 0 ? ['lvsgen-lo'] : [])];

/** Wait (in the script) until NetworkManager has activated every lvsgen profile on its own. */
const AUTOCONNECT = (ids: string[]) => `
i=0
until [ "$(nmcli -g NAME,ACTIVE connection show | grep -c '^lvsgen-.*:yes$')" -eq ${ids.length} ]; do
	i=$((i + 1)); [ $i -gt 120 ] && break
	sleep 0.25
done`;

for (const c of TODAY_CASES.filter((x) => x.distro === 'rhel9')) {
  test(`${caseName(c)}: NetworkManager brings every keyfile up by itself (as at boot), reads it back as derived, and the kernel holds the addresses, gateway, routes and the loopback's virtual network`, async (t) => {
    if (!requireRoot(t) || !requireTools(t, 'NetworkManager', 'nmcli', 'dbus-daemon', 'unshare', 'ip')) return;
    const r = await renderCase(t, c);
    const { model } = bundlesOfCase(c);
    for (const h of model.hosts) {
      const ids = profiles(h);
      const ns = netns(t, 'lvm');
      const peer = netns(t, 'lvp');
      for (const d of h.devices) link(ns, d.device, peer, d.device);
      const script = [
        AUTOCONNECT(ids),
        'echo "== connections"; nmcli -t -f NAME,TYPE,FILENAME,ACTIVE connection show',
        ...ids.map((id) => `echo "== show ${id}"; nmcli -t -f connection.type,connection.interface-name,ipv4.method,ipv4.addresses,ipv4.gateway,ipv4.routes,ipv6.method,ipv6.addresses,ipv6.gateway connection show ${id}`),
        ...ids.map((id) => `echo "== up ${id}"; nmcli -w 20 connection up ${id} 2>&1`),
        'echo "== addr"; ip -4 -o addr show',
        'echo "== addr6"; ip -6 -o addr show',
        'echo "== main6"; ip -6 route show default',
        'echo "== main"; ip route show table main',
        'echo "== local"; ip route show table local',
        ...ids.map((id) => `echo "== up ${id}"; nmcli -w 20 connection up ${id} 2>&1`),
      ].join('\n');
      const run = withNetworkManager(t, ns, etcFor(t, r, h.name), script);
      assert.equal(run.status, 0, `${h.name}: NetworkManager run exited ${run.status}\n${run.stdout}\n${run.stderr}\n${run.log}`);
      const s = sections(run.stdout);
      const why = `${h.name}:\n${run.stdout}\n--- NetworkManager log ---\n${run.log}`;

      // Read back: each profile, from its file, as derived.
      const listed = s.get('connections')!;
      for (const id of ids) assert.match(listed, new RegExp(`^${id}:(802-3-ethernet|loopback):${KEYFILES}/${id}\\.nmconnection:yes$`, 'm'), `${id} read and brought up at start: ${why}`);
      assert.equal(listed.split('\n').filter((l) => l.includes(`:${KEYFILES}/`)).length, ids.length, `only lvsgen's keyfiles: ${why}`);
      for (const d of h.devices) {
        const show = s.get(`show lvsgen-${d.device}`)!;
        const addresses = [`${d.address}/${d.prefix}`, ...d.aliases.map((a) => `${a.address}/${a.prefix}`)].join(', ');
        assert.match(show, new RegExp(`^connection.type:802-3-ethernet$`, 'm'), why);
        assert.match(show, new RegExp(`^connection.interface-name:${d.device}$`, 'm'), why);
        assert.match(show, /^ipv4\.method:manual$/m, why);
        assert.ok(show.includes(`ipv4.addresses:${addresses}\n`), `${d.device} addresses ${addresses}: ${why}`);
        assert.ok(show.includes(`ipv4.gateway:${d.gateway ?? ''}\n`), `${d.device} gateway: ${why}`);
        const routes = d.routes.map((x) => `${x.networkCidr} ${x.via}`).join(', ');
        assert.ok(show.includes(`ipv4.routes:${routes}\n`), `${d.device} routes ${routes}: ${why}`);
        // IPv6: the topology's addresses and the virtual ones, managed; none: left to the kernel (ignore).
        assert.match(show, new RegExp(`^ipv6\\.method:${d.ipv6.length > 0 ? 'manual' : 'ignore'}$`, 'm'), why);
        assert.ok(show.includes(`ipv6.addresses:${d.ipv6.map((a) => `${a.address}/${a.prefix}`).join(', ')}\n`), `${d.device} IPv6 addresses: ${why}`);
        assert.ok(show.includes(`ipv6.gateway:${d.gateway6 ?? ''}\n`), `${d.device} IPv6 gateway: ${why}`);
      }
      if (h.loopbackAliases.length > 0 || h.loopback6.length > 0) {
        const show = s.get('show lvsgen-lo')!;
        assert.match(show, /^connection.type:loopback$/m, why);
        // without IPv4 aliases lo's own 127.0.0.1/8 (method=manual wants an address)
        assert.ok(show.includes(`ipv4.addresses:${h.loopbackAliases.map((a) => `${a.address}/${a.prefix}`).join(', ') || '127.0.0.1/8'}\n`), why);
        // IPv6 virtual addresses of direct routing: manual /128s; none: no [ipv6] written (NetworkManager's default)
        if (h.loopback6.length > 0) assert.ok(show.includes(`ipv6.addresses:${h.loopback6.map((a) => `${a.address}/${a.prefix}`).join(', ')}\n`), why);
      }

      // Applied: NetworkManager gave the kernel the seeds' state; the installer's command works as well.
      for (const id of ids) assert.match(s.get(`up ${id}`)!, /successfully activated/, why);
      const addr = s.get('addr')!;
      for (const d of h.devices) {
        for (const a of [d, ...d.aliases]) assert.match(addr, new RegExp(`\\d+: ${d.device}\\s+inet ${a.address.replace(/\./g, '\\.')}/${a.prefix} `), why);
      }
      for (const d of h.devices) for (const a of d.ipv6) assert.match(s.get('addr6')!, new RegExp(`\\d+: ${d.device}\\s+inet6 ${a.address}/${a.prefix} `), why);
      if (h.gateway6) assert.match(s.get('main6')!, new RegExp(`^default via ${h.gateway6.address} dev ${h.gateway6.device} `, 'm'), why);
      const main = s.get('main')!;
      if (h.gateway) assert.match(main, new RegExp(`^default via ${h.gateway.address} dev ${h.gateway.device} `, 'm'), why);
      else assert.doesNotMatch(main, /^default /m, why);
      for (const d of h.devices) for (const x of d.routes) assert.match(main, new RegExp(`^${x.networkCidr} via ${x.via} dev ${x.device} `, 'm'), why);
      for (const a of h.loopback6) assert.match(s.get('addr6')!, new RegExp(`\\d+: lo\\s+inet6 ${a.address}/${a.prefix} `), why);
      for (const a of h.loopbackAliases) {
        assert.match(addr, new RegExp(`\\d+: lo\\s+inet ${a.address}/${a.prefix} `), why);
        // The whole virtual network is local (ip route get of any address in it would say `local`).
        assert.match(s.get('local')!, new RegExp(`^local ${a.networkCidr.replace(/\/32$/, '')} dev lo `, 'm'), why);
      }
    }
  });
}

test('negative controls: NetworkManager skips a keyfile that others can read (hence mode 0600) and one with a bad address', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'NetworkManager', 'nmcli', 'dbus-daemon', 'unshare', 'ip')) return;
  const c = TODAY_CASES.find((x) => x.distro === 'rhel9' && x.example === 'ha-cidr')!;
  const r = await renderCase(t, c);
  const etc = etcFor(t, r, 'node1');
  const dir = join(etc, 'system-connections');
  const eth0 = sh('cat', [join(dir, 'lvsgen-eth0.nmconnection')]).stdout;
  writeFileSync(join(dir, 'open.nmconnection'), eth0.replace('id=lvsgen-eth0', 'id=open').replace(/^uuid=.*$/m, 'uuid=1d9c3b5e-0d6f-4f7e-9a39-3b1f0e7c2a11'));
  chmodSync(join(dir, 'open.nmconnection'), 0o644);
  writeFileSync(join(dir, 'bad.nmconnection'), eth0.replace('id=lvsgen-eth0', 'id=bad').replace(/^uuid=.*$/m, 'uuid=2e8d4c6f-1e70-4a8f-8b4a-4c2f1f8d3b22').replace('address1=192.168.6.2/24', 'address1=192.168.6.300/24'));
  chmodSync(join(dir, 'bad.nmconnection'), 0o600);
  const ns = netns(t, 'lvm');
  const peer = netns(t, 'lvp');
  link(ns, 'eth0', peer, 'eth0');
  const run = withNetworkManager(t, ns, etc, `nmcli -g NAME,FILENAME connection show | grep -F ':${KEYFILES}/'`);
  assert.equal(run.status, 0, run.stderr + run.log);
  assert.deepEqual(run.stdout.trim().split('\n').map((l) => l.split(':')[0]).sort(), ['lvsgen-eth0', 'lvsgen-lo'], `${run.stdout}\n${run.log}`);
  assert.match(run.log, /open\.nmconnection.*(insecure|permission)/i, run.log);
});
