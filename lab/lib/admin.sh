# shellcheck shell=bash
# The administrator's configuration every lab host starts from (docs/lab.md,
# "The administrator's configuration"): a host lvsgen is installed on is not a
# fresh one. Before its root is mounted, each host gets, per distro, files an
# administrator would have written, and at "boot" what the boot would have made
# of them (their sysctls and firewall rules live). Copies of the files are kept
# outside the root; after the install the check `admin-kept` compares the
# host's files with them and reads the live state back. Sourced by lab.sh after
# lib/cluster.sh.
#
# Nothing here reaches outside the host's namespaces: the sysctl keys are
# per network namespace (net.ipv4.tcp_*, which never log to the machine's
# kernel log; the lab's sysctl stand-in applies only net.* keys), the firewall
# rules are the namespace's own, and no gateway is added (the lab's routes come
# from the topology).
#
# KEEP = $LAB_WORK/hosts/HOST/admin holds
#   files/PATH   the administrator's PATH as seeded (mode kept)
#   manifest     what admin_check checks, one record a line, fields split by tabs:
#     kept PATH               PATH without lvsgen's marked blocks is the copy, byte
#                             for byte, with its mode
#     option PATH DEV LINE    PATH's `iface DEV inet` stanza holds LINE (an option
#                             of the administrator's the ifupdown merge carries)
#     backup PATH             the installer kept the copy as PATH's original
#                             (/var/lib/lvsgen/backup/PATH), byte for byte
#     disabled PATH DEV       PATH is the copy with its `iface DEV inet` stanza
#                             commented out (`#lvsgen-disabled# `), and backed up
#     nft FAMILY TABLE RULE   `nft list table FAMILY TABLE` holds RULE
#     iptables TABLE CHAIN RULE   `iptables -t TABLE -S CHAIN` has the line RULE
#     sysctl KEY VALUE        `sysctl -n KEY` is VALUE in the host's namespace
#     keyfile PATH SECTION LINE   the NetworkManager keyfile PATH has LINE in
#                             SECTION (a key of the administrator's profile
#                             the keyfile merge carries into lvsgen's)
#     autoconnect-off PATH    PATH is the copy with `autoconnect=false` first in
#                             its [connection] section (the administrator's
#                             profile of a device lvsgen configures, disabled)
#     firewalld ZONE SERVICE  `firewall-cmd --zone=ZONE --query-service=SERVICE`
#                             says yes (firewalld running with the zone)
#     boot WORD...            run on the host at its boot (not a check)

ADMIN_DNS=192.0.2.53
ADMIN_BACKUP=/var/lib/lvsgen/backup

admin_keep() { echo "$LAB_WORK/hosts/$1/admin"; }

# admin_file UPPER KEEP MODE PATH: the administrator's PATH (stdin) in the
# host's upper layer, and its copy.
admin_file() {
  local u=$1 k=$2 mode=$3 p=$4
  mkdir -p "$(dirname "$u$p")" "$(dirname "$k/files$p")"
  cat >"$k/files$p"
  chmod "$mode" "$k/files$p"
  cp -p "$k/files$p" "$u$p"
}
# admin_record KEEP FIELD...: a record of the manifest being written.
admin_record() { local k=$1; shift; local IFS=$'\t'; echo "$*" >>"$k/manifest.new"; }

# admin_ports PLAN HOST: the PROTO/PORT of each server the lab runs on HOST
# that no virtual service of the topology names (the pair's "who am I" page),
# one a line: the administrator's own applications, which a rhel9
# administrator opens in firewalld's zone. The servers behind the virtual
# services are left out: lvsgen's firewalld policy opens their ports (and the
# lab's checks through them prove it).
admin_ports() {
  awk -F'\t' -v h="$2" '$1 == "server" && $2 == h && $3 == "whoami" { print $4 "/" $5 }' "$1"
}

