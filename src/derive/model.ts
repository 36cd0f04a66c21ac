// The derived model: everything the renderers need, already decided, sorted
// and named. Renderers format it; they never decide: templates hold layout, not logic.
import type { Cidr } from '../model/net.js';
import type { DirectorBackend, Role } from '../model/schema.js';

/** An address with its network facts, as model/net.ts computes them. */
export type NetAddress = Cidr;

export interface Route extends Omit<NetAddress, 'address'> {
  via: string;
  device: string;
}

/** An IPv6 address of a device: the host's own, or a virtual address derived for it. */
export interface Address6 {
  /** Canonical text (RFC 5952). */
  address: string;
  prefix: number;
  networkCidr: string;
  /** A virtual address: why it is there, for a comment in the file; null for the host's own. */
  purpose: string | null;
}

/** Ports of one protocol, `from` to `to` (one port: the two equal). */
export interface PortRange {
  protocol: 'tcp' | 'udp';
  from: number;
  to: number;
}

/** An interface of the host, with what hangs off it. */
export interface Device extends NetAddress {
  device: string;
  /**
   * IPv6 addresses (README, "IPv6"): the topology's, in its order, then the
   * virtual addresses of IPv6 services on this device's networks (a director's).
   * Empty: the files leave the device's IPv6 as the kernel has it.
   */
  ipv6: Address6[];
  /** IPv6 default gateway reached through this device (a NAT real server's: the director). */
  gateway6?: string;
  /** Default gateway reached through this device, if any. */
  gateway?: string;
  /** Networks this host masquerades, attached to the device that faces them. */
  masquerade: string[];
  /**
   * A NAT director: the IPv6 networks on this device that hold real servers of
   * its IPv6 NAT services. Not masqueraded (IPVS rewrites its services'
   * replies itself, and the real servers' own IPv6 connections keep their
   * addresses), but a forward filter that names its sources (rhel9's
   * firewalld policy) must name these beside `masquerade`.
   */
  servers6: string[];
  /** Static routes through this device. */
  routes: Route[];
  /** Aliases (eth0:0 ...) that carry virtual addresses on this device. */
  aliases: Alias[];
  /**
   * The IPVS sync daemon's interface on a heartbeat pair director: when the
   * device comes up at boot, the node starts its backup sync daemon
   * (lvsgen-ipvs-sync ... boot), as heartbeat starts nothing on the standby.
   */
  syncBackup?: { syncid: number };
}

export interface Alias extends NetAddress {
  device: string;
  parent: string;
  /** Why the alias exists, for a comment in the file. */
  purpose: string;
  /**
   * A floating address of the director pair, held on lo by a node that is
   * also its real server (streamline): heartbeat's IPaddr2 takes this copy
   * down while the node holds the address on a device, and puts it back when
   * it gives the address up; under keepalived it stays.
   */
  floating?: boolean;
}

/**
 * An IPv6 virtual address of direct routing held on lo (/128) by a real
 * server. IPv6 has no lo:N aliases: `device` is only the logical name the
 * ifupdown stanza and its ifup/ifdown go by, numbered after the IPv4 aliases.
 * Nothing suppresses neighbour discovery for it: Linux answers a neighbour
 * solicitation only for an address of the device it came in on
 * (README, "Neighbour discovery and direct routing").
 */
export interface Loopback6 {
  device: string;
  address: string;
  prefix: 128;
  purpose: string;
}

/** A real server of a director service, as that director reaches it. */
export interface DirectorReal {
  host: string;
  address: string;
  port: number;
  /** Set when the topology gives one; ipvsadm's default is 1. */
  weight?: number;
  /** Connection thresholds (ipvsadm -x upper, -y lower); unset: none (0). */
  upperThreshold?: number;
  lowerThreshold?: number;
  /** This real server's own check request and receive (either given, the other the service's). */
  check?: { request: string; receive: string };
  /** The real server is the director itself (ipvsadm shows Local). */
  local: boolean;
}

/**
 * One virtual service on one director, whichever backend puts it in the
 * kernel: derived once; ldirectord.cf (VirtualBlock), keepalived.conf
 * (KeepalivedVirtualServer), the ipvsadm prediction and --verify are views of it.
 */
