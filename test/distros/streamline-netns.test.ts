// Streamline on debian12, for real (ARP and addresses; no IPVS in this
// kernel): the router and both nodes in network namespaces on one bridge,
// each node's sysctl drop-in applied first (as systemd-sysctl does at boot;
// its net.ipv4.vs key needs ip_vs, absent here) and its interfaces brought up
// with ifupdown, then the bundle's keepalived.conf run by keepalived (VRRP
// only, without its lvs_sync_daemon line: no IPVS here). Proves the mechanism docs/pairs.md describes: both nodes hold the
// virtual address on lo without answering ARP for it; the master holds it on
// eth0 too and is the one the router reaches; a packet sent to the standby's
// MAC (as direct routing forwards it) is answered by the standby; after a
// failover the other node answers ARP and the lo copies stay. The negative
// control: without the drop-in's arp_ignore, a node answers ARP for an
// address it holds only on lo.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ifupAll, interfacesOf, lan, netns, type Netns, ok, renderCase, requireRoot, requireTools, spawnIn, stop, tempDir, TODAY_CASES, until } from '../support/index.js';

const VIP = '192.168.6.240';

test('streamline/debian12 in namespaces: both nodes hold the virtual address on a non-ARPing lo; keepalived puts it on the master\'s eth0, which alone answers ARP; the standby answers packets sent to its MAC; after a failover the roles swap', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'ifup', 'keepalived', 'busybox', 'sysctl')) return;
  const c = TODAY_CASES.find((x) => x.example === 'streamline' && x.distro === 'debian12')!;
  const r = await renderCase(t, c);
  const work = tempDir(t, 'lvsgen-sl-');
  const net = lan(t);
  const hosts: Record<string, Netns> = {};
  for (const h of ['router', 'node1', 'node2']) {
    hosts[h] = netns(t, 'lvs');
    net.join(hosts[h], 'eth0');
  }
  const router = hosts.router!;
  const state = (h: string) => {
    const d = join(work, `${h}-state`);
    mkdirSync(d, { recursive: true });
    return d;
  };
  // The router needs only eth0 here (its upstream side plays no part).
  ok(router.ip('addr', 'add', '192.168.6.1/24', 'dev', 'eth0'), 'router address');
  for (const n of ['node1', 'node2']) {
    const dropIn = r.read(n, '/etc/sysctl.d/90-lvsgen.conf');
    assert.match(dropIn, /^net\.ipv4\.vs\.backup_only = 1$/m, `${n}: backup_only`);
    const file = join(work, `${n}-sysctl.conf`);
    writeFileSync(file, dropIn.split('\n').filter((l) => !l.startsWith('net.ipv4.vs.')).join('\n'));
    ok(hosts[n]!.exec('sysctl', ['-p', file]), `${n}: sysctl -p`);
    ifupAll(hosts[n]!, interfacesOf(r, n, work), state(n));
    assert.match(ok(hosts[n]!.ip('-4', 'addr', 'show', 'dev', 'lo'), 'lo').stdout, new RegExp(`inet ${VIP.replaceAll('.', '\\.')}/32 .*lo:0`), `${n}: the virtual address on lo:0`);
  }

  const macOf = (n: string) => /link\/ether (\S+)/.exec(ok(hosts[n]!.ip('link', 'show', 'dev', 'eth0'), 'link').stdout)![1]!;
  const onEth0 = (n: string) => ok(hosts[n]!.ip('-4', 'addr', 'show', 'dev', 'eth0'), 'addr').stdout.includes(`inet ${VIP}/24`);
  const onLo = (n: string) => ok(hosts[n]!.ip('-4', 'addr', 'show', 'dev', 'lo'), 'addr').stdout.includes(`inet ${VIP}/32`);
  /** ARP for the virtual address from the router: the MAC that answered, or undefined. */
  const arp = () => {
    router.ip('neigh', 'flush', 'dev', 'eth0');
    const reply = router.exec('busybox', ['arping', '-c', '1', '-w', '2', '-I', 'eth0', VIP]);
    return /\[([0-9a-f:]{17})\]/i.exec(reply.stdout)?.[1]?.toLowerCase();
  };
  /** Ping the virtual address at a given node's MAC (what the router's ARP, or a director's direct routing, decides). */
  const pingAt = (n: string) => {
    ok(router.ip('neigh', 'replace', VIP, 'lladdr', macOf(n), 'dev', 'eth0', 'nud', 'permanent'), 'neigh');
    const ran = router.exec('busybox', ['ping', '-c', '1', '-W', '2', VIP]).status === 0;
    router.ip('neigh', 'del', VIP, 'dev', 'eth0');
    return ran;
  };

  // Before keepalived: both hold it on lo, neither answers ARP, yet each accepts packets sent to its MAC.
  assert.equal(arp(), undefined, 'nobody answers ARP for an address held only on a non-ARPing lo');
  assert.ok(pingAt('node1') && pingAt('node2'), 'each node accepts the virtual address as a real server');

  // The one change to keepalived.conf: no lvs_sync_daemon line (keepalived's
  // VRRP process needs ip_vs for it, and this kernel has none: it crashes).
  const confOf = (n: string) => {
    const text = r.read(n, '/etc/keepalived/keepalived.conf');
    const kept = text.split('\n').filter((l) => !/^\tlvs_sync_daemon /.test(l));
    assert.equal(kept.length, text.split('\n').length - 1, `${n}: one lvs_sync_daemon line`);
    const file = join(work, `${n}-keepalived.conf`);
    writeFileSync(file, kept.join('\n'));
    return file;
  };
  const keepalived = (n: string) =>
    spawnIn(t, hosts[n]!, 'keepalived', [
      '--dont-fork', '--log-console', '--vrrp',
      '-f', confOf(n),
      '-p', join(work, `${n}.pid`), '-r', join(work, `${n}-vrrp.pid`), '-c', join(work, `${n}-checkers.pid`),
    ]);
  const k1 = keepalived('node1');
  await until(`node1 to hold the virtual address on eth0:\n${k1.output()}`, () => onEth0('node1'), 30_000);
  const k2 = keepalived('node2');
  await until('the router\'s ARP to reach node1', () => arp() === macOf('node1'), 30_000);
  assert.equal(onEth0('node2'), false, `node2 stays backup:\n${k2.output()}`);
  assert.ok(onLo('node1') && onLo('node2'), 'the lo copies stay under keepalived');
  assert.ok(pingAt('node2'), 'the standby answers a packet sent to its MAC (the active director\'s direct routing)');

  await stop(k1);
  await until(`node2 to take over:\n${k2.output()}`, () => onEth0('node2'), 30_000);
  assert.equal(onEth0('node1'), false, 'node1 gave the address up on eth0');
  await until('the router\'s ARP to reach node2', () => arp() === macOf('node2'), 30_000);
  assert.ok(onLo('node1'), 'node1 keeps the lo copy and answers as a real server');
  assert.ok(pingAt('node1'), 'the old master now answers as a real server');

  // Negative control: the same node without arp_ignore answers ARP for its lo address.
  ok(hosts.node1!.exec('sysctl', ['-w', 'net.ipv4.conf.all.arp_ignore=0', 'net.ipv4.conf.eth0.arp_ignore=0']), 'arp_ignore off');
  await stop(k2);
  await until('node2 to give the address up', () => !onEth0('node2'), 30_000);
  assert.equal(arp(), macOf('node1'), 'without arp_ignore, node1 answers ARP for the address it holds only on lo');
});
