// The `ipvsadm -L -n` table a director shows once every real server passes its
// check, in ipvsadm's own format (the printf strings of print_service_entry
// and print_title in ipvsadm.c, https://git.kernel.org/pub/scm/utils/kernel/ipvsadm/ipvsadm.git):
// services sorted by protocol, address, port; destinations by address, then port.
import type { DerivedHost } from '../derive/model.js';
import { addressKey } from '../model/net.js';

const FORWARD = { masq: 'Masq', gate: 'Route', ipip: 'Tunnel' } as const;
const LB_KIND = { NAT: 'masq', DR: 'gate', TUN: 'ipip' } as const;

/** The director's services, whichever backend (ldirectord, keepalived) puts them in the kernel: the table is the same. */
function servicesOf(director: DerivedHost) {
  if (director.ldirectord) return director.ldirectord.virtuals;
  return (director.keepalived?.virtualServers ?? []).map((v) => ({
    protocol: v.protocol.toLowerCase(),
    address: v.address,
    port: v.port,
    scheduler: v.lbAlgo,
    persistent: v.persistenceTimeout,
    netmask: v.persistenceGranularity,
    reals: v.realServers.map((r) => ({ address: r.address, port: r.port, forward: LB_KIND[v.lbKind], weight: r.weight, local: r.local })),
  }));
}

export function renderIpvsadmTable(director: DerivedHost, version = '1.0.4'): string {
  const lines = [
    `IP Virtual Server version ${version} (size=4096)`,
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  for (const v of servicesOf(director)) {
    let line = `${v.protocol.toUpperCase()}  ${v.address}:${v.port} ${v.scheduler}`;
    if (v.persistent !== undefined) {
      line += ` persistent ${v.persistent}`;
      if (v.netmask !== undefined && v.netmask !== '255.255.255.255') line += ` mask ${v.netmask}`;
    }
    lines.push(line);
    const reals = [...v.reals].sort((a, b) => addressKey(a.address) - addressKey(b.address) || a.port - b.port);
    for (const r of reals) {
      const forward = r.local ? 'Local' : FORWARD[r.forward];
      // "  -> %-28s %-7s %-6d %-10u %-10u"
      lines.push(`  -> ${`${r.address}:${r.port}`.padEnd(28)} ${forward.padEnd(7)} ${String(r.weight ?? 1).padEnd(6)} ${'0'.padEnd(10)} ${'0'.padEnd(10)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
