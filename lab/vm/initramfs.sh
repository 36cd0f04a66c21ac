#!/bin/bash
# Build (or reuse) the tiny busybox initramfs of the e2e virtual machine.
#
# Usage: test/e2e/vm/initramfs.sh
#
# Uses the kernel from kernel.sh (or LVSGEN_KVER + LVSGEN_MODDIR when both are
# already set, as run.sh does). The image holds a static busybox, the kernel
# modules needed to reach the host (virtio_pci, 9pnet_virtio, 9p, overlay and
# their dependencies) and an /init that, in the guest:
#   1. loads those modules, mounts the host root read-only over 9p (tag
#      "hostroot") and puts a tmpfs overlay on top of it at /newroot;
#   2. bind-mounts the depmod'ed modules of the downloaded kernel
#      (lvsgen.moddir=, a host path) onto /lib/modules/<kver>, so /sbin/modprobe
#      of the host's kmod autoloads modules in the guest;
#   3. mounts the read-write 9p share "results" at /lvsgen-results, moves
#      /proc /sys /dev into the new root, mounts a fresh tmpfs on /run (/tmp
#      is the host /tmp, writable through the overlay);
#   4. switch_root's into the overlay (not chroot) and, as PID 1 there, runs the
#      guest script given as lvsgen.script= on the kernel command line, writes
#      its exit status to /lvsgen-results/exit-code and powers the machine off.
# Kernel command line keys read by /init: lvsgen.script=PATH lvsgen.moddir=PATH
# (host paths without spaces; the host root is visible at the same paths).
#
# Output on stdout: LVSGEN_INITRAMFS=<absolute path of the .cpio.gz>.
# The image is cached as $LVSGEN_CACHE/initramfs-<kver>-<hash>.cpio.gz; the hash
# covers this script, the module list and busybox, so edits rebuild it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${LVSGEN_CACHE:-$repo/.cache/vm}
log() { echo "initramfs.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [ -z "${LVSGEN_KVER:-}" ] || [ -z "${LVSGEN_MODDIR:-}" ]; then
  eval "$("$here/kernel.sh")"
fi
kver=$LVSGEN_KVER
moddir=$LVSGEN_MODDIR
[ -f "$moddir/modules.dep" ] || die "$moddir is not a depmod'ed modules directory"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found (apt-get install busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked' &&
  die "$busybox is dynamically linked; install busybox-static"

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# Modules loaded by /init, in dependency order (as modprobe would insert them).
wanted="virtio_pci 9pnet_virtio 9p overlay"
root=${moddir%/lib/modules/*}
mods=$(for m in $wanted; do
         modprobe -d "$root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
       done | awk '!seen[$0]++')
[ -n "$mods" ] || die "could not resolve modules $wanted in $moddir"

hash=$( { cat "${BASH_SOURCE[0]}"; echo "$kver"; echo "$mods"; sha256sum "$busybox"; } |
        sha256sum | cut -c1-12)
out="$cache/initramfs-$kver-$hash.cpio.gz"
if [ -s "$out" ]; then
  echo "LVSGEN_INITRAMFS=$out"
  exit 0
fi

log "building $out"
tmp=$(mktemp -d "$cache/.initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,mods,lower,rw,newroot}
cp "$busybox" "$tmp/bin/busybox"
ln -s busybox "$tmp/bin/sh"
: >"$tmp/mods/order"
for m in $mods; do
  cp "$m" "$tmp/mods/"
  basename "$m" >>"$tmp/mods/order"
done
echo "$kver" >"$tmp/kver"

# ---- stage 1: runs from the initramfs as PID 1 ----------------------------
cat >"$tmp/init" <<'EOF'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
fail() {
  echo "lvsgen-init: FATAL: $*" >/dev/console
  echo o >/proc/sysrq-trigger
  sleep 10
  poweroff -f
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /mods/order); do insmod "/mods/$m" || fail "insmod $m"; done

script= moddir=
for arg in $(cat /proc/cmdline); do
  case $arg in
    lvsgen.script=*) script=${arg#lvsgen.script=} ;;
    lvsgen.moddir=*) moddir=${arg#lvsgen.moddir=} ;;
  esac
done
[ -n "$script" ] || fail "no lvsgen.script= on the kernel command line"

# 9p devices show up asynchronously after virtio_pci probes.
i=0
until mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /lower 2>/dev/null; do
  i=$((i + 1)); [ $i -lt 100 ] || fail "cannot mount 9p share hostroot"; sleep 0.1
done
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
  fail "cannot mount the overlay"

mkdir -p /newroot/lvsgen-results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none results /newroot/lvsgen-results ||
  fail "cannot mount 9p share results"

kver=$(cat /kver)
if [ -n "$moddir" ]; then
  [ -f "/newroot$moddir/modules.dep" ] || fail "no modules.dep in $moddir"
  mkdir -p "/newroot/lib/modules/$kver"
  mount --bind "/newroot$moddir" "/newroot/lib/modules/$kver" || fail "cannot bind $moddir"
fi

mount -t tmpfs -o mode=0755 tmpfs /newroot/run
mkdir -p /newroot/run/lvsgen
cp /stage2 /bin/busybox /newroot/run/lvsgen/
for d in proc sys dev; do mount --move "/$d" "/newroot/$d"; done
exec switch_root /newroot /run/lvsgen/busybox sh /run/lvsgen/stage2 "$script"
fail "switch_root failed"
EOF

# ---- stage 2: PID 1 inside the overlay root ---------------------------------
cat >"$tmp/stage2" <<'EOF'
# Run by /run/lvsgen/busybox sh as PID 1 after switch_root. $1: guest script.
bb=/run/lvsgen/busybox
script=$1
res=/lvsgen-results
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb LVSGEN_VM=1 LVSGEN_RESULTS=$res
umask 022
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
$bb hostname lvsgen-vm
$bb ip link set lo up
echo /sbin/modprobe >/proc/sys/kernel/modprobe
up=$($bb cut -d' ' -f1 /proc/uptime)
echo "guest_uptime_at_script_start=$up" >"$res/started"
echo "lvsgen-vm: uptime ${up}s, running $script" >/dev/console
cd /
if [ -x "$script" ]; then
  "$script" "$res" >"$res/guest.log" 2>&1 </dev/null
else
  /bin/sh "$script" "$res" >"$res/guest.log" 2>&1 </dev/null
fi
rc=$?
up=$($bb cut -d' ' -f1 /proc/uptime)
echo "guest_uptime_at_script_end=$up" >"$res/finished"
echo "$rc" >"$res/exit-code"
echo "lvsgen-vm: uptime ${up}s, $script exited $rc; powering off" >/dev/console
$bb sync
$bb umount "$res" 2>/dev/null
$bb poweroff -f
echo o >/proc/sysrq-trigger
EOF
chmod 755 "$tmp/init"

(cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9n >"$out.tmp$$"
mv "$out.tmp$$" "$out"
log "built $out ($(du -k "$out" | cut -f1) KiB)"
echo "LVSGEN_INITRAMFS=$out"
