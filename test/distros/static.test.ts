// Today's distros, file by file, with each file's own consumer: the ldirectord
// unit drop-in (systemd-analyze verify), the sysctl.d drop-ins (applied in a
// scratch namespace), the debian12 interfaces files (ifquery, ifup -n), the
// modules-load.d files. The installer, one static program, is checked once
// by test/consumers/static.test.ts.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { caseName, interfacesOf, link, netns, ok, PAIR, renderCase, type Rendered, renderText, requireRoot, requireTools, sh, tempDir, TODAY_CASES } from '../support/index.js';

const DROPIN = '/etc/systemd/system/ldirectord.service.d/lvsgen.conf';
const VENDOR_UNIT = '/lib/systemd/system/ldirectord.service';

/** Every rendered case, and the director pair on both distros. */
async function everything(t: Parameters<typeof renderCase>[0]): Promise<Array<{ name: string; distro: string; r: Rendered }>> {
  const out = [];
  for (const c of TODAY_CASES) out.push({ name: caseName(c), distro: c.distro, r: await renderCase(t, c) });
  for (const d of ['debian12', 'rhel9']) out.push({ name: `ha-lb/${d}`, distro: d, r: await renderText(t, PAIR, d) });
  return out;
}

const hostsOf = (r: Rendered) => readdirSync(r.dir).filter((h) => !h.startsWith('.'));
const has = (r: Rendered, host: string, path: string) => sh('test', ['-f', r.file(host, path)]).status === 0;

test('the ldirectord drop-in: Debian\'s unit has no network ordering, and systemd-analyze verify reads the drop-in without a complaint (a typo in it is reported)', async (t) => {
  // ldirectord: the package that ships the vendor unit the drop-in extends.
  if (!requireTools(t, 'systemd-analyze', 'ldirectord')) return;
  const vendor = sh('cat', [VENDOR_UNIT]).stdout;
  assert.doesNotMatch(vendor, /network-online\.target/, 'the vendor unit is not ordered after the network: the reason for the drop-in');
  const r = await renderCase(t, TODAY_CASES.find((c) => c.tree === 'debian12' && c.example === 'lb-nat')!);
  const dropin = sh('cat', [r.file('director', DROPIN)]).stdout;
  assert.match(dropin, /^\[Unit\]\nWants=network-online\.target\nAfter=network-online\.target$/m);
  const verify = (content: string) => {
    const dir = tempDir(t, 'lvsgen-unit-');
    copyFileSync(VENDOR_UNIT, join(dir, 'ldirectord.service'));
    mkdirSync(join(dir, 'ldirectord.service.d'));
    writeFileSync(join(dir, 'ldirectord.service.d', 'lvsgen.conf'), content);
    const v = sh('systemd-analyze', ['verify', '--man=no', join(dir, 'ldirectord.service')]);
    return { ...v, ours: `${v.stdout}\n${v.stderr}`.split('\n').filter((l) => l.includes('lvsgen.conf')) };
  };
  const good = verify(dropin);
  assert.deepEqual(good.ours, [], `systemd-analyze verify about the drop-in:\n${good.stdout}${good.stderr}`);
  const bad = verify(dropin.replace('After=', 'Aftr='));
  assert.equal(bad.ours.length > 0, true, `a typo must be reported:\n${bad.stdout}${bad.stderr}`);
  // The keepalived backend writes no ldirectord files at all.
  const ka = await renderCase(t, TODAY_CASES.find((c) => c.tree === 'debian12-keepalived')!);
  assert.equal(has(ka, 'director', DROPIN), false);
});

test('every sysctl.d drop-in applies in a scratch namespace (net.* keys only, so nothing leaks to the test machine) and reads back', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'sysctl', 'ip')) return;
  let applied = 0;
  for (const { name, r } of await everything(t)) {
    for (const h of hostsOf(r)) {
      if (!has(r, h, '/etc/sysctl.d/90-lvsgen.conf')) continue;
      const text = sh('cat', [r.file(h, '/etc/sysctl.d/90-lvsgen.conf')]).stdout;
      const entries = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.split(/\s*=\s*/) as [string, string]);
      assert.ok(entries.length > 0);
      // net.ipv4.* and, on a director or router with IPv6 addresses, IPv6 forwarding: all per namespace.
      for (const [k] of entries) assert.match(k, /^net\.ipv4\.|^net\.ipv6\.conf\.all\.forwarding$/, `${name}/${h}: only net.ipv4 keys and IPv6 forwarding`);
      const ns = netns(t, 'lvs');
      const peer = netns(t, 'lvq');
      for (const dev of new Set(entries.map(([k]) => /^net\.ipv4\.conf\.([^.]+)\./.exec(k)?.[1]).filter((d) => d !== undefined && d !== 'all' && d !== 'default'))) link(ns, dev!, peer, dev!);
      // net.ipv4.vs.* exist only with IPVS (ip_vs loaded), which a test kernel may
      // lack: then they are left out here (the VM labs, test/vm, set them for real).
      const ipvs = existsSync('/proc/sys/net/ipv4/vs');
      // tunl0's keys exist once ipip is loaded (its fallback device in every namespace).
      const tunl0 = ns.exec('ip', ['link', 'show', 'tunl0']).status === 0;
      const applying = entries.filter(([k]) => (ipvs || !k.startsWith('net.ipv4.vs.')) && (tunl0 || !k.startsWith('net.ipv4.conf.tunl0.')));
      if (applying.length < entries.length) t.diagnostic(`${name}/${h}: not in this kernel (no IPVS or no ipip), not applied here: ${entries.filter((e) => !applying.includes(e)).map(([k]) => k).join(', ')}`);
      const file = join(tempDir(t), 'applying.conf');
      writeFileSync(file, applying.map(([k, v]) => `${k} = ${v}\n`).join(''));
      ok(ns.exec('sysctl', ['-p', applying.length === entries.length ? r.file(h, '/etc/sysctl.d/90-lvsgen.conf') : file]), `${name}/${h}: sysctl -p`);
      for (const [k, v] of applying) assert.equal(ns.exec('sysctl', ['-n', k]).stdout.trim(), v, `${name}/${h}: ${k}`);
      applied++;
    }
  }
  assert.ok(applied >= 8, `drop-ins applied: ${applied}`);
});

