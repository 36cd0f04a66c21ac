// What operators set per real server (issue 14): weight 0 to drain it,
// connection thresholds (ipvsadm -x upper, -y lower), and a check request and
// receive of its own. ldirectord reads them from the real= line, in this
// order (ldirectord.in, add_real_server): `real=IP:PORT gate|masq|ipip
// [weight] ["request", "receive"] [l:LOWER] [u:UPPER]`, and passes
// `-x UPPER -y LOWER ... -w WEIGHT` to ipvsadm (_restore_service); keepalived
// has `weight`, `uthreshold`, `lthreshold` and a checker per real_server
// (keepalived.conf(5)). Proven with ldirectord's parser, keepalived
// --config-test, the ipvsadm prediction and a real ldirectord run checking
// pages served on the real servers' addresses.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTopology } from '../../src/model/load.js';
import { TopologyError, type Problem } from '../../src/model/problems.js';
import { renderIpvsadmTable } from '../../src/render/ipvsadm-table.js';
import { generateText, assertKeepalivedReads, netns, ok, requireRoot, requireTools, sh, spawnIn, tempDir, unique } from '../support/index.js';
import { startLdirectord } from '../support/ldirectord-run.js';

const DISTROS = ['debian', 'redhat', 'debian12', 'rhel9'];

/** web1: its own page and thresholds; web2: drained; web3: an upper threshold only. */
const topology = (backend: string, extra = '') => `name: rs
defaults: { distro: ${backend === 'keepalived' ? 'debian12' : 'debian'} }
director_backend: ${backend}
hosts:
  lb: { roles: [director], interfaces: { eth0: 10.1.3.1/24 } }
  web1: { roles: [real-server], interfaces: { eth0: 10.1.3.11/24 } }
  web2: { roles: [real-server], interfaces: { eth0: 10.1.3.12/24 } }
  web3: { roles: [real-server], interfaces: { eth0: 10.1.3.13/24 } }
ldirectord: { checkinterval: 1, negotiatetimeout: 2, quiescent: false }
virtual_services:
  - virtual: 10.1.3.61:80
    forward: gate
    check: { type: negotiate, service: http, request: health.html, receive: "up 1.2" }
    real_servers:
      - { host: web1, weight: 3, upper_threshold: 100, lower_threshold: 10, check: { request: own.html, receive: "own (v2)" } }
      - { host: web2, weight: 0 }
      - { host: web3, upper_threshold: 50 }
${extra}`;

function problems(text: string): Problem[] {
  try {
    loadTopology(new TextEncoder().encode(text), DISTROS);
  } catch (e) {
    if (e instanceof TopologyError) return e.problems;
    throw e;
  }
  return [];
}
const generated = (text: string) => generateText(text);
const fileOf = (text: string, host: string, path: string) => {
  const f = generated(text).bundles.find((b) => b.host === host)!.files.find((x) => x.path === path);
  assert.ok(f, `${host} has no ${path}`);
  return f.content.toString();
};

const REFUSED: Array<[name: string, from: string, to: string, want: Array<[string, string]>]> = [
  ['a lower threshold without an upper one', 'upper_threshold: 100, lower_threshold: 10', 'lower_threshold: 10', [['invalid-value', 'virtual_services[0].real_servers[0].lower_threshold']]],
  ['a lower threshold not below the upper one', 'lower_threshold: 10', 'lower_threshold: 100', [['invalid-value', 'virtual_services[0].real_servers[0].lower_threshold']]],
  ['a threshold of 0', 'upper_threshold: 50', 'upper_threshold: 0', [['invalid-value', 'virtual_services[0].real_servers[2].upper_threshold']]],
  ['a weight above 65535', 'weight: 3', 'weight: 65536', [['invalid-value', 'virtual_services[0].real_servers[0].weight']]],
  ['an own check under a connect check', 'type: negotiate, service: http,', 'type: connect,', [['unsupported', 'virtual_services[0].real_servers[0].check']]],
  ['an own check that gives neither request nor receive', 'check: { request: own.html, receive: "own (v2)" }', 'check: {}', [['missing-check-field', 'virtual_services[0].real_servers[0].check']]],
  ['an own receive ldirectord.cf cannot carry', 'receive: "own (v2)"', 'receive: "own # 2"', [['invalid-text', 'virtual_services[0].real_servers[0].check.receive']]],
];
for (const [name, from, to, want] of REFUSED) {
  test(`refused, with its path and line: ${name}`, () => {
    const text = topology('ldirectord').replace(from, to);
    assert.notEqual(text, topology('ldirectord'), `${from} is in the topology`);
    const ps = problems(text);
    assert.deepEqual(ps.map((p) => [p.code, p.path]), want, ps.map((p) => `${p.path}: ${p.message}`).join('\n'));
    for (const p of ps) assert.ok(p.pos, `${p.path} has its line`);
  });
}

