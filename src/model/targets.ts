// Checks that need to know each host's target distro: which director backends
// it can run and whether keepalived (VRRP) carries its floating addresses.
// The distro data itself lives with the renderer; the caller (the pipeline)
// passes what each distro can do, so this stays pure and below render/.
import type { RawProblem } from './problems.js';
import type { DirectorBackend, Topology } from './schema.js';

export interface DistroCapabilities {
  /** The director backends this distro supports (capabilities.director_backends in its distro.yaml). */
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

export function checkTargets(t: Topology, opts: TargetOptions): RawProblem[] {
  const problems: RawProblem[] = [];
  const distroOf = (host: string) => opts.distro ?? t.hosts[host]!.distro ?? t.defaults.distro;
  const names = Object.keys(t.hosts).sort();

  // One problem per distro that cannot run the chosen backend, naming its directors.
  const backend = t.director_backend;
  const refused = new Map<string, string[]>();
  for (const h of names) {
    if (!(t.hosts[h]!.roles as string[]).includes('director')) continue;
    const d = distroOf(h);
    if (!opts.capabilities(d).directorBackends.includes(backend)) refused.set(d, [...(refused.get(d) ?? []), h]);
  }
  for (const [d, hosts] of refused) {
    const can = opts.capabilities(d).directorBackends;
    const others = opts.distros.filter((x) => opts.capabilities(x).directorBackends.includes(backend));
    const fix = [
      ...(others.length > 0 ? [`a distro that runs ${backend} (${others.join(', ')})`] : []),
      ...can.map((b) => `director_backend: ${b}`),
    ].join(' or ');
    problems.push({
      code: 'unsupported',
      path: ['director_backend'],
      message: `director_backend is ${backend}, but ${hosts.length > 1 ? 'directors' : 'director'} ${hosts.join(', ')} ${hosts.length > 1 ? 'target' : 'targets'} ${d}, which runs ${can.length > 0 ? can.join(', ') : 'no director backend'} only: use ${fix}`,
    });
  }

  // keepalived.conf quotes the VRRP password with `"` and has no escape for `"` inside it.
  const hb = t.heartbeat;
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
