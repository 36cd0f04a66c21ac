// Validation as the commands report it: one pass (every kind of problem in
// one run, under the file it is in), and a heartbeat key whose source is not
// there: a warning for the commands that do not need the key (validate, diff,
// ipvsadm; exit as if it were not there), an error for those that write it
// (render, package; exit 2, nothing written). The key is never printed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, example, REPO, tempDir } from '../support/index.js';

const KEY = 'example-only-change-me';
const HA = readFileSync(example('ha-cidr'), 'utf8');
const LB = readFileSync(example('lb-nat'), 'utf8');
const ENV = 'LVSGEN_VALIDATE_TEST_KEY';
const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const withKey = (source: string) => {
  assert.ok(HA.includes(`key: ${KEY}`));
  return HA.replace(`key: ${KEY}`, source);
};

interface SecretCase {
  /** The key's source in the topology (written beside a key file when `keyFile` is set). */
  source: string;
  keyFile?: string;
  env?: string;
  field: string;
}

const UNAVAILABLE: Record<string, SecretCase> = {
  'key_env unset': { source: `key_env: ${ENV}`, field: 'key_env' },
  'key_env empty': { source: `key_env: ${ENV}`, env: '', field: 'key_env' },
  'key_file missing': { source: 'key_file: absent.key', field: 'key_file' },
};

/** Per command: its arguments after the topology, and the exit code when the only problem is an unavailable key. */
const COMMANDS: Array<{ name: string; args: (dir: string) => string[]; status: number; severity: 'warning' | 'error' }> = [
  { name: 'validate', args: () => [], status: 0, severity: 'warning' },
  { name: 'diff', args: () => ['--against', join(REPO, 'golden/ha-cidr/redhat')], status: 0, severity: 'warning' },
  { name: 'ipvsadm', args: () => [], status: 0, severity: 'warning' },
  { name: 'render', args: (dir) => ['-o', join(dir, 'out')], status: 2, severity: 'error' },
  { name: 'package', args: (dir) => ['-o', join(dir, 'out'), '--format', 'tar'], status: 2, severity: 'error' },
];

for (const [what, c] of Object.entries(UNAVAILABLE)) {
  for (const cmd of COMMANDS) {
    test(`${cmd.name}: ${what} is ${cmd.severity === 'warning' ? 'a warning (exit 0)' : 'an error (exit 2, nothing written)'}`, async (t) => {
      const dir = tempDir(t);
      const f = join(dir, 'ha.yaml');
      writeFileSync(f, withKey(c.source));
      if (c.env !== undefined) process.env[ENV] = c.env;
      else delete process.env[ENV];
      t.after(() => delete process.env[ENV]);
      const argv = [cmd.name, f, ...cmd.args(dir)];
      const r = await cli(...argv);
      assert.equal(r.status, cmd.status, `${argv.join(' ')}\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^${re(f)}:\\d+:\\d+: ${cmd.severity} \\[secret-source\\] heartbeat\\.auth\\.${c.field}: `, 'm'));
      if (cmd.severity === 'error') {
        assert.match(r.stderr, /^1 problem; nothing written$/m);
        assert.ok(!existsSync(join(dir, 'out')), 'nothing written');
      } else {
        assert.ok(!r.stderr.includes('nothing written'), r.stderr);
      }
      if (cmd.name === 'validate') assert.equal(r.stdout, `${f}: valid (3 hosts, 0 virtual services)\n`);
    });
  }
}

test('a warning does not make an invalid topology valid: errors and warnings together, counted apart, exit 2', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'ha.yaml');
  writeFileSync(f, withKey(`key_env: ${ENV}`).replace('nodes: [node1, node2]', 'nodes: [node1, node3]'));
  delete process.env[ENV];
  const r = await cli('validate', f);
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => /\b(error|warning) \[([a-z-]+)\] (\S+):/.exec(l)?.slice(1) ?? l),
    [['error', 'undefined-host', 'heartbeat.nodes[1]'], ['warning', 'secret-source', 'heartbeat.auth.key_env'], '1 problem, 1 warning; nothing written'],
  );
  assert.match(lines[0]!, /did you mean "node1" or "node2"\?/);
});

