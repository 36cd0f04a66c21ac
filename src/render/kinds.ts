// Artifact kinds: each turns a derived host into the template contexts of the
// files it needs (none, one, or one per device). A distro's distro.yaml says
// which kinds it writes, where, with which template. Adding a file kind means
// adding one entry here and a template; adding a distro means a folder.
import { createHash } from 'node:crypto';
import type { Alias, CheckPage, DerivedHost, Device, Route } from '../derive/model.js';

export type KindContext = Record<string, unknown>;
export type Kind = (host: DerivedHost) => KindContext[];

const one = (ok: boolean, ctx: KindContext = {}): KindContext[] => (ok ? [ctx] : []);

/** Red Hat ifcfg-*: one file per device, per alias, per loopback alias. */
function ifcfg(host: DerivedHost): KindContext[] {
  const out: KindContext[] = [];
  for (const d of host.devices) {
    out.push({ type: 'ethernet', ...d });
    for (const a of d.aliases) out.push({ type: 'alias', ...a });
  }
  for (const a of host.loopbackAliases) out.push({ type: 'loopback', ...a });
  return out;
}

/** Debian /etc/network/interfaces: the whole file, lo first. */
function interfaces(host: DerivedHost): KindContext[] {
  return [{ devices: host.devices, loopbackAliases: host.loopbackAliases }];
}

/**
 * A name-based UUID (RFC 4122 version 5, SHA-1) under a fixed lvsgen namespace:
 * NetworkManager keyfiles want a uuid, and output must not change between runs.
 */
export function nameUuid(name: string): string {
  const ns = Buffer.from('6c767367-656e-4b65-9966-696c65730000'.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** One file per device, its aliases folded in (an interfaces.d drop-in, a NetworkManager profile). */
function device(host: DerivedHost): KindContext[] {
  return host.devices.map((d) => ({
    ...d,
    uuid: nameUuid(`${host.name}/${d.device}`),
    // Numbered as NetworkManager keyfiles number them (address1, route1 ...): the device's own address first.
    addresses: [{ n: 1, address: d.address, prefix: d.prefix, purpose: null }, ...d.aliases.map((a, i) => ({ n: i + 2, address: a.address, prefix: a.prefix, purpose: a.purpose }))],
    routes: d.routes.map((r, i) => ({ ...r, n: i + 1 })),
  }));
}

/** The loopback's extra addresses (virtual network, direct-routing VIPs), when there are any. */
function loopback(host: DerivedHost): KindContext[] {
  const aliases = host.loopbackAliases;
  return one(aliases.length > 0, {
    device: 'lo',
    aliases,
    arpSuppression: host.arpSuppression,
    uuid: nameUuid(`${host.name}/lo`),
    addresses: aliases.map((a, i) => ({ n: i + 1, address: a.address, prefix: a.prefix, purpose: a.purpose })),
    // A loopback network (not a single /32) is local as a whole: the route that says so.
    localRoutes: aliases.filter((a) => a.prefix < 32).map((a, i) => ({ n: i + 1, networkCidr: a.networkCidr })),
  });
}

function masquerade(host: DerivedHost): KindContext[] {
  const networks = host.devices.flatMap((d) => d.masquerade);
  return one(networks.length > 0, { masquerade: networks });
}

export const KINDS: Readonly<Record<string, Kind>> = {
  sysctl: (h) => one(h.forwarding || h.arpSuppression, { forwarding: h.forwarding, arpSuppression: h.arpSuppression, arpDevices: h.devices.map((d) => d.device) }),
  ldirectord: (h) => (h.ldirectord ? [{ ...h.ldirectord }] : []),
  ifcfg,
  interfaces,
  'static-routes': (h) => {
    const routes: Route[] = h.devices.flatMap((d: Device) => d.routes);
    return one(routes.length > 0, { routes });
  },
  iptables: masquerade,
  /** The masquerading rules for a firewall of today (nftables); the same facts as iptables. */
  masquerade,
  device,
  loopback,
  /** keepalived.conf: a director's virtual servers (director_backend keepalived) and/or a heartbeat pair's VRRP instance. */
  keepalived: (h) => (h.keepalived ? [{ ...h.keepalived }] : []),
  'boot-modules': (h) => one(h.modules.length > 0, { modules: h.modules }),
  'network-sysconfig': (h) => one(h.heartbeat !== undefined, { gatewayDevice: h.gatewayDevice ?? null }),
  'ha-cf': (h) => (h.heartbeat ? [{ ...h.heartbeat }] : []),
  haresources: (h) => (h.heartbeat ? [{ ...h.heartbeat }] : []),
  authkeys: (h) => (h.heartbeat ? [{ ...h.heartbeat }] : []),
  'check-page': (h) => h.checkPages.map((p: CheckPage) => ({ ...p })),
};

export type { Alias };
