// The installer's live state (issue 15): a rollback and --uninstall put back
// what the install changed on the running host, not only its files.
//
// install.sh runs for real (`--root`, commands chrooted into a scratch root)
// inside a scratch network namespace whose host already carries an
// administrator's configuration: their addresses and default route, their
// firewall rules loaded (an nft filter table with an SSH rule and another
// program's table; or an iptables filter table with INPUT DROP, an SSH rule
// and a SNAT rule), a sysctl of their own, and services in a state of their
// own (debian12: keepalived enabled and running, the backend this ldirectord
// director replaces; redhat: heartbeat on and running, which a single
// director turns off). In the root, the live programs are the real ones
// (nft, iptables, sysctl, ip: copied in with their libraries) and act on the
// namespace; systemctl, chkconfig and the init scripts are stubs that keep
// each service's state in a file; the network restart is a stub that brings
// up the bundle's alias address (what ifup of the alias stanza does).
//
// Kernel modules and SELinux booleans are stand-ins (this kernel has no IPVS
// and there is no SELinux): the root's /sys is a plain folder where modprobe's
// stub adds /sys/module/NAME (and `-r` removes it) and setsebool's writes
// /sys/fs/selinux/booleans/NAME as the kernel shows it ("1 1" on); ls and grep,
// the installer's probes, are busybox's. The host already has ip_vs loaded
// (kept) and not ip_vs_ftp (unloaded again); on rhel9 keepalived_connect_any is
// off (set back off).
//
// Shown: after install then --uninstall, and after an install failing at the
// last command of each action, the namespace's `ip addr`, `ip route`,
// ruleset, the plan's kernel keys, every service's state and every file of
// the root are exactly what they were before; nothing of lvsgen is left.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { parsePlan, type Plan } from '../../src/render/plan.js';
import { ADMIN_FILTER, netns, type Netns, ok, read, render, requireRoot, requireTools, sh, snapshotTree, staticBusybox, consumerOf } from '../support/index.js';
import { copyProgram, realPath } from '../support/host-package.js';

const STUB_LOG = 'lvsgen-stub.log';
const SERVICES = '/var/lib/lvsgen-stub-services';
/** Fails when the command line is the one the test injects a failure into (busybox sh builtins only: the root has no other programs). */
const PREAMBLE = `#!/bin/sh
printf '%s\\n' "$0 $*" >>/${STUB_LOG}
if [ "$0 $*" = "\${LVSGEN_STUB_FAIL-}" ]; then
	echo "stub: $0 fails on purpose" >&2
	exit 1
fi
`;
/** A real program, copied to /real in the root. */
const live = (real: string, applet = '') => `${PREAMBLE}exec /real/${basename(real)} ${applet}"$@"\n`;
/**
 * The real sysctl; the root's modprobe is a stub, so where the kernel has no
 * ip_vs at all its net.ipv4.vs.* keys do not exist: setting one (the redhat
 * modules action) succeeds without effect, as after a modprobe.
 */
const SYSCTL = (real: string) => `${PREAMBLE}case "$1 $2" in "-w net.ipv4.vs."*) [ -d /proc/sys/net/ipv4/vs ] || exit 0 ;; esac
exec /real/${basename(real)} "$@"
`;
/**
 * A service manager's state, one file per service and state (yes or no), and
 * the network restart: it brings up the alias address the bundle's files hold
 * (LVSGEN_STUB_UP: ADDRESS/PREFIX DEVICE).
 */
