// The maintainer scripts of a host package: Handlebars templates in
// distros/_shared/templates/ (deb-*.sh.hbs, rpm-*.sh.hbs), rendered from an
// already derived context. They only call the bundle's own installer (the same
// one the tarball carries), which also puts back the originals of files an
// earlier version managed; they never evaluate model text.
// Argument conventions: deb-postinst(5) and friends; rpm's $1 counts the
// instances left afterwards: %pre/%post get 1 on install and >= 2 on upgrade,
// %preun/%postun 1 on upgrade and 0 on erase (Fedora's Packaging Guidelines,
// "Scriptlets", https://docs.fedoraproject.org/en-US/packaging-guidelines/Scriptlets/).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DISTROS_DIR } from '../render/distros.js';
import { compileTemplate } from '../render/templates.js';
import type { Template } from '../render/templates.js';
import type { DebScripts, RpmScripts } from './types.js';

/** What the script templates are fed. Every path is absolute and validated. */
export interface ScriptContext {
  /** One comment line saying who generated the script. */
  generated: string;
  package: string;
  host: string;
  /** The bundle's installer as installed: /usr/share/<package>/.lvsgen/install.sh */
  installer: string;
  /** install.sh's state folder, per machine: /var/lib/lvsgen. */
  state: string;
  /** install.sh's backups: <state>/backup. */
  backup: string;
  /** Host paths this version installs ('/etc/sysctl.conf' ...), sorted. */
  files: string[];
}

const DEB: Record<keyof Required<DebScripts>, string | undefined> = {
  preinst: undefined,
  postinst: 'deb-postinst.sh.hbs',
  prerm: 'deb-prerm.sh.hbs',
  postrm: 'deb-postrm.sh.hbs',
};
const RPM: Record<keyof Required<RpmScripts>, string | undefined> = {
  pretrans: undefined,
  pre: undefined,
  post: 'rpm-post.sh.hbs',
  preun: 'rpm-preun.sh.hbs',
  postun: 'rpm-postun.sh.hbs',
  posttrans: undefined,
};

let cache: Map<string, Template> | undefined;

/**
 * The compiled templates, read once from the bundled distros/_shared/templates
 * (not from LVSGEN_DISTROS: packaging is the same for every distro).
 */
function templates(): Map<string, Template> {
  if (cache !== undefined) return cache;
  const dir = join(DISTROS_DIR, '_shared', 'templates');
  const names = [...Object.values(DEB), ...Object.values(RPM)].filter((n): n is string => n !== undefined);
  cache = new Map(names.map((n) => [n, compileTemplate(readFileSync(join(dir, n), 'utf8'), join(dir, n))]));
  return cache;
}

/** LF only and exactly one final newline, like every rendered file. */
function normalize(text: string): string {
  return `${text.replace(/\r\n?/g, '\n').replace(/\n+$/, '')}\n`;
}

function render<K extends string>(table: Record<K, string | undefined>, ctx: ScriptContext): Partial<Record<K, string>> {
  const t = templates();
  const out: Partial<Record<K, string>> = {};
  for (const [key, name] of Object.entries(table) as [K, string | undefined][]) {
    if (name !== undefined) out[key] = normalize(t.get(name)!(ctx));
  }
  return out;
}

/** postinst, prerm and postrm of the .deb. */
export function debScripts(ctx: ScriptContext): DebScripts {
  return render(DEB, ctx);
}

/** %post, %preun and %postun of the .rpm. */
export function rpmScripts(ctx: ScriptContext): RpmScripts {
  return render(RPM, ctx);
}
