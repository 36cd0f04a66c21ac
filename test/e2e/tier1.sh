#!/bin/bash
# Tier 1 of the end-to-end proof: one example cluster, one distro, on the test
# machine's own kernel (network namespaces; no IPVS there).
#
#   tier1.sh EXAMPLE DISTRO BUNDLES WIRING OUT
#
#   EXAMPLE  lb-nat | ha-cidr (the seeds' topologies 000 and 001)
#   BUNDLES  the output of `lvsgen render EXAMPLE --distro DISTRO`
#   WIRING   which interface joins which LAN, and the client (see lib/cluster.sh)
#   OUT      results: OUT/result (PASS/FAIL/KNOWN/INFO lines, see lib/checks.sh),
#            OUT/<host>.install (installer output), OUT/ipvsadm.* (lb-nat), logs
#   DISTRO   redhat | debian (the seeds' 2005 systems) | debian12 (systemd,
#            drop-ins, nftables; ha-cidr's pair runs keepalived's VRRP)
#   env E2E_PHASES  comma list of net,traffic,ldirectord,heartbeat,vrrp (default:
#            all that apply to EXAMPLE and DISTRO); OUT/prediction = `lvsgen
#            ipvsadm` output (for ldirectord)
#
# Every host's bundle is applied by its own installer (`install.sh --root ROOT
# --yes`, commands chrooted into the host's private root): Debian's interfaces
# by ifupdown through /etc/init.d/networking, Red Hat's files by the replayed
# initscripts (kit/redhat), sysctl, iptables, routes, loopback aliases, then the
# daemons (ldirectord, heartbeat) by their init scripts; Debian 12's drop-ins
# by ifupdown, sysctl --system, nftables and the daemons (ldirectord,
# keepalived) through their systemd units (kit/debian12's systemctl). Then the
# seeds' checks, traffic with negative controls, ldirectord's table against a
# stateful ipvsadm stand-in, heartbeat's or VRRP's failover. Exit 0 when every
# check passed, 1 when one failed, 2 on a usage or setup error.
set -uo pipefail
[ $# -eq 5 ] || { echo "usage: tier1.sh EXAMPLE DISTRO BUNDLES WIRING OUT" >&2; exit 2; }
EXAMPLE=$1 DISTRO=$2 BUNDLES=$(cd "$3" && pwd -P) WIRING=$4 OUT=$5
HERE=$(cd "$(dirname "$0")" && pwd -P)
mkdir -p "$OUT" || exit 2
OUT=$(cd "$OUT" && pwd -P)
E2E_RESULT=$OUT/result
: >"$E2E_RESULT"
E2E_TIER=${E2E_TIER:-host}
E2E_PREFIX=${E2E_PREFIX:-lv$$}
E2E_WORK=$(mktemp -d "${TMPDIR:-/tmp}/lvsgen-e2e.XXXXXX") || exit 2
# shellcheck source=lib/cluster.sh
. "$HERE/lib/cluster.sh"
# shellcheck source=lib/checks.sh
. "$HERE/lib/checks.sh"
# shellcheck source=lib/hosts.sh
. "$HERE/lib/hosts.sh"
# LVSGEN_E2E_KEEP=1 keeps the hosts' roots (their upper layers: logs, journals)
trap 'cluster_down; [ -n "${LVSGEN_E2E_KEEP:-}" ] || rm -rf "$E2E_WORK"' EXIT
trap 'exit 130' INT TERM HUP

case $DISTRO in
redhat | debian) HA=heartbeat ;;
debian12) HA=vrrp ;;   # the heartbeat pair is a keepalived VRRP pair there
*) echo "tier1.sh: unknown distro $DISTRO" >&2; exit 2 ;;
esac
case $EXAMPLE in
lb-nat) PHASES=${E2E_PHASES:-net,traffic,ldirectord} ;;
ha-cidr) PHASES=${E2E_PHASES:-net,traffic,$HA} ;;
*) echo "tier1.sh: unknown example $EXAMPLE" >&2; exit 2 ;;
esac
phase() { case ,$PHASES, in *,$1,*) return 0 ;; esac; return 1; }
info "tier1 $EXAMPLE $DISTRO phases=$PHASES kernel=$(uname -r)"

# --- the cluster -------------------------------------------------------------
t0=$SECONDS
if ! cluster_up "$WIRING" "$BUNDLES"; then
  fail "namespaces and host roots" "cluster_up failed"
  finish_result; exit 1
