# shellcheck shell=bash
# A kept lab: hosts that stay up after lab.sh exits, reached over SSH on a
# management network of the lab's own, and checked again later (`lvsgen lab up`,
# `lvsgen lab check`, `lvsgen lab down`: docs/lab.md, "A lab that stays up").
# Sourced by lab.sh after lib/cluster.sh.
#
#   DIR/ssh/hosts   from lvsgen: "mgmt HOST ADDR/PREFIX" per host and
#                   "control ADDR/PREFIX" (the control namespace's address)
#   DIR/ssh/host_ed25519_key, authorized_keys   the hosts' sshd key (one for
#                   all) and the operator's public key
#   DIR/state       written here once the lab is up: "keeper HOST PID" and
#                   "ns NAME" per namespace; read back by `check`
#
# The management network is a bridge of its own in the LAN namespace: each host
# gets an interface named LAB_MGMT_IF on it (not one of the topology's, so the
# host's own installer never touches it: restarting networking does not cut
# Ansible's connection), and the control namespace PREFIX-ctl is the only other
# member. Nothing on it routes anywhere else.

LAB_MGMT_IF=lvsmgmt

# kept_mgmt_up DIR: the management LAN, the control namespace, and sshd on each
# host, listening on its management address only.
kept_mgmt_up() {
  local dir=$1 lan_ns kind a b port ctl
  lan_ns=$(ns_of lan)
  ip -n "$lan_ns" link add brmgmt type bridge || return 1
  ip -n "$lan_ns" link set brmgmt type bridge forward_delay 0 stp_state 0 2>/dev/null
  ip -n "$lan_ns" link set brmgmt up
  ctl=$(ns_of ctl)
  while IFS=$'\t' read -r kind a b _; do
    case $kind in
    control)
      lab_netns_add "$ctl" || return 1
      LAB_NS+=("$ctl")
      ip -n "$ctl" link set lo up
      port="p$RANDOM$RANDOM"
      lab_link "$ctl" eth0 "$lan_ns" "$port" || return 1
      ip -n "$lan_ns" link set "$port" master brmgmt
      ip -n "$lan_ns" link set "$port" up
      ip -n "$ctl" addr add "$a" dev eth0
      ip -n "$ctl" link set eth0 up
      ;;
    mgmt)
      port="p$RANDOM$RANDOM"
      lab_link "$(ns_of "$a")" "$LAB_MGMT_IF" "$lan_ns" "$port" || return 1
      ip -n "$lan_ns" link set "$port" master brmgmt
      ip -n "$lan_ns" link set "$port" up
      ip -n "$(ns_of "$a")" addr add "$b" dev "$LAB_MGMT_IF"
      ip -n "$(ns_of "$a")" link set "$LAB_MGMT_IF" up
      kept_sshd "$dir" "$a" "${b%/*}" || return 1
      ;;
    esac
  done <"$dir/ssh/hosts"
}

# kept_sshd DIR HOST ADDR: sshd in HOST's namespaces and root, on ADDR:22, root
# login by the operator's key only.
kept_sshd() {
  local dir=$1 h=$2 addr=$3
  on "$h" mkdir -p /etc/lvsgen-lab/ssh /run/sshd || return 1
  # terminals for SSH sessions (Ansible asks for one): the host's own devpts
  if ! outside "$h" mountpoint -q "${LAB_ROOT[$h]}/dev/pts"; then
    outside "$h" mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "${LAB_ROOT[$h]}/dev/pts" || return 1
    outside "$h" ln -sf pts/ptmx "${LAB_ROOT[$h]}/dev/ptmx" || return 1
  fi
  on "$h" sh -c 'umask 077; cat >/etc/lvsgen-lab/ssh/host_ed25519_key' <"$dir/ssh/host_ed25519_key" || return 1
  on "$h" sh -c 'cat >/etc/lvsgen-lab/ssh/authorized_keys' <"$dir/ssh/authorized_keys" || return 1
  on "$h" sh -c 'cat >/etc/lvsgen-lab/ssh/sshd_config' <<CONF || return 1
# the lab's sshd (lvsgen lab up --ssh): the management network only
ListenAddress $addr
Port 22
HostKey /etc/lvsgen-lab/ssh/host_ed25519_key
AuthorizedKeysFile /etc/lvsgen-lab/ssh/authorized_keys
PidFile /run/sshd-lvsgen-lab.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
# A session whose client went away (its namespace deleted) ends within seconds.
ClientAliveInterval 2
ClientAliveCountMax 5
CONF
  on_bg "$h" /usr/sbin/sshd -D -e -f /etc/lvsgen-lab/ssh/sshd_config
  wait_for 30 on "$h" bash -c "exec 3<>/dev/tcp/$addr/22" ||
    { lab_log "host $h: sshd does not listen on $addr:22"; return 1; }
}

# kept_save DIR: what `check` and `down` need to find the lab again.
kept_save() {
  local h ns
  {
    for h in "${LAB_HOSTS[@]}"; do printf 'keeper\t%s\t%s\n' "$h" "${LAB_KEEPER[$h]}"; done
    for ns in "${LAB_NS[@]}"; do printf 'ns\t%s\n' "$ns"; done
  } >"$1/state.new" && mv "$1/state.new" "$1/state"
}

# kept_attach PLAN BUNDLES STATE: the hosts of a lab that is up, as cluster_up
# would have left them (for the checks).
# shellcheck disable=SC2034 # LAB_BUNDLES, LAB_DISTRO, LAB_ROOT: read by lib/cluster.sh and lab.sh
kept_attach() {
  local plan=$1 state=$3 kind a b c _
  LAB_BUNDLES=$2
  while IFS=$'\t' read -r kind a b c _; do
    case $kind in
    host)
      LAB_HOSTS+=("$a")
      LAB_DISTRO[$a]=$b
      LAB_ROOT[$a]=$LAB_WORK/hosts/$a/root
      ;;
    client)
      LAB_CLIENTS+=("$a")
      LAB_CLIENT_ADDR[$a]=${c%/*}
      ;;
    esac
  done <"$plan"
  while IFS=$'\t' read -r kind a b _; do
    [ "$kind" = keeper ] || continue
    kill -0 "$b" 2>/dev/null || { lab_log "host $a: its keeper $b is gone: the lab is not up"; return 1; }
    LAB_KEEPER[$a]=$b
  done <"$state"
  for a in "${LAB_HOSTS[@]}"; do
    [ -n "${LAB_KEEPER[$a]:-}" ] || { lab_log "host $a is not in this lab"; return 1; }
  done
}
