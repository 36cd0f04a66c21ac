// An upgrade of a host package whose postinst (dpkg -i) or %post (rpm -U)
// fails: version 2's installer rolls its run back, so the host is left
// exactly as version 1 left it. The package manager says the script failed.
//
// The host starts with an administrator's configuration (their sysctl.conf
// with vm.swappiness, their interface file, their firewall rules or
// /etc/modules, heartbeat enabled and running). Version 1 is lb-nat without
// its FTP service; version 2 adds it back, which changes ldirectord.cf, adds
// the IPVS kernel keys (net.ipv4.vs.expire_*: Debian's sysctl.conf, Red Hat's
// modules action and rc.local) and ip_vs_ftp. Version 2's ldirectord refuses
// its new file (the stand-in ldirectord exits 1 on reload): the kernel keys,
// files and services version 2 had already changed must be as version 1 left
// them, byte for byte, and its installer, run by hand, reports what is left
// (the files that differ, the network restart version 1 left pending). Once
// ldirectord takes the file, finishing the upgrade installs version 2.
//
// The scripts run chrooted in a scratch root (busybox as /bin/sh); the
// distro's commands are stand-ins that keep state (test/support/host-package.ts,
// standIns): services' enablement and running, kernel keys, the ldirectord.cf
// ldirectord loaded.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import type { Generated } from '../../src/cli/generate.js';
import { ADMIN_FILTER, example, exampleWith, generateFile, installerPrograms, requireRoot, requireTools, run, staticBusybox, tempDir } from '../support/index.js';
import {
  dpkgRoot,
  fileAt,
  hostFiles,
  hostState,
  packageName,
  packageWithCli,
  plant,
  scratchRoot,
  setStandIn,
  STAND_IN_STATE,
  standIns,
  takeStubLog,
  writeLbNatV2,
} from '../support/host-package.js';

const dir = tempDir(after);
const NAME = packageName('lb-nat', 'director');
/** A line only version 2's ldirectord.cf has: the FTP service. */
const V2_ONLY = 'virtual=10.1.3.61:21';

const IPTABLES_ADMIN = ADMIN_FILTER;
const SYSCTL_ADMIN = '# the administrator\'s\nvm.swappiness = 10\n';

interface Case {
  format: 'deb' | 'rpm';
  distro: 'debian' | 'redhat';
  /** The administrator's files (mode 0644 unless listed in modes). */
  originals: Record<string, string>;
  modes: Record<string, number>;
}

const CASES: Case[] = [
  {
    format: 'deb',
    distro: 'debian',
    originals: {
      'etc/sysctl.conf': SYSCTL_ADMIN,
      'etc/modules': '# the administrator\'s\nloop\n',
      'etc/network/interfaces': 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n\taddress 10.1.3.1\n\tnetmask 255.255.255.0\n\tdns-nameservers 10.1.3.53\n',
    },
    modes: {},
  },
  {
    format: 'rpm',
    distro: 'redhat',
    originals: {
      'etc/sysctl.conf': SYSCTL_ADMIN,
      'etc/sysconfig/iptables': IPTABLES_ADMIN,
      'etc/rc.d/rc.local': '#!/bin/sh\ntouch /var/lock/subsys/local\n',
      'etc/sysconfig/network-scripts/ifcfg-eth0': 'DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n',
      'etc/sysconfig/network-scripts/ifcfg-eth2': 'DEVICE=eth2\nBOOTPROTO=none\nONBOOT=no\n',
    },
    modes: { 'etc/sysconfig/iptables': 0o600, 'etc/rc.d/rc.local': 0o755 },
  },
];

const planOf = (g: Generated): string => g.bundles.find((b) => b.host === 'director')!.files.find((f) => f.path === '.lvsgen/plan')!.content;
const ldirectordCf = (g: Generated): string => g.bundles.find((b) => b.host === 'director')!.files.find((f) => f.path === 'etc/ha.d/ldirectord.cf')!.content;

/** The package manager in the root: install, upgrade, finish a failed upgrade. */
interface Manager {
  install(file: string): ReturnType<typeof run>;
  upgrade(file: string): ReturnType<typeof run>;
  /** The package as the manager records it. */
  status(): string;
}

