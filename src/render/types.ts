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

/** A command the installer runs, as distro.yaml's `actions` give it. */
export interface ActionCommand {
  /** A leading `-` in distro.yaml: a failure is only a warning. */
  tolerant: boolean;
  words: string;
}

/**
 * What the installer runs when one of the files `triggers` (host paths, e.g.
 * `/etc/sysctl.conf`) changed: distro.yaml's `then` of each file rule, and the
 * action's commands for this host. In the distro's order.
 */
export interface HostAction {
  name: string;
  /** Asked for on a terminal (restarting networking can cut the connection). */
  confirm: boolean;
  triggers: string[];
  commands: ActionCommand[];
}

export interface HostBundle {
  host: string;
  distro: string;
  /** Sorted by path. */
  files: BundleFile[];
  /** What the installer runs for changed files, in order (the same data install.sh is written from). */
  actions: HostAction[];
}

export const META_DIR = '.lvsgen';
export const INSTALLER = `${META_DIR}/install.sh`;
export const MANIFEST = `${META_DIR}/manifest`;
