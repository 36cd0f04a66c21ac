// Pure checks of the writers (no external tools): validation tables, naming,
// and the raw bytes of the tar, gzip, ar and rpm structures that the oracle
// tests cannot see directly (which ustar fields were used, header layout).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gunzipSync } from 'fflate';
import { buildDeb } from '../../src/package/deb.js';
import { gzipDeterministic } from '../../src/package/gzip.js';
import {
  artifactNames,
  validateDebName,
  validateDebVersion,
  validateIdentity,
  validateRpmName,
  validateRpmVersion,
} from '../../src/package/naming.js';
import { buildRpm } from '../../src/package/rpm.js';
import { packTarGz } from '../../src/package/tar.js';
import { PackageSpecError } from '../../src/package/types.js';
import type { PackageEntry } from '../../src/package/types.js';
import { splitUstarName } from '../../src/package/ustar.js';
import { LONG_PATH, SDE, debSpec, rpmSpec, sampleEntries } from '../support/package-fixture.js';

/** One parsed ustar header. */
interface RawTarEntry {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  magic: string;
  uname: string;
  gname: string;
  content: Buffer;
}

/** Read a NUL-terminated ASCII field. */
function field(block: Buffer, start: number, width: number): string {
  const raw = block.subarray(start, start + width).toString('ascii');
  const nul = raw.indexOf('\0');
  return nul === -1 ? raw : raw.slice(0, nul);
}

