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

export function splitEndpoint(text: string): { address: string; port: number } {
  const i = text.lastIndexOf(':');
  return { address: text.slice(0, i), port: Number(text.slice(i + 1)) };
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

