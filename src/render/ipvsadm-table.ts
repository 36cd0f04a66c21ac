// The `ipvsadm -L -n` table a director shows once every real server passes its
// check, in ipvsadm's own format (the printf strings of print_service_entry
// and print_title in ipvsadm.c, https://git.kernel.org/pub/scm/utils/kernel/ipvsadm/ipvsadm.git):
// services sorted by protocol, address, port; destinations by address, then port.
import type { DerivedHost } from '../derive/model.js';

const hostPort = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

const FORWARD = { masq: 'Masq', gate: 'Route', ipip: 'Tunnel' } as const;

/**
 * `local`: how ipvsadm shows a real server whose address is the director's
 * own. The kernels of the seeds' distros (2.6) replaced its forwarding method
 * by LOCALNODE, which ipvsadm prints as `Local` (ip_vs_ctl.c,
 * __ip_vs_update_dest: "check if local node and update the flags", when
 * inet_addr_type() of the destination is RTN_LOCAL). Today's kernels keep the
 * method given (`conn_flags = udest->conn_flags & IP_VS_CONN_F_DEST_MASK`,
 * net/netfilter/ipvs/ip_vs_ctl.c, https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git)
 * and find a local destination by its route when they send (ip_vs_xmit.c),
 * so `ipvsadm -L -n` shows `Route` for a direct-routing one: the default
 * here. A distro sets `vars.ipvs_local` (`Local`) where its kernel is a 2.6.
 */
export function renderIpvsadmTable(director: DerivedHost, version = '1.0.4', local?: string): string {
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
      const forward = r.local && local !== undefined ? local : FORWARD[v.forward];
      // "  -> %-28s %-7s %-6d %-10u %-10u"
      lines.push(`  -> ${hostPort(r.address, r.port).padEnd(28)} ${forward.padEnd(7)} ${String(r.weight ?? 1).padEnd(6)} ${'0'.padEnd(10)} ${'0'.padEnd(10)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
