// lvsgen-ipv6addr, heartbeat's resource script for a pair's IPv6 floating
// addresses (redhat, debian; issues 12, 13), proven with heartbeat's own
// scripts: ResourceManager (takegroup, givegroup, status, as heartbeat runs
// them), resource.d/IPv6addr and its OCF agent, in network namespaces this
// file creates, the bundle's script over a copy of the machine's /etc/ha.d
// (a bind mount in a mount namespace of the command's own).
//
// - haresources names each IPv6 floating address as
//   lvsgen-ipv6addr::ADDRESS/PREFIX/DEVICE, the address in full: ResourceManager
//   hands it whole to the script, which starts and stops it through IPv6addr
//   (the address held, then gone) and whose status follows the kernel's
//   address list; the compressed spelling, split at `::`, never reads as
//   running;
// - the defect (lab.test.ts's TODO until now): IPv6addr's status is the agent's
//   monitor, which pings the address and takes any ICMPv6 packet queued on its
//   raw socket for the answer. On the hand-back the other director (forwarding
//   on) has just given the address up while this node's neighbour entry still
//   points at it: its redirect comes back at once, IPv6addr reads "running",
//   and ResourceManager's takegroup skips the start, so the address is on
//   neither node. With the other node still holding the address, its echo
//   reply does the same. lvsgen-ipv6addr says "stopped" in both and takegroup
//   adds the address;
// - status is "running" only for the address with its prefix, neither
//   tentative nor dadfailed; start replaces a copy whose DAD failed (IPv6addr's
//   own start does nothing then);
// - IPv6addr's start fails when its ping of the address it has just added goes
//   unanswered (here ICMPv6 echo dropped on lo), the address left in place:
//   lvsgen-ipv6addr's start succeeds then, the address held, and fails when
//   the agent could not add it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { KINDS } from '../../src/render/kinds.js';
import { bundlesOf, link, netns, type Netns, ok, requireRoot, requireTools, tempDir } from '../support/index.js';

const EXAMPLE = 'ha-lb-ipv6';
const SCRIPT = 'etc/ha.d/resource.d/lvsgen-ipv6addr';
const RM = '/usr/share/heartbeat/ResourceManager';
const IPV6ADDR = '/etc/ha.d/resource.d/IPv6addr';
const TOOLS = ['ip', 'unshare', 'mount', 'awk', RM, IPV6ADDR] as const;
/** The floating address of EXAMPLE's first lvsgen-ipv6addr resource (lvsgen-ipv6addr::2001:db8:3:0:0:0:0:61/64/eth0), as ip prints it. */
const FLOATING = '2001:db8:3::61';
/** A resource's argument, what heartbeat passes the script: ADDRESS/PREFIX/DEVICE. */
const argOf = (resource: string) => resource.slice('lvsgen-ipv6addr::'.length);

/** The script and haresources' first line of EXAMPLE on DISTRO, asserted the same on both nodes. */
function generated(distro: string): { script: string; haresources: string; resources: string[] } {
  const g = bundlesOf(EXAMPLE, distro);
  const files = (h: string) => g.bundles.find((b) => b.host === h)!.files;
  const f = files('lvs1').find((x) => x.path === SCRIPT);
  assert.ok(f, `${distro}: lvs1 has ${SCRIPT}`);
  assert.equal(f.mode, 0o755);
  assert.equal(f.content, files('lvs2').find((x) => x.path === SCRIPT)?.content, 'the same script on both directors');
  const hr = files('lvs1').find((x) => x.path === 'etc/ha.d/haresources')!.content;
  assert.equal(hr, files('lvs2').find((x) => x.path === 'etc/ha.d/haresources')!.content, 'haresources is the same on both');
  const line = hr.split('\n').filter((l) => l && !l.startsWith('#'))[0]!;
  const lvs1 = g.model.hosts.find((h) => h.name === 'lvs1')!;
  const resources = line.split(' ').filter((x) => x.startsWith('lvsgen-ipv6addr::'));
  assert.deepEqual(KINDS.ipv6addr.contexts(lvs1), [{ addresses: resources.map(argOf) }], 'the kind applies to a node with IPv6 floating addresses');
  return { script: f.content, haresources: line, resources };
}

/** ha-lb (IPv4 floating addresses only) writes no lvsgen-ipv6addr. */
function noneWithout(distro: string): void {
  const g = bundlesOf('ha-lb', distro);
  for (const b of g.bundles) {
    assert.ok(!b.files.some((f) => f.path === SCRIPT), `${distro}/${b.host}: no ${SCRIPT} without IPv6 floating addresses`);
    const hr = b.files.find((f) => f.path === 'etc/ha.d/haresources')?.content ?? '';
    assert.doesNotMatch(hr, /ipv6addr|IPv6addr/i);
  }
}

