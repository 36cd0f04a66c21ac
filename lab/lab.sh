#!/bin/bash
# lab.sh: the machinery of `lvsgen lab` (see docs/lab.md). It builds the hosts
# of a plan as network namespaces with private roots, installs every host's
# bundle with its own installer, starts the lab's servers and runs the plan's
# checks, reporting on file descriptor 3 (lib/checks.sh). The plan, the bundles
# and the expected tables come from lvsgen (src/lab/plan.ts); nothing here knows
# a topology.
#
#   lab.sh DIR      DIR/plan, DIR/bundles/<host>/, DIR/prediction/<director>;
#                   logs go to DIR/out/ (installer output, verify output, the
#                   hosts' syslogs, the stand-ins' command logs)
#   env LAB_PREFIX  names of the lab's namespaces (PREFIX-host, PREFIX-lan, ...)
#       LAB_TIER    host: this machine's kernel, without IPVS (kit/host's
#                   stand-ins for ipvsadm, modprobe and global sysctls); vm:
#                   the real ones
#       LAB_KEEP=1  keep the hosts' roots (DIR/work)
#       LAB_OUT, LAB_WORK  other places for DIR/out and DIR/work (the VM's)
#       LAB_MODE    run (the default): build, install, check, remove;
#                   up: build the hosts with sshd on a management network
#                   (lib/kept.sh), install nothing, and leave them running;
#                   check: the checks on the hosts of a lab that is up, each
#                   host's install check being `install.sh --check` finding
#                   nothing to change (`lvsgen lab up`, `lvsgen lab check`)
#       LAB_RESULTS the results go to this file instead of stdout (a lab that
#                   stays up leaves processes that must not hold a pipe)
# Exit 0 when the lab ran to its end (the results say what passed), 2 when it
# could not be built. Everything it starts is ended by pid on exit, Ctrl-C or
# failure (cluster_down), and its namespaces are deleted.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: lab.sh DIR" >&2; exit 2; }
DIR=$(cd "$1" && pwd -P) || exit 2
HERE=$(cd "$(dirname "$0")" && pwd -P)
OUT=${LAB_OUT:-$DIR/out}
LAB_WORK=${LAB_WORK:-$DIR/work}
mkdir -p "$OUT" "$LAB_WORK" || exit 2
# results to fd 3 (the caller's stdout), everything else to the log
if [ -n "${LAB_RESULTS:-}" ]; then exec 3>>"$LAB_RESULTS" 1>>"$OUT/lab.log" 2>&1
else exec 3>&1 1>>"$OUT/lab.log" 2>&1; fi
LAB_MODE=${LAB_MODE:-run}
LAB_TIER=${LAB_TIER:-host}
LAB_PREFIX=${LAB_PREFIX:-lab$$}
lab_log() { printf '[%(%T)T] %s\n' -1 "$*"; }
# shellcheck source=lib/checks.sh
. "$HERE/lib/checks.sh"
# shellcheck source=lib/cluster.sh
. "$HERE/lib/cluster.sh"
# shellcheck source=lib/hosts.sh
. "$HERE/lib/hosts.sh"
# shellcheck source=lib/kept.sh
. "$HERE/lib/kept.sh"
# shellcheck source=lib/admin.sh
. "$HERE/lib/admin.sh"
lab_exit() {
  case $LAB_MODE in
  # a lab that did not come up whole goes; one that did stays until `lvsgen lab down`
  up) [ -n "${LAB_UP_DONE:-}" ] || cluster_down ;;
  # the checks' own servers and clients end with them; the hosts stay
  check)
    local p
    lab_end "${LAB_BG[@]}"
    for p in "${LAB_BG[@]}"; do wait "$p" 2>/dev/null; done
    ;;
  *) cluster_down; [ -n "${LAB_KEEP:-}" ] || rm -rf "$LAB_WORK" ;;
  esac
}
trap lab_exit EXIT
trap 'exit 130' INT TERM HUP

PLAN=$DIR/plan
BUNDLES=$DIR/bundles
declare -a INSTALLS=() SERVERS=() CHECKS=()
while IFS= read -r line; do
  case ${line%%$'\t'*} in
  install) INSTALLS+=("${line#install$'\t'}") ;;
  server) SERVERS+=("${line#server$'\t'}") ;;
  check) CHECKS+=("${line#check$'\t'}") ;;
  esac
done <"$PLAN"

t0=$SECONDS
if [ "$LAB_MODE" = check ]; then
  if ! kept_attach "$PLAN" "$BUNDLES" "$DIR/state"; then
    printf 'PROGRESS\tthe lab is not up: %s\n' "$(tail -1 "$OUT/lab.log" | tr '\n' ' ')" >&3
    exit 2
  fi
else
  progress "building $(grep -c '^host' "$PLAN") hosts, $(grep -c '^lan' "$PLAN") LANs and $(grep -c '^client' "$PLAN") clients in namespaces ($LAB_PREFIX-*)"
  if ! cluster_up "$PLAN" "$BUNDLES"; then
    echo "lab: the namespaces and host roots could not be built (see $OUT/lab.log)" >&2
    printf 'PROGRESS\tthe namespaces and host roots could not be built: %s\n' "$(tail -3 "$OUT/lab.log" | tr '\n' ' ')" >&3
    exit 2
  fi
fi
if [ "$LAB_MODE" = up ]; then
  if ! kept_mgmt_up "$DIR" || ! kept_save "$DIR"; then
    printf 'PROGRESS\tthe management network or sshd could not be set up: %s\n' "$(tail -3 "$OUT/lab.log" | tr '\n' ' ')" >&3
    exit 2
  fi
  LAB_UP_DONE=1
  progress "up in $((SECONDS - t0)) s: sshd on every host's management address"
  exit 0
