// IPv4 facts the model needs, all computed by ipaddr.js (no hand-written IP math).
import ipaddr from 'ipaddr.js';

export interface Cidr {
  /** The address as written, e.g. 192.168.6.4 */
  address: string;
  prefix: number;
  netmask: string;
  network: string;
  broadcast: string;
  /** network/prefix, e.g. 192.168.6.0/24 */
  networkCidr: string;
}

const cidrCache = new Map<string, Readonly<Cidr>>();

/** Parsed once per distinct text: large topologies ask for the same networks again and again. */
export function parseCidr(text: string): Readonly<Cidr> {
  let c = cidrCache.get(text);
  if (c === undefined) {
    c = Object.freeze(computeCidr(text));
    cidrCache.set(text, c);
  }
  return c;
}

function computeCidr(text: string): Cidr {
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(text);
  return {
    address: addr.toString(),
    prefix,
    netmask: ipaddr.IPv4.subnetMaskFromPrefixLength(prefix).toString(),
    network: ipaddr.IPv4.networkAddressFromCIDR(text).toString(),
    broadcast: ipaddr.IPv4.broadcastAddressFromCIDR(text).toString(),
    networkCidr: `${ipaddr.IPv4.networkAddressFromCIDR(text).toString()}/${prefix}`,
  };
}

const parsedCache = new Map<string, ipaddr.IPv4>();
function parsed(address: string): ipaddr.IPv4 {
  let a = parsedCache.get(address);
  if (a === undefined) {
    a = ipaddr.IPv4.parse(address);
    parsedCache.set(address, a);
  }
  return a;
}

export function contains(net: Cidr, address: string): boolean {
  return parsed(address).match(parsed(net.network), net.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.network) || contains(b, a.network);
}

const keyCache = new Map<string, number>();

/** The address as a 32-bit number: ipvsadm's sort order, and cheap network tests. */
export function addressKey(address: string): number {
  let k = keyCache.get(address);
  if (k === undefined) {
    k = parsed(address).toByteArray().reduce((n, b) => n * 256 + b, 0);
    keyCache.set(address, k);
  }
  return k;
}

export function prefixFromNetmask(mask: string): number | undefined {
  const p = ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask();
  return p ?? undefined;
}

/**
 * `ADDRESS:PORT` (IPv4) or `[ADDRESS]:PORT` (IPv6, the bracketed form of
 * RFC 3986 that ldirectord.cf and ipvsadm use): the address without brackets,
 * an IPv6 one in its canonical text (RFC 5952, as ipvsadm prints it).
 */
export function splitEndpoint(text: string): { address: string; port: number } {
  const i = text.lastIndexOf(':');
  const address = text.slice(0, i);
  const port = Number(text.slice(i + 1));
  if (address.startsWith('[') && address.endsWith(']')) return { address: canonicalIPv6(address.slice(1, -1)), port };
  return { address, port };
}

// IPv6: interfaces may carry IPv6 addresses beside their IPv4 one, and a
// virtual service may be IPv6 (docs: README, "IPv6").

/** Whether `s` is an IPv6 address (no zone, no brackets). */
export function isIPv6(s: string): boolean {
  return !s.includes('%') && ipaddr.IPv6.isValid(s) && !ipaddr.IPv4.isValid(s);
}

/** The canonical text of an IPv6 address (RFC 5952: lower case, the longest run of zeros as ::), as ipvsadm and ip(8) print it. */
export function canonicalIPv6(s: string): string {
  return ipaddr.IPv6.parse(s).toRFC5952String();
}

/** An IPv6 address written in full, without `::` (2001:db8:6:0:0:0:0:100): for heartbeat's haresources, which splits at `::`. */
export function expandedIPv6(s: string): string {
  return ipaddr.IPv6.parse(s).toNormalizedString();
}

/**
 * IPv6 ranges that are no address to configure on an interface: the kernel
 * gives every interface its link-local address itself, and the others are
 * never a host's (RFC 4291).
 */
const NOT_CONFIGURABLE6 = new Set(['unspecified', 'linkLocal', 'multicast', 'loopback', 'ipv4Mapped']);

/** Whether `s` is a configurable IPv6 address with a prefix length, such as 2001:db8:6::1/64. */
export function isIPv6Cidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  return m !== null && isIPv6(m[1]!) && Number(m[2]) <= 128 && Number(m[2]) >= 1 && !NOT_CONFIGURABLE6.has(ipaddr.IPv6.parse(m[1]!).range());
}

/** Whether `s` is an IPv6 address a virtual service or host may use (not link-local, multicast, loopback or unspecified). */
export function isUsableIPv6(s: string): boolean {
  return isIPv6(s) && !NOT_CONFIGURABLE6.has(ipaddr.IPv6.parse(s).range());
}

/** An IPv6 address with its network, as model and derivation use it. */
export interface Cidr6 {
  /** Canonical (RFC 5952). */
  address: string;
  prefix: number;
  /** The network's first address, canonical. */
  network: string;
  /** network/prefix, e.g. 2001:db8:6::/64 */
  networkCidr: string;
}

const cidr6Cache = new Map<string, Readonly<Cidr6>>();