function manager(c: Case, root: string): Manager {
  if (c.format === 'deb') {
    const dpkg = (...args: string[]) => run('dpkg', [`--root=${root}`, `--log=${path.join(root, 'var/log/dpkg.log')}`, ...args], { allowFailure: true });
    return {
      install: (f) => dpkg('-i', f),
      upgrade: (f) => dpkg('-i', f),
      status: () => run('dpkg-query', [`--admindir=${path.join(root, 'var/lib/dpkg')}`, '-W', '-f=${Status} ${Version}', NAME], { allowFailure: true }).stdout,
    };
  }
  // The database inside the root; --nodeps: /bin/sh is busybox, which no package in it provides.
  const rpm = (...args: string[]) => run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args], { allowFailure: true });
  assert.equal(rpm('--initdb').status, 0);
  return {
    install: (f) => rpm('-i', '--nodeps', f),
    upgrade: (f) => rpm('-U', '--nodeps', f),
    status: () => rpm('-q', NAME).stdout.trim(),
  };
}

async function upgradeRollsBack(t: TestContext, c: Case): Promise<void> {
  if (!requireTools(t, ...(c.format === 'deb' ? ['dpkg', 'dpkg-query'] : ['rpm'])) || !requireRoot(t)) return;
  const busybox = staticBusybox(t);
  if (busybox === undefined) return;
  const work = path.join(dir, c.format);
  fs.mkdirSync(work);
  // Version 1: lb-nat without FTP; version 2: lb-nat.
  const v1yaml = writeLbNatV2(work);
  await packageWithCli(v1yaml, path.join(work, 'v1'), '--format', c.format, '--distro', c.distro);
  await packageWithCli(example('lb-nat'), path.join(work, 'v2'), '--format', c.format, '--distro', c.distro, '--version', '1.1.0');
  const file = (v: string, version: string): string =>
    path.join(work, v, c.format === 'deb' ? `${NAME}_${version}_all.deb` : `${NAME}-${version}.noarch.rpm`);
  const g1 = generateFile(v1yaml, c.distro);
  const g2 = generateFile(example('lb-nat'), c.distro);
  assert.ok(!ldirectordCf(g1).includes(V2_ONLY) && ldirectordCf(g2).includes(V2_ONLY));
  const vsKeys = ['net.ipv4.vs.expire_nodest_conn', 'net.ipv4.vs.expire_quiescent_template'];
  assert.ok(vsKeys.every((k) => !planOf(g1).includes(k) && planOf(g2).includes(`sysctl /sbin/sysctl ${k}`)), 'version 2 adds the IPVS keys');

  const plans = [planOf(g1), planOf(g2)];
  let root: string;
  if (c.format === 'deb') root = dpkgRoot(work, busybox, plans, true, standIns);
  else {
    root = scratchRoot(work, busybox);
    standIns(root, [...new Set(plans.flatMap((p) => installerPrograms(p)))]);
  }
  for (const [p, content] of Object.entries(c.originals)) plant(root, p, content, c.modes[p]);
  // The administrator's live state: their key, heartbeat enabled and running.
  setStandIn(root, 'sysctl/vm.swappiness', '10');
  // ip_vs loaded with its defaults (the stand-in reads an unset key as 0 as well).
  for (const k of vsKeys) setStandIn(root, `sysctl/${k}`, '0');
  setStandIn(root, 'heartbeat.enabled', 'yes');
  setStandIn(root, 'heartbeat.active', 'yes');
  const pm = manager(c, root);

  // Version 1.
  const i1 = pm.install(file('v1', '1.0.0-1'));
  assert.equal(i1.status, 0, i1.stdout + i1.stderr);
  for (const [p, f] of hostFiles(g1, 'director', c.originals)) assert.deepEqual(fileAt(root, p), f, `${p}: version 1`);
  const v1 = hostState(root);
  assert.equal(v1.live[`${STAND_IN_STATE}/ldirectord.loaded`], ldirectordCf(g1), 'ldirectord runs version 1\'s file');
  assert.equal(v1.live[`${STAND_IN_STATE}/ldirectord.active`], 'yes\n');
  assert.equal(v1.live[`${STAND_IN_STATE}/heartbeat.active`], 'no\n', 'version 1 stopped heartbeat');
  assert.equal(v1.live[`${STAND_IN_STATE}/sysctl/net.ipv4.ip_forward`], '1\n');
  for (const k of vsKeys) assert.equal(v1.live[`${STAND_IN_STATE}/sysctl/${k}`], '0\n', `${k}: version 1 leaves it`);
  assert.equal(fileAt(root, 'var/lib/lvsgen/pending')?.content, 'network\n', 'version 1 left the network restart pending (--no-restart)');
  takeStubLog(root);

  // Version 2, whose ldirectord refuses the new file.
  setStandIn(root, 'refuse', V2_ONLY);
  const up = pm.upgrade(file('v2', '1.1.0-1'));
  const said = up.stdout + up.stderr;
  if (c.format === 'deb') {
    assert.equal(up.status, 1, `dpkg reports no failure:\n${said}`);
    assert.match(said, /post-installation script subprocess returned error exit status 1/, said);
    assert.equal(pm.status(), 'install ok half-configured 1.1.0-1', 'dpkg keeps version 2 to configure again');
  } else {
    // rpm (4.18) only warns of a failed %post and exits 0: the warning is what it reports.
    assert.match(up.stderr, /^warning: %post\(lvsgen-lb-nat-director-1\.1\.0-1\.noarch\) scriptlet failed, exit status 1$/m, said);
    assert.equal(pm.status(), `${NAME}-1.1.0-1.noarch`, 'rpm records version 2 (its %post cannot run again)');
  }
  assert.match(said, /install\.sh: command failed: \/etc\/init\.d\/ldirectord reload/, said);
  // Version 2's actions did change the host before ldirectord failed: there was something to roll back.
  const log = takeStubLog(root);
  assert.ok(log.includes('/sbin/modprobe ip_vs_ftp'), log.join('\n'));
  assert.ok(log.includes(c.distro === 'debian' ? '/sbin/sysctl -p' : '/sbin/sysctl -w net.ipv4.vs.expire_nodest_conn=1'), log.join('\n'));
  fs.rmSync(path.join(root, STAND_IN_STATE, 'refuse'));
  const after = hostState(root);
  assert.deepEqual(after.files, v1.files, `the files (and the installer's backups, originals and pending list) are not version 1's:\n${said}`);
  assert.deepEqual(after.live, v1.live, `the services, kernel keys and ldirectord's file are not version 1's:\n${said}`);

  // The installer version 2 left in place says what is left: the files that differ, the pending restart.
  const installer = path.join(root, `usr/share/${NAME}/.lvsgen/install.sh`);
  const check = run(installer, ['--root', root, '--check'], { allowFailure: true, input: '' });
  assert.equal(check.status, 1, check.stdout + check.stderr);
  assert.match(check.stdout, /^\+virtual=10\.1\.3\.61:21$/m, 'ldirectord.cf: version 2\'s FTP service is still to come');
  assert.match(check.stdout, /^pending: network \(its files are in place; the next install runs it\)$/m, check.stdout);
  assert.deepEqual(hostState(root), v1, '--check changes nothing');

  // Once ldirectord takes the file, finishing the upgrade installs version 2.
  const finish = c.format === 'deb'
    ? run('dpkg', [`--root=${root}`, `--log=${path.join(root, 'var/log/dpkg.log')}`, '--configure', '--pending'], { allowFailure: true })
    : run(installer, ['--root', root, '--no-restart'], { allowFailure: true, input: '' });
  assert.equal(finish.status, 0, finish.stdout + finish.stderr);
  if (c.format === 'deb') assert.equal(pm.status(), 'install ok installed 1.1.0-1');
  for (const [p, f] of hostFiles(g2, 'director', c.originals)) assert.deepEqual(fileAt(root, p), f, `${p}: version 2`);
  const v2 = hostState(root).live;
  assert.equal(v2[`${STAND_IN_STATE}/ldirectord.loaded`], ldirectordCf(g2));
  for (const k of vsKeys) assert.equal(v2[`${STAND_IN_STATE}/sysctl/${k}`], '1\n', k);
}

