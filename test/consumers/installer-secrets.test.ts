// Secrets masked, not hidden (issue 15): `install.sh --check` shows the diff
// of a file that holds a secret (heartbeat's authkeys, a VRRP pair's
// keepalived.conf, an ldirectord.cf with a check password) with every secret
// value replaced by ********, the generated one and the host's own alike, and
// masks exactly as `lvsgen diff` does (src/review/mask.ts): both views show
// the same masked lines. The secrets themselves never appear.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { maskFile } from '../../src/review/mask.js';
import { bundlesOf, exampleWith, generateText, REPO, requireRoot, requireTools, sh, tempDir } from '../support/index.js';

const KEY = 'example-only-change-me';
const LD_PASSWD = 'ld-check-pw-4711';

interface Case {
  what: string;
  path: string;
  /** The generated file (holds `secrets`). */
  generated: string;
  /** The host's file: another secret, and a line that differs besides. */
  host: string;
  secrets: string[];
}

function fileOf(bundles: ReturnType<typeof bundlesOf>['bundles'], host: string, path: string): string {
  const f = bundles.find((b) => b.host === host)?.files.find((x) => x.path === path.slice(1));
  assert.ok(f, `${host}: no ${path}`);
  assert.ok(f.secret, `${host}: ${path} is not marked as holding a secret`);
  return f.content;
}

function cases(): Case[] {
  const authkeys = fileOf(bundlesOf('ha-cidr', 'debian').bundles, 'node1', '/etc/ha.d/authkeys');
  const ka = bundlesOf('ha-lb', 'debian12');
  const keepalived = fileOf(ka.bundles, 'lvs1', '/etc/keepalived/keepalived.conf');
  const kaPass = ka.model.secrets.find((s) => s !== KEY && keepalived.includes(s));
  assert.ok(kaPass !== undefined && keepalived.includes(`auth_pass "${kaPass}"`), 'keepalived.conf holds the VRRP password');
  // lb-nat's FTP service checked by logging in: ldirectord.cf holds passwd=.
  const text = exampleWith('lb-nat').replace('check: { type: connect }', `check: { type: negotiate, service: ftp, login: anonymous, passwd: ${LD_PASSWD}, request: welcome.msg, receive: Welcome }`);
  const ld = fileOf(generateText(text, 'debian').bundles, 'director', '/etc/ha.d/ldirectord.cf');
  assert.ok(ld.includes(`\tpasswd="${LD_PASSWD}"\n`), 'ldirectord.cf holds the check password');
  return [
    { what: "heartbeat's authkeys", path: '/etc/ha.d/authkeys', generated: authkeys, host: 'auth 2\n1 md5 old-key-aaaa\n2 sha1 old-key-bbbb\n', secrets: [KEY, 'old-key-aaaa', 'old-key-bbbb'] },
    { what: "a VRRP pair's keepalived.conf", path: '/etc/keepalived/keepalived.conf', generated: keepalived, host: keepalived.replace(`auth_pass "${kaPass}"`, 'auth_pass "oldpass9"').replace('auth_type PASS', 'auth_type AH'), secrets: [kaPass, 'oldpass9'] },
    { what: 'an ldirectord.cf with a check password', path: '/etc/ha.d/ldirectord.cf', generated: ld, host: ld.replace(`passwd="${LD_PASSWD}"`, 'passwd = host-old-pw').replace('checkinterval=2', 'checkinterval=5'), secrets: [LD_PASSWD, 'host-old-pw'] },
  ];
}

/** A bundle of the case's one secret file (the plan's records after its `file` line: `more`), and the path of an empty root. */
function secretBundle(t: TestContext, c: Case, more = ''): { bundle: string; root: string } {
  const dir = tempDir(t, 'lvsgen-secrets-');
  const bundle = join(dir, 'bundle');
  mkdirSync(join(bundle, '.lvsgen'), { recursive: true });
  copyFileSync(join(REPO, 'distros/_shared/install.sh'), join(bundle, '.lvsgen/install.sh'));
  chmodSync(join(bundle, '.lvsgen/install.sh'), 0o755);
  writeFileSync(join(bundle, '.lvsgen/plan'), `lvsgen-plan 1\nhost h1\nfile 0600 replace secret ${c.path}\n${more}`);
  mkdirSync(join(bundle, dirname(c.path)), { recursive: true });
  writeFileSync(join(bundle, c.path), c.generated);
  return { bundle, root: join(dir, 'root') };
}

