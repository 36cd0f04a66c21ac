// The one table of golden cases: every (example, distro, director backend)
// that golden/ holds a tree for, used by test/golden and test/distros; and
// the topologies the tests share.

/** The seeds' examples (examples/<name>.yaml): the tests with per-host expectations (installer, namespaces, packages, e2e) run these. */
export const EXAMPLES = ['lb-nat', 'ha-cidr'] as const;
/** Every bundled example: the seeds' and the director pairs' (HA + load balancing, streamline, high capacity). Golden trees and the static consumers cover these. */
export const ALL_EXAMPLES = [...EXAMPLES, 'ha-lb', 'streamline', 'high-capacity'] as const;
/** The seeds' distros (Red Hat and Debian of 2005). */
export const DISTROS = ['redhat', 'debian'] as const;
/** Today's distros. */
export const TODAY_DISTROS = ['debian12', 'rhel9'] as const;

export type Example = (typeof ALL_EXAMPLES)[number];
/** Examples that only have golden trees (and tests of their own), not the tests that run every bundled example. */
export const GOLDEN_ONLY_EXAMPLES = ['lb-tun', 'fwmark', 'lb-ipv6', 'ha-lb-ipv6'] as const;
export type SeedDistro = (typeof DISTROS)[number];
export type TodayDistro = (typeof TODAY_DISTROS)[number];

export interface GoldenCase {
  example: Example | (typeof GOLDEN_ONLY_EXAMPLES)[number];
  distro: SeedDistro | TodayDistro;
  /** Set in the topology (director_backend); unset: the example as it is (ldirectord). */
  backend?: 'keepalived';
  /** The golden tree: golden/<example>/<tree>. */
  tree: string;
}

export type TodayCase = GoldenCase & { distro: TodayDistro };

/**
 * Every golden tree, each produced by exactly one case. The seeds' distros
 * render each example as it is; today's distros with each director backend
 * that applies: rhel9 ships no ldirectord, and ha-cidr has no director, so
 * its bundles do not depend on the backend.
 */
export const GOLDEN_CASES: readonly GoldenCase[] = [
  { example: 'lb-nat', distro: 'redhat', tree: 'redhat' },
  { example: 'lb-nat', distro: 'debian', tree: 'debian' },
  { example: 'ha-cidr', distro: 'redhat', tree: 'redhat' },
  { example: 'ha-cidr', distro: 'debian', tree: 'debian' },
  { example: 'lb-nat', distro: 'debian12', tree: 'debian12' },
  { example: 'lb-nat', distro: 'debian12', backend: 'keepalived', tree: 'debian12-keepalived' },
  { example: 'lb-nat', distro: 'rhel9', tree: 'rhel9' },
  { example: 'ha-cidr', distro: 'debian12', tree: 'debian12' },
  { example: 'ha-cidr', distro: 'rhel9', tree: 'rhel9' },
  { example: 'ha-lb', distro: 'redhat', tree: 'redhat' },
  { example: 'ha-lb', distro: 'debian', tree: 'debian' },
  { example: 'ha-lb', distro: 'debian12', tree: 'debian12' },
  { example: 'ha-lb', distro: 'rhel9', tree: 'rhel9' },
  // Streamline (issue 13): each node of the pair is director and real server, direct routing.
  { example: 'streamline', distro: 'redhat', tree: 'redhat' },
  { example: 'streamline', distro: 'debian', tree: 'debian' },
  { example: 'streamline', distro: 'debian12', tree: 'debian12' },
  { example: 'streamline', distro: 'rhel9', tree: 'rhel9' },
  // High capacity (issue 13): two director pairs, direct routing and tunnelling, the same real servers.
  { example: 'high-capacity', distro: 'redhat', tree: 'redhat' },
  { example: 'high-capacity', distro: 'debian', tree: 'debian' },
  { example: 'high-capacity', distro: 'debian12', tree: 'debian12' },
  { example: 'high-capacity', distro: 'rhel9', tree: 'rhel9' },
  // Tunnelling (issue 14): real servers behind a router; rhel9 runs keepalived, its default.
  { example: 'lb-tun', distro: 'redhat', tree: 'redhat' },
  { example: 'lb-tun', distro: 'debian', tree: 'debian' },
  { example: 'lb-tun', distro: 'debian12', tree: 'debian12' },
  { example: 'lb-tun', distro: 'rhel9', tree: 'rhel9' },
  // Firewall-mark services (issue 14): HTTP+HTTPS, FTP under direct routing, a network of virtual addresses.
  { example: 'fwmark', distro: 'redhat', tree: 'redhat' },
  { example: 'fwmark', distro: 'debian', tree: 'debian' },
  { example: 'fwmark', distro: 'debian12', tree: 'debian12' },
  { example: 'fwmark', distro: 'rhel9', tree: 'rhel9' },
  // IPv6 (issue 14): dual-stack interfaces, IPv4 and IPv6 services through NAT; rhel9 runs keepalived, its default.
  { example: 'lb-ipv6', distro: 'redhat', tree: 'redhat' },
  { example: 'lb-ipv6', distro: 'debian', tree: 'debian' },
  { example: 'lb-ipv6', distro: 'debian12', tree: 'debian12' },
  { example: 'lb-ipv6', distro: 'rhel9', tree: 'rhel9' },
  // IPv6 through a pair (issue 14): IPv4 and IPv6 floating addresses; keepalived (VRRPv2 and v3 in a sync group) or heartbeat (IPaddr2, lvsgen-ipv6addr).
  { example: 'ha-lb-ipv6', distro: 'redhat', tree: 'redhat' },
  { example: 'ha-lb-ipv6', distro: 'debian', tree: 'debian' },
  { example: 'ha-lb-ipv6', distro: 'debian12', tree: 'debian12' },
  { example: 'ha-lb-ipv6', distro: 'rhel9', tree: 'rhel9' },
];

