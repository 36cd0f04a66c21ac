// Seed 001 on debian12, for real: the router and both nodes in network
// namespaces on one bridge, every interfaces file applied with ifupdown (the
// bundle's drop-ins), the router's sysctl drop-in applied, and the bundle's
// keepalived.conf run by keepalived (VRRP only: no IPVS here). The floating
// address goes to the preferred node, the router reaches the virtual network
// through it, and when that node's keepalived stops the address and the
// traffic move to the other node. Before keepalived runs, nothing answers.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ifupAll, interfacesOf, lan, link, netns, type Netns, ok, renderCase, requireRoot, requireTools, spawnIn, stop, tempDir, TODAY_CASES, until } from '../support/index.js';

const FLOATING = '192.168.6.240';

test('ha-cidr/debian12 in namespaces: keepalived moves the floating address to node1, the router reaches 192.168.0.0/24 through it, a reload (SIGHUP) keeps it on node1, and on node1\'s failure node2 takes over', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'ifup', 'keepalived', 'busybox', 'sysctl')) return;
  const c = TODAY_CASES.find((x) => x.example === 'ha-cidr' && x.distro === 'debian12')!;
  const r = await renderCase(t, c);
  const work = tempDir(t, 'lvsgen-vrrp-');
  const net = lan(t);
  const hosts: Record<string, Netns> = {};
  for (const h of ['router', 'node1', 'node2']) {
    hosts[h] = netns(t, 'lvv');
    net.join(hosts[h], 'eth0');
  }
  // The router's upstream side: a link to nowhere (its address still comes up).
  const upstream = netns(t, 'lvu');
  link(hosts.router!, 'eth1', upstream, 'eth0');

  for (const [h, ns] of Object.entries(hosts)) {
    const state = join(work, `${h}-state`);
    mkdirSync(state);
    ifupAll(ns, interfacesOf(r, h, work), state);
  }
  ok(hosts.router!.exec('sysctl', ['-p', r.file('router', '/etc/sysctl.d/90-lvsgen.conf')]), 'router sysctl.d');
  assert.equal(hosts.router!.exec('sysctl', ['-n', 'net.ipv4.ip_forward']).stdout.trim(), '1');
  // What the seed checks on the router and the nodes.
  assert.match(ok(hosts.router!.ip('route', 'list', '192.168.0.0/24'), 'route').stdout, /^192\.168\.0\.0\/24 via 192\.168\.6\.240 dev eth0/m);
  for (const n of ['node1', 'node2']) {
    assert.match(ok(hosts[n]!.ip('-4', 'addr', 'show', 'dev', 'lo'), 'lo').stdout, /inet 192\.168\.0\.0\/24 .*lo:0/);
    assert.match(ok(hosts[n]!.ip('route', 'show', '0/0'), 'default').stdout, /^default via 192\.168\.6\.1 dev eth0/m);
  }

  const ping = () => hosts.router!.exec('busybox', ['ping', '-c', '1', '-W', '2', '192.168.0.7']).status === 0;
  const holds = (n: string) => ok(hosts[n]!.ip('-4', 'addr', 'show', 'dev', 'eth0'), 'addr').stdout.includes(`inet ${FLOATING}/24`);
  const macOf = (n: string) => /link\/ether (\S+)/.exec(ok(hosts[n]!.ip('link', 'show', 'dev', 'eth0'), 'link').stdout)![1]!;
  const routerSees = () => /lladdr (\S+)/.exec(hosts.router!.ip('neigh', 'show', FLOATING).stdout)?.[1];
  assert.equal(ping(), false, 'negative control: without keepalived nobody holds the floating address');

  const keepalived = (n: string) =>
    spawnIn(t, hosts[n]!, 'keepalived', [
      '--dont-fork', '--log-console', '--vrrp',
      '-f', r.file(n, '/etc/keepalived/keepalived.conf'),
      '-p', join(work, `${n}.pid`), '-r', join(work, `${n}-vrrp.pid`), '-c', join(work, `${n}-checkers.pid`),
    ]);
  // node1 first (both start as BACKUP with nopreempt: the first to time out becomes master).
  const k1 = keepalived('node1');
  await until('node1 to hold the floating address', () => holds('node1'), 30_000);
  const k2 = keepalived('node2');
  await until('the router to reach the virtual network', ping, 30_000);
  assert.equal(routerSees(), macOf('node1'), 'the router reaches the floating address at node1');
  assert.equal(holds('node2'), false, `node2 stays backup:\n${k2.output()}`);

  // Reload, not restart (issue 15): what the installer runs on a running keepalived
  // (systemctl reload: the unit's ExecReload, SIGHUP to its main pid) keeps the
  // master MASTER with its address for longer than the peer's master-down timer
  // (3 adverts and a skew): the peer never takes it.
  const mainPid = Number(readFileSync(join(work, 'node1.pid'), 'utf8').trim());
  const reloads = () => (k1.output().match(/Reloading/g) ?? []).length;
  const before = reloads();
  process.kill(mainPid, 'SIGHUP');
  await until(`node1's keepalived to reload:\n${k1.output()}`, () => reloads() > before, 30_000);
  const advert = Number(/advert_int (\d+)/.exec(readFileSync(r.file('node1', '/etc/keepalived/keepalived.conf'), 'utf8'))?.[1] ?? '1');
  for (const end = Date.now() + (3 * advert + 2) * 1000; Date.now() < end; ) {
    assert.ok(holds('node1') && !holds('node2'), `the reload moved the floating address:\n${k1.output()}\n${k2.output()}`);
    await new Promise((res) => setTimeout(res, 250));
  }

  await stop(k1);
  await until(`node2 to take over:\n${k2.output()}`, () => holds('node2'), 30_000);
  assert.equal(holds('node1'), false, 'node1 gave the address up');
  await until('the router to reach the virtual network again', ping, 30_000);
  assert.equal(routerSees(), macOf('node2'), 'gratuitous ARP moved the router to node2');
});
