#!/bin/bash
# The lab inside the VM (lvsgen lab --vm): runs INSIDE the VM that run.sh
# boots (Debian's kernel: real IPVS, modules autoloaded), as PID 1's child.
#
#   lab/vm/run.sh lab/vm/guest.sh RESULTS_DIR TIMEOUT
#
# RESULTS_DIR (shared read-write with the host, /lvsgen-results here) holds
# lab-dir: the path of the lab's directory (plan, bundles, predictions) as the
# host wrote it, visible here at the same path through the read-only host root.
# lab.sh runs on it with nothing stood in (LAB_TIER=vm): its results go to
# RESULTS_DIR/results (the host reads them as they come), its logs to
# RESULTS_DIR/out, the hosts' roots to a tmpfs of the guest.
set -uo pipefail
if [ "${LVSGEN_VM:-}" != 1 ]; then
  echo "guest.sh: refusing to run outside the lvsgen VM (use lab/vm/run.sh)" >&2
  exit 2
fi
RES=${1:-${LVSGEN_RESULTS:-}}
[ -n "$RES" ] && [ -s "$RES/lab-dir" ] || { echo "guest.sh: no $RES/lab-dir" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd -P)
export LAB_TIER=vm LAB_PREFIX=vm LAB_OUT=$RES/out
# Under emulation (TCG) a process start costs 0.1-0.2 s on an idle machine,
# several times that when the machine is loaded, and the lab's waits are
# bounded: they scale with LAB_SLOW, measured here (ten starts of /bin/true,
# 35 ms each counting as 1; never under 3), so a starved VM waits longer.
t=$EPOCHREALTIME
for _ in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done
ms=$(( (${EPOCHREALTIME/./} - ${t/./}) / 10000 ))
slow=$(( (ms + 34) / 35 ))
[ "$slow" -ge 3 ] || slow=3
export LAB_INSTALL_TIMEOUT=$((300 * slow)) LAB_SLOW=$slow
printf 'PROGRESS\tthe VM starts a process in %s ms: the lab waits up to %s times as long as on a machine of its own\n' "$ms" "$slow" >"$RES/results"
LAB_WORK=$(mktemp -d /run/lvsgen-lab.XXXXXX) || exit 2
export LAB_WORK
bash "$HERE/lab.sh" "$(cat "$RES/lab-dir")" >>"$RES/results"
