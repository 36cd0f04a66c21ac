// A sorry server per virtual service (issue 14, defect 4). ldirectord's global
// `fallback=` goes to every service, tcp and udp, and without a method it is
// `gate` (ldirectord(8), parse_fallback), wrong under NAT; keepalived's
// sorry_server had the same problems. lvsgen writes the fallback in each
// service's own block with the service's method (`fallback=ip:port masq`,
// `sorry_server` with `sorry_server_lvs_method`), and the cluster default
// (ldirectord.fallback) only where it fits: services on its port. Proven with
// ldirectord's parser and ldirectord itself (its ipvsadm commands when every
// real server is down) and keepalived --config-test.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Problem } from '../../src/model/problems.js';
import { generateText, assertKeepalivedReads, problemsOf, requireRoot, requireTools, sh, tempDir, unique } from '../support/index.js';
import { ldirectordCommands } from '../support/ldirectord-run.js';

const DISTROS = ['debian', 'redhat', 'debian12', 'rhel9'];

/** NAT on 80 (the default fits), NAT on 8080 (its own, another port), DNS over udp (the default does not fit), direct routing on 443 (its own, no port). */
const topology = (backend: string) => `name: sorry
defaults: { distro: ${backend === 'keepalived' ? 'debian12' : 'debian'} }
director_backend: ${backend}
hosts:
  lb: { roles: [director], interfaces: { eth0: 10.0.0.1/24, eth1: 192.168.6.1/24 } }
  web1: { roles: [real-server], interfaces: { eth0: 192.168.6.4/24 } }
  web2: { roles: [real-server], interfaces: { eth0: 192.168.6.5/24 } }
  dr1: { roles: [real-server], interfaces: { eth0: 10.0.0.11/24 } }
ldirectord: { checktimeout: 1, checkinterval: 1, fallback: 127.0.0.1:80 }
virtual_services:
  - virtual: 10.0.0.100:80
    forward: masq
    check: { type: connect }
    real_servers: [web1, web2]
  - virtual: 10.0.0.100:8080
    forward: masq
    check: { type: connect }
    fallback: 192.168.6.9:80
    real_servers: [web1, web2]
  - virtual: 10.0.0.100:53
    protocol: udp
    forward: masq
    check: { request: www.example.com, receive: 10.0.0.80 }
    real_servers: [web1, web2]
  - virtual: 10.0.0.100:443
    forward: gate
    check: { type: connect }
    fallback: 127.0.0.1
    real_servers: [dr1]
`;

