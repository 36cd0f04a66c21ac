// The change summary's sentences, shared by the views: what happens to a
// host, which actions its installer runs, and the pair's order.
import { tally, type HostChange, type PairOrder, type Review } from './changes.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "2 changed, 1 added, 1 removed", leaving out what is zero. */
export function fileCounts(h: HostChange): string {
  const t = tally(h.files);
  const parts = [t.changed > 0 ? `${t.changed} changed` : '', t.added > 0 ? `${t.added} added` : '', t.removed > 0 ? `${t.removed} removed` : ''].filter((p) => p !== '');
  return parts.length === 0 ? 'no change' : parts.join(', ');
}

export function hostHeadline(h: HostChange): string {
  switch (h.status) {
    case 'new':
      return `${h.host} (${h.distro}): new host, ${plural(h.files.length, 'file')}`;
    case 'gone':
      return `${h.host}: no longer in the topology, ${plural(h.files.length, 'file')} removed (on the host, its install.sh --uninstall puts the originals back)`;
    case 'unchanged':
      return `${h.host} (${h.distro}): unchanged`;
    default:
      return `${h.host} (${h.distro}): ${fileCounts(h)}`;
  }
}

/** One line per file: what happens to it. */
export function fileLine(f: HostChange['files'][number]): string {
  const mode = f.oldMode !== undefined && f.newMode !== undefined && f.oldMode !== f.newMode ? ` (mode 0${f.oldMode.toString(8)} -> 0${f.newMode.toString(8)})` : '';
  const secret = f.secretOnly ? ' (a secret value changed: not shown)' : '';
  const removed = f.kind === 'removed' ? ' (the installer puts the host\'s original back)' : '';
  return `${f.kind.padEnd(7)} ${f.path}${mode}${secret}${removed}`;
}

export function pairLine(p: PairOrder): string {
  return `pair ${p.first}/${p.then}: change ${p.first} (standby) first; ${p.then} (active) only once ${p.first} is back, never both at once`;
}

export function headline(r: Review): string {
  const changing = r.hosts.filter((h) => h.files.length > 0).length;
  const same = r.hosts.filter((h) => h.files.length === 0).length;
  return `${r.cluster}: ${plural(changing, 'host')} to change${same > 0 ? `, ${same} unchanged` : ''}`;
}
