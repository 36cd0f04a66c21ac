// Package names, versions and artifact file names for Debian and RPM.
// Each validator returns every problem as 'field: message'; empty when valid.

// Debian Policy 5.6.1: lowercase alphanumerics and + - ., at least two
// characters, starting with an alphanumeric.
const DEB_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
// Debian Policy 5.6.12: upstream_version[-debian_revision]; upstream starts with a digit.
const DEB_UPSTREAM = /^[0-9][A-Za-z0-9.+~-]*$/;
const DEB_REVISION = /^[A-Za-z0-9.+~]+$/;
// rpm: '-' separates name, version and release in NEVRA, so version and
// release must not contain it; whitespace and most punctuation break the spec syntax.
const RPM_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const RPM_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+~^]*$/;

/** Problems with a Debian binary package name. */
export function validateDebName(name: string, field = 'name'): string[] {
  if (DEB_NAME.test(name)) return [];
  return [`${field}: '${name}' is not a Debian package name (lowercase a-z, 0-9, '+', '-', '.', at least 2 characters, starting with a letter or digit)`];
}

/**
 * Problems with a Debian version. Epochs are refused: dpkg-deb leaves them out
 * of the file name, so two builds could collide on one artifact name.
 */
export function validateDebVersion(version: string, field = 'version'): string[] {
  if (version.includes(':')) return [`${field}: '${version}' has an epoch, which lvsgen does not support`];
  const dash = version.lastIndexOf('-');
  const upstream = dash === -1 ? version : version.slice(0, dash);
  const revision = dash === -1 ? undefined : version.slice(dash + 1);
  const problems: string[] = [];
  if (!DEB_UPSTREAM.test(upstream)) {
    problems.push(`${field}: upstream part '${upstream}' must start with a digit and use only A-Z a-z 0-9 . + ~ -`);
  }
  if (revision !== undefined && !DEB_REVISION.test(revision)) {
    problems.push(`${field}: Debian revision '${revision}' must be non-empty and use only A-Z a-z 0-9 . + ~`);
  }
  return problems;
}

/** Problems with an rpm package name. */
export function validateRpmName(name: string, field = 'name'): string[] {
  if (RPM_NAME.test(name)) return [];
  return [`${field}: '${name}' is not an rpm package name (A-Z a-z 0-9 . _ + -, starting with a letter or digit)`];
}

/** Problems with an rpm version or release (no '-', which separates them). */
export function validateRpmVersion(version: string, field = 'version'): string[] {
  if (RPM_VERSION.test(version)) return [];
  return [`${field}: '${version}' must start with a letter or digit and use only A-Z a-z 0-9 . _ + ~ ^ (no '-')`];
}

/** Name, version and release that work for the .deb, the .rpm and the tarball at once. */
export interface PackageIdentity {
  name: string;
  /** Upstream version, e.g. '1.2.0'. */
  version: string;
  /** Release / Debian revision, e.g. '1'. */
  release: string;
}

/** Every problem with an identity used for all three artifacts. */
export function validateIdentity(id: PackageIdentity): string[] {
  return [
    ...validateDebName(id.name),
    ...validateRpmName(id.name),
    ...validateDebVersion(debVersion(id), 'version/release'),
    ...validateRpmVersion(id.version, 'version'),
    ...validateRpmVersion(id.release, 'release'),
  ].filter((p, i, all) => all.indexOf(p) === i);
}

/** Debian version of an identity: non-native 'version-release'. */
export function debVersion(id: PackageIdentity): string {
  return `${id.version}-${id.release}`;
}

/** dpkg-deb's default name: <name>_<version>_<arch>.deb */
export function debFileName(name: string, version: string): string {
  return `${name}_${version}_all.deb`;
}

/** rpmbuild's default name: <name>-<version>-<release>.<arch>.rpm */
export function rpmFileName(name: string, version: string, release: string): string {
  return `${name}-${version}-${release}.noarch.rpm`;
}

/** The tarball: <name>-<version>.tar.gz */
export function tarFileName(name: string, version: string): string {
  return `${name}-${version}.tar.gz`;
}

/** All three artifact names of one identity. */
export function artifactNames(id: PackageIdentity): { deb: string; rpm: string; tar: string } {
  return {
    deb: debFileName(id.name, debVersion(id)),
    rpm: rpmFileName(id.name, id.version, id.release),
    tar: tarFileName(id.name, id.version),
  };
}
