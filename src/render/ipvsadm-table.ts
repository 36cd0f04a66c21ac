// The `ipvsadm -L -n` table a director shows once every real server passes its
// check, in ipvsadm's own format (printf strings of ipvsadm.c; see
// shared/reference/ultramonkey-facts.md): services sorted by protocol, address,
// port; destinations by address, then port.
import type { DerivedHost } from '../derive/model.js';
import { addressKey } from '../model/net.js';

const FORWARD = { masq: 'Masq', gate: 'Route', ipip: 'Tunnel' } as const;

export function renderIpvsadmTable(director: DerivedHost, version = '1.0.4'): string {
  const lines = [
    `IP Virtual Server version ${version} (size=4096)`,
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  for (const v of director.ldirectord?.virtuals ?? []) {
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
