// A native .rpm writer: lead (v3.0), signature header, main header and a
// gzipped cpio payload, byte-identical for identical specs.
// Facts: rpm's format.md, signatures_digests.md, hregions.md and tags.md
// (https://github.com/rpm-software-management/rpm/tree/master/docs/manual),
// and what `rpm -K`, `rpm --root -i` and rpmlint reject, numbered below and
// cited as "pitfall N" where the code avoids them:
//   3. the signature header is padded to a multiple of 8 bytes;
//   4. the size tags (SIZE, LONGSIZE, PAYLOADSIZE) match what follows;
//   5. every digest is there: SHA1 and SHA256 of the header, MD5 of header +
//      payload, SHA256 of the compressed payload;
//   6. FILEDIGESTALGO 8 (SHA-256) needs rpmlib(FileDigests); without SHA-256
//      file digests FIPS hosts fail with "cpio: Digest mismatch";
//   7. the rpmlib() requires the layout uses (CompressedFileNames,
//      FileDigests, PayloadFilesHavePrefix);
//   8. the file arrays sorted by path (strcmp), the cpio in the same order;
//   9. SOURCERPM present, or rpm takes the package for a source package;
//  10. SUMMARY, DESCRIPTION and GROUP as I18NSTRING;
//  11. /etc, /usr and such not listed as directories: they belong to the
//      `filesystem` package and would conflict with it;
//  12. a gzip payload (xz or zstd need more rpmlib() requires and older rpm
//      cannot read them).

import { createHash } from 'node:crypto';
import { writeCpio } from './cpio.js';
import type { CpioMember } from './cpio.js';
import { gzipDeterministic } from './gzip.js';
import { validateRpmName, validateRpmVersion } from './naming.js';
import { HeaderBuilder } from './rpm-header.js';
import { buildTree, configPaths, conffileProblems, validateEntries } from './tree.js';
import type { TreeNode } from './tree.js';
import { PackageSpecError } from './types.js';
import type { RpmScripts, RpmSpec } from './types.js';

// Tags (rpmtag.h). Signature tags share numbers with header tags by design.
const TAG = {
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  I18NTABLE: 100,
  SIG_SHA1: 269,
  SIG_SHA256: 273,
  SIG_SIZE: 1000,
  SIG_MD5: 1004,
  SIG_PAYLOADSIZE: 1007,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  SUMMARY: 1004,
  DESCRIPTION: 1005,
  BUILDTIME: 1006,
  BUILDHOST: 1007,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  PACKAGER: 1015,
  GROUP: 1016,
  URL: 1020,
  OS: 1021,
  ARCH: 1022,
  FILESIZES: 1028,
  FILEMODES: 1030,
  FILERDEVS: 1033,
  FILEMTIMES: 1034,
  FILEDIGESTS: 1035,
  FILELINKTOS: 1036,
  FILEFLAGS: 1037,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  SOURCERPM: 1044,
  FILEVERIFYFLAGS: 1045,
  PROVIDENAME: 1047,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  REQUIREVERSION: 1050,
  CHANGELOGTIME: 1080,
  CHANGELOGNAME: 1081,
  CHANGELOGTEXT: 1082,
  FILEDEVICES: 1095,
  FILEINODES: 1096,
  FILELANGS: 1097,
  PROVIDEFLAGS: 1112,
  PROVIDEVERSION: 1113,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  PAYLOADFORMAT: 1124,
  PAYLOADCOMPRESSOR: 1125,
  PAYLOADFLAGS: 1126,
  FILEDIGESTALGO: 5011,
  PAYLOADDIGEST: 5092,
  PAYLOADDIGESTALGO: 5093,
  PAYLOADDIGESTALT: 5097,
} as const;

