// Topology -> derived model: the facts the operator should not have to
// repeat (gateways, forwarding, masquerading, aliases, routes, heartbeat files).
import { createHash } from 'node:crypto';
import { addressKey, compareAddresses, contains, contains6, expandedIPv6, facing, floatingGateway, interfaceAddresses, parseCidr, parseCidr6, splitEndpoint, type Cidr, type Cidr6 } from '../model/net.js';
import { fallbackOf } from '../model/fallback.js';
import { isFtp } from '../model/ftp.js';
import { fwmarksOf, parseMatch, serviceDestinations, servicePort } from '../model/fwmark.js';
import { ROLES, type DirectorBackend, type Role, type Topology, type VirtualServiceSpec } from '../model/schema.js';
import { vrrpPassword } from '../model/targets.js';
import { defaultRouterId, directorPairs, floating4, floating6, floatingAddress, pairsOf, serviceDirectors, type PairSpec } from '../model/pairs.js';
import { impliedDns } from '../model/validate.js';
import { portRanges } from './ports.js';
import type {
  Alias,
  CheckPage,
  DerivedHost,
  DerivedModel,
  Device,
  DirectorReal,
  DirectorService,
  DirectorView,
  HeartbeatView,
  KeepalivedCheck,
  KeepalivedView,
  KeepalivedVirtualServer,
  LdirectordView,
  Loopback6,
  MarkRule,
  NetAddress,
  PairView,
  PortRange,
  RealServerLine,
  Route,
  ServiceView,
  VirtualBlock,
  VrrpView,
} from './model.js';

export interface DeriveOptions {
  /** Overrides every host's distro (`--distro`). */
  distro?: string;
  /** Secrets resolved from the topology, the environment or files: the first pair's key, and each pair's (model/pairs.ts order). */
  secrets: { heartbeatKey?: string; pairKeys?: ReadonlyArray<string | undefined> };
  /** What each director runs (model/targets.ts directorBackends); unset: the topology's director_backend, else ldirectord. */
  backends?: ReadonlyMap<string, DirectorBackend>;
  /** Whether keepalived (VRRP) carries a pair on a distro (capabilities.vrrp); unset: heartbeat everywhere. */
  vrrp?: (distro: string) => boolean;
  /** Whether a distro's kernel has net.ipv4.vs.conntrack (capabilities.ipvs_conntrack); unset: none has. */
  ipvsConntrack?: (distro: string) => boolean;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const byDevice = (a: { device: string }, b: { device: string }) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0);
const net = (c: Cidr): NetAddress => ({ address: c.address, prefix: c.prefix, netmask: c.netmask, network: c.network, broadcast: c.broadcast, networkCidr: c.networkCidr });

interface HostIface {
  device: string;
  cidr: Cidr;
  /** Its IPv6 addresses, in the topology's order. */
  cidr6: Cidr6[];
}

