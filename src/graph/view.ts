// The cluster as a diagram sees it: networks, hosts (roles, addresses), the
// pair and its floating addresses, the virtual services with their real
// servers and forwarding method. A pure function of the derived model, already
// sorted and labelled: the SVG, DOT and Mermaid writers only lay it out.
import type { DerivedHost, DerivedModel, ServiceView } from '../derive/model.js';
import { addressKey } from '../model/net.js';
import type { Role } from '../model/schema.js';

export interface GraphNetwork {
  /** A stable id (n0, n1, ...) in address order. */
  id: string;
  cidr: string;
}

export interface GraphLink {
  network: string;
  device: string;
  address: string;
}

export interface GraphHost {
  id: string;
  name: string;
  distro: string;
  roles: Role[];
  /** "director, real server": the roles as words. */
  roleText: string;
  /** Lines under the name: one per interface, alias and gateway. */
  lines: string[];
  /** Each interface and the network it is on (the diagram's edges). */
  links: GraphLink[];
  /** Node of the pair: 'active' (preferred) or 'standby'. */
  pair?: 'active' | 'standby';
}

export interface GraphPair {
  nodes: [string, string];
  /** The label: what moves between the nodes. */
  lines: string[];
}

export interface GraphService {
  id: string;
  /** "TCP 10.1.3.61:80". */
  title: string;
  /** Scheduler, forwarding method, persistence, check. */
  lines: string[];
  forward: ServiceView['forward'];
  forwardText: string;
  directors: string[];
  reals: Array<{ host: string; label: string }>;
}

export interface GraphView {
  name: string;
  title: string;
  networks: GraphNetwork[];
  /** Routers, the pairs, directors, real servers, then the rest; by name within each. */
  hosts: GraphHost[];
  /** Every pair, in topology order: each gets a frame around its two nodes. */
  pairs: GraphPair[];
  services: GraphService[];
}

/** ipvsadm's names for the forwarding methods, with the topology's word. */
export const FORWARD_TEXT: Record<ServiceView['forward'], string> = {
  masq: 'NAT (masq)',
  gate: 'direct routing (gate)',
  ipip: 'tunnelling (ipip)',
};

const ROLE_TEXT: Record<Role, string> = { director: 'director', 'real-server': 'real server', router: 'router' };

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function graphView(model: DerivedModel): GraphView {
  const cidrs = new Set<string>();
  for (const h of model.hosts) for (const d of h.devices) cidrs.add(d.networkCidr);
  const networks = [...cidrs]
    .sort((a, b) => addressKey(a.split('/')[0]!) - addressKey(b.split('/')[0]!) || Number(a.split('/')[1]) - Number(b.split('/')[1]))
    .map((cidr, i) => ({ id: `n${i}`, cidr }));
  const netId = new Map(networks.map((n) => [n.cidr, n.id]));
  // Each pair gets a frame; its nodes say active or standby.
  const pairIndex = (h: DerivedHost) => model.pairs.findIndex((p) => p.nodes.includes(h.name));
  const nodeIndex = (h: DerivedHost) => (pairIndex(h) >= 0 ? model.pairs[pairIndex(h)]!.nodes.indexOf(h.name) : -1);
  const rank = (h: DerivedHost): number =>
    pairIndex(h) >= 0 ? 1 : h.roles.router ? 0 : h.roles.director ? 2 : h.roles['real-server'] ? 3 : 4;
  // Each pair's nodes side by side, the preferred one first.
  const pairOrder = (h: DerivedHost) => (pairIndex(h) >= 0 ? pairIndex(h) * 2 + nodeIndex(h) : -1);
  const ordered = [...model.hosts].sort((a, b) => rank(a) - rank(b) || pairOrder(a) - pairOrder(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hosts = ordered.map((h, i): GraphHost => {
    const roles = (Object.keys(h.roles) as Role[]).filter((r) => h.roles[r]).sort();
    const lines: string[] = [];
    for (const d of h.devices) {
      lines.push(`${d.device} ${d.address}/${d.prefix}`);
      for (const a of d.aliases) lines.push(`${a.device} ${a.address} VIP`);
    }
    for (const d of h.devices) for (const r of d.routes) lines.push(`route ${r.networkCidr} via ${r.via}`);
    for (const a of h.loopbackAliases) lines.push(`${a.device} ${a.purpose.startsWith('virtual network') ? `${a.networkCidr} VNET` : `${a.address} VIP`}`);
    if (h.gateway) lines.push(`gw ${h.gateway.address}`);
    const node = nodeIndex(h);
    return {
      id: `h${i}`,
      name: h.name,
      distro: h.distro,
      roles,
      roleText: roles.map((r) => ROLE_TEXT[r]).join(', '),
      lines,
      links: h.devices.map((d) => ({ network: netId.get(d.networkCidr)!, device: d.device, address: d.address })),
      ...(node >= 0 ? { pair: node === 0 ? ('active' as const) : ('standby' as const) } : {}),
    };
  });
  const services = model.services.map((s, i): GraphService => {
    const check = s.checktype === 'negotiate' && s.service !== undefined ? `negotiate ${s.service}` : s.checktype;
    return {
      id: `s${i}`,
      title: `${s.protocol.toUpperCase()} ${s.address}:${s.port}`,
      lines: [
        // A firewall-mark service: titled by its first match, then its mark and every match.
        ...(s.fwmark !== undefined ? [`FWM ${s.fwmark.mark}: ${s.fwmark.match.join(', ')}`] : []),
        `${FORWARD_TEXT[s.forward]}, ${s.scheduler}${s.persistent !== undefined ? `, persistent ${s.persistent}s` : ''}`,
        `check ${check}`,
        ...(s.directors.length > 0 ? [`via ${s.directors.join(', ')}`] : []),
      ],
      forward: s.forward,
      forwardText: FORWARD_TEXT[s.forward],
      directors: s.directors,
      reals: s.reals.map((r) => ({ host: r.host, label: `:${r.port} w${r.weight}` })),
    };
  });
  const result: GraphView = {
    name: model.name,
    title: `${model.name}: ${plural(model.hosts.length, 'host')}, ${plural(networks.length, 'network')}, ${plural(services.length, 'virtual service')}`,
    networks,
    hosts,
    pairs: model.pairs.map((pair) => ({
      nodes: pair.nodes,
      lines: [
        `HA pair: ${pair.nodes[0]} active, ${pair.nodes[1]} standby`,
        `floating ${pair.floating.join(', ')}`,
        ...(pair.virtualNetwork !== undefined ? [`virtual network ${pair.virtualNetwork}`] : []),
      ],
    })),
    services,
  };
  return result;
}
