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
// (`ldirectord.fallback`) only for services it fits.
import { canonicalIPv6, isIPv6, splitEndpoint } from './net.js';
import type { Topology, VirtualServiceSpec } from './schema.js';

export interface Fallback {
  address: string;
  port: number;
  /** Where it was written: the service's own `fallback`, or the cluster default. */
  from: 'service' | 'default';
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
  const d = t.ldirectord.fallback;
  // The default fits the services of its family only: one IPVS service holds
  // one address family (ldirectord likewise keeps fallback= and fallback6= apart).
  if (d === undefined || isIPv6Fallback(d) !== vs.virtual.startsWith('[')) return undefined;
  const f = splitFallback(d, vport);
  return f.port === vport ? { ...f, from: 'default' } : undefined;
}
