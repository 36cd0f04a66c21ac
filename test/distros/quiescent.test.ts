// Quiescent servers and persistent clients (issue 14, defect 7). Both backends
// quiesce a failed real server by default (ldirectord(8) quiescent, "Default:
// yes"; keepalived inhibit_on_failure), and a persistent client then keeps
// going to it until its template expires. A director with a persistent service
// gets net.ipv4.vs.expire_quiescent_template = 1 and expire_nodest_conn = 1
// (the kernel's Documentation/networking/ipvs-sysctl.rst), and ip_vs at boot
// before they are applied: those keys exist only once ip_vs is loaded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CI, generateText, installerCommands, sh, sysctlEntries } from '../support/index.js';

const PERSISTENCE_KEYS: Array<[string, string]> = [['net.ipv4.vs.expire_nodest_conn', '1'], ['net.ipv4.vs.expire_quiescent_template', '1']];
// The topology's service is NAT: a NAT director of debian12 or rhel9 also gets
// net.ipv4.vs.conntrack (README, "What lvsgen derives"), applied the same way;
// the 2005 distros' kernels have no such key.
const CONNTRACK = new Set(['debian12', 'rhel9']);
const NAT_KEYS = (distro: string): Array<[string, string]> => (CONNTRACK.has(distro) ? [['net.ipv4.vs.conntrack', '1']] : []);

const topology = (distro: string, extra: string, quiescent = '', forward = 'masq') => `name: q
defaults: { distro: ${distro} }
${distro === 'rhel9' ? 'director_backend: keepalived\n' : ''}hosts:
  lb: { roles: [director], interfaces: { eth0: 10.0.0.1/24, eth1: 192.168.6.1/24 } }
  web1: { roles: [real-server], interfaces: { eth0: 192.168.6.4/24 } }
${quiescent}virtual_services:
  - virtual: 10.0.0.100:80
    forward: ${forward}
    check: { type: connect }
${extra}    real_servers: [web1]
`;
const PERSISTENT = '    persistent: 300\n';

const SYSCTL_FILE: Record<string, string | undefined> = { debian: 'etc/sysctl.conf', debian12: 'etc/sysctl.d/90-lvsgen.conf', rhel9: 'etc/sysctl.d/90-lvsgen.conf', redhat: undefined };
const MODULES_FILE: Record<string, string> = { redhat: 'etc/rc.d/rc.local', debian: 'etc/modules', debian12: 'etc/modules-load.d/lvsgen.conf', rhel9: 'etc/modules-load.d/lvsgen.conf' };

const files = (text: string) => new Map(generateText(text).bundles.find((b) => b.host === 'lb')!.files.map((f) => [f.path, f.content.toString()]));
const ipvsKeys = (sysctl: string | undefined) => (sysctl === undefined ? [] : sysctlEntries(sysctl).filter(([k]) => k.startsWith('net.ipv4.vs.')));
/** Module names of a modules file (one a line) or the modprobe lines of rc.local. */
const modulesOf = (text: string | undefined) =>
  (text ?? '').split('\n').flatMap((l) => {
    const m = /^(?:\/sbin\/modprobe )?([a-z_0-9]+)$/.exec(l.trim());
    return m && !l.startsWith('#') && l.trim() !== 'touch' ? [m[1]!] : [];
  });

