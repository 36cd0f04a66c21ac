// Checks that need to know each host's target distro: which director backends
// it can run and whether keepalived (VRRP) carries its floating addresses.
// The distro data itself lives with the renderer; the caller (the pipeline)
// passes what each distro can do, so this stays pure and below render/.
import type { RawProblem } from './problems.js';
import type { DirectorBackend, Topology } from './schema.js';
import { keepalivedCheckProblems } from './validate.js';
import { directorPairs, floating4, pairsOf } from './pairs.js';
import { contains, interfaceAddresses, parseCidr } from './net.js';

export interface DistroCapabilities {
  /** The director backends this distro supports (capabilities.director_backends in its distro.yaml), its own first. */
  directorBackends: readonly DirectorBackend[];
  /** Heartbeat pairs become VRRP (keepalived) rather than heartbeat files. */
  vrrp: boolean;
}

export interface TargetOptions {
  /** `--distro`: overrides every host's distro. */
  distro?: string;
  /** Every distro lvsgen knows, to name the ones that would do. */
  distros: readonly string[];
  capabilities(distro: string): DistroCapabilities;
  /** The resolved heartbeat key, if any (never echoed): the first pair's. */
  heartbeatKey?: string;
  /** Each pair's resolved key (model/pairs.ts order). */
  pairKeys?: ReadonlyArray<string | undefined>;
}

/** VRRP PASS authentication carries at most 8 characters (keepalived.conf(5): "Only the first eight (8) characters are used"). */
export const VRRP_PASS_LENGTH = 8;

/** The VRRP password lvsgen derives from the heartbeat key: its first 8 characters. */
export function vrrpPassword(key: string): string {
  return key.slice(0, VRRP_PASS_LENGTH);
}

/**
 * What each director runs: the topology's director_backend; unset, its
 * distro's own (the first of capabilities.director_backends), except that a
 * director of a pair runs keepalived where VRRP carries the pair (one daemon
 * for the floating addresses and the virtual services, as RHEL's and Debian's
 * keepalived packages are meant to be used). A distro that runs no backend
 * gets none here: checkTargets refuses it.
 */
export function directorBackends(t: Topology, opts: Pick<TargetOptions, 'distro' | 'capabilities'>): Map<string, DirectorBackend> {
  const out = new Map<string, DirectorBackend>();
  const nodes = pairsOf(t).flatMap((p) => p.spec.nodes);
  for (const h of Object.keys(t.hosts).sort()) {
    if (!(t.hosts[h]!.roles as string[]).includes('director')) continue;
    const caps = opts.capabilities(opts.distro ?? t.hosts[h]!.distro ?? t.defaults.distro);
    const paired = nodes.includes(h) && caps.vrrp && caps.directorBackends.includes('keepalived');
    const chosen = t.director_backend ?? (paired ? 'keepalived' : caps.directorBackends[0]);
    if (chosen !== undefined) out.set(h, chosen);
  }
  return out;
}

