// The ports a host takes from the network, as one list per host: what a
// firewall must let in (rhel9's firewalld policy, render/kinds.ts firewalld).
import type { PortRange } from './model.js';

/**
 * Each range once, a range another of the same protocol covers dropped, sorted
 * by first port, then last port, then protocol (tcp before udp): numbers
 * compared as numbers, so 8080 comes after 443 and 10000-10100 after 8848.
 */
export function portRanges(ranges: readonly PortRange[]): PortRange[] {
  const covers = (a: PortRange, b: PortRange) => a.protocol === b.protocol && a.from <= b.from && b.to <= a.to;
  const out: PortRange[] = [];
  for (const r of [...ranges].sort(comparePorts)) {
    // Sorted by first port then wider first: a range that covers r is already out (or is r itself, again).
    if (!out.some((o) => covers(o, r))) out.push({ protocol: r.protocol, from: r.from, to: r.to });
  }
  return out.sort((a, b) => a.from - b.from || a.to - b.to || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
}

/** By first port, the wider range first, then protocol: the order portRanges drops covered ranges in. */
function comparePorts(a: PortRange, b: PortRange): number {
  return a.from - b.from || b.to - a.to || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0);
}

/** A range as firewalld writes a port (firewalld.policy(5) `port="PORTID[-PORTID]"`): `80`, `10000-10100`. */
export function portText(r: PortRange): string {
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}
