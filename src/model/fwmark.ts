// Firewall-mark services: the one place that says what a virtual service
// takes (one address and port, or a firewall mark set on several addresses,
// networks and port ranges) and which mark each one gets. Validation,
// derivation and every view (ldirectord.cf, keepalived.conf, the mangle rules,
// the ipvsadm prediction) share it.
//
// IPVS balances a firewall-mark service by the mark netfilter gave the packet
// (ipvsadm(8) -f: "a firewall-mark ... set by iptables in the mangle table");
// each packet keeps its destination port, so real servers take no port of
// their own (ipvsadm shows them as ADDRESS:0).
import { isMatch, parseMatch, splitEndpoint, type Cidr } from './net.js';
import type { Topology, VirtualServiceSpec } from './schema.js';

export { isMatch, parseMatch, type MarkMatch } from './net.js';

export const isFwmark = (vs: VirtualServiceSpec): boolean => vs.fwmark !== undefined;

/**
 * The port a service's check and implied protocol go by: the virtual port;
 * for a firewall-mark service the check's port, else the first match's first port.
 */
export function servicePort(vs: VirtualServiceSpec): number {
  if (vs.virtual !== undefined) return splitEndpoint(vs.virtual).port;
  if (vs.check.port !== undefined) return vs.check.port;
  const first = vs.fwmark?.match[0];
  return first !== undefined && isMatch(first) ? parseMatch(first).from : 0;
}

/**
 * The mark of each firewall-mark service, by its index in the topology: the
 * one it gives, else the lowest mark no other service gives or got, in
 * topology order (so adding a service at the end changes no other mark).
 */
export function fwmarksOf(t: Pick<Topology, 'virtual_services'>): Map<number, number> {
  const out = new Map<number, number>();
  const taken = new Set<number>();
  for (const vs of t.virtual_services) if (vs.fwmark?.mark !== undefined) taken.add(vs.fwmark.mark);
  let next = 1;
  for (const [i, vs] of t.virtual_services.entries()) {
    if (vs.fwmark === undefined) continue;
    if (vs.fwmark.mark !== undefined) {
      out.set(i, vs.fwmark.mark);
      continue;
    }
    while (taken.has(next)) next++;
    taken.add(next);
    out.set(i, next);
  }
  return out;
}

/** The addresses a service takes (single addresses) and its networks of virtual addresses. */
export function serviceDestinations(vs: VirtualServiceSpec): { addresses: string[]; networks: Array<Readonly<Cidr>> } {
  if (vs.virtual !== undefined) return { addresses: [splitEndpoint(vs.virtual).address], networks: [] };
  const matches = (vs.fwmark?.match ?? []).filter(isMatch).map(parseMatch);
  return { addresses: [...new Set(matches.filter((m) => !m.network).map((m) => m.cidr.address))], networks: matches.filter((m) => m.network).map((m) => m.cidr) };
}
