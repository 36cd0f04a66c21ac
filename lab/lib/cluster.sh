# shellcheck shell=bash
# Hosts of an lvsgen cluster as network namespaces, each with a private root
# filesystem: what `lvsgen lab` builds (sourced by lab/lab.sh, in namespaces on
# this machine or inside the lab's VM).
#
# Every host H of the topology gets
#   - a network namespace  $LAB_PREFIX-H  (veth "ethN" into the LAN bridges),
#   - a mount, UTS and IPC namespace held open by a "keeper" process (sleep),
#     with hostname H,
#   - a private root: an overlay of the machine's own / (read-only lower) with a
#     writable upper layer under $LAB_WORK/hosts/H, plus fresh /proc, /sys of its
#     netns, a small /dev, tmpfs /run and /tmp. Whatever the host's installer
#     writes (/etc/network/interfaces, /etc/ha.d/..., /var/lib/lvsgen/...) lands
#     in the upper layer; the machine's files are never touched.
#   - the distro kit: Red Hat's initscripts replayed (kit/redhat: /etc/init.d/
#     network, ifup, ifdown, iptables, chkconfig, ldirectord), a systemctl that
#     runs the machine's units for Debian 12 and RHEL 9 (kit/debian12), RHEL 9's
#     NetworkManager.conf (kit/rhel9: keyfiles only) and, on the test
#     machine's kernel (LAB_TIER=host), stand-ins for what that kernel cannot do
#     (kit/host: ipvsadm with a table in a file, modprobe that records, sysctl
#     that never writes global keys). In the VM (LAB_TIER=vm) the real ones run.
#   - syslogd (busybox) writing the host's /var/log/messages, as the seeds tell
#     operators to read ldirectord's and heartbeat's logs there.
# Commands run "on" a host through nsenter into those namespaces and root.
#
# Cleanup (cluster_down, also from an EXIT trap): every process in the test's
# network namespaces is ended by its pid (ip netns pids), then the namespaces
# are deleted and the work directory removed.
#
# Required before sourcing: LAB_PREFIX (unique, short), LAB_WORK (empty dir),
# LAB_TIER (host|vm). The plan (cluster_up) says which interface joins
# which LAN; addresses come only from the bundles.

LAB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
LAB_DIR=$(dirname "$LAB_LIB")
LAB_KIT=$LAB_DIR/kit
declare -A LAB_KEEPER=() LAB_DISTRO=() LAB_ROOT=() LAB_CLIENT_ADDR=()
LAB_CLIENTS=()
LAB_HOSTS=()
LAB_NS=()
LAB_LANS=()
LAB_BG=()

lab_log() { printf '[%(%T)T] %s\n' -1 "$*" >&2; }

# lab_end PID...: TERM each PID that is still the lab's, and its children.
# Still the lab's: a running job of this shell, or a process in one of the
# lab's namespaces. A pid the lab started and the shell has since reaped may by
# now be another program's (pid_max is 32768 here): the lab never signals it,
# nor its children.
lab_end() {
  local p n ns ours jobs
  jobs=" $(jobs -rp | xargs) "
  for p in "$@"; do
    kill -0 "$p" 2>/dev/null || continue
    ours=
    case $jobs in *" $p "*) ours=1 ;; esac
    if [ -z "$ours" ] && n=$(ip netns identify "$p" 2>/dev/null) && [ -n "$n" ]; then
      for ns in "${LAB_NS[@]}"; do [ "$n" = "$ns" ] && ours=1; done
    fi
    [ -n "$ours" ] || continue
    pkill -TERM -P "$p" 2>/dev/null
    kill "$p" 2>/dev/null
  done
}

ns_of() { echo "$LAB_PREFIX-$1"; }