export interface DirectorService {
  protocol: 'tcp' | 'udp';
  /** A firewall-mark service: its first match's address and port (it has no virtual address of its own). */
  address: string;
  port: number;
  /** How ipvsadm -L -n names the service, words single-spaced: `TCP 10.1.3.61:80`, `TCP [2001:db8::61]:80`, `FWM 1`. */
  label: string;
  /** An IPv6 service: its address and its real servers' are IPv6. */
  ipv6?: true;
  /** A firewall-mark service: its mark, and the packets the director marks with it. */
  fwmark?: number;
  marks?: MarkRule[];
  scheduler: string;
  persistent?: number;
  netmask?: string;
  forward: 'masq' | 'gate' | 'ipip';
  /** Sorted by address, then port (ipvsadm's order). */
  reals: DirectorReal[];
}

export interface DirectorView {
  /** What puts the services in the kernel (model/targets.ts directorBackends). */
  backend: DirectorBackend;
  /** In ipvsadm's order: protocol, address, port; then firewall-mark services by mark. */
  services: DirectorService[];
  /** The mangle rules of every firewall-mark service, in service order. */
  marks: MarkRule[];
}

/** One mangle PREROUTING rule: packets of `protocol` to `destination` on `ports` get `mark`. */
export interface MarkRule {
  mark: number;
  protocol: 'tcp' | 'udp';
  /** An address, or a network as NETWORK/PREFIX. */
  destination: string;
  /** iptables' --dport form: `80` or `10000:20000`. */
  dport: string;
  /** nft's form: `80` or `10000-20000`. */
  nftPorts: string;
  /** The rule as `iptables -t mangle -L PREROUTING -n` lists it from its destination on: `10.1.3.61 tcp dpt:80 MARK set 0x1`. */
  listed: string;
  /** The match as the topology gives it, for a comment. */
  match: string;
}

export interface RealServerLine {
  address: string;
  port: number;
  /** What follows real=: `ADDRESS:PORT`, or `ADDRESS` for a firewall-mark service (port 0). */
  target: string;
  forward: 'masq' | 'gate' | 'ipip';
  /** Set when the topology gives one; ipvsadm's default is 1. */
  weight?: number;
  /** ldirectord's per-real `"request", "receive"` (receive as ldirectord's regex of the literal text). */
  check?: { request: string; receive: string };
  /** ldirectord's per-real `l:N` and `u:N` (ipvsadm -y and -x). */
  lowerThreshold?: number;
  upperThreshold?: number;
  /** The real server is the director itself (ipvsadm shows Local). */
  local: boolean;
}

export interface VirtualBlock {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
  /** What follows virtual= (or virtual6=): `ADDRESS:PORT`, `[ADDRESS]:PORT`, or the firewall mark. */
  virtual: string;
  /** ldirectord's keywords for the block's family: `virtual`/`real`, or `virtual6`/`real6` for IPv6 (ldirectord(8), "IPv6"). */
  virtualKey: 'virtual' | 'virtual6';
  realKey: 'real' | 'real6';
  /** The comment above the block: `tcp 10.1.3.61:80`, or the mark and what it takes. */
  title: string;
  /** ldirectord's protocol=: the service's, or `fwm` for a firewall-mark service. */
  protocolLine: 'tcp' | 'udp' | 'fwm';
  scheduler: string;
  persistent?: number;
  netmask?: string;
  checktype: string;
  service?: string;
  request?: string;
  receive?: string;
  virtualhost?: string;
  login?: string;
  passwd?: string;
  checkport?: number;
  checktimeout?: number;
  /** The sorry server, with the service's forwarding method (ldirectord's default, gate, is wrong under NAT). */
  fallback?: { key: 'fallback' | 'fallback6'; target: string; address: string; port: number; forward: 'masq' | 'gate' | 'ipip' };
  reals: RealServerLine[];
}

export interface LdirectordView {
  globals: Array<{ key: string; value: string; quoted: boolean }>;
  /**
   * An IPv6 service negotiates http or https: ldirectord's check_http loads
   * Net::INET6Glue::INET_is_INET6 for an IPv6 real server (ldirectord.in,
   * check_http; ldirectord(8), "IPv6") and the check dies without it, so the
   * host needs the package (Debian libnet-inet6glue-perl).
   */
  inet6Glue: boolean;
  virtuals: VirtualBlock[];
}

export interface HeartbeatView {
  nodes: [string, string];
  logfacility: string;
  keepalive: number;
  deadtime: number;
  initdead: number;
  udpport: number;
  bcast: string;
  autoFailback: boolean;
  /** haresources: resources started on the preferred node. */
  resources: string[];
  /**
   * A pair of directors with connection_sync: the IPVS sync daemon's multicast
   * interface and sync id, the arguments haresources gives lvsgen-ipvs-sync.
   */
  sync?: { interface: string; syncid: number };
  /**
   * The IPv6 floating addresses, each as haresources gives it to
   * lvsgen-ipv6addr: ADDRESS/PREFIX/DEVICE (the device when both nodes name it
   * alike), the address in full. Absent without any.
   */
  ipv6?: string[];
  authMethod: 'sha1' | 'md5' | 'crc';
  /** The key; the only place a secret lives in the model. */
  key?: string;
}