describe('host packages: an upgrade whose installer fails leaves version 1', () => {
  for (const c of CASES) {
    test(`lb-nat director (${c.distro}): ${c.format === 'deb' ? 'dpkg -i' : 'rpm -U'} of version 2, ldirectord refusing its file: the failure reported, files, backups, pending list, services and kernel keys as version 1 left them; --check says what is left`, (t) =>
      upgradeRollsBack(t, c));
  }
});

// A debian12 upgrade whose version 2 switches the director's backend from
// ldirectord to keepalived (docs/installer.md, "Switching backends") and
// fails in postinst: at keepalived's start, or at ldirectord's stop once
// keepalived runs. Version 1's ldirectord.cf, which version 2's plan no longer
// has, is back byte for byte, ldirectord runs on it, keepalived is stopped
// and disabled (systemctl's stand-in keeps the units' states and the file
// each daemon loaded).
describe('host packages: an upgrade that switches the backend and fails leaves version 1', () => {
  for (const fail of ['/usr/bin/systemctl start keepalived', '/usr/bin/systemctl disable --now ldirectord']) {
    test(`lb-nat director (debian12): dpkg -i of version 2 (keepalived) over version 1 (ldirectord), \`${fail}\` failing: the host as version 1 left it, ldirectord on its file; --check says what is left; dpkg --configure switches`, async (t) => {
      if (!requireTools(t, 'dpkg', 'dpkg-query') || !requireRoot(t)) return;
      const busybox = staticBusybox(t);
      if (busybox === undefined) return;
      const work = fs.mkdtempSync(path.join(dir, 'switch-'));
      const topology = (backend: string): string => {
        const f = path.join(work, `${backend}.yaml`);
        fs.writeFileSync(f, exampleWith('lb-nat', backend));
        return f;
      };
      const [v1yaml, v2yaml] = [topology('ldirectord'), topology('keepalived')];
      await packageWithCli(v1yaml, path.join(work, 'v1'), '--format', 'deb', '--distro', 'debian12');
      await packageWithCli(v2yaml, path.join(work, 'v2'), '--format', 'deb', '--distro', 'debian12', '--version', '1.1.0');
      const g1 = generateFile(v1yaml, 'debian12');
      const g2 = generateFile(v2yaml, 'debian12');
      const root = dpkgRoot(work, busybox, [planOf(g1), planOf(g2)], true, standIns);
      for (const svc of ['ldirectord', 'keepalived']) for (const q of ['enabled', 'active']) setStandIn(root, `${svc}.${q}`, 'no');
      const dpkg = (...args: string[]) => run('dpkg', [`--root=${root}`, `--log=${path.join(root, 'var/log/dpkg.log')}`, ...args], { allowFailure: true });

      const i1 = dpkg('-i', path.join(work, 'v1', `${NAME}_1.0.0-1_all.deb`));
      assert.equal(i1.status, 0, i1.stdout + i1.stderr);
      const v1 = hostState(root);
      assert.equal(v1.live[`${STAND_IN_STATE}/ldirectord.loaded`], ldirectordCf(g1), 'ldirectord runs version 1\'s file');
      assert.equal(v1.live[`${STAND_IN_STATE}/ldirectord.active`], 'yes\n');

      setStandIn(root, 'fail', fail);
      const up = dpkg('-i', path.join(work, 'v2', `${NAME}_1.1.0-1_all.deb`));
      const said = up.stdout + up.stderr;
      assert.equal(up.status, 1, `dpkg reports no failure:\n${said}`);
      assert.match(said, /post-installation script subprocess returned error exit status 1/, said);
      assert.ok(said.includes(`install.sh: command failed: ${fail}`), said);
      assert.ok(!fs.existsSync(path.join(root, STAND_IN_STATE, 'fail')), 'the failure was not injected');
      const after = hostState(root);
      assert.deepEqual(after.files, v1.files, `the files (ldirectord.cf and its drop-in included) and the installer's state are not version 1's:\n${said}`);
      assert.deepEqual(after.live, v1.live, `the services and the file ldirectord runs on are not version 1's:\n${said}`);

      const installer = path.join(root, `usr/share/${NAME}/.lvsgen/install.sh`);
      const check = run(installer, ['--root', root, '--check'], { allowFailure: true, input: '' });
      assert.equal(check.status, 1, check.stdout + check.stderr);
      assert.match(check.stdout, /^--- \/etc\/keepalived\/keepalived\.conf \(on the host\)$/m, check.stdout);
      assert.match(check.stdout, /^--- \/etc\/ha\.d\/ldirectord\.cf is no longer in this bundle: /m, check.stdout);
      assert.deepEqual(hostState(root), v1, '--check changes nothing');

      const finish = dpkg('--configure', '--pending');
      assert.equal(finish.status, 0, finish.stdout + finish.stderr);
      const v2 = hostState(root).live;
      assert.equal(v2[`${STAND_IN_STATE}/keepalived.active`], 'yes\n');
      assert.equal(v2[`${STAND_IN_STATE}/ldirectord.active`], 'no\n');
      assert.equal(v2[`${STAND_IN_STATE}/keepalived.loaded`], fs.readFileSync(path.join(root, 'etc/keepalived/keepalived.conf'), 'utf8'));
      assert.ok(!fs.existsSync(path.join(root, 'etc/ha.d/ldirectord.cf')), 'version 1\'s ldirectord.cf is left');
    });
  }
});