# admin_seed HOST DISTRO UPPER DEV [PROTO/PORT...]: DEV is a device of the
# topology on HOST (one lvsgen manages: the administrator's DNS servers are on
# it); the ports are those of the administrator's own applications on HOST
# (admin_ports: a rhel9 administrator opens them in firewalld's zone, beside SSH).
admin_seed() {
  local h=$1 d=$2 u=$3 dev=$4 k pp
  shift 4
  k=$(admin_keep "$h")
  rm -rf "$k"
  mkdir -p "$k/files"
  : >"$k/manifest.new"
  rec() { admin_record "$k" "$@"; }
  case $d in
  redhat)
    # Red Hat's own sysctl.conf (forwarding off, as shipped), and a line of the administrator's
    admin_file "$u" "$k" 0644 /etc/sysctl.conf <<'EOF'
# Kernel sysctl configuration file for Red Hat Linux
#
# For binary values, 0 is disabled, 1 is enabled.  See sysctl(8) and
# sysctl.conf(5) for more details.

# Controls IP packet forwarding
net.ipv4.ip_forward = 0

# Controls source route verification
net.ipv4.conf.default.rp_filter = 1

# Controls the System Request debugging functionality of the kernel
kernel.sysrq = 0

# Controls whether core dumps will append the PID to the core filename.
# Useful for debugging multi-threaded applications.
kernel.core_uses_pid = 1

# The administrator's: idle TCP connections probed after 10 minutes
net.ipv4.tcp_keepalive_time = 600
EOF
    admin_file "$u" "$k" 0600 /etc/sysconfig/iptables <<'EOF'
# Firewall configuration written by the administrator
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
# SSH from anywhere
-A INPUT -p tcp --dport 22 -j ACCEPT
COMMIT
EOF
    # the administrator's ifcfg for the device: lvsgen's addresses win, the DNS servers stay
    admin_file "$u" "$k" 0644 "/etc/sysconfig/network-scripts/ifcfg-$dev" <<EOF
# The administrator's
DEVICE=$dev
BOOTPROTO=dhcp
ONBOOT=yes
DNS1=$ADMIN_DNS
DOMAIN=lab.example
EOF
    rec kept /etc/sysctl.conf
    rec kept /etc/sysconfig/iptables
    rec ifcfg "/etc/sysconfig/network-scripts/ifcfg-$dev" DNS1 "$ADMIN_DNS"
    rec ifcfg "/etc/sysconfig/network-scripts/ifcfg-$dev" DOMAIN lab.example
    rec backup "/etc/sysconfig/network-scripts/ifcfg-$dev"
    rec iptables filter INPUT '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT'
    rec sysctl net.ipv4.tcp_keepalive_time 600
    # rc.sysinit's sysctl -p, then the iptables init script
    rec boot /sbin/sysctl -p
    rec boot /etc/init.d/iptables start
    ;;
  debian)
    admin_file "$u" "$k" 0644 /etc/sysctl.conf <<'EOF'
#
# /etc/sysctl.conf - Configuration file for setting system variables
# See sysctl.conf (5) for information.
#

#kernel.domainname = example.com

# The administrator's: idle TCP connections probed every 30 s once probing starts
net.ipv4.tcp_keepalive_intvl = 30
EOF
    admin_file "$u" "$k" 0644 /etc/network/interfaces <<EOF
# /etc/network/interfaces -- configuration file for ifup(8), ifdown(8)

# The loopback interface
auto lo
iface lo inet loopback

# The first network card (the administrator's DNS servers)
auto $dev
iface $dev inet dhcp
	dns-nameservers $ADMIN_DNS
	dns-search lab.example
EOF
    rec kept /etc/sysctl.conf
    rec option /etc/network/interfaces "$dev" "dns-nameservers $ADMIN_DNS"
    rec option /etc/network/interfaces "$dev" 'dns-search lab.example'
    rec backup /etc/network/interfaces
    rec sysctl net.ipv4.tcp_keepalive_intvl 30
    # /etc/init.d/procps at boot
    rec boot /sbin/sysctl -p
    ;;
  debian12)
    admin_file "$u" "$k" 0755 /etc/nftables.conf <<'EOF'
#!/usr/sbin/nft -f

flush ruleset

