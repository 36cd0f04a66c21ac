#!/bin/bash
# Guest script (runs INSIDE the VM started by run.sh): prove real IPVS works.
#
#   lab/vm/run.sh lab/vm/smoke-ipvs.sh RESULTS_DIR [TIMEOUT]
#
# Builds the lb-nat cluster of seed 000_1fafbd577229bfe8 out of network
# namespaces, configures IPVS by hand with the real ipvsadm and checks:
#   1. `ipvsadm -L -n` in the director shows exactly the seed's table
#      (10.1.3.61 ports 21/80/443, rr, port 21 persistent 600, real servers
#      192.168.6.4 and 192.168.6.5, Masq, weight 1) apart from the version line;
#   2. HTTP requests from the client to 10.1.3.61:80 alternate between the two
#      real servers (busybox httpd), and the real servers see the client's own
#      address (NAT keeps the source; replies go back through the director);
#   3. negative control: with forwarding off in the director, requests fail;
#      with it back on, they succeed again.
#
# Topology (only these private addresses, only in namespaces created here):
#   lvs-client  eth0 10.1.3.100/24 (any free address on the external network;
#               the seed does not name the client)
#   lvs-director eth0 10.1.3.1/24 + virtual address 10.1.3.61/24, eth1 192.168.6.1/24,
#               net.ipv4.ip_forward=1
#   lvs-rs1     eth0 192.168.6.4/24, default via 192.168.6.1
#   lvs-rs2     eth0 192.168.6.5/24, default via 192.168.6.1
#   lvs-lan     bridge br0 joining director eth1, rs1 eth0 and rs2 eth0
#
# $1 (or $LVSGEN_RESULTS): results directory. Writes there:
#   smoke-ipvs.result   one "PASS name" / "FAIL name: why" line per check, then
#                       "RESULT PASS" or "RESULT FAIL"
#   smoke-ipvs.ipvsadm  `ipvsadm -L -n` before traffic, and with --stats after
#   smoke-ipvs.curl     the bodies of the HTTP answers, one per line
# Exit status: 0 if every check passed, 1 otherwise, 2 if not run inside the VM.
set -uo pipefail

if [ "${LVSGEN_VM:-}" != 1 ]; then
  echo "smoke-ipvs.sh: refusing to run outside the lvsgen VM (use lab/vm/run.sh)" >&2
  exit 2
fi
res=${1:-${LVSGEN_RESULTS:-}}
[ -n "$res" ] && [ -d "$res" ] || { echo "smoke-ipvs.sh: no results directory" >&2; exit 2; }
out=$res/smoke-ipvs.result
: >"$out"

t_start=$(cut -d' ' -f1 /proc/uptime)
ts() { awk -v a="$t_start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%6.2f", b - a }'; }
say() { echo "[$(ts)s] $*"; }
failures=0
pass() { echo "PASS $1" >>"$out"; say "PASS $1"; }
fail() { echo "FAIL $1: $2" >>"$out"; say "FAIL $1: $2"; failures=$((failures + 1)); }

