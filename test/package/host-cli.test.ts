// `lvsgen package` as a user runs it: one artifact per host per format with
// Debian and RPM names, exit code 2 and nothing written for bad input, a
// progress bar only on a terminal, byte-for-byte identical artifacts across
// TZ, umask and working directory, the same files with the same bytes and
// modes in all three artifacts of a host, and the tarball deployed the way
// the README says (unpack, --check, install, --uninstall).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import yargs from 'yargs';
import { packageCommand } from '../../src/cli/commands/package.js';
import { DEFAULT_SOURCE_DATE_EPOCH } from '../../src/package/host-package.js';
import { parsePlan } from '../../src/render/plan.js';
import { cli, example, EXAMPLES, generateFile, installerPrograms, resourceScripts, type NodeFacts, REPO, requireRoot, requireTools, run, runBytes, snapshotTree, staticBusybox, tempDir } from '../support/index.js';
import {
  fileAt,
  hostFiles,
  packageName,
  packageWithCli,
  plant,
  scratchRoot,
  stubCommands,
  takeStubLog,
} from '../support/host-package.js';

const dir = tempDir(after);
let counter = 0;
const fresh = (): string => path.join(dir, `case-${++counter}`);

/** Hosts whose bundle holds a secret (ha-cidr's heartbeat nodes): their artifacts are 0600. */
function secretHosts(cluster: string): Set<string> {
  return new Set(generateFile(example(cluster)).bundles.filter((b) => b.files.some((f) => f.secret)).map((b) => packageName(cluster, b.host)));
}
const modeOf = (cluster: string, artifact: string): number =>
  [...secretHosts(cluster)].some((n) => artifact.startsWith(`${n}-`) || artifact.startsWith(`${n}_`)) ? 0o600 : 0o644;

/**
 * Each artifact's line as a user should read it: the host, the distro its files
 * were rendered for (generate's bundle, or --distro's), and the packages it
 * needs under that distro's names (the plan's `needs` records).
 */
function expectedFor(cluster: string, distro?: string, formats: readonly string[] = ['tar', 'deb', 'rpm']): Map<string, string> {
  const g = generateFile(example(cluster), distro);
  return new Map(g.bundles.flatMap((b) => {
    const n = packageName(cluster, b.host);
    const needs = parsePlan(b.files.find((f) => f.path === '.lvsgen/plan')!.content).needs;
    const secret = b.files.some((f) => f.secret) ? ' (holds a secret: mode 0600)' : '';
    const all: Record<string, string> = { tar: `${n}-1.0.0.tar.gz`, deb: `${n}_1.0.0-1_all.deb`, rpm: `${n}-1.0.0-1.noarch.rpm` };
    return formats.map((f) => [all[f]!, `host ${b.host} on ${b.distro}${needs.length > 0 ? `, needs ${needs.join(', ')}` : ''}${secret}`] as const);
  }));
}

/** The artifact names of every host of a cluster, for these formats and version. */
function expectedNames(cluster: string, formats: readonly string[] = ['tar', 'deb', 'rpm'], version = '1.0.0', release = '1'): string[] {
  return generateFile(example(cluster)).bundles.flatMap((b) => {
    const n = packageName(cluster, b.host);
    const all: Record<string, string> = { tar: `${n}-${version}.tar.gz`, deb: `${n}_${version}-${release}_all.deb`, rpm: `${n}-${version}-${release}.noarch.rpm` };
    return formats.map((f) => all[f]!);
  });
}