/**
 * A copy of the machine's /etc/ha.d (heartbeat's shellfuncs, resource.d with
 * IPv6addr and hto-mapfuncs) with the bundle's script and HARESOURCES, in a
 * fresh dir; and a runner of a command in NS with that copy over /etc/ha.d and
 * heartbeat's logs (HA_LOGFILE, HA_DEBUGLOG) in the dir.
 */
function heartbeatIn(t: TestContext, ns: Netns, script: string, haresources: string) {
  const dir = tempDir(t, 'lvsgen-ipv6addr-');
  const ha = join(dir, 'ha.d');
  cpSync('/etc/ha.d', ha, { recursive: true });
  writeFileSync(join(ha, 'resource.d/lvsgen-ipv6addr'), script, { mode: 0o755 });
  writeFileSync(join(ha, 'haresources'), `${haresources}\n`);
  const log = join(dir, 'ha-log');
  writeFileSync(log, '');
  const run = (cmd: string, ...args: string[]) =>
    ns.exec('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/ha.d && exec "$@"', ha, 'env', `HA_LOGFILE=${log}`, `HA_DEBUGLOG=${log}`, cmd, ...args]);
  return {
    run,
    /** ResourceManager's `status RESOURCE`: 0 running, 3 not (we_own_resource). */
    status: (resource: string) => run(RM, 'status', resource).status,
    log: () => readFileSync(log, 'utf8'),
  };
}

/** The lines of `ip -6 -o addr show dev DEV` in NS for ADDRESS (compressed, as ip prints it). */
const addrLines = (ns: Netns, dev: string, address: string) =>
  ok(ns.ip('-6', '-o', 'addr', 'show', 'dev', dev), 'addr').stdout.split('\n').filter((l) => l.includes(` inet6 ${address}/`));

