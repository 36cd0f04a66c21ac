# shellcheck shell=bash
# What the lab does on its hosts: installing bundles, the servers behind the
# virtual services, reading host state. Needs lib/cluster.sh and lib/checks.sh,
# and OUT (the lab's log directory).

# A self-signed CA certificate for the real servers' HTTPS (the directors are
# told to trust it: LWP 6, under ldirectord's https check, verifies the chain).
make_test_cert() {
  [ -s "$LAB_WORK/cert.pem" ] && return 0
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$LAB_WORK/key.pem" -out "$LAB_WORK/cert.pem" -days 2 -subj /CN=lvsgen-lab >/dev/null 2>&1 ||
    lab_log "openssl req failed: https checks will fail"
}
trust_test_cert() { [ -s "$LAB_WORK/cert.pem" ] && on "$1" sh -c 'cat >>/etc/ssl/certs/ca-certificates.crt' <"$LAB_WORK/cert.pem"; }

# start_server HOST KIND PROTO PORT ARG: one of the plan's servers, answering as
# HOST (each a process of ours, by pid; LAB_SERVER[HOST/PROTO/PORT] keeps it so
# that a check can stop it and start it again).
declare -A LAB_SERVER=() LAB_SERVER_SPEC=()
start_server() {
  local h=$1 kind=$2 proto=$3 port=$4 arg=$5
  LAB_SERVER_SPEC[$h/$proto/$port]="$kind $arg"
  case $kind in
  http)
    # the check page is the installer's (under the web root); lvsgen-lab-host.txt
    # says who answered, and so does cgi-bin/lvsgen-lab-held once it has read a
    # POST's whole body (a connection held open: lab/kit/lab/held-conn)
    held_cgi "$h" | on "$h" sh -c "mkdir -p '$arg/cgi-bin' && echo $h >'$arg/lvsgen-lab-host.txt' &&
      cat >'$arg/cgi-bin/lvsgen-lab-held' && chmod 755 '$arg/cgi-bin/lvsgen-lab-held'"
    on_bg "$h" busybox httpd -f -p "$port" -h "$arg"
    ;;
  https)
    on "$h" sh -c "mkdir -p '$arg' /etc/lvsgen-lab && echo $h >'$arg/lvsgen-lab-host.txt'"
    on "$h" sh -c 'cat >/etc/lvsgen-lab/cert.pem' <"$LAB_WORK/cert.pem"
    on "$h" sh -c 'umask 077; cat >/etc/lvsgen-lab/key.pem' <"$LAB_WORK/key.pem"
    on_bg "$h" sh -c "cd '$arg' && exec openssl s_server -quiet -WWW -accept $port -cert /etc/lvsgen-lab/cert.pem -key /etc/lvsgen-lab/key.pem </dev/null >/dev/null 2>&1"
    ;;
  banner) on_bg "$h" busybox nc -ll -p "$port" -e /bin/echo "220 $h lvsgen lab" ;;
  whoami)
    on "$h" sh -c "mkdir -p /srv/lvsgen-lab && echo $h >/srv/lvsgen-lab/index.html"
    on_bg "$h" busybox httpd -f -p "$port" -h /srv/lvsgen-lab
    ;;
  udp-echo) on_bg "$h" /usr/lib/lvsgen-lab/udp-server echo "$port" "$h" ;;
  dns) on_bg "$h" /usr/lib/lvsgen-lab/udp-server dns "$port" "$h" "${arg%%=*}" "${arg#*=}" ;;
  esac
  LAB_SERVER[$h/$proto/$port]=$LAB_LAST_PID
}
# The CGI script of an http server answering as HOST (busybox httpd runs it
# for /cgi-bin/lvsgen-lab-held): the whole body read (busybox relays it with
# no timeout), the name.
held_cgi() {
  printf '#!/bin/sh\n# lvsgen lab: the connection held open (lab/kit/lab/held-conn)\n'
  printf 'printf "Content-Type: text/plain\\r\\n\\r\\n"\nhead -c "${CONTENT_LENGTH:-0}" >/dev/null\necho %s\n' "$1"
}
# stop_server HOST PROTO PORT, and start it again with restart_server.
stop_server() {
  local p=${LAB_SERVER[$1/$2/$3]:-}
  [ -n "$p" ] || return 1
  # on_bg's pid is nsenter's: its child (the server, after chroot and env) goes too
  lab_end "$p"
  wait "$p" 2>/dev/null
  unset "LAB_SERVER[$1/$2/$3]"
  return 0
}
restart_server() {
  local spec=${LAB_SERVER_SPEC[$1/$2/$3]}
  # shellcheck disable=SC2086
  start_server "$1" ${spec%% *} "$2" "$3" "${spec#* }"
}

# install_bundle HOST [ARGS...]: run HOST's generated installer against HOST's
# root (install.sh --root ROOT ...), from HOST's namespaces; its commands run
# chrooted into that root. Bounded (180 s).
# (defined in cluster.sh)

# route_default HOST: `ip route show 0/0`, its attributes of how the route was
# added taken off (route_attrs_off): compared as `default via ADDR dev DEV`.
route_default() { on "$1" ip route show 0/0 | route_attrs_off | norm; }
# A route without what its adder adds: ifupdown adds it "onlink" (the Debian
# of 2005 did not print it); NetworkManager with "proto static" and its
# metric (100 for an ethernet profile: ipv4.route-metric, NetworkManager.conf(5)).
route_attrs_off() { sed -e 's/ onlink//' -e 's/ proto static//' -e 's/ metric [0-9]*//'; }

# ldirectord_runs HOST: a live ldirectord, by its pid file: /var/run/ldirectord.
# CFGNAME.pid, CFGNAME being "ldirectord" when started without a file (Red Hat's
# init script) and the file's basename when named (Debian's passes CONFIG_FILE).
ldirectord_runs() {
  on "$1" sh -c 'for f in /var/run/ldirectord.*.pid; do [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && exit 0; done; exit 1'
}
