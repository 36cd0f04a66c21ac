// The lab's plan: what `lvsgen lab` builds and checks, derived from a
// topology's derived model alone (pure; the CLI writes it, lab/lab.sh runs it).
//
// - the wiring: a LAN per IPv4 network of the hosts' interfaces (carrying the
//   IPv6 prefixes of the same interfaces too: one link, both families), each
//   host on the networks its interfaces name, and a client (a namespace of the
//   lab's own) on every network that holds a virtual or floating address, on
//   every other network of a director (the outside a masquerading director's
//   real servers reach), and on every network of a router (the clients beyond
//   it); a client has an address of each IPv6 prefix of its LAN as well;
// - the install order: routers, then real servers (their services must answer
//   when a director's checks start), then directors; a pair's nodes together;
// - the servers the lab starts on each real server for each service, and a
//   "who am I" page on each node of a pair;
// - the checks, each with what it expects, in the order they run.
//
// Nothing here names an example: every value comes from the model.
import { floatingAddress, pairsOf } from '../model/pairs.js';
import type { DerivedHost, DerivedModel, DirectorService, KeepalivedVirtualServer, MarkRule, VirtualBlock } from '../derive/model.js';
import { addressKey, addressKey6, contains, contains6, ipv6Of, isIPv6, lastKey6, parseCidr, parseCidr6 } from '../model/net.js';
import type { Topology } from '../model/schema.js';
import type { Distro } from '../render/distros.js';
import { PLAN, type HostBundle } from '../render/types.js';

/** What the lab needs to know of a distro (from its distro.yaml). */
export interface LabDistro {
  /** The web root the check pages go under (vars.web_root). */
  webRoot: string;
  /** How a heartbeat pair runs there (capabilities.heartbeat_pair). */
  pair: 'heartbeat' | 'vrrp';
  /**
   * NetworkManager applies the host's interface files (a file kind merged as
   * a `keyfile`: rhel9): the lab checks that it holds lvsgen's profile of
   * each device active, not only the addresses (another profile of the
   * device, or an address left by hand, would show those too).
   */
  networkManager?: boolean;
}

/** What the lab needs to know of a distro, from its distro.yaml (the CLI and the tests share it). */
export function labDistro(d: Distro): LabDistro {
  return {
    webRoot: d.vars.web_root ?? '/var/www/html',
    pair: d.capabilities.heartbeatPair,
    ...(d.files.some((f) => f.merge === 'keyfile') ? { networkManager: true } : {}),
  };
}

export interface LabLan {
  /** A short name of the lab's own (lan0, lan1, ...). */
  name: string;
  /** The network, e.g. 192.168.6.0/24. */
  network: string;
  /** The IPv6 prefixes on the same link (the interfaces that carry the IPv4 network carry them), e.g. 2001:db8:6::/64. */
  network6: string[];
}

export interface LabClient {
  /** c0, c1, ...: a namespace of the lab's own on one LAN. */
  name: string;
  lan: string;
  address: string;
  prefix: number;
  /** Its default gateway: a router's or director's address on that LAN. */
  gateway?: string;
  /** An address of each IPv6 prefix of its LAN (ADDRESS/PREFIX), the highest free one. */
  address6: string[];
  /** Its IPv6 default gateway, chosen as the IPv4 one is. */
  gateway6?: string;
}

export type ServerKind = 'http' | 'https' | 'banner' | 'udp-echo' | 'dns' | 'whoami';

/** A small server the lab runs on a host, answering as that host. */
export interface LabServer {
  host: string;
  kind: ServerKind;
  protocol: 'tcp' | 'udp';
  port: number;
  /** http, https: the directory served (the distro's web root). */
  root?: string;
  /** dns: the name it answers and the address it gives (the check's request and receive). */
  dnsName?: string;
  dnsAddress?: string;
}

/** Why a check cannot run without IPVS in the kernel. */
export const NEEDS_IPVS = 'ipvs';

export interface LabCheck {
  /** Unique in the plan; what lab.sh reports results under. */
  id: string;
  /** One line: what is checked, on which host. */
  name: string;
  /** What a pass looks like, for the report. */
  expected: string;
  /** Set when the check needs the kernel's IPVS: not run in namespaces on a kernel without it. */
  needs?: typeof NEEDS_IPVS;
  /** For lab.sh: the check's kind and arguments (no tab or newline in any). */
  run: string[];
}

export interface LabPlan {
  cluster: string;
  lans: LabLan[];
  hosts: Array<{ name: string; distro: string }>;
  links: Array<{ host: string; iface: string; lan: string }>;
  clients: LabClient[];
  /** Each entry installs together (a pair's nodes start side by side). */
  installOrder: string[][];
  servers: LabServer[];
  checks: LabCheck[];
  /** Directors whose `ipvsadm -L -n` the lab compares with `lvsgen ipvsadm`. */
  directors: string[];
  /** The daemons and tools the hosts run (for the CLI's preflight). */
  needs: string[];
}

export interface PlanOptions {
  distro(name: string): LabDistro;
  /**
   * Whether the host's installer has checks of its own (`verify` records in
   * its plan; a direct-routing director has none): only then is
   * `install.sh --verify` a check. Default: every host.
   */
  verifies?(host: string): boolean;
}

/** The hosts whose bundle's installer plan holds `verify` records (for PlanOptions.verifies). */
export function hostsWithVerify(bundles: readonly HostBundle[]): Set<string> {
  return new Set(bundles.filter((b) => b.files.some((f) => f.path === PLAN && /^verify /m.test(f.content))).map((b) => b.host));
}

interface Service {
  director: string;
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
  /** How `ipvsadm -L -n` names it, single-spaced: `TCP 10.1.3.61:80`, `FWM 1`. */
  label: string;
  /** A firewall-mark service's mark. */
  fwmark?: number;
  scheduler: string;
  persistent?: number;
  kind: Exclude<ServerKind, 'whoami'>;
  /**
   * Where a client sends its requests, with the server that answers there:
   * the virtual address and port; for a firewall-mark service a sample of
   * what its mark covers (each address, or the first, a middle and the last
   * host of a network; each port, or the first and the last of a range).
   */
  targets: Target[];
  /** The port the director's check connects to on a real server of a firewall-mark service (ldirectord's checkport, keepalived's connect_port). */
  checkPort?: number;
  /** A real server stopped is taken out by the director's checks (not so for checktype on/off/ping). */
  checked: boolean;
  dnsName?: string;
  dnsAddress?: string;
  reals: Array<{ address: string; port: number; weight: number; forward: string; local: boolean }>;
  backend: 'ldirectord' | 'keepalived';
}

interface Target {
  address: string;
  port: number;
  kind: Exclude<ServerKind, 'whoami'>;
}

/** What a virtual service is, for the server the lab starts behind it. */
export function serverKind(protocol: 'tcp' | 'udp', port: number, service: string | undefined): Exclude<ServerKind, 'whoami'> {
  if (protocol === 'udp') return service === 'dns' ? 'dns' : 'udp-echo';
  if (service === 'https' || (service === undefined && port === 443)) return 'https';
  if (service === 'http' || (service === undefined && port === 80)) return 'http';
  return 'banner';
}

/** The first, a middle and the last host address of a network (its address alone for a /32). */
function sampleNetwork(cidr: string): string[] {
  const c = parseCidr(cidr);
  if (c.prefix >= 31) return [c.address];
  const first = addressKey(c.network) + 1;
  const last = addressKey(c.broadcast) - 1;
  return [...new Set([first, Math.floor((first + last) / 2), last])].map(ipOf);
}