NS="lvs-client lvs-director lvs-rs1 lvs-rs2 lvs-lan"
work=$(mktemp -d /run/lvs-smoke.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  for n in $NS; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

on() { local n=$1; shift; ip netns exec "lvs-$n" "$@"; }

# A veth pair created under unique names in the root namespace, each end moved
# into its namespace and renamed there.
link() { # link NS_A IF_A NS_B IF_B
  local a="v$RANDOM$RANDOM" b="v$RANDOM$RANDOM"
  ip link add "$a" type veth peer name "$b" &&
    ip link set "$a" netns "lvs-$1" && ip -n "lvs-$1" link set "$a" name "$2" &&
    ip link set "$b" netns "lvs-$3" && ip -n "lvs-$3" link set "$b" name "$4"
}

setup_ok=1
s() { "$@" || { echo "setup step failed: $*"; setup_ok=0; }; }
setup() {
  for n in $NS; do s ip netns add "$n"; s ip -n "$n" link set lo up; done
  s ip -n lvs-lan link add br0 type bridge
  s ip -n lvs-lan link set br0 up
  s link client eth0 director eth0
  s link director eth1 lan p-dir
  s link rs1 eth0 lan p-rs1
  s link rs2 eth0 lan p-rs2
  for p in p-dir p-rs1 p-rs2; do
    s ip -n lvs-lan link set "$p" master br0
    s ip -n lvs-lan link set "$p" up
  done

  s ip -n lvs-client addr add 10.1.3.100/24 dev eth0
  s ip -n lvs-client link set eth0 up

  s ip -n lvs-director addr add 10.1.3.1/24 dev eth0
  s ip -n lvs-director addr add 10.1.3.61/24 dev eth0   # the virtual address
  s ip -n lvs-director addr add 192.168.6.1/24 dev eth1
  s ip -n lvs-director link set eth0 up
  s ip -n lvs-director link set eth1 up
  s on director sysctl -q -w net.ipv4.ip_forward=1

  local i
  for i in 1 2; do
    s ip -n "lvs-rs$i" addr add "192.168.6.$((i + 3))/24" dev eth0
    s ip -n "lvs-rs$i" link set eth0 up
    s ip -n "lvs-rs$i" route add default via 192.168.6.1
  done
}

say "kernel $(uname -r); building namespaces"
setup
if [ $setup_ok = 1 ]; then pass "namespaces"; else fail "namespaces" "setting up the topology failed"; exit 1; fi

# Real servers: busybox httpd answering with its own name.
for i in 1 2; do
  mkdir -p "$work/rs$i"
  echo "rs$i" >"$work/rs$i/index.html"
  on "rs$i" busybox httpd -f -p 80 -h "$work/rs$i" &
  pids+=($!)
done

CURL=(curl -sS --noproxy '*' --connect-timeout 3 --max-time 5)
# Wait until both real servers answer from the director (also proves the LAN).
ok=0
for _ in $(seq 1 50); do
  if [ "$(on director "${CURL[@]}" http://192.168.6.4/ 2>/dev/null)" = rs1 ] &&
     [ "$(on director "${CURL[@]}" http://192.168.6.5/ 2>/dev/null)" = rs2 ]; then ok=1; break; fi
  sleep 0.2
done
if [ $ok = 1 ]; then pass "real servers answer"; else fail "real servers answer" "httpd on 192.168.6.4/.5 not reachable"; fi

# IPVS by hand, as ldirectord would set it up for the seed (ipvsadm autoloads ip_vs,
# ip_vs autoloads ip_vs_rr: this also proves module autoloading in the guest).
say "configuring IPVS"
ipvs_ok=1
for port in 21 80 443; do
  persist=()
  [ $port = 21 ] && persist=(-p 600)
  on director ipvsadm -A -t "10.1.3.61:$port" -s rr "${persist[@]}" || ipvs_ok=0
  for rs in 192.168.6.4 192.168.6.5; do
    on director ipvsadm -a -t "10.1.3.61:$port" -r "$rs:$port" -m -w 1 || ipvs_ok=0
  done
done
if [ $ipvs_ok = 1 ]; then pass "ipvsadm -A/-a"; else fail "ipvsadm -A/-a" "an ipvsadm command failed"; fi
if lsmod | grep -q '^ip_vs_rr '; then pass "ip_vs_rr autoloaded"; else fail "ip_vs_rr autoloaded" "not in lsmod"; fi

table=$(on director ipvsadm -L -n 2>&1)
{ echo "# ipvsadm -L -n (before traffic)"; echo "$table"; } >"$res/smoke-ipvs.ipvsadm"
# The seed's table (its version line says 1.0.4; the kernel's is newer).
expected='Prot LocalAddress:Port Scheduler Flags
-> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP 10.1.3.61:21 rr persistent 600
-> 192.168.6.4:21 Masq 1 0 0
-> 192.168.6.5:21 Masq 1 0 0
TCP 10.1.3.61:80 rr
-> 192.168.6.4:80 Masq 1 0 0
-> 192.168.6.5:80 Masq 1 0 0
TCP 10.1.3.61:443 rr
-> 192.168.6.4:443 Masq 1 0 0
-> 192.168.6.5:443 Masq 1 0 0'
normalised=$(echo "$table" | sed 1d | sed -e 's/[[:space:]]\+/ /g' -e 's/^ //' -e 's/ $//')
if ! echo "$table" | head -n1 | grep -q '^IP Virtual Server version [0-9.]* (size=[0-9]*)$'; then
  fail "ipvsadm -L -n header" "$(echo "$table" | head -n1)"
elif [ "$normalised" = "$expected" ]; then
  pass "ipvsadm -L -n matches the seed's table"
elif [ "$(echo "$normalised" | sort)" = "$(echo "$expected" | sort)" ]; then
  # Same lines, other order: the kernel lists services in hash order.
  pass "ipvsadm -L -n matches the seed's table (lines in another order)"
else
  fail "ipvsadm -L -n matches the seed's table" "got: $(echo "$normalised" | tr '\n' '|')"
fi

# Traffic: the client asks the virtual address; rr must alternate.
say "requests to 10.1.3.61:80"
: >"$res/smoke-ipvs.curl"
answers=()
for _ in 1 2 3 4 5 6; do
  a=$(on client "${CURL[@]}" http://10.1.3.61/ 2>&1) || a="ERROR(${a//$'\n'/ })"
  answers+=("$a")
  echo "$a" >>"$res/smoke-ipvs.curl"
done
say "answers: ${answers[*]}"
alt=1
for k in 0 1 2 3 4 5; do
  case ${answers[$k]} in rs1|rs2) ;; *) alt=0 ;; esac
  [ $k -gt 0 ] && [ "${answers[$k]}" = "${answers[$((k - 1))]}" ] && alt=0
