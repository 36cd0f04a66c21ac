// Cross-field rules: what the schema cannot say about one field alone.
// Runs on a schema-valid topology and returns every problem it finds.
import type { RawProblem } from './problems.js';
import { contains, contains6, facing, floatingGateway, interfaceAddresses, overlaps, overlaps6, parseCidr, parseCidr6, splitEndpoint, type Cidr, type Cidr6 } from './net.js';
import { defaultKey, fallbackOf, isIPv6Fallback } from './fallback.js';
import { IP_VS_FTP_MAX_PORTS, isFtp } from './ftp.js';
import { isIPv4, type Topology } from './schema.js';
import { isMatch, parseMatch, serviceDestinations, servicePort } from './fwmark.js';
import { floating4, floating6, ownerOf, pairsOf, serviceDirectors, type PairSpec } from './pairs.js';

interface Located {
  host: string;
  iface: string;
  cidr: Cidr;
}

export function validateTopology(t: Topology): RawProblem[] {
  const problems: RawProblem[] = [];
  const add = (p: RawProblem) => problems.push(p);
  const hostNames = Object.keys(t.hosts);
  const has = (name: string) => Object.prototype.hasOwnProperty.call(t.hosts, name);
  const roleOf = (name: string, role: string) => has(name) && (t.hosts[name]!.roles as string[]).includes(role);
  // Each host's interfaces, parsed once: the checks below ask for them per
  // real server, per director, per service.
  const located = new Map<string, readonly Located[]>();
  const ifacesOf = (name: string): readonly Located[] => {
    if (!has(name)) return [];
    let ifs = located.get(name);
    if (ifs === undefined) {
      // An interface without its IPv4 address is refused below and left out here.
      ifs = Object.entries(t.hosts[name]!.interfaces).flatMap(([iface, c]) => {
        const v4 = interfaceAddresses(c).ipv4;
        return v4.length > 0 ? [{ host: name, iface, cidr: parseCidr(v4[0]!) }] : [];
      });
      located.set(name, ifs);
    }
    return ifs;
  };
  /** Each IPv6 address of a host's interfaces, with the interface. */
  const located6 = new Map<string, ReadonlyArray<{ iface: string; cidr: Cidr6 }>>();
  const ifaces6Of = (name: string): ReadonlyArray<{ iface: string; cidr: Cidr6 }> => {
    if (!has(name)) return [];
    let ifs = located6.get(name);
    if (ifs === undefined) {
      ifs = Object.entries(t.hosts[name]!.interfaces).flatMap(([iface, c]) => interfaceAddresses(c).ipv6.map((a) => ({ iface, cidr: parseCidr6(a) })));
      located6.set(name, ifs);
    }
    return ifs;
  };
  /** The director interface facing real server `rs` (model/net.ts facing), or undefined; once per pair. */
  const sharedPairs = new Map<string, Map<string, Located | undefined>>();
  const sharedWith = (rs: string, d: string): Located | undefined => {
    let byDirector = sharedPairs.get(rs);
    if (byDirector === undefined) sharedPairs.set(rs, (byDirector = new Map()));
    if (byDirector.has(d)) return byDirector.get(d);
    const found = facing(ifacesOf(rs), ifacesOf(d))?.director;
    byDirector.set(d, found);
    return found;
  };

  // Every address in use, to find duplicates; first come first named.
  const seen = new Map<string, string>();
  const claim = (address: string, owner: string, path: RawProblem['path']) => {
    const prev = seen.get(address);
    if (prev !== undefined && prev !== owner) {
      add({ code: 'duplicate-address', path, message: `address ${address} is already used by ${prev}` });
    } else seen.set(address, owner);
  };

  for (const name of hostNames) {
    const host = t.hosts[name]!;
    const at = ['hosts', name];
    if (new Set(host.roles).size !== host.roles.length) add({ code: 'invalid-value', path: [...at, 'roles'], message: 'a role is listed twice' });
    const ifs = ifacesOf(name);
    for (const [i, a] of ifs.entries()) {
      const p = [...at, 'interfaces', a.iface];
      if (a.cidr.prefix < 31 && (a.cidr.address === a.cidr.network || a.cidr.address === a.cidr.broadcast)) {
        add({ code: 'invalid-address', path: p, message: `${a.cidr.address} is the ${a.cidr.address === a.cidr.network ? 'network' : 'broadcast'} address of ${a.cidr.networkCidr}, not a host address` });
      }
      for (const b of ifs.slice(0, i)) {
        if (overlaps(a.cidr, b.cidr)) add({ code: 'overlapping-networks', path: p, message: `network ${a.cidr.networkCidr} overlaps ${b.iface}'s ${b.cidr.networkCidr} on the same host` });
      }
      claim(a.cidr.address, `${name}.${a.iface}`, p);
    }
    // IPv6 (README, "IPv6"): beside one IPv4 address per interface, any number
    // of IPv6 ones; the derivation, the lab and every file kind still start from
    // an interface's IPv4 address.
    for (const [iface, value] of Object.entries(host.interfaces)) {
      const n4 = interfaceAddresses(value).ipv4.length;
      if (n4 !== 1) {
        add({
          code: 'unsupported',
          path: [...at, 'interfaces', iface],
          message: n4 === 0 ? 'an interface needs an IPv4 address: lvsgen does not write IPv6-only interfaces yet (give it IPv4 and IPv6 addresses as a list)' : `an interface takes one IPv4 address, not ${n4} (a virtual address on it is derived from the virtual services)`,
        });
      }
    }
    const ifs6 = ifaces6Of(name);
    for (const [i, a] of ifs6.entries()) {
      const p = [...at, 'interfaces', a.iface];
      for (const b of ifs6.slice(0, i)) {
        if (b.iface !== a.iface && overlaps6(a.cidr, b.cidr)) add({ code: 'overlapping-networks', path: p, message: `network ${a.cidr.networkCidr} overlaps ${b.iface}'s ${b.cidr.networkCidr} on the same host` });
        else if (b.iface === a.iface && overlaps6(a.cidr, b.cidr)) add({ code: 'overlapping-networks', path: p, message: `${a.cidr.address}/${a.cidr.prefix} is on the network of ${b.cidr.address}/${b.cidr.prefix} on the same interface: give one address per network (virtual addresses are derived)` });
      }
      claim(a.cidr.address, `${name}.${a.iface}`, p);
    }
    if (host.gateway !== undefined) {
      const gwPath = [...at, 'gateway'];
      if (!ifs.some((a) => contains(a.cidr, host.gateway!))) {
        add({ code: 'address-outside-network', path: gwPath, message: `gateway ${host.gateway} is not on any network of ${name}'s interfaces` });
      } else if (ifs.some((a) => a.cidr.address === host.gateway)) {
        add({ code: 'wrong-gateway', path: gwPath, message: `gateway ${host.gateway} is ${name}'s own address` });
      }
    }
  }

  const directors = hostNames.filter((n) => roleOf(n, 'director'));
  const pairs = pairsOf(t);
  // Pairs that hold a director (HA load balancing; several: high capacity): both
  // nodes must be directors (refused below otherwise, as the pair then is no
  // director pair, model/pairs.ts directorPairs, to derive from).
  const dPairs = pairs.filter((p) => p.spec.nodes.some((n) => roleOf(n, 'director')));
  const haDirectors = directors.filter((d) => dPairs.some((p) => p.spec.nodes.includes(d)));
  const pathText = (p: PairSpec) => p.at.map((s, i) => (typeof s === 'number' ? `[${s}]` : i > 0 ? `.${s}` : s)).join('');
  /** Where a pair topology's virtual addresses must be: heartbeat.floating, or one pair's floating. */
  const floatingWhere = t.heartbeat !== undefined && pairs.length === 1 ? 'one of heartbeat.floating' : 'a floating address of one of the director pairs (pairs[N].floating)';
  // HA load balancing: every director is a node of a director pair; under NAT the
  // real servers' gateway is then their pair's floating address on their network.
  const directorPair = dPairs.length > 0 && directors.length === haDirectors.length;
  /** NAT real servers already checked, with the pair whose floating address is their gateway. */
  const gatewayChecked = new Map<string, PairSpec | undefined>();
  /** The same for the IPv6 gateway of the real servers of IPv6 services. */
  const gateway6Checked = new Map<string, PairSpec | undefined>();

  // The cluster's default sorry servers, one per address family, as
  // ldirectord's own global fallback= (IPv4) and fallback6= (IPv6), each of
  // which refuses the other family's address (model/fallback.ts).
  for (const key of ['fallback', 'fallback6'] as const) {
    const d = t.ldirectord[key];
    if (d === undefined || isIPv6Fallback(d) === (key === 'fallback6')) continue;
    add({
      code: 'invalid-value',
      path: ['ldirectord', key],
      message: key === 'fallback' ? `${d} is an IPv6 sorry server: the IPv6 services' default is ldirectord.fallback6 (ldirectord.fallback is the IPv4 services')` : `${d} is an IPv4 sorry server: the IPv4 services' default is ldirectord.fallback (ldirectord.fallback6 is the IPv6 services')`,
    });
  }

  // Virtual services.
  if (t.virtual_services.length > 0 && directors.length === 0) {
    add({ code: 'no-director', path: ['virtual_services'], message: 'virtual services need a host with the director role' });
  }
  if (directors.length > 1 && !directorPair && t.virtual_services.some((v) => v.forward === 'masq')) {
    add({ code: 'unsupported', path: ['virtual_services'], message: `NAT (masq) with ${directors.length} directors needs one gateway for the real servers: use one director, or two as the heartbeat pair (heartbeat.nodes) with a floating address on the real servers' network` });
  }
  const services = new Map<string, number>();
  const ftpPorts = new Set<number>();
  // What each service takes, by protocol: a plain service its address and port,
  // a firewall-mark service each match; two services must not take the same packets.
  const taken: Array<{ i: number; protocol: string; cidr: Cidr; from: number; to: number; text: string }> = [];
  const givenMarks = new Map<number, number>();
  for (const [i, vs] of t.virtual_services.entries()) {
    const at = ['virtual_services', i];
    if ((vs.virtual === undefined) === (vs.fwmark === undefined)) {
      add({ code: vs.virtual === undefined ? 'missing' : 'invalid-value', path: at, message: 'a virtual service has exactly one of virtual (an address and port) and fwmark (a firewall-mark service)' });
      continue;
    }
    // The directors that run this service: with director pairs, the pair that
    // owns its address (model/pairs.ts); else every director.
    const destinations = serviceDestinations(vs).addresses;
    const runners = serviceDirectors(t, destinations, directors);
    const owner = destinations.length > 0 ? ownerOf(dPairs, destinations[0]!) : undefined;
    if (vs.fwmark !== undefined) {
      for (const p of fwmarkProblems(vs, at)) add(p);
      const given = vs.fwmark.mark;
      if (given !== undefined) {
        const prev = givenMarks.get(given);
        if (prev !== undefined) add({ code: 'duplicate-virtual-service', path: [...at, 'fwmark', 'mark'], message: `firewall mark ${given} is already virtual_services[${prev}]'s` });
        else givenMarks.set(given, i);
      }
      for (const [k, text] of vs.fwmark.match.entries()) {
        if (!isMatch(text)) continue;
        const m = parseMatch(text);
        const mAt = [...at, 'fwmark', 'match', k];
        const clash = taken.find((o) => o.protocol === vs.protocol && overlaps(o.cidr, m.cidr) && o.from <= m.to && m.from <= o.to);
        if (clash !== undefined) add({ code: 'duplicate-virtual-service', path: mAt, message: `${vs.protocol} ${text} overlaps virtual_services[${clash.i}]'s ${clash.text}: both would take the same packets` });
        taken.push({ i, protocol: vs.protocol, cidr: m.cidr, from: m.from, to: m.to, text });
        if (m.network) {
          const said = new Set<string>();
          for (const name of hostNames) {
            for (const a of ifacesOf(name)) {
              if (overlaps(m.cidr, a.cidr) && !said.has(a.cidr.networkCidr) && said.add(a.cidr.networkCidr)) add({ code: 'virtual-network-overlap', path: mAt, message: `network of virtual addresses ${m.cidr.networkCidr} overlaps ${name}.${a.iface}'s network ${a.cidr.networkCidr}` });
            }
          }
          if (haDirectors.length > 0) add({ code: 'unsupported', path: mAt, message: `a network of virtual addresses with a pair of directors is not supported yet: give its addresses, each ${floatingWhere}` });
          continue;
        }
        for (const d of runners) {
          if (!ifacesOf(d).some((a) => contains(a.cidr, m.cidr.address))) {
            add({ code: 'virtual-address-off-network', path: mAt, message: `virtual address ${m.cidr.address} is not on any network of director ${d}` });
          }
        }
        const user = seen.get(m.cidr.address);
        if (user !== undefined && !directors.some((d) => user.startsWith(`${d}.`))) {
          add({ code: 'duplicate-address', path: mAt, message: `virtual address ${m.cidr.address} is already used by ${user}` });
        }
        const mOwner = ownerOf(dPairs, m.cidr.address);
        if (haDirectors.length > 0 && mOwner === undefined) {
          add({ code: 'unsupported', path: mAt, message: `virtual address ${m.cidr.address} must be ${floatingWhere}: with a pair of directors, heartbeat or VRRP moves it to the active one` });
        } else if (mOwner !== undefined && owner !== undefined && mOwner !== owner) {
          add({ code: 'unsupported', path: mAt, message: `virtual address ${m.cidr.address} floats on ${pathText(mOwner)}, but ${destinations[0]} on ${pathText(owner)}: one service's addresses move with one pair` });
        }
      }
    }
    const vip = vs.virtual !== undefined ? splitEndpoint(vs.virtual) : undefined;
    // An IPv6 virtual service (README, "IPv6"): NAT or direct routing, its real
    // servers reached over IPv6; what it cannot have yet is refused with the reason.
    const v6 = vip !== undefined && vip.address.includes(':');
    if (v6) for (const p of ipv6ServiceProblems(vs, at)) add(p);
    if (vip !== undefined && !v6) {
      const cidr = parseCidr(`${vip.address}/32`);
      const clash = taken.find((o) => o.protocol === vs.protocol && overlaps(o.cidr, cidr) && o.from <= vip.port && vip.port <= o.to && o.i !== i);
      if (clash !== undefined && t.virtual_services[clash.i]!.fwmark !== undefined) {
        add({ code: 'duplicate-virtual-service', path: [...at, 'virtual'], message: `${vs.protocol} ${vs.virtual} is taken by virtual_services[${clash.i}]'s ${clash.text}: both would take the same packets` });
      }
      taken.push({ i, protocol: vs.protocol, cidr, from: vip.port, to: vip.port, text: vs.virtual! });
    }
    const vport = servicePort(vs);
    if (vs.forward === 'masq' && vip !== undefined && !v6 && isFtp(vs) && !ftpPorts.has(vip.port)) {
      if (ftpPorts.size === IP_VS_FTP_MAX_PORTS) {
        add({ code: 'unsupported', path: [...at, 'virtual'], message: `ip_vs_ftp watches at most ${IP_VS_FTP_MAX_PORTS} ports (${[...ftpPorts].join(', ')} already): FTP through NAT on port ${vip.port} would get no helper` });
      } else ftpPorts.add(vip.port);
    }
    if (vip !== undefined) {
      const key = `${vs.protocol} ${vip.address} ${vip.port}`;
      const prev = services.get(key);
      if (prev !== undefined) add({ code: 'duplicate-virtual-service', path: [...at, 'virtual'], message: `${vs.protocol} ${vs.virtual} is already virtual_services[${prev}]` });
      else services.set(key, i);
    }
    if (vs.netmask !== undefined && vs.persistent === undefined && !v6) add({ code: 'invalid-value', path: [...at, 'netmask'], message: 'netmask only applies with persistent' });
    for (const d of vip !== undefined ? runners : []) {
      const dIfs = ifacesOf(d);
      if (v6 ? !ifaces6Of(d).some((a) => contains6(a.cidr, vip!.address)) : !dIfs.some((a) => contains(a.cidr, vip!.address))) {
        add({ code: 'virtual-address-off-network', path: [...at, 'virtual'], message: `virtual address ${vip!.address} is not on any network of director ${d}` });
      }
    }
    const user = vip !== undefined ? seen.get(vip.address) : undefined;
    if (user !== undefined && !directors.some((d) => user.startsWith(`${d}.`))) {
      add({ code: 'duplicate-address', path: [...at, 'virtual'], message: `virtual address ${vip!.address} is already used by ${user}` });
    }

    const check = vs.check;
    const service = check.service ?? (vport === 443 ? 'https' : vport === 80 ? 'http' : undefined) ?? impliedDns(vs.protocol, vport);
    for (const p of serviceCheckProblems(vs.protocol, check, service, at)) add(p);
    if (check.type === 'negotiate' && (service === 'http' || service === 'https')) {
      for (const f of ['request', 'receive'] as const) {
        if (check[f] === undefined) add({ code: 'missing-check-field', path: [...at, 'check'], message: `a negotiate check of ${service} needs ${f}` });
      }
    }
    // checktype=off: "no checking will take place and no real or fallback
    // servers will be activated" (ldirectord(8)), so the service never carries
    // traffic; keepalived has no such checker at all. Refused for both backends.
    if (check.type === 'off') {
      add({
        code: 'unsupported',
        path: [...at, 'check', 'type'],
        message: 'check type off activates no real server (ldirectord then adds neither the real servers nor the fallback; keepalived has no such checker): use on (always in, unchecked), connect, ping or negotiate',
      });
    }
    // The sorry server is of the service's family (one IPVS service, one
    // family): the other family's is refused in ipv6ServiceProblems or here.
    if (vip !== undefined && !v6 && vs.fallback !== undefined && isIPv6Fallback(vs.fallback)) {
      add({ code: 'invalid-value', path: [...at, 'fallback'], message: 'an IPv4 service cannot fall back to an IPv6 sorry server: one IPVS service holds one address family' });
    }
    const fb = fallbackOf(t, vs);
    if (fb !== undefined && vip !== undefined && fb.address.includes(':') === v6) {
      const fbAt = fb.from === 'service' ? [...at, 'fallback'] : ['ldirectord', defaultKey(v6)];
      // Validated per service: the default is written into each block it fits.
      if (vs.forward !== 'masq' && fb.port !== vip.port) {
        add({ code: 'invalid-port', path: fbAt, message: `fallback port ${fb.port} differs from the virtual port ${vip.port}: IPVS direct routing and tunnelling keep the port; only NAT (masq) maps ports` });
      }
      // NAT and direct routing reach a server only on a network the director is
      // on (or on the director itself: 127.0.0.0/8, its own addresses); tunnelling
      // reaches any. An IPv6 sorry server is on one of the director's IPv6 networks.
      const local = fb.address.startsWith('127.');
      const onNetwork = (d: string) =>
        v6 ? ifaces6Of(d).some((a) => a.cidr.address === fb.address || contains6(a.cidr, fb.address)) : ifacesOf(d).some((a) => a.cidr.address === fb.address || contains(a.cidr, fb.address));
      for (const d of vs.forward === 'ipip' || local ? [] : runners) {
        if (onNetwork(d)) continue;
        const message = `fallback ${fb.address} is on no ${v6 ? 'IPv6 ' : ''}network of director ${d} (${vs.forward === 'masq' ? 'NAT' : 'direct routing'} reaches a sorry server only there, or on the director itself${v6 ? '' : ' such as 127.0.0.1'})`;
        if (!problems.some((p) => p.message === message && p.path.join('.') === fbAt.join('.'))) add({ code: 'unreachable-real-server', path: fbAt, message });
      }
      // Direct routing and tunnelling send the sorry server the packets
      // addressed to the virtual address: a host of the topology gets the
      // address on a non-ARPing lo (and tunl0) as a real server does, an IPv6
      // one as a /128 on lo (derive.ts); a machine outside it is the operator's to set up.
      const isHost = (n: string) => (v6 ? ifaces6Of(n).some((a) => a.cidr.address === fb.address) : ifacesOf(n).some((a) => a.cidr.address === fb.address));
      if (vs.forward !== 'masq' && !local && !hostNames.some(isHost)) {
        const hold = v6 ? `${vip.address} on lo as a /128` : `${vip.address} on a non-ARPing loopback alias (arp_ignore 1, arp_announce 2)`;
        const message = `fallback ${fb.address} is no host of the topology: lvsgen cannot configure it; it must hold ${hold}${vs.forward === 'ipip' ? ', load ipip with tunl0 up and rp_filter 0 on tunl0 and all' : ''} and serve port ${vip.port}, or the packets ${vs.forward === 'ipip' ? 'tunnelled' : 'routed'} to it are dropped (README, "fallback")`;
        if (!problems.some((p) => p.message === message && p.path.join('.') === fbAt.join('.'))) add({ code: 'outside-sorry-server', path: fbAt, message, severity: 'warning' });
      }
      // NAT: IPVS rewrites the sorry server's replies only if they come back
      // through the director, so its default route is via the director's
      // address on its network, or through a pair of directors via the pair's
      // floating address there (what derive.ts gives a host of the topology,
      // as a NAT real server). A pair without a floating address on that
      // network has no gateway to give (refused, as for a real server); a
      // machine outside the topology must be pointed at it by its operator.
      // A sorry server on no network of the director is refused above; one on
      // the director (127.0.0.1, a director's own address) needs no route.
      const runner = runners.find(onNetwork);
      if (vs.forward === 'masq' && !local && runner !== undefined && !directors.some(isHost)) {
        const on = (a: { cidr: Cidr | Cidr6 }) => a.cidr.address === fb.address || (v6 ? contains6(a.cidr as Cidr6, fb.address) : contains(a.cidr as Cidr, fb.address));
        const net = (v6 ? ifaces6Of(runner) : ifacesOf(runner)).find(on)!.cidr;
        const floating = owner === undefined ? undefined : (v6 ? floating6(owner.spec).map((f) => parseCidr6(f)) : floating4(owner.spec).map((f) => parseCidr(f))).find((f) => f.networkCidr === net.networkCidr);
        const family = v6 ? 'IPv6 ' : '';
        if (owner !== undefined && floating === undefined) {
          const message = `fallback ${fb.address}'s network ${net.networkCidr} holds no ${family}floating address of ${pathText(owner)}: NAT through a pair needs one there in ${pathText(owner)}.floating, as the sorry server's ${family}gateway`;
          if (!problems.some((p) => p.message === message && p.path.join('.') === fbAt.join('.'))) add({ code: 'floating-off-network', path: fbAt, message });
        } else if (!v6 && hostNames.some(isHost)) {
          // a host of the topology gets the gateway derived, as a NAT real
          // server does; one it sets itself must be that address
          const name = hostNames.find(isHost)!;
          const gw = t.hosts[name]!.gateway;
          const want = floating?.address ?? net.address;
          const message = `sorry server ${name} sets gateway ${gw}, but NAT needs ${floating !== undefined ? `the pair's floating address ${want}` : `director ${runner}'s ${want}`}, or its replies bypass the director, which NAT needs to rewrite them (hosts.${name}.gateway; leave it unset to have it derived)`;
          // (a NAT real server's gateway is checked as such, below)
          const natReal = t.virtual_services.some((o) => o.forward === 'masq' && o.real_servers.some((r) => (typeof r === 'string' ? r : r.host) === name));
          if (gw !== undefined && gw !== want && !natReal && !problems.some((p) => p.message === message)) add({ code: 'wrong-gateway', path: ['hosts', name, 'gateway'], message });
        } else if (!hostNames.some(isHost)) {
          const via = floating !== undefined ? `${floating.address}, the floating address of ${pathText(owner!)} on ${net.networkCidr}` : `${net.address}, director ${runner}'s address on ${net.networkCidr}`;
          const message = `fallback ${fb.address} is no host of the topology: lvsgen cannot configure it; its ${family}default route must be via ${via}, or its replies bypass the director, which NAT needs to rewrite them (README, "fallback")`;
          if (!problems.some((p) => p.message === message && p.path.join('.') === fbAt.join('.'))) add({ code: 'outside-sorry-server', path: fbAt, message, severity: 'warning' });
        }
      }
    }
    if (haDirectors.length > 0 && vip !== undefined && owner === undefined) {
      add({ code: 'unsupported', path: [...at, 'virtual'], message: `virtual address ${vip.address} must be ${floatingWhere}: with a pair of directors, heartbeat or VRRP moves it to the active one` });
    }

    const members = new Set<string>();
    for (const [j, rs] of vs.real_servers.entries()) {
      const rsAt = [...at, 'real_servers', j];
      const name = typeof rs === 'string' ? rs : rs.host;
      const port = typeof rs === 'string' ? vport : (rs.port ?? vport);
      if (vip === undefined && typeof rs !== 'string' && rs.port !== undefined) {
        add({ code: 'invalid-port', path: [...rsAt, 'port'], message: 'a real server of a firewall-mark service takes no port: IPVS keeps each packet\'s destination port (ipvsadm shows it as :0)' });
      }
      if (members.has(`${name}:${port}`)) add({ code: 'invalid-value', path: rsAt, message: `${name}:${port} is listed twice` });
      // IPVS direct routing rewrites only the MAC address and tunnelling wraps the
      // packet whole: both keep the destination port, so a real server on another
      // port never sees the traffic (keepalived refuses it; ldirectord passed it on).
      if (vip !== undefined && vs.forward !== 'masq' && port !== vip.port) {
        add({ code: 'invalid-port', path: [...rsAt, 'port'], message: `port ${port} differs from the virtual port ${vip.port}: IPVS direct routing and tunnelling keep the port; only NAT (masq) maps ports` });
      }
      members.add(`${name}:${port}`);
      if (typeof rs !== 'string') for (const p of realServerOptionProblems(vs, rs, service, rsAt)) add(p);
      if (!has(name)) {
        add({ code: 'undefined-host', path: rsAt, message: `no host named "${name}"` });
        continue;
      }
      if (!roleOf(name, 'real-server')) {
        add({ code: 'wrong-role', path: rsAt, message: `host "${name}" does not have the real-server role` });
        continue;
      }
      // Streamline: a node of the pair is a real server by direct routing, the
      // standby answering for the floating address it holds on lo. Under NAT
      // its replies would not go back through the active node, and tunnelling
      // to the peer is not what lvsgen writes for a pair node.
      if (haDirectors.includes(name) && vs.forward !== 'gate') {
        add({ code: 'unsupported', path: rsAt, message: `${name} is a node of the director pair: a pair node is a real server (streamline) only by direct routing (forward: gate), not ${vs.forward}` });
        continue;
      }
      // A pair node as a real server (streamline) of an IPv6 service would hold the
      // IPv6 floating address on lo while VRRP adds it to a device: not written yet.
      if (haDirectors.includes(name) && v6) {
        add({ code: 'unsupported', path: rsAt, message: `${name} is a node of the director pair: lvsgen does not write a pair node as a real server of an IPv6 service yet (streamline is IPv4 only)` });
        continue;
      }
      if (haDirectors.includes(name) && owner !== undefined && !owner.spec.nodes.includes(name)) {
        add({ code: 'unsupported', path: rsAt, message: `${name} is a node of another director pair than ${pathText(owner)}, which runs this service: a pair node is a real server (streamline) only of its own pair's services` });
        continue;
      }
      if (vs.forward === 'ipip' || directors.includes(name)) continue;
      if (v6) {
        // Over IPv6 the director reaches the real server on a network of its own,
        // for NAT and direct routing alike. NAT: the director is the server's IPv6
        // default gateway there (derived); through a pair of directors, the pair's
        // IPv6 floating address on that network is. Direct routing needs no gateway
        // of the director's: the server answers the clients from the virtual
        // address it holds on lo, by whatever route it has.
        if (vs.forward === 'masq' && directorPair && gateway6Checked.has(name) && owner !== undefined && gateway6Checked.get(name) !== undefined && gateway6Checked.get(name) !== owner) {
          add({ code: 'unsupported', path: rsAt, message: `real server ${name} is already an IPv6 NAT real server of ${pathText(gateway6Checked.get(name)!)}: its one IPv6 default gateway can be the floating address of one director pair only` });
        }
        if (vs.forward === 'masq' && directorPair && owner !== undefined && !gateway6Checked.has(name)) {
          gateway6Checked.set(name, owner);
          const mine = ifaces6Of(name);
          if (!floating6(owner.spec).some((f) => mine.some((r) => contains6(r.cidr, parseCidr6(f).address)))) {
            const nets = mine.map((r) => r.cidr.networkCidr).join(', ') || 'none';
            add({ code: 'floating-off-network', path: rsAt, message: `real server ${name}'s IPv6 networks (${nets}) hold no IPv6 floating address of ${pathText(owner)}: IPv6 NAT through a pair needs one there in ${pathText(owner)}.floating, as the real servers' IPv6 gateway` });
          }
        }
        for (const d of runners) {
          if (!ifaces6Of(name).some((r) => ifaces6Of(d).some((x) => contains6(x.cidr, r.cidr.address)))) {
            add({ code: 'unreachable-real-server', path: rsAt, message: `real server ${name} has no IPv6 address on a network of director ${d}: an IPv6 service reaches its real servers over IPv6, through ${vs.forward === 'masq' ? 'NAT' : 'direct routing'} (give both an IPv6 address on one network)` });
          }
        }
        continue;
      }
      const gw = t.hosts[name]!.gateway;
      if (directorPair && vs.forward === 'masq' && gatewayChecked.has(name) && owner !== undefined && gatewayChecked.get(name) !== undefined && gatewayChecked.get(name) !== owner) {
        add({ code: 'unsupported', path: rsAt, message: `real server ${name} is already a NAT real server of ${pathText(gatewayChecked.get(name)!)}: its one default gateway can be the floating address of one director pair only (use direct routing or tunnelling to share real servers between pairs)` });
      }
      if (directorPair && vs.forward === 'masq' && !gatewayChecked.has(name)) {
        gatewayChecked.set(name, owner);
        const fg = floatingGateway(ifacesOf(name), (owner !== undefined ? floating4(owner.spec) : []).map((f) => parseCidr(f)));
        if (fg === undefined) {
          const nets = ifacesOf(name).map((a) => a.cidr.networkCidr).join(', ');
          add({ code: 'floating-off-network', path: rsAt, message: `real server ${name}'s network (${nets}) holds no floating address of the director pair: NAT through a pair needs one there in heartbeat.floating, as the real servers' gateway` });
        } else if (gw !== undefined && gw !== fg.address) {
          add({ code: 'wrong-gateway', path: rsAt, message: `real server ${name} sets gateway ${gw}, but NAT through the director pair needs the pair's floating address ${fg.address} (hosts.${name}.gateway; leave it unset to have it derived)` });
        }
      }
      for (const d of runners) {
        const shared = sharedWith(name, d);
        if (!shared) {
          add({ code: 'unreachable-real-server', path: rsAt, message: `real server ${name} shares no network with director ${d} (${vs.forward === 'masq' ? 'NAT' : 'direct routing'} needs one)` });
          continue;
        }
        if (vs.forward === 'masq' && !directorPair && gw !== undefined && gw !== shared.cidr.address) {
          add({ code: 'wrong-gateway', path: rsAt, message: `real server ${name} sets gateway ${gw}, but NAT needs the director's ${shared.cidr.address} (hosts.${name}.gateway)` });
        }
      }
    }
  }

  // Heartbeat (or VRRP) pairs: `heartbeat` is one, `pairs` several.
  if (t.heartbeat !== undefined && t.pairs !== undefined) {
    add({ code: 'invalid-value', path: ['pairs'], message: 'give heartbeat (one pair) or pairs (several), not both: list the heartbeat pair in pairs' });
  }
  const nodeOf = new Map<string, PairSpec>();
  for (const pair of pairs) {
    const hb = pair.spec;
    const at = pair.at;
    const hbNodes = hb.nodes;
    const here = pathText(pair);
    if (hb.nodes.length === 2 && hb.nodes[0] === hb.nodes[1]) add({ code: 'heartbeat-nodes', path: [...at, 'nodes'], message: 'the two heartbeat nodes must be different hosts' });
    const holdsDirector = hbNodes.some((n) => roleOf(n, 'director'));
    for (const [i, n] of hb.nodes.entries()) {
      if (!has(n)) add({ code: 'undefined-host', path: [...at, 'nodes', i], message: `no host named "${n}"` });
      else if (holdsDirector && !roleOf(n, 'director')) {
        add({ code: 'unsupported', path: [...at, 'nodes', i], message: `${n} is not a director: a heartbeat pair that holds a director must be two directors` });
      }
      const other = nodeOf.get(n);
      if (other !== undefined && other !== pair) add({ code: 'heartbeat-nodes', path: [...at, 'nodes', i], message: `${n} is already a node of ${pathText(other)}: a host is a node of one pair only` });
      else nodeOf.set(n, pair);
    }
    // Streamline: each node is director and real server, or neither is a real
    // server (after a failover the two swap what they do).
    // (A node that is no director at all is refused above.)
    const isDirPair = hbNodes.length === 2 && hbNodes.every((n) => roleOf(n, 'director'));
    if (isDirPair && hbNodes.some((n) => roleOf(n, 'real-server'))) {
      for (const n of hbNodes) {
        if (roleOf(n, 'real-server')) continue;
        const other = hbNodes.find((x) => x !== n && roleOf(x, 'real-server'));
        add({ code: 'wrong-role', path: ['hosts', n, 'roles'], message: `${n} is a node of the director pair${other !== undefined ? ` whose other node ${other} is also a real server` : ''}: in a streamline pair each node is director and real server (roles: [director, real-server])` });
      }
    }
    // A list of other than two nodes is the schema's problem (heartbeat-nodes): not checked against a third.
    const nodeIfs = hbNodes.length === 2 ? hbNodes.filter(has).map(ifacesOf) : [];
    const nodeIfs6 = hbNodes.length === 2 ? hbNodes.filter(has).map(ifaces6Of) : [];
    // The IPv4 address is what the pair's interface, heartbeat's bcast device and
    // the router's route to a virtual network are found from; IPv6 ones come beside it.
    if (floating4(hb).length === 0) {
      add({ code: 'unsupported', path: [...at, 'floating'], message: `${here}.floating needs an IPv4 address: a pair floats IPv4 addresses, and IPv6 ones beside them (lvsgen does not write IPv6-only pairs)` });
    }
    for (const [i, f] of hb.floating.entries()) {
      if (f.includes(':')) {
        const c6 = parseCidr6(f);
        const p = [...at, 'floating', i];
        for (const [k, ifs] of nodeIfs6.entries()) {
          if (!ifs.some((a) => a.cidr.networkCidr === c6.networkCidr)) {
            add({ code: 'floating-off-network', path: p, message: `floating address ${f} is not on an IPv6 network of node ${hb.nodes[k]} (give the node an IPv6 address on ${c6.networkCidr})` });
          }
        }
        claim(c6.address, `${here}.floating[${i}]`, p);
        continue;
      }
      const c = parseCidr(f);
      const p = [...at, 'floating', i];
      for (const [k, ifs] of nodeIfs.entries()) {
        if (!ifs.some((a) => a.cidr.networkCidr === c.networkCidr)) {
          add({ code: 'floating-off-network', path: p, message: `floating address ${f} is not on a network of node ${hb.nodes[k]}` });
        }
      }
      claim(c.address, `${here}.floating[${i}]`, p);
    }
    if (hb.interface !== undefined) {
      for (const n of hbNodes.filter(has)) {
        if (!(hb.interface in t.hosts[n]!.interfaces)) add({ code: 'invalid-interface', path: [...at, 'interface'], message: `node ${n} has no interface ${hb.interface}` });
      }
    }
    if (hb.virtual_network !== undefined) {
      const vn = parseCidr(hb.virtual_network);
      for (const name of hostNames) {
        for (const a of ifacesOf(name)) {
          if (overlaps(vn, a.cidr)) add({ code: 'virtual-network-overlap', path: [...at, 'virtual_network'], message: `virtual network ${vn.networkCidr} overlaps ${name}.${a.iface}'s network ${a.cidr.networkCidr}` });
        }
      }
      for (const earlier of pairs.slice(0, pair.index)) {
        if (earlier.spec.virtual_network !== undefined && overlaps(vn, parseCidr(earlier.spec.virtual_network))) {
          add({ code: 'virtual-network-overlap', path: [...at, 'virtual_network'], message: `virtual network ${vn.networkCidr} overlaps ${pathText(earlier)}'s virtual network ${earlier.spec.virtual_network}: each network of virtual addresses belongs to one pair` });
        }
      }
    }
    // Two pairs on one network must not share a VRRP router (nor, under
    // heartbeat, a UDP port): VRRP tells routers apart by virtual_router_id
    // alone (RFC 5798, 5.2.3), and each pair's IPVS sync daemon uses it as its
    // sync id; heartbeat's nodes hear every packet to their udpport (ha.cf(5)).
    // Derived ones are distinct (model/pairs.ts); two given ones may clash.
    const networks = new Set(hbNodes.filter(has).flatMap((n) => ifacesOf(n).map((a) => a.cidr.networkCidr)));
    for (const earlier of pairs.slice(0, pair.index)) {
      const shared = [...new Set(earlier.spec.nodes.filter(has).flatMap((n) => ifacesOf(n).map((a) => a.cidr.networkCidr)))].filter((x) => networks.has(x));
      if (shared.length === 0) continue;
      if (earlier.routerId === pair.routerId) {
        add({ code: 'invalid-value', path: [...at, ...(hb.virtual_router_id !== undefined ? ['virtual_router_id'] : [])], message: `virtual_router_id ${pair.routerId} is already ${pathText(earlier)}'s, whose nodes share network ${shared[0]} with this pair's: give each pair on a network its own (or leave it unset to have it derived)` });
      }
      if (earlier.udpport === pair.udpport) {
        add({ code: 'invalid-value', path: [...at, ...(hb.udpport !== undefined ? ['udpport'] : [])], message: `udpport ${pair.udpport} is already ${pathText(earlier)}'s, whose nodes share network ${shared[0]} with this pair's: heartbeat would hear the other pair (leave it unset to have it derived)` });
      }
    }
    const sources = (['key', 'key_env', 'key_file'] as const).filter((k) => hb.auth[k] !== undefined);
    if (hb.auth.method === 'crc' ? sources.length > 0 : sources.length !== 1) {
      add({
        code: 'secret-source',
        path: [...at, 'auth'],
        message: hb.auth.method === 'crc' ? 'crc takes no key' : `${hb.auth.method} needs exactly one of key, key_env, key_file (got ${sources.length === 0 ? 'none' : sources.join(', ')})`,
      });
    }
  }
  for (const d of directors) {
    if (haDirectors.length > 0 && !haDirectors.includes(d)) add({ code: 'unsupported', path: t.heartbeat !== undefined ? ['heartbeat', 'nodes'] : ['pairs'], message: `director ${d} is not a heartbeat node: with a pair of directors, every director is a node of a pair` });
  }
  return problems;
}