fi
# every client answers /cgi-bin/addr with the address it was reached from
for c in "${LAB_CLIENTS[@]}"; do
  mkdir -p "$LAB_WORK/clients/$c/cgi-bin"
  # busybox httpd listens on IPv6 too: REMOTE_ADDR reads [::ffff:a.b.c.d]
  cat >"$LAB_WORK/clients/$c/cgi-bin/addr" <<'CGI'
#!/bin/sh
a=${REMOTE_ADDR#[}; a=${a%]}; a=${a#::ffff:}
printf 'Content-Type: text/plain\r\n\r\n%s\n' "$a"
CGI
  chmod 755 "$LAB_WORK/clients/$c/cgi-bin/addr"
  client "$c" busybox httpd -f -p 80 -h "$LAB_WORK/clients/$c" &
  LAB_BG+=($!)
done
progress "hosts up in $((SECONDS - t0)) s"
grep -q $'\thttps\t' "$PLAN" && make_test_cert

# --- install, in the plan's order; each host's servers start once it is installed
install_one() {
  local h=$1 rc
  if [ "$LAB_MODE" = check ]; then
    # installed by someone else (Ansible): the host must hold exactly this bundle
    install_bundle "$h" --check >"$OUT/$h.install" 2>&1
    rc=$?
    if [ $rc = 0 ]; then pass "install.$h" "install.sh --check: nothing to change"
    else fail "install.$h" "install.sh --check exit $rc: $(tail -5 "$OUT/$h.install")"; fi
    return
  fi
  install_bundle "$h" --yes >"$OUT/$h.install" 2>&1
  rc=$?
  if [ $rc = 0 ]; then pass "install.$h" "exit 0"
  else fail "install.$h" "exit $rc: $(tail -5 "$OUT/$h.install")"; fi
}
for group in "${INSTALLS[@]}"; do
  IFS=$'\t' read -r -a hs <<<"$group"
  if [ "$LAB_MODE" = check ]; then progress "comparing ${hs[*]} with $(if [ ${#hs[@]} = 1 ]; then echo its; else echo their; fi) bundle (install.sh --check)"
  else progress "installing ${hs[*]} with $(if [ ${#hs[@]} = 1 ]; then echo its; else echo their; fi) own install.sh"; fi
  pids=()
  for h in "${hs[@]}"; do
    trust_test_cert "$h"
    install_one "$h" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  for s in "${SERVERS[@]}"; do
    IFS=$'\t' read -r sh kind proto port arg <<<"$s"
    for h in "${hs[@]}"; do [ "$sh" = "$h" ] && start_server "$h" "$kind" "$proto" "$port" "$arg"; done
  done
done

# --- the checks ---------------------------------------------------------------
ipvsadm_note() { [ "$LAB_TIER" = host ] && echo " (the lab's ipvsadm stand-in: this kernel has no IPVS)"; }
# A node holds a floating address on a device that answers ARP for it: a copy
# on lo is a streamline node's, as a direct-routing real server (docs/pairs.md).
# Either family: an IPv6 address as ip(8) prints it (canonical, as the plan has it).
holds() { on "$1" ip -o addr show | awk '$2 != "lo"' | grep -Eq "inet6? $2/"; }
holds_all() { local h=$1 f; shift; for f in "$@"; do holds "$h" "$f" || return 1; done; }
holds_none() { local h=$1 f; shift; for f in "$@"; do holds "$h" "$f" && return 1; done; return 0; }
addrs_of() { on "$1" ip -o addr show | awk '$3 == "inet" || ($3 == "inet6" && $4 !~ /^fe80:/) {print $2, $4}' | tr '\n' ' '; }
# An address as a URL's host: an IPv6 one in brackets (RFC 3986).
url_host() { case $1 in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }
the_table() { on "$1" ipvsadm -L -n 2>&1 | table_body; }
predicted() { table_body <"$DIR/prediction/$1"; }
table_is() { [ "$(the_table "$1")" = "$2" ]; }
# The table on stdin without the lines of these real servers (LABEL@RIP: the
# service as ipvsadm names it, single-spaced, and the real server).
table_drop() {
  awk -v entries="$(printf '%s\n' "$@")" '
    BEGIN { n = split(entries, e, "\n"); for (i = 1; i <= n; i++) if (e[i] != "") drop[e[i]] = 1 }
    !/^->/ { cur = $1 " " $2 }
    /^->/ && ((cur "@" $2) in drop) { next }
    { print }'
}
# A real server's weight in the table on stdin (LABEL@RIP), or "gone".
entry_state() {
  awk -v label="${1%@*}" -v real="${1#*@}" '
    !/^->/ { cur = $1 " " $2 }
    /^->/ && cur == label && $2 == real { print $4; found = 1 }
    END { if (!found) print "gone" }'
}
# taken_out CURRENT PREDICTED ENTRIES...: each real server removed or at weight
# 0 (ldirectord's quiescent=yes, keepalived's inhibit_on_failure), the rest of
# the table as predicted; prints how.
taken_out() {
  local cur=$1 want=$2 e st how=
  shift 2
  [ "$(printf '%s\n' "$cur" | table_drop "$@")" = "$(printf '%s\n' "$want" | table_drop "$@")" ] || return 1
  for e in "$@"; do
    st=$(printf '%s\n' "$cur" | entry_state "$e")
    case $st in
    gone) how="$how${e#*@} removed from ${e%@*}, " ;;
    0) how="$how${e#*@} at weight 0 in ${e%@*}, " ;;
    *) return 1 ;;
    esac
  done
  echo "${how%, }"
}
# A node's links cut or back (cut_links HOST IFACE,IFACE down|up): the bridge
# ports of its interfaces, in the LAN namespace, go down, so the node's own
# interfaces lose their carrier (as with the cables pulled) and keep their
# addresses and routes.
cut_links() {
  local h=$1 how=$3 i idx port
  for i in ${2//,/ }; do
    idx=$(on "$h" ip -o link show dev "$i" | sed -n 's/^[0-9]*: [^@]*@if\([0-9]*\):.*/\1/p')
    port=$(ip -n "$(ns_of lan)" -o link show | awk -F': ' -v i="$idx" '$1 == i { sub(/@.*/, "", $2); print $2 }')
    [ -n "$port" ] || { lab_log "cut_links: no bridge port for $h $i (peer $idx)"; return 1; }
    ip -n "$(ns_of lan)" link set "$port" "$how" || return 1
  done
}
ha_running() { # HOST KIND
  if [ "$2" = heartbeat ]; then on "$1" sh -c 'test -s /var/run/heartbeat.pid && kill -0 $(cat /var/run/heartbeat.pid)'
  else on "$1" systemctl is-active keepalived; fi
}
ha_stopped() { ! ha_running "$@"; }
# holds_only N1 N2 ADDR...: N1 holds every ADDR, N2 none
holds_only() { local n1=$1 n2=$2; shift 2; holds_all "$n1" "$@" && holds_none "$n2" "$@"; }
ha_stop() {
  if [ "${LAB_DISTRO[$1]}" = debian12 ] || [ "$2" = vrrp ]; then on "$1" timeout 90 systemctl stop "$(ha_daemon "$2")"
  else on "$1" timeout 90 /etc/init.d/heartbeat stop; fi
}
ha_start() {
  if [ "${LAB_DISTRO[$1]}" = debian12 ] || [ "$2" = vrrp ]; then on "$1" timeout 60 systemctl start "$(ha_daemon "$2")"
  else on "$1" timeout 60 /etc/init.d/heartbeat start; fi
}
ha_daemon() { if [ "$1" = heartbeat ]; then echo heartbeat; else echo keepalived; fi; }
# How often HOST has settled as the node not holding the resources: heartbeat's
# resource negotiation done, or keepalived's VRRP instance in BACKUP state.
ha_settled() {
  local log; log=$(upper_of "$1")/var/log/messages
  if [ "$2" = heartbeat ]; then grep -c 'Initial resource acquisition complete' "$log"
  else grep -c 'Keepalived_vrrp.*Entering BACKUP STATE' "$log"; fi
}
settled_more() { [ "$(ha_settled "$1" "$2")" -gt "$3" ]; }
# The IPVS connection entry of HOST (ipvsadm -L -n -c: pro expire state
# source virtual destination) from SOURCE to VIRTUAL: conn_entry HOST SOURCE
# VIRTUAL prints its destination and state, and fails when there is none;
# conn_is HOST SOURCE VIRTUAL DEST: it exists, to DEST.
conn_entry() { on "$1" ipvsadm -L -n -c 2>/dev/null | awk -v s="$2" -v v="$3" '!found && $4 == s && $5 == v { print $6, $3; found = 1 } END { exit !found }'; }
conn_is() { local e; e=$(conn_entry "$1" "$2" "$3") && [ "${e%% *}" = "$4" ]; }
# --- the reload check: a configuration change installed while the table is watched
# The daemon's file in a bundle, by the plan's file record (ldirectord.cf or keepalived.conf).
reload_file() { awk -v f="/$2" '$1 == "file" && substr($5, length($5) - length(f) + 1) == f { print $5; exit }' "$1/.lvsgen/plan"; }
# reload_edit FILE DAEMON RIP WEIGHT: the first real server's weight set, as an
# operator edits it: ldirectord's first `real=` line (real=RIP:PORT METHOD
# [WEIGHT] ...: ldirectord(8)), keepalived's `weight` in its first
# `real_server` block (keepalived.conf(5)). Fails, saying why, when that line
# is not RIP's or there is no weight to set.
reload_edit() {
  awk -v daemon="$2" -v rip="$3" -v w="$4" '
    function bad(why) { print why; err = 1; exit 1 }
    done { out[++n] = $0; next }
    daemon == "ldirectord" && /^[ \t]*real[ \t]*=/ {
      if (index($0, rip) == 0) bad("the first real= line is not " rip "'\''s: " $0)
      if (!match($0, /^[ \t]*real[ \t]*=[ \t]*[^ \t]+[ \t]+[A-Za-z]+/)) bad("no forwarding method in: " $0)
      head = substr($0, 1, RLENGTH); tail = substr($0, RLENGTH + 1)
      if (match(tail, /^[ \t]+[0-9]+/)) tail = substr(tail, RLENGTH + 1)
      out[++n] = head " " w tail; done = 1; next
    }
    daemon == "keepalived" && /^[ \t]*real_server[ \t]/ {
      if (inrs) bad("no weight in the first real_server block")
      if (index($0, rip) == 0) bad("the first real_server block is not " rip "'\''s: " $0)
      inrs = 1
    }
    inrs && /^[ \t]*weight[ \t]+[0-9]+/ { match($0, /^[ \t]*weight[ \t]+/); out[++n] = substr($0, 1, RLENGTH) w; done = 1; next }
    { out[++n] = $0 }
    END { if (err) exit 1; if (!done) { print "no first real server to change"; exit 1 } for (i = 1; i <= n; i++) print out[i] > FILENAME }
  ' "$1"
}
# The table on stdin with one real server's weight set (LABEL@RIP WEIGHT).
table_weight() {
  awk -v label="${1%@*}" -v real="${1#*@}" -v w="$2" '
    !/^->/ { cur = $1 " " $2 }
    /^->/ && cur == label && $2 == real { $4 = w }
    { print }'
}
# reload_sample DIRECTOR FILE STOP ADDR...: until STOP exists, every 0.25 s
# (and the time a look takes), appends to FILE a sample: its time,
# `ipvsadm -L -n` on DIRECTOR and, given floating addresses, `ip -o addr show`.
reload_sample() {
  local d=$1 f=$2 stop=$3 n=0
  shift 3
  while [ ! -e "$stop" ]; do
    n=$((n + 1))
    {
      printf '#sample %s %s\n' "$n" "$EPOCHREALTIME"
      on "$d" ipvsadm -L -n 2>&1
      if [ $# -gt 0 ]; then echo '#addr'; on "$d" ip -o addr show 2>&1; fi
    } >>"$f"
    sleep 0.25
  done
}
# reload_judge FILE SERVICES ADDR...: every sample lists every service line
# (SERVICES: one a line, single-spaced, as table_body prints them) and holds
# every ADDR on a device other than lo; prints how many samples over how long,
# and the first samples that did not; fails on one.
reload_judge() {
  local f=$1 svcs=$2
  shift 2
  awk -v services="$svcs" -v floating="$*" '
    BEGIN { nw = split(services, w, "\n"); nf = split(floating, fl, " ") }
    function judge(  i, miss) {
      if (n == 0) return
      miss = ""
      for (i = 1; i <= nw; i++) if (w[i] != "" && !(w[i] in seen)) miss = miss (miss == "" ? "" : ", ") w[i]
      for (i = 1; i <= nf; i++) if (!(fl[i] in held)) miss = miss (miss == "" ? "" : ", ") fl[i] " (address)"
      if (miss != "") { bad++; if (bad <= 3) why = why sprintf("; sample %d (+%.1f s) lacks %s", n, t - t0, miss) }
    }
    /^#sample / { judge(); n++; t = $3; if (n == 1) t0 = t; else if (t - last > gap) gap = t - last; last = t; sec = "table"; split("", seen); split("", held); next }
    /^#addr$/ { sec = "addr"; next }
    sec == "table" { $1 = $1; seen[$0] = 1; next }
    sec == "addr" && $2 != "lo" && ($3 == "inet" || $3 == "inet6") { sub(/\/.*/, "", $4); held[$4] = 1 }
    END {
      judge()
      printf "%d samples over %.1f s, at most %.1f s apart", n, last - t0, gap
      if (bad) printf ", %d without all%s", bad, why
      exit (bad > 0 || n < 2)
    }' "$f"
}
declare -A HELD_DIR=() HELD_NAME=()
HA_TOOK=
answer() { client "$1" "${CURL[@]}" "http://$(url_host "$2"):$3/" 2>&1; }
answer_is() { [ "$(answer "$1" "$2" "$3")" = "$4" ]; }
# asked_by CLIENT PROTO ADDR PORT KIND HOST: HOST answered one request
asked_by() { [ "$(ask "$1" "$2" "$3" "$4" "$5" 2>/dev/null | head -1)" = "$6" ]; }

# one request to a virtual service; prints who answered
ask() { # ask CLIENT PROTO ADDR PORT KIND
  local c=$1 proto=$2 a=$3 p=$4 kind=$5
  case $kind in
  http) client "$c" "${CURL[@]}" "http://$(url_host "$a"):$p/lvsgen-lab-host.txt" ;;
  https) client "$c" "${CURL[@]}" -k "https://$(url_host "$a"):$p/lvsgen-lab-host.txt" ;;
  banner) client "$c" timeout 4 busybox nc -w 2 "$a" "$p" </dev/null | head -1 | awk '{print $2}' ;;
  udp-echo) echo lab | client "$c" timeout 4 busybox nc -u -w 1 "$a" "$p" | head -1 | sed 's/: .*//' ;;
  dns) client "$c" timeout 4 perl -e '
        use IO::Socket::IP; my $s = IO::Socket::IP->new(PeerHost => $ARGV[0], PeerPort => $ARGV[1], Proto => "udp") or exit 1;
        $s->send(pack("n6", 4242, 0x0100, 1, 0, 0, 0) . "\x05lvsgen\x03lab\x00" . pack("n2", 16, 1));
        my $r; $s->recv($r, 4096); exit 1 unless defined $r && length $r > 12;
        my ($host) = $r =~ /\x00\x10\x00\x01\x00\x00\x00\x00..(?:.)(.+)$/s; print "$host\n";' "$a" "$p" ;;
  esac
}