export function deriveModel(t: Topology, opts: DeriveOptions): DerivedModel {
  const names = Object.keys(t.hosts).sort();
  const ifaces = new Map<string, HostIface[]>(
    names.map((n) => [
      n,
      Object.entries(t.hosts[n]!.interfaces)
        .map(([device, c]) => {
          const a = interfaceAddresses(c);
          return { device, cidr: parseCidr(a.ipv4[0]!), cidr6: a.ipv6.map((x) => parseCidr6(x)) };
        })
        .sort(byDevice),
    ]),
  );
  const hasRole = (n: string, r: Role) => (t.hosts[n]!.roles as string[]).includes(r);
  const directors = names.filter((n) => hasRole(n, 'director'));
  const routers = names.filter((n) => hasRole(n, 'router'));
  /** The interface of `host` on the network that holds `address`. */
  /** Address of real server `rs` as director `d` reaches it: asked per service, so found once per pair. */
  const reached = new Map<string, Map<string, string>>();
  const realAddress = (rs: string, d: string | undefined, forward: string, family6 = false): string => {
    const own = ifaces.get(rs)!;
    if (d === undefined || forward === 'ipip') return own[0]!.cidr.address;
    if (family6) {
      // An IPv6 service (NAT): the real server's IPv6 address on a network of the director's (validated).
      const mine = ifaces.get(d)!.flatMap((x) => x.cidr6);
      return own.flatMap((i) => i.cidr6).find((c) => mine.some((m) => contains6(m, c.address)))!.address;
    }
    let byReal = reached.get(d);
    if (byReal === undefined) reached.set(d, (byReal = new Map()));
    let address = byReal.get(rs);
    if (address === undefined) {
      address = (facing(own, ifaces.get(d)!)?.real ?? own[0]!).cidr.address;
      byReal.set(rs, address);
    }
    return address;
  };
  /**
   * A director's virtual services, derived once: the neutral model that
   * ldirectord.cf, keepalived.conf, the ipvsadm prediction and --verify view.
   */
  const directorServices = (d: string): DirectorService[] =>
    runServices(d).map((vs) => {
      const vip = vipOf(vs);
      const mark = markOf.get(vs);
      const reals = realServersOf(vs)
        .map((r): DirectorReal => {
          const check = realCheckOf(vs, r);
          return {
            host: r.host,
            address: realAddress(r.host, d, vs.forward, vip.address.includes(':')),
            // A firewall-mark service's real servers keep each packet's port: ipvsadm shows :0.
            port: mark !== undefined ? 0 : (r.port ?? vip.port),
            ...(r.weight !== undefined ? { weight: r.weight } : {}),
            ...(r.upper_threshold !== undefined ? { upperThreshold: r.upper_threshold } : {}),
            ...(r.lower_threshold !== undefined ? { lowerThreshold: r.lower_threshold } : {}),
            ...(check ? { check } : {}),
            local: r.host === d,
          };
        })
        .sort((a, b) => compareAddresses(a.address, b.address) || a.port - b.port);
      const v6 = vip.address.includes(':');
      return {
        protocol: vs.protocol,
        address: vip.address,
        port: vip.port,
        // ipvsadm prints an IPv6 service as [ADDRESS]:PORT (addrport_to_anyname in ipvsadm.c).
        label: mark !== undefined ? `FWM ${mark}` : `${vs.protocol.toUpperCase()} ${hostPort(vip.address, vip.port)}`,
        ...(v6 ? { ipv6: true as const } : {}),
        ...(mark !== undefined ? { fwmark: mark, marks: markRules(vs, mark) } : {}),
        scheduler: vs.scheduler,
        ...(vs.persistent !== undefined ? { persistent: vs.persistent } : {}),
        ...(vs.netmask !== undefined ? { netmask: vs.netmask } : {}),
        forward: vs.forward,
        reals,
      };
    });

  // Firewall marks, given or derived (model/fwmark.ts), by service.
  const marksByIndex = fwmarksOf(t);
  const markOf = new Map<VirtualServiceSpec, number>(t.virtual_services.flatMap((vs, i) => (marksByIndex.has(i) ? [[vs, marksByIndex.get(i)!] as const] : [])));
  const services = [...t.virtual_services].sort((a, b) => compareServices(a, b, markOf));
  // The pairs (model/pairs.ts), each with its key; the services each director runs
  // (with director pairs, those whose addresses its pair owns).
  const pairs = pairsOf(t);
  const keyOf = (p: PairSpec): string | undefined => opts.secrets.pairKeys?.[p.index] ?? (p.index === 0 ? opts.secrets.heartbeatKey : undefined);
  const runnersOf = new Map(services.map((vs) => [vs, serviceDirectors(t, serviceDestinations(vs).addresses, directors)]));
  const runServices = (d: string): VirtualServiceSpec[] => services.filter((vs) => runnersOf.get(vs)!.includes(d));
  const secrets: string[] = [];
  for (const key of new Set(pairs.map(keyOf))) if (key !== undefined) secrets.push(key, vrrpPassword(key));
  for (const vs of services) if (vs.check.passwd !== undefined) secrets.push(vs.check.passwd);
  // Virtual services each host is a real server of, in service order, each once:
  // indexed in one pass rather than searched per host (hosts x services x real servers).
  const servicesByHost = new Map<string, VirtualServiceSpec[]>();
  for (const vs of services) {
    for (const r of realServersOf(vs)) {
      const mine = servicesByHost.get(r.host);
      if (mine === undefined) servicesByHost.set(r.host, [vs]);
      else if (mine[mine.length - 1] !== vs) mine.push(vs);
    }
  }
  const servicesOf = (name: string): readonly VirtualServiceSpec[] => servicesByHost.get(name) ?? [];
  // Check pages first: a keepalived director checks each page by its digest.
  const pages = new Map(names.map((n) => [n, checkPages(n, servicesOf(n))]));
  // HA load balancing: the directors are the nodes of director pairs (validation
  // has refused a pair that holds one director, a director outside every pair
  // then, and NAT with several directors otherwise).
  const dPairs = directorPairs(t);
  const backendOf = (n: string): DirectorBackend => opts.backends?.get(n) ?? t.director_backend ?? 'ldirectord';

  const hosts = names.map((name): DerivedHost => {
    const spec = t.hosts[name]!;
    const distro = opts.distro ?? spec.distro ?? t.defaults.distro;
    const roles = Object.fromEntries(ROLES.map((r) => [r, hasRole(name, r)])) as Record<Role, boolean>;
    const own = ifaces.get(name)!;
    const devices: Device[] = own.map((i) => ({
      device: i.device,
      ...net(i.cidr),
      ipv6: i.cidr6.map((c) => ({ address: c.address, prefix: c.prefix, networkCidr: c.networkCidr, purpose: null })),
      masquerade: [],
      servers6: [],
      routes: [],
      aliases: [],
    }));
    // A director asks once per real server per service: remember each address's device.
    const devicesOf = new Map<string, Device | undefined>();
    const deviceFor = (address: string): Device | undefined => {
      if (devicesOf.has(address)) return devicesOf.get(address);
      const dev = devices.find((d) => contains(parseCidr(`${d.address}/${d.prefix}`), address));
      devicesOf.set(address, dev);
      return dev;
    };
    const loopbackAliases: Alias[] = [];
    const modules = new Set<string>();
    const moduleSysctls: DerivedHost['moduleSysctls'] = [];
    const ftpPorts = new Set<number>();
    const isDirector = roles.director;
    const myServices = servicesOf(name);
    // This host's pair, if any: its floating addresses, and whether it is a pair of directors.
    const myPair = pairs.find((p) => p.spec.nodes.includes(name));
    const hb = myPair?.spec;
    const isHaNode = myPair !== undefined;
    const directorPair = myPair !== undefined && dPairs.includes(myPair);
    const floating = (hb?.floating ?? []).map(floatingAddress);

    // Default gateway: explicit; else for NAT the director, or the director pair's
    // floating address on our network; else a router beside us. A NAT service's
    // sorry server at one of our addresses is a NAT real server too: IPVS
    // rewrites its replies only if they come back through the director.
    let gateway: string | undefined = spec.gateway;
    // (IPv4 ones only: an IPv6 service's replies take the IPv6 gateway below)
    const nat4 = (vs: VirtualServiceSpec) => vs.forward === 'masq' && !vipOf(vs).address.includes(':');
    const natService = myServices.find(nat4) ?? services.find((vs) => nat4(vs) && isSorryServer(t, vs, own));
    if (gateway === undefined && natService !== undefined && !isDirector) {
      const d = directors[0];
      // The pair that runs the server's NAT services (validation keeps it to one).
      const natPair = dPairs.find((p) => runnersOf.get(natService)!.every((r) => p.spec.nodes.includes(r)));
      if (natPair !== undefined) gateway = floatingGateway(own, floating4(natPair.spec).map((f) => parseCidr(f)))?.address;
      else if (d !== undefined) gateway = facing(own, ifaces.get(d)!)?.director.cidr.address;
    }
    if (gateway === undefined && !roles.router) {
      for (const r of routers) {
        const hit = ifaces.get(r)!.find((x) => own.some((i) => x.cidr.networkCidr === i.cidr.networkCidr));
        if (hit) {
          gateway = hit.cidr.address;
          break;
        }
      }
    }
    const gwDevice = gateway !== undefined ? deviceFor(gateway) : undefined;
    if (gwDevice && gateway !== undefined) gwDevice.gateway = gateway;
    // IPv6 default gateway of a NAT real server of an IPv6 service: the director's
    // IPv6 address on the server's network (IPVS NAT needs the replies back through it);
    // through a pair of directors, the pair's IPv6 floating address there. A
    // sorry server of an IPv6 NAT service at one of our addresses likewise.
    let gateway6: { address: string; device: string } | undefined;
    const d6 = directors[0];
    const nat6 = (vs: VirtualServiceSpec) => vs.forward === 'masq' && vipOf(vs).address.includes(':');
    const natService6 = myServices.find(nat6) ?? services.find((vs) => nat6(vs) && isSorryServer(t, vs, own));
    const natPair6 = natService6 !== undefined ? dPairs.find((p) => runnersOf.get(natService6)!.every((r) => p.spec.nodes.includes(r))) : undefined;
    // The addresses the server may route through: the pair's IPv6 floating ones, else the director's.
    const gateways6 = isDirector || natService6 === undefined ? [] : natPair6 !== undefined ? floating6(natPair6.spec).map((f) => parseCidr6(f)) : d6 !== undefined ? ifaces.get(d6)!.flatMap((x) => x.cidr6) : [];
    for (const dev of devices) {
      const via = gateways6.find((c) => dev.ipv6.some((m) => contains6(parseCidr6(`${m.address}/${m.prefix}`), c.address)));
      if (via !== undefined) {
        gateway6 = { address: via.address, device: dev.device };
        dev.gateway6 = via.address;
        break;
      }
    }

    // Director: VIP aliases, masquerading, ip_vs_ftp, ldirectord.cf or keepalived's virtual servers.
    let ldirectord: LdirectordView | undefined;
    let virtualServers: KeepalivedVirtualServer[] | undefined;
    let director: DirectorView | undefined;
    if (isDirector) {
      const backend = backendOf(name);
      const services = runServices(name);
      const ds0 = directorServices(name);
      director = { backend, services: ds0, marks: ds0.flatMap((s) => s.marks ?? []) };
      const allVips = [...new Set(services.flatMap((vs) => serviceDestinations(vs).addresses))].sort(compareAddresses);
      const vips = allVips.filter((a) => !a.includes(':'));
      // An IPv6 virtual address: a further address of the device on its network (IPv6 has no eth0:N aliases).
      for (const vip of allVips.filter((a) => a.includes(':'))) {
        const dev = devices.find((x) => x.ipv6.some((m) => contains6(parseCidr6(`${m.address}/${m.prefix}`), vip)));
        // A floating address of a pair is VRRP's (or heartbeat's resource scripts) to add.
        if (!dev || dev.ipv6.some((m) => m.address === vip) || (isHaNode && floating.includes(vip))) continue;
        const on = dev.ipv6.find((m) => contains6(parseCidr6(`${m.address}/${m.prefix}`), vip))!;
        dev.ipv6.push({ address: vip, prefix: on.prefix, networkCidr: on.networkCidr, purpose: `virtual address ${vip}` });
      }
      for (const vip of vips) {
        const dev = deviceFor(vip);
        // A floating address of a director pair is VRRP's to add, never an alias.
        if (!dev || dev.address === vip || (isHaNode && floating.includes(vip))) continue;
        const alias = `${dev.device}:${dev.aliases.length}`;
        dev.aliases.push({ ...net(parseCidr(`${vip}/${dev.prefix}`)), device: alias, parent: dev.device, purpose: `virtual address ${vip}` });
      }
      // Whether a NAT service of this director reaches a real server other than itself.
      let natReals = false;
      for (const [i, vs] of services.entries()) {
        if (vs.forward !== 'masq') continue;
        for (const r of director.services[i]!.reals) {
          if (r.local) continue;
          natReals = true;
          // IPv6 is not masqueraded: IPVS rewrites the replies of its NAT services itself.
          if (r.address.includes(':')) {
            // Its network among this director's own (validated: a real server of an IPv6 NAT service has an address on one).
            for (const o of own) {
              const n = o.cidr6.find((c) => contains6(c, r.address))?.networkCidr;
              const dev = devices.find((x) => x.device === o.device)!;
              if (n !== undefined && !dev.servers6.includes(n)) dev.servers6.push(n);
            }
            continue;
          }
          const dev = deviceFor(r.address);
          if (dev && !dev.masquerade.includes(dev.networkCidr)) dev.masquerade.push(dev.networkCidr);
        }
        if (isFtp(vs)) {
          modules.add('ip_vs_ftp');
          ftpPorts.add(vipOf(vs).port);
        }
      }
      // IPVS keeps no conntrack entry of its own connections by default
      // (net.ipv4.vs.conntrack = 0), so a NAT real server's reply (its SYN-ACK
      // first) comes to the director's forward hook as a packet of no known
      // connection: conntrack calls it invalid, and a stateful filter there
      // drops it before IPVS rewrites it (firewalld's `ct state invalid drop`
      // on RHEL 9, measured with the real firewalld; an administrator's own
      // FORWARD rules the same). With 1, IPVS keeps the entry and its replies
      // are established (the kernel's Documentation/networking/ipvs-sysctl.rst,
      // conntrack: "needed ... to use netfilter's stateful firewall with IPVS").
      // A distro whose kernel has the key (capabilities.ipvs_conntrack: Linux 2.6.37 on).
      if (natReals && opts.ipvsConntrack?.(distro) === true) {
        moduleSysctls.push({
          comment: 'NAT: IPVS keeps conntrack entries of its connections, so that a stateful\nfilter here (firewalld, the administrator\'s) takes the real servers\'\nreplies as established.',
          keys: [{ key: 'net.ipv4.vs.conntrack', value: '1' }],
        });
        modules.add('ip_vs');
      }
      // A failed real server is quiesced (weight 0) by default in both backends,
      // and a persistent client keeps going to it until its template expires:
      // expire_quiescent_template drops the template of a quiesced server, and
      // expire_nodest_conn ends the connections of a removed one at their next
      // packet instead of dropping them silently (ipvs-sysctl, the kernel's
      // Documentation/networking/ipvs-sysctl.rst; ldirectord(8), quiescent).
      if (services.some((vs) => vs.persistent !== undefined)) {
        moduleSysctls.push({
          comment: 'Persistent services: a client whose real server failed goes to another one\n(expire the connections of a removed server, the template of a quiesced one).',
          keys: [
            { key: 'net.ipv4.vs.expire_nodest_conn', value: '1' },
            { key: 'net.ipv4.vs.expire_quiescent_template', value: '1' },
          ],
        });
        modules.add('ip_vs');
      }
      const ds = director.services;
      if (backend === 'keepalived') {
        virtualServers = services.map((vs, i) => keepalivedVirtualServer(t, vs, ds[i]!, pages));
      } else {
        ldirectord = {
          globals: ldirectordGlobals(t),
          inet6Glue: ds.some((x, i) => x.ipv6 === true && services[i]!.check.type === 'negotiate' && ['http', 'https'].includes(serviceOf(services[i]!) ?? '')),
          virtuals: services.map((vs, i) => virtualBlock(t, vs, ds[i]!)),
        };
      }
    }

    // Real server of direct routing / tunnelling: VIPs on non-ARPing loopback aliases.
    // A director holds its virtual addresses itself (an alias, or its pair's
    // floating address), except a node of a director pair that is also a real
    // server (streamline): the standby answers for a floating address it does
    // not hold on a device, so both nodes keep it on lo as any real server does.
    const pairReal = directorPair && isHaNode && isDirector;
    // A sorry server (a fallback at one of this host's addresses) of a
    // direct-routing or tunnelling service is sent the clients' packets by
    // the same method as a real server, addressed to the virtual address: it
    // needs what a real server of that method needs (the address on a
    // non-ARPing lo, tunl0), or the kernel drops them as not its own.
    const sorryDr = services.filter((vs) => vs.forward !== 'masq' && !myServices.includes(vs) && isSorryServer(t, vs, own));
    const drServices = [...myServices.filter((vs) => vs.forward !== 'masq'), ...sorryDr];
    const drAll = [
      ...new Set(drServices.flatMap((vs) => serviceDestinations(vs).addresses).filter((a) => !isDirector || (pairReal && floating.includes(a)))),
    ];
    // IPv6 ones go on lo as /128 addresses (loopback6): they need no ARP keys,
    // as Linux answers neighbour solicitations only for addresses of the device
    // asked on (ndisc_recv_ns in the kernel's net/ipv6/ndisc.c looks the target
    // up with ipv6_get_ifaddr(..., dev, 1), strict to that device).
    const drVips = drAll.filter((a) => !a.includes(':'));
    const drVips6 = drAll.filter((a) => a.includes(':')).sort(compareAddresses);
    // Networks of virtual addresses (firewall-mark services): local as a whole on
    // the director, which takes their packets, and on direct-routing and tunnelling
    // real servers, which answer for every address in them (a loopback alias holding
    // the network, as seed 001's lo:0 does for heartbeat's virtual network).
    const vnets = new Map<string, Cidr>();
    for (const vs of isDirector ? runServices(name) : drServices) for (const n of serviceDestinations(vs).networks) vnets.set(n.networkCidr, n);
    // What the ARP keys are for, as the sysctl file's comment says it: the IPv4
    // virtual addresses on lo of the services the host is a real server of (or
    // their networks of virtual addresses), of those it is a sorry server of, or both.
    const onLo4 = (list: readonly VirtualServiceSpec[]) => drVips.some((a) => list.some((vs) => serviceDestinations(vs).addresses.includes(a)));
    const arpFor = { realServer: onLo4(myServices.filter((vs) => vs.forward !== 'masq')) || (!isDirector && vnets.size > 0), sorryServer: onLo4(sorryDr) };
    const arpSuppression = drVips.length > 0 || (!isDirector && vnets.size > 0);
    // Tunnelling: the director encapsulates (IP in IP) to the real server's own
    // address; the ipip module's fallback device tunl0 receives the packets
    // only while it is up, and decapsulated packets carry the client's source
    // address in from tunl0, which reverse-path filtering on tunl0 or on `all`
    // (the kernel uses the larger of the two) drops, loose as well as strict:
    // the route back to the client is not through tunl0, and tunl0 has no
    // address (found under real IPVS by lvsgen lab --vm on high-capacity). The virtual addresses stay on lo:N
    // (any local address accepts the decapsulated packet), non-ARPing as for
    // direct routing.
    const tunnel = !isDirector && drServices.some((vs) => vs.forward === 'ipip');
    if (tunnel) {
      modules.add('ipip');
      moduleSysctls.push({
        comment: 'Tunnelling: decapsulated packets come in on tunl0 from the clients\' addresses,\nwhose route back is not through tunl0.',
        keys: [{ key: 'net.ipv4.conf.tunl0.rp_filter', value: '0' }],
      });
    }

    // Heartbeat: loopback alias for the virtual network, ha.cf, haresources, authkeys.
    let heartbeat: HeartbeatView | undefined;
    let vrrp: VrrpView | undefined;
    let gatewayDevice = gwDevice?.device;
    if (hb !== undefined && isHaNode) {
      if (hb.virtual_network !== undefined) {
        const vn = parseCidr(hb.virtual_network);
        loopbackAliases.push({ ...net({ ...vn, address: vn.network }), device: 'lo:0', parent: 'lo', purpose: `virtual network ${vn.networkCidr}` });
      }
      heartbeat = heartbeatView(myPair!, name, ifaces, keyOf(myPair!), directorPair ? backendOf(hb.nodes[0]!) : undefined);
      // Heartbeat runs a resource only on the node that takes it, so nothing
      // would start the standby's backup sync daemon after a reboot: the sync
      // interface starts it when it comes up at boot (ipvsadm loads ip_vs
      // itself), and lvsgen-ipvs-sync's `boot` leaves a running master alone.
      const sync = heartbeat.sync;
      if (sync !== undefined && isDirector && !(opts.vrrp?.(distro) ?? false)) {
        const dev = devices.find((d) => d.device === sync.interface);
        if (dev) dev.syncBackup = { syncid: sync.syncid };
      }
      vrrp = vrrpView(t, myPair!, name, ifaces, keyOf(myPair!), directorPair);
      // GATEWAYDEV keeps the default route off the loopback alias of a virtual
      // network (seed 001); a node without one needs none.
      if (hb.virtual_network !== undefined) gatewayDevice ??= heartbeat.bcast;
    }
    const keepalived: KeepalivedView | undefined =
      virtualServers !== undefined || vrrp !== undefined ? {
            routerId: name,
            virtualServers: virtualServers ?? [],
            checksConnect: (virtualServers ?? []).some((v) => v.realServers.some((r) => r.check !== undefined && r.check.type !== 'PING_CHECK')),
            ...(vrrp ? { vrrp } : {}),
          } : undefined;
    for (const n of [...vnets.values()].sort((a, b) => addressKey(a.network) - addressKey(b.network) || a.prefix - b.prefix)) {
      loopbackAliases.push({ ...net({ ...n, address: n.network }), device: `lo:${loopbackAliases.length}`, parent: 'lo', purpose: `virtual network ${n.networkCidr} (firewall mark)` });
    }
    for (const vip of drVips.sort((a, b) => addressKey(a) - addressKey(b))) {
      loopbackAliases.push({
        ...net(parseCidr(`${vip}/32`)),
        device: `lo:${loopbackAliases.length}`,
        parent: 'lo',
        purpose: `virtual address ${vip} (direct routing / tunnelling)`,
        ...(pairReal ? { floating: true } : {}),
      });
    }
    const loopback6: Loopback6[] = drVips6.map((address, i) => ({
      device: `lo:${loopbackAliases.length + i}`,
      address,
      prefix: 128,
      purpose: `virtual address ${address} (direct routing)`,
    }));
    // Streamline under keepalived: both nodes load the virtual servers, so the
    // standby's IPVS would schedule again the packets the active director
    // forwards to it (and could send them back: a loop). backup_only turns
    // the director function off while the node's sync daemon is in backup
    // state (the kernel's Documentation/networking/ipvs-sysctl.rst,
    // backup_only: "disable the director function while the server is in
    // backup mode to avoid packet loops for DR/TUN methods"); keepalived's
    // lvs_sync_daemon runs backup on the standby and master on the active
    // node. Under heartbeat the standby runs no ldirectord, so no table.
    if (pairReal && drVips.length > 0 && backendOf(name) === 'keepalived' && hb?.connection_sync === true) {
      moduleSysctls.push({
        comment: 'Director and real server of a pair (streamline): the standby only answers as a\nreal server, its IPVS stays out of the way while its sync daemon is backup.',
        keys: [{ key: 'net.ipv4.vs.backup_only', value: '1' }],
      });
      modules.add('ip_vs');
    }

    // Router: a network of virtual addresses of a firewall-mark service goes to
    // the director (its address on the router's network).
    if (roles.router && directors.length === 1) {
      const d = directors[0]!;
      const nets = new Map<string, Cidr>();
      for (const vs of services) for (const n of serviceDestinations(vs).networks) nets.set(n.networkCidr, n);
      for (const n of nets.values()) {
        const via = ifaces.get(d)!.find((x) => own.some((i) => i.cidr.networkCidr === x.cidr.networkCidr))?.cidr.address;
        const dev = via !== undefined ? deviceFor(via) : undefined;
        if (dev && via !== undefined) {
          const { address: _a, ...rest } = net({ ...n, address: n.network });
          dev.routes.push({ ...rest, via, device: dev.device } satisfies Route);
        }
      }
    }
    // Router: each pair's virtual network goes to its first floating address.
    for (const p of roles.router ? pairs : []) {
      if (p.spec.virtual_network === undefined) continue;
      const via = parseCidr(floating4(p.spec)[0]!).address;
      const dev = deviceFor(via);
      const vn = parseCidr(p.spec.virtual_network);
      if (dev) {
        const { address: _a, ...rest } = net(vn);
        dev.routes.push({ ...rest, via, device: dev.device } satisfies Route);
      }
    }

    // What the host's services take from the network: a director's virtual
    // ports, a real server's, a sorry server's (README, "rhel9 and firewalld").
    const accepts = portRanges([
      ...(isDirector ? runServices(name) : []).flatMap(servicePorts),
      ...myServices.flatMap((vs) => realServerPorts(vs, name)),
      ...services.flatMap((vs) => sorryServerPorts(t, vs, own, runnersOf.get(vs)!.filter((d) => d !== name))),
    ]);

    return {
      name,
      distro,
      manageAddress: spec.manage_address ?? devices[0]!.address,
      roles,
      devices,
      loopbackAliases,
      loopback6,
      ...(director !== undefined && director.marks.length > 0 ? { marksDevice: `lo:${loopbackAliases.length + loopback6.length}` } : {}),
      ...(gateway !== undefined && gwDevice ? { gateway: { address: gateway, device: gwDevice.device } } : {}),
      ...(gatewayDevice !== undefined ? { gatewayDevice } : {}),
      forwarding: isDirector || roles.router,
      forwarding6: (isDirector || roles.router) && devices.some((x) => x.ipv6.length > 0),
      ...(gateway6 !== undefined ? { gateway6 } : {}),
      arpSuppression,
      arpFor,
      ...(tunnel ? { tunnel: { device: 'tunl0' as const } } : {}),
      accepts,
      modules: [...modules].sort(),
      moduleLoads: [...modules].sort().map((module) => ({ module, options: module === 'ip_vs_ftp' ? ftpPortsOption(ftpPorts) : '' })),
      moduleSysctls,
      ...(director ? { director } : {}),
      ...(ldirectord ? { ldirectord } : {}),
      ...(keepalived ? { keepalived } : {}),
      ...(heartbeat ? { heartbeat } : {}),
      checkPages: pages.get(name)!,
    };
  });
  const serviceViews = services.map((vs): ServiceView => {
    const vip = vipOf(vs);
    const mark = markOf.get(vs);
    const service = vs.check.type === 'negotiate' ? serviceOf(vs) : undefined;
    return {
      protocol: vs.protocol,
      address: vip.address,
      port: vip.port,
      scheduler: vs.scheduler,
      forward: vs.forward,
      ...(mark !== undefined ? { fwmark: { mark, match: [...vs.fwmark!.match] } } : {}),
      ...(vs.persistent !== undefined ? { persistent: vs.persistent } : {}),
      checktype: vs.check.type,
      ...(service !== undefined ? { service } : {}),
      directors: runnersOf.get(vs)!,
      reals: realServersOf(vs).map((r) => ({ host: r.host, port: mark !== undefined ? 0 : (r.port ?? vip.port), weight: r.weight ?? 1 })),
    };
  });
  const pairViews = pairs.map(({ spec: hb }): PairView => ({
    nodes: [hb.nodes[0]!, hb.nodes[1]!],
    floating: [...hb.floating],
    ...(hb.virtual_network !== undefined ? { virtualNetwork: parseCidr(hb.virtual_network).networkCidr } : {}),
  }));
  // `pair`: the one pair, for the views that know one (several: pairs only).
  const pair = pairViews.length === 1 ? pairViews[0] : undefined;
  return { name: t.name, hosts: hosts.sort(byName), services: serviceViews, ...(pair ? { pair } : {}), pairs: pairViews, secrets };
}

