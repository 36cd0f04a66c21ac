// `lvsgen ansible`: the cluster as an Ansible inventory (YAML), a pure
// function of the derived model. The playbook (ansible/site.yml and its role)
// is lvsgen's, the same for every cluster: what differs per cluster is here,
// as data: each host's address, which play deploys it, the pair's nodes and
// the directors' services that reach each real server (for draining).
import { stringify } from 'yaml';
import type { DerivedHost, DerivedModel } from '../derive/model.js';

/** Every file lvsgen ships for Ansible, as it lays them out beside the inventory (paths under ansible/). */
export const PLAYBOOK_FILES = ['ansible.cfg', 'site.yml', 'roles/lvsgen_host/defaults/main.yml', 'roles/lvsgen_host/tasks/main.yml'] as const;

/** A director's service that reaches a real server: what `ipvsadm -e` needs to change its weight. */
export interface Drain {
  director: string;
  /** ipvsadm's service option: ['-t', 'VIP:port'], ['-u', 'VIP:port'] or ['-f', 'MARK']. */
  service: [string, string];
  /** The real server as the director reaches it. */
  real: string;
  /**
   * Its forwarding method (-m, -g, -i): `ipvsadm -e` sets every option of the
   * destination, and one left out takes ipvsadm's default, gatewaying
   * (ipvsadm(8), --gatewaying: "the default"), so a weight change alone would
   * turn a NAT real server into a direct-routing one.
   */
  method: '-m' | '-g' | '-i';
  weight: number;
}

const METHOD = { masq: '-m', gate: '-g', ipip: '-i', NAT: '-m', DR: '-g', TUN: '-i' } as const;

/** The play that deploys a host: the first of pair, director, router, real server (site.yml's order says why). */
export function playOf(h: DerivedHost, model: DerivedModel): 'pair' | 'directors' | 'routers' | 'real_servers' {
  if (model.pairs.some((p) => p.nodes.includes(h.name))) return 'pair';
  if (h.roles.director) return 'directors';
  if (h.roles.router) return 'routers';
  return 'real_servers';
}

/** For each real server, every director service that reaches it (none for a director serving itself). */
export function drainsOf(model: DerivedModel): Map<string, Drain[]> {
  const owner = new Map<string, string>();
  for (const h of model.hosts) for (const d of h.devices) if (!owner.has(d.address)) owner.set(d.address, h.name);
  const drains = new Map<string, Drain[]>();
  const add = (host: string | undefined, d: Drain) => {
    if (host === undefined || host === d.director) return;
    drains.set(host, [...(drains.get(host) ?? []), d]);
  };
  for (const dir of model.hosts) {
    for (const v of dir.ldirectord?.virtuals ?? []) {
      for (const r of v.reals) {
        add(owner.get(r.address), { director: dir.name, service: v.protocolLine === 'fwm' ? ['-f', v.virtual] : [v.protocol === 'udp' ? '-u' : '-t', `${v.address}:${v.port}`], real: `${r.address}:${r.port}`, method: METHOD[r.forward], weight: r.weight ?? 1 });
      }
    }
    for (const v of dir.keepalived?.virtualServers ?? []) {
      for (const r of v.realServers) {
        add(owner.get(r.address), { director: dir.name, service: v.fwmark !== undefined ? ['-f', String(v.fwmark)] : [v.protocol === 'UDP' ? '-u' : '-t', `${v.address}:${v.port}`], real: `${r.address}:${r.port}`, method: METHOD[v.lbKind], weight: r.weight });
      }
    }
  }
  return drains;
}

export function renderInventory(model: DerivedModel): string {
  const drains = drainsOf(model);
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const h of model.hosts) {
    const vars: Record<string, unknown> = { ansible_host: h.manageAddress, lvsgen_distro: h.distro };
    const d = drains.get(h.name);
    if (d !== undefined) vars.lvsgen_drain = d;
    // Each node knows its own pair: with several pairs (high capacity), site.yml
    // deploys every pair's standby, one at a time, then every pair's active node.
    const pair = model.pairs.find((p) => p.nodes.includes(h.name));
    if (pair !== undefined) {
      vars.lvsgen_pair_peer = pair.nodes.find((n) => n !== h.name)!;
      vars.lvsgen_pair_preferred = pair.nodes[0] === h.name;
      vars.lvsgen_pair_floating = pair.floating.find((f) => !f.includes(':'))!.split('/')[0]!;
    }
    hosts[h.name] = vars;
  }
  const group = (names: string[]) => ({ hosts: Object.fromEntries(names.map((n) => [n, null])) });
  const names = (f: (h: DerivedHost) => boolean) => model.hosts.filter(f).map((h) => h.name);
  const children: Record<string, unknown> = {
    lvsgen_directors: group(names((h) => h.roles.director)),
    lvsgen_real_servers: group(names((h) => h.roles['real-server'])),
    lvsgen_routers: group(names((h) => h.roles.router)),
    lvsgen_pair: group(model.pairs.flatMap((p) => p.nodes).sort()),
    lvsgen_play_real_servers: group(names((h) => playOf(h, model) === 'real_servers')),
    lvsgen_play_routers: group(names((h) => playOf(h, model) === 'routers')),
    lvsgen_play_directors: group(names((h) => playOf(h, model) === 'directors')),
    // Filled at run time by site.yml's first play (group_by); declared so that
    // an inventory without a pair names them too.
    lvsgen_pair_standby: group([]),
    lvsgen_pair_active: group([]),
  };
  const inventory = { all: { vars: { lvsgen_cluster: model.name }, hosts, children } };
  const header = [
    `# Ansible inventory of the cluster ${model.name}, generated by lvsgen: do not edit;`,
    '# change the topology and run `lvsgen ansible` again. Add your own variables',
    '# (ansible_user, ansible_port, lvsgen_root, ...) in group_vars/ or host_vars/',
    '# beside this file, or in another inventory given with a second -i.',
    '# ansible_host: the host\'s manage_address in the topology, else its first address.',
    '',
  ].join('\n');
  return `${header}${stringify(inventory, { lineWidth: 0, nullStr: '' })}`;
}