run_check() {
  local id=$1 kind=$2; shift 2
  local got t
  case $kind in
  addr)
    # either family (an IPv6 one that failed duplicate address detection is not held)
    local fam=inet; case $3 in *:*) fam=inet6 ;; esac
    got=$(on "$1" ip -o addr show dev "$2" 2>&1)
    if echo "$got" | grep " $fam $3 " | grep -vq dadfailed; then pass "$id" "$fam $3 on $2"; else fail "$id" "$(echo "$got" | awk '$3 == "inet" || $3 == "inet6" {print $3, $4, $NF}' | tr '\n' ' ')"; fi
    ;;
  route)
    got=$(on "$1" ip route list "$2" 2>&1 | route_attrs_off | norm)
    if [ "$got" = "$2 via $3 dev $4" ]; then pass "$id" "$got"; else fail "$id" "${got:-no route}"; fi
    ;;
  local)
    got=$(on "$1" ip route get "$2" 2>&1 | head -1 | norm)
    case $got in "local $2 dev lo"*) pass "$id" "$got" ;; *) fail "$id" "$got" ;; esac
    ;;
  gateway)
    got=$(route_default "$1")
    if [ "$got" = "default via $2 dev $3" ]; then pass "$id" "$got"; else fail "$id" "${got:-no default route}"; fi
    ;;
  gateway6)
    # ip -6 route adds "proto static metric 1024 pref medium" and the like: compared up to the device
    got=$(on "$1" ip -6 route show default 2>&1 | sed 's/ onlink//' | norm)
    case $got in "default via $2 dev $3" | "default via $2 dev $3 "*) pass "$id" "$got" ;; *) fail "$id" "${got:-no IPv6 default route}" ;; esac
    ;;
  reach)
    # HOST fetches the client's page at ADDR; the client says whom it saw
    got=$(on "$1" "${CURL[@]}" "http://$(url_host "$2")/cgi-bin/addr" 2>&1)
    if [ "$got" = "$3" ]; then pass "$id" "the client sees $got"; else fail "$id" "the client sees: $got"; fi
    ;;
  nm-active)
    # NetworkManager's view of the device: the profile it activated there
    # (GENERAL.CONNECTION, GENERAL.STATE of `nmcli device show`)
    got=$(on "$1" nmcli -g GENERAL.CONNECTION,GENERAL.STATE device show "$2" 2>&1 | tr '\n' ' ' | norm)
    case $got in "$3 100 (connected)"*) pass "$id" "$2: $got" ;; *) fail "$id" "$2: ${got:-nothing}" ;; esac
    ;;
  sysctl)
    got=$(on "$1" sysctl -n "$2" 2>&1)
    if [ "$got" = "$3" ]; then pass "$id" "$2 = $got"; else fail "$id" "$2 = $got"; fi
    ;;
  ping)
    # busybox's ping takes either family (GNU inetutils' ping is IPv4 only,
    # iputils' takes both): an IPv6 address goes to busybox
    local png=(ping); case $2 in *:*) png=(busybox ping) ;; esac
    if wait_for 5 client "$1" "${png[@]}" -c 1 -W 1 "$2"; then pass "$id" "echo reply from $2"
    else fail "$id" "no echo reply: $(client "$1" "${png[@]}" -c 1 -W 1 "$2" 2>&1 | tail -2 | tr '\n' ' ')"; fi
    ;;
  masq)
    got=$(on "$1" "${CURL[@]}" "http://${LAB_CLIENT_ADDR[$2]}/cgi-bin/addr" 2>&1)
    if [ "$got" = "$3" ]; then pass "$id" "the client sees $got"; else fail "$id" "the client sees: $got"; fi
    ;;
  table)
    local want; want=$(predicted "$1")
    t=$SECONDS
    if wait_for 40 table_is "$1" "$want"; then pass "$id" "the predicted table after $((SECONDS - t)) s$(ipvsadm_note)"
    else fail "$id" "$(the_table "$1" | tr '\n' '|')$(ipvsadm_note)"; fi
    ;;
  realdown)
    local d=$1 h=$2 proto=$3 port=$4 weight=$5 want out='' cur end took
    shift 5
    want=$(predicted "$d")
    if ! table_is "$d" "$want"; then fail "$id" "not tried: the table is not the predicted one before: $(the_table "$d" | tr '\n' '|')"; return; fi
    stop_server "$h" "$proto" "$port"
    t=$SECONDS
    end=$((SECONDS + 40))
    while :; do
      cur=$(the_table "$d")
      out=$(taken_out "$cur" "$want" "$@") && break
      out=
      [ $SECONDS -ge $end ] && break
      sleep 0.5
    done
    took=$((SECONDS - t))
    restart_server "$h" "$proto" "$port"
    if [ -z "$out" ]; then fail "$id" "not taken out: $(echo "$cur" | tr '\n' '|')"; wait_for 40 table_is "$d" "$want"; return; fi
    t=$SECONDS
    if wait_for 40 table_is "$d" "$want"; then pass "$id" "$out after $took s, back at weight $weight after $((SECONDS - t)) s$(ipvsadm_note)"
    else fail "$id" "$out after $took s, but not back: $(the_table "$d" | tr '\n' '|')"; fi
    ;;
  dr)
    # the director's forwarding by hand: the client's packet for the virtual
    # address goes to the real server's MAC address (a host route via its
    # address: /32, or /128 for an IPv6 one, via its address of that family)
    local c=$1 h=$2 rip=$3 proto=$4 a=$5 p=$6 k=$7 len=32
    case $a in *:*) len=128 ;; esac
    client "$c" ip route replace "$a/$len" via "$rip"
    if wait_for 10 asked_by "$c" "$proto" "$a" "$p" "$k" "$h"; then pass "$id" "answered by $h"
    else fail "$id" "got: $(ask "$c" "$proto" "$a" "$p" "$k" 2>&1 | head -1)"; fi
    client "$c" ip route del "$a/$len" via "$rip"
    ;;
  persist)
    local c=$1 proto=$2 n=$3 e a p k who seen=
    shift 3
    local -A count=()
    for ((i = 0; i < n; i++)); do
      for e in "$@"; do
        # ADDRESS:PORT:KIND, the address maybe IPv6: split from the right
        k=${e##*:} a=${e%:*} p=${a##*:} a=${a%:*}
        who=$(ask "$c" "$proto" "$a" "$p" "$k" 2>/dev/null | head -1)
        count[${who:-none}]=$((${count[${who:-none}]:-0} + 1))
      done
    done
    for who in "${!count[@]}"; do seen="$seen$who=${count[$who]} "; done
    if [ ${#count[@]} = 1 ] && [ -z "${count[none]:-}" ]; then pass "$id" "$((n * $#)) requests: ${seen% }"
    else fail "$id" "$((n * $#)) requests: ${seen% }"; fi
    ;;
  service)
    local c=$1 proto=$2 a=$3 p=$4 k=$5 n=$6 how=$7; shift 7
    local -A count=()
    local i who seen=
    for ((i = 0; i < n; i++)); do
      who=$(ask "$c" "$proto" "$a" "$p" "$k" 2>/dev/null | head -1)
      count[${who:-none}]=$((${count[${who:-none}]:-0} + 1))
    done
    for who in "${!count[@]}"; do seen="$seen$who=${count[$who]} "; done
    seen=${seen% }
    local ok=1 total=0 e
    for e in "$@"; do total=$((total + ${e#*=})); done
    [ -n "${count[none]:-}" ] && ok=0
    if [ "$how" = persistent ]; then [ ${#count[@]} = 1 ] || ok=0
    else
      for e in "$@"; do
        local got=${count[${e%%=*}]:-0}
        [ "$got" -gt 0 ] || ok=0
        # weighted: each within half of its share either way
        if [ "$how" = weighted ]; then
          local share=$((n * ${e#*=} / total))
          [ $((2 * got)) -ge "$share" ] && [ "$got" -le $((share + share / 2 + 1)) ] || ok=0
        fi
      done
    fi
    if [ $ok = 1 ]; then pass "$id" "$n requests: $seen"; else fail "$id" "$n requests: $seen"; fi
    ;;
  ha-runs)
    if wait_for 10 ha_running "$1" "$2"; then pass "$id" "$(ha_daemon "$2") running"
    else fail "$id" "no $(ha_daemon "$2"): $(tail -3 "$OUT/$1.install" | tr '\n' ' ')"; fi
    ;;
  ha-holds)
    # the margin: the plan's (a heartbeat node starts haresources' resources
    # one after another, so more for each)
    local n1=$1 n2=$2 limit=$3 margin=$4; shift 4
    t=$SECONDS
    # The other node may still be releasing (a start where it took the addresses
    # for a moment, then gave them back): the held state must settle (60 s: at
    # load 28 a heartbeat node that had taken one for a moment still held it
    # 15 s later).
    if wait_for $((limit + margin)) holds_all "$n1" "$@"; then
      if wait_for 60 holds_none "$n2" "$@"; then pass "$id" "on $n1 after $((SECONDS - t)) s; $n2 holds none"
      else fail "$id" "on $n1, but $n2 holds some too: $(addrs_of "$n2")"; fi
    else fail "$id" "$n1: $(addrs_of "$n1")"; fi
    ;;
  ha-stays)
    # another pair's addresses while one pair fails over: on its preferred
    # node and not on the other, at every look for the whole watch
    local n1=$1 n2=$2 watch=$3; shift 3
    t=$SECONDS
    while :; do
      if ! holds_all "$n1" "$@" || ! holds_none "$n2" "$@"; then
        fail "$id" "after $((SECONDS - t)) s: $n1: $(addrs_of "$n1"); $n2: $(addrs_of "$n2")"; return
      fi
      [ $((SECONDS - t)) -ge "$watch" ] && break
      sleep 0.5
    done
    pass "$id" "on $n1, none on $n2, for $watch s"
    ;;
  answer)
    # 45 s: a router's ARP entry left by a node that held the address for a
    # moment (two masters on a loaded machine) is re-resolved within that
    if wait_for 45 answer_is "$1" "$2" "$3" "$4"; then pass "$id" "answered by $4"
    else fail "$id" "got: $(answer "$1" "$2" "$3")"; fi
    ;;
  ha-failover)
    local n1=$1 n2=$2 k=$3 limit=$4 margin=$5 ifs=$6 took
    shift 6
    cut_links "$n1" "$ifs" down
    t=$SECONDS
    # the margin, the plan's: a heartbeat standby starts its resources in
    # haresources' order, and a pair of directors starts ldirectord before
    # the addresses (at load 20 a redhat director had the first address but
    # not the second after 30 s; in the VM beside make test, five resources
    # took more than 70 s times LAB_SLOW)
    wait_for $((limit + margin)) holds_all "$n2" "$@"
    local moved=$? took=$((SECONDS - t))
    HA_TOOK=$took
    # repaired: back as a node that booted again before its daemon started
    # (the daemon stopped while it was cut off: what it held, released)
    ha_stop "$n1" "$k" >"$OUT/$n1.ha-stop" 2>&1
    cut_links "$n1" "$ifs" up
    if [ $moved != 0 ]; then fail "$id" "not on $n2 after $took s: $(addrs_of "$n2")"
    elif wait_for 15 holds_none "$n1" "$@"; then pass "$id" "on $n2 after $took s; $n1 repaired (links back, $(ha_daemon "$k") stopped) holds none"
    else fail "$id" "on $n2 after $took s, but $n1 repaired still holds: $(addrs_of "$n1")"; fi
    ;;
  ha-failback)
    local n1=$1 n2=$2 k=$3 how=$4 settle=$5; shift 5
    local before; before=$(ha_settled "$n1" "$k")
    ha_start "$n1" "$k" >"$OUT/$n1.ha-start" 2>&1
    if [ "$how" = back ]; then
      t=$SECONDS
      if wait_for 90 holds_all "$n1" "$@" && wait_for 10 holds_none "$n2" "$@"; then pass "$id" "back on $n1 after $((SECONDS - t)) s"
      else fail "$id" "$n1: $(addrs_of "$n1"); $n2: $(addrs_of "$n2")"; fi
    elif wait_for 90 settled_more "$n1" "$k" "$before"; then
      sleep "$settle"
      if holds_only "$n2" "$n1" "$@"; then pass "$id" "$n1 settled as backup; still on $n2"
      else fail "$id" "$n1: $(addrs_of "$n1"); $n2: $(addrs_of "$n2")"; fi
    else fail "$id" "$n1 never settled: $(tail -5 "$(upper_of "$n1")/var/log/messages" | tr '\n' ' ')"; fi
    ;;
  ha-restore)
    # Not a measure of the daemon's speed (the failover is): the pair put
    # back as the lab found it, so the waits are wide. At load (make test on
    # two cores: six labs and the VM at once) N1 starts ldirectord before the
    # addresses, and a stop or start takes minutes.
    local n1=$1 n2=$2 k=$3 settle=$4; shift 4
    if holds_only "$n1" "$n2" "$@"; then pass "$id" "already on $n1"; return; fi
    local before; before=$(ha_settled "$n2" "$k")
    ha_stop "$n2" "$k" >"$OUT/$n2.ha-restore-stop" 2>&1
    t=$SECONDS
    wait_for 120 ha_stopped "$n2" "$k"
    wait_for 180 holds_all "$n1" "$@"
    local took=$((SECONDS - t))
    if ! holds_all "$n1" "$@"; then
      fail "$id" "not on $n1 after $took s with $n2 stopped ($(ha_daemon "$k") on $n2: $(ha_stopped "$n2" "$k" && echo stopped || echo still running)): $n1: $(addrs_of "$n1")"; return
    fi
    ha_start "$n2" "$k" >"$OUT/$n2.ha-restore-start" 2>&1
    t=$SECONDS
    if ! wait_for 180 settled_more "$n2" "$k" "$before"; then
      fail "$id" "$n2 never settled: $(tail -5 "$(upper_of "$n2")/var/log/messages" | tr '\n' ' ')"; return
    fi
    local up=$((SECONDS - t))
    sleep "$settle"
    # a node started at load may take the addresses for a moment before it
    # hears the other (initdead, or VRRP's master-down timer): held until it
    # has given them back
    if wait_for 60 holds_only "$n1" "$n2" "$@"; then pass "$id" "on $n1 after $took s; $n2 started again, settled as backup after $up s"
    else fail "$id" "$n1: $(addrs_of "$n1"); $n2: $(addrs_of "$n2")"; fi
    ;;
  ha-sync)
    # A connection through N1, held open (lab/kit/lab/held-conn: a POST whose
    # body comes a byte every 2 s, to the lab's CGI script on the real
    # servers, lib/hosts.sh held_cgi), learned by
    # N2's sync daemon: ipvsadm -L -n -c on N2 lists it with the real server
    # N1 gave it. One scheduled to a real server on N1 itself (a streamline
    # pair: AVOID, comma-separated) is finished and another opened.
    local c=$1 a=$2 p=$3 n1=$4 n2=$5 avoid=,$6, try d me dest seen e
    shift 6
    local vip; vip=$(url_host "$a"):$p
    for try in 1 2 3 4 5 6; do
      d=$LAB_WORK/held/$id.$try
      mkdir -p "$d"
      client "$c" perl "$LAB_KIT/lab/held-conn" "$a" "$p" "$d" >"$OUT/$id.$try.held" 2>&1 &
      LAB_BG+=($!)
      wait_for 20 test -s "$d/me" || { fail "$id" "no connection to $vip from $c: $(cat "$d/out" 2>/dev/null)"; return; }
      me=$(cat "$d/me")
      wait_for 10 conn_entry "$n1" "$me" "$vip"
      dest=$(conn_entry "$n1" "$me" "$vip") && dest=${dest%% *}
      [ -n "$dest" ] || { fail "$id" "$n1 lists no connection $me -> $vip: $(on "$n1" ipvsadm -L -n -c 2>&1 | sed 1,2d | tr '\n' '|')"; touch "$d/go"; return; }
      case $avoid in *",$dest,"*) touch "$d/go"; continue ;; esac
      # held for ha-carried whatever N2 shows: it finds out what becomes of it
      HELD_DIR[$c]=$d
      for e in "$@"; do [ "${e%%=*}" = "$dest" ] && HELD_NAME[$c]=${e#*=}; done
      t=$SECONDS
      if wait_for 30 conn_is "$n2" "$me" "$vip" "$dest"; then
        e=$(conn_entry "$n2" "$me" "$vip")
        pass "$id" "$n2 lists $me -> $vip -> $dest (${e#* }) after $((SECONDS - t)) s"
      else
        seen=$(on "$n2" ipvsadm -L -n -c 2>&1 | sed 1,2d | tr '\n' '|')
        fail "$id" "$n1 has $me -> $vip -> $dest; $n2 lists ${seen:-no connection}"
      fi
      return
    done
    fail "$id" "6 connections, each scheduled to a real server on $n1 itself (${avoid//,/ }): none can outlive its failure"
    ;;
  not-run)
    # a check the plan names that the lab cannot do (its reason): never a pass
    notrun "$id" "$1"
    ;;
  ha-carried)
    # the connection ha-sync held open: finished now, answered by the real
    # server it had (through N2, which took over)
    local c=$1 n2=$2 d=${HELD_DIR[$1]:-}
    [ -n "$d" ] || { fail "$id" "not tried: no connection held (see ha.sync)"; return; }
    touch "$d/go"
    if wait_for 90 test -s "$d/out"; then
      got=$(cat "$d/out")
      if [ "$got" = "${HELD_NAME[$c]:-?}" ]; then pass "$id" "finished through $n2: answered by $got (the failover took ${HA_TOOK:-?} s)"
      else fail "$id" "expected an answer by ${HELD_NAME[$c]:-?}; got: $got (the failover took ${HA_TOOK:-?} s)"; fi
    else fail "$id" "no answer: $(cat "$OUT/$id"*.held 2>/dev/null | tail -3 | tr '\n' ' ')"; fi
    unset "HELD_DIR[$c]"
    ;;
  reload)
    # A configuration change as an operator makes one, installed with the
    # installer while the table is watched: the daemon reloaded, not restarted
    # (a stop deletes every virtual service: docs/installer.md "Reload, not
    # restart"), then the original bundle installed again.
    local d=$1 daemon=$2 entry=$3 rip=$4 weight=$5 want changed copy cf svcs rc said took got samples stop sp back
    shift 5
    want=$(predicted "$d")
    if [ "$LAB_MODE" = check ] && ! install_bundle "$d" --check >"$OUT/$d.reload-check" 2>&1; then
      fail "$id" "not tried: $d does not hold its bundle (install.sh --check: $(tail -3 "$OUT/$d.reload-check")), so the lab installs nothing on it"; return
    fi
    # the daemon of a pair's node may have started again just before (ha.restore):
    # its checks of the real servers settle first, as for the table check
    if ! wait_for 40 table_is "$d" "$want"; then fail "$id" "not tried: the table is not the predicted one before: $(the_table "$d" | tr '\n' '|')"; return; fi
    if [ $# -gt 0 ] && ! wait_for 10 holds_all "$d" "$@"; then fail "$id" "not tried: $d does not hold $*: $(addrs_of "$d")"; return; fi
    copy=$LAB_WORK/reload/$d
    rm -rf "$copy" && mkdir -p "$LAB_WORK/reload" && cp -a "$LAB_BUNDLES/$d" "$copy"
    cf=$(reload_file "$copy" "$([ "$daemon" = ldirectord ] && echo ldirectord.cf || echo keepalived.conf)")
    if [ -z "$cf" ] || ! got=$(reload_edit "$copy$cf" "$daemon" "$rip" "$weight"); then fail "$id" "not tried: ${cf:-the plan of the bundle names no file of $daemon}: $got"; return; fi
    changed=$(printf '%s\n' "$want" | table_weight "$entry" "$weight")
    svcs=$(printf '%s\n' "$want" | grep -E '^(TCP|UDP|FWM) ')
    samples=$OUT/$d.reload-samples stop=$LAB_WORK/reload/$d.stop
    rm -f "$samples" "$stop"
    reload_sample "$d" "$samples" "$stop" "$@" &
    sp=$!
    LAB_BG+=("$sp")
    sleep 1
    t=$SECONDS
    install_from "$copy" "$d" --yes >"$OUT/$d.reload-install" 2>&1
    rc=$?
    local inst=$((SECONDS - t))
    t=$SECONDS
    wait_for 40 table_is "$d" "$changed"
    got=$?
    took=$((SECONDS - t))
    # a few looks more: a daemon that reloads in the background
    sleep 2
    touch "$stop"
    wait "$sp"
    said=$(grep -E "^$daemon is (not )?running" "$OUT/$d.reload-install" | head -1)
    local seen; seen=$(reload_judge "$samples" "$svcs" "$@")
    local ok=$?
    # the original bundle again: the cluster as before for the later checks
    install_bundle "$d" --yes >"$OUT/$d.reload-back" 2>&1
    local rc2=$?
    t=$SECONDS
    if wait_for 40 table_is "$d" "$want"; then back="the original bundle back (exit $rc2): the predicted table after $((SECONDS - t)) s"
    else back="the original bundle back (exit $rc2), but not the predicted table: $(the_table "$d" | tr '\n' '|')"; ok=1; fi
    if [ $rc != 0 ]; then fail "$id" "install.sh of the changed bundle: exit $rc: $(tail -5 "$OUT/$d.reload-install"); $seen; $back"
    elif [ "$said" != "$daemon is running: reloading it (it keeps its state)" ]; then fail "$id" "the installer did not say it reloaded $daemon: ${said:-nothing about it}; $seen; $back"
    elif [ $got != 0 ]; then fail "$id" "$said; install.sh took $inst s; weight $weight for ${entry#*@} not in the table $took s after it: $(the_table "$d" | tr '\n' '|'); $seen; $back"
    elif [ $ok != 0 ]; then fail "$id" "$said; install.sh took $inst s; weight $weight $took s after it; $seen; $back"
    else pass "$id" "$said; install.sh took $inst s; weight $weight $took s after it; $seen; $back$(ipvsadm_note)"; fi
    ;;
  admin-kept)
    # the administrator's files and live state, as seeded (lib/admin.sh)
    if got=$(admin_check "$1" 2>&1); then pass "$id" "$got"; else fail "$id" "$got"; fi
    ;;
  verify)
    local h=$1 out line n=0
    out=$(install_bundle "$h" --verify 2>&1)
    echo "$out" >"$OUT/$h.verify"
    while IFS= read -r line; do
      case $line in
      ok:*) pass "$id" "ok" "${line#ok: }"; n=$((n + 1)) ;;
      FAILED:*lsmod*)
        n=$((n + 1))
        if [ "$LAB_TIER" = host ]; then notrun "$id" "this kernel loads no modules (no IPVS): the VM mode runs it" "${line#FAILED: }"
        else fail "$id" "$line" "${line#FAILED: }"; fi
        ;;
      FAILED:*) fail "$id" "$line" "${line#FAILED: }"; n=$((n + 1)) ;;
      esac
    done <<<"$out"
    [ $n -gt 0 ] || fail "$id" "no check line: $(echo "$out" | tail -3)"
    ;;
  *) fail "$id" "lab.sh: unknown check kind $kind" ;;
  esac
}

progress "running $(echo "${#CHECKS[@]}") checks"
for c in "${CHECKS[@]}"; do
  IFS=$'\t' read -r -a args <<<"$c"
  run_check "${args[@]}"
done
# the hosts' logs, for a post-mortem
for h in "${LAB_HOSTS[@]}"; do
  cp "$(upper_of "$h")/var/log/messages" "$OUT/$h.messages" 2>/dev/null
  cp "$(upper_of "$h")/var/log/lvsgen-lab/ipvsadm.log" "$OUT/$h.ipvsadm.log" 2>/dev/null
done
progress "done in $((SECONDS - t0)) s"
exit 0