# The administrator's table: SSH in, the rest as the policy says
table inet admin {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 22 accept
	}
}
EOF
    admin_file "$u" "$k" 0644 /etc/sysctl.d/60-admin.conf <<'EOF'
# The administrator's: FIN-WAIT-2 sockets go after 30 s
net.ipv4.tcp_fin_timeout = 30
EOF
    # cloud-init's stanza for the device (ifup would run it beside lvsgen's:
    # a DHCP client on the lab's LAN once interfaces.d is read)
    admin_file "$u" "$k" 0644 /etc/network/interfaces.d/50-cloud-init <<EOF
# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.  To disable cloud-init's
# network configuration capabilities, write a file
# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
# network: {config: disabled}
auto $dev
iface $dev inet dhcp
    dns-nameservers $ADMIN_DNS
EOF
    rec kept /etc/nftables.conf
    rec kept /etc/sysctl.d/60-admin.conf
    rec disabled /etc/network/interfaces.d/50-cloud-init "$dev"
    rec option "/etc/network/interfaces.d/$dev" "$dev" "dns-nameservers $ADMIN_DNS"
    rec nft inet admin 'tcp dport 22 accept'
    rec sysctl net.ipv4.tcp_fin_timeout 30
    # nftables.service and systemd-sysctl at boot
    rec boot /usr/sbin/nft -f /etc/nftables.conf
    rec boot /usr/sbin/sysctl -p /etc/sysctl.d/60-admin.conf
    ;;
  rhel9)
    # The profile RHEL 9's installer writes for the device (DHCP), with the
    # administrator's DNS server and search domain: NetworkManager brings it
    # up at boot; lvsgen's profile takes the device, keeping these keys
    admin_file "$u" "$k" 0600 "/etc/NetworkManager/system-connections/$dev.nmconnection" <<EOF
[connection]
id=$dev
uuid=7b3c1f0e-5a2d-4c8e-9f61-2d4e8a0b6c13
type=ethernet
interface-name=$dev

[ethernet]

[ipv4]
dns=$ADMIN_DNS;
dns-search=lab.example;
method=auto

[ipv6]
addr-gen-mode=eui64
method=auto

[proxy]
EOF
    # firewalld's public zone (the default one), the administrator's copy: SSH
    # and the administrator's own applications opened; the rest rejected (the
    # virtual services' ports are lvsgen's policy to open)
    {
      cat <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<zone>
  <short>Public</short>
  <description>The administrator's: SSH and the applications it runs itself.</description>
  <service name="ssh"/>
EOF
      for pp in "$@"; do printf '  <port protocol="%s" port="%s"/>\n' "${pp%/*}" "${pp#*/}"; done
      printf '  <forward/>\n</zone>\n'
    } | admin_file "$u" "$k" 0644 /etc/firewalld/zones/public.xml
    admin_file "$u" "$k" 0644 /etc/sysctl.d/60-admin.conf <<'EOF'
# The administrator's: idle TCP connections given up after 5 unanswered probes
net.ipv4.tcp_keepalive_probes = 5
EOF
    local nmc=/etc/NetworkManager/system-connections
    rec kept /etc/firewalld/zones/public.xml
    rec kept /etc/sysctl.d/60-admin.conf
    rec autoconnect-off "$nmc/$dev.nmconnection"
    rec backup "$nmc/$dev.nmconnection"
    rec keyfile "$nmc/lvsgen-$dev.nmconnection" '[ipv4]' "dns=$ADMIN_DNS;"
    rec keyfile "$nmc/lvsgen-$dev.nmconnection" '[ipv4]' 'dns-search=lab.example;'
    rec firewalld public ssh
    rec sysctl net.ipv4.tcp_keepalive_probes 5
    # systemd-sysctl and firewalld.service at boot (NetworkManager after them: lib/cluster.sh)
    rec boot /usr/sbin/sysctl -p /etc/sysctl.d/60-admin.conf
    rec boot /usr/bin/systemctl start firewalld
    ;;
  esac
  unset -f rec
  mv "$k/manifest.new" "$k/manifest"
}

