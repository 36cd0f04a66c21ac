// The user-facing reproducible tarball, made with archiver (tar-stream inside).
//
// Reproducible means: entries sorted with every parent directory, explicit
// modes (never the umask), uid/gid 0 with uname/gname root, one fixed mtime,
// and a gzip header without timestamp (MTIME 0, RFC 1952 2.3.1), as the
// Reproducible Builds project asks (https://reproducible-builds.org/docs/archives/).

import type { EntryData } from 'archiver';
import { gzipDeterministic } from './gzip.js';
import { DIR_MODE, buildTree, validateEntries } from './tree.js';
import type { TreeNode } from './tree.js';
import { PackageSpecError } from './types.js';
import type { PackageEntry, TarOptions } from './types.js';
import { splitUstarName } from './ustar.js';

/** archiver passes unknown entry fields through to tar-stream's header. */
type TarHeaderData = EntryData & { uid: number; gid: number; uname: string; gname: string };

/** Every problem with the options, e.g. a prefix that would push names past ustar. */
function optionProblems(entries: readonly PackageEntry[], opts: TarOptions): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(opts.mtime) || opts.mtime < 0) problems.push(`mtime: must be a non-negative integer, got ${opts.mtime}`);
  const prefix = opts.prefix;
  if (prefix !== undefined) {
    if (!/^[A-Za-z0-9._+-]+$/.test(prefix) || prefix === '.' || prefix === '..') {
      problems.push(`prefix: '${prefix}' must be one directory name of [A-Za-z0-9._+-]`);
    }
    for (const e of entries) {
      // tar-stream would silently switch to a pax header; we keep plain ustar.
      if (splitUstarName(`${prefix}/${e.path}/`) === null) problems.push(`prefix: '${prefix}/${e.path}' does not fit ustar`);
    }
  }
  return problems;
}

/** Header fields of one node stored as `name`; a directory's name ends with '/'. */
function headerData(name: string, node: TreeNode, mtime: number): TarHeaderData {
  return {
    name: node.kind === 'dir' ? `${name}/` : name,
    type: node.kind === 'dir' ? 'directory' : 'file',
    mode: node.mode,
    date: new Date(mtime * 1000),
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
  };
}

/** Uncompressed tar bytes from archiver, entries appended in tree order. */
async function packTar(nodes: readonly TreeNode[], opts: TarOptions): Promise<Buffer> {
  // Loaded on first use: only `lvsgen package` needs it, and it is among the
  // slowest modules to load (every other command would pay for it at start).
  const { TarArchive } = await import('archiver');
  const archive = new TarArchive({});
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    archive.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.on('end', () => resolve());
    archive.on('error', reject);
    archive.on('warning', reject);
  });
  const prefix = opts.prefix;
  if (prefix !== undefined) {
    archive.append(Buffer.alloc(0), headerData(prefix, { path: prefix, kind: 'dir', mode: DIR_MODE, content: Buffer.alloc(0) }, opts.mtime));
  }
  for (const node of nodes) {
    const name = prefix === undefined ? node.path : `${prefix}/${node.path}`;
    archive.append(node.content, headerData(name, node, opts.mtime));
  }
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * Pack the entries into a .tar.gz whose bytes depend only on the entries and
 * options. Throws PackageSpecError listing every problem.
 */
export async function packTarGz(entries: readonly PackageEntry[], opts: TarOptions): Promise<Buffer> {
  const problems = [...validateEntries(entries), ...optionProblems(entries, opts)];
  if (problems.length > 0) throw new PackageSpecError('tarball', problems);
  return gzipDeterministic(await packTar(buildTree(entries), opts));
}
