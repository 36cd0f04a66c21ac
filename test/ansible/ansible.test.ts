// lvsgen ansible, deployed for real with Debian's ansible-playbook over SSH to
// hosts this test creates: one network namespace per host of a cluster held
// here (a router, three real servers, a VRRP pair of directors), joined by a
// bridge, each running its own sshd (keys, config and port made here), and
// the control node in a namespace of its own. Each host's installer works on a
// scratch root (lvsgen_root: install.sh --root, busybox and logging stubs for
// the distro's commands), so nothing of this machine's /etc is touched.
// Proven: check mode on fresh hosts reports every file and changes nothing;
// apply converges (each root holds its bundle) in the promised order (real
// servers in batches, each drained on both directors while it changes, the
// router, then the pair's standby node before its active one, the one that
// holds the floating address); a second apply changes nothing; a file changed
// by hand on one host is reported by check mode, on that host only. No secret
// shows in anything Ansible prints.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { HostBundle } from '../../src/render/types.js';
import { cli, lan, netns, ok, requireRoot, requireTools, run, sh, sourceFile, spawnIn, staticBusybox, tempDir, until, type Netns } from '../support/index.js';
import { scratchRoot, stubCommands } from '../support/host-package.js';
import { generateText } from '../support/render.js';

const TOPOLOGY = `name: deploy-me
defaults: { distro: debian12 }
director_backend: keepalived
hosts:
  gw: { roles: [router], interfaces: { eth0: 10.1.3.1/24, eth1: 10.9.0.1/24 } }
  dir1: { roles: [director], interfaces: { eth0: 10.1.3.2/24 } }
  dir2: { roles: [director], interfaces: { eth0: 10.1.3.3/24 } }
  rs1: { roles: [real-server], interfaces: { eth0: 10.1.3.4/24 } }
  rs2: { roles: [real-server], interfaces: { eth0: 10.1.3.5/24 } }
  rs3: { roles: [real-server], manage_address: 10.1.3.40, interfaces: { eth0: 10.1.3.6/24 } }
virtual_services:
  - virtual: 10.1.3.61:80
    scheduler: wlc
    forward: gate
    check: { type: negotiate, request: alive.html, receive: I am alive }
    real_servers: [rs1, rs2, { host: rs3, weight: 2 }]
heartbeat:
  nodes: [dir1, dir2]
  floating: [10.1.3.61/24]
  auth: { method: sha1, key: deploy-secret-0123 }
`;
const HOSTS = ['dir1', 'dir2', 'gw', 'rs1', 'rs2', 'rs3'];
const SSH_PORT = '2222';
const CONTROL = '10.1.3.250';

/** What the json callback prints: plays in the order they ran (a serial batch is a play of its own). */
interface PlaybookRun {
  plays: Array<{ play: { name: string }; tasks: Array<{ task: { name: string }; hosts: Record<string, TaskResult> }> }>;
  stats: Record<string, { changed: number; failures: number; unreachable: number; ok: number }>;
}
interface TaskResult {
  changed?: boolean;
  skipped?: boolean;
  rc?: number;
  stdout?: string;
  results?: TaskResult[];
  cmd?: string[];
}

/** The commands distros/debian12/distro.yaml's actions run (absolute paths): stubbed in each root. */
function actionCommands(): string[] {
  const d = parse(readFileSync(sourceFile('distros/debian12/distro.yaml'), 'utf8')) as { actions: Record<string, { run: string[] }> };
  const out = new Set<string>();
  for (const a of Object.values(d.actions)) for (const r of a.run) for (const m of r.matchAll(/(?:^|[\n}-])(\/[a-z0-9_/.-]+)/g)) out.add(m[1]!);
  return [...out].sort();
}

/** Every host file of a bundle (not .lvsgen/) with its mode. */
const hostFiles = (b: HostBundle) => b.files.filter((f) => !f.path.startsWith('.lvsgen/'));

