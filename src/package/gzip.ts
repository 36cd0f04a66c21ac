// Deterministic gzip shared by every writer.
//
// Why fflate and not node:zlib: zlib's output may change with the zlib build
// and its header carries an OS byte; fflate is pure JS, so the same input gives
// the same bytes on every host (formats, "Hints that save time").

import { gzipSync } from 'fflate';

/** gzip at level 9 with mtime 0 and no file name: the bytes depend on the input only. */
export function gzipDeterministic(data: Buffer): Buffer {
  const out = gzipSync(new Uint8Array(data.buffer, data.byteOffset, data.length), { level: 9, mtime: 0 });
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}