/** A bundle of one secret file and a root holding the host's version; install.sh --check on it. */
function check(t: TestContext, c: Case): { status: number | null; out: string } {
  const { bundle, root } = secretBundle(t, c);
  mkdirSync(join(root, dirname(c.path)), { recursive: true });
  writeFileSync(join(root, c.path), c.host, { mode: 0o600 });
  const r = sh(join(bundle, '.lvsgen/install.sh'), ['--root', root, '--check'], { input: '' });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** The lines of a unified diff's hunks: context, removed and added (without the ---/+++ headers). */
const bodyLines = (diff: string) => diff.split('\n').filter((l) => /^[-+ ]/.test(l) && !/^(---|\+\+\+) /.test(l));

for (const c of cases()) {
  test(`install.sh --check shows ${c.what} masked, as lvsgen diff does; the secrets never`, (t) => {
    if (!requireTools(t, 'diff', 'cmp', 'sed', 'stat', 'mktemp')) return;
    const r = check(t, c);
    assert.equal(r.status, 1, r.out);
    for (const s of c.secrets) assert.ok(!r.out.includes(s), `--check showed a secret:\n${r.out}`);
    assert.ok(r.out.includes(`--- ${c.path} (on the host)\n+++ ${c.path} (generated)\n@@ `), `no masked diff:\n${r.out}`);
    const shown = bodyLines(r.out);
    assert.ok(shown.some((l) => l.endsWith('********')), `no secret line shown masked:\n${r.out}`);
    // lvsgen diff's masking of the same two files: the same lines.
    const oldMasked = maskFile(c.path, c.host, [c.secrets[0]!]).split('\n');
    const newMasked = maskFile(c.path, c.generated, [c.secrets[0]!]).split('\n');
    for (const l of shown) {
      if (!l.startsWith('+')) assert.ok(oldMasked.includes(l.slice(1)), `install.sh shows "${l}", lvsgen diff masks the host's file otherwise`);
      if (!l.startsWith('-')) assert.ok(newMasked.includes(l.slice(1)), `install.sh shows "${l}", lvsgen diff masks the generated file otherwise`);
    }
    assert.ok(oldMasked.some((l) => l.endsWith('********')) && newMasked.some((l) => l.endsWith('********')));
  });
}

test('install.sh --check says that only a secret changed, and shows neither value', (t) => {
  if (!requireTools(t, 'diff', 'cmp', 'sed', 'stat', 'mktemp')) return;
  const c = cases()[1]!;
  const r = check(t, { ...c, host: c.host.replace('auth_type AH', 'auth_type PASS') });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /^--- \/etc\/keepalived\/keepalived\.conf differs: a secret value changed \(not shown\)$/m);
  for (const s of c.secrets) assert.ok(!r.out.includes(s), r.out);
});

// The pre-flight shows what a consumer said of a file it refused; a consumer
// may quote the file's lines (ldirectord's `Unknown command "LINE"`): those of
// a secret file come masked too. Here the consumer quotes the whole file.
for (const c of cases()) {
  test(`install.sh --check: a consumer that refuses ${c.what} and quotes it is shown with the secrets masked`, (t) => {
    if (!requireRoot(t) || !requireTools(t, 'busybox', 'chroot', 'diff', 'cmp', 'sed', 'stat', 'mktemp')) return;
    const { bundle, root } = secretBundle(t, c, `check ${c.path} 0 /usr/sbin/quoting-consumer -f ${c.path}\n`);
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync(sh('sh', ['-c', 'command -v busybox']).stdout.trim(), join(root, 'bin/sh'));
    chmodSync(join(root, 'bin/sh'), 0o755);
    mkdirSync(join(root, 'usr/sbin'), { recursive: true });
    writeFileSync(join(root, 'usr/sbin/quoting-consumer'), '#!/bin/sh\nwhile IFS= read -r l; do echo "refused: $l"; done <"$2"\nexit 5\n', { mode: 0o755 });
    const r = sh(join(bundle, '.lvsgen/install.sh'), ['--root', root, '--check'], { input: '' });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 1, out);
    assert.ok(out.includes(`install.sh: pre-flight: ${c.path}: refused by its consumer`), out);
    assert.match(out, /^ {2}refused: .*\*{8}$/m, `the consumer's quote of a secret line is not shown masked:\n${out}`);
    for (const s of c.secrets) assert.ok(!out.includes(s), `the pre-flight showed a secret:\n${out}`);
  });
}