const STATE = `d=${SERVICES}
get() { v=no; [ -f "$d/$1" ] && read -r v <"$d/$1"; [ "$v" = yes ]; }
put() { echo "$2" >"$d/$1"; }
up() { [ -n "\${LVSGEN_STUB_UP-}" ] && /real/ip addr replace \${LVSGEN_STUB_UP% *} dev \${LVSGEN_STUB_UP#* }; return 0; }
`;
const SYSTEMCTL = `${PREAMBLE}${STATE}[ "$1" = --quiet ] && shift
case $1 in
enable) put "$2.enabled" yes ;;
disable) if [ "$2" = --now ]; then put "$3.enabled" no; put "$3.active" no; else put "$2.enabled" no; fi ;;
start) put "$2.active" yes ;;
stop) put "$2.active" no ;;
reload) get "$2.active" ;;
restart) if [ "$2" = networking ]; then up; else put "$2.active" yes; fi ;;
is-active) get "$3.active" ;;
is-enabled) get "$3.enabled" ;;
esac
`;
/** modprobe: a loaded module is /sys/module/NAME in the root; -r removes it. */
const MODPROBE = `${PREAMBLE}if [ "$1" = -r ]; then /real/busybox rmdir "/sys/module/$2"; else /real/busybox mkdir -p "/sys/module/$1"; fi
`;
/** setsebool -P NAME 0|1: selinuxfs shows "current pending". */
const SETSEBOOL = `${PREAMBLE}[ "$1" = -P ] && shift
echo "$2 $2" >"/sys/fs/selinux/booleans/$1"
`;
/** nmcli (rhel9): `connection up` of lvsgen's profile is the network restart. */
const NMCLI = `${PREAMBLE}${STATE}[ "$1 $2" = "connection up" ] && up
exit 0
`;
const CHKCONFIG = `${PREAMBLE}${STATE}case "$1 $2" in
"--level 2345") put "$3.enabled" "$(if [ "$4" = on ]; then echo yes; else echo no; fi)" ;;
"--del "*) put "$2.enabled" no ;;
*) if [ $# -eq 1 ]; then get "$1.enabled"; else put "$1.enabled" "$(if [ "$2" = on ]; then echo yes; else echo no; fi)"; fi ;;
esac
`;
const INIT_SCRIPT = `${PREAMBLE}${STATE}s=\${0##*/}
case $1 in
start) put "$s.active" yes ;;
stop) put "$s.active" no ;;
status | reload) get "$s.active" ;;
restart) if [ "$s" = network ]; then up; else put "$s.active" yes; fi ;;
esac
`;

// The administrator's configuration, live and in files.
const NFT_ADMIN = `table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo accept
		ct state established,related accept
		tcp dport 22 accept
	}
}
table ip podman {
	chain nat {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 10.88.0.0/16 masquerade
	}
}
`;
const IPTABLES_ADMIN = `${ADMIN_FILTER}*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o eth9 -j SNAT --to-source 198.51.100.7
COMMIT
`;
const ADMIN_SYSCTL = 'net.ipv4.conf.all.log_martians';

interface Case {
  distro: string;
  /** The host's files (the administrator's). */
  files: Record<string, string>;
  /** Services as the administrator left them: name -> [enabled, running]. */
  services: Record<string, [boolean, boolean]>;
  /** Loads the administrator's rules into the namespace. */
  firewall(ns: Netns): void;
  ruleset(ns: Netns): string;
  /** lvsgen's rules, once installed. */
  installed: RegExp;
  /** The backend that runs once installed. */
  backend: string;
  /** SELinux booleans as the host has them (0 or 1), under /sys/fs/selinux/booleans. */
  booleans?: Record<string, number>;
}