const problems = (text: string): Problem[] => problemsOf(text, DISTROS);
const fileOf = (text: string, path: string) => {
  const f = generateText(text).bundles.find((b) => b.host === 'lb')!.files.find((x) => x.path === path);
  assert.ok(f, `lb has no ${path}`);
  return f.content.toString();
};
/** A virtual block of ldirectord.cf, or a virtual_server of keepalived.conf, by its port. */
const block = (text: string, start: RegExp) => {
  const m = start.exec(text);
  assert.ok(m, `no ${start} in\n${text}`);
  const rest = text.slice(m.index + m[0].length);
  const end = rest.search(/\n(?:# Virtual Service|virtual=)/);
  return end < 0 ? rest : rest.slice(0, end);
};

const REFUSED: Array<[name: string, text: string, problems: Array<[string, string]>]> = [
  [
    'its own fallback on another port under direct routing',
    topology('ldirectord').replace('fallback: 127.0.0.1\n', 'fallback: 127.0.0.1:8443\n'),
    [['invalid-port', 'virtual_services[3].fallback']],
  ],
  [
    'a NAT fallback on no network of the director',
    topology('keepalived').replace('fallback: 192.168.6.9:80', 'fallback: 172.16.0.9:80'),
    [['unreachable-real-server', 'virtual_services[1].fallback']],
  ],
  [
    'the default, where it fits, on no network of the director',
    topology('ldirectord').replace('fallback: 127.0.0.1:80 }', 'fallback: 172.16.0.9:80 }'),
    [['unreachable-real-server', 'ldirectord.fallback']],
  ],
  ['a fallback that is no address', topology('ldirectord').replace('fallback: 127.0.0.1\n', 'fallback: localhost\n'), [['invalid-address', 'virtual_services[3].fallback']]],
];
for (const [name, text, want] of REFUSED) {
  test(`refused, with its path and line: ${name}`, () => {
    const ps = problems(text);
    assert.deepEqual(ps.map((p) => [p.code, p.path]), want, ps.map((p) => `${p.path}: ${p.message}`).join('\n'));
    for (const p of ps) assert.ok(p.pos, `${p.path} has its line`);
  });
}

test('accepted: both backends, and a tunnelled service may fall back to any address', () => {
  assert.deepEqual(problems(topology('ldirectord')), []);
  assert.deepEqual(problems(topology('keepalived')), []);
  assert.deepEqual(problems(topology('ldirectord').replace(/virtual: 10\.0\.0\.100:443\n    forward: gate/, 'virtual: 10.0.0.100:443\n    forward: ipip').replace('fallback: 127.0.0.1\n', 'fallback: 172.16.0.9\n')), []);
});

test('ldirectord.cf: a fallback in each block it fits, with the service\'s method; no global fallback=; ldirectord parses it', (t) => {
  const cf = fileOf(topology('ldirectord'), 'etc/ha.d/ldirectord.cf');
  assert.doesNotMatch(cf, /^fallback=/m, 'no global fallback (ldirectord gives it to every service, with gate)');
  assert.match(block(cf, /^virtual=10\.0\.0\.100:80\n/m), /^\tfallback=127\.0\.0\.1:80 masq$/m);
  assert.match(block(cf, /^virtual=10\.0\.0\.100:8080\n/m), /^\tfallback=192\.168\.6\.9:80 masq$/m);
  assert.doesNotMatch(block(cf, /^virtual=10\.0\.0\.100:53\n/m), /fallback/, 'the default (port 80) does not fit a DNS service');
  assert.match(block(cf, /^virtual=10\.0\.0\.100:443\n/m), /^\tfallback=127\.0\.0\.1:443 gate$/m);
  if (!requireTools(t, 'ldirectord')) return;
  const f = join(tempDir(t), `${unique('lvsgen-sorry-')}.cf`);
  writeFileSync(f, cf);
  const s = sh('ldirectord', [f, 'status']);
  assert.equal(s.status, 3, `${s.stdout}${s.stderr}`);
  // Negative control: ldirectord's parser does read the method.
  writeFileSync(f, cf.replace('fallback=127.0.0.1:80 masq', 'fallback=127.0.0.1:80 nat'));
  const bad = sh('ldirectord', [f, 'status']);
  assert.notEqual(bad.status, 3);
  assert.match(bad.stderr, /forward method must be gate, masq or ipip/);
});

test('ldirectord itself, every real server down: adds each service\'s sorry server with the service\'s method, and none to the DNS service ', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ldirectord', 'ip', 'timeout')) return;
  const cf = fileOf(topology('ldirectord'), 'etc/ha.d/ldirectord.cf');
  const want = ['-a -t 10.0.0.100:80 -r 127.0.0.1:80 -m -w 1', '-a -t 10.0.0.100:8080 -r 192.168.6.9:80 -m -w 1', '-a -t 10.0.0.100:443 -r 127.0.0.1:443 -g -w 1'];
  // ldirectord 4.12 also passes its thresholds (-x 0 -y 0): not what is proven here.
  const strip = (c: string[]) => c.map((x) => x.replace(/ -x \d+ -y \d+/, ''));
  // Up to 45 s: on a loaded machine ldirectord takes long to start its checks.
  const ran = await ldirectordCommands(t, cf, (c) => want.every((w) => strip(c).includes(w)) && c.some((x) => x.startsWith('-A -u 10.0.0.100:53')), 45);
  const commands = strip(ran.commands);
  const stderr = ran.stderr;
  assert.ok(want.every((w) => commands.includes(w)), `ldirectord ran:\n${commands.join('\n')}\n${stderr.slice(-2000)}`);
  const added = commands.filter((c) => c.startsWith('-a '));
  assert.deepEqual([...new Set(added.filter((c) => /-r (127\.0\.0\.1|192\.168\.6\.9):/.test(c)))].sort(), [...want].sort(), 'sorry servers added with their method, and no other');
  // ldirectord may add a real server for a moment while it starts (seen under load,
  // before the first check takes it out): only a sorry server would be wrong here.
  const sorryForDns = added.filter((c) => c.startsWith('-a -u ') && /-r (127\.0\.0\.1|192\.168\.6\.9):/.test(c));
  assert.deepEqual(sorryForDns, [], `no sorry server for the DNS service:\n${added.join('\n')}\n${stderr.slice(-3000)}`);
});

test('keepalived.conf: sorry_server with sorry_server_lvs_method per service where it fits; keepalived --config-test accepts it', (t) => {
  const conf = fileOf(topology('keepalived'), 'etc/keepalived/keepalived.conf');
  const vs = (port: number) => block(conf, new RegExp(`^virtual_server 10\\.0\\.0\\.100 ${port} \\{\\n`, 'm'));
  assert.match(vs(80), /\tsorry_server 127\.0\.0\.1 80\n\tsorry_server_lvs_method NAT\n/);
  assert.match(vs(8080), /\tsorry_server 192\.168\.6\.9 80\n\tsorry_server_lvs_method NAT\n/);
  assert.doesNotMatch(vs(53), /sorry_server/);
  assert.match(vs(443), /\tsorry_server 127\.0\.0\.1 443\n\tsorry_server_lvs_method DR\n/);
  if (!requireTools(t, 'keepalived')) return;
  assertKeepalivedReads(tempDir(t), conf, conf.replace('sorry_server_lvs_method NAT', 'sorry_server_lvs_method MASQ'), 'an unknown method');
});