fi
pass "namespaces and host roots ($((SECONDS - t0)) s)"

make_test_cert

##############################################################################
lbnat() {
  local D=director R1=real1 R2=real2
  local -A RADDR=([real1]=192.168.6.4 [real2]=192.168.6.5)
  local VIP=10.1.3.61 GW=192.168.6.1 SRVNET=192.168.6.0/24
  local EXT=$E2E_CLIENT_GW   # the director's external address (the client's gateway)
  local page; page=$(cat "$BUNDLES/$R1$(docroot_of "${E2E_DISTRO[$R1]}")/ldirector.html" 2>/dev/null | head -1)
  [ -n "$page" ] || page="Test Page"

  # the real servers first (their services must answer when ldirectord starts)
  local h
  for h in $R1 $R2; do install_host "$h"; start_real_server "$h"; done
  # ldirectord's https check verifies the certificate chain (LWP 6): the
  # director trusts the test CA that signed the real servers' certificate.
  trust_test_cert $D
  # the other way round from what the installer must leave: ldirectord off, and
  # on (the seeds') heartbeat, on debian12 the other director backend, keepalived
  local other=heartbeat
  [ "$DISTRO" = debian12 ] && other=keepalived
  boot_state $D ldirectord off
  boot_state $D $other on
  install_host $D

  if phase net; then
    for h in $R1 $R2; do
      local got; got=$(route_default "$h")
      if [ "$got" = "default via $GW dev eth0" ]; then pass "ip route show 0/0 on $h: default via $GW dev eth0"
      else fail "ip route show 0/0 on $h: default via $GW dev eth0" "got: $got"; fi
    done
    if [ "$DISTRO" = debian12 ]; then
      masquerade_nft_check
    else
      local nat; nat=$(on $D iptables -t nat -L -n 2>&1)
      echo "$nat" >"$OUT/director.iptables"
      if echo "$nat" | sed -n '/^Chain POSTROUTING/,/^$/p' | norm_iptables | grep -qxF "MASQUERADE all -- $SRVNET 0.0.0.0/0"; then
        pass "iptables -t nat -L -n on $D: MASQUERADE all -- $SRVNET 0.0.0.0/0"
      else
        fail "iptables -t nat -L -n on $D: MASQUERADE all -- $SRVNET 0.0.0.0/0" "$nat"
      fi
    fi
    check "net.ipv4.ip_forward = 1 on $D" test "$(on $D sysctl -n net.ipv4.ip_forward)" = 1
    check "net.ipv4.conf.default.rp_filter = 1 on $D" test "$(on $D sysctl -n net.ipv4.conf.default.rp_filter)" = 1
    check "virtual address $VIP/24 on $D eth0" sh -c "ip netns exec $(ns_of $D) ip -4 addr show dev eth0 | grep -q 'inet $VIP/24 '"
    check "the client reaches the virtual address (ARP, ping)" client ping -c 1 -W 2 "$VIP"
    # ip_vs_ftp: the installer loads it now; the boot files load it at boot.
    check "modprobe ip_vs_ftp run by install.sh on $D" grep -qx 'modprobe ip_vs_ftp' "$(upper_of $D)/var/log/lvsgen-e2e/modprobe.log"
    if [ "$DISTRO" = redhat ]; then
      : >"$(upper_of $D)/var/log/lvsgen-e2e/modprobe.log"
      on $D timeout 30 sh /etc/rc.d/rc.local >/dev/null 2>&1
      check "ip_vs_ftp loaded by /etc/rc.d/rc.local at boot on $D" grep -qx 'modprobe ip_vs_ftp' "$(upper_of $D)/var/log/lvsgen-e2e/modprobe.log"
    elif [ "$DISTRO" = debian12 ]; then
      # systemd-modules-load reads every modules-load.d/*.conf: one module a line, # and ; comments
      check "ip_vs_ftp listed in /etc/modules-load.d/lvsgen.conf on $D (loaded at boot)" \
        sh -c "grep -v '^[[:space:]]*[#;]' '$(upper_of $D)/etc/modules-load.d/lvsgen.conf' | grep -qx ip_vs_ftp"
    else
      check "ip_vs_ftp listed in /etc/modules on $D (loaded at boot)" sh -c "grep -v '^[[:space:]]*#' '$(upper_of $D)/etc/modules' | grep -qx ip_vs_ftp"
    fi
    if [ "$DISTRO" = debian12 ]; then
      check "ldirectord starts at boot (systemctl is-enabled) on $D" enabled_at_boot $D ldirectord
      check "keepalived (the other backend) does not start at boot on $D" not_enabled_at_boot $D keepalived
      check "nftables starts at boot (systemctl is-enabled) on $D" enabled_at_boot $D nftables
      check "nftables.service is active on $D" on $D systemctl is-active nftables
    else
      check "ldirectord starts at boot (2345) on $D" enabled_at_boot $D ldirectord
      check "heartbeat does not start at boot on $D" not_enabled_at_boot $D heartbeat
    fi
    [ "$DISTRO" = redhat ] && check "iptables service starts at boot (2345) on $D" enabled_at_boot $D iptables
    for h in $R1 $R2; do verify_host "$h"; done
    # the director's --verify runs once ldirectord has built its table (ldirectord phase)
  fi

  if phase traffic; then
    # The client is on the external network; like every node in the seed it
    # has a route to the server network through the director (for this part).
    client ip route add "$SRVNET" via "$EXT"
    local body
    for h in $R1 $R2; do
      body=$(client "${CURL[@]}" "http://${RADDR[$h]}/ldirector.html" 2>&1)
      if [ "$body" = "$page" ]; then pass "client gets $h's check page through $D"
      else fail "client gets $h's check page through $D" "got: $body"; fi
    done
    # negative control: forwarding off in the director
    on $D sysctl -q -w net.ipv4.ip_forward=0
    if client "${CURL[@]}" "http://${RADDR[$R1]}/ldirector.html" >/dev/null 2>&1; then
      fail "negative control: no answer with forwarding off on $D" "a request got through"
    else pass "negative control: no answer with forwarding off on $D"; fi
    on $D sysctl -q -w net.ipv4.ip_forward=1
    check "answers again with forwarding on" client "${CURL[@]}" -o /dev/null "http://${RADDR[$R1]}/ldirector.html"
    # negative control: the real server's default route (its return path) missing
    local saved; saved=$(on $R1 ip route show 0/0 | head -1)
    on $R1 ip route del default
    if client "${CURL[@]}" "http://${RADDR[$R1]}/ldirector.html" >/dev/null 2>&1; then
      fail "negative control: no answer from $R1 without its default route" "a request got through"
    else pass "negative control: no answer from $R1 without its default route"; fi
    # shellcheck disable=SC2086
    on $R1 ip route add $saved
    check "$R1 answers again with its default route" client "${CURL[@]}" -o /dev/null "http://${RADDR[$R1]}/ldirector.html"

    # Masquerading: the real servers reach a host on the outside that has no
    # route to the server network; it must see the director's address.
    client ip route del "$SRVNET" via "$EXT"
    mkdir -p "$E2E_WORK/client-www/cgi-bin"
    # busybox httpd listens on IPv6 too: REMOTE_ADDR reads [::ffff:a.b.c.d]
    cat >"$E2E_WORK/client-www/cgi-bin/addr" <<'CGI'
#!/bin/sh
a=${REMOTE_ADDR#[}; a=${a%]}; a=${a#::ffff:}
printf 'Content-Type: text/plain\r\n\r\n%s\n' "$a"
CGI
    chmod 755 "$E2E_WORK/client-www/cgi-bin/addr"
    client busybox httpd -f -p 80 -h "$E2E_WORK/client-www" &
    E2E_BG+=($!)
    wait_for 5 client "${CURL[@]}" -o /dev/null "http://127.0.0.1/cgi-bin/addr"
    for h in $R1 $R2; do
      body=$(on "$h" "${CURL[@]}" "http://$E2E_CLIENT_ADDR/cgi-bin/addr" 2>&1)
      if [ "$body" = "$EXT" ]; then pass "the outside sees $D's address $EXT for $h (masquerading)"
      else fail "the outside sees $D's address $EXT for $h (masquerading)" "got: $body"; fi
    done
    if [ "$DISTRO" = debian12 ]; then on $D nft delete table ip lvsgen >/dev/null 2>&1
    else on $D iptables -t nat -D POSTROUTING -s "$SRVNET" -j MASQUERADE >/dev/null 2>&1; fi
    if on $R1 "${CURL[@]}" "http://$E2E_CLIENT_ADDR/cgi-bin/addr" >/dev/null 2>&1; then
      fail "negative control: no answer from the outside without the MASQUERADE rule" "a request got through"
    else pass "negative control: no answer from the outside without the MASQUERADE rule"; fi
    # put the rule back the distro's way, from the generated file
    if [ "$DISTRO" = redhat ]; then on $D timeout 30 /etc/init.d/iptables restart >/dev/null 2>&1
    elif [ "$DISTRO" = debian12 ]; then on $D timeout 30 systemctl reload nftables >/dev/null 2>&1
    else on $D timeout 30 sh -c 'ifdown eth1 && ifup eth1' >/dev/null 2>&1; fi
    body=$(on $R1 "${CURL[@]}" "http://$E2E_CLIENT_ADDR/cgi-bin/addr" 2>&1)
    if [ "$body" = "$EXT" ]; then pass "masquerading again after re-applying the generated rule"
    else fail "masquerading again after re-applying the generated rule" "got: $body"; fi
    if [ "$DISTRO" = debian12 ]; then
      # the ruleset replaces only its own table: loaded once more (over a live
      # table this time), there is still one table and one rule
      on $D timeout 30 systemctl reload nftables >/dev/null 2>&1
      local rs; rs=$(on $D nft list ruleset 2>&1)
      if [ "$(echo "$rs" | grep -c '^table ip lvsgen ')" = 1 ] && [ "$(echo "$rs" | norm | grep -cxF "ip saddr $SRVNET masquerade")" = 1 ]; then
        pass "systemctl reload nftables again on $D: one table ip lvsgen, one masquerade rule"
      else fail "systemctl reload nftables again on $D: one table ip lvsgen, one masquerade rule" "$rs"; fi
    fi
  fi

  if phase ldirectord; then ldirectord_phase; fi
}

# debian12: the seed's masquerading check with today's tool. `nft list table ip
# lvsgen` must show the rule in a chain on the nat postrouting hook.
masquerade_nft_check() {
  local D=director SRVNET=192.168.6.0/24 nft
  nft=$(on $D nft list table ip lvsgen 2>&1)
  echo "$nft" >"$OUT/director.nft"
  if echo "$nft" | norm | grep -qxF "ip saddr $SRVNET masquerade" &&
    echo "$nft" | norm | grep -qxF 'type nat hook postrouting priority srcnat; policy accept;'; then
    pass "nft list table ip lvsgen on $D: ip saddr $SRVNET masquerade (nat, postrouting)"
  else
    fail "nft list table ip lvsgen on $D: ip saddr $SRVNET masquerade (nat, postrouting)" "$nft"
  fi
}

# The fake table, normalised, without the version line.
fake_table() { on director ipvsadm -L -n 2>&1; }
table_is() { [ "$(fake_table | table_body)" = "$1" ]; }

ldirectord_phase() {
  local D=director R1=real1
  local started_by_installer=1
  if ldirectord_runs $D; then
    pass "ldirectord runs after install.sh on $D"
    [ "$DISTRO" = debian12 ] && check "ldirectord.service is active on $D" on $D systemctl is-active ldirectord
  else
    started_by_installer=0
    fail "ldirectord runs after install.sh on $D" \
      "no live ldirectord (/var/run/ldirectord.*.pid); the installer said: $(grep -A2 'ldirectord start' "$OUT/$D.install" | tr '\n' ' ')"
    info "starting ldirectord with the generated file explicitly: ldirectord /etc/ha.d/ldirectord.cf start"
    on $D timeout 60 /usr/sbin/ldirectord /etc/ha.d/ldirectord.cf start >"$OUT/ldirectord.start" 2>&1
  fi
  local seed=$SEED_TABLE predicted=
  [ -s "$OUT/prediction" ] && predicted=$(table_body <"$OUT/prediction")
  local t=$SECONDS table_ok=1
  if wait_for 20 table_is "$seed"; then
    pass "ldirectord's table equals the seed's ipvsadm -L -n (after $((SECONDS - t)) s)"
  else
    table_ok=0
    fail "ldirectord's table equals the seed's ipvsadm -L -n" "$(fake_table)"
  fi
  verify_host $D \
    "SKIP:lsmod=the test machine's kernel has no loadable modules: ip_vs_ftp is proven in the VM tier"
  fake_table >"$OUT/ipvsadm.table"
  if fake_table | head -1 | grep -qE "$VERSION_RE"; then pass "ipvsadm -L -n header line"; else fail "ipvsadm -L -n header line" "$(fake_table | head -1)"; fi
  if [ -n "$predicted" ]; then
    if [ "$(fake_table | table_body)" = "$predicted" ]; then pass "ldirectord's table equals lvsgen ipvsadm's prediction"
    else fail "ldirectord's table equals lvsgen ipvsadm's prediction" "table: $(fake_table) prediction: $(cat "$OUT/prediction")"; fi
  else
    fail "ldirectord's table equals lvsgen ipvsadm's prediction" "no prediction file"
  fi
  cp "$(upper_of $D)/var/log/lvsgen-e2e/ipvsadm.log" "$OUT/ipvsadm.commands" 2>/dev/null
  local c
  for c in '-A -t 10.1.3.61:21 -s rr -p 600' '-A -t 10.1.3.61:80 -s rr' '-A -t 10.1.3.61:443 -s rr'; do
    check "ldirectord ran ipvsadm $c" grep -qE -- "^ipvsadm $c *\$" "$OUT/ipvsadm.commands"
  done
  check "ldirectord added 192.168.6.4:80 as masq, weight 1" grep -qE -- '^ipvsadm -[ae] -t 10.1.3.61:80 .*-r 192.168.6.4:80 -m -w 1$' "$OUT/ipvsadm.commands"

  # A real server whose check page disappears is taken out (quiescent=yes in
  # the generated file: weight 0, the entry stays) and comes back with it.
  local root; root=$(docroot_of "${E2E_DISTRO[$R1]}")
  local down; down=$(echo "$SEED_TABLE" | sed -E 's#^(-> 192\.168\.6\.4:(80|443) Masq) 1 #\1 0 #')
  if [ $table_ok = 0 ]; then
    fail "page gone on $R1" "not tried: the table never matched the seed's"
    fail "page back on $R1" "not tried: the table never matched the seed's"
  else
  on $R1 mv "$root/ldirector.html" "$root/ldirector.html.away"
  t=$SECONDS
  if wait_for 20 table_is "$down"; then
    pass "page gone on $R1: 192.168.6.4:80 and :443 set to weight 0 within $((SECONDS - t)) s (checkinterval 2), :21 and real2 stay"
  else
    fail "page gone on $R1: 192.168.6.4:80 and :443 set to weight 0" "$(fake_table)"
  fi
  on $R1 mv "$root/ldirector.html.away" "$root/ldirector.html"
  t=$SECONDS
  if wait_for 20 table_is "$SEED_TABLE"; then pass "page back on $R1: weight 1 again within $((SECONDS - t)) s"
  else fail "page back on $R1: weight 1 again" "$(fake_table)"; fi
  fi

  # Stopping ldirectord empties the table.
  if [ $started_by_installer = 0 ]; then on $D timeout 60 /usr/sbin/ldirectord /etc/ha.d/ldirectord.cf stop >"$OUT/ldirectord.stop" 2>&1
  elif [ "$DISTRO" = debian12 ]; then on $D timeout 60 systemctl stop ldirectord >"$OUT/ldirectord.stop" 2>&1
  else on $D timeout 60 /etc/init.d/ldirectord stop >"$OUT/ldirectord.stop" 2>&1; fi
  local empty='Prot LocalAddress:Port Scheduler Flags
-> RemoteAddress:Port Forward Weight ActiveConn InActConn'
  if wait_for 15 table_is "$empty"; then pass "stopping ldirectord empties the table"
  else fail "stopping ldirectord empties the table" "$(fake_table)"; fi
  cp "$(upper_of $D)/var/log/lvsgen-e2e/ipvsadm.log" "$OUT/ipvsadm.commands" 2>/dev/null
  grep ldirectord "$(upper_of $D)/var/log/messages" >"$OUT/ldirectord.log" 2>/dev/null
}

##############################################################################
hacidr() {
  local RT=router N1=node1 N2=node2
  local GW=192.168.6.1 FLOAT=192.168.6.240 VNET=192.168.0.0/24
  local h
  install_host $RT
  for h in $N1 $N2; do
    # each node answers HTTP on every local address with its own name
    on "$h" sh -c "mkdir -p /srv/lvsgen-e2e && echo $h >/srv/lvsgen-e2e/index.html"
    on_bg "$h" busybox httpd -f -p 80 -h /srv/lvsgen-e2e
  done
  if [ $HA = heartbeat ]; then
    for h in $N1 $N2; do boot_state "$h" heartbeat off; done
    # both nodes' installers start heartbeat
    install_host $N1 &
    local p1=$!
    install_host $N2
    wait $p1
  else
    for h in $N1 $N2; do boot_state "$h" keepalived off; done
    # both nodes' installers start keepalived. Both are BACKUP with nopreempt
    # (auto_failback off): the first whose master-down timer runs out becomes
    # master, node1 when they start together (its higher priority makes its skew
    # shorter) or node1 first, as here.
    install_host $N1
    install_host $N2
  fi

  if phase net; then
    local got; got=$(on $RT ip route list "$VNET" | norm)
    if [ "$got" = "$VNET via $FLOAT dev eth0" ]; then pass "ip route list $VNET on $RT: $VNET via $FLOAT dev eth0"
    else fail "ip route list $VNET on $RT: $VNET via $FLOAT dev eth0" "got: $got"; fi
    check "net.ipv4.ip_forward = 1 on $RT" test "$(on $RT sysctl -n net.ipv4.ip_forward)" = 1
    check "net.ipv4.conf.default.rp_filter = 1 on $RT" test "$(on $RT sysctl -n net.ipv4.conf.default.rp_filter)" = 1
    for h in $N1 $N2; do
      got=$(route_default "$h")
      if [ "$got" = "default via $GW dev eth0" ]; then pass "ip route show 0/0 on $h: default via $GW dev eth0"
      else fail "ip route show 0/0 on $h: default via $GW dev eth0" "got: $got"; fi
      got=$(on "$h" ip -4 addr show dev lo | norm)
      if echo "$got" | grep -qxF "inet 192.168.0.0/24 brd 192.168.0.255 scope global lo:0"; then
        pass "lo:0 holds 192.168.0.0/24 on $h"
      else fail "lo:0 holds 192.168.0.0/24 on $h" "$got"; fi
      got=$(on "$h" ifconfig lo:0 2>&1 | norm)
      if echo "$got" | grep -qF "inet 192.168.0.0 netmask 255.255.255.0"; then pass "ifconfig lo:0 on $h: inet 192.168.0.0 netmask 255.255.255.0"
      else fail "ifconfig lo:0 on $h: inet 192.168.0.0 netmask 255.255.255.0" "$got"; fi
      got=$(on "$h" ip route get 192.168.0.77 2>&1 | head -1 | norm)
      case $got in "local 192.168.0.77 dev lo"*) pass "every address of $VNET is local on $h" ;;
        *) fail "every address of $VNET is local on $h" "ip route get 192.168.0.77: $got" ;; esac
      if [ $HA = heartbeat ]; then
        check "heartbeat starts at boot on $h" enabled_at_boot "$h" heartbeat
        check "/etc/ha.d/authkeys is mode 600 on $h" test "$(on "$h" stat -c %a /etc/ha.d/authkeys)" = 600
      else
        check "keepalived starts at boot (systemctl is-enabled) on $h" enabled_at_boot "$h" keepalived
        check "/etc/keepalived/keepalived.conf (VRRP password) is mode 600 on $h" test "$(on "$h" stat -c %a /etc/keepalived/keepalived.conf)" = 600
      fi
      verify_host "$h"
    done
    verify_host $RT
  fi

  if phase $HA || phase traffic; then failover_phase; fi
}