test('lvsgen ansible: check, apply, apply again, check after a hand edit, over SSH to namespaced hosts', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ansible-playbook', '/usr/sbin/sshd', 'ssh-keygen', 'ip', 'chroot')) return;
  const busybox = staticBusybox(t);
  if (!busybox) return;
  const dir = tempDir(t, 'lvsgen-ansible-');
  const g = generateText(TOPOLOGY);
  writeFileSync(join(dir, 'topology.yaml'), TOPOLOGY);
  const out = join(dir, 'deploy');
  const wrote = await cli('ansible', join(dir, 'topology.yaml'), '-o', out);
  assert.equal(wrote.status, 0, wrote.stderr);
  const inventory = parse(readFileSync(join(out, 'inventory.yml'), 'utf8')) as { all: { hosts: Record<string, { ansible_host: string }> } };
  assert.deepEqual(Object.keys(inventory.all.hosts).sort(), HOSTS);
  assert.equal(inventory.all.hosts.rs3!.ansible_host, '10.1.3.40', 'manage_address is where Ansible goes');
  assert.equal(inventory.all.hosts.rs1!.ansible_host, '10.1.3.4', 'else the first address');

  // Keys and sshd configuration, made here. sshd insists on its privilege
  // separation directory (openssh-server's tmpfiles.d makes it at boot).
  const ssh = join(dir, 'ssh');
  mkdirSync(ssh, { mode: 0o700 });
  ok(sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(ssh, 'host'), '-C', 'lvsgen-test-host']), 'host key');
  ok(sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(ssh, 'id'), '-C', 'lvsgen-test-client']), 'client key');
  writeFileSync(join(ssh, 'authorized_keys'), readFileSync(join(ssh, 'id.pub')));
  const hostKey = readFileSync(join(ssh, 'host.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(join(ssh, 'known_hosts'), HOSTS.map((h) => `[${inventory.all.hosts[h]!.ansible_host}]:${SSH_PORT} ${hostKey}\n`).join(''));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  // The LAN, the hosts, the control node.
  const net = lan(t);
  const spaces = new Map<string, Netns>();
  for (const h of HOSTS) {
    const ns = netns(t, 'lva');
    net.join(ns, 'eth0');
    ok(ns.ip('addr', 'add', `${inventory.all.hosts[h]!.ansible_host}/24`, 'dev', 'eth0'), `address of ${h}`);
    const cfg = join(ssh, `sshd-${h}.conf`);
    writeFileSync(
      cfg,
      [
        `Port ${SSH_PORT}`,
        `ListenAddress ${inventory.all.hosts[h]!.ansible_host}`,
        `HostKey ${join(ssh, 'host')}`,
        `AuthorizedKeysFile ${join(ssh, 'authorized_keys')}`,
        `PidFile ${join(ssh, `sshd-${h}.pid`)}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'Subsystem sftp /usr/lib/openssh/sftp-server',
        // A session whose client is gone (its namespace deleted, no RST ever
        // comes) ends within seconds instead of holding this test's stderr pipe.
        'ClientAliveInterval 1',
        'ClientAliveCountMax 3',
        '',
      ].join('\n'),
    );
    spawnIn(t, ns, '/usr/sbin/sshd', ['-D', '-e', '-f', cfg]);
    spaces.set(h, ns);
  }
  const control = netns(t, 'lvc');
  net.join(control, 'eth0');
  ok(control.ip('addr', 'add', `${CONTROL}/24`, 'dev', 'eth0'), 'control address');
  for (const h of HOSTS) {
    const addr = inventory.all.hosts[h]!.ansible_host;
    await until(`sshd of ${h} listening`, () => control.exec('bash', ['-c', `exec 3<>/dev/tcp/${addr}/${SSH_PORT}`]).status === 0);
  }
  // dir2, not the preferred dir1, holds the floating address: dir1 is the standby.
  ok(spaces.get('dir2')!.ip('addr', 'add', '10.1.3.61/24', 'dev', 'eth0'), 'floating address on dir2');

  // Each host's root, and the test's own inventory beside the generated one.
  const roots = new Map<string, string>();
  for (const h of HOSTS) {
    mkdirSync(join(dir, 'roots', h), { recursive: true });
    const root = scratchRoot(join(dir, 'roots', h), busybox);
    stubCommands(root, actionCommands());
    roots.set(h, root);
  }
  const ipvsadmLog = join(dir, 'ipvsadm.log');
  const ipvsadm = join(dir, 'ipvsadm-stub');
  // Where the stub runs is where Ansible delegated it: sshd's own address in SSH_CONNECTION.
  writeFileSync(ipvsadm, `#!/bin/sh\nset -- $SSH_CONNECTION "$@"\nshift 2\nserver=$1\nshift 2\necho "$server $*" >> ${ipvsadmLog}\n`);
  chmodSync(ipvsadm, 0o755);
  writeFileSync(
    join(dir, 'test-hosts.yml'),
    `${JSON.stringify({
      all: {
        vars: {
          ansible_user: 'root',
          ansible_port: Number(SSH_PORT),
          ansible_ssh_private_key_file: join(ssh, 'id'),
          ansible_ssh_common_args: `-F /dev/null -o UserKnownHostsFile=${join(ssh, 'known_hosts')} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`,
          ansible_python_interpreter: '/usr/bin/python3',
          lvsgen_drain_enabled: true,
          lvsgen_ipvsadm: ipvsadm,
        },
        hosts: Object.fromEntries(HOSTS.map((h) => [h, { lvsgen_root: roots.get(h), lvsgen_stage: join(dir, 'stage', h) }])),
      },
    })}\n`,
  );
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: join(dir, 'home'),
    ANSIBLE_HOME: join(dir, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-local'),
    ANSIBLE_REMOTE_TEMP: join(dir, 'ansible-remote'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    ANSIBLE_STDOUT_CALLBACK: 'json',
    ANSIBLE_PIPELINING: '1',
    ANSIBLE_FORKS: '6',
    // No persistent control connection: each connection closes when its task
    // ends, so no SSH session outlives the playbook (and the namespaces).
    ANSIBLE_SSH_ARGS: '-o ControlMaster=no -o ControlPath=none',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_DEPRECATION_WARNINGS: '0',
    ANSIBLE_HOST_KEY_CHECKING: '1',
  };
  mkdirSync(env.HOME);
  const playbook = (...args: string[]): { run: PlaybookRun; text: string } => {
    const r = run('ip', ['netns', 'exec', control.name, 'ansible-playbook', '-i', 'inventory.yml', '-i', join(dir, 'test-hosts.yml'), '-e', 'lvsgen_serial=2', 'site.yml', ...args], { cwd: out, env, allowFailure: true });
    const text = r.stdout + r.stderr;
    for (const s of g.model.secrets) assert.ok(!text.includes(s), 'a secret shows in what Ansible printed');
    assert.equal(r.status, 0, `ansible-playbook ${args.join(' ')} exited ${r.status}\n${text.slice(-6000)}`);
    return { run: JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as PlaybookRun, text };
  };
  /** Per host, the result of the task of that name (the last, as each host runs it once). */
  const results = (p: PlaybookRun, task: string) => {
    const m = new Map<string, TaskResult>();
    for (const play of p.plays) for (const tk of play.tasks) if (tk.task.name.endsWith(task)) for (const [h, r] of Object.entries(tk.hosts)) m.set(h, r);
    return m;
  };
  const changedHosts = (p: PlaybookRun) => HOSTS.filter((h) => p.stats[h]!.changed > 0);
  const snapshot = () => HOSTS.map((h) => listFiles(roots.get(h)!).map((f) => `${h}:${f}:${statSync(join(roots.get(h)!, f)).mtimeMs}`)).flat();

  // 1. Check mode on fresh hosts: every host changed, every file named, nothing written.
  const before = snapshot();
  const check = playbook('--check', '--diff');
  assert.deepEqual(changedHosts(check.run), HOSTS);
  const checks = results(check.run, 'Compare with the host (install.sh --check)');
  for (const b of g.bundles) {
    const r = checks.get(b.host)!;
    assert.equal(r.rc, 1, `${b.host}: install.sh --check found differences`);
    for (const f of hostFiles(b)) assert.ok(r.stdout!.includes(f.path), `${b.host}: check mode names ${f.path}`);
  }
  assert.equal(results(check.run, 'Install and apply (install.sh)').get('rs1')?.skipped, true);
  assert.deepEqual(snapshot(), before, 'check mode changed nothing on the hosts');
  assert.equal(existsSync(ipvsadmLog), false, 'check mode drained nothing');

  // 2. Apply: converges, in order.
  const apply = playbook();
  assert.deepEqual(changedHosts(apply.run), HOSTS);
  for (const b of g.bundles) {
    for (const f of hostFiles(b)) {
      const p = join(roots.get(b.host)!, f.path);
      assert.equal(readFileSync(p, 'utf8'), f.content, `${b.host}:${f.path} installed`);
      assert.equal(statSync(p).mode & 0o7777, f.mode, `${b.host}:${f.path} mode`);
    }
  }
  const installs: string[][] = [];
  for (const play of apply.run.plays) {
    for (const tk of play.tasks) {
      if (!tk.task.name.endsWith('Install and apply (install.sh)')) continue;
      const hosts = Object.entries(tk.hosts).filter(([, r]) => r.changed).map(([h]) => h);
      if (hosts.length > 0) installs.push(hosts.sort());
    }
  }
  assert.deepEqual(installs, [['rs1', 'rs2'], ['rs3'], ['gw'], ['dir1'], ['dir2']], 'real servers in batches of 2, the router, the standby (dir1), the active (dir2)');
  // Each real server drained on both directors before it changed, its weight back after.
  const drained = readFileSync(ipvsadmLog, 'utf8').trim().split('\n');
  const expected: string[] = [];
  for (const [rs, addr, w] of [['rs1', '10.1.3.4', 1], ['rs2', '10.1.3.5', 1], ['rs3', '10.1.3.6', 2]] as const) {
    void rs;
    expected.push(`10.1.3.2 -e -t 10.1.3.61:80 -r ${addr}:80 -w 0`, `10.1.3.3 -e -t 10.1.3.61:80 -r ${addr}:80 -w 0`);
    expected.push(`10.1.3.2 -e -t 10.1.3.61:80 -r ${addr}:80 -w ${w}`, `10.1.3.3 -e -t 10.1.3.61:80 -r ${addr}:80 -w ${w}`);
  }
  assert.deepEqual([...drained].sort(), [...expected].sort());
  for (const addr of ['10.1.3.4', '10.1.3.5', '10.1.3.6']) {
    const mine = drained.filter((l) => l.includes(`-r ${addr}:80`));
    assert.ok(mine.slice(0, 2).every((l) => l.endsWith(' -w 0')) && mine.slice(2).every((l) => !l.endsWith(' -w 0')), `${addr}: drained, then back:\n${mine.join('\n')}`);
  }

  // 3. A second apply changes nothing (and drains nothing).
  const again = playbook();
  assert.deepEqual(changedHosts(again.run), [], 'nothing changed the second time');
  assert.equal(readFileSync(ipvsadmLog, 'utf8').trim().split('\n').length, drained.length);

  // 4. A file changed by hand on rs2: check mode reports it there, and only there.
  const page = hostFiles(g.bundles.find((b) => b.host === 'rs2')!).find((f) => f.path.endsWith('alive.html'))!;
  writeFileSync(join(roots.get('rs2')!, page.path), 'edited by hand\n');
  const drift = playbook('--check', '--diff');
  assert.deepEqual(changedHosts(drift.run), ['rs2']);
  const r = results(drift.run, 'Compare with the host (install.sh --check)').get('rs2')!;
  assert.ok(r.stdout!.includes(page.path) && r.stdout!.includes('edited by hand'), `check mode shows the edit:\n${r.stdout}`);
  assert.match(drift.text, /edited by hand/, '--diff shows it');
});

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...listFiles(root, p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}
