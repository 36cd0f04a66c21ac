// The topology file's schema: one source for the validator (zod) and for the
// published JSON Schema (docs/topology.schema.json, via z.toJSONSchema).
// Field-level rules live here; rules that relate fields to each other live in
// validate.ts.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import type { ProblemCode } from './problems.js';
import { isIPv6Cidr, isMatch, isUsableIPv6 } from './net.js';

/** Scheduler names ipvsadm(8) accepts (ip_vs_*.c in the kernel). */
export const SCHEDULERS = [
  'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos',
] as const;

/** ldirectord's `service=` values (ldirectord.in, sub check_*). */
export const CHECK_SERVICES = [
  'http', 'https', 'ftp', 'smtp', 'pop', 'pops', 'imap', 'imaps', 'ldap', 'nntp', 'dns',
  'mysql', 'pgsql', 'sip', 'radius', 'simpletcp', 'none',
] as const;

export const ROLES = ['director', 'real-server', 'router'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What runs the directors' virtual services and checks their real servers.
 * Which ones a distro supports is distro data: the capabilities its distro.yaml states.
 */
export const DIRECTOR_BACKENDS = ['ldirectord', 'keepalived'] as const;
export type DirectorBackend = (typeof DIRECTOR_BACKENDS)[number];

const code = (c: ProblemCode) => ({ params: { code: c } });

export function isIPv4(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s);
}

export function isIPv4Cidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  return m !== null && isIPv4(m[1]!) && Number(m[2]) <= 32;
}

// RFC 1123 host name label; also a safe directory name and heartbeat node name.
const HOSTNAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Linux interface names are at most 15 bytes; we also keep them safe as file
// names (ifcfg-NAME) and interfaces(5) tokens, and reserve ':' for aliases we derive.
const IFNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

/**
 * Free text that ends up inside an ldirectord.cf quoted value. ldirectord has
 * no escape for `"`, treats `#` as a comment start anywhere inside a virtual
 * block, and keeps every byte up to the end of line (CR included).
 */
export const LDIRECTORD_TEXT_RULE =
  'must be printable text without `"`, `#`, backslash or line breaks (ldirectord.cf has no escapes for them)';
export function isLdirectordText(s: string): boolean {
  return s.length > 0 && s.length <= 1024 && /^[\x20-\x7e]+$/.test(s) && !/["#\\]/.test(s) && s.trim() === s;
}

const ipv4 = z.string().refine(isIPv4, { message: 'must be an IPv4 address such as 192.168.6.1', ...code('invalid-address') });
const cidr = z
  .string()
  .refine(isIPv4Cidr, { message: 'must be an IPv4 address with a prefix length, such as 192.168.6.4/24', ...code('invalid-cidr') });
const port = z
  .number({ message: 'must be a port number' })
  .int({ message: 'must be an integer port' })
  .min(1, { message: 'port must be between 1 and 65535', ...code('invalid-port') })
  .max(65535, { message: 'port must be between 1 and 65535', ...code('invalid-port') });
const positiveInt = z.number().int({ message: 'must be a whole number' }).positive({ message: 'must be a positive whole number' });
const hostName = z
  .string()
  .refine((s) => HOSTNAME_RE.test(s), { message: 'must be a valid host name: lower-case letters, digits and inner hyphens, 1-63 characters', ...code('invalid-hostname') })
  .meta({ pattern: HOSTNAME_RE.source });
const ldText = z.string().refine(isLdirectordText, { message: LDIRECTORD_TEXT_RULE, ...code('invalid-text') });

/** `ADDRESS:PORT`, or `[IPV6ADDRESS]:PORT` (the bracketed form ldirectord.cf and ipvsadm use). */
export function isEndpoint(s: string): boolean {
  const m = /^(?:([^:[\]]+)|\[([0-9A-Fa-f:.]+)\]):(\d{1,5})$/.exec(s);
  return m !== null && (m[1] !== undefined ? isIPv4(m[1]) : isUsableIPv6(m[2]!)) && Number(m[3]) >= 1 && Number(m[3]) <= 65535;
}

export const endpoint = z.string().refine(isEndpoint, {
  message: 'must be IPv4address:port or [IPv6address]:port with a port between 1 and 65535, such as 10.1.3.61:80 or [2001:db8:3::61]:80',
  ...code('invalid-address'),
});

/** An interface address: IPv4 or IPv6, with its prefix length. */
const interfaceCidr = z.string().refine((s) => isIPv4Cidr(s) || isIPv6Cidr(s), {
  message: 'must be an IPv4 or IPv6 address with a prefix length, such as 192.168.6.4/24 or 2001:db8:6::4/64 (an IPv6 address that is not link-local, multicast, loopback or unspecified: the kernel gives each interface its link-local address)',
  ...code('invalid-cidr'),
});

/**
 * A sorry server: `ADDRESS` (the virtual port) or `ADDRESS:PORT`; IPv6 as a
 * bare address or `[ADDRESS]:PORT` (a bare one cannot carry a port: its last
 * group would read as one), for an IPv6 service.
 */
export const fallbackEndpoint = z.string().refine(
  (s) => {
    if (isUsableIPv6(s)) return true;
    const m = /^(?:([^:[\]]+)|\[([^\]]+)\]):(\d{1,5})$/.exec(s) ?? /^([^:[\]]+)$/.exec(s);
    if (m === null || (m[3] !== undefined && (Number(m[3]) < 1 || Number(m[3]) > 65535))) return false;
    return m[1] !== undefined ? isIPv4(m[1]) : isUsableIPv6(m[2]!);
  },
  { message: 'must be an IPv4 address, with :port or without (then the virtual port), such as 127.0.0.1:80, or an IPv6 one, [ADDRESS]:PORT or bare, such as [2001:db8::9]:80 or 2001:db8::9', ...code('invalid-address') },
);