type RealServerSpec = Exclude<VirtualServiceSpec['real_servers'][number], string>;

function realServersOf(vs: VirtualServiceSpec): RealServerSpec[] {
  return vs.real_servers.map((r) => (typeof r === 'string' ? { host: r } : r));
}

/**
 * A real server's own check request and receive, completed from the
 * service's: ldirectord's real= line carries them as a pair ("request",
 * "receive", ldirectord.in add_real_server), and validation has kept them to
 * negotiate checks that have both (http, https, dns).
 */
function realCheckOf(vs: VirtualServiceSpec, r: RealServerSpec): { request: string; receive: string } | undefined {
  if (r.check === undefined || (r.check.request === undefined && r.check.receive === undefined)) return undefined;
  const request = r.check.request ?? vs.check.request;
  const receive = r.check.receive ?? vs.check.receive;
  return request !== undefined && receive !== undefined ? { request, receive } : undefined;
}

/**
 * ip_vs_ftp watches only port 21 unless loaded with `ports=` (ip_vs_ftp.c:
 * module_param_array(ports, ...), "Ports to monitor for FTP control
 * commands", at most IP_VS_APP_MAX_PORTS = 8); IPVS binds the helper by the
 * virtual port. '' when 21 alone is balanced (the default needs no option).
 */
