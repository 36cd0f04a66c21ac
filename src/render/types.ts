// What rendering produces: per host, a set of files keyed by their path in the
// bundle tree (host files under their host path without the leading slash,
// lvsgen's own under .lvsgen/).

export interface BundleFile {
  /** Path inside the host's bundle, e.g. `etc/sysctl.conf` or `.lvsgen/install.sh`. */
  path: string;
  content: string;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  /** Holds a secret: mode 0600, never shown in diffs or logs. */
  secret: boolean;
}

export interface HostBundle {
  host: string;
  distro: string;
  /** Sorted by path. */
  files: BundleFile[];
}

export const META_DIR = '.lvsgen';
export const INSTALLER = `${META_DIR}/install.sh`;
export const MANIFEST = `${META_DIR}/manifest`;
/** The host's plan, read by the installer (see plan.ts). */
export const PLAN = `${META_DIR}/plan`;