const isToday = (c: GoldenCase): c is TodayCase => (TODAY_DISTROS as readonly string[]).includes(c.distro);

/** The golden cases on today's distros (test/distros runs these), in table order. */
export const TODAY_CASES: readonly TodayCase[] = GOLDEN_CASES.filter(isToday);

/** A case's golden tree, relative to golden/: <example>/<tree>. */
export const caseName = (c: GoldenCase) => `${c.example}/${c.tree}`;

/** Two directors under VRRP (keepalived), direct routing to two real servers. */
export const PAIR = `name: ha-lb
defaults: { distro: debian12 }
director_backend: keepalived
hosts:
  dir1: { roles: [director], interfaces: { eth0: 10.1.3.2/24 } }
  dir2: { roles: [director], interfaces: { eth0: 10.1.3.3/24 } }
  rs1: { roles: [real-server], interfaces: { eth0: 10.1.3.4/24 } }
  rs2: { roles: [real-server], interfaces: { eth0: 10.1.3.5/24 } }
virtual_services:
  - virtual: 10.1.3.61:80
    scheduler: wlc
    forward: gate
    check: { type: negotiate, request: alive.html, receive: I am alive }
    real_servers: [rs1, rs2]
heartbeat:
  nodes: [dir1, dir2]
  floating: [10.1.3.61/24]
  auth: { method: sha1, key: pair-secret-0123 }
`;

/**
 * Sorry servers that are hosts of the topology (issue 14), on debian12: `sorry`
 * (a real server of no service) is 10.1.0.50:443's under direct routing;
 * `sorrytun` (a NAT real server of 10.1.0.50:80) is 10.1.0.51:80's under
 * tunnelling; `sorrynat` (a real server of no service) is 10.1.0.50:80's under
 * NAT, on port 8080. `dr` is the real server of the direct-routing and
 * tunnelled services; `web` serves none. 10.1.0.52:25 falls back to the
 * director itself (127.0.0.1), which changes no host.
 */
export const SORRY_HOSTS = `name: sorry-hosts
defaults: { distro: debian12 }
hosts:
  lb: { roles: [director], interfaces: { eth0: 10.1.0.1/24, eth1: 10.2.0.1/24 } }
  dr: { roles: [real-server], interfaces: { eth0: 10.1.0.11/24 } }
  web: { roles: [real-server], interfaces: { eth0: 10.2.0.11/24 } }
  sorry: { roles: [real-server], interfaces: { eth0: 10.1.0.9/24 } }
  sorrytun: { roles: [real-server], interfaces: { eth0: 10.2.0.9/24 } }
  sorrynat: { roles: [real-server], interfaces: { eth0: 10.2.0.8/24 } }
virtual_services:
  - virtual: 10.1.0.50:443
    forward: gate
    check: { type: connect }
    fallback: 10.1.0.9
    real_servers: [dr]
  - virtual: 10.1.0.51:80
    forward: ipip
    check: { type: connect }
    fallback: 10.2.0.9
    real_servers: [dr]
  - virtual: 10.1.0.50:80
    forward: masq
    check: { type: connect }
    fallback: 10.2.0.8:8080
    real_servers: [sorrytun]
  - virtual: 10.1.0.52:25
    forward: gate
    check: { type: connect }
    fallback: 127.0.0.1
    real_servers: [dr]
`;