holds() { on "$1" ip -4 addr show dev eth0 | grep -q "inet $2/"; }
answer() { client "${CURL[@]}" "http://$1/" 2>&1; }
answer_is() { [ "$(answer "$1")" = "$2" ]; }
hb_running() { on "$1" sh -c 'test -s /var/run/heartbeat.pid && kill -0 $(cat /var/run/heartbeat.pid)'; }
# The pair's daemon: heartbeat by its init script, or (debian12) keepalived by
# its systemd unit (the unit's own ExecStart: `keepalived --dont-fork`; with no
# virtual_server in keepalived.conf it starts only its VRRP process).
ha_name() { if [ $HA = heartbeat ]; then echo heartbeat; else echo keepalived; fi; }
ha_running() { if [ $HA = heartbeat ]; then hb_running "$1"; else on "$1" systemctl is-active keepalived; fi; }
ha_stop() {
  if [ $HA = heartbeat ]; then on "$1" timeout 90 /etc/init.d/heartbeat stop
  else on "$1" timeout 90 systemctl stop keepalived; fi
}
ha_start() {
  if [ $HA = heartbeat ]; then on "$1" timeout 60 /etc/init.d/heartbeat start
  else on "$1" timeout 60 systemctl start keepalived; fi
}
# How often HOST has settled as the one not holding the resources: heartbeat's
# resource negotiation done, or keepalived's VRRP instance in BACKUP state.
ha_settled() {
  local log; log=$(upper_of "$1")/var/log/messages
  if [ $HA = heartbeat ]; then grep -c 'Initial resource acquisition complete' "$log"
  else grep -c 'Keepalived_vrrp.*(ha-cidr) Entering BACKUP STATE' "$log"; fi
}
settled_more() { [ "$(ha_settled "$1")" -gt "$2" ]; }

