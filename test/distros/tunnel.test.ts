// Tunnelling real servers (issue 14, defect 1). With `forward: ipip` the
// director encapsulates each request to a real server's own address; the real
// server decapsulates it on ipip's fallback device tunl0, which receives only
// while it is up, and the decapsulated packet (from the client's address, in
// on tunl0) passes reverse-path filtering only if both tunl0 and `all` are 0
// (the kernel uses the larger of the two, and tunl0, which has no address,
// fails the loose check too: lvsgen lab --vm found the packets dropped with
// `all` at 2, TcpExtIPReversePathFilter counting them). Needed on every
// distro: ipip at boot, tunl0 up, tunl0's rp_filter 0 once ipip is loaded,
// `all` 0, the virtual addresses local on lo:N with the ARP settings.
// Proven on examples/lb-tun.yaml: the files per distro, ifupdown's own parser
// and planner (ifquery, ifup -n), and sysctl applied in a namespace. This
// machine's kernel has no ipip; where it has, tunl0 is brought up for real.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundlesOf, installerCommands, interfacesOf, netns, ok, renderCase, requireRoot, requireTools, sh, sysctlEntries, tempDir } from '../support/index.js';

type Files = Map<string, string>;
const hostFiles = (distro: string, host: string): Files =>
  new Map(bundlesOf('lb-tun', distro).bundles.find((b) => b.host === host)!.files.map((f) => [f.path, f.content.toString()]));
const commands = (f: Files) => installerCommands(f.get('.lvsgen/plan')!).map((c) => c.command);
const SYSCTL: Record<string, string> = { redhat: 'etc/sysctl.conf', debian: 'etc/sysctl.conf', debian12: 'etc/sysctl.d/90-lvsgen.conf', rhel9: 'etc/sysctl.d/90-lvsgen.conf' };
const MODULES: Record<string, string> = { redhat: 'etc/rc.d/rc.local', debian: 'etc/modules', debian12: 'etc/modules-load.d/lvsgen.conf', rhel9: 'etc/modules-load.d/lvsgen.conf' };
/** Where tunl0 is brought up at boot, and the line that does it. */
const UP: Record<string, [string, RegExp]> = {
  redhat: ['etc/rc.d/rc.local', /^\/sbin\/ip link set tunl0 up$/m],
  debian: ['etc/network/interfaces', /^auto tunl0\niface tunl0 inet manual\n\tpre-up \/sbin\/modprobe ipip\n\tup \/sbin\/ip link set tunl0 up\n/m],
  debian12: ['etc/network/interfaces.d/tunl0', /^auto tunl0\niface tunl0 inet manual\n\tpre-up \/usr\/sbin\/modprobe ipip\n\tup \/usr\/sbin\/ip link set tunl0 up\n/m],
  rhel9: ['etc/rc.d/rc.local', /^\/usr\/sbin\/modprobe ipip\n\/usr\/sbin\/ip link set tunl0 up$/m],
};

