// The sorry server of a virtual service: the one fact validation and
// derivation share (which fallback a service gets, and from where).
//
// ldirectord(8): `fallback = ip[:port] [gate|masq|ipip]` "If defined in a
// virtual server section then the global value is overridden"; without a
// method ldirectord uses gate (parse_fallback in ldirectord 4.x), and a global
// fallback is applied to tcp and udp services alike. keepalived.conf(5):
// `sorry_server IP PORT` and `sorry_server_lvs_method NAT|DR|TUN`. lvsgen
// therefore writes a fallback in each service's own block, with the service's
// method (its protocol is the service's: ldirectord and keepalived add the
// sorry server to that service), and takes the cluster default
// (`ldirectord.fallback`, `ldirectord.fallback6`) only for services it fits.
//
// One default per address family, as ldirectord has: its global line
// `fallback(6)?=` sets $FALLBACK (resolved as AF_INET) or $FALLBACK6 (AF_INET6),
// and fallback_find gives a virtual6= service $FALLBACK6 and a virtual= one
// $FALLBACK (ldirectord/ldirectord.in in ClusterLabs/resource-agents,
// _ld_read_config and fallback_find; ldirectord 4.12 refuses a global
// `fallback=[2001:db8::9]:80` with "invalid IPv4 address ... for fallback
// server" and `fallback6=192.168.6.9:80` with "invalid IPv6 address").
// lvsgen likewise refuses an IPv6 `ldirectord.fallback` and an IPv4
// `ldirectord.fallback6` (validate.ts).
import { canonicalIPv6, isIPv6, splitEndpoint } from './net.js';
import type { Topology, VirtualServiceSpec } from './schema.js';

export interface Fallback {
  address: string;
  port: number;
  /** Where it was written: the service's own `fallback`, or the cluster default. */
  from: 'service' | 'default';
}

/** The cluster default's key for a service of the family: `fallback` (IPv4) or `fallback6` (IPv6). */
export function defaultKey(ipv6: boolean): 'fallback' | 'fallback6' {
  return ipv6 ? 'fallback6' : 'fallback';
}

/**
 * `ADDRESS` or `ADDRESS:PORT`, an IPv6 address bare or `[ADDRESS]:PORT`
 * (canonical, as the model keeps IPv6 addresses); without a port, the virtual port.
 */
export function splitFallback(text: string, virtualPort: number): { address: string; port: number } {
  if (isIPv6(text)) return { address: canonicalIPv6(text), port: virtualPort };
  return text.includes(':') ? splitEndpoint(text) : { address: text, port: virtualPort };
}

/** Whether a fallback, as written, is an IPv6 sorry server. */
export function isIPv6Fallback(text: string): boolean {
  return text.startsWith('[') || isIPv6(text);
}

/**
 * The service's sorry server: its own; else the cluster default where it fits,
 * that is where it names the virtual port (or no port, meaning each service's
 * own). A default on another port would hand the service's clients to another
 * protocol (a DNS service to a web page, HTTPS to plain HTTP), and direct
 * routing and tunnelling could not even reach it (IPVS keeps the port).
 */
export function fallbackOf(t: Topology, vs: VirtualServiceSpec): Fallback | undefined {
  // A firewall-mark service has no virtual port; validation refuses a fallback of its own.
  if (vs.virtual === undefined) return undefined;
  const vport = splitEndpoint(vs.virtual).port;
  if (vs.fallback !== undefined) return { ...splitFallback(vs.fallback, vport), from: 'service' };
  // The default of the service's family: one IPVS service holds one address
  // family (ldirectord likewise keeps fallback= and fallback6= apart). One of
  // the other family there is refused by validation, and fits nothing.
  const v6 = vs.virtual.startsWith('[');
  const d = t.ldirectord[defaultKey(v6)];
  if (d === undefined || isIPv6Fallback(d) !== v6) return undefined;
  const f = splitFallback(d, vport);
  return f.port === vport ? { ...f, from: 'default' } : undefined;
}