/**
 * keepalived.conf(5) checkers: HTTP_GET, SSL_GET, TCP_CHECK, PING_CHECK map
 * ldirectord's negotiate (http, https), connect and ping; `on` is a real
 * server without a checker (off is refused for both backends by
 * validateTopology). ldirectord's other negotiate protocols have no keepalived twin. Asked
 * by model/targets.ts for the services of a topology whose directors run keepalived.
 */
export function keepalivedCheckProblems(vs: Topology['virtual_services'][number], at: Array<string | number>): RawProblem[] {
  const out: RawProblem[] = [];
  const check = vs.check;
  const vport = servicePort(vs);
  const service = check.service ?? (vport === 443 ? 'https' : vport === 80 ? 'http' : undefined) ?? impliedDns(vs.protocol, vport);
  if (check.type === 'negotiate' && service !== 'http' && service !== 'https' && service !== 'none' && !(service === 'dns' && vs.protocol === 'udp')) {
    out.push({
      code: 'unsupported',
      path: [...at, 'check', check.service !== undefined ? 'service' : 'type'],
      message: `keepalived negotiates only http and https (HTTP_GET, SSL_GET) and dns over udp (DNS_CHECK), not ${service ?? `port ${vport}`}${vs.protocol === 'tcp' ? ': use check type connect (TCP_CHECK)' : ''}`,
    });
  }
  return out;
}