/** Scriptlet body tag, interpreter tag and the Requires flag rpmbuild adds for it. */
const SCRIPTLETS: Record<keyof RpmScripts, { body: number; prog: number; sense: number }> = {
  pretrans: { body: 1151, prog: 1153, sense: 1 << 7 },
  pre: { body: 1023, prog: 1085, sense: 1 << 9 },
  post: { body: 1024, prog: 1086, sense: 1 << 10 },
  preun: { body: 1025, prog: 1087, sense: 1 << 11 },
  postun: { body: 1026, prog: 1088, sense: 1 << 12 },
  posttrans: { body: 1152, prog: 1154, sense: 1 << 5 },
};

// rpmsense flags (rpmds.h).
const SENSE = { LESS: 2, GREATER: 4, EQUAL: 8, INTERP: 1 << 8, RPMLIB: 1 << 24 } as const;
const OPERATORS: Record<string, number> = {
  '<': SENSE.LESS,
  '<=': SENSE.LESS | SENSE.EQUAL,
  '=': SENSE.EQUAL,
  '>=': SENSE.GREATER | SENSE.EQUAL,
  '>': SENSE.GREATER,
};
const REQUIRE = /^([^\s<>=]+)(?:\s+(<=|>=|<|>|=)\s+(\S+))?$/;

// File flags and digest algorithm (rpmfiles.h, rpmpgp.h).
const RPMFILE_CONFIG = 1;
const RPMFILE_DOC = 2;
const RPMFILE_NOREPLACE = 16;
const PGPHASHALGO_SHA256 = 8;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** A dependency as the three parallel header arrays store it. */
interface Dependency {
  name: string;
  flags: number;
  version: string;
}

// ---------------------------------------------------------------- validation

/** A header string that must be one non-empty line. */
function oneLine(field: string, value: string | undefined, required: boolean): string[] {
  if (value === undefined || value === '') return required ? [`${field}: required`] : [];
  return /[\n\r\0]/.test(value) ? [`${field}: must be a single line`] : [];
}

/** Every problem with the spec, each prefixed with its field. */
export function validateRpmSpec(spec: RpmSpec): string[] {
  const problems = [
    ...validateRpmName(spec.name),
    ...validateRpmVersion(spec.version, 'version'),
    ...validateRpmVersion(spec.release, 'release'),
    ...oneLine('summary', spec.summary, true),
    ...oneLine('license', spec.license, true),
    ...oneLine('group', spec.group, true),
    ...oneLine('url', spec.url, false),
    ...oneLine('packager', spec.packager, true),
    ...oneLine('vendor', spec.vendor, false),
    ...oneLine('buildHost', spec.buildHost, false),
    ...validateEntries(spec.entries),
    ...conffileProblems(spec.entries, spec.conffiles ?? []),
  ];
  if (spec.description.trim() === '' || spec.description.includes('\0')) problems.push('description: required, without NUL');
  (spec.requires ?? []).forEach((r, i) => {
    if (!REQUIRE.test(r)) problems.push(`requires[${i}]: '${r}' must be 'name' or 'name OP version'`);
  });
  if (spec.changelog.length === 0) problems.push('changelog: at least one entry (rpmlint: no-changelogname-tag)');
  spec.changelog.forEach((c, i) => {
    problems.push(...oneLine(`changelog[${i}].author`, c.author, true));
    if (c.text.trim() === '' || c.text.includes('\0')) problems.push(`changelog[${i}].text: required, without NUL`);
  });
  for (const [name, body] of Object.entries(spec.scripts ?? {})) {
    if (body !== undefined && body.includes('\0')) problems.push(`scripts.${name}: must not contain NUL`);
  }
  if (!Number.isInteger(spec.mtime) || spec.mtime < 0 || spec.mtime > 0xffffffff) problems.push(`mtime: must be a 32-bit unsigned integer, got ${spec.mtime}`);
  return problems;
}

// ---------------------------------------------------------------- file list

/**
 * Whether the package owns directory `dir`. Shared directories (/etc, /usr,
 * /usr/share, /etc/ha.d ...) must not be listed, or the package conflicts
 * with the ones that own them, e.g. `filesystem` (pitfall 11); rpm creates
 * unowned parents itself on install. So the package owns exactly the
 * directories with a path segment equal to its own name (usr/share/<name>/...,
 * etc/<name>/...), which nothing else can claim.
 */