export function ftpPortsOption(ports: ReadonlySet<number>): string {
  const sorted = [...ports].sort((a, b) => a - b);
  return sorted.length === 0 || (sorted.length === 1 && sorted[0] === 21) ? '' : `ports=${sorted.join(',')}`;
}


/**
 * ipvsadm's order (libipvs ipvs_cmp_services): the firewall mark first (0 for
 * a service without one, so those come first), then protocol, address, port.
 */
function compareServices(a: VirtualServiceSpec, b: VirtualServiceSpec, markOf: ReadonlyMap<VirtualServiceSpec, number>): number {
  const ma = markOf.get(a) ?? 0;
  const mb = markOf.get(b) ?? 0;
  if (ma !== mb) return ma - mb;
  const ea = vipOf(a);
  const eb = vipOf(b);
  const proto = (p: string) => (p === 'tcp' ? 6 : 17);
  // libipvs ipvs_cmp_services: mark, address family (IPv4 first), protocol, address, port.
  const family = (x: string) => (x.includes(':') ? 1 : 0);
  return family(ea.address) - family(eb.address) || proto(a.protocol) - proto(b.protocol) || compareAddresses(ea.address, eb.address) || ea.port - eb.port;
}

/** `ADDRESS:PORT`, an IPv6 address in brackets (`[2001:db8::61]:80`), as ipvsadm and ldirectord.cf write them. */
function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The virtual address and port; for a firewall-mark service, its first match's address and first port. */
function vipOf(vs: VirtualServiceSpec): { address: string; port: number } {
  if (vs.virtual !== undefined) return splitEndpoint(vs.virtual);
  const first = parseMatch(vs.fwmark!.match[0]!);
  return { address: first.cidr.address, port: first.from };
}