/** ldirectord's service for port 53 over UDP (ld_port_to_service: domain); lvsgen checks it as dns. */
export function impliedDns(protocol: 'tcp' | 'udp', port: number): 'dns' | undefined {
  return protocol === 'udp' && port === 53 ? 'dns' : undefined;
}

/** Services ldirectord speaks over UDP (check_dns, check_radius, check_sip); the others are TCP protocols. */
const UDP_SERVICES = new Set(['dns', 'radius', 'sip', 'none']);

/**
 * A check must be able to test its service. Over UDP, ldirectord's connect
 * check only opens a UDP socket (check_connect -> ld_open_socket: nothing is
 * sent, so it succeeds whether anything listens) and keepalived's TCP_CHECK
 * connects over TCP, which a UDP-only service never accepts: both are refused.
 * A dns check resolves `request` (a name) and ldirectord's check_dns wants an
 * A record whose address matches `receive` (without one it is always down).
 */
function serviceCheckProblems(protocol: 'tcp' | 'udp', check: Topology['virtual_services'][number]['check'], service: string | undefined, at: Array<string | number>): RawProblem[] {
  const out: RawProblem[] = [];
  if (protocol === 'udp' && check.type === 'connect') {
    out.push({ code: 'unsupported', path: [...at, 'check', 'type'], message: 'a connect check cannot test a UDP service (ldirectord only opens a UDP socket, which succeeds with nothing listening; keepalived\'s TCP_CHECK connects over TCP): use negotiate with service dns, ping, or on' });
  }
  if (protocol === 'udp' && check.type === 'negotiate' && service !== undefined && !UDP_SERVICES.has(service)) {
    out.push({ code: 'unsupported', path: [...at, 'check', check.service !== undefined ? 'service' : 'type'], message: `${service} is not spoken over UDP: a UDP service negotiates dns, radius, sip or none` });
  }
  if (check.type === 'negotiate' && service === 'dns') {
    for (const f of ['request', 'receive'] as const) {
      if (check[f] === undefined) out.push({ code: 'missing-check-field', path: [...at, 'check'], message: `a dns check needs ${f} (${f === 'request' ? 'the name to resolve' : 'the address its A record must hold'})` });
    }
    out.push(...dnsCheckProblems(check, [...at, 'check']));
  }
  return out;
}

