// Injection: every free-text field gets strings built to break out of the
// file that carries it. Each is either rejected with a clear error (exit 2)
// or emitted so that the consumer reads back exactly the value and nothing
// more: ldirectord's own parser accepts the file, the directive holds the value
// verbatim, no extra directive appears, and the installer never carries it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { cli, example, requireTools, sh, tempDir } from '../support/index.js';

const HOSTILE = [
  '"', 'a"b', "it's", '#', 'a # b', 'Test Page"\n\treal=6.6.6.6:80 masq', '$(reboot)', '`reboot`', 'a; reboot', 'a && reboot',
  'line\nbreak', 'cr\rhere', 'nul\0here', 'tab\there', 'ünïcødé', '\u202eevil', '--help', '-rf', '../../etc/passwd', '/etc/shadow',
  'a\\b', '${HOME}', '%s%n', ' leading', 'trailing ', 'x'.repeat(2000), '{{payload}}', '<script>', 'back\\', '\\"',
];

type Field = 'request' | 'receive' | 'login' | 'passwd' | 'virtualhost' | 'logfile' | 'key' | 'host' | 'interface';
const FIELDS: Field[] = ['request', 'receive', 'login', 'passwd', 'virtualhost', 'logfile', 'key', 'host', 'interface'];

function topologyWith(field: Field, value: string): unknown {
  const lb = parse(readFileSync(example('lb-nat'), 'utf8'));
  const ha = parse(readFileSync(example('ha-cidr'), 'utf8'));
  const http = lb.virtual_services[1].check;
  switch (field) {
    case 'request': http.request = value; return lb;
    case 'receive': http.receive = value; return lb;
    case 'virtualhost': http.virtualhost = value; return lb;
    case 'login': case 'passwd':
      lb.virtual_services[0].check = { type: 'negotiate', service: 'ftp', login: 'anonymous', passwd: 'pw-123456', [field]: value };
      return lb;
    case 'logfile': lb.ldirectord.logfile = value; return lb;
    case 'key': ha.heartbeat.auth.key = value; return ha;
    case 'host': lb.hosts[value] = lb.hosts.real2; delete lb.hosts.real2; for (const v of lb.virtual_services) v.real_servers = ['real1', value]; return lb;
    case 'interface': lb.hosts.real1.interfaces = { [value]: '192.168.6.4/24' }; return lb;
  }
}

/** The directive a field becomes in ldirectord.cf, and how it is written. */
const DIRECTIVE: Partial<Record<Field, (v: string) => string>> = {
  request: (v) => `\trequest="${v}"`,
  // ldirectord matches receive= as a Perl regex: the text arrives with its metacharacters escaped.
  receive: (v) => `\treceive="${v.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')}"`,
  login: (v) => `\tlogin="${v}"`,
  passwd: (v) => `\tpasswd="${v}"`,
  virtualhost: (v) => `\tvirtualhost=${v}`,
  logfile: (v) => `logfile="${v}"`,
};

test(`injection: ${FIELDS.length} fields x ${HOSTILE.length} hostile strings are rejected or read back verbatim`, async (t) => {
  if (!requireTools(t, 'ldirectord')) return;
  const dir = tempDir(t);
  let rejected = 0;
  let accepted = 0;
  let i = 0;
  for (const field of FIELDS) {
    for (const value of HOSTILE) {
      i++;
      const file = join(dir, `t${i}.yaml`);
      writeFileSync(file, stringify(topologyWith(field, value)));
      const out = join(dir, `out${i}`);
      const r = await cli('render', file, '-o', out);
      const label = `${field} = ${JSON.stringify(value).slice(0, 60)}`;
      assert.ok(r.status === 0 || r.status === 2, `${label}: exit ${r.status}\n${r.stderr}`);
      if (field === 'key' || field === 'passwd') assert.ok(!r.stderr.includes(value) || value.length < 3, `${label}: a secret was echoed`);
      if (r.status === 2) {
        rejected++;
        assert.match(r.stderr, /error \[(invalid-text|invalid-hostname|invalid-interface|type)\]/, `${label}: unclear rejection\n${r.stderr}`);
        continue;
      }
      accepted++;
      const cf = join(out, 'director/etc/ha.d/ldirectord.cf');
      const directive = DIRECTIVE[field];
      if (directive) {
        const text = readFileSync(cf, 'utf8');
        assert.ok(text.split('\n').includes(directive(value)), `${label}: the directive does not carry the value verbatim`);
        assert.equal(text.split('\n').filter((l) => /^\s*real=/.test(l)).length, 6, `${label}: the value added a directive`);
        const copy = join(dir, `inj-${process.pid}-${i}.cf`);
        writeFileSync(copy, text);
        const ld = sh('ldirectord', [copy, 'status'], { timeout: 20_000 });
        assert.equal(ld.status, 3, `${label}: ldirectord rejects the file:\n${ld.stdout}${ld.stderr}`);
      }
      if (field === 'receive') {
        // The https service still checks the same page for "Test Page": the page holds both lines.
        for (const h of ['real1', 'real2']) assert.equal(readFileSync(join(out, h, 'var/www/html/ldirector.html'), 'utf8'), `${value}\nTest Page\n`);
      }
      if (field === 'key') {
        const auth = readFileSync(join(out, 'node1/etc/ha.d/authkeys'), 'utf8').split('\n');
        assert.deepEqual(auth.slice(1, 3), ['auth 1', `1 sha1 ${value}`], `${label}: authkeys does not carry the key verbatim`);
      }
      if (field === 'request') {
        // The request names the check page: it may only land under the web root.
        assert.ok(readFileSync(join(out, 'real1/var/www/html', value.replace(/^\/+/, '')), 'utf8').startsWith('Test Page'));
        continue;
      }
      for (const installer of ['director', 'node1', 'real1']) {
        try {
          const plan = readFileSync(join(out, installer, '.lvsgen/plan'), 'utf8');
          if (value.length > 2 && !/^[a-z0-9.-]+$/.test(value)) assert.ok(!plan.includes(value), `${label}: the plan carries model text`);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
      }
    }
  }
  t.diagnostic(`${rejected} rejected with a clear error, ${accepted} emitted and read back verbatim`);
  assert.ok(rejected > 0 && accepted > 0);
});