# admin_boot HOST: what the host's boot made of the administrator's files.
admin_boot() {
  local h=$1 k kind args
  k=$(admin_keep "$h")
  [ -f "$k/manifest" ] || return 0
  while IFS=$'\t' read -r kind args; do
    [ "$kind" = boot ] || continue
    local -a w
    IFS=$'\t' read -r -a w <<<"$args"
    on "$h" "${w[@]}" >>"$OUT/$h.admin-boot" 2>&1 || lab_log "host $h: boot: ${w[*]} failed"
  done <"$k/manifest"
}

# --- the comparisons (pure: they read what admin_read prints) ---------------
# admin_read HOST PATH: the host's PATH (overridden by the unit tests).
admin_read() { on "$1" cat "$2"; }
admin_mode() { on "$1" stat -c %a "$2"; }

# A file without lvsgen's marked blocks (install.sh's BEGIN_MARK .. END_MARK).
admin_unblock() {
  awk 'index($0, "# BEGIN lvsgen") == 1 { skip = 1; next } skip { if ($0 == "# END lvsgen") skip = 0; next } { print }'
}
# What a file is with its `iface DEV inet` stanza commented out (stdin).
admin_disabled_form() {
  awk -v dev="$1" '
    $1 ~ /^(iface|auto|mapping|source|source-directory|rename|no-auto-down|no-scripts|allow-.*)$/ { off = $1 == "iface" && $2 == dev && $3 == "inet" }
    off && $0 != "" { print "#lvsgen-disabled# " $0; next }
    { print }'
}
# Does the `iface DEV inet` stanza on stdin hold LINE (leading blanks aside)?
admin_has_option() {
  awk -v dev="$1" -v want="$2" '
    $1 ~ /^(iface|auto|mapping|source|source-directory|rename|no-auto-down|no-scripts|allow-.*)$/ { cur = $1 == "iface" && $2 == dev && $3 == "inet"; next }
    cur { l = $0; sub(/^[ \t]+/, "", l); sub(/[ \t]+$/, "", l); if (l == want) found = 1 }
    END { exit !found }'
}
# What a keyfile is with autoconnect=false first in its [connection] section (stdin).
admin_autoconnect_off_form() {
  awk '{ print } /^\[connection\][ \t]*$/ { print "autoconnect=false" }'
}
# Does the keyfile on stdin hold LINE ($2) in SECTION ($1)?
admin_has_key() {
  awk -v sec="$1" -v want="$2" '/^[ \t]*\[/ { cur = $0; sub(/[ \t]+$/, "", cur); next } cur == sec && $0 == want { found = 1 } END { exit !found }'
}
# How the host's text ($2) differs from the administrator's ($1), for a message:
# the first line of the administrator's it lacks, else the first it gained.
admin_first_diff() {
  local d l
  d=$(diff <(printf '%s\n' "$1") <(printf '%s\n' "$2"))
  l=$(printf '%s\n' "$d" | sed -n 's/^< //p' | head -1)
  if [ -n "$l" ]; then printf 'lacks the line "%s"' "$l" | cut -c1-200
  else printf 'has a line not the administrator'"'"'s outside lvsgen'"'"'s block: "%s"' "$(printf '%s\n' "$d" | sed -n 's/^> //p' | head -1)" | cut -c1-200; fi
}

