#!/bin/bash
# Guest script of tier 2 (runs INSIDE the VM started by run.sh): the lb-nat
# cluster of seed 000_1fafbd577229bfe8 with the real IPVS of Debian's kernel,
# the real ipvsadm and the real ldirectord reading the generated ldirectord.cf.
#
#   lab/vm/run.sh test/e2e/vm/tier2-guest.sh RESULTS_DIR [TIMEOUT]
#
# Inputs, put into RESULTS_DIR by the host test (tier2-vm.test.ts) before boot:
#   plan                   lines "EXAMPLE DISTRO" (lb-nat only), run in order
#   bundles-EXAMPLE-DISTRO `lvsgen render EXAMPLE --distro DISTRO` output
#   wiring-EXAMPLE-DISTRO  the wiring file (lib/cluster.sh)
#   prediction-EXAMPLE     `lvsgen ipvsadm EXAMPLE`
# For each plan line the cluster is built as in tier 1 (namespaces, a private
# root per host, every bundle installed by its own install.sh --yes) but with
# nothing stood in: sysctl, modprobe, ipvsadm and the kernel's IPVS are real.
# Checks (one line each in RESULTS_DIR/tier2.result, lib/checks.sh format):
#   - every installer succeeds; `install.sh --verify` on each host (lsmod shows
#     ip_vs_ftp, ipvsadm shows the services, the gateway, the rule);
#   - ldirectord runs; `ipvsadm -L -n` equals the seed's table (version line
#     and connection counters aside) and lvsgen's prediction;
#   - HTTP requests from the client to 10.1.3.61:80 alternate between the real
#     servers, and the check page comes through the virtual service;
#   - the director masquerades: replies come from 10.1.3.61; the connection
#     table shows client -> 10.1.3.61:80 -> real server;
#   - stopping real1's web server sets it to weight 0 (quiescent=yes) within a
#     few check intervals, and every request is then answered by real2;
#     starting it again restores weight 1;
#   - stopping ldirectord empties the table.
# Exit 0 if every check passed, 1 otherwise, 2 if not in the VM or no inputs.
set -uo pipefail
if [ "${LVSGEN_VM:-}" != 1 ]; then
  echo "tier2-guest.sh: refusing to run outside the lvsgen VM (use lab/vm/run.sh)" >&2
  exit 2
fi
RES=${1:-${LVSGEN_RESULTS:-}}
[ -n "$RES" ] && [ -s "$RES/plan" ] || { echo "tier2-guest.sh: no $RES/plan" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd -P)
E2E_RESULT=$RES/tier2.result
: >"$E2E_RESULT"
E2E_TIER=vm
E2E_INSTALL_TIMEOUT=300   # TCG: a process start costs 0.1-0.2 s
# shellcheck source=lib/cluster.sh
. "$HERE/lib/cluster.sh"
# shellcheck source=lib/checks.sh
. "$HERE/lib/checks.sh"
# shellcheck source=lib/hosts.sh
. "$HERE/lib/hosts.sh"
info "kernel $(uname -r); $(ipvsadm --version 2>&1 | head -1)"

T_START=$SECONDS
declare -A WEB_PID=()

# The page each real server answers with its own name (to see the scheduling).
whoami_page() { on "$1" sh -c "echo $1 >$(docroot_of "${E2E_DISTRO[$1]}")/whoami.html"; }
table() { on director ipvsadm -L -n 2>&1; }
# The table without its version line, counters set to 0 (they count traffic).
table_norm() { table | table_body | sed -E 's/^(-> [0-9.:]+ [A-Za-z]+ [0-9]+) [0-9]+ [0-9]+$/\1 0 0/'; }
table_is() { [ "$(table_norm)" = "$1" ]; }
ask() { client "${CURL[@]}" "http://10.1.3.61/$1" 2>&1; }