/** A dns check's request is a name to resolve and its receive the IPv4 address of its A record. */
function dnsCheckProblems(check: { request?: string | undefined; receive?: string | undefined }, at: Array<string | number>): RawProblem[] {
  const out: RawProblem[] = [];
  if (check.request !== undefined && !/^\/?(?=.{1,253}$)[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.?$/.test(check.request)) {
    out.push({ code: 'invalid-value', path: [...at, 'request'], message: 'a dns check resolves request: it must be a DNS name such as www.example.com' });
  }
  if (check.receive !== undefined && !isIPv4(check.receive)) {
    out.push({ code: 'invalid-value', path: [...at, 'receive'], message: 'a dns check compares receive with the A record: it must be an IPv4 address such as 10.0.0.80' });
  }
  return out;
}

/** Services whose negotiate check sends a request and expects a receive, which a real server may have of its own. */
const REQUEST_RECEIVE_SERVICES = new Set(['http', 'https', 'dns']);

/**
 * What one real server sets for itself: connection thresholds (ipvsadm(8)
 * -x and -y: below the lower one an overloaded server takes connections
 * again, so it must be under the upper one, which it needs), and a check
 * request and receive of its own, for the checks that have them.
 */
function realServerOptionProblems(
  vs: Topology['virtual_services'][number],
  rs: Exclude<Topology['virtual_services'][number]['real_servers'][number], string>,
  service: string | undefined,
  at: Array<string | number>,
): RawProblem[] {
  const out: RawProblem[] = [];
  if (rs.lower_threshold !== undefined) {
    if (rs.upper_threshold === undefined) {
      out.push({ code: 'invalid-value', path: [...at, 'lower_threshold'], message: 'lower_threshold needs upper_threshold: it says when a server that reached the upper threshold takes connections again' });
    } else if (rs.lower_threshold >= rs.upper_threshold) {
      out.push({ code: 'invalid-value', path: [...at, 'lower_threshold'], message: `lower_threshold ${rs.lower_threshold} must be below upper_threshold ${rs.upper_threshold}` });
    }
  }
  if (rs.check !== undefined) {
    if (rs.check.request === undefined && rs.check.receive === undefined) {
      out.push({ code: 'missing-check-field', path: [...at, 'check'], message: 'a real server\'s check gives request, receive or both' });
    } else if (vs.check.type !== 'negotiate' || service === undefined || !REQUEST_RECEIVE_SERVICES.has(service)) {
      out.push({
        code: 'unsupported',
        path: [...at, 'check'],
        message: `a request and receive of a real server's own need its service's check to negotiate http, https or dns (this one is ${vs.check.type === 'negotiate' ? `negotiate of ${service ?? 'no service'}` : vs.check.type})`,
      });
    } else if (service === 'dns') {
      out.push(...dnsCheckProblems(rs.check, [...at, 'check']));
    }
  }
  return out;
}

/**
 * What an IPv6 virtual service cannot have yet. Tunnelling would need an
 * IPv6 tunnel device on each real server (IPVS encapsulates an IPv6 packet
 * in IPv6: ip6tnl's ip6tnl0, with its own reverse-path and MTU questions),
 * which lvsgen does not write; direct routing is written (the virtual address
 * on the real servers' lo, a /128). ip_vs_ftp is written for IPv4;
 * a persistence netmask is an IPv4 mask (ldirectord.cf(5) wants a prefix
 * length for IPv6). An IPv4 sorry server behind an IPv6 service would mix
 * the families in one IPVS service, which IPVS refuses for NAT.
 */
function ipv6ServiceProblems(vs: Topology['virtual_services'][number], at: Array<string | number>): RawProblem[] {
  const out: RawProblem[] = [];
  if (vs.forward === 'ipip') out.push({ code: 'unsupported', path: [...at, 'forward'], message: 'an IPv6 virtual service is balanced through NAT (masq) or direct routing (gate): lvsgen does not write IPv6 tunnelling yet (IPVS would encapsulate in IPv6, for an ip6tnl device on each real server)' });
  if (isFtp(vs)) out.push({ code: 'unsupported', path: [...at, 'virtual'], message: 'FTP over IPv6 is not supported yet (lvsgen writes ip_vs_ftp for IPv4 services)' });
  if (vs.netmask !== undefined) out.push({ code: 'unsupported', path: [...at, 'netmask'], message: 'netmask is an IPv4 mask: an IPv6 service\'s persistence is per client address (no netmask)' });
  if (vs.fallback !== undefined && !isIPv6Fallback(vs.fallback)) out.push({ code: 'invalid-value', path: [...at, 'fallback'], message: 'an IPv6 service cannot fall back to an IPv4 sorry server: one IPVS service holds one address family' });
  return out;
}

/**
 * What a firewall-mark service cannot have: a sorry server (ldirectord and
 * keepalived add it on a port, which a mark has not; not supported yet), or
 * FTP through NAT (ip_vs_ftp binds to a virtual port: a marked FTP control
 * connection gets no helper). FTP under direct routing is what marks are for.
 */
function fwmarkProblems(vs: Topology['virtual_services'][number], at: Array<string | number>): RawProblem[] {
  const out: RawProblem[] = [];
  if (vs.fallback !== undefined) out.push({ code: 'unsupported', path: [...at, 'fallback'], message: 'a firewall-mark service takes no fallback yet (a sorry server is added on a port, which a mark has not)' });
  const ftp = vs.check.service === 'ftp' || (vs.fwmark?.match ?? []).some((m) => isMatch(m) && parseMatch(m).from <= 21 && 21 <= parseMatch(m).to);
  if (vs.forward === 'masq' && ftp) {
    out.push({ code: 'unsupported', path: [...at, 'forward'], message: 'FTP through NAT needs ip_vs_ftp, which binds to a virtual port, not a firewall mark: balance FTP through NAT as a service of its own (virtual: ADDRESS:21), or mark it under direct routing (gate)' });
  }
  return out;
}