failover_phase() {
  local RT=router N1=node1 N2=node2 FLOAT=192.168.6.240 VNET=192.168.0.0/24
  local h t ha; ha=$(ha_name)
  for h in $N1 $N2; do check "$ha runs on $h after install.sh" ha_running "$h"; done
  # The client is on the outside; its gateway is the router.
  client ip route replace default via "$E2E_CLIENT_GW"
  t=$SECONDS
  if wait_for 60 holds $N1 $FLOAT; then pass "floating address $FLOAT on $N1 (the preferred node) within $((SECONDS - t)) s"
  else
    fail "floating address $FLOAT on $N1 (the preferred node)" "$(on $N1 ip -4 addr show dev eth0)"
    # the rest would only wait out its bounds: say so, quickly
    local c why="not tried: $FLOAT never came up on $N1"
    for c in "the client reaches 192.168.0.10 of $VNET" "negative control: no answer without the router's route to $VNET" \
      "$ha stopped on $N1: $FLOAT moves to $N2" "the router's route to $VNET is now answered by $N2" "auto_failback off: $N1 rejoins"; do
      fail "$c" "$why"
    done
    [ $HA = vrrp ] && fail "negative control: keepalived stopped on both nodes" "$why"
    return
  fi
  if holds $N2 $FLOAT; then fail "floating address not on $N2" "$(on $N2 ip -4 addr show dev eth0)"
  else pass "floating address not on $N2"; fi
  local a
  for a in 192.168.0.10 192.168.0.254; do
    if wait_for 10 answer_is $a $N1; then pass "the client reaches $a of $VNET: answered by $N1"
    else fail "the client reaches $a of $VNET: answered by $N1" "got: $(answer $a)"; fi
  done

  if phase traffic; then
    # negative controls: the router's route, its forwarding, the node's lo:0
    on $RT ip route del "$VNET" via "$FLOAT"
    if answer_is 192.168.0.10 $N1; then fail "negative control: no answer without the router's route to $VNET" "answered"
    else pass "negative control: no answer without the router's route to $VNET"; fi
    on $RT ip route add "$VNET" via "$FLOAT"
    check "answers again with the route back" wait_for 10 answer_is 192.168.0.10 $N1
    on $RT sysctl -q -w net.ipv4.ip_forward=0
    if answer_is 192.168.0.10 $N1; then fail "negative control: no answer with forwarding off on $RT" "answered"
    else pass "negative control: no answer with forwarding off on $RT"; fi
    on $RT sysctl -q -w net.ipv4.ip_forward=1
    check "answers again with forwarding on" wait_for 10 answer_is 192.168.0.10 $N1
    on $N1 ip addr del 192.168.0.0/24 dev lo
    if answer_is 192.168.0.10 $N1; then fail "negative control: no answer without lo:0 on $N1" "answered"
    else pass "negative control: no answer without lo:0 on $N1"; fi
    on $N1 ip addr add 192.168.0.0/24 brd 192.168.0.255 dev lo label lo:0
    check "answers again with lo:0 back" wait_for 10 answer_is 192.168.0.10 $N1
  fi

  if phase $HA; then
    # Failover: stop the active node's daemon the distro's way.
    ha_stop $N1 >"$OUT/$N1.$ha-stop" 2>&1
    t=$SECONDS
    if wait_for 60 holds $N2 $FLOAT; then pass "$ha stopped on $N1: $FLOAT moves to $N2 within $((SECONDS - t)) s"
    else fail "$ha stopped on $N1: $FLOAT moves to $N2" "$(on $N2 ip -4 addr show dev eth0)"; fi
    if holds $N1 $FLOAT; then fail "$FLOAT released by $N1" "$(on $N1 ip -4 addr show dev eth0)"
    else pass "$FLOAT released by $N1"; fi
    t=$SECONDS
    if wait_for 20 answer_is 192.168.0.10 $N2; then pass "the router's route to $VNET is now answered by $N2 (after $((SECONDS - t)) s)"
    else fail "the router's route to $VNET is now answered by $N2" "got: $(answer 192.168.0.10)"; fi
    # auto_failback off: node1 comes back, settles (heartbeat: "Initial
    # resource acquisition complete"; VRRP: BACKUP state, then the master-down
    # interval and 2 s more: a preempting node1 discards node2's advertisements
    # of lower priority and takes over when that interval, 3 x advert_int plus
    # its skew, runs out) and the address stays on node2.
    local log1 seen
    log1=$(upper_of $N1)/var/log/messages
    seen=$(ha_settled $N1)
    ha_start $N1 >"$OUT/$N1.$ha-start" 2>&1
    if wait_for 60 settled_more $N1 "$seen"; then
      if [ $HA = heartbeat ]; then sleep 1
      else
        local adv; adv=$(awk '$1 == "advert_int" { print $2 }' "$BUNDLES/$N1/etc/keepalived/keepalived.conf")
        sleep $((3 * ${adv:-1} + 2))
      fi
      if holds $N2 $FLOAT && ! holds $N1 $FLOAT; then pass "auto_failback off: $N1 rejoins, $FLOAT stays on $N2"
      else fail "auto_failback off: $N1 rejoins, $FLOAT stays on $N2" "$N1: $(on $N1 ip -4 -o addr show dev eth0) $N2: $(on $N2 ip -4 -o addr show dev eth0)"; fi
    else
      fail "auto_failback off: $N1 rejoins" "$N1 never settled: $(tail -5 "$log1")"
    fi
    if [ $HA = vrrp ]; then
      # negative control: with keepalived stopped on both nodes nobody holds the
      # floating address, and once the router's ARP entry for it is gone (as it
      # ages out) the virtual network is out of reach
      ha_stop $N1 >>"$OUT/$N1.$ha-stop" 2>&1
      ha_stop $N2 >"$OUT/$N2.$ha-stop" 2>&1
      on $RT ip neigh flush dev eth0
      if holds $N1 $FLOAT || holds $N2 $FLOAT || answer_is 192.168.0.10 $N2 || answer_is 192.168.0.10 $N1; then
        fail "negative control: keepalived stopped on both nodes, nobody holds $FLOAT or answers for $VNET" "$N1: $(on $N1 ip -4 -o addr show dev eth0) $N2: $(on $N2 ip -4 -o addr show dev eth0) answer: $(answer 192.168.0.10)"
      else pass "negative control: keepalived stopped on both nodes, nobody holds $FLOAT or answers for $VNET"; fi
    fi
  fi
  for h in $N1 $N2; do grep -E 'heartbeat|IPaddr|ResourceManager|Keepalived' "$(upper_of "$h")/var/log/messages" >"$OUT/$h.$ha.log" 2>/dev/null; done
}