/** The ports a service takes at its virtual address: its virtual port, or every port its firewall mark covers. */
function servicePorts(vs: VirtualServiceSpec): PortRange[] {
  if (vs.fwmark !== undefined) return vs.fwmark.match.map((text) => parseMatch(text)).map((m) => ({ protocol: vs.protocol, from: m.from, to: m.to }));
  const { port } = vipOf(vs);
  return [{ protocol: vs.protocol, from: port, to: port }];
}

/**
 * The ports real server `host` takes for a service: where its directors send
 * the clients' packets (NAT: the real port IPVS rewrites them to; direct
 * routing and tunnelling keep the virtual port; a firewall-mark service keeps
 * each packet's port, so every port the mark covers), and the port of a check
 * that connects to a port of its own (`check.port`: ldirectord's checkport,
 * keepalived's connect_port), over the service's protocol as both backends'
 * checks speak it. A check that connects nowhere (ping, on, off, negotiate of
 * service none) adds no port.
 */
function realServerPorts(vs: VirtualServiceSpec, host: string): PortRange[] {
  const out = vs.fwmark !== undefined ? servicePorts(vs) : realServersOf(vs).filter((r) => r.host === host).map((r) => r.port ?? vipOf(vs).port).map((p) => ({ protocol: vs.protocol, from: p, to: p }));
  const c = vs.check;
  const connects = c.type === 'connect' || (c.type === 'negotiate' && serviceOf(vs) !== 'none');
  if (c.port !== undefined && connects) out.push({ protocol: vs.protocol, from: c.port, to: c.port });
  return out;
}