export function makeTopologySchema(distros: readonly string[]) {
  const distro = z.enum(distros as [string, ...string[]], { message: `must be one of: ${distros.join(', ')}` });

  const host = z
    .strictObject({
      roles: z
        .array(z.enum(ROLES, { message: `must be one of: ${ROLES.join(', ')}` }))
        .min(1, { message: 'a host needs at least one role' })
        .describe('What the host does: director (runs ldirectord or keepalived, see director_backend), real-server, router.'),
      distro: distro.optional().describe('Overrides defaults.distro for this host.'),
      gateway: ipv4.optional().describe('Default gateway. Derived for NAT real servers (the director) and for hosts beside a router.'),
      manage_address: z
        .string()
        .refine((v) => isIPv4(v) || /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(v), {
          message: 'must be an IPv4 address or a DNS name such as director.example.org',
          ...code('invalid-address'),
        })
        .optional()
        .describe('Address (or DNS name) deployment tools reach the host on: `lvsgen ansible` writes it as ansible_host. Default: the address of its first interface (by name).'),
      interfaces: z
        .record(
          z.string().regex(IFNAME_RE, { message: 'interface names are 1-15 letters, digits, `_`, `.` or `-`, starting with a letter or digit', ...code('invalid-interface') }),
          z.union([interfaceCidr, z.array(interfaceCidr).min(1, { message: 'an interface needs at least one address' })]),
        )
        .refine((r) => Object.keys(r).length > 0, { message: 'a host needs at least one interface' })
        .describe('Interface name -> address/prefix, e.g. eth0: 192.168.6.4/24, or a list of addresses, IPv4 and IPv6, e.g. eth0: [192.168.6.4/24, 2001:db8:6::4/64]: exactly one IPv4 address per interface, any number of IPv6 ones.'),
    })
    .describe('A machine of the cluster.');

  /** An IPVS connection threshold (ipvsadm -x/-y: the kernel keeps it as a 32-bit count). */
  const connections = z
    .number()
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'a connection threshold must be between 1 and 4294967295' })
    .max(4294967295, { message: 'a connection threshold must be between 1 and 4294967295' });
  const checkRequest = z
    .string()
    .refine((s) => s.length <= 128 && /^\/?[A-Za-z0-9._~-]{1,64}(?:\/[A-Za-z0-9._~-]{1,64})*$/.test(s) && !s.split('/').some((p) => p === '..' || p === '.'), {
      message: 'must be a URL path of at most 128 characters: letters, digits, `.`, `_`, `~`, `-` and `/`, at most 64 between slashes, no `.` or `..` parts; it also names the check page written on each real server',
      ...code('invalid-text'),
    });

  const realServer = z.union([
    hostName.describe('A real-server host; the port is the virtual port, weight 1.'),
    z.strictObject({
      host: hostName,
      port: port.optional().describe('Port on the real server; defaults to the virtual port.'),
      weight: z
        .number()
        .int({ message: 'must be a whole number' })
        .min(0, { message: 'weight must be between 0 and 65535' })
        .max(65535, { message: 'weight must be between 0 and 65535' })
        .optional()
        .describe('ipvsadm weight (0..65535), default 1. 0 drains the server: it stays in the table, takes no new connections and keeps its established and persistent ones.'),
      upper_threshold: connections
        .optional()
        .describe('Upper connection threshold (ipvsadm -x): the server takes no new connections while it holds this many (ldirectord `u:N` on the real= line, keepalived `uthreshold`).'),
      lower_threshold: connections
        .optional()
        .describe('Lower connection threshold (ipvsadm -y): an overloaded server takes new connections again once it holds fewer (ldirectord `l:N`, keepalived `lthreshold`); needs upper_threshold, and must be below it. Unset: the kernel resumes below 3/4 of the upper threshold.'),
      check: z
        .strictObject({
          request: checkRequest.optional().describe('What this server\'s check requests instead of the service\'s request.'),
          receive: ldText.optional().describe('What this server\'s check expects instead of the service\'s receive (literal text, as the service\'s).'),
        })
        .optional()
        .describe('A request and receive of this real server\'s own, for a negotiate check of http, https or dns (ldirectord\'s per-real "request", "receive"; keepalived\'s checker of this real_server).'),
    }),
  ]);

  const check = z
    .strictObject({
      type: z.enum(['connect', 'negotiate', 'ping', 'off', 'on']).default('negotiate').describe('ldirectord checktype.'),
      service: z.enum(CHECK_SERVICES).optional().describe('ldirectord service= (protocol spoken by a negotiate check).'),
      request: checkRequest
        .optional()
        .describe('URL path requested by the check; the page is written under the real servers\' web root.'),
      receive: ldText.optional().describe('Text the check page must contain.'),
      virtualhost: z
        .string()
        .refine((s) => /^[A-Za-z0-9.-]{1,253}$/.test(s), { message: 'must be a DNS name (letters, digits, `.` and `-`)', ...code('invalid-text') })
        .optional()
        .describe('Host header of the check request.'),
      login: ldText.optional(),
      passwd: ldText.optional().describe('Password for the check (treated as a secret: the file becomes mode 0600).'),
      port: port.optional().describe('checkport: the port the check connects to.'),
      timeout: positiveInt.optional().describe('checktimeout for this virtual service.'),
    })
    .describe('How ldirectord checks each real server.');

  const fwmark = z
    .strictObject({
      mark: z
        .number()
        .int({ message: 'must be a whole number' })
        .min(1, { message: 'a firewall mark must be between 1 and 2147483647' })
        .max(2147483647, { message: 'a firewall mark must be between 1 and 2147483647' })
        .optional()
        .describe('The mark (ipvsadm -f). Default: the lowest mark no other service has, in topology order.'),
      match: z
        .array(
          z.string().refine(isMatch, {
            message: 'must be ADDRESS:PORT, ADDRESS/PREFIX:PORT (a network of virtual addresses, prefix 8-32) or either with a port range PORT-PORT, such as 10.1.3.61:443 or 10.1.4.0/24:10000-20000; IPv4 only: lvsgen does not write IPv6 firewall-mark services yet (ip6tables/nft ip6 marks and an IPv6 fwmark service in IPVS)',
            ...code('invalid-address'),
          }),
        )
        .min(1, { message: 'a firewall-mark service needs at least one match' })
        .describe('What the service takes: addresses, networks of virtual addresses and ports, each ADDRESS[/PREFIX]:PORT[-PORT]; the director marks these packets (mangle PREROUTING) and IPVS balances them as one service.'),
    })
    .describe('A firewall-mark service: several addresses, networks and ports balanced as one (shared persistence across them). Instead of virtual.');

  const virtualService = z.strictObject({
    virtual: endpoint.optional().describe('Virtual address and port, e.g. 10.1.3.61:80, or an IPv6 one in brackets, e.g. [2001:db8:3::61]:80 (NAT or direct routing). Exactly one of virtual and fwmark.'),
    fwmark: fwmark.optional(),
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
    scheduler: z
      .enum(SCHEDULERS, { message: `unknown scheduler; ipvsadm knows ${SCHEDULERS.join(', ')}` })
      .default('wrr')
      .describe('ipvsadm scheduler (ldirectord defaults to wrr).'),
    persistent: positiveInt.optional().describe('Persistence timeout in seconds.'),
    netmask: ipv4.optional().describe('Persistence granularity netmask (only with persistent).'),
    forward: z.enum(['masq', 'gate', 'ipip']).describe('masq = NAT, gate = direct routing, ipip = tunnelling.'),
    check: check.default({ type: 'negotiate' }),
    fallback: fallbackEndpoint
      .optional()
      .describe('Sorry server when every real server is down, e.g. 127.0.0.1:8080 or 10.1.3.9 (then the virtual port); for an IPv6 service an IPv6 one, e.g. [2001:db8::9]:8080 or 2001:db8::9 (then the virtual port): one IPVS service holds one address family. Added with this service\'s protocol and forwarding method (ldirectord `fallback=ip:port METHOD`, `fallback6=[ip]:port METHOD` for IPv6, keepalived `sorry_server` and `sorry_server_lvs_method`). Overrides ldirectord.fallback (ldirectord.fallback6 for an IPv6 service). Direct routing and tunnelling keep the virtual port.'),
    real_servers: z.array(realServer).min(1, { message: 'a virtual service needs at least one real server' }),
  });

  const secretRef = z
    .string()
    .refine((s) => /^[\x21-\x7e]{8,256}$/.test(s), { message: 'must be 8-256 printable characters without spaces', ...code('invalid-text') });

  const heartbeat = z.strictObject({
    nodes: z
      .array(hostName)
      .refine((a) => a.length === 2, { message: 'heartbeat needs exactly two nodes', ...code('heartbeat-nodes') })
      .describe('The two nodes; the first is the preferred active node (with keepalived: the higher VRRP priority). Two directors as nodes are a pair of directors (HA load balancing).'),
    floating: z
      .array(interfaceCidr)
      .min(1)
      .describe('Addresses (with prefix) that move to the active node: IPv4 and IPv6 (at least one IPv4). Each lies on a network of both nodes. With keepalived the IPv6 ones move in a VRRP version 3 instance of their own, synchronised with the IPv4 one; with heartbeat they are resources of lvsgen\'s script lvsgen-ipv6addr (heartbeat\'s IPv6addr for start and stop, a status of its own).'),
    virtual_network: cidr.optional().describe('A CIDR network of virtual addresses every node accepts as local (loopback alias); the router routes it via the first floating address.'),
    interface: z.string().regex(IFNAME_RE).optional().describe('Interface heartbeat talks on; default: the one on the floating address network.'),
    keepalive: positiveInt.default(2),
    deadtime: positiveInt.default(10),
    initdead: positiveInt.default(60),
    udpport: port
      .optional()
      .describe('heartbeat\'s UDP port (ha.cf udpport). Default: 694; with several pairs (pairs:), each pair that gives none the next port no pair uses, so pairs on one network do not hear each other.'),
    auto_failback: z.boolean().default(false),
    connection_sync: z
      .boolean()
      .default(true)
      .describe('For a pair of directors: the IPVS connection synchronisation daemon, master on the active director and backup on the other, so established connections survive a failover (heartbeat: the resource script lvsgen-ipvs-sync that lvsgen writes, in place of LVSSyncDaemonSwap of heartbeat 2; keepalived: lvs_sync_daemon).'),
    virtual_router_id: z
      .number()
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be between 1 and 255' })
      .max(255, { message: 'must be between 1 and 255' })
      .optional()
      .describe('VRRP virtual_router_id on distros where keepalived carries the floating addresses (debian12, rhel9), and the IPVS sync id of a pair of directors; unique per network. Default: derived from the cluster name (1-255); with several pairs (pairs:), each pair that gives none the next id no pair uses.'),
    auth: z
      .strictObject({
        method: z.enum(['sha1', 'md5', 'crc']).default('sha1'),
        key: secretRef.optional().describe('The shared key. Prefer key_env or key_file so the topology can be committed.'),
        key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().describe('Name of an environment variable holding the key.'),
        key_file: z.string().min(1).optional().describe('File holding the key (first line), relative to the topology file.'),
      })
      .describe('authkeys: method and the source of the key (exactly one of key, key_env, key_file; none for crc). Where keepalived carries the floating addresses, VRRP PASS authentication uses the first 8 characters of the same key (none for crc).'),
  });

  const ldirectord = z
    .strictObject({
      checktimeout: positiveInt.optional(),
      negotiatetimeout: positiveInt.optional(),
      checkinterval: positiveInt.optional(),
      autoreload: z.boolean().optional(),
      logfile: ldText.optional().describe('A syslog facility such as local0, or an absolute path.'),
      quiescent: z.boolean().optional(),
      fallback: fallbackEndpoint
        .optional()
        .describe('Default sorry server of the IPv4 virtual services (an IPv4 address, e.g. 127.0.0.1 or 10.1.3.9:8080; an IPv6 one is refused: see fallback6), for those without a fallback of their own whose virtual port is its port (all of them when it has no port). Each service gets it with its own protocol and forwarding method.'),
      fallback6: fallbackEndpoint
        .optional()
        .describe('Default sorry server of the IPv6 virtual services (an IPv6 address, [ADDRESS]:PORT or bare, e.g. [2001:db8::9]:80 or 2001:db8::9; an IPv4 one is refused: see fallback), for those without a fallback of their own whose virtual port is its port (all of them when it has no port). Each service gets it with its own protocol and forwarding method, as fallback6= in its virtual6= block.'),
    })
    .describe('Global ldirectord.cf directives; unset ones are left to ldirectord\'s defaults.');

  return z
    .strictObject({
      $schema: z.string().optional(),
      name: hostName.describe('Cluster name: names packages and output.'),
      defaults: z
        .strictObject({
          distro: distro.default('redhat').describe('Target distro of every host unless the host says otherwise.'),
        })
        .default({ distro: 'redhat' }),
      hosts: z
        .record(hostName, host)
        .refine((r) => Object.keys(r).length > 0, { message: 'a topology needs at least one host' }),
      director_backend: z
        .enum(DIRECTOR_BACKENDS, { message: `must be one of: ${DIRECTOR_BACKENDS.join(', ')}` })
        .optional()
        .describe('What runs the virtual services on the directors: ldirectord (/etc/ha.d/ldirectord.cf, the seeds\' choice) or keepalived (/etc/keepalived/keepalived.conf, a virtual_server per virtual service). Unset: each director runs its distro\'s own (the first of its distro.yaml capabilities.director_backends: ldirectord on redhat, debian and debian12, keepalived on rhel9), and keepalived where a pair of directors is carried by VRRP (debian12, rhel9). keepalived needs a distro of today (debian12, rhel9); rhel9 ships no ldirectord.'),
      ldirectord: ldirectord.default({}),
      virtual_services: z.array(virtualService).default([]),
      heartbeat: heartbeat.optional().describe('One heartbeat (or VRRP) pair. For several, use pairs instead.'),
      pairs: z
        .array(heartbeat)
        .min(1, { message: 'pairs needs at least one pair' })
        .optional()
        .describe('Several pairs, each as heartbeat (high capacity: several director pairs, each owning its own virtual addresses, in front of the same real servers). Instead of heartbeat.'),
    })
    .describe('An lvsgen topology: the hosts of a Linux Virtual Server cluster and what they serve.');
}

export type TopologySchema = ReturnType<typeof makeTopologySchema>;
export type Topology = z.output<TopologySchema>;
export type HostSpec = Topology['hosts'][string];
export type VirtualServiceSpec = Topology['virtual_services'][number];
export type HeartbeatSpec = NonNullable<Topology['heartbeat']>;