export function parseCidr6(text: string): Readonly<Cidr6> {
  let c = cidr6Cache.get(text);
  if (c === undefined) {
    const [addr, prefix] = ipaddr.IPv6.parseCIDR(text);
    const network = ipaddr.IPv6.networkAddressFromCIDR(text).toRFC5952String();
    c = Object.freeze({ address: addr.toRFC5952String(), prefix, network, networkCidr: `${network}/${prefix}` });
    cidr6Cache.set(text, c);
  }
  return c;
}

/** An IPv6 address as a 128-bit number (the lab counts down from the top of a prefix for a free address). */
export function addressKey6(address: string): bigint {
  return ipaddr.IPv6.parse(address).toByteArray().reduce((n, b) => n * 256n + BigInt(b), 0n);
}

/** The canonical text (RFC 5952) of an IPv6 address given as a 128-bit number. */
export function ipv6Of(key: bigint): string {
  const bytes: number[] = [];
  for (let i = 15; i >= 0; i--) bytes.push(Number((key >> BigInt(8 * i)) & 255n));
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

/** The last address of an IPv6 prefix (all host bits set), as a 128-bit number. */
export function lastKey6(net: Cidr6): bigint {
  return addressKey6(net.network) | ((1n << BigInt(128 - net.prefix)) - 1n);
}

export function contains6(net: Cidr6, address: string): boolean {
  return ipaddr.IPv6.parse(address).match(ipaddr.IPv6.parse(net.network), net.prefix);
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return contains6(a, b.network) || contains6(b, a.network);
}

/**
 * An interface's addresses as the topology gives them: one `ADDRESS/PREFIX`,
 * or a list of them, IPv4 and IPv6 (validation asks for exactly one IPv4).
 */
export function interfaceAddresses(value: string | readonly string[]): { ipv4: string[]; ipv6: string[] } {
  const all = typeof value === 'string' ? [value] : [...value];
  return { ipv4: all.filter((a) => !a.includes(':')), ipv6: all.filter((a) => a.includes(':')) };
}

/**
 * ipvsadm's order of addresses (libipvs ipvs_cmp_services and ipvs_cmp_dests:
 * the address family first, AF_INET before AF_INET6, then the address).
 */
export function compareAddresses(a: string, b: string): number {
  const a6 = a.includes(':');
  const b6 = b.includes(':');
  if (a6 !== b6) return a6 ? 1 : -1;
  if (!a6) return addressKey(a) - addressKey(b);
  const x = ipaddr.IPv6.parse(a).toByteArray();
  const y = ipaddr.IPv6.parse(b).toByteArray();
  for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/**
 * Where a real server and a director share a network: the first of the real
 * server's interfaces (in the order given) whose address lies on one of the
 * director's networks, with that director interface. The one answer to
 * "which director interface faces this server" for validation (an
 * unreachable real server, a NAT gateway) and derivation (the address the
 * director reaches, the masqueraded network, the derived gateway).
 */
export function facing<T extends { cidr: Cidr }>(real: readonly T[], director: readonly T[]): { real: T; director: T } | undefined {
  for (const r of real) {
    const d = director.find((x) => contains(x.cidr, r.cidr.address));
    if (d !== undefined) return { real: r, director: d };
  }
  return undefined;
}

/**
 * The NAT gateway a director pair gives a real server: the pair's floating
 * address on the first of the server's networks that holds one. Validation
 * (a server network without one, a server that sets another gateway) and
 * derivation (the server's gateway) both ask here.
 */
export function floatingGateway(real: readonly { cidr: Cidr }[], floating: readonly Cidr[]): Cidr | undefined {
  for (const r of real) {
    const f = floating.find((x) => x.networkCidr === r.cidr.networkCidr);
    if (f !== undefined) return f;
  }
  return undefined;
}

// A firewall-mark service's match (model/fwmark.ts): here, beside the other
// address facts, so that the schema can check it without importing a module that
// imports the schema.
/** A destination a firewall-mark service takes: an address or network, a port or a range. */
export interface MarkMatch {
  /** The address (prefix 32) or network, as parsed. */
  cidr: Readonly<Cidr>;
  /** `ADDRESS` for a single address, `NETWORK/PREFIX` for a network. */
  destination: string;
  /** The network is a network of virtual addresses (prefix below 32). */
  network: boolean;
  from: number;
  to: number;
}

const MATCH_RE = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?:(\d{1,5})(?:-(\d{1,5}))?$/;

/** `ADDRESS[/PREFIX]:PORT[-PORT]`, as the schema has checked it. */
export function parseMatch(text: string): MarkMatch {
  const m = MATCH_RE.exec(text);
  if (m === null) throw new Error(`internal: not a firewall-mark match: ${text}`);
  const prefix = m[2] === undefined ? 32 : Number(m[2]);
  const cidr = parseCidr(`${m[1]}/${prefix}`);
  const from = Number(m[3]);
  return { cidr, destination: prefix === 32 ? cidr.address : cidr.networkCidr, network: prefix < 32, from, to: m[4] === undefined ? from : Number(m[4]) };
}

/** Whether `text` is a well-formed match (the schema's rule). */
export function isMatch(text: string): boolean {
  const m = MATCH_RE.exec(text);
  if (m === null) return false;
  const octets = m[1]!.split('.').map(Number);
  const prefix = m[2] === undefined ? 32 : Number(m[2]);
  const from = Number(m[3]);
  const to = m[4] === undefined ? from : Number(m[4]);
  return octets.every((o) => o <= 255) && prefix >= 8 && prefix <= 32 && from >= 1 && to <= 65535 && from <= to;
}