test('a key that is there but bad is an error for every command, in the key file, and is not printed', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'ha.yaml');
  writeFileSync(f, withKey('key_file: bad.key'));
  writeFileSync(join(dir, 'bad.key'), 'hunter2\n');
  for (const argv of [['validate', f], ['render', f, '-o', join(dir, 'out')]]) {
    const r = await cli(...argv);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^${re(join(dir, 'bad.key'))}:1:1: error \\[secret-source\\] heartbeat\\.auth\\.key_file: `, 'm'));
    assert.ok(!r.stderr.includes('hunter2'));
  }
  process.env[ENV] = 'two words';
  t.after(() => delete process.env[ENV]);
  writeFileSync(f, withKey(`key_env: ${ENV}`));
  const r = await cli('validate', f);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`^${re(f)}:\\d+:\\d+: error \\[secret-source\\] heartbeat\\.auth\\.key_env: `, 'm'));
  assert.ok(!r.stderr.includes('two words'));
});

test('a key file that cannot be read is named in a problem of the topology file', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'ha.yaml');
  writeFileSync(f, withKey('key_file: keys/none.key'));
  const r = await cli('render', f, '-o', join(dir, 'out'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`^${re(f)}:\\d+:\\d+: error \\[secret-source\\] heartbeat\\.auth\\.key_file: cannot read the key file keys/none\\.key: ENOENT \\(${re(join(dir, 'keys/none.key'))}\\)$`, 'm'));
});

test('diff without the key: the files that hold it are named as not compared, everything else is compared', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'ha.yaml');
  writeFileSync(f, withKey(`key_env: ${ENV}`));
  process.env[ENV] = 'the-real-key-123';
  t.after(() => delete process.env[ENV]);
  const out = join(dir, 'out');
  assert.equal((await cli('render', f, '-o', out)).status, 0);
  delete process.env[ENV];
  const same = await cli('diff', f, '--against', out);
  assert.equal(same.status, 0, same.stderr);
  assert.equal(same.stdout, '');
  assert.match(same.stderr, /^node1\/etc\/ha\.d\/authkeys: not compared \(it holds the heartbeat key, which is not available\)$/m);
  assert.ok(!same.stderr.includes('the-real-key-123'));
  // Another file changed on disk still differs.
  const haCf = join(out, 'node1/etc/ha.d/ha.cf');
  writeFileSync(haCf, `${readFileSync(haCf, 'utf8')}# changed\n`);
  const changed = await cli('diff', f, '--against', out);
  assert.equal(changed.status, 1, changed.stderr);
  assert.match(changed.stderr, /^1 file differs$/m);
});

test('validate: one run reports schema, cross-field and target problems, sorted by line, with suggestions', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'lb.yaml');
  const text = `${LB.replace('scheduler: rr\n    persistent', 'scheduler: rrr\n    persistent')
    .replace('receive: Test Page }\n    real_servers: [real1, real2]', 'receive: Test Page }\n    real_servers: [real1, real3]')
    .replace('    forward: masq\n    check: { type: negotiate, service: https', '    foward: masq\n    check: { type: negotiate, service: https')}\ndirector_backend: keepalived\n`;
  writeFileSync(f, text);
  const r = await cli('validate', f);
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  const found = lines.slice(0, -1).map((l) => {
    const m = new RegExp(`^${re(f)}:(\\d+):\\d+: error \\[([a-z-]+)\\] (\\S+): (.*)$`).exec(l);
    assert.ok(m, l);
    return { line: Number(m[1]), code: m[2], path: m[3], message: m[4]! };
  });
  assert.deepEqual(found.map((p) => [p.code, p.path]), [
    ['invalid-scheduler', 'virtual_services[0].scheduler'],
    ['undefined-host', 'virtual_services[1].real_servers[1]'],
    ['missing', 'virtual_services[2].forward'],
    ['unknown-key', 'virtual_services[2].foward'],
    ['unsupported', 'director_backend'],
  ]);
  assert.deepEqual(found.map((p) => p.line), [...found.map((p) => p.line)].sort((a, b) => a - b));
  assert.match(found[0]!.message, /did you mean "rr" or "wrr"\?$/);
  assert.match(found[1]!.message, /did you mean "real1" or "real2"\?$/);
  assert.match(found[3]!.message, /did you mean "forward"\?$/);
  assert.equal(lines.at(-1), '5 problems; nothing written');
});
