// FTP through NAT: the one place that says which services need IPVS's FTP
// helper (ip_vs_ftp), shared by validation and derivation.
import { splitEndpoint } from './net.js';
import type { VirtualServiceSpec } from './schema.js';

/** ip_vs_ftp.c: `static unsigned short ports[IP_VS_APP_MAX_PORTS]`, IP_VS_APP_MAX_PORTS 8 (include/net/ip_vs.h). */
export const IP_VS_FTP_MAX_PORTS = 8;

/** FTP (port 21 or check service ftp): NAT must rewrite its PORT/PASV replies, which ip_vs_ftp does. */
export function isFtp(vs: VirtualServiceSpec): boolean {
  // A firewall-mark service has no virtual port for ip_vs_ftp to bind to: validation refuses FTP through NAT there.
  if (vs.virtual === undefined) return false;
  return splitEndpoint(vs.virtual).port === 21 || vs.check.service === 'ftp';
}
