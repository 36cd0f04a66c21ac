// The topology's heartbeat (or VRRP) pairs, as one list: `heartbeat:` is one
// pair, `pairs:` several (high capacity: each director pair owns its own
// virtual addresses). Validation, targets, secrets and derivation all read
// the pairs through here, so each fact about a pair (its model path, its
// VRRP router id, its heartbeat UDP port, which pair owns an address) is
// computed in one place.
import { createHash } from 'node:crypto';
import { canonicalIPv6, parseCidr, parseCidr6 } from './net.js';
import type { HeartbeatSpec, Topology } from './schema.js';

export interface PairSpec {
  spec: HeartbeatSpec;
  /** Where the pair is in the topology: ['heartbeat'] or ['pairs', i]. */
  at: Array<string | number>;
  /** Its place in pairsOf's list. */
  index: number;
  /** VRRP virtual_router_id: given, else derived (distinct from every other pair's). */
  routerId: number;
  /** heartbeat's udpport (ha.cf): given, else derived (694, then the next free port). */
  udpport: number;
}

/** heartbeat's own port (ha.cf(5): udpport, default 694). */
export const HEARTBEAT_UDPPORT = 694;

/** A stable virtual_router_id (1-255) from the cluster name, so two lvsgen clusters on one network rarely collide. */
export function defaultRouterId(cluster: string): number {
  return (createHash('sha256').update(cluster).digest().readUInt16BE(0) % 255) + 1;
}

const cache = new WeakMap<Topology, PairSpec[]>();

/**
 * Every pair, in topology order. A pair that gives no virtual_router_id gets
 * the first id from the cluster's own (defaultRouterId) upwards, wrapping at
 * 255, that no pair gives and no earlier pair got; a pair that gives no
 * udpport gets the first port from 694 upwards likewise. One pair alone gets
 * exactly what it always had (the cluster's id, 694); two pairs on one network
 * then neither join each other's VRRP router nor hear each other's heartbeats.
 */
export function pairsOf(t: Topology): PairSpec[] {
  const hit = cache.get(t);
  if (hit !== undefined) return hit;
  const listed: Array<{ spec: HeartbeatSpec; at: Array<string | number> }> = [
    ...(t.heartbeat !== undefined ? [{ spec: t.heartbeat, at: ['heartbeat'] }] : []),
    ...(t.pairs ?? []).map((spec, i) => ({ spec, at: ['pairs', i] })),
  ];
  const ids = new Set(listed.flatMap((p) => (p.spec.virtual_router_id !== undefined ? [p.spec.virtual_router_id] : [])));
  const ports = new Set(listed.flatMap((p) => (p.spec.udpport !== undefined ? [p.spec.udpport] : [])));
  const base = defaultRouterId(t.name);
  const out = listed.map((p, index): PairSpec => {
    let routerId = p.spec.virtual_router_id;
    if (routerId === undefined) {
      for (let k = 0; k < 255 && routerId === undefined; k++) {
        const id = ((base - 1 + k) % 255) + 1;
        if (!ids.has(id)) routerId = id;
      }
      routerId ??= base; // every id given: validation reports the clash
      ids.add(routerId);
    }
    let udpport = p.spec.udpport;
    if (udpport === undefined) {
      for (let port = HEARTBEAT_UDPPORT; port <= 65535 && udpport === undefined; port++) if (!ports.has(port)) udpport = port;
      udpport ??= HEARTBEAT_UDPPORT;
      ports.add(udpport);
    }
    return { ...p, index, routerId, udpport };
  });
  cache.set(t, out);
  return out;
}

/** The pair `host` is a node of, if any (validation refuses a host in two pairs: the first then). */
export function pairOfHost(t: Topology, host: string): PairSpec | undefined {
  return pairsOf(t).find((p) => p.spec.nodes.includes(host));
}

/** A pair whose nodes are both directors (HA load balancing). */
export function isDirectorPair(t: Topology, p: PairSpec): boolean {
  return p.spec.nodes.length === 2 && p.spec.nodes.every((n) => Object.prototype.hasOwnProperty.call(t.hosts, n) && (t.hosts[n]!.roles as string[]).includes('director'));
}

/** The director pairs, in topology order. */
export function directorPairs(t: Topology): PairSpec[] {
  return pairsOf(t).filter((p) => isDirectorPair(t, p));
}

/** A pair's IPv4 floating addresses (ADDRESS/PREFIX), in topology order; validation asks for at least one. */
export function floating4(spec: HeartbeatSpec): string[] {
  return spec.floating.filter((f) => !f.includes(':'));
}

/** A pair's IPv6 floating addresses (ADDRESS/PREFIX), in topology order. */
export function floating6(spec: HeartbeatSpec): string[] {
  return spec.floating.filter((f) => f.includes(':'));
}

/** The address of a floating ADDRESS/PREFIX, an IPv6 one canonical (RFC 5952). */
export function floatingAddress(f: string): string {
  return f.includes(':') ? parseCidr6(f).address : parseCidr(f).address;
}

/** The director pair among `pairs` whose floating addresses hold `address` (IPv4, or IPv6 in any spelling). */
export function ownerOf(pairs: readonly PairSpec[], address: string): PairSpec | undefined {
  const a = address.includes(':') ? canonicalIPv6(address) : address;
  return pairs.find((p) => p.spec.floating.some((f) => floatingAddress(f) === a));
}

/**
 * The directors that run a virtual service: with director pairs, the nodes of
 * the pair whose floating addresses hold the service's (first) address; else
 * every director. Validation refuses a service of a pair topology whose
 * addresses float on no pair, or on two.
 */
export function serviceDirectors(t: Topology, addresses: readonly string[], directors: readonly string[]): string[] {
  const dp = directorPairs(t);
  const owner = dp.length > 0 && addresses.length > 0 ? ownerOf(dp, addresses[0]!) : undefined;
  return owner !== undefined ? directors.filter((d) => owner.spec.nodes.includes(d)) : [...directors];
}