done
if [ $alt = 1 ]; then pass "requests alternate between rs1 and rs2"
else fail "requests alternate between rs1 and rs2" "got ${answers[*]}"; fi

# NAT keeps the client's address as the source seen by the real server.
conns=$(on director ipvsadm -L -n -c 2>&1)
if echo "$conns" | grep -q '10\.1\.3\.100:[0-9]* *10\.1\.3\.61:80 *192\.168\.6\.[45]:80'; then
  pass "connection table shows client -> VIP -> real server"
else
  fail "connection table shows client -> VIP -> real server" "$(echo "$conns" | tr '\n' '|')"
fi
{ echo; echo "# ipvsadm -L -n --stats (after traffic)"; on director ipvsadm -L -n --stats
  echo; echo "# ipvsadm -L -n -c"; echo "$conns"; } >>"$res/smoke-ipvs.ipvsadm" 2>&1

# Negative control: the replies must be forwarded by the director.
on director sysctl -q -w net.ipv4.ip_forward=0
if on client curl -sS --noproxy '*' --connect-timeout 2 --max-time 2 http://10.1.3.61/ >/dev/null 2>&1; then
  fail "no answer with forwarding off" "a request succeeded with net.ipv4.ip_forward=0"
else
  pass "no answer with forwarding off"
fi
on director sysctl -q -w net.ipv4.ip_forward=1
a=$(on client "${CURL[@]}" http://10.1.3.61/ 2>&1)
case $a in rs1|rs2) pass "answers again with forwarding on" ;;
  *) fail "answers again with forwarding on" "got $a" ;; esac

if [ $failures = 0 ]; then echo "RESULT PASS" >>"$out"; say "RESULT PASS"; exit 0
else echo "RESULT FAIL" >>"$out"; say "RESULT FAIL ($failures failed)"; exit 1; fi