describe('lvsgen package: the command', () => {
  test('both examples: one artifact per host per format, named after topology and host, one line each; 0600 when it holds a secret', async () => {
    for (const c of EXAMPLES) {
      const out = fresh();
      const stdout = await packageWithCli(example(c), out);
      const names = expectedNames(c);
      assert.equal(names.length, 9, 'three hosts, three formats');
      assert.deepEqual(fs.readdirSync(out).sort(), [...names].sort(), 'exactly the artifacts, no temporary file left');
      // Each line names the host and its distro (so which format fits) and what the package needs.
      const what = expectedFor(c);
      const line = (n: string): string => `wrote ${path.join(out, n)}: ${what.get(n)!}`;
      assert.deepEqual(stdout.trim().split('\n').sort(), names.map(line).sort());
      assert.match(stdout, / on (redhat|debian|debian12|rhel9), needs /);
      for (const n of names) assert.equal(fs.statSync(path.join(out, n)).mode & 0o777, modeOf(c, n), n);
    }
    assert.deepEqual([...secretHosts('ha-cidr')].sort(), ['lvsgen-ha-cidr-node1', 'lvsgen-ha-cidr-node2'], 'the heartbeat nodes hold the key');
  });

  test('--distro: every line names the distro the files were rendered for and that distro\'s package names', async () => {
    const out = fresh();
    const stdout = await packageWithCli(example('lb-nat'), out, '--format', 'rpm', '--distro', 'rhel9');
    const what = expectedFor('lb-nat', 'rhel9', ['rpm']);
    assert.deepEqual(stdout.trim().split('\n').sort(), [...what].map(([n, w]) => `wrote ${path.join(out, n)}: ${w}`).sort());
    assert.match(stdout, /: host director on rhel9, needs NetworkManager, [^\n]*\bkeepalived\b/);
    const deb = await packageWithCli(example('lb-nat'), fresh(), '--format', 'deb', '--distro', 'debian12');
    assert.match(deb, /: host director on debian12, needs [^\n]*\bifupdown\b/);
    assert.doesNotMatch(deb, /rhel9|NetworkManager/);
  });

  test('--format picks formats (comma-separated or repeated); --version UPSTREAM-RELEASE names both', async () => {
    const out = fresh();
    await packageWithCli(example('lb-nat'), out, '--format', 'deb,rpm', '--version', '2.1-3');
    assert.deepEqual(fs.readdirSync(out).sort(), expectedNames('lb-nat', ['deb', 'rpm'], '2.1', '3').sort());
    const out2 = fresh();
    await packageWithCli(example('ha-cidr'), out2, '--format', 'tar', '--format', 'rpm');
    assert.deepEqual(fs.readdirSync(out2).sort(), expectedNames('ha-cidr', ['tar', 'rpm']).sort());
  });

  test('an existing artifact is replaced whole; other files in DIR are left alone', async () => {
    const out = fresh();
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine\n');
    const [first] = expectedNames('lb-nat', ['deb']);
    fs.writeFileSync(path.join(out, first!), 'stale');
    await packageWithCli(example('lb-nat'), out, '--format', 'deb');
    assert.equal(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'mine\n');
    assert.equal(fs.readFileSync(path.join(out, first!)).subarray(0, 8).toString('latin1'), '!<arch>\n');
  });

  test('packaging again without a change leaves every artifact as it was (inode, mtime); a change rewrites only what differs', async () => {
    const out = fresh();
    await packageWithCli(example('ha-cidr'), out);
    const names = expectedNames('ha-cidr');
    const stamp = () => new Map(names.map((n) => {
      const st = fs.statSync(path.join(out, n), { bigint: true });
      return [n, `${st.ino} ${st.mtimeNs}`];
    }));
    const before = stamp();
    const again = await packageWithCli(example('ha-cidr'), out);
    assert.deepEqual(stamp(), before, 'no artifact rewritten');
    assert.deepEqual(again.trim().split('\n').map((l) => l.split(' ')[0]), names.map(() => 'unchanged'));
    // A tampered artifact is not "the same": it is replaced, and only it.
    const [victim, ...rest] = names;
    fs.writeFileSync(path.join(out, victim!), 'tampered');
    const third = await packageWithCli(example('ha-cidr'), out);
    const after = stamp();
    assert.notEqual(after.get(victim!), before.get(victim!));
    for (const n of rest) assert.equal(after.get(n), before.get(n), n);
    assert.match(third, new RegExp(`^wrote ${path.join(out, victim!).replace(/[.]/g, '\\.')}`, 'm'));
    // A new version gets new names; the artifacts of the old one stay beside them.
    await packageWithCli(example('ha-cidr'), out, '--version', '1.0.1');
    assert.equal(fs.readdirSync(out).length, names.length * 2);
  });

  test('bad input or usage: exit 2, a message naming the problem, nothing written', async () => {
    const cases: [string[], RegExp][] = [
      [['--version', '1.0_beta'], /--version 1\.0_beta: .*upstream part/],
      [['--version', 'v1'], /--version v1: .*must start with a digit/],
      [['--version', '1:1.0'], /epoch/],
      [['--version', '1.0-'], /revision '' must be non-empty/],
      [['--version', '1.0-rc1-2'], /'1\.0-rc1' must start .*no '-'/],
      [['--version', ''], /--version : /],
      [['--format', 'zip'], /--format: unknown format 'zip'/],
      [['--format', ','], /--format: empty/],
      [['--maintainer', 'nobody'], /--maintainer: 'nobody' must look like/],
      [['--distro', 'beos'], /beos/],
    ];
    for (const [args, message] of cases) {
      const out = fresh();
      const r = await cli('package', example('lb-nat'), '-o', out, ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.ok(!fs.existsSync(out), `${args.join(' ')}: nothing written`);
    }
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'name: x\nhosts: {}\n');
    const out = fresh();
    assert.equal((await cli('package', bad, '-o', out)).status, 2, 'invalid topology');
    assert.ok(!fs.existsSync(out));
    assert.equal((await cli('package', example('lb-nat'))).status, 2, '-o is required');
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    const r = await cli('package', example('lb-nat'), '-o', file);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /exists and is not a directory/);
  });

  test('SOURCE_DATE_EPOCH that is not an integer: exit 2, nothing written', async () => {
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = 'yesterday';
    try {
      const out = fresh();
      const r = await cli('package', example('lb-nat'), '-o', out);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /SOURCE_DATE_EPOCH: 'yesterday'/);
      assert.ok(!fs.existsSync(out));
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });

  test('on a terminal several hosts show a progress bar and one summary line', async () => {
    const tty = new PassThrough();
    let drawn = '';
    tty.on('data', (d: Buffer) => (drawn += d.toString('utf8')));
    Object.assign(tty, { isTTY: true, columns: 120 });
    let stdout = '';
    const io = { out: (s: string) => (stdout += s), err: (s: string) => assert.fail(s) };
    const out = fresh();
    await yargs(['package', example('lb-nat'), '-o', out])
      .command(packageCommand(io, tty as unknown as NodeJS.WriteStream))
      .strict()
      .version(false)
      .exitProcess(false)
      .fail((msg, err) => assert.fail(err ?? msg))
      .parseAsync();
    assert.match(drawn, /packaging .* 9\/9 /, 'the bar reached 9 of 9 artifacts');
    const distro = generateFile(example('lb-nat')).bundles[0]!.distro;
    assert.equal(stdout, `wrote 9 artifacts for 3 hosts (${distro}: 3 hosts) to ${out}\n`);
  });
});

