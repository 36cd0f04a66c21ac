#!/bin/bash
# Run a script as root inside a qemu virtual machine booting Debian's own kernel
# (real IPVS and every other module available, autoloaded on demand).
#
# Usage: lab/vm/run.sh GUEST_SCRIPT RESULTS_DIR [TIMEOUT_SECONDS]
#
#   GUEST_SCRIPT     host path of the script to run in the guest. The guest sees
#                    the host root read-only (with a throw-away tmpfs overlay on
#                    top) at the same paths, so the script and everything in the
#                    checkout are at their host paths. Executable: run directly
#                    (its #! must exist on the host), otherwise run with /bin/sh.
#                    No whitespace in the path. It gets the guest results
#                    directory as $1 and in $LVSGEN_RESULTS; LVSGEN_VM=1.
#   RESULTS_DIR      host directory (created if missing) shared read-write with
#                    the guest at /lvsgen-results. After the run it holds:
#                      console.log  serial console (kernel + init messages)
#                      qemu.out     qemu's own stdout and stderr
#                      guest.log    the guest script's stdout and stderr
#                      exit-code    the guest script's exit status
#                      started      written when the script starts (guest uptime)
#                      finished     written when it ends (guest uptime)
#                      timing       host-side timings of this run
#                    plus whatever the guest script wrote there. Existing
#                    files of those names are removed first; other files
#                    are left (a host test may put inputs there).
#   TIMEOUT_SECONDS  wall-clock limit for the whole VM (default 300).
#
# Exit status: the guest script's exit status; 124 if the VM hit the timeout;
# 125 if the VM ended without the guest reporting a status (boot/infrastructure
# failure: see console.log); 2 on usage errors.
#
# Env: LVSGEN_CACHE (kernel + initramfs cache, default <repo>/.cache/vm),
#      LVSGEN_VM_MEM (MiB, default 1024), LVSGEN_VM_CPUS (default 2; make test
#      gives 1: on a loaded machine two wait on each other, docs/lab.md),
#      LVSGEN_VM_CPU (qemu's -cpu model, default max),
#      LVSGEN_VM_QUIET=1 (do not print the tail of the logs on failure),
#      LVSGEN_VM_APPEND (extra kernel command line, e.g. "loglevel=7" to see
#      every kernel message in console.log despite `quiet`).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { echo "usage: $0 GUEST_SCRIPT RESULTS_DIR [TIMEOUT_SECONDS]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
script=$1 results=$2 timeout_s=${3:-300}
case $timeout_s in ''|*[!0-9]*) usage ;; esac
[ -f "$script" ] || { echo "run.sh: no such guest script: $script" >&2; exit 2; }
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")
case $script in *[[:space:]]*) echo "run.sh: guest script path must not contain spaces" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || {
  echo "run.sh: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 2; }

mkdir -p "$results"
results=$(cd "$results" && pwd)
rm -f "$results"/{console.log,qemu.out,guest.log,exit-code,started,finished,timing}
tmp=$(mktemp -d)

log() { echo "run.sh: $*" >&2; }
now() { date +%s.%N; }
t0=$(now)

eval "$("$here/kernel.sh")"
export LVSGEN_KVER LVSGEN_MODDIR
eval "$("$here/initramfs.sh")"
t1=$(now)

qemu_pid=
cleanup() {
  # $qemu_pid is `timeout` (which forwards TERM to qemu), set only while it
  # runs (interrupted: INT, TERM); qemu.pid is qemu itself, signalled only
  # while that pid is still a qemu: once ended, a pid may be another program's.
  local pids="" p q
  if [ -n "$qemu_pid" ]; then
    pids=$qemu_pid
    q=$(cat "$tmp/qemu.pid" 2>/dev/null || true)
    case $(cat "/proc/$q/comm" 2>/dev/null) in qemu*) pids="$pids $q" ;; esac
  fi
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for p in $pids; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || continue 2; sleep 0.2; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

timeout --kill-after=10 "$timeout_s" \
  qemu-system-x86_64 \
    -accel tcg -cpu "${LVSGEN_VM_CPU:-max}" -smp "${LVSGEN_VM_CPUS:-2}" -m "${LVSGEN_VM_MEM:-1024}" \
    -nographic -nodefaults -no-reboot -nic none -pidfile "$tmp/qemu.pid" \
    -monitor none -serial "file:$results/console.log" \
    -kernel "$LVSGEN_VMLINUZ" -initrd "$LVSGEN_INITRAMFS" \
    -append "console=ttyS0 panic=-1 quiet mitigations=off lvsgen.script=$script lvsgen.moddir=$LVSGEN_MODDIR ${LVSGEN_VM_APPEND:-}" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$results,mount_tag=results,security_model=none" \
    </dev/null >"$results/qemu.out" 2>&1 &
qemu_pid=$!
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=
t2=$(now)

boot=""
if [ -f "$results/started" ]; then
  boot=$(awk -v s="$(stat -c %.9Y "$results/started")" -v t="$t1" 'BEGIN { printf "%.1f", s - t }')
fi
rc=125
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
  rc=124
  log "timeout: the VM ran longer than ${timeout_s}s"
elif [ -s "$results/exit-code" ]; then
  rc=$(cat "$results/exit-code")
else
  log "the VM ended (qemu status $qemu_rc) without the guest reporting an exit status"
fi
{
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "prepare_seconds=%.1f\n", b - a }'
  echo "boot_to_script_seconds=${boot:-unknown}"
  awk -v a="$t1" -v b="$t2" 'BEGIN { printf "vm_seconds=%.1f\n", b - a }'
  awk -v a="$t0" -v b="$t2" 'BEGIN { printf "total_seconds=%.1f\n", b - a }'
  echo "qemu_status=$qemu_rc"
  echo "exit_status=$rc"
  cat "$results/started" "$results/finished" 2>/dev/null || true
} >"$results/timing"
log "$(tr '\n' ' ' <"$results/timing")"
if [ "$rc" != 0 ] && [ "${LVSGEN_VM_QUIET:-0}" != 1 ]; then
  for f in qemu.out console.log guest.log; do
    [ -s "$results/$f" ] || continue
    echo "----- last lines of $results/$f" >&2
    tail -n 25 "$results/$f" >&2
  done
fi
exit "$rc"
