// High capacity on debian12, for real (issue 13): two VRRP pairs of directors
// on one LAN, each with its own virtual_router_id and password, stay apart.
// All four directors in network namespaces on one bridge, their interfaces
// files applied with ifupdown, the bundle's keepalived.conf run by keepalived
// (VRRP only, and without its lvs_sync_daemon line: no IPVS here). Each pair's floating address goes to its own
// preferred node and to no node of the other pair; when pair web's master
// stops, its peer takes 192.168.6.240 and pair tun's address does not move.
// No keepalived ever takes an advert of the other pair for its own instance's.
// The negative control gives pair tun pair web's router id and password (what
// validation refuses as "clashing router ids"): then keepalived does.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ifupAll, interfacesOf, keepalivedVrrp, lan, netns, vrrpOnlyConf, type Netns, ok, renderCase, requireRoot, requireTools, spawnIn, stop, tempDir, TODAY_CASES, until } from '../support/index.js';

const WEB = '192.168.6.240'; // pair web: lvs1, lvs2
const TUN = '192.168.6.241'; // pair tun: lvs3, lvs4
const DIRECTORS = ['lvs1', 'lvs2', 'lvs3', 'lvs4'] as const;

interface Cluster {
  hosts: Record<string, Netns>;
  /** The directors that hold ADDR on eth0, in DIRECTORS order. */
  holders(addr: string): string[];
  /** keepalived (VRRP only) on HOST with CONF. */
  start(host: string, conf: string): ReturnType<typeof spawnIn>;
  conf(host: string): string;
  work: string;
}

async function cluster(t: TestContext): Promise<Cluster> {
  const c = TODAY_CASES.find((x) => x.example === 'high-capacity' && x.distro === 'debian12')!;
  const r = await renderCase(t, c);
  const work = tempDir(t, 'lvsgen-pairs-');
  const net = lan(t);
  const hosts: Record<string, Netns> = {};
  for (const h of DIRECTORS) {
    hosts[h] = netns(t, 'lvp');
    net.join(hosts[h], 'eth0');
    const state = join(work, `${h}-state`);
    mkdirSync(state);
    ifupAll(hosts[h], interfacesOf(r, h, work), state);
  }
  return {
    hosts,
    work,
    holders: (addr) => DIRECTORS.filter((h) => ok(hosts[h]!.ip('-4', 'addr', 'show', 'dev', 'eth0'), 'addr').stdout.includes(`inet ${addr}/24`)),
    conf: (h) => vrrpOnlyConf(r, h, work),
    start: (h, conf) => keepalivedVrrp(t, hosts[h]!, conf, work, h),
  };
}

/** What keepalived logs when an advert for its VRID comes from a node of another instance (keepalived's vrrp.c, vrrp_check_packet). */
const CROSSTALK = /not present in MASTER advert|received an invalid passwd|bad authentication|wrong virtual router id/i;
const logs = (ks: ReturnType<typeof spawnIn>[]) => ks.map((k) => k.output().split('\n').slice(-15).join('\n')).join('\n---\n');

test('high-capacity/debian12 in namespaces: two VRRP pairs on one LAN each keep their own address, and a failover in one leaves the other alone', { timeout: 180_000 }, async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'ifup', 'keepalived')) return;
  const c = await cluster(t);
  const ids = DIRECTORS.map((h) => /virtual_router_id (\d+)/.exec(readFileSync(c.conf(h), 'utf8'))?.[1]);
  assert.equal(ids[0], ids[1], 'a pair shares its router id');
  assert.equal(ids[2], ids[3], 'a pair shares its router id');
  assert.notEqual(ids[0], ids[2], 'the two pairs have different router ids');

  // The preferred node of each pair first (nopreempt: the first to time out becomes master).
  const k: Record<string, ReturnType<typeof spawnIn>> = {};
  k.lvs1 = c.start('lvs1', c.conf('lvs1'));
  k.lvs3 = c.start('lvs3', c.conf('lvs3'));
  await until('each pair\'s preferred node to hold its address', () => c.holders(WEB).join() === 'lvs1' && c.holders(TUN).join() === 'lvs3', 60_000);
  k.lvs2 = c.start('lvs2', c.conf('lvs2'));
  k.lvs4 = c.start('lvs4', c.conf('lvs4'));
  const all = () => Object.values(k);
  // Three advert intervals and more: the backups heard their masters and stayed backups.
  const advert = Number(/advert_int (\d+)/.exec(readFileSync(c.conf('lvs1'), 'utf8'))?.[1] ?? '1');
  for (const end = Date.now() + (3 * advert + 3) * 1000; Date.now() < end; ) {
    assert.deepEqual([c.holders(WEB), c.holders(TUN)], [['lvs1'], ['lvs3']], `each address stays on its own pair's master:\n${logs(all())}`);
    await new Promise((res) => setTimeout(res, 500));
  }

  assert.ok(!all().some((x) => CROSSTALK.test(x.output())), `no node heard the other pair's adverts as its own instance's:\n${logs(all())}`);
  await stop(k.lvs1);
  await until(`lvs2 to take ${WEB} over:\n${logs(all())}`, () => c.holders(WEB).join() === 'lvs2', 60_000);
  assert.deepEqual(c.holders(TUN), ['lvs3'], 'pair tun did not move');
  // and pair tun's own failover leaves pair web alone
  await stop(k.lvs3);
  await until(`lvs4 to take ${TUN} over:\n${logs(all())}`, () => c.holders(TUN).join() === 'lvs4', 60_000);
  assert.deepEqual(c.holders(WEB), ['lvs2'], 'pair web did not move');
  assert.ok(!all().some((x) => CROSSTALK.test(x.output())), `no node heard the other pair's adverts as its own instance's:\n${logs(all())}`);
});

test('high-capacity/debian12 negative control: pair tun given pair web\'s router id and password joins pair web\'s election: keepalived sees the other pair\'s adverts as its own instance\'s', { timeout: 180_000 }, async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'ifup', 'keepalived')) return;
  const c = await cluster(t);
  const web = readFileSync(c.conf('lvs1'), 'utf8');
  const webId = /virtual_router_id (\d+)/.exec(web)![1]!;
  const webPass = /auth_pass (.*)/.exec(web)![1]!;
  // lvs3 clashes with pair web (what validation refuses as clashing router ids): same id and password
  const clash = join(c.work, 'lvs3-clash.conf');
  writeFileSync(clash, readFileSync(c.conf('lvs3'), 'utf8')
    .replace(/virtual_router_id \d+/, `virtual_router_id ${webId}`)
    .replace(/auth_pass .*/, `auth_pass ${webPass}`), { mode: 0o600 });
  const k = [c.start('lvs1', c.conf('lvs1')), c.start('lvs3', clash)];
  await until(`keepalived to take the other pair's adverts for its own instance's:\n${logs(k)}`, () => k.some((x) => CROSSTALK.test(x.output())), 60_000);
  assert.match(logs(k), new RegExp(`VRID ${webId} not present in MASTER advert`));
});
