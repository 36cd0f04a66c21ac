// The derived model: everything the renderers need, already decided, sorted
// and named. Renderers format it; they never decide (STYLE.md rules 5, 6).
import type { Role } from '../model/schema.js';

export interface NetAddress {
  address: string;
  prefix: number;
  netmask: string;
  network: string;
  broadcast: string;
  networkCidr: string;
}

export interface Route extends Omit<NetAddress, 'address'> {
  via: string;
  device: string;
}

/** An interface of the host, with what hangs off it. */
export interface Device extends NetAddress {
  device: string;
  /** Default gateway reached through this device, if any. */
  gateway?: string;
  /** Networks this host masquerades, attached to the device that faces them. */
  masquerade: string[];
  /** Static routes through this device. */
  routes: Route[];
  /** Aliases (eth0:0 ...) that carry virtual addresses on this device. */
  aliases: Alias[];
}

export interface Alias extends NetAddress {
  device: string;
  parent: string;
  /** Why the alias exists, for a comment in the file. */
  purpose: string;
}

export interface RealServerLine {
  address: string;
  port: number;
  forward: 'masq' | 'gate' | 'ipip';
  /** Set when the topology gives one; ipvsadm's default is 1. */
  weight?: number;
  /** The real server is the director itself (ipvsadm shows Local). */
  local: boolean;
}

export interface VirtualBlock {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
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
  reals: RealServerLine[];
}

export interface LdirectordView {
  globals: Array<{ key: string; value: string; quoted: boolean }>;
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
  authMethod: 'sha1' | 'md5' | 'crc';
  /** The key; the only place a secret lives in the model. */
  key?: string;
}

export interface CheckPage {
  /** Path under the web root, without a leading slash. */
  request: string;
  /** Lines the page holds: every receive string checked at this path. */
  lines: string[];
}

export interface DerivedHost {
  name: string;
  distro: string;
  roles: Record<Role, boolean>;
  devices: Device[];
  /** lo:N aliases: a virtual network, or virtual addresses of direct routing. */
  loopbackAliases: Alias[];
  gateway?: { address: string; device: string };
  /** Device heartbeat and initscripts' GATEWAYDEV should use. */
  gatewayDevice?: string;
  forwarding: boolean;
  /** Real server of direct routing or tunnelling: must not answer ARP for the VIPs. */
  arpSuppression: boolean;
  modules: string[];
  ldirectord?: LdirectordView;
  heartbeat?: HeartbeatView;
  checkPages: CheckPage[];
}

export interface DerivedModel {
  name: string;
  hosts: DerivedHost[];
  /** Every secret value in the model: masked wherever output is shown. */
  secrets: string[];
}