const CASES: Case[] = [
  {
    distro: 'debian12',
    files: { '/etc/nftables.conf': `#!/usr/sbin/nft -f\n\nflush ruleset\n\n${NFT_ADMIN}`, '/etc/sysctl.conf': `${ADMIN_SYSCTL} = 1\n` },
    services: { keepalived: [true, true], ldirectord: [false, false], nftables: [false, false] },
    firewall: (ns) => void ok(ns.exec('nft', ['-f', '-'], NFT_ADMIN), 'the administrator\'s tables'),
    ruleset: (ns) => ok(ns.exec('nft', ['list', 'ruleset']), 'nft list ruleset').stdout,
    installed: /table ip lvsgen \{[^]*ip saddr 192\.168\.6\.0\/24 masquerade/,
    backend: 'ldirectord',
  },
  {
    distro: 'rhel9',
    files: { '/etc/sysconfig/nftables.conf': `${NFT_ADMIN}`, '/etc/sysctl.conf': `${ADMIN_SYSCTL} = 1\n` },
    services: { keepalived: [false, false] },
    firewall: (ns) => void ok(ns.exec('nft', ['-f', '-'], NFT_ADMIN), 'the administrator\'s tables'),
    ruleset: (ns) => ok(ns.exec('nft', ['list', 'ruleset']), 'nft list ruleset').stdout,
    installed: /table ip lvsgen \{[^]*ip saddr 192\.168\.6\.0\/24 masquerade/,
    backend: 'keepalived',
    booleans: { keepalived_connect_any: 0, httpd_can_network_connect: 1 },
  },
  {
    distro: 'redhat',
    files: { '/etc/sysconfig/iptables': IPTABLES_ADMIN, '/etc/sysctl.conf': `${ADMIN_SYSCTL} = 1\n` },
    services: { heartbeat: [true, true], ldirectord: [false, false], iptables: [true, false] },
    firewall: (ns) => void ok(ns.exec('iptables-restore', [], IPTABLES_ADMIN), 'the administrator\'s rules'),
    ruleset: (ns) =>
      ok(ns.exec('iptables-save', []), 'iptables-save')
        .stdout.split('\n')
        .filter((l) => !l.startsWith('#'))
        .map((l) => l.replace(/ \[\d+:\d+\]$/, ''))
        .join('\n'),
    installed: /-A POSTROUTING -j LVSGEN-POSTROUTING[^]*-A LVSGEN-POSTROUTING -s 192\.168\.6\.0\/24 -j MASQUERADE/,
    backend: 'ldirectord',
  },
];

/** The real programs the root runs, as `/real/NAME`, with the libraries they load. */
const REAL = ['nft', 'sysctl', 'ip', 'iptables'];

interface Host {
  plan: Plan;
  installer: string;
  bundle: string;
}

/** A scratch root with the stubs and real programs, the administrator's files, the services' states. */
function scratchRoot(t: TestContext, c: Case, h: Host, busybox: Buffer): string {
  const root = mkdtempSync(join(tmpdir(), 'lvsgen-live-'));
  t.after(() => {
    // Nothing is mounted in the root but for the install's run (in its own mount namespace): refuse to remove a mount.
    assert.ok(!read('/proc/self/mountinfo').includes(root), `${root} is still mounted`);
    rmSync(root, { recursive: true, force: true });
  });
  for (const d of ['bin', 'proc', 'run', 'tmp', SERVICES.slice(1)]) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'bin/sh'), busybox, { mode: 0o755 });
  mkdirSync(join(root, 'real'), { recursive: true });
  writeFileSync(join(root, 'real/busybox'), busybox, { mode: 0o755 });
  const xtables = realPath('iptables');
  for (const tool of REAL) copyProgram(root, realPath(tool));
  // iptables-nft loads its matches and targets at run time.
  const plugins = ok(sh('sh', ['-c', 'ls -d /usr/lib/*/xtables | head -n 1']), 'xtables plugins').stdout.trim();
  cpSync(plugins, join(root, plugins), { recursive: true, dereference: true });
  const stubs = new Map<string, string>();
  const words = [
    ...h.plan.actions.flatMap((a) => [...a.before, ...a.commands, ...a.reload, ...a.start, ...a.undo, ...a.reapply].map((x) => x.words[0]!).concat(a.running.slice(0, 1))),
    ...h.plan.services.flatMap((s) => Object.values(s.commands).map((w) => w[0]!)),
    ...h.plan.sysctls.map((k) => k.program),
    ...h.plan.probes.flatMap((p) => [p.words[0]!, p.revert.words[0]!]),
  ];
  for (const p of new Set(words)) {
    const name = basename(p);
    stubs.set(
      p,
      name === 'modprobe'
        ? MODPROBE
        : name === 'setsebool'
        ? SETSEBOOL
        : name === 'nmcli'
        ? NMCLI
        : name === 'ls' || name === 'grep'
        ? `#!/bin/sh\nexec /real/busybox ${name} "$@"\n`
        : name === 'systemctl'
        ? SYSTEMCTL
        : name === 'chkconfig'
          ? CHKCONFIG
          : p.startsWith('/etc/init.d/')
            ? INIT_SCRIPT
            : name === 'sysctl'
              ? SYSCTL(realPath('sysctl'))
              : /^iptables/.test(name)
              ? live(xtables, `${name} `)
              : REAL.includes(name)
                ? live(realPath(name))
                : `${PREAMBLE}exit 0\n`,
    );
  }
  // The pre-flight's consumers that no action runs (ldirectord's parse, ifup --no-act):
  // stubs answering what the plan's check expects; /bin/sh is the root's own.
  for (const f of h.plan.files) {
    if (f.check === undefined) continue;
    const p = consumerOf(f.check.words);
    if (!p.startsWith('/') || p === '/bin/sh' || stubs.has(p)) continue;
    stubs.set(p, `${PREAMBLE}case " $* " in *" ${f.check.words.at(-1)} ") exit ${f.check.status} ;; esac\nexit 0\n`);
  }
  for (const [p, text] of stubs) {
    mkdirSync(join(root, dirname(p)), { recursive: true });
    writeFileSync(join(root, p), text, { mode: 0o755 });
  }
  for (const [p, text] of Object.entries(c.files)) {
    mkdirSync(join(root, dirname(p)), { recursive: true });
    writeFileSync(join(root, p), text, { mode: 0o644 });
  }
  // The host's modules (ip_vs loaded, ip_vs_ftp not) and SELinux booleans.
  mkdirSync(join(root, 'sys/module/ip_vs'), { recursive: true });
  for (const [b, v] of Object.entries(c.booleans ?? {})) {
    mkdirSync(join(root, 'sys/fs/selinux/booleans'), { recursive: true });
    writeFileSync(join(root, 'sys/fs/selinux/booleans', b), `${v} ${v}\n`);
  }
  for (const [svc, [enabled, active]] of Object.entries(c.services)) {
    writeFileSync(join(root, SERVICES, `${svc}.enabled`), enabled ? 'yes\n' : 'no\n');
    writeFileSync(join(root, SERVICES, `${svc}.active`), active ? 'yes\n' : 'no\n');
  }
  return root;
}