export interface CheckPage {
  /** Path under the web root, without a leading slash. */
  request: string;
  /** Lines the page holds: every receive string checked at this path. */
  lines: string[];
  /** The page's bytes (the lines, each ending in a newline): keepalived's digest is taken over them. */
  content: string;
}

/** A keepalived.conf(5) checker: ldirectord's check translated. */
export interface KeepalivedCheck {
  type: 'HTTP_GET' | 'SSL_GET' | 'TCP_CHECK' | 'PING_CHECK' | 'DNS_CHECK';
  /** DNS_CHECK: the record type queried (A) and the name resolved (ldirectord's request). */
  dnsType?: 'A';
  dnsName?: string;
  /** url path (HTTP_GET, SSL_GET), with its leading slash. */
  path?: string;
  /** MD5 of the check page lvsgen writes on this real server (what genhash prints). */
  digest?: string;
  virtualhost?: string;
  connectPort?: number;
  connectTimeout?: number;
}

export interface KeepalivedRealServer {
  address: string;
  port: number;
  weight: number;
  /** keepalived's uthreshold and lthreshold (ipvsadm -x and -y). */
  uthreshold?: number;
  lthreshold?: number;
  /** The real server is the director itself (ipvsadm shows Local). */
  local: boolean;
  /** None: the real server is always in (ldirectord's checktype on, or service none). */
  check?: KeepalivedCheck;
}

export interface KeepalivedVirtualServer {
  address: string;
  port: number;
  /** A firewall-mark service (`virtual_server fwmark N`); its real servers then have port 0. */
  fwmark?: number;
  /** The comment above the block. */
  title: string;
  protocol: 'TCP' | 'UDP';
  lbAlgo: string;
  lbKind: 'NAT' | 'DR' | 'TUN';
  persistenceTimeout?: number;
  persistenceGranularity?: string;
  /** Seconds between checks: ldirectord's checkinterval (its default 10; keepalived's own would be 60). */
  delayLoop: number;
  /** ldirectord's quiescent (its default yes): a failed real server gets weight 0 instead of being removed. */
  inhibitOnFailure: boolean;
  /** The sorry server (the service's or the cluster default), with the service's lb_kind. */
  sorryServer?: { address: string; port: number; lbKind: 'NAT' | 'DR' | 'TUN' };
  realServers: KeepalivedRealServer[];
}

/** The heartbeat pair as a VRRP instance (today's distros). */
export interface VrrpView {
  instance: string;
  interface: string;
  state: 'MASTER' | 'BACKUP';
  priority: number;
  virtualRouterId: number;
  advertInt: number;
  /** auto_failback off: the node that holds the addresses keeps them. */
  nopreempt: boolean;
  /** PASS authentication: the first 8 characters of the heartbeat key (a secret). */
  authPass?: string;
  /** The floating addresses, with the device that carries each on this node. */
  addresses: Array<{ address: string; prefix: number; device: string }>;
  /** A pair of directors with connection_sync: the interface of keepalived's lvs_sync_daemon. */
  syncInterface?: string;
  /**
   * The IPv6 floating addresses, if any: a VRRP version 3 instance of their own
   * (same interface, router id, priority and state; no authentication), in a
   * sync group with the IPv4 instance so that both move together.
   */
  ipv6?: { instance: string; syncGroup: string; addresses: Array<{ address: string; prefix: number; device: string }> };
}

export interface KeepalivedView {
  routerId: string;
  virtualServers: KeepalivedVirtualServer[];
  /**
   * A checker connects to a real server's port (TCP_CHECK, HTTP_GET, SSL_GET,
   * DNS_CHECK). SELinux (RHEL's targeted policy) lets keepalived_t connect only
   * to a few port types unless the boolean keepalived_connect_any is on.
   */
  checksConnect: boolean;
  vrrp?: VrrpView;
}

