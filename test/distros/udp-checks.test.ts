// UDP services are really checked (issue 14). ldirectord's connect check of a
// UDP service only opens a UDP socket, which succeeds whether anything listens
// or not (check_connect, ld_open_socket), and keepalived's TCP_CHECK connects
// over TCP, so a UDP-only service is always down. A DNS service is checked by
// resolving a name: ldirectord service=dns (check_dns: an A record of
// `request` whose address matches `receive`), keepalived DNS_CHECK
// (keepalived.conf(5): type A, name). A check that cannot test its service is
// refused, with the reason.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Problem } from '../../src/model/problems.js';
import { generateText, keepalivedConfigTest, problemsOf, requireTools, sh, tempDir } from '../support/index.js';

const DISTROS = ['debian', 'redhat', 'debian12', 'rhel9'];
const problems = (text: string): Problem[] => problemsOf(text, DISTROS);

const topology = (backend: string, check: string, port = 53) => `name: udp
defaults: { distro: ${backend === 'keepalived' ? 'debian12' : 'debian'} }
director_backend: ${backend}
hosts:
  lb: { roles: [director], interfaces: { eth0: 10.0.0.1/24 } }
  ns1: { roles: [real-server], interfaces: { eth0: 10.0.0.11/24 } }
  ns2: { roles: [real-server], interfaces: { eth0: 10.0.0.12/24 } }
virtual_services:
  - virtual: 10.0.0.100:${port}
    protocol: udp
    forward: gate
    check: ${check}
    real_servers: [ns1, ns2]
`;

const DNS = '{ request: www.example.com, receive: 10.0.0.80 }';
const fileOf = (text: string, distro: string, path: string) => {
  const f = generateText(text, distro).bundles.find((b) => b.host === 'lb')!.files.find((x) => x.path === path);
  assert.ok(f, `lb has no ${path}`);
  return f.content.toString();
};

for (const backend of ['ldirectord', 'keepalived']) {
  test(`${backend}: a connect check of a UDP service is refused at check.type, with the reason`, () => {
    const ps = problems(topology(backend, '{ type: connect }'));
    const hit = ps.find((p) => p.path === 'virtual_services[0].check.type');
    assert.ok(hit, ps.map((p) => `${p.code} ${p.path}: ${p.message}`).join('\n'));
    assert.equal(hit.code, 'unsupported');
    assert.match(hit.message, /UDP/);
    assert.ok(hit.pos, 'with its line');
  });
  test(`${backend}: a negotiate check of http over UDP is refused at check.service`, () => {
    const ps = problems(topology(backend, '{ type: negotiate, service: http, request: x.html, receive: ok }', 80));
    assert.ok(ps.some((p) => p.code === 'unsupported' && p.path === 'virtual_services[0].check.service'), ps.map((p) => `${p.code} ${p.path}: ${p.message}`).join('\n'));
  });
  test(`${backend}: a dns check needs a name (request) and the address expected (receive)`, () => {
    const ps = problems(topology(backend, '{ service: dns }'));
    assert.deepEqual(ps.map((p) => [p.code, p.path]), [['missing-check-field', 'virtual_services[0].check'], ['missing-check-field', 'virtual_services[0].check']]);
    const bad = problems(topology(backend, '{ request: www.example.com, receive: up }'));
    assert.deepEqual(bad.map((p) => [p.code, p.path]), [['invalid-value', 'virtual_services[0].check.receive']]);
  });
  test(`${backend}: port 53/udp implies a dns check, accepted; ping and on stay as they are`, () => {
    assert.deepEqual(problems(topology(backend, DNS)), []);
    assert.deepEqual(problems(topology(backend, '{ type: ping }')), []);
    assert.deepEqual(problems(topology(backend, '{ type: "on" }')), []);
  });
}

test('ldirectord.cf: port 53/udp gets service=dns, checktype negotiate, the name and the expected address (as a regex of the text); ldirectord parses it', (t) => {
  const cf = fileOf(topology('ldirectord', DNS), 'debian', 'etc/ha.d/ldirectord.cf');
  assert.match(cf, /^\tservice=dns\n\trequest="www\.example\.com"\n\treceive="10\\\.0\\\.0\\\.80"\n/m);
  assert.match(cf, /^\tprotocol=udp\n\tchecktype=negotiate\n/m);
  if (!requireTools(t, 'ldirectord')) return;
  const f = join(tempDir(t), `lvsgen-udp-${process.pid}.cf`);
  writeFileSync(f, cf);
  const s = sh('ldirectord', [f, 'status']);
  assert.equal(s.status, 3, `${s.stdout}${s.stderr}`);
});

test('keepalived.conf: a DNS service gets DNS_CHECK (type A, name), never TCP_CHECK; keepalived --config-test accepts it', (t) => {
  const conf = fileOf(topology('keepalived', DNS), 'debian12', 'etc/keepalived/keepalived.conf');
  assert.match(conf, /\tprotocol UDP\n/);
  assert.match(conf, /\t\tDNS_CHECK {\n\t\t\ttype A\n\t\t\tname www\.example\.com\n/);
  assert.doesNotMatch(conf, /TCP_CHECK/);
  if (!requireTools(t, 'keepalived')) return;
  const r = keepalivedConfigTest(tempDir(t), conf);
  assert.equal(r.status, 0, r.log);
  assert.equal(r.log.trim(), '', r.log);
});