# debian12: what the systemctl stand-in saw. No unit ran from files changed
# since systemd read them without a daemon-reload in between, and the units'
# own output (the journal) is kept. Then each installer once more: every file
# is in place, so it changes nothing and runs nothing.
systemd_checks() {
  local h log out j
  for h in "${E2E_HOSTS[@]}"; do
    out=$(install_bundle "$h" --yes 2>&1)
    echo "$out" >"$OUT/$h.install-again"
    if echo "$out" | grep -qxF "$h: every file is up to date; nothing to do." && ! echo "$out" | grep -q '^+ '; then
      pass "install.sh again on $h: nothing to do, no command run"
    else fail "install.sh again on $h: nothing to do, no command run" "$out"; fi
    log=$(upper_of "$h")/var/log/lvsgen-e2e/systemctl.log
    cp "$log" "$OUT/$h.systemctl.log" 2>/dev/null
    for j in "$(upper_of "$h")"/var/log/lvsgen-e2e/journal/*.log; do
      [ -e "$j" ] && cp "$j" "$OUT/$h.journal.$(basename "$j")"
    done
    if grep -q '^stale ' "$log" 2>/dev/null; then fail "no unit on $h ran from files changed without a daemon-reload" "$(grep '^stale ' "$log")"
    else pass "no unit on $h ran from files changed without a daemon-reload"; fi
  done
}

case $EXAMPLE in
lb-nat) lbnat ;;
ha-cidr) hacidr ;;
esac
[ "$DISTRO" = debian12 ] && systemd_checks
info "tier1 $EXAMPLE $DISTRO took $((SECONDS - t0)) s"
finish_result