export function checkTargets(t: Topology, opts: TargetOptions): RawProblem[] {
  const problems: RawProblem[] = [];
  const distroOf = (host: string) => opts.distro ?? t.hosts[host]!.distro ?? t.defaults.distro;
  const names = Object.keys(t.hosts).sort();
  const backends = directorBackends(t, opts);

  // One problem per distro that cannot run the chosen backend (or none at all), naming its directors.
  const refused = new Map<string, { backend: DirectorBackend | undefined; hosts: string[] }>();
  for (const h of names) {
    if (!(t.hosts[h]!.roles as string[]).includes('director')) continue;
    const d = distroOf(h);
    const backend = backends.get(h);
    if (backend !== undefined && opts.capabilities(d).directorBackends.includes(backend)) continue;
    const r = refused.get(d) ?? { backend, hosts: [] };
    r.hosts.push(h);
    refused.set(d, r);
  }
  for (const [d, { backend, hosts }] of refused) {
    const can = opts.capabilities(d).directorBackends;
    const who = `${hosts.length > 1 ? 'directors' : 'director'} ${hosts.join(', ')} ${hosts.length > 1 ? 'target' : 'targets'} ${d}`;
    if (backend === undefined) {
      const others = opts.distros.filter((x) => opts.capabilities(x).directorBackends.length > 0);
      problems.push({ code: 'unsupported', path: ['hosts', hosts[0]!, 'roles'], message: `${who}, which runs no director backend: use ${others.length > 0 ? `a distro that does (${others.join(', ')})` : 'another distro'}` });
      continue;
    }
    const others = opts.distros.filter((x) => opts.capabilities(x).directorBackends.includes(backend));
    const fix = [
      ...(others.length > 0 ? [`a distro that runs ${backend} (${others.join(', ')})`] : []),
      ...can.map((b) => `director_backend: ${b}`),
      ...(t.director_backend !== undefined && can.length > 0 ? ['no director_backend (each distro\'s own)'] : []),
    ].join(' or ');
    problems.push({
      code: 'unsupported',
      path: ['director_backend'],
      message: `director_backend is ${backend}, but ${who}, which runs ${can.length > 0 ? can.join(', ') : 'no director backend'} only: use ${fix}`,
    });
  }

  // A pair of directors: what carries its floating addresses must agree with what runs its services.
  const clashing: string[] = [];
  for (const n of pairsOf(t).flatMap((p) => p.spec.nodes)) {
    const backend = backends.get(n);
    if (backend === undefined) continue;
    const caps = opts.capabilities(distroOf(n));
    if (!caps.directorBackends.includes(backend)) continue; // refused above
    // Where heartbeat carries the pair, it also starts ldirectord (haresources).
    if (caps.vrrp && backend !== 'keepalived') clashing.push(n);
  }
  if (clashing.length > 0) {
    problems.push({
      code: 'unsupported',
      path: ['director_backend'],
      message: `director_backend is ${t.director_backend ?? 'ldirectord'}, but ${clashing.join(' and ')} ${clashing.length > 1 ? 'are heartbeat nodes' : 'is a heartbeat node'} on ${[...new Set(clashing.map(distroOf))].join(', ')}, where keepalived (VRRP) carries a pair's floating addresses and one daemon drives IPVS: use director_backend: keepalived, or leave it unset`,
    });
  }

  for (const pair of pairsOf(t)) {
    const hb = pair.spec;
    // Streamline under keepalived: the standby's IPVS stays out of the way only
    // while its sync daemon is backup (net.ipv4.vs.backup_only, derive.ts).
    if (!hb.connection_sync) {
      const streamline = hb.nodes.filter((n) => n in t.hosts && backends.get(n) === 'keepalived' && (t.hosts[n]!.roles as string[]).includes('real-server'));
      if (streamline.length > 0) {
        problems.push({
          code: 'unsupported',
          path: [...pair.at, 'connection_sync'],
          message: `${streamline.join(' and ')} ${streamline.length > 1 ? 'are' : 'is'} director and real server under keepalived, which loads the virtual servers on both nodes: the standby keeps its IPVS out of the way (net.ipv4.vs.backup_only) only while its sync daemon runs as backup, so a streamline pair needs connection_sync (leave it unset)`,
        });
      }
    }
    // haresources must be byte for byte the same on both nodes (heartbeat's
    // own rule), so a device it names must have one name on both: the sync
    // resource's interface (lvsgen-ipvs-sync::IFACE::ID) and, for a streamline
    // pair, each address's device (IPaddr2::VIP/PREFIX/DEVICE: the address is
    // on lo too, so the agent must not guess it). ha.cf is each node's own
    // (its bcast device may differ); keepalived.conf is per node as well.
    const [n0, n1] = hb.nodes;
    const isDirPair = directorPairs(t).includes(pair);
    if (isDirPair && n0 !== undefined && n1 !== undefined && hb.nodes.length === 2 && n0 !== n1 && [n0, n1].every((n) => !opts.capabilities(distroOf(n)).vrrp)) {
      const devOn = (n: string, address: string) => Object.entries(t.hosts[n]!.interfaces).find(([, c]) => interfaceAddresses(c).ipv4.some((a) => contains(parseCidr(a), address)))?.[0];
      const first = floating4(hb)[0] !== undefined ? parseCidr(floating4(hb)[0]!).address : undefined;
      if (hb.connection_sync && hb.interface === undefined && first !== undefined) {
        const d0 = devOn(n0, first);
        const d1 = devOn(n1, first);
        if (d0 !== undefined && d1 !== undefined && d0 !== d1) {
          problems.push({
            code: 'invalid-interface',
            path: [...pair.at, 'floating', 0],
            message: `${n0} holds ${first}'s network on ${d0} and ${n1} on ${d1}: the IPVS sync daemon's interface is named in haresources, which heartbeat needs byte for byte the same on both nodes (heartbeat carries the pair on ${distroOf(n0)}): give both nodes one name for it, or set ${[...pair.at].join('.')}.interface to a device both have`,
          });
        }
      }
      const streamline = hb.nodes.some((n) => (t.hosts[n]!.roles as string[]).includes('real-server'));
      for (const [i, f] of streamline ? hb.floating.entries() : []) {
        if (f.includes(':')) continue; // no streamline service is IPv6 (validate refuses a pair node as an IPv6 real server): an IPv6 address names the device where the nodes agree
        const address = parseCidr(f).address;
        const d0 = devOn(n0, address);
        const d1 = devOn(n1, address);
        if (d0 !== undefined && d1 !== undefined && d0 !== d1) {
          problems.push({
            code: 'invalid-interface',
            path: [...pair.at, 'floating', i],
            message: `${n0} holds ${address}'s network on ${d0} and ${n1} on ${d1}: a streamline pair's haresources names each address's device (IPaddr2::ADDRESS/PREFIX/DEVICE; the address is on lo too), and haresources is the same on both nodes: give both nodes one name for it`,
          });
        }
      }
    }
  }

  // keepalived's checkers cannot do every check ldirectord does.
  if ([...backends.values()].includes('keepalived')) {
    for (const [i, vs] of t.virtual_services.entries()) problems.push(...keepalivedCheckProblems(vs, ['virtual_services', i]));
  }

  // keepalived.conf quotes the VRRP password with `"` and has no escape for `"` inside it.
  for (const pair of pairsOf(t)) {
    const hb = pair.spec;
    const key = opts.pairKeys?.[pair.index] ?? (pair.index === 0 ? opts.heartbeatKey : undefined);
    if (key === undefined || !hb.nodes.some((n) => n in t.hosts && opts.capabilities(distroOf(n)).vrrp)) continue;
    if (vrrpPassword(key).includes('"')) {
      const field = hb.auth.key_env !== undefined ? 'key_env' : hb.auth.key_file !== undefined ? 'key_file' : 'key';
      problems.push({
        code: 'secret-source',
        path: [...pair.at, 'auth', field],
        message: `keepalived's VRRP password is the key's first ${VRRP_PASS_LENGTH} characters, and keepalived.conf cannot carry a double quote in it: choose a key without " in its first ${VRRP_PASS_LENGTH} characters`,
      });
    }
  }
  return problems;
}