/** What a firewall-mark service's client tries: a sample of every match (Service.targets). */
function markTargets(marks: readonly MarkRule[], checkPort: number | undefined, service: string | undefined): Target[] {
  const out: Target[] = [];
  for (const m of marks) {
    const [lo, hi] = m.dport.split(':').map(Number) as [number, number | undefined];
    const ports = hi === undefined || hi === lo ? [lo] : [lo, hi];
    const addresses = m.destination.includes('/') ? sampleNetwork(m.destination) : [m.destination];
    // the check's service names the server of the port it checks; others go by their port
    for (const address of addresses) for (const port of ports) out.push({ address, port, kind: serverKind(m.protocol, port, port === checkPort ? service : undefined) });
  }
  return out.filter((t, i) => out.findIndex((x) => x.address === t.address && x.port === t.port) === i);
}

function fromLdirectord(director: string, v: VirtualBlock, ds: DirectorService): Service {
  const kind = serverKind(v.protocol, v.port, v.service);
  const marked = ds.fwmark !== undefined;
  return {
    director,
    protocol: v.protocol,
    address: v.address,
    port: v.port,
    label: ds.label,
    ...(marked ? { fwmark: ds.fwmark, checkPort: v.checkport ?? v.port } : {}),
    scheduler: v.scheduler,
    ...(v.persistent !== undefined ? { persistent: v.persistent } : {}),
    kind,
    targets: marked ? markTargets(ds.marks ?? [], v.checkport ?? v.port, v.service) : [{ address: v.address, port: v.port, kind }],
    checked: !['on', 'off', 'ping'].includes(v.checktype) && v.service !== 'none',
    ...(kind === 'dns' && v.request !== undefined ? { dnsName: v.request } : {}),
    ...(kind === 'dns' && v.receive !== undefined ? { dnsAddress: v.receive } : {}),
    reals: v.reals.map((r) => ({ address: r.address, port: r.port, weight: r.weight ?? 1, forward: r.forward, local: r.local })),
    backend: 'ldirectord',
  };
}

const LB_KIND = { NAT: 'masq', DR: 'gate', TUN: 'ipip' } as const;

/** The forwarding methods a director's virtual services use, in either backend (masq, gate, ipip). */
export function forwardMethods(h: DerivedHost): Set<'masq' | 'gate' | 'ipip'> {
  const out = new Set<'masq' | 'gate' | 'ipip'>();
  for (const v of h.ldirectord?.virtuals ?? []) for (const r of v.reals) out.add(r.forward);
  for (const v of h.keepalived?.virtualServers ?? []) out.add(LB_KIND[v.lbKind]);
  return out;
}

function fromKeepalived(director: string, v: KeepalivedVirtualServer, ds: DirectorService): Service {
  const protocol = v.protocol === 'UDP' ? 'udp' : 'tcp';
  const first = v.realServers.find((r) => r.check !== undefined)?.check;
  const service = first?.type === 'DNS_CHECK' ? 'dns' : first?.type === 'SSL_GET' ? 'https' : first?.type === 'HTTP_GET' ? 'http' : undefined;
  const kind = serverKind(protocol, v.port, service);
  const marked = ds.fwmark !== undefined;
  const checkPort = first?.connectPort ?? v.port;
  return {
    director,
    protocol,
    address: v.address,
    port: v.port,
    label: ds.label,
    ...(marked ? { fwmark: ds.fwmark, checkPort } : {}),
    scheduler: v.lbAlgo,
    ...(v.persistenceTimeout !== undefined ? { persistent: v.persistenceTimeout } : {}),
    kind,
    targets: marked ? markTargets(ds.marks ?? [], checkPort, service) : [{ address: v.address, port: v.port, kind }],
    checked: first !== undefined && first.type !== 'PING_CHECK',
    ...(first?.dnsName !== undefined ? { dnsName: first.dnsName } : {}),
    reals: v.realServers.map((r) => ({ address: r.address, port: r.port, weight: r.weight, forward: LB_KIND[v.lbKind], local: r.local })),
    backend: 'keepalived',
  };
}

function servicesOf(h: DerivedHost): Service[] {
  if (!h.roles.director || !h.director) return [];
  // ldirectord's blocks and keepalived's virtual servers are views of director.services, in its order
  const ds = h.director.services;
  if (h.ldirectord) return h.ldirectord.virtuals.map((v, i) => fromLdirectord(h.name, v, ds[i]!));
  return (h.keepalived?.virtualServers ?? []).map((v, i) => fromKeepalived(h.name, v, ds[i]!));
}

const ipOf = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** The name lab.sh shows for a server on the wire: TCP 10.1.3.61:80. */
const endpoint = (protocol: string, address: string, port: number) => `${protocol.toUpperCase()} ${hostPort(address, port)}`;