export interface DerivedHost {
  name: string;
  distro: string;
  /** Where deployment tools reach the host: manage_address, else its first interface's address. */
  manageAddress: string;
  roles: Record<Role, boolean>;
  devices: Device[];
  /** lo:N aliases: a virtual network, or virtual addresses of direct routing. */
  loopbackAliases: Alias[];
  /** IPv6 virtual addresses of direct routing on lo, each a /128. */
  loopback6: Loopback6[];
  /**
   * A director with firewall marks: the lo:N name after the aliases under which
   * ifupdown's interfaces file holds the mangle rules (debian), as a stanza of
   * their own: `ifup lo:N` applies them, while networking restart leaves lo alone.
   */
  marksDevice?: string;
  gateway?: { address: string; device: string };
  /** Device heartbeat and initscripts' GATEWAYDEV should use. */
  gatewayDevice?: string;
  forwarding: boolean;
  /** A director or router with IPv6 addresses: net.ipv6.conf.all.forwarding = 1. */
  forwarding6: boolean;
  /** The IPv6 default gateway, where one is derived (a NAT real server of an IPv6 service). */
  gateway6?: { address: string; device: string };
  /** Real server of direct routing or tunnelling (or a sorry server of such a service): must not answer ARP for the VIPs. */
  arpSuppression: boolean;
  /** Why (with arpSuppression): the host is a real server of such a service, a sorry server of one (a fallback at one of its addresses), or both. */
  arpFor: { realServer: boolean; sorryServer: boolean };
  modules: string[];
  /** The same modules, each with its options ('' for none): what a boot script or the installer passes to modprobe. */
  moduleLoads: Array<{ module: string; options: string }>;
  /**
   * Keys that exist only once a boot module is loaded: a director's IPVS keys
   * (net.ipv4.vs.*, ip_vs), a tunnelling real server's tunl0 (ipip). `modules`
   * then holds the module, loaded at boot before the keys are applied.
   */
  moduleSysctls: Array<{ comment: string; keys: Array<{ key: string; value: string }> }>;
  /** A real server of tunnelling, or a sorry server of a tunnelled service: the ipip fallback device (tunl0) that receives the encapsulated packets, up. */
  tunnel?: { device: 'tunl0' };
  /**
   * The ports the host's services take from the network (derive/ports.ts
   * portRanges: each once, sorted): a director's virtual ports; a real
   * server's ports its directors send to (NAT: its real port; direct routing
   * and tunnelling: the virtual port) and the port of a check that connects
   * elsewhere (`check.port`); every port a firewall mark covers; a sorry
   * server's (a fallback at one of its addresses: NAT the fallback's port,
   * direct routing and tunnelling the virtual port). rhel9 opens them in
   * firewalld (render/kinds.ts firewalld).
   */
  accepts: PortRange[];
  /** A director: its services, whichever backend runs them. */
  director?: DirectorView;
  /** A director with director_backend ldirectord. */
  ldirectord?: LdirectordView;
  /** A director with director_backend keepalived, or a heartbeat node (VRRP on today's distros). */
  keepalived?: KeepalivedView;
  heartbeat?: HeartbeatView;
  checkPages: CheckPage[];
}

/** A virtual service as the cluster offers it, whichever backend runs it (views such as the graph read it). */
export interface ServiceView {
  protocol: 'tcp' | 'udp';
  /** A firewall-mark service: its first match's address and port. */
  address: string;
  port: number;
  /** A firewall-mark service: its mark and matches as the topology gives them. */
  fwmark?: { mark: number; match: string[] };
  scheduler: string;
  forward: 'masq' | 'gate' | 'ipip';
  persistent?: number;
  checktype: string;
  /** What a negotiate check speaks (http, https, dns, ...), stated or implied by the port. */
  service?: string;
  /** The directors that run it, sorted. */
  directors: string[];
  /** Its real servers, by host, in the topology's order. */
  reals: Array<{ host: string; port: number; weight: number }>;
}

/** The heartbeat (or VRRP) pair: which nodes, which addresses move between them. */
export interface PairView {
  /** The preferred active node first (heartbeat's haresources node, VRRP's higher priority). */
  nodes: [string, string];
  /** Floating addresses with their prefix, as the topology gives them. */
  floating: string[];
  /** The CIDR network both nodes accept as local (loopback alias), if any. */
  virtualNetwork?: string;
}

export interface DerivedModel {
  name: string;
  hosts: DerivedHost[];
  /** Every virtual service in ipvsadm's order (protocol, address, port). */
  services: ServiceView[];
  /** The pair, when the topology has exactly one (heartbeat, or one entry of pairs). */
  pair?: PairView;
  /** Every pair, in topology order (several: high capacity). */
  pairs: PairView[];
  /** Every secret value in the model: masked wherever output is shown. */
  secrets: string[];
}