run_lbnat() { # run_lbnat DISTRO
  local DISTRO=$1 D=director R1=real1 R2=real2 tag="[lb-nat $1]"
  E2E_TAG=$tag
  local h t
  OUT=$RES/out-lb-nat-$DISTRO
  mkdir -p "$OUT"
  E2E_PREFIX=vm$$${DISTRO:0:2}
  E2E_WORK=$(mktemp -d /run/lvsgen-e2e.XXXXXX)
  E2E_KEEPER=() E2E_DISTRO=() E2E_ROOT=() E2E_HOSTS=() E2E_NS=() E2E_LANS=() E2E_BG=()
  t=$SECONDS
  if ! cluster_up "$RES/wiring-lb-nat-$DISTRO" "$RES/bundles-lb-nat-$DISTRO"; then
    fail "$tag namespaces and host roots" "cluster_up failed"
    cluster_down; rm -rf "$E2E_WORK"; return
  fi
  pass "$tag namespaces and host roots ($((SECONDS - t)) s)"
  make_test_cert
  for h in $R1 $R2; do
    install_host "$h"
    start_real_server "$h"
    WEB_PID[$h]=${E2E_BG[-3]}   # busybox httpd (start_real_server: httpd, https, ftp)
    whoami_page "$h"
  done
  trust_test_cert $D
  install_host $D

  # ldirectord: from the installer, or (Debian's init script reads
  # /etc/ldirectord.cf) started with the generated file named explicitly.
  local by_installer=1
  if ldirectord_runs $D; then
    pass "$tag ldirectord runs after install.sh"
  else
    by_installer=0
    fail "$tag ldirectord runs after install.sh" "$(grep -A2 'ldirectord start' "$OUT/$D.install" | tr '\n' ' ')"
    info "$tag starting ldirectord with the generated file explicitly"
    on $D timeout 120 /usr/sbin/ldirectord /etc/ha.d/ldirectord.cf start >"$OUT/ldirectord.start" 2>&1
  fi

  t=$SECONDS
  if wait_for 120 table_is "$SEED_TABLE"; then pass "$tag ipvsadm -L -n equals the seed's table (after $((SECONDS - t)) s)"
  else fail "$tag ipvsadm -L -n equals the seed's table" "$(table)"; fi
  table >"$OUT/ipvsadm.table"
  if table | head -1 | grep -qE "$VERSION_RE"; then pass "$tag ipvsadm -L -n header: $(table | head -1)"
  else fail "$tag ipvsadm -L -n header" "$(table | head -1)"; fi
  local predicted; predicted=$(table_body <"$RES/prediction-lb-nat")
  if [ "$(table_norm)" = "$predicted" ]; then pass "$tag ipvsadm -L -n equals lvsgen ipvsadm's prediction"
  else fail "$tag ipvsadm -L -n equals lvsgen ipvsadm's prediction" "$(table)"; fi
  check "$tag ip_vs_ftp loaded (lsmod)" sh -c "lsmod | grep -q '^ip_vs_ftp '"
  # The persistent FTP service's IPVS keys (issue 14, defect 7), set by the installer once ip_vs is loaded.
  check "$tag IPVS keys set: expire_nodest_conn and expire_quiescent_template are 1 in the director's namespace" on "$D" sh -c 'v=$(cat /proc/sys/net/ipv4/vs/expire_nodest_conn /proc/sys/net/ipv4/vs/expire_quiescent_template | tr "\n" " ") && echo "$v" && [ "$v" = "1 1 " ]'
  for h in $R1 $R2 $D; do verify_host "$h"; done

  # Traffic through the virtual service.
  local answers=() a k alt=1
  for k in 1 2 3 4 5 6; do
    a=$(ask whoami.html) || a="ERROR(${a//$'\n'/ })"
    answers+=("$a")
  done
  echo "${answers[*]}" >"$OUT/answers"
  for k in 0 1 2 3 4 5; do
    case ${answers[$k]} in "$R1" | "$R2") ;; *) alt=0 ;; esac
    [ "$k" -gt 0 ] && [ "${answers[$k]}" = "${answers[$((k - 1))]}" ] && alt=0
  done
  if [ $alt = 1 ]; then pass "$tag requests to 10.1.3.61:80 alternate between $R1 and $R2 (${answers[*]})"
  else fail "$tag requests to 10.1.3.61:80 alternate between $R1 and $R2" "got ${answers[*]}"; fi
  local page; page=$(ask ldirector.html)
  if [ "$page" = "Test Page" ]; then pass "$tag the check page comes through the virtual service"
  else fail "$tag the check page comes through the virtual service" "got: $page"; fi
  local conns; conns=$(on $D ipvsadm -L -n -c 2>&1)
  echo "$conns" >"$OUT/ipvsadm.connections"
  if echo "$conns" | grep -qE "$E2E_CLIENT_ADDR:[0-9]+ +10\.1\.3\.61:80 +192\.168\.6\.[45]:80"; then
    pass "$tag connection table: $E2E_CLIENT_ADDR -> 10.1.3.61:80 -> real server (Masq)"
  else fail "$tag connection table: client -> 10.1.3.61:80 -> real server" "$conns"; fi

  # A real server's web server stops: ldirectord quiesces it, the service keeps answering.
  kill "${WEB_PID[$R1]}" 2>/dev/null
  local down; down=$(echo "$SEED_TABLE" | sed -E 's#^(-> 192\.168\.6\.4:80 Masq) 1 #\1 0 #')
  t=$SECONDS
  if wait_for 60 table_is "$down"; then
    pass "$tag $R1's web server stopped: 192.168.6.4:80 weight 0 within $((SECONDS - t)) s (checkinterval 2, quiescent=yes)"
  else fail "$tag $R1's web server stopped: 192.168.6.4:80 weight 0" "$(table)"; fi
  answers=()
  for k in 1 2 3 4; do answers+=("$(ask whoami.html)"); done
  if [ "${answers[*]}" = "$R2 $R2 $R2 $R2" ]; then pass "$tag the service keeps answering, from $R2 only"
  else fail "$tag the service keeps answering, from $R2 only" "got ${answers[*]}"; fi
  on_bg $R1 busybox httpd -f -p 80 -h "$(docroot_of "$DISTRO")"
  t=$SECONDS
  if wait_for 60 table_is "$SEED_TABLE"; then pass "$tag $R1's web server back: weight 1 again within $((SECONDS - t)) s"
  else fail "$tag $R1's web server back: weight 1 again" "$(table)"; fi

  # Stopping ldirectord empties the table.
  if [ $by_installer = 1 ]; then on $D timeout 120 /etc/init.d/ldirectord stop >"$OUT/ldirectord.stop" 2>&1
  else on $D timeout 120 /usr/sbin/ldirectord /etc/ha.d/ldirectord.cf stop >"$OUT/ldirectord.stop" 2>&1; fi
  local empty='Prot LocalAddress:Port Scheduler Flags
-> RemoteAddress:Port Forward Weight ActiveConn InActConn'
  if wait_for 60 table_is "$empty"; then pass "$tag stopping ldirectord empties the table"
  else fail "$tag stopping ldirectord empties the table" "$(table)"; fi
  if ask whoami.html >/dev/null 2>&1; then fail "$tag no answer on 10.1.3.61:80 without ldirectord" "answered"
  else pass "$tag no answer on 10.1.3.61:80 without ldirectord"; fi

  grep ldirectord "$(upper_of $D)/var/log/messages" >"$OUT/ldirectord.log" 2>/dev/null
  cluster_down
  rm -rf "$E2E_WORK"
}

trap 'cluster_down 2>/dev/null; exit 130' INT TERM
while read -r example distro; do
  case $example in
  lb-nat) t=$SECONDS; run_lbnat "$distro"; info "lb-nat $distro took $((SECONDS - t)) s" ;;
  '' | '#'*) ;;
  *) fail "plan: $example $distro" "tier 2 runs lb-nat only" ;;
  esac
done <"$RES/plan"
info "tier 2 guest script took $((SECONDS - T_START)) s"
finish_result
