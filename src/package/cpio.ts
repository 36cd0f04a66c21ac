// cpio "newc" writer for the rpm payload: the "New ASCII Format" of cpio(5)
// (https://man.freebsd.org/cgi/man.cgi?query=cpio&sektion=5), which rpm's
// format.md names as the payload format
// (https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format.md).

/** One cpio member; `name` is written as given ('./usr/share/x'). */
export interface CpioMember {
  name: string;
  /** Full st_mode: file type bits plus permissions (0o100644, 0o040755). */
  mode: number;
  content: Buffer;
  ino: number;
}

/** 13 fields of 8 hex digits after the magic, as rpm's own writer (rpmcpio.c) prints them. */
function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

/** Zero bytes that bring `length` to a multiple of 4 (newc pads header+name and data). */
function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

/** Header, NUL-terminated name and padding of one member. */
function memberHeader(name: string, fields: { ino: number; mode: number; nlink: number; mtime: number; size: number }): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'ascii');
  const text =
    '070701' +
    [fields.ino, fields.mode, 0, 0, fields.nlink, fields.mtime, fields.size, 0, 0, 0, 0, nameBytes.length, 0]
      .map(hex8)
      .join('');
  const head = Buffer.concat([Buffer.from(text, 'ascii'), nameBytes]);
  return Buffer.concat([head, pad4(head.length)]);
}

/**
 * The archive: members in the given order (the same order as the rpm header's
 * file list), uid/gid 0, then the 'TRAILER!!!' entry.
 */
export function writeCpio(members: readonly CpioMember[], mtime: number): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const isDir = (m.mode & 0o170000) === 0o040000;
    parts.push(memberHeader(m.name, { ino: m.ino, mode: m.mode, nlink: isDir ? 2 : 1, mtime, size: m.content.length }));
    parts.push(m.content, pad4(m.content.length));
  }
  parts.push(memberHeader('TRAILER!!!', { ino: 0, mode: 0, nlink: 1, mtime: 0, size: 0 }));
  return Buffer.concat(parts);
}