/** A streamline cluster the project has never seen: other names, addresses, numbers, and one more real server that is no director. */
export const STREAMLINE_VARIANT = `name: web-pair
defaults: { distro: debian }
hosts:
  alpha: { roles: [real-server, director], interfaces: { ens3: 172.20.4.11/23 } }
  bravo: { roles: [director, real-server], interfaces: { ens3: 172.20.4.12/23 } }
  charlie: { roles: [real-server], interfaces: { ens3: 172.20.5.13/23 } }
  gw: { roles: [router], interfaces: { ens3: 172.20.4.1/23, ens4: 198.51.100.2/24 } }
virtual_services:
  - virtual: 172.20.5.200:8080
    scheduler: wlc
    forward: gate
    check: { type: connect }
    real_servers: [bravo, { host: alpha, weight: 3 }, charlie]
  - virtual: 172.20.5.201:53
    protocol: udp
    scheduler: rr
    forward: gate
    check: { type: ping }
    real_servers: [alpha, bravo]
heartbeat:
  nodes: [bravo, alpha]
  floating: [172.20.5.200/23, 172.20.5.201/23]
  virtual_router_id: 77
  auth: { method: md5, key: another-secret-99 }
`;

/**
 * A high-capacity cluster the project has never seen: three director pairs
 * (one giving its own VRRP router id, one tunnelling with two virtual
 * addresses), four real servers, other names, addresses, interface names and
 * key methods than examples/high-capacity.yaml.
 */
export const HICAP_VARIANT = `name: edge-farm
defaults: { distro: debian }
hosts:
  north-a: { roles: [director], interfaces: { ens3: 10.20.0.21/23 } }
  north-b: { roles: [director], interfaces: { ens3: 10.20.0.22/23 } }
  south-a: { roles: [director], interfaces: { ens3: 10.20.0.31/23 } }
  south-b: { roles: [director], interfaces: { ens3: 10.20.0.32/23 } }
  west-a: { roles: [director], interfaces: { ens3: 10.20.0.41/23 } }
  west-b: { roles: [director], interfaces: { ens3: 10.20.0.42/23 } }
  app1: { roles: [real-server], interfaces: { ens3: 10.20.1.11/23 } }
  app2: { roles: [real-server], interfaces: { ens3: 10.20.1.12/23 } }
  app3: { roles: [real-server], interfaces: { ens3: 10.20.1.13/23 } }
  app4: { roles: [real-server], interfaces: { ens3: 10.20.1.14/23 } }
  edge: { roles: [router], interfaces: { ens3: 10.20.0.1/23, eth1: 203.0.113.2/24 } }
virtual_services:
  - virtual: 10.20.1.200:8080
    scheduler: wlc
    forward: gate
    check: { type: connect }
    real_servers: [app1, app2, { host: app3, weight: 2 }, app4]
  - virtual: 10.20.1.201:80
    scheduler: rr
    forward: ipip
    check: { type: negotiate, request: up.txt, receive: up }
    real_servers: [app2, app3, app4]
  - virtual: 10.20.1.202:53
    protocol: udp
    scheduler: rr
    forward: ipip
    check: { type: ping }
    real_servers: [app1, app4]
  - virtual: 10.20.1.203:443
    scheduler: sh
    persistent: 600
    forward: gate
    check: { type: connect }
    real_servers: [app1, app2, app3, app4]
pairs:
  - nodes: [north-b, north-a]
    floating: [10.20.1.200/23]
    auth: { method: sha1, key: north-pair-key-1 }
  - nodes: [south-a, south-b]
    floating: [10.20.1.201/23, 10.20.1.202/23]
    auth: { method: md5, key: south-pair-key-2 }
  - nodes: [west-a, west-b]
    floating: [10.20.1.203/23]
    virtual_router_id: 42
    udpport: 7694
    keepalive: 1
    auth: { method: crc }
`;