/** install.sh in the namespace, with /proc of that namespace mounted in the root for the run only. */
function install(ns: Netns, h: Host, root: string, args: string[], env: Record<string, string>) {
  const script = 'mount -t proc proc "$0/proc" && exec "$@"';
  return sh('ip', ['netns', 'exec', ns.name, 'sh', '-c', script, root, 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), h.installer, '--root', root, ...args], { input: '', timeout: 120_000 });
}

/** What the test compares: the namespace's live state, every service's state, every file of the root. */
function state(c: Case, ns: Netns, h: Host, root: string) {
  const keys = [...h.plan.sysctls.map((k) => k.key).filter((k) => k.startsWith('net.')), ADMIN_SYSCTL];
  const files = snapshotTree(root);
  // Folders the installer made stay (empty): the files are compared.
  for (const [p, f] of [...files]) if (f.kind === 'dir' || p.startsWith('proc/') || p === STUB_LOG) files.delete(p);
  // The stand-ins' kernel: loaded modules are folders.
  const modules = ok(sh('ls', [join(root, 'sys/module')]), 'modules').stdout.split('\n').filter((m) => m !== '');
  return {
    // IPv4 only: the veths' IPv6 link-local addresses lose `tentative` on their own (DAD).
    addr: ok(ns.ip('-4', 'addr'), 'ip addr').stdout,
    route: ok(ns.ip('route'), 'ip route').stdout,
    rules: c.ruleset(ns),
    sysctl: Object.fromEntries(keys.map((k) => [k, ns.exec('sysctl', ['-n', k]).stdout.trim()])),
    files: Object.fromEntries(files),
    modules,
  };
}