for (const distro of ['redhat', 'debian', 'debian12', 'rhel9']) {
  test(`${distro}: a persistent service gets both IPVS keys, ip_vs at boot before them, and the installer loads ip_vs before it applies them`, () => {
    const f = files(topology(distro, PERSISTENT));
    const KEYS = [...NAT_KEYS(distro), ...PERSISTENCE_KEYS];
    const sysctl = SYSCTL_FILE[distro];
    const modules = f.get(MODULES_FILE[distro]!);
    assert.ok(modulesOf(modules).includes('ip_vs'), `${MODULES_FILE[distro]} loads ip_vs:\n${modules}`);
    if (sysctl !== undefined) {
      assert.deepEqual(ipvsKeys(f.get(sysctl)), KEYS);
    } else {
      // Red Hat: rc.sysinit applies /etc/sysctl.conf before any module is loaded;
      // rc.local, run after every init script, loads ip_vs and then sets the keys.
      assert.deepEqual(ipvsKeys(f.get('etc/sysctl.conf')), [], 'not in sysctl.conf: the keys do not exist yet when rc.sysinit applies it');
      const rc = modules!.split('\n');
      const load = rc.indexOf('/sbin/modprobe ip_vs');
      const sets = KEYS.map(([k, v]) => rc.indexOf(`/sbin/sysctl -w ${k}=${v}`));
      assert.ok(load >= 0 && sets.every((i) => i > load), `rc.local loads ip_vs, then sets the keys:\n${modules}`);
      assert.equal(sh('sh', ['-n'], { input: modules! }).status, 0, 'rc.local parses');
    }
    const cmds = installerCommands(f.get('.lvsgen/plan')!).map((c) => c.command);
    const modprobe = cmds.findIndex((c) => / ip_vs$/.test(c) && c.includes('modprobe'));
    // The commands that apply the keys: the sysctl file's (sysctl -p, --system), or Red Hat's sysctl -w.
    const setting = sysctl !== undefined ? /sysctl (-p|--system)/ : /sysctl -w net\.ipv4\.vs\./;
    const applies = cmds.map((c, i) => (setting.test(c) ? i : -1)).filter((i) => i >= 0);
    assert.ok(modprobe >= 0 && applies.length > 0 && applies.every((i) => i > modprobe), `modprobe ip_vs runs before the keys are applied:\n${cmds.join('\n')}`);
  });

  test(`${distro}: without a persistent service, ${CONNTRACK.has(distro) ? 'the NAT key alone (with ip_vs at boot)' : 'no IPVS keys and no ip_vs'}; without NAT either, none`, () => {
    const nat = files(topology(distro, ''));
    const sysctl = SYSCTL_FILE[distro];
    if (CONNTRACK.has(distro)) {
      assert.deepEqual(ipvsKeys(nat.get(sysctl!)), NAT_KEYS(distro));
      assert.ok(modulesOf(nat.get(MODULES_FILE[distro]!)).includes('ip_vs'));
    } else {
      assert.deepEqual(ipvsKeys(nat.get(sysctl ?? 'etc/sysctl.conf')), []);
      assert.ok(!modulesOf(nat.get(MODULES_FILE[distro]!)).includes('ip_vs'));
      assert.doesNotMatch(nat.get('.lvsgen/plan')!, /net\.ipv4\.vs\./);
    }
    const f = files(topology(distro, '', '', 'gate'));
    assert.deepEqual(ipvsKeys(f.get(SYSCTL_FILE[distro] ?? 'etc/sysctl.conf')), []);
    assert.ok(!modulesOf(f.get(MODULES_FILE[distro]!)).includes('ip_vs'));
    assert.doesNotMatch(f.get('.lvsgen/plan')!, /net\.ipv4\.vs\./);
  });
}

test('at boot, systemd applies sysctl.d after modules-load.d (debian12, rhel9): systemd-sysctl.service is ordered after systemd-modules-load.service', (t) => {
  const unit = '/lib/systemd/system/systemd-sysctl.service';
  let text: string;
  try {
    text = readFileSync(unit, 'utf8');
  } catch {
    if (CI) assert.fail(`${unit} missing`);
    t.skip(`${unit} missing`);
    return;
  }
  assert.match(text, /^After=.*\bsystemd-modules-load\.service\b/m);
});

test('both backends do the same to a failed server: keepalived inhibit_on_failure unless ldirectord.quiescent is false (ldirectord\'s default is yes)', () => {
  const conf = (q: string) => files(topology('debian12', '', q).replace('hosts:', 'director_backend: keepalived\nhosts:')).get('etc/keepalived/keepalived.conf')!;
  assert.match(conf(''), /\tinhibit_on_failure\n/, 'unset: ldirectord would quiesce');
  assert.match(conf('ldirectord: { quiescent: true }\n'), /\tinhibit_on_failure\n/);
  assert.doesNotMatch(conf('ldirectord: { quiescent: false }\n'), /inhibit_on_failure/);
  const cf = files(topology('debian12', '', 'ldirectord: { quiescent: false }\n')).get('etc/ha.d/ldirectord.cf')!;
  assert.match(cf, /^quiescent=no$/m);
});
