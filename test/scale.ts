// Topologies of any size, for the atomicity, property and benchmark runs:
// one director (NAT or direct routing) in front of N real servers spread over
// /24 server networks, with S virtual services on one virtual address.
import { stringify } from 'yaml';

export interface ScaleOptions {
  realServers: number;
  services?: number;
  forward?: 'masq' | 'gate' | 'ipip';
  distro?: string;
  /** Alternate the distro of real servers between these. */
  mixDistros?: string[];
}

export function scaledTopology(o: ScaleOptions): string {
  const services = o.services ?? 3;
  const forward = o.forward ?? 'masq';
  const nets = Math.ceil(o.realServers / 250);
  const hosts: Record<string, unknown> = {};
  const dIfaces: Record<string, string> = { eth0: '10.1.3.1/24' };
  for (let n = 0; n < nets; n++) dIfaces[`eth${n + 1}`] = `10.${100 + Math.floor(n / 250)}.${n % 250}.1/24`;
  hosts.director = { roles: ['director'], interfaces: dIfaces };
  const names: string[] = [];
  for (let i = 0; i < o.realServers; i++) {
    const n = Math.floor(i / 250);
    const name = `rs${i + 1}`;
    names.push(name);
    const h: Record<string, unknown> = { roles: ['real-server'], interfaces: { eth0: `10.${100 + Math.floor(n / 250)}.${n % 250}.${(i % 250) + 2}/24` } };
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
    name: `scale-${o.realServers}`,
    defaults: { distro: o.distro ?? 'redhat' },
    hosts,
    ldirectord: { checktimeout: 10, checkinterval: 5, quiescent: false },
    virtual_services,
  });
}
