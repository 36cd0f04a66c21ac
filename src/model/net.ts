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

export function parseCidr(text: string): Cidr {
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

export function contains(net: Cidr, address: string): boolean {
  return ipaddr.IPv4.parse(address).match(ipaddr.IPv4.parse(net.network), net.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.network) || contains(b, a.network);
}

/** Sort key that orders addresses numerically (as ipvsadm does). */
export function addressKey(address: string): number {
  return ipaddr.IPv4.parse(address).toByteArray().reduce((n, b) => n * 256 + b, 0);
}

export function prefixFromNetmask(mask: string): number | undefined {
  const p = ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask();
  return p ?? undefined;
}

export function splitEndpoint(text: string): { address: string; port: number } {
  const i = text.lastIndexOf(':');
  return { address: text.slice(0, i), port: Number(text.slice(i + 1)) };
}
