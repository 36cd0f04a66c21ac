// A small synchronous POSIX ustar writer for the .deb's control.tar and
// data.tar. (The user-facing tarball is made with archiver in tar.ts; the .deb
// needs a synchronous writer, and dpkg accepts plain ustar: deb(5). The header
// layout is POSIX's ustar interchange format, pax(1) "ustar Interchange Format",
// https://pubs.opengroup.org/onlinepubs/9799919799/utilities/pax.html.)

/** One member: `name` is written as given ('./usr/', './usr/x'). */
export interface UstarMember {
  name: string;
  kind: 'dir' | 'file';
  /** Permission bits; the type goes into the typeflag. */
  mode: number;
  content: Buffer;
}

const BLOCK = 512;

/**
 * Split a name into ustar's name (100) and prefix (155) fields at a '/'.
 * Picks the shortest prefix that makes the name fit (as tar-stream does), so a
 * valid split is found whenever one exists. Null when the name cannot fit or
 * is not ASCII (we do not write pax extended headers).
 */
export function splitUstarName(full: string): { name: string; prefix: string } | null {
  if (!/^[\x20-\x7e]*$/.test(full)) return null;
  if (full.length <= 100) return { name: full, prefix: '' };
  // A directory's trailing '/' belongs to the name part, never a split point.
  const body = full.endsWith('/') ? full.slice(0, -1) : full;
  for (let i = body.indexOf('/'); i !== -1; i = body.indexOf('/', i + 1)) {
    const prefix = full.slice(0, i);
    const name = full.slice(i + 1);
    if (prefix.length > 155) return null;
    if (name.length <= 100 && name.length > 0) return { name, prefix };
  }
  return null;
}

/** NUL-terminated zero-padded octal in a field of `width` bytes. */
function octal(value: number, width: number): string {
  const digits = value.toString(8).padStart(width - 1, '0');
  if (digits.length > width - 1) throw new RangeError(`${value} does not fit a ${width}-byte tar field`);
  return `${digits}\0`;
}

/** One 512-byte ustar header; uid/gid 0 and uname/gname root (what dpkg-deb writes, and reproducible). */
function header(m: UstarMember, mtime: number): Buffer {
  const split = splitUstarName(m.name);
  if (split === null) throw new RangeError(`tar name does not fit ustar: ${m.name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(split.name, 0, 100, 'ascii');
  h.write(octal(m.mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(m.kind === 'file' ? m.content.length : 0, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write(' '.repeat(8), 148, 'ascii'); // checksum is computed over spaces here
  h.write(m.kind === 'file' ? '0' : '5', 156, 'ascii');
  h.write('ustar\0' + '00', 257, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(octal(0, 8), 329, 'ascii'); // devmajor
  h.write(octal(0, 8), 337, 'ascii'); // devminor
  h.write(split.prefix, 345, 155, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** Pad data to the next 512-byte boundary with zeros. */
function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

/** The whole archive, members in the given order, ending with two zero blocks. */
export function writeUstar(members: readonly UstarMember[], mtime: number): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    parts.push(header(m, mtime));
    if (m.kind === 'file') parts.push(...padded(m.content));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
