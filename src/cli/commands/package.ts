// `lvsgen package TOPOLOGY -o DIR`: one artifact per host per format (a
// reproducible tarball, a .deb and an .rpm, all written by lvsgen itself).
// Every artifact is built in memory first, so invalid input writes nothing;
// all are then written to temporary files and renamed into place together, so
// DIR never holds a partial artifact. Artifacts already there, byte for byte,
// are left untouched.
import { chmodSync, closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Argv, CommandModule } from 'yargs';
import { OutputError } from '../../bundle/write.js';
import {
  DEFAULT_MAINTAINER,
  DEFAULT_VERSION,
  FORMATS,
  hostPackage,
  packHost,
  parseVersion,
  sourceDateEpoch,
} from '../../package/host-package.js';
import type { HostPackage, PackageFormat } from '../../package/host-package.js';
import { PackageSpecError } from '../../package/types.js';
import { distros, generate } from '../generate.js';
import { count, inTopologyFile, printWarnings, TopologyFileError, UsageError, type Io } from '../io.js';

interface PackageArgs {
  topology: string;
  out: string;
  format?: string | string[];
  version: string;
  distro?: string;
  maintainer: string;
}

/** '--format tar,deb --format rpm' -> the formats in FORMATS order, or the problems. */
export function parseFormats(value: string | string[] | undefined): { formats: PackageFormat[]; problems: string[] } {
  if (value === undefined) return { formats: [...FORMATS], problems: [] };
  const asked = [value].flat().flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  const unknown = asked.filter((f) => !(FORMATS as readonly string[]).includes(f));
  if (asked.length === 0 || unknown.length > 0) {
    return { formats: [], problems: [`--format: ${unknown.length > 0 ? `unknown format '${unknown.join("', '")}'` : 'empty'}; choose from ${FORMATS.join(', ')}`] };
  }
  return { formats: FORMATS.filter((f) => asked.includes(f)), problems: [] };
}

// lintian: malformed-contact unless 'Name <address>' (also rpmlint's Packager).
const CONTACT = /^[^<>,\n]+ <[^<>@\s]+@[^<>\s]+>$/;

interface Artifact {
  host: string;
  fileName: string;
  bytes: Buffer;
  /** 0600 when the host's bundle holds a secret (the heartbeat key ...), as render writes such files; else 0644. */
  mode: number;
  /** The distro the host's files were rendered for, and the packages (under that distro's names) the package needs. */
  distro: string;
  needs: readonly string[];
}

/** Whether `path` is already this artifact: a regular file with the same mode and bytes. */
function alreadyThere(path: string, art: Artifact): boolean {
  try {
    const st = lstatSync(path);
    return st.isFile() && (st.mode & 0o7777) === art.mode && st.size === art.bytes.length && readFileSync(path).equals(art.bytes);
  } catch {
    return false;
  }
}

/**
 * Write every artifact to a temporary sibling first (synced, with its mode
 * whatever the umask), then rename them all into place: a run that dies while
 * writing leaves the previous artifacts untouched, and the renames that make
 * the new ones visible take microseconds. An artifact already in place byte
 * for byte is left alone (same inode and mtime), so make, rsync and
 * repository tools see no change. Returns the names of those left alone.
 */