/** ADDRESS:PORT, an IPv6 address in brackets (RFC 3986), as ipvsadm prints a service or real server. */
const hostPort = (address: string, port: number) => (isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`);

/** How many requests prove that every real server answers: enough for each weight to show. */
function requestsFor(s: Service): number {
  const live = s.reals.filter((r) => r.weight > 0);
  const total = live.reduce((n, r) => n + r.weight, 0);
  return Math.min(60, Math.max(6, 3 * total));
}

/** What this machine's kernel offers the namespace mode (the VM boots Debian's, which has both). */
export interface LabKernel {
  /** IPVS (/proc/net/ip_vs). */
  ipvs: boolean;
  /** ipip, the IP-in-IP tunnel module (/sys/module/ipip): it makes every namespace's tunl0. */
  ipip: boolean;
}

/**
 * Why the namespace mode cannot build this topology on this kernel, or
 * undefined (the VM mode can: Debian's kernel has both):
 * - a keepalived director (a VRRP pair of directors on debian12 or rhel9, or
 *   director_backend: keepalived) needs IPVS: keepalived drives it over
 *   netlink (no ipvsadm the lab could stand in for), and its checker process
 *   exits with a fatal error when the kernel has none ("IPVS: Can't
 *   initialize ipvs: Protocol not available", then "exited with permanent
 *   error FATAL. Terminating": keepalived's lib/scheduler.c,
 *   report_child_status(), https://github.com/acassen/keepalived), taking
 *   VRRP down with it, so its installer fails;
 * - tunnelling (forward: ipip) needs ipip: a tunnelling real server's
 *   installer brings up tunl0, which only exists once ipip is loaded (found
 *   on examples/lb-tun.yaml: `ifup tunl0`: Cannot find device "tunl0", then
 *   `ifup lo:0` fails on its pre-up sysctl of net.ipv4.conf.tunl0.rp_filter).
 */
export function labNeedsKernel(model: DerivedModel, kernel: LabKernel): string | undefined {
  const why: string[] = [];
  const k = model.hosts.filter((h) => h.roles.director && !h.ldirectord && h.keepalived !== undefined).map((h) => h.name).sort();
  if (k.length && !kernel.ipvs) {
    why.push(`keepalived on director ${k.join(', ')} needs IPVS in the kernel, which this one lacks (keepalived exits when it cannot initialise IPVS, and talks to it over netlink, where the lab has no stand-in)`);
  }
  const tun = model.hosts.filter((h) => forwardMethods(h).has('ipip'));
  if (tun.length && !kernel.ipip) {
    why.push(`tunnelling (forward: ipip, director ${tun.map((h) => h.name).join(', ')}) needs the kernel's ipip module, which this one lacks (the real servers' tunl0 exists only with it)`);
  }
  return why.length ? `${why.join('; ')}: run it with --vm` : undefined;
}

/** How long another pair's addresses are watched while one pair fails over (ha-stays). */
const STAYS_WATCH = 5;

/** A heartbeat or VRRP pair as the checks see it: the nodes, the daemon, its times. */
function haPair(pair: NonNullable<Topology['heartbeat']>, kind: 'heartbeat' | 'vrrp', byName: Map<string, DerivedHost>) {
  const [n1, n2] = pair.nodes as [string, string];
  // heartbeat takes over by starting haresources' resources one after another
  // (ResourceManager: a status and a start each, IPaddr2 a script of many
  // processes, ldirectord a Perl program), so its takeover grows with their
  // number; keepalived adds its addresses itself. In the VM under emulation
  // and load, dr-tun-fwmark's five took more than 200 s (docs/lab.md).
  const resources = kind === 'heartbeat' ? (byName.get(n1)?.heartbeat?.resources.length ?? 0) : 0;
  return {
    n1,
    n2,
    kind,
    daemon: kind === 'heartbeat' ? 'heartbeat' : 'keepalived',
    // keepalived's VRRP: a backup declares the master down after 3 adverts (advert_int = keepalive) and its skew
    deadtime: kind === 'heartbeat' ? pair.deadtime : 3 * pair.keepalive + 1,
    initdead: kind === 'heartbeat' ? pair.initdead : 3 * pair.keepalive + 1,
    resources,
    /** Seconds on top of the dead time (initdead) before the addresses must be held: the lab scales them with LAB_SLOW. */
    margin: { failover: 60 + TAKEOVER_PER_RESOURCE * resources, holds: 30 + TAKEOVER_PER_RESOURCE * resources },
  };
}

/** The lab's margin for each resource a heartbeat node starts when it takes over (haPair). */
const TAKEOVER_PER_RESOURCE = 20;

/** The margin's words in a check's expectation: heartbeat's resources named where they count. */
function marginWords(hp: { kind: string; resources: number }): string {
  if (hp.kind !== 'heartbeat' || hp.resources === 0) return 'a margin';
  return hp.resources === 1 ? 'a margin (more for the resource heartbeat starts)' : `a margin (more for each of the ${hp.resources} resources heartbeat starts one after another)`;
}

export function planLab(model: DerivedModel, topology: Topology, opts: PlanOptions): LabPlan {
  const hosts = [...model.hosts].sort((a, b) => a.name.localeCompare(b.name));
  const byName = new Map(hosts.map((h) => [h.name, h]));

  // --- LANs: one per network of the hosts' interfaces, in address order.
  const nets = new Map<string, { network: string; prefix: number }>();
  for (const h of hosts) for (const d of h.devices) nets.set(d.networkCidr, { network: d.network, prefix: d.prefix });
  const sortedNets = [...nets.keys()].sort((a, b) => addressKey(a.split('/')[0]!) - addressKey(b.split('/')[0]!) || a.localeCompare(b));
  // A network may carry both families: its IPv6 prefixes are those of the
  // interfaces on the IPv4 network (validation gives every interface one IPv4
  // address), on the same bridge.
  const prefixes6 = new Map<string, Set<string>>();
  for (const h of hosts) for (const d of h.devices) for (const a of d.ipv6) {
    if (![...prefixes6.values()].some((set) => set.has(a.networkCidr))) prefixes6.set(d.networkCidr, (prefixes6.get(d.networkCidr) ?? new Set()).add(a.networkCidr));
  }
  const lans: LabLan[] = sortedNets.map((network, i) => ({ name: `lan${i}`, network, network6: [...(prefixes6.get(network) ?? [])].sort((a, b) => Number(addressKey6(a.split('/')[0]!) - addressKey6(b.split('/')[0]!)) || a.localeCompare(b)) }));
  const lanOf = new Map(lans.map((l) => [l.network, l.name]));
  /** Whether an address (either family) lies on a LAN. */
  const onLan = (l: LabLan, address: string) => (isIPv6(address) ? l.network6.some((n) => contains6(parseCidr6(n), address)) : contains(parseCidr(l.network), address));
  const lanFor = (address: string) => lans.find((l) => onLan(l, address));
  const links = hosts.flatMap((h) => h.devices.map((d) => ({ host: h.name, iface: d.device, lan: lanOf.get(d.networkCidr)! })));

  // --- addresses in use per LAN (hosts, aliases, virtual and floating addresses)
  const used = new Set<string>();
  for (const h of hosts) for (const d of h.devices) {
    used.add(d.address);
    for (const a of d.aliases) used.add(a.address);
    for (const a of d.ipv6) used.add(a.address);
  }
  // The pairs (heartbeat: one; pairs: one or several), in topology order, each
  // with its floating addresses and its directors (a pair of directors: both).
  const pairs = pairsOf(topology).map(({ spec }) => ({
    spec,
    // both families: an IPv6 one canonical, as ip(8) prints it
    floating: spec.floating.map(floatingAddress),
    directors: spec.nodes.filter((n) => byName.get(n)?.roles.director),
    kind: opts.distro(byName.get(spec.nodes[0]!)!.distro).pair,
  }));
  const floating = pairs.flatMap((p) => p.floating);
  for (const f of floating) used.add(f);
  const services = hosts.flatMap(servicesOf);
  for (const s of services) for (const t of s.targets) used.add(t.address);
  // a network a firewall mark covers holds virtual addresses only: no client there
  const markNets = hosts.flatMap((h) => h.director?.marks ?? []).filter((m) => m.destination.includes('/')).map((m) => parseCidr(m.destination));
  const taken = (address: string) => used.has(address) || (!isIPv6(address) && markNets.some((m) => contains(m, address)));
  // A pair of directors (HA + load balancing): the active one holds the
  // floating addresses and runs the table (heartbeat starts ldirectord there;
  // keepalived loads it on both). The checks go through the preferred node
  // first, then through the other after the failover (each pair in turn).
  const standbyOf = (p: (typeof pairs)[number]) => (p.directors.length === 2 ? p.directors[1]! : undefined);
  const standbys = new Set(pairs.map(standbyOf).filter((n) => n !== undefined));
  const activeFirst = (director: string) => !standbys.has(director);
  const pairDirectors = pairs.flatMap((p) => p.directors);

  // --- clients
  const clientLans = new Set<string>();
  for (const s of services) for (const t of s.targets) { const l = lanFor(t.address); if (l) clientLans.add(l.name); }
  for (const f of floating) { const l = lanFor(f); if (l) clientLans.add(l.name); }
  for (const h of hosts) {
    if (h.roles.router || h.roles.director) for (const d of h.devices) clientLans.add(lanOf.get(d.networkCidr)!);
  }
  const clients: LabClient[] = [];
  for (const lan of lans) {
    if (!clientLans.has(lan.name)) continue;
    const c = parseCidr(lan.network);
    // the highest free host address of the network
    let n = addressKey(c.broadcast) - 1;
    while (n > addressKey(c.network) && taken(ipOf(n))) n--;
    if (n <= addressKey(c.network)) continue; // a full network: no room for a client
    const address = ipOf(n);
    used.add(address);
    // its gateway: a router on the LAN, else a pair of directors' floating
    // address there (it moves with the active one: the pair that floats there), else a director, else none
    const on = (role: 'router' | 'director') => hosts.find((h) => h.roles[role] && h.devices.some((d) => d.networkCidr === lan.network));
    const pairFloat = pairs.filter((p) => p.directors.length > 0).flatMap((p) => p.floating).find((f) => !isIPv6(f) && contains(c, f));
    const router = on('router');
    const gw = router ?? on('director');
    const gateway = router ? gw?.devices.find((d) => d.networkCidr === lan.network)?.address : pairFloat ?? gw?.devices.find((d) => d.networkCidr === lan.network)?.address;
    // IPv6: the highest free address of each prefix below the top one (IPv6
    // has no broadcast, RFC 4291 section 2, but the lab leaves the all-ones
    // address alone as it does IPv4's), the gateway as above
    const address6: string[] = [];
    for (const n of lan.network6) {
      const c6 = parseCidr6(n);
      let k = lastKey6(c6) - 1n;
      while (k > addressKey6(c6.network) && taken(ipv6Of(k))) k--;
      if (k <= addressKey6(c6.network)) continue;
      used.add(ipv6Of(k));
      address6.push(`${ipv6Of(k)}/${c6.prefix}`);
    }
    const own6 = (h: DerivedHost | undefined) => h?.devices.find((d) => d.networkCidr === lan.network)?.ipv6.find((a) => a.purpose === null)?.address;
    const pairFloat6 = pairs.filter((p) => p.directors.length > 0).flatMap((p) => p.floating).find((f) => isIPv6(f) && lanFor(f) === lan);
    const gateway6 = address6.length === 0 ? undefined : router ? own6(router) : pairFloat6 ?? own6(gw);
    clients.push({ name: `c${clients.length}`, lan: lan.name, address, prefix: c.prefix, ...(gateway !== undefined ? { gateway } : {}), address6, ...(gateway6 !== undefined ? { gateway6 } : {}) });
  }
  const clientOn = (lan: string | undefined) => clients.find((c) => c.lan === lan);
  // A client for an address: one on its network; else, for an address on no
  // network of the hosts (a network of virtual addresses a router sends to a
  // director), one beyond the router that routes it.
  const clientFor = (address: string) => {
    const near = lanFor(address);
    if (near) return clientOn(near.name);
    if (isIPv6(address)) return undefined; // no IPv6 routes to networks beyond a router are derived
    const router = hosts.find((h) => h.devices.some((d) => d.routes.some((r) => contains(parseCidr(r.networkCidr), address))));
    const via = router?.devices.find((d) => d.routes.some((r) => contains(parseCidr(r.networkCidr), address)));
    return router?.devices.filter((d) => d !== via).map((d) => clientOn(lanOf.get(d.networkCidr))).find((c) => c !== undefined);
  };

  // --- install order: routers, real servers, directors; the hosts of one
  // rank that are in no pair side by side (they share nothing: each has its
  // own namespaces and root, and in the VM two installers use both CPUs).
  // A heartbeat pair's nodes side by side (heartbeat gives the resources to the preferred node
  // when both start within initdead); a VRRP pair's preferred node first: with
  // nopreempt (auto_failback off) the node that becomes master first keeps the
  // addresses, so an operator starts the preferred one first. Several pairs:
  // one after the other, in topology order.
  const pairNodes = pairs.flatMap((p) => p.spec.nodes);
  const rank = (h: DerivedHost) => (h.roles.router ? 0 : h.roles.director ? 2 : 1);
  const installOrder: string[][] = [];
  for (const r of [0, 1, 2]) {
    const group = hosts.filter((h) => rank(h) === r);
    const single = group.filter((h) => !pairNodes.includes(h.name)).map((h) => h.name);
    if (single.length) installOrder.push(single);
    for (const p of pairs) {
      const nodes = p.spec.nodes.filter((n) => group.some((h) => h.name === n));
      if (nodes.length && p.kind === 'vrrp') for (const n of nodes) installOrder.push([n]);
      else if (nodes.length) installOrder.push(nodes.sort());
    }
  }

  // --- servers behind every virtual service, by real server host
  const hostOf = (address: string) => hosts.find((h) => h.devices.some((d) => d.address === address || d.ipv6.some((a) => a.address === address)));
  const servers: LabServer[] = [];
  const seen = new Set<string>();
  for (const s of services) {
    for (const r of s.reals) {
      const h = r.local ? byName.get(s.director) : hostOf(r.address);
      if (!h) continue;
      // direct routing and tunnelling keep the port: the server listens on the
      // virtual address's port; a firewall-mark service's on each port it covers
      // (its real servers have port 0: IPVS keeps each packet's port)
      const listen = s.fwmark !== undefined ? s.targets.map((t) => ({ port: t.port, kind: t.kind })) : [{ port: r.port, kind: s.kind }];
      for (const { port, kind } of listen) {
        const key = `${h.name} ${s.protocol} ${port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        servers.push({
          host: h.name,
          kind,
          protocol: s.protocol,
          port,
          ...(kind === 'http' || kind === 'https' ? { root: opts.distro(h.distro).webRoot } : {}),
          ...(kind === 'dns' && s.dnsName !== undefined ? { dnsName: s.dnsName } : {}),
          ...(kind === 'dns' && s.dnsAddress !== undefined ? { dnsAddress: s.dnsAddress } : {}),
        });
      }
    }
  }
  // the pair's "who am I" page: a TCP port no service of the topology uses
  // (nor any mark covers: a marked request would be balanced)
  const ports = new Set(services.flatMap((s) => [s.port, ...s.reals.map((r) => r.port), ...s.targets.map((t) => t.port)]));
  const marked = (port: number) => hosts.some((h) => (h.director?.marks ?? []).some((m) => {
    const [lo, hi] = m.dport.split(':').map(Number) as [number, number | undefined];
    return port >= lo && port <= (hi ?? lo);
  }));
  // Nor a port IPVS gives to an FTP service: with a TCP service on port 21,
  // IPVS sends port 20 and every unprivileged port (1024 and up) of that
  // virtual address to it, as passive FTP data (ip_vs_service_find in the
  // kernel's net/netfilter/ipvs/ip_vs_ctl.c; found in the VM, where ha-lb's
  // 10.1.3.61:8080 was refused by a real server): then a port below 1024.
  const ftp = services.some((s) => s.protocol === 'tcp' && s.port === 21);
  let probePort = ftp ? 1023 : 8080;
  while (ports.has(probePort) || marked(probePort)) probePort += ftp ? -1 : 1;
  for (const p of pairs) {
    for (const n of p.spec.nodes) {
      if (!seen.has(`${n} tcp ${probePort}`)) servers.push({ host: n, kind: 'whoami', protocol: 'tcp', port: probePort });
    }
  }

  // --- checks
  const checks: LabCheck[] = [];
  const add = (c: LabCheck) => checks.push(c);
  for (const group of installOrder) {
    for (const h of group) add({ id: `install.${h}`, name: `install.sh on ${h}`, expected: 'exit 0', run: ['install', h] });
  }
  for (const h of hosts) {
    for (const d of h.devices) {
      add({ id: `addr.${h.name}.${d.device}`, name: `${d.device} of ${h.name} holds ${d.address}/${d.prefix}`, expected: `inet ${d.address}/${d.prefix} on ${d.device}`, run: ['addr', h.name, d.device, `${d.address}/${d.prefix}`] });
      for (const a of d.aliases) {
        add({ id: `addr.${h.name}.${a.device}`, name: `${a.device} of ${h.name} holds ${a.address}/${a.prefix}`, expected: `inet ${a.address}/${a.prefix} on ${a.parent} (${a.purpose})`, run: ['addr', h.name, a.parent, `${a.address}/${a.prefix}`] });
      }
      // IPv6: the host's own addresses and the virtual ones derived for the device (a director's)
      for (const a of d.ipv6) {
        add({ id: `addr6.${h.name}.${d.device}.${a.address}`, name: `${d.device} of ${h.name} holds ${a.address}/${a.prefix}`, expected: `inet6 ${a.address}/${a.prefix} on ${d.device}${a.purpose !== null ? ` (${a.purpose})` : ''}`, run: ['addr', h.name, d.device, `${a.address}/${a.prefix}`] });
      }
      for (const r of d.routes) {
        add({ id: `route.${h.name}.${r.networkCidr}`, name: `ip route list ${r.networkCidr} on ${h.name}`, expected: `${r.networkCidr} via ${r.via} dev ${r.device}`, run: ['route', h.name, r.networkCidr, r.via, r.device] });
      }
    }
    for (const a of h.loopbackAliases) {
      // a streamline node's copy of a floating address: on the standby only under heartbeat (the pair's checks)
      if (a.floating) continue;
      add({ id: `addr.${h.name}.${a.device}`, name: `${a.device} of ${h.name} holds ${a.address}/${a.prefix}`, expected: `inet ${a.address}/${a.prefix} on lo (${a.purpose})`, run: ['addr', h.name, 'lo', `${a.address}/${a.prefix}`] });
      if (a.prefix < 32) {
        const last = ipOf(addressKey(a.broadcast) - 1);
        add({ id: `local.${h.name}.${a.device}`, name: `every address of ${a.networkCidr} is local on ${h.name}`, expected: `ip route get ${last}: local ${last} dev lo`, run: ['local', h.name, last] });
      }
    }
    // IPv6 virtual addresses of direct routing: /128s on lo (no lo:N label in IPv6)
    for (const a of h.loopback6) {
      add({ id: `addr6.${h.name}.lo.${a.address}`, name: `lo of ${h.name} holds ${a.address}/${a.prefix}`, expected: `inet6 ${a.address}/${a.prefix} on lo (${a.purpose})`, run: ['addr', h.name, 'lo', `${a.address}/${a.prefix}`] });
    }
    if (h.gateway) {
      add({ id: `gw.${h.name}`, name: `ip route show 0/0 on ${h.name}`, expected: `default via ${h.gateway.address} dev ${h.gateway.device}`, run: ['gateway', h.name, h.gateway.address, h.gateway.device] });
    }
    if (h.gateway6) {
      add({ id: `gw6.${h.name}`, name: `ip -6 route show default on ${h.name}`, expected: `default via ${h.gateway6.address} dev ${h.gateway6.device}`, run: ['gateway6', h.name, h.gateway6.address, h.gateway6.device] });
    }
    // NetworkManager's own view: lvsgen's profile is the one active on the device
    if (opts.distro(h.distro).networkManager) {
      const devs = [...h.devices.map((d) => d.device), ...(h.loopbackAliases.length > 0 || h.loopback6.length > 0 ? ['lo'] : [])];
      for (const dev of devs) {
        add({ id: `nm.${h.name}.${dev}`, name: `NetworkManager on ${h.name} has lvsgen-${dev} active on ${dev}`, expected: `nmcli: ${dev}'s connection is lvsgen-${dev}, activated`, run: ['nm-active', h.name, dev, `lvsgen-${dev}`] });
      }
    }
    if (h.forwarding) add({ id: `fwd.${h.name}`, name: `net.ipv4.ip_forward on ${h.name}`, expected: '1', run: ['sysctl', h.name, 'net.ipv4.ip_forward', '1'] });
    if (h.forwarding6) add({ id: `fwd6.${h.name}`, name: `net.ipv6.conf.all.forwarding on ${h.name}`, expected: '1', run: ['sysctl', h.name, 'net.ipv6.conf.all.forwarding', '1'] });
  }
  // each pair's daemons, and its floating addresses on its preferred node:
  // first, as a pair of directors' virtual addresses and tables are there.
  // One pair's checks are ha.holds, ha.failover, ...; several pairs' carry
  // the pair's preferred node (ha.holds.NODE, ...), so that ids stay unique.
  const has = pairs.map((p) => ({ ...p, hp: haPair(p.spec, p.kind, byName) }));
  const pairId = (base: string, hp: { n1: string }) => (has.length === 1 ? base : `${base}.${hp.n1}`);
  // A streamline node (director and real server) that is the standby holds
  // the floating addresses on lo, as any direct-routing real server: heartbeat's
  // IPaddr2 puts that copy back when the node gives an address up (docs/pairs.md).
  const standbyLo = (node: string, step: string, when: string) => {
    for (const a of byName.get(node)!.loopbackAliases.filter((x) => x.floating)) {
      add({ id: `ha.lo.${node}.${a.address}.${step}`, name: `${a.device} of ${node}, the standby ${when}, holds ${a.address}/${a.prefix}`, expected: `inet ${a.address}/${a.prefix} on lo (a direct-routing real server for it)`, run: ['addr', node, 'lo', `${a.address}/${a.prefix}`] });
    }
  };
  for (const { hp, floating } of has) {
    for (const n of [hp.n1, hp.n2]) add({ id: `ha.runs.${n}`, name: `${hp.daemon} runs on ${n}`, expected: `${hp.daemon} running after install.sh`, run: ['ha-runs', n, hp.kind] });
    add({ id: pairId('ha.holds', hp), name: `${floating.join(', ')} on ${hp.n1} (the preferred node), not on ${hp.n2}`, expected: `within initdead (${hp.initdead} s) and ${marginWords(hp)} (on a device other than lo)`, run: ['ha-holds', hp.n1, hp.n2, String(hp.initdead), String(hp.margin.holds), ...floating] });
    standbyLo(hp.n2, 'first', 'first');
  }
  // every virtual address answers ARP and ping on its network (a sample of a marked network)
  for (const s of services) {
    for (const t of s.targets) {
      const c = clientFor(t.address);
      if (c && !checks.some((x) => x.id === `ping.${t.address}`)) {
        add({ id: `ping.${t.address}`, name: `client ${c.name} reaches ${t.address} (${lanFor(t.address) ? 'ARP, ping' : 'routed, ping'})`, expected: 'an echo reply', run: ['ping', c.name, t.address] });
      }
    }
  }
  // masquerading: a real server on a masqueraded network reaches the outside as its director
  const masqChecks = (h: DerivedHost) => {
    for (const d of h.devices) {
      for (const m of d.masquerade) {
        const inner = hosts.find((x) => x !== h && x.roles['real-server'] && x.devices.some((y) => y.networkCidr === m));
        const outside = h.devices.map((y) => clientOn(lanOf.get(y.networkCidr))).find((c) => c !== undefined && c.lan !== lanOf.get(m));
        if (!inner || !outside) continue;
        const as = h.devices.find((y) => lanOf.get(y.networkCidr) === outside.lan)!.address;
        add({ id: `masq.${h.name}.${m}`, name: `${inner.name} reaches client ${outside.name} masqueraded by ${h.name}`, expected: `the client sees ${as}`, run: ['masq', inner.name, outside.name, as] });
      }
    }
    // IPv6 is routed, not masqueraded: a real server whose IPv6 gateway is
    // this director (its address, or its pair's floating one) reaches a client
    // on another of its networks, which sees the real server's own address.
    // Proves the gateway, the director's forwarding and that no firewall
    // rule of either host drops it.
    const mine6 = (a: string) => h.devices.some((d) => d.ipv6.some((x) => x.address === a)) || pairs.some((p) => p.spec.nodes.includes(h.name) && p.floating.includes(a));
    for (const x of hosts) {
      if (x === h || !x.gateway6 || !mine6(x.gateway6.address)) continue;
      const via = x.devices.find((d) => d.device === x.gateway6!.device)!;
      const from = via.ipv6.find((a) => a.purpose === null && contains6(parseCidr6(a.networkCidr), x.gateway6!.address));
      const outside = h.devices.map((y) => clientOn(lanOf.get(y.networkCidr))).find((c) => c !== undefined && c.lan !== lanOf.get(via.networkCidr) && c.address6.length > 0);
      if (!from || !outside) continue;
      const to = outside.address6[0]!.split('/')[0]!;
      add({ id: `route6.${h.name}.${x.name}`, name: `${x.name} reaches client ${outside.name} (${to}) over IPv6 through ${h.name}, routed`, expected: `the client sees ${from.address}`, run: ['reach', x.name, to, from.address] });
      break; // one real server shows the director's IPv6 forwarding, as one shows its masquerading
    }
  };
  for (const h of hosts) if (activeFirst(h.name)) masqChecks(h);
  // the directors' tables, and the services through them
  const directors = hosts.filter((h) => servicesOf(h).length > 0).map((h) => h.name);
  const tableCheck = (d: string) => {
    const backend = byName.get(d)!.ldirectord ? 'ldirectord' : 'keepalived';
    add({
      id: `table.${d}`,
      name: `ipvsadm -L -n on ${d} equals lvsgen ipvsadm`,
      expected: `the table of lvsgen ipvsadm --host ${d} (counters and version line aside)`,
      // ldirectord drives ipvsadm, which the lab can stand in for; keepalived talks netlink to the kernel
      ...(backend === 'keepalived' ? { needs: NEEDS_IPVS } : {}),
      run: ['table', d],
    });
  };
  for (const d of directors) if (activeFirst(d)) tableCheck(d);
  const serviceCheck = (s: Service) => {
    const live = s.reals.filter((r) => r.weight > 0);
    const names = live.map((r) => (r.local ? s.director : hostOf(r.address)?.name ?? r.address));
    const n = requestsFor(s);
    const weighted = !['rr', 'lc', 'sed', 'nq', 'fo', 'ovf'].includes(s.scheduler) && new Set(live.map((r) => r.weight)).size > 1;
    const via = pairDirectors.includes(s.director) ? ` through ${s.director}` : '';
    const key = s.fwmark !== undefined ? `fwm.${s.fwmark}` : s.protocol;
    for (const t of s.targets) {
      const c = clientFor(t.address);
      if (!c) continue;
      const ep = endpoint(s.protocol, t.address, t.port);
      add({
        id: s.fwmark !== undefined ? `svc.${s.director}.${key}.${t.address}.${t.port}` : `svc.${s.director}.${key}.${s.address}.${s.port}`,
        name: `client ${c.name} is answered by ${ep}${s.fwmark !== undefined ? ` (${s.label})` : ''}${via}`,
        expected: s.persistent !== undefined
          ? `${n} requests from one client, all answered by one real server (persistent ${s.persistent})`
          : `${n} requests answered, by every one of ${names.join(', ')}${weighted ? ' in proportion to their weights' : ''}`,
        needs: NEEDS_IPVS,
        run: ['service', c.name, s.protocol, t.address, String(t.port), t.kind, String(n), s.persistent !== undefined ? 'persistent' : weighted ? 'weighted' : 'all',
          ...live.map((r, i) => `${names[i]}=${r.weight}`)],
      });
    }
    // persistence is per mark, not per port: one client stays on one real server across everything the mark covers
    const first = s.targets[0] !== undefined ? clientFor(s.targets[0].address) : undefined;
    const across = s.targets.filter((t) => clientFor(t.address) === first);
    if (s.fwmark !== undefined && s.persistent !== undefined && first && across.length > 1) {
      add({
        id: `persist.${s.director}.${key}`,
        name: `client ${first.name}: ${across.map((t) => hostPort(t.address, t.port)).join(', ')} answered by one real server (${s.label})${via}`,
        expected: `requests to each in turn, all answered by one real server (persistent ${s.persistent}, one mark)`,
        needs: NEEDS_IPVS,
        run: ['persist', first.name, s.protocol, String(Math.max(2, Math.ceil(6 / across.length))), ...across.map((t) => `${t.address}:${t.port}:${t.kind}`)],
      });
    }
  };
  // A real server's service stopped: every service of the director whose check
  // reaches that server (a firewall-mark service checks one port for all it
  // covers, and services may share a real server's port) is taken out.
  const downChecks = (s: Service, only: (host: string) => boolean) => {
    if (!s.checked) return;
    for (const r of s.reals.filter((x) => x.weight > 0)) {
      if (r.local) continue;
      const h = hostOf(r.address);
      if (!h || !only(h.name)) continue;
      const port = s.fwmark !== undefined ? s.checkPort ?? r.port : r.port;
      const entry = `${s.label}@${hostPort(r.address, r.port)}`;
      const same = checks.find((c) => c.run[0] === 'realdown' && c.run[1] === s.director && c.run[2] === h.name && c.run[3] === s.protocol && c.run[4] === String(port));
      if (same) {
        same.run.push(entry);
        const entries = same.run.slice(6);
        same.name = `${entries.map((e) => e.split('@')[0]).join(', ')}: ${h.name}'s ${s.protocol.toUpperCase()} port ${port} stopped is taken out by ${s.backend} on ${s.director}, started again comes back`;
        same.expected = `${entries.map((e) => `${e.split('@')[1]} (${e.split('@')[0]})`).join(', ')} removed or at weight 0, the rest of the table unchanged; back as predicted`;
        continue;
      }
      const ep = s.fwmark !== undefined ? `${s.label}` : endpoint(s.protocol, s.address, s.port);
      add({
        id: s.fwmark !== undefined ? `down.${s.director}.fwm.${s.fwmark}.${h.name}` : `down.${s.director}.${s.protocol}.${s.address}.${s.port}.${h.name}`,
        name: `${ep}: ${h.name}'s service${s.fwmark !== undefined ? ` on ${s.protocol.toUpperCase()} port ${port}` : ''} stopped is taken out by ${s.backend} on ${s.director}, started again comes back`,
        expected: `${hostPort(r.address, r.port)} removed or at weight 0, the rest of the table unchanged; back at weight ${r.weight}`,
        ...(s.backend === 'keepalived' ? { needs: NEEDS_IPVS } : {}),
        run: ['realdown', s.director, h.name, s.protocol, String(port), String(r.weight), entry],
      });
    }
  };
  // A direct-routing real server answers for the virtual address when a packet
  // for it reaches its own MAC address, as the director forwards it: the client
  // on its network sends there (a route to the address via the real server),
  // no IPVS needed. Proves the loopback alias and that nothing else is needed.
  const drChecks = (s: Service, only: (host: string) => boolean) => {
    const t = s.targets[0];
    if (!t) return;
    for (const r of s.reals.filter((x) => x.weight > 0 && x.forward === 'gate' && !x.local)) {
      const h = hostOf(r.address);
      const c = clientFor(r.address);
      const id = `dr.${h?.name}.${s.protocol}.${t.address}.${t.port}`;
      if (!h || !c || !only(h.name) || checks.some((x) => x.id === id)) continue;
      add({
        id,
        name: `${h.name} answers ${endpoint(s.protocol, t.address, t.port)} sent to its own address ${r.address}, as a director forwards it (direct routing)`,
        expected: `client ${c.name}'s request, routed via ${r.address}, answered by ${h.name}`,
        run: ['dr', c.name, h.name, r.address, s.protocol, t.address, String(t.port), t.kind],
      });
    }
  };
  // Connection synchronisation (a pair of directors, connection_sync): one
  // HTTP connection through the active director, its request begun and held
  // open (lab/kit/lab/held-conn: a POST whose body comes a byte every 2 s),
  // is learned by the standby's sync daemon and finished through the
  // standby after the failover. Without
  // the connection entry the standby would answer the connection's next
  // segment with a reset (IPVS schedules only a SYN). A real server on the
  // failing node itself (a streamline pair) cannot carry it: avoided.
  const carriedConnection = (n1: string, floating: readonly string[]) => {
    for (const s of services) {
      if (s.director !== n1 || s.protocol !== 'tcp' || s.kind !== 'http') continue;
      const live = s.reals.filter((r) => r.weight > 0);
      const avoid = live.filter((r) => r.local || hostOf(r.address)?.name === n1).map((r) => hostPort(r.address, r.port));
      if (live.length === avoid.length) continue;
      for (const t of s.targets) {
        const c = clientFor(t.address);
        if (!c || !floating.includes(t.address)) continue;
        const reals = live.map((r) => `${hostPort(r.address, r.port)}=${r.local ? s.director : hostOf(r.address)?.name ?? r.address}`);
        return { client: c.name, address: t.address, port: t.port, avoid, reals };
      }
    }
    return undefined;
  };
  for (const s of services) {
    if (!activeFirst(s.director)) continue;
    serviceCheck(s);
    downChecks(s, () => true);
    drChecks(s, () => true);
  }
  // each pair in turn: answered by the preferred node, a failure of it (the
  // other pairs' addresses unmoved), failback
  for (const p of has) {
    const { spec: pair, hp, floating } = p;
    const { n1, n2, kind, daemon, deadtime } = hp;
    const standby = standbyOf(p);
    const targets: Array<{ client: string; address: string }> = [];
    for (const f of floating) { const c = clientFor(f); if (c) targets.push({ client: c.name, address: f }); }
    if (pair.virtual_network !== undefined) {
      const vn = parseCidr(pair.virtual_network);
      // a client beyond a router that routes the virtual network
      const router = hosts.find((h) => h.devices.some((d) => d.routes.some((r) => r.networkCidr === vn.networkCidr)));
      const beyond = router?.devices.map((d) => clientOn(lanOf.get(d.networkCidr))).find((c) => c !== undefined && !floating.some((f) => onLan(lans.find((l) => l.name === c.lan)!, f)));
      if (beyond) for (const a of [ipOf(addressKey(vn.network) + 1), ipOf(addressKey(vn.broadcast) - 1)]) targets.push({ client: beyond.name, address: a });
    }
    for (const t of targets) add({ id: `ha.answer.${n1}.${t.address}`, name: `client ${t.client} reaches ${t.address}: answered by ${n1}`, expected: `${n1}`, run: ['answer', t.client, t.address, String(probePort), n1] });
    // The active node fails: its links cut (every interface of the topology
    // loses its carrier, as with its cables pulled), its daemon left running.
    // Repaired, it comes back as a rebooted node would before its daemon
    // starts: the daemon stopped (what it held, released), the links back.
    const ifaces = links.filter((l) => l.host === n1).map((l) => l.iface).join(',');
    const carry = standby !== undefined && pair.connection_sync ? carriedConnection(n1, floating) : undefined;
    if (carry) {
      add({
        id: pairId('ha.sync', hp),
        name: `a connection of client ${carry.client} to ${endpoint('tcp', carry.address, carry.port)} through ${n1}, held open: ${n2} learns it from ${n1}'s sync daemon`,
        expected: `ipvsadm -L -n -c on ${n2} lists it, to the same real server as on ${n1}`,
        needs: NEEDS_IPVS,
        run: ['ha-sync', carry.client, carry.address, String(carry.port), n1, n2, carry.avoid.join(',') || '-', ...carry.reals],
      });
    }
    add({
      id: pairId('ha.failover', hp),
      name: `${n1} fails (its links cut): ${floating.join(', ')} ${floating.length === 1 ? 'moves' : 'move'} to ${n2}`,
      expected: `on ${n2} within the dead time (${deadtime} s) and ${marginWords(hp)}; ${n1}, repaired (links back, ${daemon} not started), holds none`,
      run: ['ha-failover', n1, n2, kind, String(deadtime), String(hp.margin.failover), ifaces, ...floating],
    });
    if (carry) {
      add({
        id: pairId('ha.carried', hp),
        name: `the connection client ${carry.client} held open through ${n1} goes on through ${n2} after the failover`,
        expected: `its request, finished after the failover, answered by the real server it had before (the sync daemon's connection entry)`,
        needs: NEEDS_IPVS,
        run: ['ha-carried', carry.client, n2],
      });
    } else if (standby !== undefined && pair.connection_sync) {
      // Synchronised, but nothing the lab can hold open: named, never passed.
      add({
        id: pairId('ha.carried', hp),
        name: `a connection held open through ${n1} goes on through ${n2} after the failover`,
        expected: `a connection's request, finished after the failover, answered by the real server it had before (the sync daemon's connection entry)`,
        needs: NEEDS_IPVS,
        run: ['not-run', `the lab holds a connection open only through an HTTP service (TCP) of ${n1} on a floating address, with a client on its network and a real server off ${n1}; this pair has none`],
      });
    }
    // the other pairs, each on its preferred node (the lab hands every pair
    // back before the next one's failover), are not moved by this one's
    for (const o of has) {
      if (o.hp === hp) continue;
      add({
        id: `ha.stays.${o.hp.n1}.${n1}`,
        name: `${o.floating.join(', ')} ${o.floating.length === 1 ? 'stays' : 'stay'} on ${o.hp.n1} while ${n1} fails over to ${n2}`,
        expected: `on ${o.hp.n1}, not on ${o.hp.n2}, throughout ${STAYS_WATCH} s`,
        run: ['ha-stays', o.hp.n1, o.hp.n2, String(STAYS_WATCH), ...o.floating],
      });
    }
    for (const t of targets) add({ id: `ha.answer.${n2}.${t.address}`, name: `client ${t.client} reaches ${t.address}: answered by ${n2}`, expected: `${n2}`, run: ['answer', t.client, t.address, String(probePort), n2] });
    // a pair of directors: the table, the masquerading and the services now
    // through the standby; a streamline pair's roles have swapped, so the
    // checks of a real server are also made of the node that was the director
    if (standby !== undefined) {
      if (directors.includes(standby)) tableCheck(standby);
      masqChecks(byName.get(standby)!);
      const swapped = (h: string) => pair.nodes.includes(h);
      for (const s of services) {
        if (s.director !== standby) continue;
        serviceCheck(s);
        downChecks(s, swapped);
        drChecks(s, swapped);
      }
    }
    standbyLo(n1, 'failover', 'after the failover');
    const back = pair.auto_failback;
    // how long a node that settled as backup is watched for taking the addresses after all
    const settle = String(kind === 'vrrp' ? 3 * pair.keepalive + 2 : 1);
    add({
      id: pairId('ha.failback', hp),
      name: `${daemon} started on ${n1} again: ${back ? `auto_failback on, ${floating.join(', ')} back on ${n1}` : `auto_failback off${kind === 'vrrp' ? ' (nopreempt)' : ''}, ${floating.join(', ')} ${floating.length === 1 ? 'stays' : 'stay'} on ${n2}`}`,
      expected: back ? `on ${n1}, not on ${n2}` : `on ${n2}, not on ${n1}, once ${n1} has settled`,
      run: ['ha-failback', n1, n2, kind, back ? 'back' : 'stay', settle, ...floating],
    });
    if (!back) {
      standbyLo(n1, 'failback', 'after the failback');
      // The lab leaves the pair as it found it, so that a later `lab check` of
      // a lab that stays up starts from the same state (without this, its
      // checks expected the addresses on the preferred node and found them on
      // the other).
      add({
        id: pairId('ha.restore', hp),
        name: `${floating.join(', ')} handed back to ${n1} (${daemon} stopped on ${n2}, then started again), as the lab found the pair`,
        expected: `on ${n1}, not on ${n2}, once ${n2} has settled`,
        run: ['ha-restore', n1, n2, kind, settle, ...floating],
      });
    }
    standbyLo(n2, 'end', 'at the end');
  }
  // A configuration change reloads the director's daemon without an outage
  // (docs/installer.md, "Reload, not restart"): the lab installs a copy of the
  // director's bundle whose first real server has another weight (the first
  // `real=` line of ldirectord.cf, the first `real_server` block of
  // keepalived.conf: services and real servers in director.services' order,
  // so it is this entry) while it samples the table (and a pair node's
  // floating addresses), then the original bundle again. Each pair's
  // preferred node holds its addresses here (ha.failback or ha.restore put
  // them back): only it, as the standby of a heartbeat pair runs no ldirectord.
  for (const d of directors) {
    const p = has.find((x) => x.spec.nodes.includes(d));
    if (p && p.hp.n1 !== d) continue;
    const s = services.find((x) => x.director === d);
    const r = s?.reals[0];
    if (!s || !r) continue;
    const backend = s.backend;
    const file = backend === 'ldirectord' ? 'ldirectord.cf' : 'keepalived.conf';
    const entry = `${s.label}@${hostPort(r.address, r.port)}`;
    const floats = p?.floating ?? [];
    add({
      id: `reload.${d}`,
      name: `${file} changed (${hostPort(r.address, r.port)} in ${s.label} from weight ${r.weight} to ${r.weight + 1}) and installed on ${d}: ${backend} reloaded, no virtual service gone${floats.length ? `, ${floats.join(', ')} kept` : ''}`,
      expected: `the installer reloads ${backend} (not a restart); every sample of ipvsadm -L -n during it lists every virtual service of lvsgen ipvsadm${floats.length ? ` and ${d} holds ${floats.join(', ')} at each` : ''}; the table ends with weight ${r.weight + 1}; the original bundle installed again gives the predicted table back`,
      // as the table check: ldirectord drives ipvsadm (the lab's stand-in), keepalived talks netlink to the kernel
      ...(backend === 'keepalived' ? { needs: NEEDS_IPVS } : {}),
      run: ['reload', d, backend, entry, String(r.address), String(r.weight + 1), ...floats],
    });
  }
  // The administrator's configuration each host started from (lab/lib/admin.sh
  // seeds it per distro): its files kept outside lvsgen's blocks, its firewall
  // rules and sysctl keys still live, a cloud-init stanza for a managed device
  // disabled with its original backed up. After everything else changed the hosts.
  for (const h of hosts) {
    add({
      id: `admin.${h.name}`,
      name: `the administrator's configuration on ${h.name} is kept`,
      expected: 'the administrator\'s files as seeded (outside lvsgen\'s marked blocks, byte for byte), their rules and sysctl keys live, a stanza lvsgen replaces disabled and backed up',
      run: ['admin-kept', h.name],
    });
  }
  // every host's own checks, last: the tables have settled by then
  for (const h of hosts) if (opts.verifies?.(h.name) ?? true) add({ id: `verify.${h.name}`, name: `install.sh --verify on ${h.name}`, expected: 'every line ok', run: ['verify', h.name] });

  // --- what the hosts run
  const needs = new Set<string>();
  for (const h of hosts) {
    needs.add(`distro:${h.distro}`);
    if (h.ldirectord) needs.add('ldirectord');
    if (h.roles.director && !h.ldirectord && h.keepalived) needs.add('keepalived');
  }
  for (const p of pairs) needs.add(p.kind);
  for (const s of servers) if (s.kind === 'https') needs.add('openssl');

  return {
    cluster: model.name,
    lans,
    hosts: hosts.map((h) => ({ name: h.name, distro: h.distro })),
    links,
    clients,
    installOrder,
    servers,
    checks,
    directors,
    needs: [...needs].sort(),
  };
}

