// Reading files and file trees back.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const read = (p: string) => fs.readFileSync(p, 'utf8');

/** What the tests compare about one path of a tree. */
export interface NodeFacts {
  kind: 'dir' | 'file' | 'other';
  mode: string;
  sha256?: string;
}

/** Every path under root (relative, '/'-separated) with its kind, mode and content digest. */
export function snapshotTree(root: string): Map<string, NodeFacts> {
  const out = new Map<string, NodeFacts>();
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const st = fs.lstatSync(path.join(root, relPath));
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isDirectory()) {
        out.set(relPath, { kind: 'dir', mode });
        walk(relPath);
      } else if (st.isFile()) {
        const sha256 = createHash('sha256').update(fs.readFileSync(path.join(root, relPath))).digest('hex');
        out.set(relPath, { kind: 'file', mode, sha256 });
      } else {
        out.set(relPath, { kind: 'other', mode });
      }
    }
  };
  walk('');
  return out;
}

/** An administrator's filter table (iptables-save): INPUT dropped but for loopback and SSH. */
export const ADMIN_FILTER = `*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
`;

/** An administrator's firewalld (RHEL 9, the nftables backend): firewalld.conf with the public zone as the default. */
export const ADMIN_FIREWALLD_CONF = `# firewalld config file
DefaultZone=public
FirewallBackend=nftables
`;

/** An administrator's public zone for firewalld: SSH only (RHEL 9's stock zone adds cockpit and dhcpv6-client). */
export const ADMIN_FIREWALLD_ZONE = `<?xml version="1.0" encoding="utf-8"?>
<zone>
  <short>Public</short>
  <description>The administrator's zone: SSH only.</description>
  <service name="ssh"/>
  <forward/>
</zone>
`;