/**
 * The port a sorry server takes for a service when it is this host (its
 * fallback, `fallback` or `ldirectord.fallback` (`fallback6`), at one of the host's
 * addresses): a director sends it the clients' packets as to a real server,
 * with the service's method, so NAT to the fallback's port and direct routing
 * and tunnelling to the virtual port, which validation has made the
 * fallback's port too. `others` are the service's directors other than the
 * host: a director that is its own service's fallback and runs it alone
 * delivers to itself inside IPVS, after the INPUT filter has taken the
 * virtual port (ip_vs_nat_xmit: a local destination continues up the stack
 * rather than through LOCAL_OUT), so only another director's packets need
 * the port. A fallback at no host's address (127.0.0.1, an outside server)
 * opens nothing here.
 */
function sorryServerPorts(t: Topology, vs: VirtualServiceSpec, own: readonly HostIface[], others: readonly string[]): PortRange[] {
  if (others.length === 0 || !isSorryServer(t, vs, own)) return [];
  const fb = fallbackOf(t, vs)!;
  return [{ protocol: vs.protocol, from: fb.port, to: fb.port }];
}

/** Whether the host of interfaces OWN is the service's sorry server: its fallback is one of the host's addresses (IPv4, or IPv6 for an IPv6 service). */
function isSorryServer(t: Topology, vs: VirtualServiceSpec, own: readonly HostIface[]): boolean {
  const fb = fallbackOf(t, vs);
  return fb !== undefined && own.some((i) => i.cidr.address === fb.address || i.cidr6.some((c) => c.address === fb.address));
}

/** A service as the files' comments name it: `tcp 10.1.3.61:80`, or `fwmark 1: tcp 10.1.3.61:80, 10.1.3.61:443`. */
function serviceTitle(vs: VirtualServiceSpec, ds: DirectorService): string {
  return ds.fwmark !== undefined ? `fwmark ${ds.fwmark}: ${vs.protocol} ${vs.fwmark!.match.join(', ')}` : `${ds.protocol} ${hostPort(ds.address, ds.port)}`;
}

/** The mangle rules that give a firewall-mark service's packets its mark, one per match. */
function markRules(vs: VirtualServiceSpec, mark: number): MarkRule[] {
  return vs.fwmark!.match.map((text) => {
    const m = parseMatch(text);
    return {
      mark,
      protocol: vs.protocol,
      destination: m.destination,
      dport: m.from === m.to ? String(m.from) : `${m.from}:${m.to}`,
      nftPorts: m.from === m.to ? String(m.from) : `${m.from}-${m.to}`,
      listed: `${m.destination.replace(/\/32$/, '')} ${vs.protocol} ${m.from === m.to ? `dpt:${m.from}` : `dpts:${m.from}:${m.to}`} MARK set 0x${mark.toString(16)}`,
      match: text,
    };
  });
}

function ldirectordGlobals(t: Topology): LdirectordView['globals'] {
  const l = t.ldirectord;
  const yn = (b: boolean) => (b ? 'yes' : 'no');
  const out: LdirectordView['globals'] = [];
  if (l.checktimeout !== undefined) out.push({ key: 'checktimeout', value: String(l.checktimeout), quoted: false });
  if (l.negotiatetimeout !== undefined) out.push({ key: 'negotiatetimeout', value: String(l.negotiatetimeout), quoted: false });
  if (l.checkinterval !== undefined) out.push({ key: 'checkinterval', value: String(l.checkinterval), quoted: false });
  if (l.autoreload !== undefined) out.push({ key: 'autoreload', value: yn(l.autoreload), quoted: false });
  // No global fallback= or fallback6= line: ldirectord would give it to every
  // service of its family, tcp and udp, with method gate; each block that it
  // fits carries its own (fallbackOf).
  if (l.logfile !== undefined) out.push({ key: 'logfile', value: l.logfile, quoted: true });
  if (l.quiescent !== undefined) out.push({ key: 'quiescent', value: yn(l.quiescent), quoted: false });
  return out;
}

/** ldirectord.cf's view of one director service: its block, with the check ldirectord runs. */
function virtualBlock(t: Topology, vs: VirtualServiceSpec, ds: DirectorService): VirtualBlock {
  const c = vs.check;
  // The weight is written whenever anything follows it on the real= line:
  // ldirectord's add_real_server finds it with an unanchored /\s+(\d+)/, which
  // would otherwise take a number out of the receive text.
  const reals: RealServerLine[] = ds.reals.map((r) => ({
    address: r.address,
    port: r.port,
    // A firewall-mark service's real server has no port (ldirectord reads it as 0).
    target: ds.fwmark !== undefined ? r.address : hostPort(r.address, r.port),
    forward: ds.forward,
    ...(r.weight !== undefined || r.check || r.lowerThreshold !== undefined || r.upperThreshold !== undefined ? { weight: r.weight ?? 1 } : {}),
    ...(r.check ? { check: r.check } : {}),
    ...(r.lowerThreshold !== undefined ? { lowerThreshold: r.lowerThreshold } : {}),
    ...(r.upperThreshold !== undefined ? { upperThreshold: r.upperThreshold } : {}),
    local: r.local,
  }));
  const block: VirtualBlock = {
    protocol: ds.protocol,
    address: ds.address,
    port: ds.port,
    // ldirectord.cf(5): `virtual = fwmark` with `protocol = fwm` for a firewall-mark service.
    virtual: ds.fwmark !== undefined ? String(ds.fwmark) : hostPort(ds.address, ds.port),
    // ldirectord(8), "IPv6": virtual6 and real6 for IPv6 (virtual= refuses a bracketed address).
    virtualKey: ds.ipv6 ? 'virtual6' : 'virtual',
    realKey: ds.ipv6 ? 'real6' : 'real',
    title: serviceTitle(vs, ds),
    protocolLine: ds.fwmark !== undefined ? 'fwm' : ds.protocol,
    scheduler: ds.scheduler,
    checktype: c.type,
    reals,
  };
  if (ds.persistent !== undefined) block.persistent = ds.persistent;
  if (ds.netmask !== undefined) block.netmask = ds.netmask;
  // Port 53 over UDP is checked as dns (validation has asked for request and
  // receive): stated in the file, so the check does not rest on ldirectord's own guess.
  const service = c.service ?? (c.type === 'negotiate' ? impliedDns(vs.protocol, ds.port) : undefined);
  if (service !== undefined) block.service = service;
  if (c.request !== undefined) block.request = c.request;
  if (c.receive !== undefined) block.receive = c.receive;
  if (c.virtualhost !== undefined) block.virtualhost = c.virtualhost;
  if (c.login !== undefined) block.login = c.login;
  if (c.passwd !== undefined) block.passwd = c.passwd;
  // A firewall-mark service's real servers have no port: its checks connect to
  // checkport (ldirectord's ld_checkport: checkport, else the real server's port
  // if not 0, else the service's well-known port), the check's port or the first matched.
  if (c.port !== undefined || ds.fwmark !== undefined) block.checkport = c.port ?? servicePort(vs);
  if (c.timeout !== undefined) block.checktimeout = c.timeout;
  const fb = fallbackOf(t, vs);
  // ldirectord(8), "IPv6": inside a virtual6= block the sorry server is
  // fallback6= (fallback= there is a configuration error), bracketed: its
  // parse_fallback takes a trailing `:WORD` as the port, so a bare IPv6
  // address would lose its last group.
  if (fb !== undefined) block.fallback = { key: ds.ipv6 ? 'fallback6' : 'fallback', target: hostPort(fb.address, fb.port), address: fb.address, port: fb.port, forward: vs.forward };
  return block;
}