const field = (s: string) => {
  if (/[\t\n\r]/.test(s) || s === '') throw new Error(`lab plan: a field cannot be empty or hold a tab or line break: ${JSON.stringify(s)}`);
  return s;
};

/**
 * The plan as lab.sh reads it: one record a line, fields separated by tabs.
 *   lan NAME NETWORK [PREFIX6...] | host NAME DISTRO | link HOST IFACE LAN
 *   client NAME LAN ADDR/PREFIX GATEWAY|- [ADDR6/PREFIX,... GATEWAY6|-]
 *   install HOST... | server HOST KIND PROTO PORT ARG|-  (ARG: root, or name=address for dns)
 *   check ID KIND ARGS...
 */
export function planText(plan: LabPlan, run: (c: LabCheck) => boolean = () => true): string {
  const lines: string[][] = [];
  for (const l of plan.lans) lines.push(['lan', l.name, l.network, ...l.network6]);
  for (const h of plan.hosts) lines.push(['host', h.name, h.distro]);
  for (const l of plan.links) lines.push(['link', l.host, l.iface, l.lan]);
  // an IPv6 client's addresses (comma-separated) and gateway follow
  for (const c of plan.clients) lines.push(['client', c.name, c.lan, `${c.address}/${c.prefix}`, c.gateway ?? '-', ...(c.address6.length ? [c.address6.join(','), c.gateway6 ?? '-'] : [])]);
  for (const g of plan.installOrder) lines.push(['install', ...g]);
  for (const s of plan.servers) {
    const arg = s.kind === 'dns' ? `${s.dnsName ?? 'lvsgen.invalid'}=${s.dnsAddress ?? '192.0.2.1'}` : s.root ?? '-';
    lines.push(['server', s.host, s.kind, s.protocol, String(s.port), arg]);
  }
  // the install checks are reported by the install records
  for (const c of plan.checks) if (run(c) && c.run[0] !== 'install') lines.push(['check', c.id, ...c.run]);
  return lines.map((l) => `${l.map(field).join('\t')}\n`).join('');
}
