// FTP through NAT on other ports than 21 (issue 14, defect 6). ip_vs_ftp
// watches only port 21 unless loaded with `ports=` (ip_vs_ftp.c:
// module_param_array(ports ...), "Ports to monitor for FTP control commands",
// at most 8), and IPVS binds the helper by the virtual port: without the
// option, PORT/PASV replies on 2121 go out unrewritten and data connections fail.
// The option goes where each distro loads the module: modprobe.d (debian12,
// rhel9; read by kmod's modprobe, run here with -C), the /etc/modules line
// (debian: its boot script runs `modprobe $module $args`), rc.local's modprobe
// line (redhat), and the installer's modprobe.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Problem } from '../../src/model/problems.js';
import { generateText, installerCommands, problemsOf, requireTools, sh, tempDir } from '../support/index.js';

const ftp = (ports: number[], forward = 'masq', distro = 'debian12') => `name: ftp
defaults: { distro: ${distro} }
${distro === 'rhel9' ? 'director_backend: keepalived\n' : ''}hosts:
  lb: { roles: [director], interfaces: { eth0: 10.0.0.1/24, eth1: 192.168.6.1/24 } }
  f1: { roles: [real-server], interfaces: { eth0: 192.168.6.4/24 } }
virtual_services:
${ports.map((p) => `  - virtual: 10.0.0.100:${p}\n    forward: ${forward}\n    check: { type: connect${p === 21 ? '' : ', service: ftp'} }\n    real_servers: [f1]\n`).join('')}`;

const files = (text: string) => new Map(generateText(text).bundles.find((b) => b.host === 'lb')!.files.map((f) => [f.path, f.content.toString()]));
const modprobes = (f: Map<string, string>) => installerCommands(f.get('.lvsgen/plan')!).map((c) => c.command).filter((c) => c.includes('modprobe ip_vs_ftp'));
const problems = (text: string): Problem[] => problemsOf(text);

for (const distro of ['debian12', 'rhel9']) {
  test(`${distro}: FTP on 21 and 2121 through NAT: /etc/modprobe.d/lvsgen.conf gives ip_vs_ftp ports=21,2121, as kmod's modprobe reads it`, (t) => {
    const f = files(ftp([2121, 21], 'masq', distro));
    const conf = f.get('etc/modprobe.d/lvsgen.conf');
    assert.ok(conf, 'a modprobe.d file');
    assert.match(f.get('etc/modules-load.d/lvsgen.conf')!, /^ip_vs_ftp$/m);
    assert.deepEqual(modprobes(f), ['/usr/sbin/modprobe ip_vs_ftp'], 'the installer\'s modprobe reads the options from modprobe.d');
    if (!requireTools(t, 'modprobe')) return;
    const dir = tempDir(t);
    const file = join(dir, 'lvsgen.conf');
    writeFileSync(file, conf);
    const r = sh('modprobe', ['-C', file, '-c']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'kmod reports no bad line');
    assert.ok(r.stdout.split('\n').includes('options ip_vs_ftp ports=21,2121'), r.stdout);
    // Negative control: kmod does report a line it cannot read.
    writeFileSync(file, conf.replace('options ', 'option '));
    assert.match(sh('modprobe', ['-C', file, '-c']).stderr, /ignoring bad line/);
  });
}

test('debian: the /etc/modules line carries the option, and the boot script\'s read loop passes it to modprobe', () => {
  const f = files(ftp([21, 2121], 'masq', 'debian'));
  const modules = f.get('etc/modules')!;
  assert.match(modules, /^ip_vs_ftp ports=21,2121$/m);
  assert.deepEqual(modprobes(f), ['/sbin/modprobe ip_vs_ftp ports=21,2121']);
  // kmod's and module-init-tools' init script: grep -h '^[^#]' FILES | while read module args; do modprobe $module $args
  const r = sh('sh', ['-c', 'grep -h "^[^#]" | while read module args; do [ "$module" ] || continue; echo "modprobe $module $args"; done'], { input: modules });
  assert.ok(r.stdout.split('\n').includes('modprobe ip_vs_ftp ports=21,2121'), r.stdout);
});

test('redhat: rc.local\'s modprobe line and the installer carry the option', () => {
  const f = files(ftp([21, 2121], 'masq', 'redhat'));
  assert.match(f.get('etc/rc.d/rc.local')!, /^\/sbin\/modprobe ip_vs_ftp ports=21,2121$/m);
  assert.deepEqual(modprobes(f), ['/sbin/modprobe ip_vs_ftp ports=21,2121']);
});

test('port 21 alone needs no option (ip_vs_ftp\'s default), and FTP by direct routing needs no helper', () => {
  for (const distro of ['debian12', 'redhat']) {
    const f = files(ftp([21], 'masq', distro));
    assert.equal(f.get('etc/modprobe.d/lvsgen.conf'), undefined);
    assert.doesNotMatch([...f.values()].join('\n'), /ports=/);
  }
  const dr = files(ftp([21, 2121], 'gate'));
  assert.equal(dr.get('etc/modprobe.d/lvsgen.conf'), undefined);
  assert.doesNotMatch(dr.get('etc/modules-load.d/lvsgen.conf') ?? '', /ip_vs_ftp/);
});

test('a ninth FTP port through NAT is refused at its virtual (ip_vs_ftp watches at most 8)', () => {
  const ps = problems(ftp([21, 2121, 2122, 2123, 2124, 2125, 2126, 2127, 2128]));
  assert.deepEqual(ps.map((p) => [p.code, p.path]), [['unsupported', 'virtual_services[8].virtual']]);
  assert.ok(ps[0]!.pos);
  assert.deepEqual(problems(ftp([21, 2121, 2122, 2123, 2124, 2125, 2126, 2127])), []);
});
