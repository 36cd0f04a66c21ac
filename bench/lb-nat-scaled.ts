// The lb-nat example (examples/lb-nat.yaml: one NAT director, FTP, HTTP and
// HTTPS on 10.1.3.61, Red Hat) scaled to N real servers, written twice from
// one description: as lvsgen's topology file, and as the Ansible inventory
// that bench/ansible/playbook.yml renders the same host files from.
//
// The inventory holds what an Ansible operator would write: each interface's
// address, netmask and network (Jinja2 has no IP arithmetic without the
// netaddr-based ipaddr filter), the device that carries the virtual address,
// and the services. lvsgen derives all of these from `address/prefix`; here
// they are computed with ipaddr.js (src/model/net.ts), never by hand.
import { stringify } from 'yaml';
import { parseCidr } from '../src/model/net.js';

/** Real servers per server network: 192.168.S.4 to .253, S from 6 up (as lb-nat's real1 and real2 are .4 and .5). */
const PER_NET = 250;
export const VIRTUAL_ADDRESS = '10.1.3.61';

interface Iface {
  device: string;
  cidr: string;
}

interface Scaled {
  cluster: string;
  director: Iface[];
  reals: Array<{ name: string; iface: Iface }>;
}

function describe(n: number): Scaled {
  const nets = Math.ceil(n / PER_NET);
  const net = (k: number) => `192.168.${6 + k}`;
  const director: Iface[] = [{ device: 'eth0', cidr: '10.1.3.1/24' }];
  for (let k = 0; k < nets; k++) director.push({ device: `eth${k + 1}`, cidr: `${net(k)}.1/24` });
  const reals = Array.from({ length: n }, (_, i) => ({
    name: `real${i + 1}`,
    iface: { device: 'eth0', cidr: `${net(Math.floor(i / PER_NET))}.${(i % PER_NET) + 4}/24` },
  }));
  return { cluster: `lb-nat-${n}`, director, reals };
}

/** lb-nat's three services, every one balanced over all real servers. */
function services(reals: readonly string[]) {
  return [
    { virtual: `${VIRTUAL_ADDRESS}:21`, protocol: 'tcp', scheduler: 'rr', persistent: 600, forward: 'masq', check: { type: 'connect' }, real_servers: reals },
    {
      virtual: `${VIRTUAL_ADDRESS}:80`, protocol: 'tcp', scheduler: 'rr', forward: 'masq',
      check: { type: 'negotiate', service: 'http', request: 'ldirector.html', receive: 'Test Page' }, real_servers: reals,
    },
    {
      virtual: `${VIRTUAL_ADDRESS}:443`, protocol: 'tcp', scheduler: 'rr', forward: 'masq',
      check: { type: 'negotiate', service: 'https', request: 'ldirector.html', receive: 'Test Page' }, real_servers: reals,
    },
  ];
}

const LDIRECTORD = { checktimeout: 10, checkinterval: 2, autoreload: false, logfile: 'local0', quiescent: true };

/** lvsgen's topology file for lb-nat with N real servers. */
export function lbNatTopology(n: number): string {
  const s = describe(n);
  const hosts: Record<string, unknown> = {
    director: { roles: ['director'], interfaces: Object.fromEntries(s.director.map((i) => [i.device, i.cidr])) },
  };
  for (const r of s.reals) hosts[r.name] = { roles: ['real-server'], interfaces: { [r.iface.device]: r.iface.cidr } };
  return stringify({ name: s.cluster, defaults: { distro: 'redhat' }, hosts, ldirectord: LDIRECTORD, virtual_services: services(s.reals.map((r) => r.name)) });
}

function ifaceVars(i: Iface) {
  const c = parseCidr(i.cidr);
  return { device: i.device, address: c.address, netmask: c.netmask, network: c.networkCidr };
}

/**
 * The Ansible inventory (YAML) for the same cluster: group `directors` (one
 * host), group `real_servers`, and the services and ldirectord globals as
 * group variables. Every host renders into `out/<host>/` on this machine.
 */
export function lbNatInventory(n: number, out: string): string {
  const s = describe(n);
  const vip = s.director.find((i) => parseCidr(i.cidr).networkCidr === parseCidr(`${VIRTUAL_ADDRESS}/${parseCidr(i.cidr).prefix}`).networkCidr)!;
  return stringify({
    all: {
      vars: {
        cluster: s.cluster,
        out,
        ansible_connection: 'local',
        ansible_python_interpreter: '/usr/bin/python3',
        ldirectord: LDIRECTORD,
        virtual_services: services([]).map(({ real_servers: _r, ...v }) => v),
      },
      children: {
        directors: {
          hosts: {
            director: {
              interfaces: s.director.map(ifaceVars),
              virtual_addresses: [{ address: VIRTUAL_ADDRESS, device: vip.device, netmask: parseCidr(vip.cidr).netmask }],
            },
          },
        },
        real_servers: { hosts: Object.fromEntries(s.reals.map((r) => [r.name, { interfaces: [ifaceVars(r.iface)] }])) },
      },
    },
  });
}
