// ldirectord treats receive= as a Perl regular expression: check_http (and
// check_dns, check_ldap, check_simpletcp, check_ftp) do `$page =~ /$receive/`
// (ldirectord.in). A receive string holding regex metacharacters must reach
// ldirectord escaped, or a page holding it never matches (`[OK]` is a class,
// `(v1.2)` a group) or ldirectord dies compiling it ("Unmatched ( in regex").
// This runs the real daemon in a scratch namespace on a generated
// ldirectord.cf, with a tiny HTTP server on the real server's address serving
// the check page lvsgen writes for it, and ldirectord's debug hook (./ipvsadm)
// recording the real servers it adds once their check passes.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ldirectordRegex } from '../../src/render/templates.js';
import { generateText, netns, ok, requireRoot, requireTools, sh, spawnIn, tempDir } from '../support/index.js';
import { startLdirectord } from '../support/ldirectord-run.js';

const RECEIVES = ['status: [OK] (v1.2)', 'ok ('];

const TOPOLOGY = `name: receive
defaults: { distro: debian }
hosts:
  lb: { roles: [director], interfaces: { eth0: 10.1.3.1/24 } }
  web: { roles: [real-server], interfaces: { eth0: 10.1.3.11/24 } }
ldirectord: { checkinterval: 1, negotiatetimeout: 2, quiescent: false }
virtual_services:
  - virtual: 10.1.3.61:80
    forward: gate
    check: { type: negotiate, service: http, request: health.html, receive: "${RECEIVES[0]}" }
    real_servers: [web]
  - virtual: 10.1.3.61:8080
    forward: gate
    check: { type: negotiate, service: http, request: health.html, receive: "${RECEIVES[1]}" }
    real_servers: [web]
`;

test('ldirectordRegex escapes every Perl metacharacter and matches the literal text in Perl', (t) => {
  assert.equal(ldirectordRegex('status: [OK] (v1.2)'), '"status: \\[OK\\] \\(v1\\.2\\)"');
  assert.equal(ldirectordRegex('a.b*c+d?e|f^g$h{1}'), '"a\\.b\\*c\\+d\\?e\\|f\\^g\\$h\\{1\\}"');
  assert.throws(() => ldirectordRegex('a"b'), /internal/);
  if (!requireTools(t, 'perl')) return;
  const samples = [...RECEIVES, 'a.b*c+d?e|f^g$h{1}', 'x @y $z', '/path/ and :colon;', "it's 100% ~fine!"];
  for (const s of samples) {
    const pattern = ldirectordRegex(s).slice(1, -1);
    const hit = sh('perl', ['-e', 'my ($re, $text) = @ARGV; exit(("<<$text>>" =~ /$re/) ? 0 : 1)', pattern, s]);
    assert.equal(hit.status, 0, `perl matches ${JSON.stringify(s)} with ${pattern}: ${hit.stderr}`);
    const miss = sh('perl', ['-e', 'my ($re, $text) = @ARGV; exit(($text =~ /$re/) ? 0 : 1)', pattern, s.replace(/.$/, '\u0001')]);
    assert.equal(miss.status, 1, `${pattern} must not match other text`);
  }
});

test('ldirectord checks receive strings with regex metacharacters as text: the served page matches and ldirectord does not die (real daemon, scratch namespace)', async (t) => {
  if (!requireRoot(t) || !requireTools(t, 'ldirectord', 'ip', 'timeout')) return;
  const g = generateText(TOPOLOGY, 'debian');
  const lb = g.bundles.find((b) => b.host === 'lb')!;
  const web = g.bundles.find((b) => b.host === 'web')!;
  const cfText = lb.files.find((f) => f.path === 'etc/ha.d/ldirectord.cf')!.content.toString();
  const page = web.files.find((f) => f.path.endsWith('/health.html'));
  assert.ok(page, `web has no check page: ${web.files.map((f) => f.path).join(', ')}`);
  const content = page.content.toString();
  for (const r of RECEIVES) assert.ok(content.includes(r), `the page holds ${r}`);

  const dir = tempDir(t);
  writeFileSync(join(dir, 'health.html'), content);

  const ns = netns(t, 'lvr');
  ok(ns.ip('addr', 'add', '10.1.3.11/32', 'dev', 'lo'), 'real server address');
  const server = spawnIn(t, ns, process.execPath, [
    '-e',
    `const http = require('node:http'); const fs = require('node:fs');
     for (const port of [80, 8080]) http.createServer((q, s) => {
       if (q.url === '/health.html') { s.writeHead(200, {'content-type': 'text/html'}); s.end(fs.readFileSync(${JSON.stringify(join(dir, 'health.html'))})); }
       else { s.writeHead(404); s.end(); }
     }).listen(port, '10.1.3.11', () => console.log('listening ' + port));`,
  ]);
  for (let i = 0; i < 300 && (server.output().match(/listening/g) ?? []).length < 2; i++) await sleep(100);
  assert.equal((server.output().match(/listening/g) ?? []).length, 2, `server did not start: ${server.output()}`);

  const ld = startLdirectord(t, cfText, { ns, seconds: 60 });
  const commands = () => ld.commands();
  // ldirectord enables each real server at start, then removes it (`-d`, quiescent
  // no) when its check fails: the check passed when a real server was added and
  // is still in after check rounds, and ldirectord logged the check up.
  const reals = ['-t 10.1.3.61:80 -r 10.1.3.11:80', '-t 10.1.3.61:8080 -r 10.1.3.11:8080'];
  const stateOf = (real: string) => {
    const mine = commands().map((c) => c.replace(/ -[xyw] \d+/g, '')).filter((c) => c.includes(real) && /^-[ad] /.test(c));
    return mine.length === 0 ? 'never added' : mine[mine.length - 1]!.startsWith('-a ') ? 'in' : 'removed';
  };
  const checkedUp = () => (ld.output().match(/check_http: http:\/\/10\.1\.3\.11:(80|8080)\/health\.html is up/g) ?? []).length;
  await ld.until(() => checkedUp() >= 2, 45);
  // Two more check rounds (checkinterval 1): it keeps running and checking.
  await sleep(2500);
  assert.ok(ld.running(), `ldirectord exited:\n${ld.output().slice(-3000)}`);
  const output = ld.output();
  assert.doesNotMatch(output, /Unmatched|in regex/, 'ldirectord compiled every receive');
  assert.match(output, /check_http: http:\/\/10\.1\.3\.11:80\/health\.html is up/, 'the :80 check passed');
  assert.match(output, /check_http: http:\/\/10\.1\.3\.11:8080\/health\.html is up/, 'the :8080 check passed');
  assert.doesNotMatch(output, /health\.html is down/, 'no check failed');
  for (const real of reals) assert.equal(stateOf(real), 'in', `${real}: ipvsadm commands:\n${commands().join('\n')}`);
  await ld.stop();
});