/** The device of IFACES whose network (IPv4, or one of its IPv6 ones) holds ADDRESS. */
function deviceHolding(ifaces: HostIface[], address: string): string | undefined {
  return ifaces.find((i) => (address.includes(':') ? i.cidr6.some((c) => contains6(c, address)) : contains(i.cidr, address)))?.device;
}

/**
 * The pair as heartbeat runs it. haresources is the same on both nodes: a
 * device is named only where both nodes agree on it. A pair of directors
 * (`pairBackend` set) takes its addresses as IPaddr2 resources (ip(8)
 * addresses, as ldirectord's own documents use) and, under ldirectord, has
 * heartbeat start ldirectord on the active node after them
 * (`ldirectord::ldirectord.cf`, ldirectord(8): "nodename virtual-ip-address
 * ldirectord::configuration"); heartbeat stops resources in reverse order.
 */
function heartbeatView(
  pair: PairSpec,
  node: string,
  ifaces: Map<string, HostIface[]>,
  key: string | undefined,
  pairBackend: DirectorBackend | undefined,
): HeartbeatView {
  const hb = pair.spec;
  const [n0, n1] = hb.nodes as [string, string];
  const first = parseCidr(floating4(hb)[0]!);
  const devOn = (n: string, address: string) => deviceHolding(ifaces.get(n)!, address);
  // ha.cf is each node's own (heartbeat reads it locally): its bcast is this
  // node's device; haresources must be the same on both (validation refuses a
  // device it must name that the nodes call differently, model/targets.ts).
  const bcast = hb.interface ?? devOn(node, first.address) ?? ifaces.get(node)![0]!.device;
  const ipaddr = pairBackend !== undefined ? 'IPaddr2' : 'IPaddr';
  // An IPv6 address is lvsgen's resource script lvsgen-ipv6addr
  // (ADDRESS/PREFIX/DEVICE, as heartbeat's resource.d/IPv6addr takes it, which
  // the script runs for start and stop; its status is its own, as IPv6addr's
  // takes any ICMPv6 packet for the address answering: see the template),
  // written in full: ResourceManager splits a resource's arguments at every
  // `::`, so a compressed address (2001:db8::1) would reach it in pieces.
  const ipv6: string[] = [];
  const addresses = hb.floating.map((f) => {
    const v6 = f.includes(':');
    const c = v6 ? parseCidr6(f) : parseCidr(f);
    const d0 = devOn(n0, c.address);
    const d1 = devOn(n1, c.address);
    const address = v6 ? expandedIPv6(c.address) : c.address;
    const arg = d0 !== undefined && d0 === d1 ? `${address}/${c.prefix}/${d0}` : `${address}/${c.prefix}`;
    if (v6) ipv6.push(arg);
    return `${v6 ? 'lvsgen-ipv6addr' : ipaddr}::${arg}`;
  });
  // Started left to right, stopped right to left: the IPVS table and the sync
  // daemon's master role are in place before the addresses arrive, and the
  // addresses leave first (Ultra Monkey 3's order). The sync daemon's resource
  // is lvsgen's own resource.d script (heartbeat 1.2 and 2 shipped
  // LVSSyncDaemonSwap, heartbeat 3 does not): `ipvsadm --start-daemon master`
  // on the active node, `--start-daemon backup` on the other (ipvsadm(8)).
  // The sync id is the one keepalived's lvs_sync_daemon would use, the VRRP
  // router id (keepalived.conf(5)), so clusters on one segment stay apart.
  const sync = pairBackend !== undefined && hb.connection_sync ? { interface: bcast, syncid: pair.routerId } : undefined;
  const resources = [
    ...(pairBackend === 'ldirectord' ? ['ldirectord::ldirectord.cf'] : []),
    ...(sync ? [`lvsgen-ipvs-sync::${sync.interface}::${sync.syncid}`] : []),
    ...addresses,
  ];
  return {
    nodes: [n0, n1],
    logfacility: 'local0',
    keepalive: hb.keepalive,
    deadtime: hb.deadtime,
    initdead: hb.initdead,
    udpport: pair.udpport,
    bcast,
    autoFailback: hb.auto_failback,
    resources,
    ...(sync ? { sync } : {}),
    ...(ipv6.length > 0 ? { ipv6 } : {}),
    authMethod: hb.auth.method,
    ...(key !== undefined ? { key } : {}),
  };
}

/** ldirectord's default service for a port, as far as lvsgen's checks care. */
function serviceOf(vs: VirtualServiceSpec): string | undefined {
  const port = servicePort(vs);
  return vs.check.service ?? (port === 443 ? 'https' : port === 80 ? 'http' : undefined) ?? impliedDns(vs.protocol, port);
}

const LB_KIND = { masq: 'NAT', gate: 'DR', ipip: 'TUN' } as const;

/**
 * One virtual service as a keepalived virtual_server: the same scheduler,
 * persistence and real servers as ldirectord.cf, ldirectord's globals where
 * keepalived has them, and each check as keepalived's checker (validation has
 * refused the checks keepalived cannot do).
 */