/** Run bin/lvsgen in a child process under `umask`, in `cwd`, with `env` added. */
function packageInChild(topology: string, out: string, umask: string, cwd: string, env: Record<string, string>): void {
  const script = 'umask "$UMASK" && exec "$NODE" "$BIN" package "$TOPOLOGY" -o "$OUT"';
  run('sh', ['-c', script], {
    cwd,
    env: { ...process.env, ...env, UMASK: umask, NODE: process.execPath, BIN: path.join(REPO, 'bin/lvsgen'), TOPOLOGY: topology, OUT: out },
  });
}

describe('lvsgen package: reproducible', () => {
  test('two builds under different TZ, umask, working directory and locale are byte-identical', (t) => {
    if (!requireTools(t, 'tar')) return;
    const SDE = '1700000000';
    const scratch = fresh();
    fs.mkdirSync(scratch);
    for (const c of EXAMPLES) {
      const out1 = path.join(dir, `repro-${c}-1`);
      const out2 = path.join(dir, `repro-${c}-2`);
      packageInChild(example(c), out1, '022', scratch, { SOURCE_DATE_EPOCH: SDE, TZ: 'UTC', LC_ALL: 'C' });
      packageInChild(example(c), out2, '077', '/', { SOURCE_DATE_EPOCH: SDE, TZ: 'Asia/Tokyo', LC_ALL: 'de_DE.UTF-8' });
      const names = fs.readdirSync(out1).sort();
      assert.deepEqual(names, expectedNames(c).sort());
      assert.deepEqual(fs.readdirSync(out2).sort(), names);
      for (const n of names) {
        assert.ok(fs.readFileSync(path.join(out1, n)).equals(fs.readFileSync(path.join(out2, n))), `${n} differs between the builds (try diffoscope)`);
        assert.equal(fs.statSync(path.join(out2, n)).mode & 0o777, modeOf(c, n), `${n}: mode whatever the umask`);
      }
      // tar -tv: root/root (0/0), mtime SOURCE_DATE_EPOCH, entries sorted under one top directory.
      for (const n of names.filter((x) => x.endsWith('.tar.gz'))) {
        const lines = run('tar', ['--numeric-owner', '--full-time', '-tvzf', path.join(out1, n)], { env: { ...process.env, TZ: 'UTC' } }).stdout.trim().split('\n');
        const entries = lines.map((l) => l.split(/\s+/));
        for (const e of entries) {
          assert.equal(e[1], '0/0', `${n}: owner of ${e[5]}`);
          assert.equal(`${e[3]} ${e[4]}`, '2023-11-14 22:13:20', `${n}: mtime of ${e[5]}`);
        }
        const paths = entries.map((e) => e[5]!);
        assert.deepEqual(paths, [...paths].sort(), `${n}: sorted`);
        assert.ok(paths.every((p) => p.startsWith(`${n.replace(/\.tar\.gz$/, '')}/`)), `${n}: one top directory`);
      }
    }
  });

  test('without SOURCE_DATE_EPOCH every timestamp is the fixed default', (t) => {
    if (!requireTools(t, 'tar', 'rpm')) return;
    const out = fresh();
    const env = { ...process.env };
    delete env.SOURCE_DATE_EPOCH;
    run('sh', ['-c', 'exec "$NODE" "$BIN" package "$TOPOLOGY" -o "$OUT" --format tar,rpm'], {
      env: { ...env, NODE: process.execPath, BIN: path.join(REPO, 'bin/lvsgen'), TOPOLOGY: example('ha-cidr'), OUT: out },
    });
    const [tarball, rpmFile] = [expectedNames('ha-cidr', ['tar'])[0]!, expectedNames('ha-cidr', ['rpm'])[0]!];
    const mtimes = run('tar', ['--full-time', '-tvzf', path.join(out, tarball)], { env: { ...process.env, TZ: 'UTC' } }).stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(3, 5).join(' '));
    assert.deepEqual([...new Set(mtimes)], ['2024-01-01 00:00:00']);
    assert.equal(run('rpm', ['-qp', '--qf', '%{BUILDTIME}', path.join(out, rpmFile)]).stdout, String(DEFAULT_SOURCE_DATE_EPOCH));
  });
});