for (const distro of ['redhat', 'debian', 'debian12', 'rhel9']) {
  test(`lb-tun/${distro}: each real server loads ipip at boot, brings tunl0 up, sets rp_filter (tunl0 0, all 0) and keeps the VIP on a non-ARPing lo alias`, () => {
    for (const host of ['real1', 'real2']) {
      const f = hostFiles(distro, host);
      const modules = f.get(MODULES[distro]!)!;
      assert.match(modules, distro === 'redhat' ? /^\/sbin\/modprobe ipip$/m : /^ipip$/m, `${host}: ipip at boot`);
      const [file, line] = UP[distro]!;
      assert.match(f.get(file) ?? '', line, `${host}: tunl0 up in ${file}`);
      const sysctl = sysctlEntries(f.get(SYSCTL[distro]!)!);
      const value = (k: string) => sysctl.filter(([key]) => key === k).map(([, v]) => v);
      assert.deepEqual(value('net.ipv4.conf.all.rp_filter'), ['0']);
      assert.deepEqual(value('net.ipv4.conf.all.arp_ignore'), ['1']);
      assert.deepEqual(value('net.ipv4.conf.all.arp_announce'), ['2']);
      if (distro === 'redhat') {
        // rc.sysinit applies sysctl.conf before rc.local loads ipip: tunl0's key is set there, after it.
        assert.deepEqual(value('net.ipv4.conf.tunl0.rp_filter'), []);
        const rc = modules.split('\n');
        assert.ok(rc.indexOf('/sbin/sysctl -w net.ipv4.conf.tunl0.rp_filter=0') > rc.indexOf('/sbin/ip link set tunl0 up'), modules);
        assert.ok(rc.indexOf('/sbin/ip link set tunl0 up') > rc.indexOf('/sbin/modprobe ipip'), modules);
      } else assert.deepEqual(value('net.ipv4.conf.tunl0.rp_filter'), ['0']);
      const cmds = commands(f);
      const load = cmds.findIndex((c) => /modprobe ipip$/.test(c));
      const apply = cmds.findIndex((c) => (distro === 'redhat' ? /sysctl -w net\.ipv4\.conf\.tunl0/ : /sysctl (-p|--system)/).test(c));
      assert.ok(load >= 0 && apply > load, `${host}: the installer loads ipip before it sets tunl0's key:\n${cmds.join('\n')}`);
    }
    const director = hostFiles(distro, 'director');
    assert.doesNotMatch([...director.entries()].filter(([p]) => !p.startsWith('.lvsgen/install')).map(([, c]) => c).join('\n'), /tunl0|^ipip$|modprobe ipip/m, 'the director needs no tunl0');
  });
}

test('lb-tun/debian12: ifquery lists tunl0 and ifup -n plans it up; lb-tun/debian: the same for the whole interfaces file', async (t) => {
  if (!requireTools(t, 'ifquery', 'ifup')) return;
  const r = await renderCase(t, { example: 'lb-tun', distro: 'debian12', tree: 'debian12' });
  const work = tempDir(t, 'lvsgen-tun-');
  const file = interfacesOf(r, 'real1', work);
  const listed = ok(sh('ifquery', ['-i', file, '--list']), 'ifquery --list').stdout.split('\n');
  assert.ok(listed.includes('tunl0') && listed.includes('lo:0') && listed.includes('eth0'), listed.join(' '));
  const state = join(work, 'state');
  mkdirSync(state);
  const plan = ok(sh('ifup', ['-n', '-v', '-i', file, '--state-dir', state, '--no-scripts', 'tunl0']), 'ifup -n tunl0');
  assert.match(`${plan.stdout}${plan.stderr}`, /modprobe ipip[^]*ip link set tunl0 up/);
  const old = hostFiles('debian', 'real1').get('etc/network/interfaces')!;
  const whole = join(work, 'debian-interfaces');
  writeFileSync(whole, old);
  const oldListed = ok(sh('ifquery', ['-i', whole, '--list']), 'ifquery --list (debian)').stdout.split('\n');
  assert.ok(oldListed.includes('tunl0'), oldListed.join(' '));
});

test('lb-tun: the real servers\' sysctl keys apply in a namespace; tunl0 comes up and takes rp_filter 0 where the kernel has ipip', (t) => {
  if (!requireRoot(t) || !requireTools(t, 'sysctl', 'ip')) return;
  const ns = netns(t, 'lvt');
  const text = hostFiles('debian12', 'real1').get('etc/sysctl.d/90-lvsgen.conf')!;
  // ipip's fallback device exists in every namespace once the module is loaded.
  const hasIpip = ns.exec('ip', ['link', 'show', 'tunl0']).status === 0;
  const entries = sysctlEntries(text).filter(([k]) => hasIpip || !k.startsWith('net.ipv4.conf.tunl0.'));
  ns.veth('eth0');
  const file = join(tempDir(t), 'sysctl.conf');
  writeFileSync(file, entries.map(([k, v]) => `${k} = ${v}\n`).join(''));
  if (hasIpip) ok(ns.exec('ip', ['link', 'set', 'tunl0', 'up']), 'tunl0 up');
  else t.diagnostic('no ipip in this kernel: tunl0 not brought up here, its key not applied');
  ok(ns.exec('sysctl', ['-p', file]), 'sysctl -p');
  for (const [k, v] of entries) assert.equal(ns.exec('sysctl', ['-n', k]).stdout.trim(), v, k);
});