describe('install.sh puts back the live state', { concurrency: true }, () => {
  for (const c of CASES) {
    test(`lb-nat/${c.distro}/director: --uninstall, and a failure injected at each action, leave addresses, routes, rules, kernel keys, services and files as the administrator had them`, async (t) => {
      if (!(requireRoot(t) && requireTools(t, 'ip', 'nft', 'iptables-restore', 'iptables-save', 'sysctl', 'ldd', 'chroot'))) return;
      const busybox = staticBusybox(t);
      if (busybox === undefined) return;
      const r = await render(t, 'lb-nat', c.distro);
      const bundle = join(r.dir, 'director');
      const h: Host = { bundle, installer: join(bundle, '.lvsgen/install.sh'), plan: parsePlan(read(join(bundle, '.lvsgen/plan'))) };
      const alias = h.plan.actions.find((a) => a.name === 'network')?.undo[0]?.words;
      assert.ok(alias !== undefined && alias.includes('del'), 'the network action undoes the alias address');
      const env = { LVSGEN_STUB_UP: `${alias[alias.indexOf('del') + 1]} ${alias[alias.indexOf('dev') + 1]}` };

      const ns = netns(t, 'lvlu');
      ns.veth('eth0');
      ns.veth('eth1');
      ok(ns.ip('addr', 'add', '10.1.3.1/24', 'dev', 'eth0'), 'eth0');
      ok(ns.ip('addr', 'add', '192.168.6.1/24', 'dev', 'eth1'), 'eth1');
      for (const d of ['eth0', 'eth1']) ok(ns.ip('link', 'set', d, 'up'), `${d} up`);
      ok(ns.ip('route', 'add', 'default', 'via', '10.1.3.254'), 'default route');
      c.firewall(ns);
      ok(ns.exec('sysctl', ['-w', `${ADMIN_SYSCTL}=1`]), 'the administrator\'s key');
      const root = scratchRoot(t, c, h, busybox);
      const before = state(c, ns, h, root);
      assert.ok(before.sysctl['net.ipv4.ip_forward'] === '0', 'a fresh namespace does not forward');

      // Install: lvsgen's state is live; then --uninstall puts everything back.
      const done = install(ns, h, root, ['--yes'], env);
      ok(done, 'install');
      const installed = state(c, ns, h, root);
      assert.match(installed.rules, c.installed, 'lvsgen\'s rules are live');
      assert.equal(installed.sysctl['net.ipv4.ip_forward'], '1', 'forwarding is on');
      assert.match(installed.addr, new RegExp(`inet ${env.LVSGEN_STUB_UP.split(' ')[0]!.replace(/\./g, '\\.')} `), 'the alias address is up');
      assert.equal(read(join(root, SERVICES, `${c.backend}.active`)).trim(), 'yes', `${c.backend} runs`);
      assert.deepEqual(installed.modules, ['ip_vs', 'ip_vs_ftp'], 'the install loaded ip_vs_ftp');
      for (const [b, v] of Object.entries(c.booleans ?? {})) assert.equal(read(join(root, 'sys/fs/selinux/booleans', b)), b === 'keepalived_connect_any' ? '1 1\n' : `${v} ${v}\n`, `${b} after the install`);
      const un = install(ns, h, root, ['--uninstall'], env);
      ok(un, '--uninstall');
      assert.deepEqual(state(c, ns, h, root), before, `--uninstall did not put back the host as it was\n${un.stdout}${un.stderr}`);
      assert.ok(!existsSync(join(root, 'var/lib/lvsgen')), 'uninstall left its state folder');

      // A failure at the last command of each action that can fail (everything before it ran): rolled back.
      const failing = h.plan.actions.flatMap((a) => [...a.commands, ...a.start].filter((x) => !x.tolerant).slice(-1).map((x) => x.words.join(' ')));
      assert.ok(failing.length >= 4, `several actions can fail: ${failing.join(', ')}`);
      for (const cmd of failing) {
        const f = install(ns, h, root, ['--yes'], { ...env, LVSGEN_STUB_FAIL: cmd });
        assert.notEqual(f.status, 0, `install succeeded with ${cmd} failing`);
        assert.ok(f.stderr.includes(`command failed: ${cmd}`), f.stderr);
        assert.deepEqual(state(c, ns, h, root), before, `${cmd} failed: the host is not as it was\n${f.stdout}${f.stderr}`);
      }
      assert.ok(readFileSync(join(root, STUB_LOG), 'utf8').length > 0);
    });
  }
});