describe('lvsgen package: one bundle, three artifacts', () => {
  test('the tarball, the .deb and the .rpm of every host extract to the bundle: same files, bytes and modes', async (t) => {
    if (!requireTools(t, 'tar', 'dpkg-deb', 'rpm2cpio', 'cpio')) return;
    for (const c of EXAMPLES) {
      const out = fresh();
      await packageWithCli(example(c), out);
      for (const b of generateFile(example(c)).bundles) {
        const name = packageName(c, b.host);
        const [tarball, deb, rpmFile] = ['tar', 'deb', 'rpm'].map((f) => path.join(out, expectedNames(c, [f]).find((n) => n.startsWith(`${name}-`) || n.startsWith(`${name}_`))!));
        const x = path.join(out, `x-${b.host}`);
        for (const d of ['tar', 'rpm']) fs.mkdirSync(path.join(x, d), { recursive: true });
        run('tar', ['-xzf', tarball!, '-C', path.join(x, 'tar')]);
        run('dpkg-deb', ['-x', deb!, path.join(x, 'deb')]);
        run('cpio', ['-idm', '--quiet'], { input: runBytes('rpm2cpio', [rpmFile!]), cwd: path.join(x, 'rpm') });
        const fromTar = snapshotTree(path.join(x, 'tar', path.basename(tarball!, '.tar.gz')));
        const fromDeb = snapshotTree(path.join(x, 'deb', 'usr/share', name));
        const fromRpm = snapshotTree(path.join(x, 'rpm', 'usr/share', name));
        const files = (m: Map<string, NodeFacts>): Map<string, NodeFacts> => new Map([...m].filter(([, f]) => f.kind === 'file'));
        assert.deepEqual(fromDeb, fromTar, `${name}: .deb == tarball, directories included`);
        assert.deepEqual(fromRpm, fromTar, `${name}: .rpm == tarball, directories included`);
        const bundle = new Map(b.files.map((f) => [f.path, { content: f.content, mode: f.mode }]));
        assert.deepEqual([...files(fromTar).keys()].sort(), [...bundle.keys()].sort(), `${name}: the bundle's files`);
        for (const [p, f] of bundle) {
          assert.deepEqual(fileAt(path.join(x, 'tar', path.basename(tarball!, '.tar.gz')), p), f, `${name}: ${p}`);
        }
      }
    }
  });

  test('the tarball as the README deploys it: unpack, --check, install (commands chrooted into --root), --check again, --uninstall', async (t) => {
    if (!requireTools(t, 'tar', 'chroot') || !requireRoot(t)) return;
    const busybox = staticBusybox(t);
    if (busybox === undefined) return;
    const out = fresh();
    await packageWithCli(example('ha-cidr'), out, '--format', 'tar');
    const g = generateFile(example('ha-cidr'));
    const node1 = g.bundles.find((b) => b.host === 'node1')!;
    const root = scratchRoot(out, busybox);
    const haresources = node1.files.find((f) => f.path === 'etc/ha.d/haresources')?.content;
    stubCommands(root, [...installerPrograms(node1.files.find((f) => f.path === '.lvsgen/plan')!.content), ...resourceScripts(haresources, node1.files.map((f) => `/${f.path}`))]);
    // The host's own /etc/sysconfig/network: lvsgen's keys are merged into it (a block), uninstall takes them out again.
    const network = 'NETWORKING=yes\nHOSTNAME=node1\n';
    plant(root, 'etc/sysconfig/network', network);
    const unpacked = path.join(out, 'unpacked');
    fs.mkdirSync(unpacked);
    const tarball = expectedNames('ha-cidr', ['tar']).find((n) => n.startsWith(`${packageName('ha-cidr', 'node1')}-`))!;
    run('tar', ['-xzf', path.join(out, tarball), '-C', unpacked]);
    const installer = path.join(unpacked, tarball.replace(/\.tar\.gz$/, ''), '.lvsgen/install.sh');

    const check = run(installer, ['--check', '--root', root], { allowFailure: true });
    assert.equal(check.status, 1, 'something to change');
    // The secret file diffed, its key masked (install.sh --check masks, not hides).
    assert.ok(check.stdout.includes('--- /etc/ha.d/authkeys (on the host)\n+++ /etc/ha.d/authkeys (generated)\n'), check.stdout);
    assert.ok(check.stdout.split('\n').includes('+1 sha1 ********'), check.stdout);
    assert.ok(!check.stdout.includes('example-only-change-me'), 'the key was shown');
    run(installer, ['--root', root, '--no-restart']);
    for (const [p, f] of hostFiles(g, 'node1', { 'etc/sysconfig/network': network })) assert.deepEqual(fileAt(root, p), f, p);
    assert.ok(takeStubLog(root).some((l) => l.includes('heartbeat')));
    // Every file is in place; the network restart --no-restart skipped is pending until it has run.
    const pending = run(installer, ['--check', '--root', root], { allowFailure: true });
    assert.deepEqual([pending.status, pending.stdout], [1, 'pending: network (its files are in place; the next install runs it)\n']);
    run(installer, ['--root', root, '--yes']);
    assert.equal(run(installer, ['--check', '--root', root]).status, 0, 'up to date');
    run(installer, ['--uninstall', '--root', root]);
    assert.equal(fileAt(root, 'etc/sysconfig/network')?.content, network);
    assert.equal(fileAt(root, 'etc/ha.d/authkeys'), undefined);
  });
});
