// Every file snippet and command the seeds show appears in the bundle of the
// matching host and distro. The snippets are quoted from the seed text (each
// is asserted to be in the seed's excerpt under fixtures/, which quotes the
// two Ultra Monkey 2.0.1 documents verbatim and names them), compared
// whitespace aside: the seeds lost their line breaks when extracted from HTML.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePlan } from '../../src/render/plan.js';
import { bundlesOf, cli, example, installerCommands, REPO } from '../support/index.js';

/** A seed's excerpt, without the header lines (`% `) that name its source. */
const excerpt = (name: string) =>
  readFileSync(join(REPO, 'test', 'seeds', 'fixtures', name), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('% '))
    .join('\n');
const seed000 = excerpt('seed-000.txt');
const seed001 = excerpt('seed-001.txt');
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

interface Snippet {
  /** Exactly as in the seed. */
  text: string;
  seed: string;
  example: 'lb-nat' | 'ha-cidr';
  distro: 'redhat' | 'debian';
  host: string;
  /** A file of the bundle, or 'install' for the installer's commands (one per seed command). */
  file: string;
  /** The known erratum: the seed text as corrected by the model. */
  fix?: [string, string];
  /** Seed commands the file carries as commands, split from the snippet. */
  commands?: string[];
}

const S: Snippet[] = [
  // Seed 000: the Linux Director.
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({
    seed: seed000, example: 'lb-nat', distro, host: 'director', file: 'etc/sysctl.conf',
    text: '# Enables packet forwarding net.ipv4.ip_forward = 1 # Enables source route verification net.ipv4.conf.default.rp_filter = 1',
  })),
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({ seed: seed000, example: 'lb-nat', distro, host: 'director', file: 'install', text: '/sbin/sysctl -p', commands: ['/sbin/sysctl -p'] })),
  {
    seed: seed000, example: 'lb-nat', distro: 'redhat', host: 'director', file: 'install',
    text: '/sbin/chkconfig --level 2345 ldirectord on /sbin/chkconfig --del heartbeat',
    commands: ['/sbin/chkconfig --level 2345 ldirectord on', '/sbin/chkconfig --del heartbeat'],
  },
  {
    seed: seed000, example: 'lb-nat', distro: 'debian', host: 'director', file: 'install',
    text: '/usr/sbin/update-rc.d ldirectord start 2 3 4 5 . /usr/sbin/update-rc.d -f heartbeat remove',
    commands: ['/usr/sbin/update-rc.d ldirectord start 2 3 4 5 .', '/usr/sbin/update-rc.d -f heartbeat remove'],
  },
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({
    seed: seed000, example: 'lb-nat', distro, host: 'director', file: 'install',
    text: '/etc/init.d/heartbeat stop /etc/init.d/ldirectord start',
    commands: ['/etc/init.d/heartbeat stop', '/etc/init.d/ldirectord start'],
  })),
  // Not the seed's `/etc/init.d/iptables stop`: it clears every table, the administrator's
  // too; the installer replaces lvsgen's chain alone (issue 15).
  { seed: seed000, example: 'lb-nat', distro: 'redhat', host: 'director', file: 'etc/sysconfig/iptables', text: '# Masquerade for 192.168.6.0/24 bound for any host' },
  { seed: seed000, example: 'lb-nat', distro: 'redhat', host: 'director', file: 'etc/sysconfig/iptables', text: '/sbin/iptables -t nat -A POSTROUTING -j MASQUERADE -s 192.168.6.0/24' },
  { seed: seed000, example: 'lb-nat', distro: 'redhat', host: 'director', file: 'etc/sysconfig/iptables', text: '/etc/init.d/iptables save' },
  {
    seed: seed000, example: 'lb-nat', distro: 'redhat', host: 'director', file: 'install',
    text: '/sbin/chkconfig --level 2345 iptables on # Activate the rules /etc/init.d/iptables start',
    // The seed's `/etc/init.d/iptables start` loads the whole file, flushing every table it
    // names (the administrator's too): the installer activates lvsgen's chain alone instead.
    commands: ['/sbin/iptables-restore --noflush /etc/sysconfig/iptables-lvsgen', '/sbin/chkconfig --level 2345 iptables on'],
  },
  {
    seed: seed000, example: 'lb-nat', distro: 'debian', host: 'director', file: 'etc/network/interfaces',
    text: 'auto eth1 iface eth1 inet static address 192.168.6.4 netmask 255.255.255.0 up iptables -t nat -A POSTROUTING -j MASQUERADE -s 192.168.6.0/24 down iptables -t nat -D POSTROUTING -j MASQUERADE -s 192.168.6.0/24',
    // The erratum: the seed gives the director's eth1 a real server's address.
    fix: ['address 192.168.6.4', 'address 192.168.6.1'],
  },
  { seed: seed000, example: 'lb-nat', distro: 'debian', host: 'director', file: 'install', text: '/etc/init.d/networking restart', commands: ['/etc/init.d/networking restart'] },
  { seed: seed000, example: 'lb-nat', distro: 'redhat', host: 'director', file: 'etc/rc.d/rc.local', text: '/sbin/modprobe ip_vs_ftp' },
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({ seed: seed000, example: 'lb-nat', distro, host: 'director', file: 'install', text: '/sbin/modprobe ip_vs_ftp', commands: ['/sbin/modprobe ip_vs_ftp'] })),
  { seed: seed000, example: 'lb-nat', distro: 'debian', host: 'director', file: 'etc/modules', text: 'ip_vs_ftp' },
  // Seed 000: verification commands, run by install.sh --verify.
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({ seed: seed000, example: 'lb-nat', distro, host: 'director', file: '.lvsgen/plan', text: '/sbin/iptables -t nat -L -n' })),
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({ seed: seed000, example: 'lb-nat', distro, host: 'director', file: '.lvsgen/plan', text: 'MASQUERADE all -- 192.168.6.0/24 0.0.0.0/0' })),
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({ seed: seed000, example: 'lb-nat', distro, host: 'director', file: '.lvsgen/plan', text: '/sbin/lsmod' })),
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({ seed: seed000, example: 'lb-nat', distro, host: 'real1', file: '.lvsgen/plan', text: '/sbin/ip route show 0/0 default via 192.168.6.1 dev eth0' })),
  // Seed 000: real servers.
  {
    seed: seed000, example: 'lb-nat', distro: 'redhat', host: 'real1', file: 'etc/sysconfig/network-scripts/ifcfg-eth0',
    text: 'DEVICE=eth0 ONBOOT=yes BOOTPROTO=static IPADDR=192.168.6.4 NETMASK=255.255.255.0 GATEWAY=192.168.6.1',
  },
  { seed: seed000, example: 'lb-nat', distro: 'redhat', host: 'real1', file: 'install', text: '/etc/init.d/network restart', commands: ['/etc/init.d/network restart'] },
  {
    seed: seed000, example: 'lb-nat', distro: 'debian', host: 'real1', file: 'etc/network/interfaces',
    text: 'auto eth0 iface eth0 inet static address 192.168.6.4 netmask 255.255.255.0 gateway 192.168.6.1',
  },
  { seed: seed000, example: 'lb-nat', distro: 'debian', host: 'real1', file: 'install', text: '/etc/init.d/networking restart', commands: ['/etc/init.d/networking restart'] },

  // Seed 001: the router.
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({
    seed: seed001, example: 'ha-cidr', distro, host: 'router', file: 'etc/sysctl.conf',
    text: '# Enables packet forwarding net.ipv4.ip_forward = 1 # Enables source route verification net.ipv4.conf.default.rp_filter = 1',
  })),
  { seed: seed001, example: 'ha-cidr', distro: 'redhat', host: 'router', file: 'etc/sysctl.conf', text: 'kernel.sysrq = 0' },
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({ seed: seed001, example: 'ha-cidr', distro, host: 'router', file: 'install', text: '/sbin/sysctl -p', commands: ['/sbin/sysctl -p'] })),
  { seed: seed001, example: 'ha-cidr', distro: 'redhat', host: 'router', file: 'etc/sysconfig/static-routes', text: 'any net 192.168.0.0 netmask 255.255.255.0 gw 192.168.6.240' },
  { seed: seed001, example: 'ha-cidr', distro: 'redhat', host: 'router', file: 'install', text: '/etc/init.d/network restart', commands: ['/etc/init.d/network restart'] },
  ...(['redhat', 'debian'] as const).map((distro): Snippet => ({ seed: seed001, example: 'ha-cidr', distro, host: 'router', file: '.lvsgen/plan', text: '192.168.0.0/24 via 192.168.6.240 dev eth0' })),
  {
    seed: seed001, example: 'ha-cidr', distro: 'debian', host: 'router', file: 'etc/network/interfaces',
    text: 'auto eth0 iface eth0 inet static address 192.168.6.1 netmask 255.255.255.0 up ip route add 192.168.0.0/24 via 192.168.6.240 pre-down ip route del 192.168.0.0/24 via 192.168.6.240',
  },
  { seed: seed001, example: 'ha-cidr', distro: 'debian', host: 'router', file: 'install', text: '/etc/init.d/networking restart', commands: ['/etc/init.d/networking restart'] },
  // Seed 001: the real servers (heartbeat nodes).
  ...['node1', 'node2'].flatMap((host): Snippet[] => [
    {
      seed: seed001, example: 'ha-cidr', distro: 'redhat', host, file: 'etc/sysconfig/network-scripts/ifcfg-lo:0',
      text: 'DEVICE=lo:0 IPADDR=192.168.0.0 NETMASK=255.255.255.0 NETWORK=192.168.0.0 BROADCAST=192.168.0.255 ONBOOT=yes NAME=loopback',
    },
    { seed: seed001, example: 'ha-cidr', distro: 'redhat', host, file: 'etc/sysconfig/network', text: 'GATEWAYDEV=eth0' },
    { seed: seed001, example: 'ha-cidr', distro: 'redhat', host, file: 'install', text: '/sbin/ifup lo', commands: ['/sbin/ifup lo'] },
    {
      seed: seed001, example: 'ha-cidr', distro: 'debian', host, file: 'etc/network/interfaces',
      text: 'auto lo iface lo inet loopback auto lo:0 iface lo:0 inet static address 192.168.0.0 netmask 255.255.255.0',
    },
    { seed: seed001, example: 'ha-cidr', distro: 'debian', host, file: 'install', text: '/sbin/ifup lo:0', commands: ['/sbin/ifup lo:0'] },
  ]),
];

