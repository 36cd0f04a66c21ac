// IPv6 floating addresses for a pair of directors (issue 14,
// examples/ha-lb-ipv6.yaml), proven with the consumers:
// - keepalived --config-test takes each node's keepalived.conf (an IPv4
//   instance, an IPv6 one of VRRP version 3 without authentication, a sync
//   group of the two) silently, and says what it drops from a copy that mixes
//   the families in one instance (why there are two);
// - keepalived in namespaces (VRRP only): both directors on the bundle's two
//   LANs, their interfaces brought up by ifupdown, a real server beside them
//   whose IPv6 default route ifupdown sets to the pair's IPv6 floating address.
//   The preferred node takes all four floating addresses (IPv4 and IPv6) and
//   the real server reaches its IPv6 gateway there; when it stops, the other
//   node takes all four and the real server's gateway moves with them. Before
//   keepalived runs, nobody holds any and the gateway does not answer.
// heartbeat's (redhat, debian) resource script for them, lvsgen-ipv6addr, is
// proven with heartbeat's own scripts in ipv6addr.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundlesOf, exampleFile, ifupAll, interfacesOf, keepalivedVrrp, lan, netns, vrrpOnlyConf, type Netns, ok, renderCase, requireRoot, requireTools, stop, tempDir, TODAY_CASES, until } from '../support/index.js';

const EXAMPLE = 'ha-lb-ipv6';
const FLOATING = { eth0: ['10.1.3.61', '2001:db8:3::61'], eth1: ['192.168.6.1', '2001:db8:6::1'] } as const;
const KEY = 'example-only-change-me';
const fileOf = (distro: string, host: string, path: string) => exampleFile(EXAMPLE, distro, host, path);
/** One vrrp_instance block of a keepalived.conf, by name. */
const instance = (conf: string, name: string) => new RegExp(`^vrrp_instance ${name} \\{\\n[^]*?\\n\\}$`, 'm').exec(conf)?.[0];

test('keepalived.conf of each director (debian12, rhel9): the IPv4 addresses in the VRRP instance with the password, the IPv6 ones in a version 3 instance without one (same router id), both in a sync group; keepalived --config-test takes it silently and drops an address of the other family', (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'keepalived')) return;
  // keepalived checks that each interface it names exists: eth0 and eth1 in a scratch namespace.
  const ns = netns(t, 'lv6k');
  for (const dev of ['eth0', 'eth1']) ns.veth(dev);
  const dir = tempDir(t, 'lvsgen-v6k-');
  for (const distro of ['debian12', 'rhel9']) {
    for (const host of ['lvs1', 'lvs2']) {
      const conf = fileOf(distro, host, 'etc/keepalived/keepalived.conf');
      const v4 = instance(conf, EXAMPLE);
      const v6 = instance(conf, `${EXAMPLE}-ipv6`);
      assert.ok(v4 && v6, `${distro}/${host}: two instances\n${conf}`);
      assert.match(v4, /^\t\t10\.1\.3\.61\/24 dev eth0\n\t\t192\.168\.6\.1\/24 dev eth1\n/m);
      assert.match(v4, /auth_pass "example-"/);
      assert.doesNotMatch(v4, /2001:/);
      assert.match(v6, /^\tversion 3$/m);
      assert.match(v6, /^\t\t2001:db8:3::61\/64 dev eth0\n\t\t2001:db8:6::1\/64 dev eth1\n/m);
      // VRRP version 3 has no authentication (RFC 5798): no password, nor any of the key, there.
      assert.doesNotMatch(v6, /authentication|auth_|example-/);
      assert.equal((conf.match(/example-/g) ?? []).length, 1, 'the password once, in the IPv4 instance');
      assert.ok(!conf.includes(KEY), 'the key itself is nowhere');
      assert.equal(/virtual_router_id (\d+)/.exec(v6)![1], /virtual_router_id (\d+)/.exec(v4)![1], 'one router id per pair (VRRP ids are per address family)');
      assert.equal(/priority (\d+)/.exec(v6)![1], /priority (\d+)/.exec(v4)![1]);
      assert.match(conf, new RegExp(`^vrrp_sync_group ${EXAMPLE}-pair \\{\\n\\tgroup \\{\\n\\t\\t${EXAMPLE}\\n\\t\\t${EXAMPLE}-ipv6\\n\\t\\}\\n\\}$`, 'm'));
      // The negative control: one address of the other family in the IPv4 instance, which keepalived drops.
      const mixed = conf.replace('\t\t192.168.6.1/24 dev eth1\n', '\t\t192.168.6.1/24 dev eth1\n\t\t2001:db8:6::9/64 dev eth1\n');
      const inNs = (text: string) => {
        const f = join(dir, `${distro}-${host}-${text === conf ? 'good' : 'mixed'}.conf`);
        writeFileSync(f, text, { mode: 0o600 });
        return ns.exec('keepalived', [`--config-test=${f}.log`, '-f', f]);
      };
      const good = inNs(conf);
      assert.equal(good.status, 0, good.stdout + good.stderr);
      assert.equal(readFileSync(join(dir, `${distro}-${host}-good.conf.log`), 'utf8').trim(), '');
      inNs(mixed);
      assert.match(readFileSync(join(dir, `${distro}-${host}-mixed.conf.log`), 'utf8'), /address family must match VRRP instance \[2001:db8:6::9\/64\]/);
    }
  }
});

