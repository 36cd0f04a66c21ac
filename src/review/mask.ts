// Secrets in a diff are masked, not hidden: a file that holds one is shown
// with every secret value replaced by ********. install.sh --check masks the
// same directives (distros/_shared/install.sh, mask_secrets; the two are
// compared by test/consumers/installer-secrets.test.ts).
//
// The values lvsgen knows (the model's secrets) are replaced wherever they
// appear. That is not enough for the other side of a diff: a file on disk may
// hold an older key lvsgen never saw. So the directives that carry a secret
// in each format are masked too, whatever their value:
// - heartbeat's authkeys: `num method secret` lines (authkeys(5),
//   https://manpages.debian.org/bullseye/heartbeat/authkeys.5.en.html),
// - keepalived.conf: `auth_pass` in a vrrp_instance's authentication block
//   (keepalived.conf(5)), https://github.com/acassen/keepalived/blob/master/doc/man/man5/keepalived.conf.5.in
// - ldirectord.cf: `passwd=` of a virtual service (ldirectord(8)),
//   https://github.com/ClusterLabs/resource-agents/blob/main/ldirectord/ldirectord.in
import { MASK, maskSecrets } from '../bundle/tree.js';

export { MASK };

interface SecretDirective {
  /** The file's base name. */
  file: string;
  /** Group 1 is kept, group 2 is the secret. */
  line: RegExp;
}

const DIRECTIVES: readonly SecretDirective[] = [
  { file: 'authkeys', line: /^(\s*\d+\s+\S+\s+)(\S.*?)\s*$/ },
  { file: 'keepalived.conf', line: /^(\s*auth_pass\s+)(\S.*?)\s*$/ },
  { file: 'ldirectord.cf', line: /^(\s*passwd\s*=\s*)(\S.*?)\s*$/ },
];

/** `text` of the file at `path` with every secret value replaced by ********. */
export function maskFile(path: string, text: string, secrets: readonly string[]): string {
  let out = maskSecrets(text, secrets);
  const base = path.slice(path.lastIndexOf('/') + 1);
  const rules = DIRECTIVES.filter((d) => d.file === base);
  if (rules.length === 0) return out;
  out = out
    .split('\n')
    .map((l) => {
      for (const r of rules) {
        const m = r.line.exec(l);
        if (m) return `${m[1]}${MASK}`;
      }
      return l;
    })
    .join('\n');
  return out;
}