/** A minimal ustar reader: enough to look at the fields the writers set. */
function readTar(tar: Buffer): RawTarEntry[] {
  const out: RawTarEntry[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const block = tar.subarray(off, off + 512);
    if (block.every((b) => b === 0)) break;
    const size = parseInt(field(block, 124, 12), 8);
    out.push({
      name: field(block, 0, 100),
      prefix: field(block, 345, 155),
      mode: parseInt(field(block, 100, 8), 8),
      uid: parseInt(field(block, 108, 8), 8),
      gid: parseInt(field(block, 116, 8), 8),
      size,
      mtime: parseInt(field(block, 136, 12), 8),
      typeflag: String.fromCharCode(block[156] ?? 0),
      magic: field(block, 257, 6),
      uname: field(block, 265, 32),
      gname: field(block, 297, 32),
      content: Buffer.from(tar.subarray(off + 512, off + 512 + size)),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const fullName = (e: RawTarEntry): string => (e.prefix === '' ? e.name : `${e.prefix}/${e.name}`);

/** ar members of a .deb, checking the global magic and even padding. */
function readAr(ar: Buffer): { name: string; header: string; data: Buffer }[] {
  assert.equal(ar.subarray(0, 8).toString('ascii'), '!<arch>\n');
  const out = [];
  for (let off = 8; off < ar.length; ) {
    const header = ar.subarray(off, off + 60).toString('ascii');
    assert.equal(header.slice(58), '`\n');
    const size = Number(header.slice(48, 58).trim());
    out.push({ name: header.slice(0, 16).trim(), header, data: Buffer.from(ar.subarray(off + 60, off + 60 + size)) });
    off += 60 + size + (size % 2);
  }
  return out;
}

const gunzip = (b: Buffer): Buffer => Buffer.from(gunzipSync(new Uint8Array(b)));

describe('naming', () => {
  test('valid identities produce the documented artifact names', () => {
    const id = { name: 'lvsgen-lb-nat-director', version: '1.2.0', release: '1' };
    assert.deepEqual(validateIdentity(id), []);
    assert.deepEqual(artifactNames(id), {
      deb: 'lvsgen-lb-nat-director_1.2.0-1_all.deb',
      rpm: 'lvsgen-lb-nat-director-1.2.0-1.noarch.rpm',
      tar: 'lvsgen-lb-nat-director-1.2.0.tar.gz',
    });
  });

  const invalid: [string, () => string[], string][] = [
    ['uppercase deb name', () => validateDebName('Lvsgen'), 'name:'],
    ['one-letter deb name', () => validateDebName('a'), 'name:'],
    ['deb name with underscore', () => validateDebName('a_b'), 'name:'],
    ['rpm name with space', () => validateRpmName('a b'), 'name:'],
    ['deb version not starting with a digit', () => validateDebVersion('v1.0-1'), 'version:'],
    ['deb version with epoch', () => validateDebVersion('1:1.0-1'), 'version:'],
    ['deb version with empty revision', () => validateDebVersion('1.0-'), 'version:'],
    ['deb revision with underscore', () => validateDebVersion('1.0-a_b'), 'version:'],
    ['rpm version with dash', () => validateRpmVersion('1.0-1'), 'version:'],
    ['rpm release empty', () => validateRpmVersion('', 'release'), 'release:'],
    ['identity with uppercase name', () => validateIdentity({ name: 'X-y', version: '1', release: '1' }), 'name:'],
  ];
  for (const [what, check, prefix] of invalid) {
    test(`rejects ${what}`, () => {
      const problems = check();
      assert.ok(problems.length > 0, 'expected a problem');
      for (const p of problems) assert.ok(p.startsWith(prefix), p);
    });
  }

  test('accepts Debian versions with ~ and +, and native versions', () => {
    assert.deepEqual(validateDebVersion('1.0~rc1+dfsg-2ubuntu1'), []);
    assert.deepEqual(validateDebVersion('20240101'), []);
  });
});

describe('entry validation (all writers)', () => {
  const ok: PackageEntry = { path: 'usr/share/x/a', mode: 0o644, content: Buffer.from('a') };
  const cases: [string, PackageEntry[], RegExp][] = [
    ['absolute path', [{ ...ok, path: '/etc/x' }], /^entries\[0\]\.path: path must be relative/],
    ['dot-dot segment', [{ ...ok, path: 'usr/../x' }], /^entries\[0\]\.path: .*'\.\.'/],
    ['empty segment', [{ ...ok, path: 'usr//x' }], /^entries\[0\]\.path: .*empty/],
    ['space in name', [{ ...ok, path: 'usr/a b' }], /^entries\[0\]\.path: .*character/],
    ['non-ASCII name', [{ ...ok, path: 'usr/é' }], /^entries\[0\]\.path: .*character/],
    ['name beyond ustar', [{ ...ok, path: `usr/${'x'.repeat(120)}` }], /^entries\[0\]\.path: .*ustar/],
    ['setuid mode', [{ ...ok, mode: 0o4755 }], /^entries\[0\]\.mode: /],
    ['owner cannot read', [{ ...ok, mode: 0o044 }], /^entries\[0\]\.mode: /],
    ['duplicate', [ok, { ...ok }], /^entries\[1\]\.path: duplicate/],
    ['file used as a directory', [ok, { ...ok, path: 'usr/share/x/a/b' }], /^entries: 'usr\/share\/x\/a' is a file/],
  ];
  for (const [what, entries, expected] of cases) {
    test(`${what} is refused by every writer`, async () => {
      const check = (e: unknown): boolean => e instanceof PackageSpecError && e.problems.some((p) => expected.test(p));
      assert.throws(() => buildDeb({ ...debSpec(1), entries }), check);
      assert.throws(() => buildRpm({ ...rpmSpec(1), entries }), check);
      await assert.rejects(packTarGz(entries, { mtime: SDE }), check);
    });
  }

  test('every problem is reported at once', () => {
    const entries = [{ ...ok, path: '/a' }, { ...ok, mode: 0o4000 }];
    assert.throws(
      () => buildDeb({ ...debSpec(1), name: 'Bad', maintainer: 'nobody', entries }),
      (e: unknown) => e instanceof PackageSpecError && e.problems.length >= 4,
    );
  });

  test('spec-level problems name their field', () => {
    const deb = (): Buffer => buildDeb({ ...debSpec(1), scripts: { postinst: 'echo no shebang' }, conffiles: ['etc/missing'] });
    assert.throws(deb, (e: unknown) => e instanceof PackageSpecError &&
      e.problems.some((p) => p.startsWith('scripts.postinst:')) && e.problems.some((p) => p.startsWith('conffiles[0]:')));
    const docs = (): Buffer => buildDeb({ ...debSpec(1), entries: [...sampleEntries(1), { path: 'usr/share/doc/lvsgen-pkgtest/copyright', mode: 0o644, content: Buffer.from('x') }] });
    assert.throws(docs, (e: unknown) => e instanceof PackageSpecError && e.problems.some((p) => p.includes('written by buildDeb')));
    const rpm = (): Buffer => buildRpm({ ...rpmSpec(1), requires: ['a >> 1'], changelog: [] });
    assert.throws(rpm, (e: unknown) => e instanceof PackageSpecError &&
      e.problems.some((p) => p.startsWith('requires[0]:')) && e.problems.some((p) => p.startsWith('changelog:')));
  });
});

describe('ustar names', () => {
  test('names up to 100 bytes stay in the name field', () => {
    assert.deepEqual(splitUstarName('a'.repeat(100)), { name: 'a'.repeat(100), prefix: '' });
  });
  test('longer names split at a slash into prefix (<=155) and name (<=100)', () => {
    const split = splitUstarName(`./${LONG_PATH}`);
    assert.ok(split && split.prefix.length > 0 && split.prefix.length <= 155 && split.name.length <= 100);
    assert.equal(`${split.prefix}/${split.name}`, `./${LONG_PATH}`);
  });
  test('a 101-byte final component cannot be stored', () => {
    assert.equal(splitUstarName(`a/${'b'.repeat(101)}`), null);
  });
});

describe('tarball bytes (archiver)', () => {
  test('sorted, root-owned, fixed mtime, explicit modes, long name in the ustar prefix', async () => {
    const entries = sampleEntries(1);
    assert.ok(LONG_PATH.length > 100, 'fixture must need the prefix field');
    const members = readTar(gunzip(await packTarGz(entries, { mtime: SDE })));
    const names = members.map(fullName);
    assert.deepEqual(names, [...names].sort(), 'entries sorted');
    for (const m of members) {
      assert.equal(m.magic, 'ustar', `${fullName(m)} is plain ustar (no pax/GNU long names)`);
      assert.deepEqual([m.uid, m.gid, m.uname, m.gname, m.mtime], [0, 0, 'root', 'root', SDE], fullName(m));
    }
    const long = members.find((m) => fullName(m) === LONG_PATH);
    assert.ok(long && long.prefix !== '', 'the long path uses the prefix field');
    for (const e of entries) {
      const m = members.find((x) => fullName(x) === e.path);
      assert.ok(m, `${e.path} present`);
      assert.equal(m.typeflag, '0');
      assert.equal(m.mode, e.mode, `${e.path} mode`);
      assert.ok(m.content.equals(e.content), `${e.path} content`);
    }
    const dirs = members.filter((m) => m.typeflag === '5');
    assert.ok(dirs.some((d) => fullName(d) === 'usr/'), 'parent directories are emitted');
    for (const d of dirs) assert.equal(d.mode, 0o755, fullName(d));
  });

  test('the prefix option puts everything under one top directory', async () => {
    const members = readTar(gunzip(await packTarGz(sampleEntries(1), { mtime: SDE, prefix: 'pkg-1.0.0' })));
    assert.equal(fullName(members[0]!), 'pkg-1.0.0/');
    for (const m of members) assert.ok(fullName(m).startsWith('pkg-1.0.0/'), fullName(m));
  });
});

describe('gzip', () => {
  test('no timestamp, fixed OS byte, maximum-compression flag', () => {
    const gz = gzipDeterministic(Buffer.from('hello\n'));
    assert.deepEqual([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
  });
});

describe('deb bytes', () => {
  const deb = buildDeb(debSpec(1));
  const members = readAr(deb);

  test('ar members in the mandatory order with deterministic headers', () => {
    assert.deepEqual(members.map((m) => m.name), ['debian-binary', 'control.tar.gz', 'data.tar.gz']);
    assert.equal(members[0]!.data.toString('ascii'), '2.0\n');
    for (const m of members) assert.equal(m.header.slice(16, 48), `${String(SDE).padEnd(12)}0     0     100644  `);
  });

  test('control.tar: scripts 0755, other control files 0644, all root-owned', () => {
    const ctl = readTar(gunzip(members[1]!.data));
    const modes = Object.fromEntries(ctl.map((m) => [fullName(m), m.mode.toString(8)]));
    assert.deepEqual(modes, {
      './': '755',
      './conffiles': '644',
      './control': '644',
      './md5sums': '644',
      './postinst': '755',
      './postrm': '755',
      './preinst': '755',
      './prerm': '755',
    });
    for (const m of ctl) assert.deepEqual([m.uid, m.gid, m.uname, m.gname], [0, 0, 'root', 'root']);
  });

  test('data.tar holds the same files as the tarball, plus the Debian doc files', async () => {
    const data = readTar(gunzip(members[2]!.data));
    const tar = readTar(gunzip(await packTarGz(sampleEntries(1), { mtime: SDE })));
    const key = (m: RawTarEntry, strip: string): string =>
      `${fullName(m).slice(strip.length)} ${m.typeflag} ${m.mode.toString(8)} ${m.content.toString('hex')}`;
    const fromDeb = data.map((m) => key(m, './')).filter((k) => !k.startsWith(' ') && !k.includes('usr/share/doc'));
    assert.deepEqual(fromDeb, tar.map((m) => key(m, '')));
  });
});

describe('rpm bytes', () => {
  const rpm = buildRpm(rpmSpec(1));

  test('lead, then a signature header padded to 8 with its region trailer', () => {
    assert.equal(rpm.subarray(0, 4).toString('hex'), 'edabeedb');
    assert.equal(rpm.readUInt16BE(78), 5, 'header-style signature');
    const sig = rpm.subarray(96);
    assert.equal(sig.subarray(0, 8).toString('hex'), '8eade80100000000');
    const nindex = sig.readUInt32BE(8);
    const hsize = sig.readUInt32BE(12);
    const trailer = sig.subarray(16 + 16 * nindex + hsize - 16, 16 + 16 * nindex + hsize);
    assert.deepEqual([trailer.readUInt32BE(0), trailer.readUInt32BE(4), trailer.readInt32BE(8), trailer.readUInt32BE(12)],
      [62, 7, -16 * nindex, 16]);
    const mainStart = 96 + Math.ceil((16 + 16 * nindex + hsize) / 8) * 8;
    assert.equal(rpm.subarray(mainStart, mainStart + 8).toString('hex'), '8eade80100000000');
  });
});
