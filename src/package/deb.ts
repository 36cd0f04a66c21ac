// A native .deb writer (format 2.0): ar archive of debian-binary,
// control.tar.gz and data.tar.gz, byte-identical for identical specs.
// Facts: deb(5) (https://manpages.debian.org/bookworm/dpkg-dev/deb.5.en.html),
// deb-control(5), deb-md5sums(5), deb-conffiles(5) and deb-changelog(5), the
// same site's pages beside it.

import { createHash } from 'node:crypto';
import { gzipDeterministic } from './gzip.js';
import { validateDebName, validateDebVersion } from './naming.js';
import { buildTree, configPaths, conffileProblems, validateEntries } from './tree.js';
import type { TreeNode } from './tree.js';
import { PackageSpecError } from './types.js';
import type { DebChangelogEntry, DebScripts, DebSpec, PackageEntry } from './types.js';
import { splitUstarName, writeUstar } from './ustar.js';
import type { UstarMember } from './ustar.js';

/** Script names in the order dpkg documents them; all shipped 0755. */
const SCRIPT_NAMES: readonly (keyof DebScripts)[] = ['preinst', 'postinst', 'prerm', 'postrm'];

// ---------------------------------------------------------------- validation

/** A control field value must be one line: a newline would start a new field. */
function oneLine(field: string, value: string | undefined, required: boolean): string[] {
  if (value === undefined || value === '') return required ? [`${field}: required`] : [];
  return /[\n\r]/.test(value) ? [`${field}: must be a single line`] : [];
}

/** Every problem with the spec, each prefixed with its field. */
export function validateDebSpec(spec: DebSpec): string[] {
  const problems = [
    ...validateDebName(spec.name),
    ...validateDebVersion(spec.version),
    ...oneLine('maintainer', spec.maintainer, true),
    ...oneLine('section', spec.section, true),
    ...oneLine('priority', spec.priority, true),
    ...oneLine('summary', spec.summary, true),
    ...oneLine('homepage', spec.homepage, false),
    ...validateEntries(spec.entries),
    ...conffileProblems(spec.entries, spec.conffiles ?? []),
  ];
  // lintian: maintainer-address-malformed unless 'Name <address>'.
  if (spec.maintainer && !/^[^<>,]+ <[^<>@\s]+@[^<>\s]+>$/.test(spec.maintainer)) {
    problems.push(`maintainer: '${spec.maintainer}' must look like 'Full Name <user@host>'`);
  }
  if (spec.architecture !== undefined && spec.architecture !== 'all') problems.push(`architecture: only 'all' is supported`);
  if (spec.description.trim() === '') problems.push('description: required');
  (spec.depends ?? []).forEach((d, i) => problems.push(...oneLine(`depends[${i}]`, d, true)));
  for (const name of SCRIPT_NAMES) {
    const body = spec.scripts?.[name];
    // dpkg execs the script directly: without '#!' the kernel refuses it.
    if (body !== undefined && !body.startsWith('#!')) problems.push(`scripts.${name}: must start with '#!'`);
  }
  if (!Number.isInteger(spec.mtime) || spec.mtime < 0) problems.push(`mtime: must be a non-negative integer, got ${spec.mtime}`);
  return [...problems, ...docProblems(spec)];
}

/** The doc files buildDeb adds must have content and must not collide with entries. */
function docProblems(spec: DebSpec): string[] {
  const problems: string[] = [];
  if (spec.copyright.trim() === '') problems.push('copyright: required (lintian: no-copyright-file)');
  if (spec.changelog.length === 0) problems.push('changelog: at least one entry (lintian: no-changelog)');
  spec.changelog.forEach((c, i) => {
    const where = `changelog[${i}]`;
    if (c.changes.length === 0) problems.push(`${where}.changes: at least one change`);
    c.changes.forEach((line, j) => problems.push(...oneLine(`${where}.changes[${j}]`, line, true)));
    if (c.version !== undefined) problems.push(...validateDebVersion(c.version, `${where}.version`));
    if (c.distribution !== undefined && !/^[a-z0-9][a-z0-9.+-]*$/.test(c.distribution)) problems.push(`${where}.distribution: not a suite name`);
    if (c.urgency !== undefined && !/^[a-z]+$/.test(c.urgency)) problems.push(`${where}.urgency: not an urgency`);
    problems.push(...oneLine(`${where}.maintainer`, c.maintainer, false));
  });
  const docs = Object.values(debDocPaths(spec.name, spec.version));
  for (const d of docs) if (splitUstarName(`./${d}`) === null) problems.push(`name: too long for '${d}' to fit ustar`);
  for (const e of spec.entries) {
    if (docs.includes(e.path)) problems.push(`entries: '${e.path}' is written by buildDeb from the spec; remove it from the entries`);
  }
  return problems;
}

