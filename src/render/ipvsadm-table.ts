// The `ipvsadm -L -n` table a director shows once every real server passes its
// check, in ipvsadm's own format (the printf strings of print_service_entry
// and print_title in ipvsadm.c, https://git.kernel.org/pub/scm/utils/kernel/ipvsadm/ipvsadm.git):
// services sorted by protocol, address, port; destinations by address, then port.
import type { DerivedHost } from '../derive/model.js';

const hostPort = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

const FORWARD = { masq: 'Masq', gate: 'Route', ipip: 'Tunnel' } as const;

export function renderIpvsadmTable(director: DerivedHost, version = '1.0.4'): string {
  const lines = [
    `IP Virtual Server version ${version} (size=4096)`,
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  // The director's services, whichever backend (ldirectord, keepalived) puts them in the kernel: the table is the same.
  for (const v of director.director?.services ?? []) {
    // print_service_entry: "FWM  %d" for a firewall-mark service, "%s  %s" of protocol and address:port otherwise.
    // An IPv6 address in brackets: addrport_to_anyname's "[%s]:%u".
    let line = `${v.fwmark !== undefined ? `FWM  ${v.fwmark}` : `${v.protocol.toUpperCase()}  ${hostPort(v.address, v.port)}`} ${v.scheduler}`;
    if (v.persistent !== undefined) {
      line += ` persistent ${v.persistent}`;
      if (v.netmask !== undefined && v.netmask !== '255.255.255.255') line += ` mask ${v.netmask}`;
    }
    lines.push(line);
    for (const r of v.reals) {
      const forward = r.local ? 'Local' : FORWARD[v.forward];
      // "  -> %-28s %-7s %-6d %-10u %-10u"
      lines.push(`  -> ${hostPort(r.address, r.port).padEnd(28)} ${forward.padEnd(7)} ${String(r.weight ?? 1).padEnd(6)} ${'0'.padEnd(10)} ${'0'.padEnd(10)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
