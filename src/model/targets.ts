// Checks that need to know each host's target distro: which director backends
// it can run and whether keepalived (VRRP) carries its floating addresses.
// The distro data itself lives with the renderer; the caller (the pipeline)
// passes what each distro can do, so this stays pure and below render/.
import type { RawProblem } from './problems.js';
import type { DirectorBackend, Topology } from './schema.js';
import { keepalivedCheckProblems } from './validate.js';

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
  /** The resolved heartbeat key, if any (never echoed). */
  heartbeatKey?: string;
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
  const nodes = t.heartbeat?.nodes ?? [];
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
  const hb = t.heartbeat;
  const clashing: string[] = [];
  for (const n of hb?.nodes ?? []) {
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

  // Streamline under keepalived: the standby's IPVS stays out of the way only
  // while its sync daemon is backup (net.ipv4.vs.backup_only, derive.ts).
  if (hb !== undefined && !hb.connection_sync) {
    const streamline = hb.nodes.filter((n) => n in t.hosts && backends.get(n) === 'keepalived' && (t.hosts[n]!.roles as string[]).includes('real-server'));
    if (streamline.length > 0) {
      problems.push({
        code: 'unsupported',
        path: ['heartbeat', 'connection_sync'],
        message: `${streamline.join(' and ')} ${streamline.length > 1 ? 'are' : 'is'} director and real server under keepalived, which loads the virtual servers on both nodes: the standby keeps its IPVS out of the way (net.ipv4.vs.backup_only) only while its sync daemon runs as backup, so a streamline pair needs connection_sync (leave it unset)`,
      });
    }
  }

  // keepalived's checkers cannot do every check ldirectord does.
  if ([...backends.values()].includes('keepalived')) {
    for (const [i, vs] of t.virtual_services.entries()) problems.push(...keepalivedCheckProblems(vs, ['virtual_services', i]));
  }

  // keepalived.conf quotes the VRRP password with `"` and has no escape for `"` inside it.
  if (hb !== undefined && opts.heartbeatKey !== undefined && hb.nodes.some((n) => n in t.hosts && opts.capabilities(distroOf(n)).vrrp)) {
    if (vrrpPassword(opts.heartbeatKey).includes('"')) {
      const field = hb.auth.key_env !== undefined ? 'key_env' : hb.auth.key_file !== undefined ? 'key_file' : 'key';
      problems.push({
        code: 'secret-source',
        path: ['heartbeat', 'auth', field],
        message: `keepalived's VRRP password is the key's first ${VRRP_PASS_LENGTH} characters, and keepalived.conf cannot carry a double quote in it: choose a key without " in its first ${VRRP_PASS_LENGTH} characters`,
      });
    }
  }
  return problems;
}
