#!/bin/bash
# Fetch and unpack Debian's current amd64 kernel for the e2e virtual machine.
#
# Usage: test/e2e/vm/kernel.sh
#
# Resolves the kernel package through `linux-image-amd64` (apt-cache depends),
# downloads it with `apt-get download`, unpacks it with `dpkg-deb -x` and runs
# `depmod -b` on its modules. Everything lands under
#   $LVSGEN_CACHE/kernel/<package>_<version>/   (default cache: <repo>/.cache/vm)
# and is reused on later runs (idempotent; concurrent runs serialise on a lock).
#
# Prints three shell assignments on stdout (progress goes to stderr):
#   LVSGEN_KVER=<uname -r of the kernel>
#   LVSGEN_VMLINUZ=<absolute path of the kernel image>
#   LVSGEN_MODDIR=<absolute path of lib/modules/<kver>, depmod'ed>
# Exit status: 0 on success, 1 on any failure.
#
# Env: LVSGEN_CACHE (cache directory), LVSGEN_KERNEL_PKG (override the package
# name, e.g. linux-image-6.1.0-56-amd64; default: what linux-image-amd64 depends on).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${LVSGEN_CACHE:-$repo/.cache/vm}
log() { echo "kernel.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$cache/kernel"
cache=$(cd "$cache" && pwd)
exec 9>"$cache/kernel/.lock"
flock 9

# Print the assignments for an unpacked tree $1 (returns 1 if incomplete).
emit() {
  local dir=$1 kver vmlinuz
  [ -f "$dir/.complete" ] || return 1
  kver=$(cat "$dir/.kver")
  vmlinuz="$dir/root/boot/vmlinuz-$kver"
  [ -f "$vmlinuz" ] && [ -f "$dir/root/lib/modules/$kver/modules.dep" ] || return 1
  printf 'LVSGEN_KVER=%s\nLVSGEN_VMLINUZ=%s\nLVSGEN_MODDIR=%s\n' \
    "$kver" "$vmlinuz" "$dir/root/lib/modules/$kver"
}

# 1. Resolve the package and its candidate version.
pkg=${LVSGEN_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }') || true
fi
ver=""
if [ -n "$pkg" ]; then
  ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }') || true
  [ "$ver" = "(none)" ] && ver=""
fi
if [ -z "$pkg" ] || [ -z "$ver" ]; then
  # No usable apt metadata (offline, or lists not downloaded): reuse the newest cached kernel.
  for d in "$cache"/kernel/*/; do   # any complete tree (normally there is one)
    if emit "${d%/}"; then log "apt could not resolve linux-image-amd64; reusing ${d%/}"; exit 0; fi
  done
  die "cannot resolve linux-image-amd64 (run apt-get update?) and nothing cached in $cache/kernel"
fi

dir="$cache/kernel/${pkg}_${ver//:/%3a}"
if emit "$dir"; then exit 0; fi

# 2. Download and unpack.
log "fetching $pkg $ver into $dir"
rm -rf "$dir"
mkdir -p "$dir/deb"
(
  cd "$dir/deb"
  # The _apt sandbox user may not be able to write into the cache: download as root.
  if ! apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver" >&2; then
    log "download failed; refreshing apt lists once and retrying"
    apt-get -q -o DPkg::Lock::Timeout=600 update >&2
    apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver" >&2
  fi
)
deb=$(ls -1 "$dir"/deb/*.deb | head -n1)
[ -f "$deb" ] || die "no .deb downloaded"
dpkg-deb -x "$deb" "$dir/root"

kver=$(ls -1 "$dir/root/lib/modules" | head -n1)
[ -n "$kver" ] || die "no lib/modules/<kver> in $deb"
[ -f "$dir/root/boot/vmlinuz-$kver" ] || die "no boot/vmlinuz-$kver in $deb"

# 3. depmod the unpacked modules (modules.dep, aliases for autoloading).
depmod -b "$dir/root" "$kver"
echo "$kver" >"$dir/.kver"
rm -f "$dir"/deb/*.deb   # the unpacked tree is all we need (saves ~100 MB)
touch "$dir/.complete"
log "ready: $kver"
emit "$dir"
