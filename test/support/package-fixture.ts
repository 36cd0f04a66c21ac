// The synthetic package every package test builds: a 0600 secret, a 0755
// script, nested directories, a conffile under etc/ and a path long enough
// to need the ustar prefix field. Version 2 changes, adds and drops files so
// upgrades have something to do. Runs nothing on import.

import fs from 'node:fs';
import path from 'node:path';
import { buildDeb } from '../../src/package/deb.js';
import { artifactNames, debVersion } from '../../src/package/naming.js';
import type { PackageIdentity } from '../../src/package/naming.js';
import { buildRpm } from '../../src/package/rpm.js';
import { packTarGz } from '../../src/package/tar.js';
import type { DebSpec, PackageEntry, RpmSpec } from '../../src/package/types.js';

export const NAME = 'lvsgen-pkgtest';
/** SOURCE_DATE_EPOCH of every fixture build. */
export const SDE = 1700000000;
/** Where the maintainer scripts log their name and arguments inside a scratch root. */
export const SCRIPT_LOG = 'var/log/lvsgen-pkgtest-scripts.log';
export const MAINTAINER = 'lvsgen test <lvsgen-test@example.org>';

export type Variant = 1 | 2;

export function identity(variant: Variant): PackageIdentity {
  return { name: NAME, version: variant === 1 ? '1.0.0' : '1.0.1', release: '1' };
}

const SHARE = `usr/share/${NAME}`;
/** 40 + 40 + 40 characters of directories, so the full name exceeds 100 bytes. */
export const LONG_PATH =
  `${SHARE}/${'nested-directory-level-one-abcdefghijkl/'}${'nested-directory-level-two-abcdefghijkl/'}` +
  `${'nested-directory-level-3-abcdefghijklmn/'}file-whose-name-needs-the-ustar-prefix.conf`;
export const SECRET_PATH = `${SHARE}/ha.d/authkeys`;
export const SCRIPT_PATH = `${SHARE}/bin/apply`;
export const CONFFILE_PATH = `etc/${NAME}/hosts.conf`;

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The payload of one version. */
export function sampleEntries(variant: Variant): PackageEntry[] {
  const common: PackageEntry[] = [
    { path: CONFFILE_PATH, mode: 0o644, content: text(`# hosts, version ${variant}\nrealserver 10.0.0.${variant}\n`) },
    { path: SCRIPT_PATH, mode: 0o755, content: text('#!/bin/sh\n# apply the generated configuration\nexit 0\n') },
    { path: SECRET_PATH, mode: 0o600, content: text('auth 1\n1 sha1 not-a-real-secret\n') },
    { path: LONG_PATH, mode: 0o644, content: text('long path\n') },
    { path: `${SHARE}/etc/sysctl.conf`, mode: 0o644, content: text(`net.ipv4.ip_forward = ${variant}\n`) },
  ];
  const onlyInThisVersion: PackageEntry =
    variant === 1
      ? { path: `${SHARE}/only-in-v1.txt`, mode: 0o644, content: text('dropped by version 2\n') }
      : { path: `${SHARE}/only-in-v2.txt`, mode: 0o644, content: text('added by version 2\n') };
  return [...common, onlyInThisVersion];
}

/** A script that only appends '<name> <args>' to SCRIPT_LOG: shell builtins only (busybox sh). */
function loggingScript(name: string): string {
  return `#!/bin/sh\nset -e\necho "${name} $*" >> /${SCRIPT_LOG}\nexit 0\n`;
}

const SUMMARY = 'Synthetic package that exercises the lvsgen writers';
const DESCRIPTION =
  'This package is built by the lvsgen test suite only.\n\n' +
  'It carries a secret, a script, a conffile and a very long path.';

const COPYRIGHT = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: lvsgen

Files: *
Copyright: 2024 lvsgen authors
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software, to deal in the Software without restriction.
`;

export function debSpec(variant: Variant): DebSpec {
  const id = identity(variant);
  return {
    name: NAME,
    version: debVersion(id),
    maintainer: MAINTAINER,
    section: 'admin',
    priority: 'optional',
    summary: SUMMARY,
    description: DESCRIPTION,
    homepage: 'https://example.org/lvsgen',
    copyright: COPYRIGHT,
    changelog: [{ changes: [`Version ${variant} of the test package.`] }],
    scripts: {
      preinst: loggingScript('preinst'),
      postinst: loggingScript('postinst'),
      prerm: loggingScript('prerm'),
      postrm: loggingScript('postrm'),
    },
    entries: sampleEntries(variant),
    mtime: SDE,
  };
}

export function rpmSpec(variant: Variant): RpmSpec {
  const id = identity(variant);
  return {
    name: NAME,
    version: id.version,
    release: id.release,
    summary: SUMMARY,
    description: DESCRIPTION,
    license: 'MIT',
    group: 'System Environment/Base',
    url: 'https://example.org/lvsgen',
    packager: MAINTAINER,
    changelog: [{ author: `${MAINTAINER} - ${id.version}-${id.release}`, text: `- Version ${variant} of the test package.` }],
    scripts: {
      pre: loggingScript('pre'),
      post: loggingScript('post'),
      preun: loggingScript('preun'),
      postun: loggingScript('postun'),
    },
    entries: sampleEntries(variant),
    mtime: SDE,
  };
}

/** Build the three artifacts of one version into outDir; returns their paths. */
export async function buildAll(outDir: string, variant: Variant = 1): Promise<{ deb: string; rpm: string; tar: string }> {
  const names = artifactNames(identity(variant));
  const out = {
    deb: path.join(outDir, names.deb),
    rpm: path.join(outDir, names.rpm),
    tar: path.join(outDir, names.tar),
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(out.deb, buildDeb(debSpec(variant)));
  fs.writeFileSync(out.rpm, buildRpm(rpmSpec(variant)));
  fs.writeFileSync(out.tar, await packTarGz(sampleEntries(variant), { mtime: SDE }));
  return out;
}
