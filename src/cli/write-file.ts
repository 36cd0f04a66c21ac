// One file written whole, for the commands that write single files (graph,
// ansible): a temporary file beside it renamed into place, and nothing
// written when it already holds the same bytes and mode (mtime and inode kept).
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OutputError } from '../bundle/write.js';

/** Writes `content` to `file` whole, unless it already holds it with `mode`; true when written. */
export function writeFileWhole(file: string, content: string | Buffer, mode = 0o644): boolean {
  try {
    if ((statSync(file).mode & 0o7777) === mode && readFileSync(file).equals(Buffer.from(content))) return false;
  } catch {
    // Not there (or unreadable): written below, where a real problem shows.
  }
  const tmp = join(dirname(file), `.${basename(file)}.lvsgen-${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      writeFileSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, mode);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new OutputError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return true;
}
