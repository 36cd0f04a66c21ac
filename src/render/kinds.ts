// Artifact kinds: each turns a derived host into the template contexts of the
// files it needs (none, one, or one per device). A distro's distro.yaml says
// which kinds it writes, where, with which template. Adding a file kind means
// adding one entry here and a template; adding a distro means a folder.
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

export const KINDS: Readonly<Record<string, Kind>> = {
  sysctl: (h) => one(h.forwarding || h.arpSuppression, { forwarding: h.forwarding, arpSuppression: h.arpSuppression, arpDevices: h.devices.map((d) => d.device) }),
  ldirectord: (h) => (h.ldirectord ? [{ ...h.ldirectord }] : []),
  ifcfg,
  interfaces,
  'static-routes': (h) => {
    const routes: Route[] = h.devices.flatMap((d: Device) => d.routes);
    return one(routes.length > 0, { routes });
  },
  iptables: (h) => {
    const masquerade = h.devices.flatMap((d) => d.masquerade);
    return one(masquerade.length > 0, { masquerade });
  },
  'boot-modules': (h) => one(h.modules.length > 0, { modules: h.modules }),
  'network-sysconfig': (h) => one(h.heartbeat !== undefined, { gatewayDevice: h.gatewayDevice ?? null }),
  'ha-cf': (h) => (h.heartbeat ? [{ ...h.heartbeat }] : []),
  haresources: (h) => (h.heartbeat ? [{ ...h.heartbeat }] : []),
  authkeys: (h) => (h.heartbeat ? [{ ...h.heartbeat }] : []),
  'check-page': (h) => h.checkPages.map((p: CheckPage) => ({ ...p })),
};

export type { Alias };