for (const s of S) {
  test(`seed ${s.seed === seed000 ? '000' : '001'}: ${s.distro} ${s.host} ${s.file}: ${s.text.slice(0, 60)}`, () => {
    const seedText = s.seed.replace(/&nbsp;|&nbs;/g, ' ');
    assert.ok(squash(seedText).includes(squash(s.text)), `not in the seed: ${s.text}`);
    const g = bundlesOf(s.example, s.distro);
    const bundle = g.bundles.find((b) => b.host === s.host);
    assert.ok(bundle, `no host ${s.host}`);
    const plan = bundle.files.find((f) => f.path === '.lvsgen/plan')!.content;
    if (s.file === 'install') {
      const cmds = installerCommands(plan).map((c) => c.command);
      for (const c of s.commands!) assert.ok(cmds.includes(c), `${s.host} installer does not run: ${c}\nit runs:\n${cmds.join('\n')}`);
      return;
    }
    const file = bundle.files.find((f) => f.path === s.file);
    assert.ok(file, `${s.host} has no ${s.file}`);
    const want = s.fix ? s.text.replace(s.fix[0], s.fix[1]) : s.text;
    // Comments may sit between the lines of a snippet in a file: compare with them dropped too.
    // The plan's checks, each command followed by the lines it must print, as the seed shows them.
    const content = file.path === '.lvsgen/plan' ? parsePlan(file.content).verify.map((v) => [v.words.join(' '), ...v.expect].join('\n')).join('\n') : file.content;
    const bare = content.split('\n').filter((l) => !/^\s*#/.test(l) || /^\s*# (Enables|Masquerade|\(the seed)/.test(l)).join('\n');
    assert.ok(squash(content).includes(squash(want)) || squash(bare).includes(squash(want)), `${s.host}:${s.file} lacks:\n${want}\n---\n${content}`);
  });
}

test('seed 000: `lvsgen ipvsadm` prints the seed table (whitespace aside)', async () => {
  const r = await cli('ipvsadm', example('lb-nat'));
  assert.equal(r.status, 0, r.stderr);
  const table = squash(r.stdout);
  const m = /^ipvsadm -L -n (IP Virtual Server .*)$/m.exec(seed000);
  assert.ok(m, 'the seed table was not found');
  assert.equal(table, squash(m[1]!));
});