test('every debian12 interfaces file with its drop-ins parses (ifquery) and ifup -n plans the expected commands', async (t) => {
  if (!requireTools(t, 'ifquery', 'ifup')) return;
  for (const { name, distro, r } of await everything(t)) {
    if (distro !== 'debian12') continue;
    const work = tempDir(t, 'lvsgen-ifq-');
    for (const h of hostsOf(r)) {
      const file = interfacesOf(r, h, work);
      const listed = ok(sh('ifquery', ['-i', file, '--list']), `${name}/${h}: ifquery --list`).stdout.split('\n').filter((l) => l !== '');
      const drops = readdirSync(r.file(h, '/etc/network/interfaces.d'));
      assert.ok(listed.includes('lo'));
      for (const d of drops.filter((x) => x !== 'lo')) assert.ok(listed.includes(d), `${name}/${h}: ${d} is listed`);
      const state = join(work, `${h}-state`);
      mkdirSync(state);
      const plan = ok(sh('ifup', ['-n', '-v', '-a', '-i', file, '--state-dir', state, '--no-scripts']), `${name}/${h}: ifup -n`);
      const cmds = `${plan.stdout}\n${plan.stderr}`;
      for (const dev of drops.filter((x) => x !== 'lo' && x !== 'tunl0')) assert.match(cmds, new RegExp(`ip addr add \\S+ .*dev ${dev}\\b`), `${name}/${h}: ${dev} gets its address`);
      if (drops.includes('tunl0')) assert.match(cmds, /ip link set tunl0 up/, `${name}/${h}: tunl0 up (tunnelling)`);
      // lo:0: an IPv4 alias, or the up line of an IPv6 direct-routing address (a /128 on lo)
      if (drops.includes('lo')) assert.match(cmds, /ip addr add \S+ .*dev lo(:0)? label lo:0|^ip -6 addr add \S+\/128 dev lo$/m, `${name}/${h}: lo:0`);
    }
  }
});

test('modules-load.d: one module name a line, ip_vs (a persistent service\'s IPVS keys, a NAT director\'s conntrack key) and ip_vs_ftp on the FTP directors (seed 000, both of ha-lb\'s pair), ip_vs on streamline nodes (backup_only) and high-capacity\'s persistent pair, ipip on tunnelling real servers, nothing elsewhere', async (t) => {
  for (const { name, r } of await everything(t)) {
    for (const h of hostsOf(r)) {
      const present = has(r, h, '/etc/modules-load.d/lvsgen.conf');
      const ftpDirector = (name.startsWith('lb-nat/') && h === 'director') || (name.startsWith('ha-lb/') && (h === 'lvs1' || h === 'lvs2'));
      // A streamline node under keepalived: ip_vs before its net.ipv4.vs.backup_only key.
      const streamline = name.startsWith('streamline/') && h.startsWith('node');
      // fwmark's and lb-ipv6's directors: ip_vs for their persistent services' IPVS keys.
      const fwmarkDirector = (name.startsWith('fwmark/') || name.startsWith('lb-ipv6/')) && h === 'director';
      // high-capacity: pair web's directors (lvs1, lvs2) have the persistent service; every real server tunnels for pair tun.
      const hicapPersistent = name.startsWith('high-capacity/') && (h === 'lvs1' || h === 'lvs2');
      // ha-lb-ipv6's pair on debian12 and rhel9: NAT, so ip_vs before net.ipv4.vs.conntrack.
      const natDirector = /^ha-lb-ipv6\/(debian12|rhel9)$/.test(name) && (h === 'lvs1' || h === 'lvs2');
      const tunnelling = (name.startsWith('lb-tun/') || name.startsWith('high-capacity/')) && h.startsWith('real');
      const want = ftpDirector ? ['ip_vs', 'ip_vs_ftp'] : streamline || fwmarkDirector || hicapPersistent || natDirector ? ['ip_vs'] : tunnelling ? ['ipip'] : undefined;
      if (want !== undefined) {
        assert.ok(present, `${name}/${h}: loads ${want.join(', ')}`);
        const lines = sh('cat', [r.file(h, '/etc/modules-load.d/lvsgen.conf')]).stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
        assert.deepEqual(lines, want);
      } else assert.equal(present, false, `${name}/${h}`);
    }
  }
});