test('a dns service: a real server\'s own request and receive are a name and an IPv4 address', () => {
  const dns = (own: string) => `name: d
defaults: { distro: debian }
hosts:
  lb: { roles: [director], interfaces: { eth0: 10.0.0.1/24, eth1: 192.168.6.1/24 } }
  ns1: { roles: [real-server], interfaces: { eth0: 192.168.6.4/24 } }
virtual_services:
  - virtual: 10.0.0.100:53
    protocol: udp
    forward: masq
    check: { request: www.example.com, receive: 10.0.0.80 }
    real_servers: [{ host: ns1, check: ${own} }]
`;
  assert.deepEqual(problems(dns('{ request: ns1.example.com, receive: 10.0.0.81 }')), []);
  assert.deepEqual(problems(dns('{ receive: up }')).map((p) => [p.code, p.path]), [['invalid-value', 'virtual_services[0].real_servers[0].check.receive']]);
  const cf = fileOf(dns('{ request: ns1.example.com, receive: 10.0.0.81 }'), 'lb', 'etc/ha.d/ldirectord.cf');
  assert.match(cf, /^\treal=192\.168\.6\.4:53 masq 1 "ns1\.example\.com", "10\\\.0\\\.0\\\.81"$/m);
});

test('ldirectord.cf: weight, own "request", "receive" and l:/u: thresholds on each real= line, in the parser\'s order; ldirectord parses it', (t) => {
  const cf = fileOf(topology('ldirectord'), 'lb', 'etc/ha.d/ldirectord.cf');
  const reals = cf.split('\n').filter((l) => l.startsWith('\treal='));
  assert.deepEqual(reals, [
    '\treal=10.1.3.11:80 gate 3 "own.html", "own \\(v2\\)" l:10 u:100',
    '\treal=10.1.3.12:80 gate 0',
    // The weight is written although it is the default: ldirectord looks for it anywhere in what follows.
    '\treal=10.1.3.13:80 gate 1 u:50',
  ]);
  if (!requireTools(t, 'ldirectord')) return;
  const f = join(tempDir(t), `${unique('lvsgen-rs-')}.cf`);
  writeFileSync(f, cf);
  const s = sh('ldirectord', [f, 'status']);
  assert.equal(s.status, 3, `ldirectord status: ${s.stdout}${s.stderr}`);
  // Negative control: ldirectord's parser reads the line to its end (and refuses what it does not know after the thresholds).
  writeFileSync(f, cf.replace('l:10 u:100', 'l:10 u:100 x:1'));
  const bad = sh('ldirectord', [f, 'status']);
  assert.notEqual(bad.status, 3);
  assert.match(bad.stderr, /Invalid real server line/);
});

test('keepalived.conf: weight 0, uthreshold and lthreshold, and a checker of the real server\'s own page; keepalived --config-test accepts it', (t) => {
  const text = topology('keepalived');
  const conf = fileOf(text, 'lb', 'etc/keepalived/keepalived.conf');
  const real = (a: string) => {
    const m = new RegExp(`\\treal_server ${a.replace(/\./g, '\\.')} 80 \\{\\n([\\s\\S]*?)\\n\\t\\}\\n`).exec(conf);
    assert.ok(m, `no real_server ${a} in\n${conf}`);
    return m[1]!;
  };
  assert.match(real('10.1.3.11'), /^\t\tweight 3\n\t\tuthreshold 100\n\t\tlthreshold 10\n/);
  assert.match(real('10.1.3.12'), /^\t\tweight 0\n\t\tHTTP_GET/);
  assert.match(real('10.1.3.13'), /^\t\tweight 1\n\t\tuthreshold 50\n\t\tHTTP_GET/);
  // web1 is checked on its own page, whose digest is that of the page lvsgen writes on web1.
  const page = (host: string, name: string) => generated(text).bundles.find((b) => b.host === host)!.files.find((f) => f.path.endsWith(`/${name}`));
  const own = page('web1', 'own.html');
  assert.ok(own, 'web1 gets its own check page');
  assert.equal(own.content.toString(), 'own (v2)\n');
  assert.equal(page('web1', 'health.html'), undefined, 'web1 is not checked on the service\'s page');
  const md5 = sh('md5sum', [], { input: own.content.toString() }).stdout.split(' ')[0];
  assert.match(real('10.1.3.11'), new RegExp(`path /own\\.html\\n\\t+digest ${md5}\\n`));
  assert.match(real('10.1.3.12'), /path \/health\.html\n/);
  if (!requireTools(t, 'keepalived')) return;
  assertKeepalivedReads(tempDir(t), conf, conf.replace('uthreshold 100', 'uthreshold many'), 'a threshold that is no number');
});