test('ha-lb-ipv6/debian12 in namespaces: the preferred director holds the IPv4 and IPv6 floating addresses and is the real server\'s IPv6 gateway; when it stops, the other holds all four and the gateway moves with them', { timeout: 180_000 }, async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ip', 'ifup', 'keepalived', 'busybox')) return;
  const c = TODAY_CASES.find((x) => x.example === EXAMPLE && x.distro === 'debian12')!;
  const r = await renderCase(t, c);
  const work = tempDir(t, 'lvsgen-vrrp6-');
  const ext = lan(t);
  const srv = lan(t);
  const hosts: Record<string, Netns> = {};
  for (const h of ['lvs1', 'lvs2', 'real1']) {
    hosts[h] = netns(t, 'lv6');
    if (h !== 'real1') ext.join(hosts[h], 'eth0');
    srv.join(hosts[h], h === 'real1' ? 'eth0' : 'eth1');
    const state = join(work, `${h}-state`);
    mkdirSync(state);
    ifupAll(hosts[h], interfacesOf(r, h, work), state);
  }
  // ifupdown set the real server's IPv6 default route to the pair's floating address.
  assert.match(ok(hosts.real1!.ip('-6', 'route', 'show', 'default'), 'route').stdout, /^default via 2001:db8:6::1 dev eth0/m);
  const held = (n: string) =>
    (['eth0', 'eth1'] as const).flatMap((dev) => {
      const out = ok(hosts[n]!.ip('addr', 'show', 'dev', dev), 'addr').stdout;
      return FLOATING[dev].filter((a) => new RegExp(`inet6? ${a.replace(/\./g, '\\.')}/`).test(out));
    });
  const ALL = [...FLOATING.eth0, ...FLOATING.eth1];
  const gateway = () => hosts.real1!.exec('busybox', ['ping', '-6', '-c', '1', '-W', '2', '2001:db8:6::1']).status === 0;
  const macOf = (n: string) => /link\/ether (\S+)/.exec(ok(hosts[n]!.ip('link', 'show', 'dev', 'eth1'), 'link').stdout)![1]!;
  const realSees = () => /lladdr (\S+)/.exec(hosts.real1!.ip('-6', 'neigh', 'show', '2001:db8:6::1').stdout)?.[1];
  // The negative control: before keepalived runs, nobody holds any of them and the gateway is silent.
  assert.deepEqual([held('lvs1'), held('lvs2')], [[], []]);
  assert.equal(gateway(), false, 'without keepalived nobody answers for the IPv6 gateway');

  // lvs_sync_daemon taken out (vrrpOnlyConf: no IPVS here); the rest as generated.
  const keepalived = (h: string) => keepalivedVrrp(t, hosts[h]!, vrrpOnlyConf(r, h, work), work, h);
  const logs = (...ks: ReturnType<typeof keepalived>[]) => ks.map((k) => k.output().split('\n').slice(-20).join('\n')).join('\n---\n');
  // lvs1 first (both start as BACKUP with nopreempt: the first to time out becomes master).
  const k1 = keepalived('lvs1');
  // its log line may come after the addresses (read from its output as it comes)
  const master = new RegExp(`${EXAMPLE}-pair.*MASTER|MASTER.*${EXAMPLE}-pair`);
  await until(`lvs1 to hold all four floating addresses and say its sync group is MASTER:\n${logs(k1)}`, () => held('lvs1').length === ALL.length && master.test(k1.output()), 60_000);
  assert.deepEqual(held('lvs1'), ALL);
  assert.match(k1.output(), master, 'keepalived moved the sync group to MASTER');
  const k2 = keepalived('lvs2');
  await until('the real server to reach its IPv6 gateway', gateway, 30_000);
  assert.equal(realSees(), macOf('lvs1'), 'the IPv6 gateway is at lvs1');
  const advert = Number(/advert_int (\d+)/.exec(readFileSync(r.file('lvs1', '/etc/keepalived/keepalived.conf'), 'utf8'))?.[1] ?? '1');
  for (const end = Date.now() + (3 * advert + 2) * 1000; Date.now() < end; ) {
    assert.deepEqual([held('lvs1'), held('lvs2')], [ALL, []], `lvs2 stays backup in both families:\n${logs(k1, k2)}`);
    await new Promise((res) => setTimeout(res, 500));
  }

  await stop(k1);
  await until(`lvs2 to take all four over:\n${logs(k2)}`, () => held('lvs2').length === ALL.length, 60_000);
  assert.deepEqual([held('lvs1'), held('lvs2')], [[], ALL], 'all four moved together');
  await until(`the real server's IPv6 gateway to answer at lvs2:\n${logs(k2)}`, () => gateway() && realSees() === macOf('lvs2'), 30_000);
});