# --- running things on hosts ------------------------------------------------
# on HOST CMD...: run CMD inside HOST's namespaces and root (the keeper's,
# which it chrooted into: nsenter -r -w), with a clean environment. One exec
# besides CMD's own: under emulation (the VM) each costs 50-200 ms, and the lab
# runs thousands of these.
LAB_ONPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
on() {
  local h=$1; shift
  (
    # shellcheck disable=SC2046 # one exported name a word
    export -n $(compgen -e)
    # shellcheck disable=SC2086 # LAB_ONENV: NAME=VALUE words
    export PATH=$LAB_ONPATH HOME=/root TERM=dumb LANG=C.UTF-8 ${LAB_ONENV:-}
    exec nsenter -t "${LAB_KEEPER[$h]}" -m -u -i -n -r -w -- "$@"
  )
}
# on_bg HOST CMD...: same, in the background; the pid (CMD's own: nsenter
# execs it) is appended to LAB_BG and left in LAB_LAST_PID.
on_bg() {
  local h=$1; shift
  (
    # shellcheck disable=SC2046
    export -n $(compgen -e)
    export PATH=$LAB_ONPATH HOME=/root TERM=dumb LANG=C.UTF-8
    exec nsenter -t "${LAB_KEEPER[$h]}" -m -u -i -n -r -w -- "$@"
  ) &
  LAB_LAST_PID=$!
  LAB_BG+=("$LAB_LAST_PID")
}
# outside HOST CMD...: in HOST's namespaces but not chrooted (the machine's
# files are visible; HOST's root is at ${LAB_ROOT[HOST]}).
outside() {
  local h=$1; shift
  nsenter -t "${LAB_KEEPER[$h]}" -m -u -i -n -- "$@"
}
# client NAME CMD...: run CMD in the client namespace NAME.
client() { local c=$1; shift; ip netns exec "$(ns_of "$c")" "$@"; }
# A path of HOST's root as the test machine sees it (read-only use: the upper
# layer, i.e. what was written on that host).
upper_of() { echo "$LAB_WORK/hosts/$1/upper"; }

# wait_for SECONDS CMD...: retry CMD every 0.3 s until it succeeds or time runs out.
# LAB_SLOW multiplies the limit (the VM under TCG is several times slower).
wait_for() {
  local limit=$(($1 * ${LAB_SLOW:-1})); shift
  local end=$((SECONDS + limit))
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    [ $SECONDS -ge $end ] && return 1
    sleep 0.3
  done
}

# --- building ---------------------------------------------------------------
# ip netns add, tried again: the first `ip netns add` on a machine makes
# /run/netns a shared mount, and several at once (other labs, other tools) can
# race on it.
lab_netns_add() {
  local i
  for i in 1 2 3 4 5; do
    ip netns add "$1" && return 0
    [ -e "/run/netns/$1" ] && ip netns del "$1" 2>/dev/null
    lab_log "ip netns add $1 failed (try $i)"
    sleep 1
  done
  return 1
}
# veth pair under random names in the root namespace, moved and renamed.
lab_link() { # lab_link NS_A IF_A NS_B IF_B
  local a="v$RANDOM$RANDOM" b="v$RANDOM$RANDOM"
  ip link add "$a" type veth peer name "$b" &&
    ip link set "$a" netns "$1" && ip -n "$1" link set "$a" name "$2" &&
    ip link set "$b" netns "$3" && ip -n "$3" link set "$b" name "$4"
}