# admin_check HOST: every record of the manifest; prints what was seen (one
# line per record), exit 1 when one does not hold.
admin_check() {
  local h=$1 k kind a b c rc=0 want got
  k=$(admin_keep "$h")
  [ -f "$k/manifest" ] || { echo "no administrator's configuration was seeded ($k/manifest)"; return 1; }
  while IFS=$'\t' read -r kind a b c; do
    case $kind in
    kept)
      want=$(cat "$k/files$a"; echo .)
      got=$(admin_read "$h" "$a" | admin_unblock; echo .)
      if [ "$want" != "$got" ]; then echo "$a: not the administrator's file: it $(admin_first_diff "${want%.}" "${got%.}")"; rc=1
      elif [ "$(admin_mode "$h" "$a")" != "$(stat -c %a "$k/files$a")" ]; then echo "$a: mode $(admin_mode "$h" "$a"), the administrator's was $(stat -c %a "$k/files$a")"; rc=1
      else echo "$a: kept byte for byte (lvsgen's marked block aside)"; fi
      ;;
    option)
      if admin_read "$h" "$a" | admin_has_option "$b" "$c"; then echo "$a: iface $b inet has the administrator's $c"
      else echo "$a: iface $b inet lacks the administrator's $c"; rc=1; fi
      ;;
    ifcfg)
      # the key's last assignment, its quotes taken off (the values here need none)
      got=$(admin_read "$h" "$a" | sed -n "s/^$b=//p" | tail -1 | sed 's/^"\(.*\)"$/\1/')
      if [ "$got" = "$c" ]; then echo "$a: the administrator's $b=$c"
      else echo "$a: $b is \"$got\", the administrator's was $c"; rc=1; fi
      ;;
    backup)
      if [ "$(admin_read "$h" "$ADMIN_BACKUP$a"; echo .)" = "$(cat "$k/files$a"; echo .)" ]; then echo "$a: the administrator's original kept in $ADMIN_BACKUP"
      else echo "$a: no copy of the administrator's original in $ADMIN_BACKUP$a"; rc=1; fi
      ;;
    disabled)
      want=$(admin_disabled_form "$b" <"$k/files$a"; echo .)
      got=$(admin_read "$h" "$a"; echo .)
      if [ "$want" != "$got" ]; then echo "$a: not the administrator's file with iface $b inet commented out: it $(admin_first_diff "${want%.}" "${got%.}")"; rc=1
      elif [ "$(admin_read "$h" "$ADMIN_BACKUP$a"; echo .)" != "$(cat "$k/files$a"; echo .)" ]; then echo "$a: disabled, but its original is not in $ADMIN_BACKUP$a"; rc=1
      else echo "$a: iface $b inet commented out, the rest kept, the original in $ADMIN_BACKUP"; fi
      ;;
    nft)
      got=$(on "$h" nft list table "$a" "$b" 2>&1)
      if printf '%s\n' "$got" | sed 's/^[[:space:]]*//' | grep -qxF -- "$c"; then echo "nft table $a $b live with: $c"
      else echo "nft table $a $b not live with $c: $(printf '%s' "$got" | tr '\n\t' '  ' | cut -c1-200)"; rc=1; fi
      ;;
    iptables)
      got=$(on "$h" iptables -t "$a" -S "$b" 2>&1)
      if printf '%s\n' "$got" | grep -qxF -- "$c"; then echo "iptables -t $a: $c"
      else echo "iptables -t $a -S $b lacks $c: $(printf '%s' "$got" | tr '\n' '|' | cut -c1-200)"; rc=1; fi
      ;;
    keyfile)
      if admin_read "$h" "$a" | admin_has_key "$b" "$c"; then echo "$a: $b has the administrator's $c"
      else echo "$a: $b lacks the administrator's $c"; rc=1; fi
      ;;
    autoconnect-off)
      want=$(admin_autoconnect_off_form <"$k/files$a"; echo .)
      got=$(admin_read "$h" "$a"; echo .)
      if [ "$want" != "$got" ]; then echo "$a: not the administrator's profile with autoconnect=false: it $(admin_first_diff "${want%.}" "${got%.}")"; rc=1
      else echo "$a: the administrator's profile, autoconnect=false, the rest kept"; fi
      ;;
    firewalld)
      got=$(on "$h" firewall-cmd --zone="$a" --query-service="$b" 2>&1)
      if [ "$got" = yes ]; then echo "firewalld running, zone $a with $b"
      else echo "firewalld: zone $a with $b: $(printf '%s' "$got" | tr '\n' ' ' | cut -c1-200)"; rc=1; fi
      ;;
    sysctl)
      got=$(on "$h" sysctl -n "$a" 2>&1)
      if [ "$got" = "$b" ]; then echo "$a = $got"
      else echo "$a = $got, the administrator's is $b"; rc=1; fi
      ;;
    esac
  done <"$k/manifest"
  return $rc
}