function keepalivedVirtualServer(
  t: Topology,
  vs: VirtualServiceSpec,
  ds: DirectorService,
  pages: ReadonlyMap<string, CheckPage[]>,
): KeepalivedVirtualServer {
  const vip = vipOf(vs);
  const c = vs.check;
  const l = t.ldirectord;
  const service = serviceOf(vs);
  const negotiatesHttp = c.type === 'negotiate' && (service === 'http' || service === 'https');
  const negotiatesDns = c.type === 'negotiate' && service === 'dns';
  // ldirectord: negotiatetimeout for negotiate checks, checktimeout for the others.
  const timeout = negotiatesHttp || negotiatesDns ? (l.negotiatetimeout ?? c.timeout ?? l.checktimeout) : (c.timeout ?? l.checktimeout);
  const serviceRequest = c.request !== undefined ? c.request.replace(/^\/+/, '') : undefined;
  // Real servers mostly serve the same page: digest each distinct content once.
  const digests = new Map<string, string>();
  const md5Of = (content: string): string => {
    let d = digests.get(content);
    if (d === undefined) digests.set(content, (d = createHash('md5').update(content).digest('hex')));
    return d;
  };
  const checkFor = (host: string, own: DirectorReal['check']): KeepalivedCheck | undefined => {
    const request = own !== undefined ? own.request.replace(/^\/+/, '') : serviceRequest;
    // A firewall-mark service's real servers have port 0: the checker connects to the check's port or the first matched.
    const connectPort = c.port ?? (ds.fwmark !== undefined ? servicePort(vs) : undefined);
    const common = { ...(connectPort !== undefined ? { connectPort } : {}), ...(timeout !== undefined ? { connectTimeout: timeout } : {}) };
    if (c.type === 'connect') return { type: 'TCP_CHECK', ...common };
    if (c.type === 'ping') return { type: 'PING_CHECK', ...(timeout !== undefined ? { connectTimeout: timeout } : {}) };
    // keepalived.conf(5) DNS_CHECK: a query of `type` for `name` to the real server;
    // it is up when the answer holds such a record (keepalived does not compare
    // the address, which ldirectord's check_dns does with receive).
    if (negotiatesDns && request !== undefined) return { type: 'DNS_CHECK', dnsType: 'A', dnsName: request, ...common };
    if (!negotiatesHttp || request === undefined) return undefined; // on, or negotiate of service none
    const page = pages.get(host)!.find((p) => p.request === request)!;
    return {
      type: service === 'https' ? 'SSL_GET' : 'HTTP_GET',
      path: `/${request}`,
      digest: md5Of(page.content),
      ...(c.virtualhost !== undefined ? { virtualhost: c.virtualhost } : {}),
      ...common,
    };
  };
  const realServers = ds.reals.map((r) => {
    const check = checkFor(r.host, r.check);
    return {
      address: r.address,
      port: r.port,
      weight: r.weight ?? 1,
      ...(r.upperThreshold !== undefined ? { uthreshold: r.upperThreshold } : {}),
      ...(r.lowerThreshold !== undefined ? { lthreshold: r.lowerThreshold } : {}),
      local: r.local,
      ...(check ? { check } : {}),
    };
  });
  const fallback = fallbackOf(t, vs);
  return {
    address: vip.address,
    port: vip.port,
    ...(ds.fwmark !== undefined ? { fwmark: ds.fwmark } : {}),
    title: ds.fwmark !== undefined ? serviceTitle(vs, ds) : `${vs.protocol.toUpperCase()} ${hostPort(ds.address, ds.port)}`,
    protocol: vs.protocol === 'udp' ? 'UDP' : 'TCP',
    lbAlgo: vs.scheduler,
    lbKind: LB_KIND[vs.forward],
    ...(vs.persistent !== undefined ? { persistenceTimeout: vs.persistent } : {}),
    ...(vs.netmask !== undefined ? { persistenceGranularity: vs.netmask } : {}),
    delayLoop: l.checkinterval ?? 10,
    // ldirectord(8): quiescent "Default: yes"; both backends do the same to a failed server.
    inhibitOnFailure: l.quiescent ?? true,
    // Validation has kept a direct-routing or tunnelled sorry server on the virtual port.
    ...(fallback ? { sorryServer: { address: fallback.address, port: fallback.port, lbKind: LB_KIND[vs.forward] } } : {}),
    realServers,
  };
}

/**
 * The heartbeat pair as VRRP: the first node has the higher priority, as it is
 * heartbeat's preferred node; auto_failback off becomes nopreempt (both nodes
 * start as BACKUP, which nopreempt requires); heartbeat's keepalive becomes the
 * advertisement interval. heartbeat's deadtime, initdead and udpport have no
 * VRRP twin (the master is declared dead after 3 advertisements plus a skew).
 */
function vrrpView(t: Topology, pair: PairSpec, node: string, ifaces: Map<string, HostIface[]>, key: string | undefined, directorPair: boolean): VrrpView {
  const hb = pair.spec;
  const own = ifaces.get(node)!;
  const devOn = (address: string) => deviceHolding(own, address);
  const first = parseCidr(floating4(hb)[0]!);
  const preferred = hb.nodes[0] === node;
  const iface = hb.interface ?? devOn(first.address) ?? own[0]!.device;
  return {
    instance: t.name,
    interface: iface,
    // keepalived.conf(5) lvs_sync_daemon: the IPVS sync daemon follows the
    // instance's state (master while MASTER, backup otherwise).
    ...(directorPair && hb.connection_sync ? { syncInterface: iface } : {}),
    state: hb.auto_failback && preferred ? 'MASTER' : 'BACKUP',
    priority: preferred ? 150 : 100,
    virtualRouterId: pair.routerId,
    advertInt: hb.keepalive,
    nopreempt: !hb.auto_failback,
    ...(key !== undefined && hb.auth.method !== 'crc' ? { authPass: vrrpPassword(key) } : {}),
    addresses: floating4(hb).map((f) => {
      const c = parseCidr(f);
      return { address: c.address, prefix: c.prefix, device: devOn(c.address) ?? own[0]!.device };
    }),
    // keepalived keeps one address family per instance, and IPv6 needs VRRP
    // version 3, which has no authentication (RFC 5798): the IPv6 addresses
    // move in an instance of their own, with the same router id (VRRP's ids are
    // per address family: its virtual MAC is 00:00:5e:00:02:ID, not :01:ID),
    // and a sync group moves the two together. No password is written there.
    ...(floating6(hb).length > 0
      ? {
          ipv6: {
            instance: `${t.name}-ipv6`,
            syncGroup: `${t.name}-pair`,
            addresses: floating6(hb).map((f) => {
              const c = parseCidr6(f);
              return { address: c.address, prefix: c.prefix, device: devOn(c.address) ?? own[0]!.device };
            }),
          },
        }
      : {}),
  };
}

export { defaultRouterId };

/** The check pages of real server `host`: each http or https check of it, with its own request and receive where it has them. */
function checkPages(host: string, services: readonly VirtualServiceSpec[]): CheckPage[] {
  const pages = new Map<string, string[]>();
  for (const vs of services) {
    const c = vs.check;
    const port = servicePort(vs);
    const service = c.service ?? (port === 443 ? 'https' : port === 80 ? 'http' : undefined);
    if (c.type !== 'negotiate' || (service !== 'http' && service !== 'https')) continue;
    const pairs = realServersOf(vs)
      .filter((r) => r.host === host)
      .map((r) => realCheckOf(vs, r) ?? (c.request !== undefined && c.receive !== undefined ? { request: c.request, receive: c.receive } : undefined));
    for (const pair of pairs) {
      if (pair === undefined) continue;
      const request = pair.request.replace(/^\/+/, '');
      const lines = pages.get(request) ?? [];
      if (!lines.includes(pair.receive)) lines.push(pair.receive);
      pages.set(request, lines);
    }
  }
  return [...pages.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([request, lines]) => ({ request, lines, content: lines.map((l) => `${l}\n`).join('') }));
}

