// Topologies of any size, for the atomicity, property and benchmark runs:
// one director (NAT or direct routing), or a pair of directors under VRRP,
// in front of N real servers spread over /24 server networks, with S virtual
// services on one virtual address.
import { stringify } from 'yaml';

export interface ScaleOptions {
  realServers: number;
  services?: number;
  forward?: 'masq' | 'gate' | 'ipip';
  distro?: string;
  /** Alternate the distro of real servers (and of a pair's directors) between these. */
  mixDistros?: readonly string[];
  /**
   * Two directors under VRRP (director_backend keepalived, a heartbeat pair
   * holding the virtual address) instead of one. NAT needs one director, so a
   * pair forwards by direct routing unless `forward` says ipip; the distros
   * must run keepalived (debian12, rhel9).
   */
  directorPair?: boolean;
}

/** Real servers per /24 server network (addresses .2 to .251; a pair's second director is .252). */
const PER_NET = 250;

export function scaledTopology(o: ScaleOptions): string {
  const services = o.services ?? 3;
  const pair = o.directorPair ?? false;
  const forward = o.forward ?? (pair ? 'gate' : 'masq');
  const nets = Math.ceil(o.realServers / PER_NET);
  const netOf = (n: number) => `10.${100 + Math.floor(n / 250)}.${n % 250}`;
  const hosts: Record<string, unknown> = {};
  const directors = pair ? ['dir1', 'dir2'] : ['director'];
  for (const [k, d] of directors.entries()) {
    const dIfaces: Record<string, string> = { eth0: `10.1.3.${k + 1}/24` };
    for (let n = 0; n < nets; n++) dIfaces[`eth${n + 1}`] = `${netOf(n)}.${k === 0 ? 1 : 252}/24`;
    hosts[d] = { roles: ['director'], interfaces: dIfaces, ...(pair && o.mixDistros ? { distro: o.mixDistros[k % o.mixDistros.length] } : {}) };
  }
  const names: string[] = [];
  for (let i = 0; i < o.realServers; i++) {
    const n = Math.floor(i / PER_NET);
    const name = `rs${i + 1}`;
    names.push(name);
    const h: Record<string, unknown> = { roles: ['real-server'], interfaces: { eth0: `${netOf(n)}.${(i % PER_NET) + 2}/24` } };
    if (o.mixDistros) h.distro = o.mixDistros[i % o.mixDistros.length];
    hosts[name] = h;
  }
  const virtual_services = Array.from({ length: services }, (_, s) => ({
    virtual: `10.1.3.61:${s === 0 ? 80 : 8000 + s}`,
    protocol: 'tcp',
    scheduler: 'wlc',
    forward,
    check: { type: 'negotiate', service: 'http', request: `check-${s}.html`, receive: `Service ${s} OK` },
    real_servers: names,
  }));
  return stringify({
    name: `scale-${o.realServers}${pair ? '-pair' : ''}`,
    defaults: { distro: o.distro ?? (pair ? 'debian12' : 'redhat') },
    ...(pair ? { director_backend: 'keepalived' } : {}),
    hosts,
    ldirectord: { checktimeout: 10, checkinterval: 5, quiescent: false },
    virtual_services,
    ...(pair
      ? {
          heartbeat: {
            nodes: directors,
            floating: ['10.1.3.61/24'],
            // A benchmark fixture, not a secret anyone uses.
            auth: { method: 'sha1', key: 'scale-bench-key' },
          },
        }
      : {}),
  });
}