function writeAll(dir: string, artifacts: readonly Artifact[]): Set<string> {
  const staged: Array<{ tmp: string; name: string }> = [];
  const unchanged = new Set<string>();
  try {
    for (const art of artifacts) {
      if (alreadyThere(join(dir, art.fileName), art)) {
        unchanged.add(art.fileName);
        continue;
      }
      const tmp = join(dir, `.${art.fileName}.lvsgen-tmp-${process.pid}`);
      staged.push({ tmp, name: art.fileName });
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeFileSync(fd, art.bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      chmodSync(tmp, art.mode);
    }
    for (const { tmp, name } of staged) renameSync(tmp, join(dir, name));
    return unchanged;
  } catch (e) {
    for (const { tmp } of staged) rmSync(tmp, { force: true });
    throw new OutputError(`cannot write the artifacts to ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The output directory, created if needed; temporary files of an interrupted run are removed. */
function prepareOutput(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new OutputError(`${dir} exists and is not a directory`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new OutputError(`cannot create ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  for (const e of readdirSync(dir)) if (e.startsWith('.') && e.includes('.lvsgen-tmp-')) rmSync(join(dir, e), { force: true });
}

/**
 * One artifact's bytes. The writers refuse what they cannot represent (e.g.
 * paths too long for ustar): that is the topology's problem, not a bug, so it
 * is reported like the topology's other problems, under its file name.
 */
async function packArtifact(file: string, pkg: HostPackage, format: PackageFormat): Promise<Buffer> {
  try {
    return await packHost(pkg, format);
  } catch (e) {
    if (!(e instanceof PackageSpecError)) throw e;
    throw new TopologyFileError(file, e.problems.map((p) => ({ code: 'unsupported' as const, path: '', message: `cannot build ${pkg.fileNames[format]}: ${p}` })));
  }
}

/**
 * What an artifact is for, as its output line says: the host, the distro its
 * files and installer's commands were rendered for (so which package format
 * fits and whose package names it needs), and its secret.
 */
export function artifactFor(art: Pick<Artifact, 'host' | 'distro' | 'needs' | 'mode'>): string {
  const needs = art.needs.length > 0 ? `, needs ${art.needs.join(', ')}` : '';
  const secret = art.mode === 0o600 ? ' (holds a secret: mode 0600)' : '';
  return `host ${art.host} on ${art.distro}${needs}${secret}`;
}

/**
 * The yargs command. `progress` is the terminal to draw a progress bar on
 * (stdout when it is a TTY); without one, or with a single host, it prints
 * one line per artifact.
 */
export function packageCommand(io: Io, progress?: NodeJS.WriteStream): CommandModule<object, PackageArgs> {
  return {
    command: 'package <topology>',
    describe: 'Write a reproducible tarball, a .deb and an .rpm per host that install its files with its installer.',
    builder: (y: Argv<object>) =>
      y
        .positional('topology', { type: 'string', demandOption: true })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Directory for the artifacts (created)' })
        .option('format', { type: 'string', describe: `Comma-separated: ${FORMATS.join(',')} (default: all)` })
        .option('version', { type: 'string', default: DEFAULT_VERSION, describe: 'Package version: UPSTREAM or UPSTREAM-RELEASE (release 1 by default)' })
        .option('distro', { type: 'string', choices: [...distros().keys()], describe: 'Override every host\'s distro' })
        .option('maintainer', { type: 'string', default: DEFAULT_MAINTAINER, describe: 'Maintainer (.deb) and Packager (.rpm): "Name <address>"' }) as unknown as Argv<PackageArgs>,
    handler: async (a) => {
      const { formats, problems } = parseFormats(a.format);
      const sde = sourceDateEpoch(process.env.SOURCE_DATE_EPOCH);
      problems.push(...sde.problems);
      if (!CONTACT.test(a.maintainer)) problems.push(`--maintainer: '${a.maintainer}' must look like 'Full Name <user@host>'`);
      // The version's problems do not depend on the package name: check it once, before reading the topology.
      const { identity, problems: versionProblems } = parseVersion(a.version, 'lvsgen');
      problems.push(...versionProblems);
      if (problems.length > 0) throw new UsageError(problems.join('\n'));

      const g = inTopologyFile(a.topology, () => generate(a.topology, a.distro !== undefined ? { distro: a.distro } : {}));
      printWarnings(io, a.topology, g.warnings);
      const total = g.bundles.length * formats.length;
      const bar = progress !== undefined && g.bundles.length > 1
        ? new SingleBar({ stream: progress, format: 'packaging {bar} {value}/{total} {artifact}', hideCursor: null }, Presets.shades_classic)
        : undefined;
      bar?.start(total, 0, { artifact: '' });
      const artifacts: Artifact[] = [];
      try {
        for (const b of g.bundles) {
          const pkg = hostPackage(b, { cluster: g.model.name, version: identity.version, release: identity.release, mtime: sde.mtime, maintainer: a.maintainer });
          const mode = b.files.some((f) => f.secret) ? 0o600 : 0o644;
          for (const f of formats) {
            artifacts.push({ host: b.host, fileName: pkg.fileNames[f], bytes: await packArtifact(a.topology, pkg, f), mode, distro: pkg.distro, needs: pkg.deb.depends ?? [] });
            bar?.increment(1, { artifact: pkg.fileNames[f] });
          }
        }
      } finally {
        bar?.stop();
      }

      prepareOutput(a.out);
      const unchanged = writeAll(a.out, artifacts);
      if (bar === undefined) {
        for (const art of artifacts) {
          io.out(`${unchanged.has(art.fileName) ? 'unchanged' : 'wrote'} ${join(a.out, art.fileName)}: ${artifactFor(art)}\n`);
        }
      } else {
        const kept = unchanged.size > 0 ? ` (${unchanged.size} unchanged, left as they were)` : '';
        const byDistro = [...new Set(g.bundles.map((b) => b.distro))].sort().map((d) => `${d}: ${count(g.bundles.filter((b) => b.distro === d).length, 'host')}`);
        io.out(`wrote ${count(artifacts.length - unchanged.size, 'artifact')} for ${count(g.bundles.length, 'host')} (${byDistro.join(', ')}) to ${a.out}${kept}\n`);
      }
    },
  };
}