// ---------------------------------------------------------------- doc files

/**
 * Where buildDeb puts the copyright and changelog (Debian Policy 12.5, 12.7):
 * a version with a Debian revision ('1.0-1') is non-native and wants
 * changelog.Debian.gz, a native one changelog.gz (lintian's
 * debian-changelog-file-missing-or-wrong-name and changelog-file-missing-in-native-package).
 */
export function debDocPaths(name: string, version: string): { copyright: string; changelog: string } {
  const changelog = version.includes('-') ? 'changelog.Debian.gz' : 'changelog.gz';
  return { copyright: `usr/share/doc/${name}/copyright`, changelog: `usr/share/doc/${name}/${changelog}` };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 2822 date in UTC ('Tue, 14 Nov 2023 22:13:20 +0000'): never the host's zone or locale. */
export function rfc2822(seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** One deb-changelog(5) entry: header, bullets, trailer line. */
function changelogEntry(spec: DebSpec, c: DebChangelogEntry): string {
  const head = `${spec.name} (${c.version ?? spec.version}) ${c.distribution ?? 'unstable'}; urgency=${c.urgency ?? 'medium'}`;
  const bullets = c.changes.map((line) => `  * ${line}`).join('\n');
  const trailer = ` -- ${c.maintainer ?? spec.maintainer}  ${rfc2822(c.time ?? spec.mtime)}`;
  return `${head}\n\n${bullets}\n\n${trailer}\n`;
}

/** The payload: the spec's entries plus copyright and the gzipped changelog. */
function payloadEntries(spec: DebSpec): PackageEntry[] {
  const paths = debDocPaths(spec.name, spec.version);
  const changelog = spec.changelog.map((c) => changelogEntry(spec, c)).join('\n');
  return [
    ...spec.entries,
    { path: paths.copyright, mode: 0o644, content: Buffer.from(withNewline(spec.copyright), 'utf8') },
    // gzip -9 without timestamp: lintian checks the maximum-compression flag.
    { path: paths.changelog, mode: 0o644, content: gzipDeterministic(Buffer.from(changelog, 'utf8')) },
  ];
}

// ---------------------------------------------------------------- control files

/** Text ending in exactly one newline (dpkg and lintian want the final newline). */
function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Extended description folded for deb-control(5): every line starts with a
 * space, an empty line becomes ' .', trailing blanks are dropped.
 */
export function foldDescription(long: string): string {
  const lines = long.replace(/\s+$/, '').replace(/^\n+/, '').split('\n');
  return lines.map((l) => (l.trim() === '' ? ' .' : ` ${l.replace(/\s+$/, '')}`)).join('\n');
}

/**
 * Installed-Size in KiB the way dpkg-gencontrol computes it: each regular file
 * rounded up to whole KiB, plus 1 KiB for each directory (including './').
 */
export function installedSize(nodes: readonly TreeNode[]): number {
  let kib = 1;
  for (const n of nodes) kib += n.kind === 'file' ? Math.ceil(n.content.length / 1024) : 1;
  return kib;
}

/** The control file; fields in the order dpkg-gencontrol writes them. */
function controlFile(spec: DebSpec, nodes: readonly TreeNode[]): string {
  const fields: [string, string | undefined][] = [
    ['Package', spec.name],
    ['Version', spec.version],
    ['Architecture', spec.architecture ?? 'all'],
    ['Maintainer', spec.maintainer],
    ['Installed-Size', String(installedSize(nodes))],
    ['Depends', spec.depends && spec.depends.length > 0 ? spec.depends.join(', ') : undefined],
    ['Section', spec.section],
    ['Priority', spec.priority],
    ['Homepage', spec.homepage],
    ['Description', `${spec.summary}\n${foldDescription(spec.description)}`],
  ];
  return fields
    .filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '')
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
}

/** md5sums: '<md5>  <relative path>' for every regular file (deb-md5sums(5)). */
function md5sumsFile(nodes: readonly TreeNode[]): string {
  return nodes
    .filter((n) => n.kind === 'file')
    .map((n) => `${createHash('md5').update(n.content).digest('hex')}  ${n.path}\n`)
    .join('');
}

/** conffiles: absolute paths, one a line (deb-conffiles(5)); undefined when none. */
function conffilesFile(spec: DebSpec): string | undefined {
  const paths = [...configPaths(spec.entries, spec.conffiles ?? [])].sort();
  return paths.length === 0 ? undefined : paths.map((p) => `/${p}\n`).join('');
}

/** control.tar members: './' then the files sorted; scripts 0755, the rest 0644. */
function controlMembers(spec: DebSpec, nodes: readonly TreeNode[]): UstarMember[] {
  const files = new Map<string, { text: string; mode: number }>();
  files.set('control', { text: controlFile(spec, nodes), mode: 0o644 });
  files.set('md5sums', { text: md5sumsFile(nodes), mode: 0o644 });
  const conffiles = conffilesFile(spec);
  if (conffiles !== undefined) files.set('conffiles', { text: conffiles, mode: 0o644 });
  for (const name of SCRIPT_NAMES) {
    const body = spec.scripts?.[name];
    if (body !== undefined) files.set(name, { text: withNewline(body), mode: 0o755 });
  }
  const names = [...files.keys()].sort();
  return [
    { name: './', kind: 'dir', mode: 0o755, content: Buffer.alloc(0) },
    ...names.map((n): UstarMember => {
      const f = files.get(n)!;
      return { name: `./${n}`, kind: 'file', mode: f.mode, content: Buffer.from(f.text, 'utf8') };
    }),
  ];
}

/** data.tar members: './', every parent directory ('./usr/') and file, sorted. */
function dataMembers(nodes: readonly TreeNode[]): UstarMember[] {
  return [
    { name: './', kind: 'dir', mode: 0o755, content: Buffer.alloc(0) },
    ...nodes.map((n): UstarMember => ({
      name: n.kind === 'dir' ? `./${n.path}/` : `./${n.path}`,
      kind: n.kind,
      mode: n.mode,
      content: n.content,
    })),
  ];
}

// ---------------------------------------------------------------- ar

/** A space-padded ASCII field of the ar header; refuses values that do not fit. */
function arField(value: string, width: number): string {
  if (value.length > width) throw new RangeError(`ar field '${value}' is wider than ${width}`);
  return value.padEnd(width, ' ');
}

/**
 * One ar member: 60-byte header (name 16, mtime 12, uid 6, gid 6, mode 8,
 * size 10, '`\n'), data padded to an even length with '\n' (deb(5); the
 * common ar format of ar(5), https://man.freebsd.org/cgi/man.cgi?query=ar&sektion=5).
 */
function arMember(name: string, data: Buffer, mtime: number): Buffer[] {
  const header =
    arField(name, 16) + arField(String(mtime), 12) + arField('0', 6) + arField('0', 6) +
    arField('100644', 8) + arField(String(data.length), 10) + '`\n';
  const parts = [Buffer.from(header, 'ascii'), data];
  if (data.length % 2 === 1) parts.push(Buffer.from('\n', 'ascii'));
  return parts;
}

/** The ar archive: magic then the members in the given (mandatory) order. */
function arArchive(members: readonly [string, Buffer][], mtime: number): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'ascii')];
  for (const [name, data] of members) parts.push(...arMember(name, data, mtime));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- entry point

/**
 * Build the .deb. Pure: the bytes depend on the spec only.
 * Throws PackageSpecError listing every problem with the spec.
 */
export function buildDeb(spec: DebSpec): Buffer {
  const problems = validateDebSpec(spec);
  if (problems.length > 0) throw new PackageSpecError(`deb spec for '${spec.name}'`, problems);
  const nodes = buildTree(payloadEntries(spec));
  const control = gzipDeterministic(writeUstar(controlMembers(spec, nodes), spec.mtime));
  const data = gzipDeterministic(writeUstar(dataMembers(nodes), spec.mtime));
  // Order is mandatory: debian-binary, control.tar.*, data.tar.* (deb(5)).
  return arArchive(
    [
      ['debian-binary', Buffer.from('2.0\n', 'ascii')],
      ['control.tar.gz', control],
      ['data.tar.gz', data],
    ],
    spec.mtime,
  );
}