# Populate HOST's upper layer before its overlay is mounted: the distro kit and
# the identity every installed host already has (hostname, hosts file; on Red
# Hat the stock /etc/sysconfig/network and ifcfg-lo). The administrator's own
# configuration comes after, from lib/admin.sh (admin_seed).
lab_seed_root() { # lab_seed_root HOST DISTRO UPPER
  local h=$1 d=$2 u=$3
  mkdir -p "$u/etc" "$u/usr/lib/lvsgen-lab" "$u/var/log/lvsgen-lab" "$u/var/lib/lvsgen-lab"
  echo "$h" >"$u/etc/hostname"
  {
    echo "127.0.0.1	localhost"
    echo "127.0.1.1	$h"
  } >"$u/etc/hosts"
  # The machine's own interfaces file is not this host's: start from Debian's
  # stock one (lo only), as a freshly installed host has it.
  mkdir -p "$u/etc/network"
  printf 'auto lo\niface lo inet loopback\n' >"$u/etc/network/interfaces"
  # ifupdown hooks of the test machine (systemd-resolved) have no business here.
  local hook
  for hook in /etc/network/if-*.d/*; do
    [ -e "$hook" ] || continue
    mkdir -p "$u$(dirname "$hook")"
    ln -sf /bin/true "$u$hook"
  done
  # the lab's own servers (udp-server)
  cp -a "$LAB_KIT/lab/." "$u/usr/lib/lvsgen-lab/"
  # heartbeat's node uuid is each host's own (made at its first start): one on
  # the machine would be every host's (a whiteout hides it), and nodes that
  # share a uuid take each other for themselves ("nodename ... uuid changed")
  if [ -e /var/lib/heartbeat/hb_uuid ]; then
    mkdir -p "$u/var/lib/heartbeat"
    mknod "$u/var/lib/heartbeat/hb_uuid" c 0 0
  fi
  if [ "$d" = redhat ]; then
    cp -a "$LAB_KIT/redhat/." "$u/"
    mkdir -p "$u/etc/sysconfig"
    printf 'NETWORKING=yes\nHOSTNAME=%s\n' "$h" >"$u/etc/sysconfig/network"
  fi
  if [ "$d" = debian12 ] || [ "$d" = rhel9 ]; then
    # No systemd runs as the host's pid 1: kit/debian12's systemctl runs the
    # machine's own units (see there); the real one edits the unit symlinks.
    mkdir -p "$u/usr/bin"
    cp /usr/bin/systemctl "$u/usr/lib/lvsgen-lab/systemctl.real"
    install -m 0755 "$LAB_KIT/debian12/usr/bin/systemctl" "$u/usr/bin/systemctl"
  fi
  if [ "$d" = rhel9 ]; then
    cp -a "$LAB_KIT/rhel9/." "$u/"
    # NetworkManager's dispatcher script for Debian's ifupdown (if-up.d hooks)
    # is not RHEL's: a whiteout hides it
    if [ -e /etc/NetworkManager/dispatcher.d/01-ifupdown ]; then
      mkdir -p "$u/etc/NetworkManager/dispatcher.d"
      mknod "$u/etc/NetworkManager/dispatcher.d/01-ifupdown" c 0 0
    fi
  fi
  if [ "$LAB_TIER" = host ]; then
    mkdir -p "$u/usr/sbin"
    cp /usr/sbin/sysctl "$u/usr/lib/lvsgen-lab/sysctl.real" 2>/dev/null ||
      cp /sbin/sysctl "$u/usr/lib/lvsgen-lab/sysctl.real"
    install -m 0755 "$LAB_KIT/host/sysctl" "$u/usr/sbin/sysctl"
    install -m 0755 "$LAB_KIT/host/modprobe" "$u/usr/sbin/modprobe"
    install -m 0755 "$LAB_KIT/host/ipvsadm" "$u/usr/sbin/ipvsadm"
  fi
}

# The keeper: enters the netns, unshares mount+UTS+IPC, mounts HOST's root and
# sleeps chrooted there; its pid is the handle for nsenter. Started in the
# background: lab_keeper_ready waits for it.
lab_keeper() { # lab_keeper HOST
  local h=$1 ns; ns=$(ns_of "$1")
  local base=$LAB_WORK/hosts/$h
  local r=$base/root
  local ro_sys=0 nm=0
  [ "$LAB_TIER" = host ] && ro_sys=1
  # NetworkManager waits for udev to announce every device unless /sys is
  # read-only (how it runs in a container; no udev runs in a namespace)
  [ "${LAB_DISTRO[$h]}" = rhel9 ] && nm=1
  ip netns exec "$ns" unshare --mount --uts --ipc --propagation private \
    bash -c '
      set -e
      base=$1 r=$2 h=$3 ro_sys=$4 lower=${5:-/}
      mount -t overlay overlay -o "lowerdir=$lower,upperdir=$base/upper,workdir=$base/work" "$r"
      mount -t proc proc "$r/proc"
      mount --rbind /sys "$r/sys"
      [ "$7" = 1 ] && mount -o remount,bind,ro "$r/sys"
      if [ "$ro_sys" = 1 ]; then
        # Only net.* is this namespace'"'"'s own: the rest of /proc/sys is read-only.
        mount --bind "$r/proc/sys" "$r/proc/sys"
        mount -o remount,bind,ro "$r/proc/sys"
        mount --bind /proc/sys/net "$r/proc/sys/net"
      fi
      mount -t tmpfs -o mode=0755,size=8m tmpfs "$r/dev"
      for n in null zero full random urandom tty; do
        : >"$r/dev/$n"; mount --bind "/dev/$n" "$r/dev/$n"
      done
      mkdir -p "$r/dev/pts" "$r/dev/shm"
      mount -t tmpfs -o mode=1777,size=16m tmpfs "$r/dev/shm"
      ln -s /proc/self/fd "$r/dev/fd"
      ln -s /proc/self/fd/0 "$r/dev/stdin"
      ln -s /proc/self/fd/1 "$r/dev/stdout"
      ln -s /proc/self/fd/2 "$r/dev/stderr"
      mount -t tmpfs -o mode=0755,size=32m tmpfs "$r/run"
      mkdir -p "$r/run/lock" "$r/run/network" "$r/run/sendsigs.omit.d"
      chmod 1777 "$r/run/lock"
      mount -t tmpfs -o mode=1777,size=64m tmpfs "$r/tmp"
      # the running kernel'"'"'s modules, when they are a mount of their own (the VM)
      kver=$(uname -r)
      if [ -d "/lib/modules/$kver" ] && mountpoint -q "/lib/modules/$kver"; then
        mkdir -p "$r/lib/modules/$kver"
        mount --bind "/lib/modules/$kver" "$r/lib/modules/$kver"
      fi
      hostname "$h"
      # its root is the host'"'"'s (`on` enters it: nsenter -r -w); ready once there
      exec 9>"$base/ready"
      exec chroot "$r" sh -c '"'"'echo ok >&9; exec 9>&-; exec sleep "$1"'"'"' keeper "${6:-7200}"
    ' keeper "$base" "$r" "$h" "$ro_sys" "${LAB_LOWER:-/}" "${LAB_KEEPER_SLEEP:-7200}" "$nm" \
    >"$base/keeper.log" 2>&1 &
  LAB_KEEPER[$h]=$!
}
# lab_keeper_ready HOST: its keeper has mounted the root (the keepers start
# side by side: each takes seconds under emulation).
lab_keeper_ready() {
  local base=$LAB_WORK/hosts/$1
  wait_for 60 test -s "$base/ready" && return 0
  lab_log "host $1: root did not come up: $(cat "$base/keeper.log")"
  return 1
}

# cluster_up PLAN BUNDLES: build every LAN, host and client of the plan
# (src/lab/plan.ts writes it; tab-separated records):
#   lan NAME NETWORK             a LAN (a bridge in the LAN namespace)
#   host NAME DISTRO             a host; its bundle is BUNDLES/NAME
#   link HOST IFACE LAN          HOST's IFACE is plugged into LAN
#   client NAME LAN ADDR/PREFIX GATEWAY|- [ADDR6/PREFIX,... GATEWAY6|-]
#                                a client namespace of the lab's own
cluster_up() {
  local plan=$1 bundles=$2
  LAB_BUNDLES=$bundles
  local lan_ns kind a b c d e f
  lan_ns=$(ns_of lan)
  lab_netns_add "$lan_ns" || return 1
  LAB_NS+=("$lan_ns")
  ip -n "$lan_ns" link set lo up
  local -A bridge=()
  local nbr=0
  while IFS=$'\t' read -r kind a b c d e f _; do
    case $kind in
    lan)
      bridge[$a]=br$nbr
      ip -n "$lan_ns" link add "br$nbr" type bridge || return 1
      # no STP delay: ports forward at once
      ip -n "$lan_ns" link set "br$nbr" type bridge forward_delay 0 stp_state 0 2>/dev/null
      ip -n "$lan_ns" link set "br$nbr" up
      LAB_LANS+=("$a")
      nbr=$((nbr + 1))
      ;;
    host)
      LAB_HOSTS+=("$a")
      LAB_DISTRO[$a]=$b
      local ns; ns=$(ns_of "$a")
      lab_netns_add "$ns" || return 1
      LAB_NS+=("$ns")
      local base=$LAB_WORK/hosts/$a
      mkdir -p "$base/upper" "$base/work" "$base/root"
      LAB_ROOT[$a]=$base/root
      lab_seed_root "$a" "$b" "$base/upper"
      # the administrator's configuration (lib/admin.sh), on the host's first device,
      # with the ports of its own applications there (not the virtual services')
      # shellcheck disable=SC2046 # one PROTO/PORT a word
      admin_seed "$a" "$b" "$base/upper" "$(awk -F'\t' -v h="$a" '$1 == "link" && $2 == h { print $3; exit }' "$plan")" \
        $(admin_ports "$plan" "$a")
      ;;
    link)
      local port="p$RANDOM$RANDOM"
      lab_link "$(ns_of "$a")" "$b" "$lan_ns" "$port" || return 1
      ip -n "$lan_ns" link set "$port" master "${bridge[$c]}"
      ip -n "$lan_ns" link set "$port" up
      ;;
    client)
      local cns; cns=$(ns_of "$a")
      lab_netns_add "$cns" || return 1
      LAB_NS+=("$cns")
      LAB_CLIENTS+=("$a")
      ip -n "$cns" link set lo up
      local port="p$RANDOM$RANDOM"
      lab_link "$cns" eth0 "$lan_ns" "$port" || return 1
      ip -n "$lan_ns" link set "$port" master "${bridge[$b]}"
      ip -n "$lan_ns" link set "$port" up
      ip -n "$cns" addr add "$c" dev eth0
      # IPv6: usable at once (nodad: the lab chose a free address); no router
      # advertisements are sent on the lab's LANs, so none are taken either
      local x
      for x in ${e//,/ }; do [ "$x" = - ] || ip -n "$cns" addr add "$x" dev eth0 nodad; done
      ip -n "$cns" link set eth0 up
      # shellcheck disable=SC2034 # read by lab.sh
      LAB_CLIENT_ADDR[$a]=${c%/*}
      [ "$d" = - ] || ip -n "$cns" route add default via "$d"
      [ -z "$f" ] || [ "$f" = - ] || ip -n "$cns" -6 route add default via "$f"
      ;;
    esac
  done <"$plan"
  local h
  for h in "${LAB_HOSTS[@]}"; do lab_keeper "$h"; done
  for h in "${LAB_HOSTS[@]}"; do
    lab_keeper_ready "$h" || return 1
    # a booted host: loopback up, its own syslog
    on "$h" ip link set lo up
    on_bg "$h" busybox syslogd -n -O /var/log/messages
  done
  for h in "${LAB_HOSTS[@]}"; do
    wait_for 10 on "$h" test -S /dev/log || lab_log "host $h: no syslog socket"
    # what the boot made of the administrator's files: sysctls, firewall rules
    [ "${LAB_DISTRO[$h]}" = rhel9 ] && lab_boot_dbus "$h"
    admin_boot "$h"
    [ "${LAB_DISTRO[$h]}" = debian12 ] && lab_boot_systemd "$h"
    [ "${LAB_DISTRO[$h]}" = rhel9 ] && lab_boot_networkmanager "$h"
  done
  return 0
}

# What a Debian 12 host's boot leaves behind that its installer relies on:
# systemd-tmpfiles' legacy.conf makes /run/lock/subsys (ldirectord.service's
# ExecStartPost touches a file there), networking.service has run `ifup -a`
# (lo, from the stock interfaces file) and is active, and systemd has read the
# units the installer will drive (so a drop-in written later needs the
# daemon-reload the stand-in checks for).
lab_boot_systemd() {
  local h=$1
  on "$h" mkdir -p /run/lock/subsys
  on "$h" timeout 60 systemctl start networking || lab_log "host $h: networking.service did not start"
  on "$h" systemctl is-active networking.service nftables.service ldirectord.service keepalived.service >/dev/null 2>&1
  return 0
}

# A RHEL 9 host's system bus, before anything that talks to it (firewalld,
# NetworkManager, nmcli, firewall-cmd): the machine's dbus-daemon with its own
# system.conf, in the host's namespaces and root, so its socket is the host's
# /run/dbus/system_bus_socket (dbus.service's --address=systemd: needs systemd's
# socket activation, which no one does here).
lab_boot_dbus() {
  local h=$1
  on "$h" mkdir -p /run/dbus
  on_bg "$h" dbus-daemon --system --nofork --nopidfile
  wait_for 10 on "$h" test -S /run/dbus/system_bus_socket || lab_log "host $h: no system bus"
}
# What a RHEL 9 host's boot leaves behind that its installer relies on:
# NetworkManager.service running (the machine's unit through kit/debian12's
# systemctl: Type=dbus, started once it owns its bus name), having activated
# the profiles it found (the administrator's: lib/admin.sh). firewalld is the
# administrator's (admin_boot starts it).
lab_boot_networkmanager() {
  local h=$1
  on "$h" timeout 60 systemctl start NetworkManager || lab_log "host $h: NetworkManager.service did not start"
  wait_for 30 on "$h" nmcli -t general status || lab_log "host $h: nmcli general status: no NetworkManager"
  return 0
}

# install_bundle HOST [ARGS...]: run HOST's generated installer against HOST's
# root (install.sh --root ROOT --yes ...), from HOST's namespaces; its commands
# run chrooted into that root. Output goes to stdout. Bounded (180 s).
install_bundle() { local h=$1; shift; install_from "$LAB_BUNDLES/$h" "$h" "$@"; }
# install_from BUNDLE HOST [ARGS...]: the same with the installer of another
# copy of HOST's bundle (the reload check's changed one).
install_from() {
  local b=$1 h=$2; shift 2
  outside "$h" timeout -k 5 "${LAB_INSTALL_TIMEOUT:-180}" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TMPDIR=/tmp LANG=C.UTF-8 \
    ${LAB_INSTALL_ENV:-} \
    sh "$b/.lvsgen/install.sh" --root "${LAB_ROOT[$h]}" "$@"
}

# End every process in the test's namespaces, by pid, then the namespaces.
cluster_down() {
  local ns pids p i
  lab_end "${LAB_BG[@]}"
  for i in 1 2; do
    pids=
    for ns in "${LAB_NS[@]}"; do
      pids="$pids $(ip netns pids "$ns" 2>/dev/null)"
    done
    # the keepers are in them (ip netns exec execs the keeper)
    pids=$(echo "$pids" | xargs)
    [ -n "$pids" ] || break
    # shellcheck disable=SC2086
    if [ $i = 1 ]; then kill -TERM $pids 2>/dev/null; else kill -KILL $pids 2>/dev/null; fi
    local end=$((SECONDS + 5))
    while [ $SECONDS -lt $end ]; do
      local alive=
      for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
      [ -z "$alive" ] && break
      sleep 0.2
    done
  done
  for p in "${LAB_BG[@]}"; do wait "$p" 2>/dev/null; done
  for ns in "${LAB_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  LAB_NS=()
}