export function rpmOwnsDirectory(packageName: string, dir: string): boolean {
  return dir.split('/').includes(packageName);
}

/** The nodes the header lists and the payload carries, in strcmp order (pitfall 8). */
function rpmNodes(spec: RpmSpec): TreeNode[] {
  return buildTree(spec.entries).filter((n) => n.kind === 'file' || rpmOwnsDirectory(spec.name, n.path));
}

/** Full st_mode: rpm stores type bits with the permissions (FILEMODES). */
function stMode(n: TreeNode): number {
  return (n.kind === 'dir' ? S_IFDIR : S_IFREG) | n.mode;
}

/** '/usr/share/x/y' -> ['/usr/share/x/', 'y'] (CompressedFileNames). */
function splitPath(path: string): [string, string] {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? ['/', path] : [`/${path.slice(0, slash)}/`, path.slice(slash + 1)];
}

/** %config(noreplace) for configuration, %doc under usr/share/doc/, else none. */
function fileFlags(n: TreeNode, config: ReadonlySet<string>): number {
  if (n.kind !== 'file') return 0;
  if (config.has(n.path)) return RPMFILE_CONFIG | RPMFILE_NOREPLACE;
  return n.path.startsWith('usr/share/doc/') ? RPMFILE_DOC : 0;
}

/** The parallel file arrays of the main header (tags.md: BASENAMES, DIRNAMES, DIRINDEXES, FILEMODES, ...). */
function addFileList(h: HeaderBuilder, spec: RpmSpec, nodes: readonly TreeNode[]): void {
  const config = configPaths(spec.entries, spec.conffiles ?? []);
  const dirnames = new Map<string, number>(); // dirname -> its index, in first-seen order
  const dirIndexes: number[] = [];
  const basenames: string[] = [];
  for (const n of nodes) {
    const [dir, base] = splitPath(n.path);
    if (!dirnames.has(dir)) dirnames.set(dir, dirnames.size);
    dirIndexes.push(dirnames.get(dir) ?? 0);
    basenames.push(base);
  }
  const isFile = (n: TreeNode): boolean => n.kind === 'file';
  h.int32(TAG.FILESIZES, nodes.map((n) => n.content.length));
  h.int16(TAG.FILEMODES, nodes.map(stMode));
  h.int16(TAG.FILERDEVS, nodes.map(() => 0));
  h.int32(TAG.FILEMTIMES, nodes.map(() => spec.mtime));
  h.stringArray(TAG.FILEDIGESTS, nodes.map((n) => (isFile(n) ? createHash('sha256').update(n.content).digest('hex') : '')));
  h.stringArray(TAG.FILELINKTOS, nodes.map(() => ''));
  h.int32(TAG.FILEFLAGS, nodes.map((n) => fileFlags(n, config)));
  h.stringArray(TAG.FILEUSERNAME, nodes.map(() => 'root'));
  h.stringArray(TAG.FILEGROUPNAME, nodes.map(() => 'root'));
  h.int32(TAG.FILEVERIFYFLAGS, nodes.map(() => -1));
  h.int32(TAG.FILEDEVICES, nodes.map(() => 1));
  h.int32(TAG.FILEINODES, nodes.map((_, i) => i + 1));
  h.stringArray(TAG.FILELANGS, nodes.map(() => ''));
  h.int32(TAG.DIRINDEXES, dirIndexes);
  h.stringArray(TAG.BASENAMES, basenames);
  h.stringArray(TAG.DIRNAMES, [...dirnames.keys()]);
  h.int32(TAG.FILEDIGESTALGO, [PGPHASHALGO_SHA256]); // with rpmlib(FileDigests): pitfall 6
}

// ---------------------------------------------------------------- relations and scripts

/** 'name', 'name >= 1.0' -> Dependency. Call validateRpmSpec first. */
function parseRequire(text: string): Dependency {
  const m = REQUIRE.exec(text);
  if (m === null || m[1] === undefined) throw new Error(`bad require '${text}'`);
  return m[2] === undefined || m[3] === undefined
    ? { name: m[1], flags: 0, version: '' }
    : { name: m[1], flags: OPERATORS[m[2]] ?? 0, version: m[3] };
}