test('the ipvsadm prediction shows the drained server at weight 0, in both backends', () => {
  for (const backend of ['ldirectord', 'keepalived']) {
    const lb = generated(topology(backend)).model.hosts.find((h) => h.name === 'lb')!;
    const table = renderIpvsadmTable(lb);
    assert.match(table, /^ {2}-> 10\.1\.3\.11:80 {17}Route {3}3 {6}0 {10}0 {9}$/m, table);
    assert.match(table, /^ {2}-> 10\.1\.3\.12:80 {17}Route {3}0 {6}0 {10}0 {9}$/m, table);
  }
});

test('ldirectord itself checks each real server on its own page and issues its weight and thresholds (-w, -x, -y) once the check passes', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ldirectord', 'ip', 'timeout')) return;
  const text = topology('ldirectord');
  const g = generated(text);
  const cfText = g.bundles.find((b) => b.host === 'lb')!.files.find((f) => f.path === 'etc/ha.d/ldirectord.cf')!.content.toString();
  const dir = tempDir(t);
  // Each real server serves exactly the check pages lvsgen writes for it (web1: own.html only).
  const served: Record<string, Record<string, string>> = {};
  for (const [host, address] of [['web1', '10.1.3.11'], ['web2', '10.1.3.12'], ['web3', '10.1.3.13']] as const) {
    const pages = g.bundles.find((b) => b.host === host)!.files.filter((f) => f.path.endsWith('.html'));
    served[address] = Object.fromEntries(pages.map((p) => [`/${p.path.split('/').pop()}`, p.content.toString()]));
  }
  assert.deepEqual(Object.keys(served['10.1.3.11']!), ['/own.html']);
  writeFileSync(join(dir, 'served.json'), JSON.stringify(served));

  const ns = netns(t, 'lvrs');
  for (const a of Object.keys(served)) ok(ns.ip('addr', 'add', `${a}/32`, 'dev', 'lo'), `real server address ${a}`);
  const server = spawnIn(t, ns, process.execPath, [
    '-e',
    `const http = require('node:http'); const served = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(join(dir, 'served.json'))}, 'utf8'));
     for (const [address, pages] of Object.entries(served)) http.createServer((q, s) => {
       if (Object.hasOwn(pages, q.url)) { s.writeHead(200, {'content-type': 'text/html'}); s.end(pages[q.url]); }
       else { s.writeHead(404); s.end(); }
     }).listen(80, address, () => console.log('listening ' + address));`,
  ]);
  for (let i = 0; i < 100 && (server.output().match(/listening/g) ?? []).length < 3; i++) await sleep(100);
  assert.equal((server.output().match(/listening/g) ?? []).length, 3, `server did not start: ${server.output()}`);

  const ld = startLdirectord(t, cfText, { ns, seconds: 60 });
  const up = ['http://10.1.3.11:80/own.html', 'http://10.1.3.12:80/health.html', 'http://10.1.3.13:80/health.html'];
  const checkedUp = () => up.filter((u) => ld.output().includes(`check_http: ${u} is up`)).length;
  // Up to 45 s: on a loaded machine ldirectord takes long to start its checks.
  await ld.until(() => checkedUp() === up.length, 45);
  // Two more check rounds (checkinterval 1): the servers stay in.
  await sleep(2500);
  await ld.stop();
  const seen = ld.commands();
  const output = ld.output();
  for (const u of up) assert.ok(output.includes(`check_http: ${u} is up`), `${u} checked up:\n${output.slice(-3000)}`);
  assert.doesNotMatch(output, /is down/, 'no check failed');
  // The last command ldirectord issued for each real server before it was stopped (its stop removes them).
  const lastFor = (real: string) => seen.filter((c) => c.includes(` -r ${real} `) && /^-[ade] /.test(c) && !c.startsWith('-d ')).pop();
  assert.equal(lastFor('10.1.3.11:80'), '-a -t 10.1.3.61:80 -x 100 -y 10 -r 10.1.3.11:80 -g -w 3', seen.join('\n'));
  assert.equal(lastFor('10.1.3.12:80'), '-a -t 10.1.3.61:80 -x 0 -y 0 -r 10.1.3.12:80 -g -w 0', seen.join('\n'));
  assert.equal(lastFor('10.1.3.13:80'), '-a -t 10.1.3.61:80 -x 50 -y 0 -r 10.1.3.13:80 -g -w 1', seen.join('\n'));
});
