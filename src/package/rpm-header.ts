// The rpm header structure shared by the signature and the main header
// (rpm's docs/manual/format.md "Header" and hregions.md,
// https://github.com/rpm-software-management/rpm/tree/master/docs/manual):
// magic, index of {tag, type, offset,
// count}, then the data store, with a region entry first whose trailer sits
// at the end of the data.

/** Data types of header entries (rpmtag.h). */
export const RpmType = {
  INT16: 3,
  INT32: 4,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

interface HeaderEntry {
  tag: number;
  type: number;
  count: number;
  data: Buffer;
}

/** Integers must start at a multiple of their size in the data store. */
function alignment(type: number): number {
  return type === RpmType.INT16 ? 2 : type === RpmType.INT32 ? 4 : 1;
}

/** NUL-terminated strings, back to back, unaligned. */
function strings(values: readonly string[]): Buffer {
  for (const v of values) if (v.includes('\0')) throw new RangeError('rpm header strings cannot contain NUL');
  return Buffer.concat(values.map((v) => Buffer.from(`${v}\0`, 'utf8')));
}

/** Collects tagged values, then serialises them sorted by tag. */
export class HeaderBuilder {
  private readonly entries = new Map<number, HeaderEntry>();

  private put(tag: number, type: number, count: number, data: Buffer): this {
    if (this.entries.has(tag)) throw new Error(`rpm header tag ${tag} set twice`);
    this.entries.set(tag, { tag, type, count, data });
    return this;
  }

  int16(tag: number, values: readonly number[]): this {
    const data = Buffer.alloc(2 * values.length);
    values.forEach((v, i) => data.writeUInt16BE(v & 0xffff, 2 * i));
    return this.put(tag, RpmType.INT16, values.length, data);
  }

  int32(tag: number, values: readonly number[]): this {
    const data = Buffer.alloc(4 * values.length);
    values.forEach((v, i) => data.writeUInt32BE(v >>> 0, 4 * i));
    return this.put(tag, RpmType.INT32, values.length, data);
  }

  string(tag: number, value: string): this {
    return this.put(tag, RpmType.STRING, 1, strings([value]));
  }

  /** Translatable string with only the "C" locale (HEADERI18NTABLE = ["C"]). */
  i18n(tag: number, value: string): this {
    return this.put(tag, RpmType.I18NSTRING, 1, strings([value]));
  }

  stringArray(tag: number, values: readonly string[]): this {
    return this.put(tag, RpmType.STRING_ARRAY, values.length, strings(values));
  }

  bin(tag: number, data: Buffer): this {
    return this.put(tag, RpmType.BIN, data.length, data);
  }

  /**
   * Serialise with `regionTag` (62 signature, 63 main header) as the first
   * index entry. Its 16-byte trailer ends the data store and holds
   * {regionTag, BIN, -16 * nindex, 16}, which is what rpm checks on import.
   */
  build(regionTag: number): Buffer {
    const sorted = [...this.entries.values()].sort((a, b) => a.tag - b.tag);
    const nindex = sorted.length + 1;
    const index: Buffer[] = [];
    const data: Buffer[] = [];
    let offset = 0;
    for (const e of sorted) {
      const pad = (alignment(e.type) - (offset % alignment(e.type))) % alignment(e.type);
      if (pad > 0) data.push(Buffer.alloc(pad));
      offset += pad;
      index.push(indexEntry(e.tag, e.type, offset, e.count));
      data.push(e.data);
      offset += e.data.length;
    }
    data.push(indexEntry(regionTag, RpmType.BIN, -16 * nindex, 16));
    const region = indexEntry(regionTag, RpmType.BIN, offset, 16);
    const intro = Buffer.alloc(16);
    intro.write('8eade80100000000', 0, 'hex');
    intro.writeUInt32BE(nindex, 8);
    intro.writeUInt32BE(offset + 16, 12);
    return Buffer.concat([intro, region, ...index, ...data]);
  }
}

/** One 16-byte index entry (also the layout of the region trailer). */
function indexEntry(tag: number, type: number, offset: number, count: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(tag, 0);
  b.writeUInt32BE(type, 4);
  b.writeInt32BE(offset, 8);
  b.writeUInt32BE(count, 12);
  return b;
}