/** rpmlib() features this layout needs (pitfall 7) + /bin/sh per scriptlet + the spec's. */
function requirements(spec: RpmSpec): Dependency[] {
  const rpmlib = SENSE.RPMLIB | SENSE.LESS | SENSE.EQUAL;
  const deps: Dependency[] = [
    { name: 'rpmlib(CompressedFileNames)', flags: rpmlib, version: '3.0.4-1' },
    { name: 'rpmlib(FileDigests)', flags: rpmlib, version: '4.6.0-1' },
    { name: 'rpmlib(PayloadFilesHavePrefix)', flags: rpmlib, version: '4.0-1' },
    ...(spec.requires ?? []).map(parseRequire),
  ];
  for (const [name, s] of Object.entries(SCRIPTLETS)) {
    if (spec.scripts?.[name as keyof RpmScripts] !== undefined) {
      deps.push({ name: '/bin/sh', flags: SENSE.INTERP | s.sense, version: '' });
    }
  }
  const key = (d: Dependency): string => `${d.name}\0${d.version}\0${String(d.flags).padStart(10, '0')}`;
  return deps.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Requires, Provides (the package itself, = version-release) and scriptlets. */
function addRelationsAndScripts(h: HeaderBuilder, spec: RpmSpec): void {
  const deps = requirements(spec);
  h.int32(TAG.REQUIREFLAGS, deps.map((d) => d.flags));
  h.stringArray(TAG.REQUIRENAME, deps.map((d) => d.name));
  h.stringArray(TAG.REQUIREVERSION, deps.map((d) => d.version));
  h.stringArray(TAG.PROVIDENAME, [spec.name]);
  h.int32(TAG.PROVIDEFLAGS, [SENSE.EQUAL]);
  h.stringArray(TAG.PROVIDEVERSION, [`${spec.version}-${spec.release}`]);
  for (const [name, s] of Object.entries(SCRIPTLETS)) {
    const body = spec.scripts?.[name as keyof RpmScripts];
    if (body === undefined) continue;
    h.string(s.body, body);
    h.string(s.prog, '/bin/sh');
  }
}

/** %changelog, newest first as rpmbuild stores it. */
function addChangelog(h: HeaderBuilder, spec: RpmSpec): void {
  const entries = spec.changelog
    .map((c) => ({ time: c.time ?? spec.mtime, author: c.author, text: c.text }))
    .sort((a, b) => b.time - a.time);
  h.int32(TAG.CHANGELOGTIME, entries.map((c) => c.time));
  h.stringArray(TAG.CHANGELOGNAME, entries.map((c) => c.author));
  h.stringArray(TAG.CHANGELOGTEXT, entries.map((c) => c.text));
}

// ---------------------------------------------------------------- headers

/** Digests of the payload the main header must carry. */
interface PayloadFacts {
  compressed: Buffer;
  cpioSha256: string;
}

/** The main header (region 63); I18N strings for summary/description/group (pitfall 10). */
function mainHeader(spec: RpmSpec, nodes: readonly TreeNode[], payload: PayloadFacts): Buffer {
  const h = new HeaderBuilder()
    .stringArray(TAG.I18NTABLE, ['C'])
    .string(TAG.NAME, spec.name)
    .string(TAG.VERSION, spec.version)
    .string(TAG.RELEASE, spec.release)
    .i18n(TAG.SUMMARY, spec.summary)
    .i18n(TAG.DESCRIPTION, spec.description)
    .int32(TAG.BUILDTIME, [spec.mtime])
    .string(TAG.BUILDHOST, spec.buildHost ?? 'lvsgen')
    .int32(TAG.SIZE, [nodes.reduce((sum, n) => sum + n.content.length, 0)])
    .string(TAG.LICENSE, spec.license)
    .string(TAG.PACKAGER, spec.packager)
    .i18n(TAG.GROUP, spec.group)
    .string(TAG.OS, 'linux')
    .string(TAG.ARCH, 'noarch')
    .string(TAG.SOURCERPM, `${spec.name}-${spec.version}-${spec.release}.src.rpm`) // pitfall 9
    .string(TAG.PAYLOADFORMAT, 'cpio')
    .string(TAG.PAYLOADCOMPRESSOR, 'gzip') // pitfall 12
    .string(TAG.PAYLOADFLAGS, '9')
    .stringArray(TAG.PAYLOADDIGEST, [createHash('sha256').update(payload.compressed).digest('hex')])
    .int32(TAG.PAYLOADDIGESTALGO, [PGPHASHALGO_SHA256])
    .stringArray(TAG.PAYLOADDIGESTALT, [payload.cpioSha256]);
  if (spec.url !== undefined) h.string(TAG.URL, spec.url);
  if (spec.vendor !== undefined) h.string(TAG.VENDOR, spec.vendor);
  addFileList(h, spec, nodes);
  addRelationsAndScripts(h, spec);
  addChangelog(h, spec);
  return h.build(TAG.HEADERIMMUTABLE);
}

/**
 * The signature header as rpmbuild 4.18 writes it minus the optional reserved
 * space (1008): SHA1 and SHA256 of the main header, then MD5 and size over
 * header + compressed payload, and the uncompressed cpio size (pitfalls 4, 5).
 * Padded to a multiple of 8 bytes (pitfall 3).
 */
function signatureHeader(header: Buffer, compressed: Buffer, cpioSize: number): Buffer {
  const md5 = createHash('md5').update(header).update(compressed).digest();
  const sig = new HeaderBuilder()
    .string(TAG.SIG_SHA1, createHash('sha1').update(header).digest('hex'))
    .string(TAG.SIG_SHA256, createHash('sha256').update(header).digest('hex'))
    .int32(TAG.SIG_SIZE, [header.length + compressed.length])
    .bin(TAG.SIG_MD5, md5)
    .int32(TAG.SIG_PAYLOADSIZE, [cpioSize])
    .build(TAG.HEADERSIGNATURES);
  return Buffer.concat([sig, Buffer.alloc((8 - (sig.length % 8)) % 8)]);
}

/**
 * The 96-byte lead: magic, v3.0, binary, archnum 0, 'name-version-release'
 * (66 bytes, NUL-padded), osnum 1 (Linux), signature type 5 (header-style).
 */
function lead(spec: RpmSpec): Buffer {
  const b = Buffer.alloc(96);
  b.write('edabeedb', 0, 'hex');
  b.writeUInt8(3, 4);
  b.writeUInt8(0, 5);
  b.writeUInt16BE(0, 6);
  b.writeUInt16BE(0, 8);
  b.write(`${spec.name}-${spec.version}-${spec.release}`.slice(0, 65), 10, 65, 'ascii');
  b.writeUInt16BE(1, 76);
  b.writeUInt16BE(5, 78);
  return b;
}

// ---------------------------------------------------------------- entry point

/** cpio members in header order, named './path' (PayloadFilesHavePrefix). */
function cpioMembers(nodes: readonly TreeNode[]): CpioMember[] {
  return nodes.map((n, i) => ({ name: `./${n.path}`, mode: stMode(n), content: n.content, ino: i + 1 }));
}

/**
 * Build the .rpm. Pure: the bytes depend on the spec only.
 * Throws PackageSpecError listing every problem with the spec.
 */
export function buildRpm(spec: RpmSpec): Buffer {
  const problems = validateRpmSpec(spec);
  if (problems.length > 0) throw new PackageSpecError(`rpm spec for '${spec.name}'`, problems);
  const nodes = rpmNodes(spec);
  const cpio = writeCpio(cpioMembers(nodes), spec.mtime);
  const compressed = gzipDeterministic(cpio);
  const header = mainHeader(spec, nodes, { compressed, cpioSha256: createHash('sha256').update(cpio).digest('hex') });
  return Buffer.concat([lead(spec), signatureHeader(header, compressed, cpio.length), header, compressed]);
}