/** Two directors on one link (eth0), IPv6 forwarding on as their sysctl has it, each with its own address. */
function pair(t: TestContext): { a: Netns; b: Netns; macB: string } {
  const a = netns(t, 'lv6a');
  const b = netns(t, 'lv6b');
  link(a, 'eth0', b, 'eth0');
  for (const [ns, own] of [[a, '2001:db8:3::2/64'], [b, '2001:db8:3::3/64']] as const) {
    ok(ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1']), 'forwarding');
    ok(ns.ip('-6', 'addr', 'add', own, 'dev', 'eth0', 'nodad'), 'address');
  }
  // As on directors that have run for a while: their link-local addresses past
  // DAD (a router sends no redirect without one: the kernel's ndisc_send_redirect).
  const deadline = Date.now() + 15_000;
  const settled = (ns: Netns) => /inet6 fe80::/.test(ok(ns.ip('-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link'), 'addr').stdout) && !/tentative/.test(ns.ip('-6', '-o', 'addr', 'show', 'dev', 'eth0').stdout);
  while (!(settled(a) && settled(b)) && Date.now() < deadline) spawnSync('sleep', ['0.2']);
  assert.ok(settled(a) && settled(b), 'both link-local addresses past DAD');
  const macB = /link\/ether (\S+)/.exec(ok(b.ip('link', 'show', 'dev', 'eth0'), 'link').stdout)![1]!;
  return { a, b, macB };
}

for (const distro of ['redhat', 'debian']) {
  test(`${distro}: every IPv6 floating address is an lvsgen-ipv6addr resource after the IPaddr2 ones, in full; the script is shellcheck-clean POSIX sh; without IPv6 floating addresses there is none`, (t) => {
    const { script, haresources, resources } = generated(distro);
    assert.deepEqual(resources, ['lvsgen-ipv6addr::2001:db8:3:0:0:0:0:61/64/eth0', 'lvsgen-ipv6addr::2001:db8:6:0:0:0:0:1/64/eth1']);
    assert.match(haresources, / IPaddr2::10\.1\.3\.61\/24\/eth0 IPaddr2::192\.168\.6\.1\/24\/eth1 lvsgen-ipv6addr::/);
    assert.doesNotMatch(haresources, /IPv6addr::/, 'heartbeat\'s IPv6addr is never named directly');
    // One form: no `::` after the script's name (ResourceManager's resource2arg splits there).
    for (const r of resources) assert.match(r, /^lvsgen-ipv6addr::[0-9a-f]+(:[0-9a-f]+){7}\/\d+\/eth\d$/);
    noneWithout(distro);
    if (!requireTools(t, 'shellcheck')) return;
    const file = join(tempDir(t, 'lvsgen-ipv6addr-sc-'), 'lvsgen-ipv6addr');
    writeFileSync(file, script);
    const r = spawnSync('shellcheck', ['--shell=sh', '--severity=style', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}

test('haresources (redhat, debian): ResourceManager takegroup starts both IPv6 floating addresses through lvsgen-ipv6addr and IPv6addr, status reads them running, givegroup takes them off; the compressed spelling never reads as running', { timeout: 120_000 }, (t) => {
  if (!requireRoot(t) || !requireTools(t, ...TOOLS)) return;
  const { script, haresources, resources } = generated('redhat');
  assert.deepEqual(generated('debian'), { script, haresources, resources }, 'the same script and haresources on both distros');
  const ns = netns(t, 'lv6h');
  const own = { eth0: '2001:db8:3::2/64', eth1: '2001:db8:6::2/64' } as const;
  for (const dev of ['eth0', 'eth1'] as const) {
    ns.veth(dev);
    ok(ns.ip('link', 'set', dev, 'up'), 'up');
    ok(ns.ip('-6', 'addr', 'add', own[dev], 'dev', dev, 'nodad'), 'address');
  }
  // The IPv6 resources of the line, as one group (the IPv4 ones and ldirectord are not these scripts').
  const hb = heartbeatIn(t, ns, script, `lvs1 ${resources.join(' ')}`);
  const held = () =>
    resources.map((r) => {
      const [address, prefix, dev] = argOf(r).split('/') as [string, string, string];
      const short = address.replace(/(:0)+:/, '::');
      return addrLines(ns, dev, short).some((l) => l.includes(`/${prefix} `) && !/tentative|dadfailed/.test(l));
    });
  for (const r of resources) assert.equal(hb.status(r), 3, `${r}: stopped before`);
  assert.deepEqual(held(), [false, false]);

  ok(hb.run(RM, 'takegroup', resources[0]!), 'takegroup');
  assert.deepEqual(held(), [true, true], `both held after takegroup:\n${hb.log()}`);
  assert.match(hb.log(), /Running \/etc\/ha\.d\/resource\.d\/lvsgen-ipv6addr 2001:db8:6:0:0:0:0:1\/64\/eth1 start/, 'ResourceManager ran the script with the argument whole');
  for (const r of resources) {
    assert.equal(hb.status(r), 0, `${r}: running`);
    // The negative control: the compressed spelling reaches the script in pieces.
    const short = r.replace(/(:0)+:/, '::');
    assert.ok(short.split('::').length > 2, short);
    assert.equal(hb.status(short), 3, `${short}: split at '::', never running`);
  }
  ok(hb.run(RM, 'givegroup', resources[0]!), 'givegroup');
  assert.deepEqual(held(), [false, false], `both gone after givegroup:\n${hb.log()}`);
  for (const r of resources) assert.equal(hb.status(r), 3, `${r}: stopped after`);
  // A stop of an address not held succeeds (heartbeat reboots a node whose stop fails while it holds the resource).
  const arg = argOf(resources[1]!);
  ok(hb.run('/etc/ha.d/resource.d/lvsgen-ipv6addr', arg, 'stop'), 'stop when stopped');
});

test('the hand-back (issues 12, 13): the other director has just given the address up, this node\'s neighbour entry still points at it; IPv6addr\'s status takes its redirect for an answer and takegroup skips the address (on neither node); lvsgen-ipv6addr says stopped and takegroup adds it', { timeout: 120_000 }, (t) => {
  if (!requireRoot(t) || !requireTools(t, ...TOOLS, 'sysctl')) return;
  const { script, resources } = generated('debian');
  const res = resources[0]!; // lvsgen-ipv6addr::2001:db8:3:0:0:0:0:61/64/eth0
  const plain = res.replace(/^lvsgen-ipv6addr::/, 'IPv6addr::');
  const { a, b, macB } = pair(t);
  const hbPlain = heartbeatIn(t, a, script, `lvs1 ${plain}`);
  const hb = heartbeatIn(t, a, script, `lvs1 ${res}`);
  // lvs2 held the address until now (nodad: nobody else has it), and lvs1 reached it there.
  const handBack = () => {
    ok(b.ip('-6', 'addr', 'add', `${FLOATING}/64`, 'dev', 'eth0', 'nodad'), 'lvs2 holds it');
    ok(a.ip('-6', 'neigh', 'replace', FLOATING, 'lladdr', macB, 'dev', 'eth0', 'nud', 'reachable'), 'neighbour entry');
    ok(b.ip('-6', 'addr', 'del', `${FLOATING}/64`, 'dev', 'eth0'), 'lvs2 gives it up');
  };

  // The defect, with heartbeat's own IPv6addr.
  handBack();
  ok(hbPlain.run(RM, 'takegroup', plain), 'takegroup (IPv6addr)');
  assert.deepEqual([addrLines(a, 'eth0', FLOATING), addrLines(b, 'eth0', FLOATING)], [[], []], `IPv6addr: on neither node:\n${hbPlain.log()}`);
  assert.doesNotMatch(hbPlain.log(), /IPv6addr \S+ start/, 'IPv6addr: heartbeat never started it');
  assert.match(hbPlain.log(), /Running OK/, 'IPv6addr\'s status (its monitor) said running');

  // lvsgen-ipv6addr in the same situation.
  handBack();
  assert.equal(hb.status(res), 3, 'lvsgen-ipv6addr: stopped');
  ok(hb.run(RM, 'takegroup', res), 'takegroup (lvsgen-ipv6addr)');
  assert.match(hb.log(), /lvsgen-ipv6addr 2001:db8:3:0:0:0:0:61\/64\/eth0 start/);
  const lines = addrLines(a, 'eth0', FLOATING);
  assert.equal(lines.length, 1, `lvsgen-ipv6addr: held by lvs1:\n${hb.log()}`);
  assert.doesNotMatch(lines[0]!, /tentative|dadfailed/);
  assert.deepEqual(addrLines(b, 'eth0', FLOATING), []);
  assert.equal(hb.status(res), 0, 'running once held');
  ok(hb.run(RM, 'givegroup', res), 'givegroup');
  assert.deepEqual(addrLines(a, 'eth0', FLOATING), []);
});

test('status while the other node holds the address (its echo reply queued at once): IPv6addr says running, lvsgen-ipv6addr stopped; running only for the address with its prefix, neither tentative nor dadfailed; start replaces a copy whose DAD failed', { timeout: 120_000 }, (t) => {
  if (!requireRoot(t) || !requireTools(t, ...TOOLS, 'sysctl')) return;
  const { script, resources } = generated('redhat');
  const res = resources[0]!;
  const arg = argOf(res);
  const { a, b, macB } = pair(t);
  const hb = heartbeatIn(t, a, script, `lvs1 ${res}`);
  const wrapper = (action: string) => hb.run('/etc/ha.d/resource.d/lvsgen-ipv6addr', arg, action);
  const status = () => {
    const r = wrapper('status');
    assert.equal(r.stdout, r.status === 0 ? 'running\n' : 'stopped\n', 'running (exit 0) or stopped (exit 3)');
    return r.status;
  };

  // lvs2 holds it; lvs1's neighbour entry points there.
  ok(b.ip('-6', 'addr', 'add', `${FLOATING}/64`, 'dev', 'eth0', 'nodad'), 'lvs2 holds it');
  ok(a.ip('-6', 'neigh', 'replace', FLOATING, 'lladdr', macB, 'dev', 'eth0', 'nud', 'reachable'), 'neighbour entry');
  assert.equal(hb.status(res.replace(/^lvsgen-ipv6addr::/, 'IPv6addr::')), 0, 'IPv6addr: running, for the other node\'s echo reply');
  assert.equal(hb.status(res), 3, 'lvsgen-ipv6addr: stopped');
  assert.equal(status(), 3);

  // A copy on lvs1 whose DAD fails (lvs2 answers for it): dadfailed, not running.
  ok(a.ip('-6', 'addr', 'add', `${FLOATING}/64`, 'dev', 'eth0'), 'lvs1 adds it with DAD');
  const deadline = Date.now() + 10_000;
  while (!addrLines(a, 'eth0', FLOATING).some((l) => l.includes('dadfailed')) && Date.now() < deadline) spawnSync('sleep', ['0.2']);
  assert.match(addrLines(a, 'eth0', FLOATING).join('\n'), /dadfailed/);
  assert.equal(status(), 3, 'dadfailed: stopped');
  // lvs2 gives it up; start takes the failed copy off and IPv6addr adds it anew.
  ok(b.ip('-6', 'addr', 'del', `${FLOATING}/64`, 'dev', 'eth0'), 'lvs2 gives it up');
  ok(wrapper('start'), 'start');
  const held = addrLines(a, 'eth0', FLOATING);
  assert.equal(held.length, 1, held.join('\n'));
  assert.doesNotMatch(held[0]!, /tentative|dadfailed/, 'held, DAD passed');
  assert.equal(status(), 0, 'held: running');
  ok(wrapper('stop'), 'stop');
  assert.equal(status(), 3, 'stopped');

  // Tentative (DAD still running: many probes, a long wait between them): not running.
  ok(a.exec('sysctl', ['-qw', 'net.ipv6.conf.eth0.dad_transmits=50']), 'dad_transmits');
  ok(a.ip('-6', 'addr', 'add', `${FLOATING}/64`, 'dev', 'eth0'), 'tentative');
  assert.match(addrLines(a, 'eth0', FLOATING).join('\n'), /tentative/);
  assert.equal(status(), 3, 'tentative: stopped');
  ok(a.ip('-6', 'addr', 'del', `${FLOATING}/64`, 'dev', 'eth0'), 'del');
  // The address with another prefix, or on another device: not this resource.
  ok(a.ip('-6', 'addr', 'add', `${FLOATING}/128`, 'dev', 'eth0', 'nodad'), '/128');
  assert.equal(status(), 3, 'another prefix: stopped');
  ok(a.ip('-6', 'addr', 'del', `${FLOATING}/128`, 'dev', 'eth0'), 'del');
  ok(a.ip('-6', 'addr', 'add', `${FLOATING}/64`, 'dev', 'lo', 'nodad'), 'on lo');
  assert.equal(status(), 3, 'another device: stopped');
  ok(a.ip('-6', 'addr', 'del', `${FLOATING}/64`, 'dev', 'lo'), 'del');
  // The control: the same address as it should be.
  ok(a.ip('-6', 'addr', 'add', `${FLOATING}/64`, 'dev', 'eth0', 'nodad'), 'held');
  assert.equal(status(), 0, 'held: running');
  ok(wrapper('stop'), 'stop');
  assert.deepEqual(addrLines(a, 'eth0', FLOATING), []);
});

test('IPv6addr\'s start fails when its ping of the address it added goes unanswered (ICMPv6 echo dropped on lo), the address left on the device; lvsgen-ipv6addr\'s start then succeeds with the address held, and fails where it is not held', { timeout: 120_000 }, (t) => {
  if (!requireRoot(t) || !requireTools(t, ...TOOLS, 'ip6tables')) return;
  const { script, resources } = generated('debian');
  const res = resources[0]!;
  const arg = argOf(res);
  const ns = netns(t, 'lv6f');
  ns.veth('eth0');
  ok(ns.ip('link', 'set', 'eth0', 'up'), 'up');
  ok(ns.ip('-6', 'addr', 'add', '2001:db8:3::2/64', 'dev', 'eth0', 'nodad'), 'address');
  const hb = heartbeatIn(t, ns, script, `lvs1 ${res}`);
  ok(ns.exec('ip6tables', ['-A', 'OUTPUT', '-o', 'lo', '-p', 'ipv6-icmp', '--icmpv6-type', 'echo-request', '-j', 'DROP']), 'ip6tables');
  // The control: heartbeat's IPv6addr fails its start (heartbeat would give the group up).
  const plain = hb.run(IPV6ADDR, arg, 'start');
  assert.notEqual(plain.status, 0, `IPv6addr start failed: ${plain.stdout}${plain.stderr}`);
  assert.equal(addrLines(ns, 'eth0', FLOATING).length, 1, 'and left the address on eth0');
  ok(hb.run(IPV6ADDR, arg, 'stop'), 'IPv6addr stop');
  assert.deepEqual(addrLines(ns, 'eth0', FLOATING), []);
  const ours = hb.run('/etc/ha.d/resource.d/lvsgen-ipv6addr', arg, 'start');
  assert.equal(ours.status, 0, ours.stdout + ours.stderr);
  assert.match(ours.stderr, /IPv6addr's start failed \(exit \d+\), but 2001:db8:3:0:0:0:0:61 is held/);
  assert.equal(hb.status(res), 0, 'running');
  ok(hb.run('/etc/ha.d/resource.d/lvsgen-ipv6addr', arg, 'stop'), 'stop');
  assert.deepEqual(addrLines(ns, 'eth0', FLOATING), []);
  // An address the agent cannot add (its device does not exist): the failure stands.
  const nowhere = hb.run('/etc/ha.d/resource.d/lvsgen-ipv6addr', `${FLOATING.replace('::', ':0:0:0:0:')}/64/eth9`, 'start');
  assert.notEqual(nowhere.status, 0, `no eth9: start fails\n${nowhere.stdout}${nowhere.stderr}`);
  assert.doesNotMatch(nowhere.stderr, /is held/);
  assert.deepEqual(addrLines(ns, 'eth0', FLOATING), []);
});
