# shellcheck shell=bash
# What is done on the hosts of a cluster, shared by tier1.sh (namespaces on the
# test machine) and the VM guest script (real IPVS): installing bundles,
# running the real servers' services, the seeds' checks that read host state.
# Needs lib/cluster.sh and lib/checks.sh, and OUT (a results directory).

# A self-signed CA certificate for the real servers' HTTPS (the director is
# told to trust it: LWP 6, under ldirectord's https check, verifies the chain).
make_test_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$E2E_WORK/key.pem" -out "$E2E_WORK/cert.pem" -days 2 -subj /CN=lvsgen-e2e >/dev/null 2>&1 ||
    info "openssl req failed: https checks will fail"
}
trust_test_cert() { on "$1" sh -c 'cat >>/etc/ssl/certs/ca-certificates.crt' <"$E2E_WORK/cert.pem"; }

# start_real_server HOST: the services the seed's virtual services need, as the
# seed asks ("an HTTP daemon ... the request URLs ... should be present"): HTTP
# on 80 and HTTPS on 443 serving the distro's web root, and a listener on 21
# (ldirectord's connect check). Each is a process of ours, by pid.
start_real_server() {
  local h=$1 root; root=$(docroot_of "${E2E_DISTRO[$h]}")
  on "$h" mkdir -p /etc/lvsgen-e2e "$root"
  on "$h" sh -c 'cat >/etc/lvsgen-e2e/cert.pem' <"$E2E_WORK/cert.pem"
  on "$h" sh -c 'umask 077; cat >/etc/lvsgen-e2e/key.pem' <"$E2E_WORK/key.pem"
  on_bg "$h" busybox httpd -f -p 80 -h "$root"
  on_bg "$h" sh -c "cd $root && exec openssl s_server -quiet -WWW -accept 443 -cert /etc/lvsgen-e2e/cert.pem -key /etc/lvsgen-e2e/key.pem </dev/null >/dev/null 2>&1"
  on_bg "$h" busybox nc -ll -p 21 -e /bin/echo "220 $h FTP stand-in"
}

# install_host HOST: the bundle's installer; OUT/HOST.install keeps its output.
# Check names start with $E2E_TAG when it is set (the VM runs several clusters).
install_host() {
  local h=$1 rc
  install_bundle "$h" --yes >"$OUT/$h.install" 2>&1
  rc=$?
  if [ $rc = 0 ]; then pass "${E2E_TAG:+$E2E_TAG }install.sh on $h"
  else fail "${E2E_TAG:+$E2E_TAG }install.sh on $h" "exit $rc: $(tail -5 "$OUT/$h.install")"; fi
  return $rc
}

# route_default HOST: the seed's `ip route show 0/0` check. ifupdown adds the
# route "onlink" (the seed's Debian of 2005 did not print it): compare without.
route_default() { on "$1" ip route show 0/0 | sed 's/ onlink//' | norm; }

# verify_host HOST ALLOWED...: run `install.sh --verify`; each line must be
# "ok:", except lines matching one of the ALLOWED patterns "REGEX=why", which
# are reported as KNOWN ("KNOWN:REGEX=why") or SKIP ("SKIP:REGEX=why").
verify_host() {
  local h=$1; shift
  local out line why a kind
  out=$(install_bundle "$h" --verify 2>&1)
  echo "$out" >"$OUT/$h.verify"
  while IFS= read -r line; do
    case $line in
    ok:*) pass "${E2E_TAG:+$E2E_TAG }install.sh --verify on $h: ${line#ok: }" ;;
    FAILED:*)
      why='' kind=''
      for a in "$@"; do
        kind=${a%%:*} a=${a#*:}
        if echo "$line" | grep -qE -- "${a%%=*}"; then why=${a#*=}; break; fi
      done
      if [ -z "$why" ]; then fail "${E2E_TAG:+$E2E_TAG }install.sh --verify on $h: ${line#FAILED: }" "$out"
      elif [ "$kind" = SKIP ]; then skipped "${E2E_TAG:+$E2E_TAG }install.sh --verify on $h: ${line#FAILED: }" "$why"
      else known "${E2E_TAG:+$E2E_TAG }install.sh --verify on $h: ${line#FAILED: }" "$why"; fi
      ;;
    esac
  done <<<"$out"
}

# enabled_at_boot HOST SERVICE: the seed's chkconfig / update-rc.d outcome
# (debian12: `systemctl is-enabled`, the unit's [Install] symlinks).
enabled_at_boot() {
  local h=$1 s=$2
  if [ "${E2E_DISTRO[$h]}" = debian12 ]; then
    [ "$(on "$h" systemctl is-enabled "$s" 2>&1)" = enabled ]
  elif [ "${E2E_DISTRO[$h]}" = redhat ]; then
    [ "$(on "$h" chkconfig --list "$s" 2>/dev/null | awk '{print $2}')" = 2345 ]
  else
    on "$h" sh -c "ls /etc/rc2.d/S*$s /etc/rc3.d/S*$s /etc/rc4.d/S*$s /etc/rc5.d/S*$s" >/dev/null 2>&1
  fi
}
not_enabled_at_boot() {
  local h=$1 s=$2
  if [ "${E2E_DISTRO[$h]}" = debian12 ]; then
    [ "$(on "$h" systemctl is-enabled "$s" 2>&1)" = disabled ]
  elif [ "${E2E_DISTRO[$h]}" = redhat ]; then
    local l; l=$(on "$h" chkconfig --list "$s" 2>/dev/null | awk '{print $2}')
    [ -z "$l" ] || [ "$l" = - ]
  else
    ! on "$h" sh -c "ls /etc/rc[2345].d/S*$s" >/dev/null 2>&1
  fi
}


# boot_state HOST SERVICE on|off: how SERVICE starts at boot before the
# installer runs (the opposite of what the installer must achieve, so that the
# enabled_at_boot checks prove the installer's work, not the machine's links).
boot_state() {
  local h=$1 s=$2 st=$3
  if [ "${E2E_DISTRO[$h]}" = debian12 ]; then
    if [ "$st" = on ]; then on "$h" systemctl enable "$s" >/dev/null 2>&1; else on "$h" systemctl disable "$s" >/dev/null 2>&1; fi
  elif [ "${E2E_DISTRO[$h]}" = redhat ]; then
    if [ "$st" = on ]; then on "$h" chkconfig --level 2345 "$s" on; else on "$h" chkconfig --del "$s"; fi
  else
    on "$h" sh -c "rm -f /etc/rc[0-6S].d/[SK][0-9][0-9]$s"
    [ "$st" = on ] && on "$h" update-rc.d "$s" defaults >/dev/null 2>&1
  fi
  return 0
}

# ldirectord_runs HOST: a live ldirectord, by its pid file: /var/run/ldirectord.
# CFGNAME.pid, CFGNAME being "ldirectord" when started without a file (Red Hat's
# init script) and the file's basename when named (Debian's passes CONFIG_FILE).
ldirectord_runs() {
  on "$1" sh -c 'for f in /var/run/ldirectord.*.pid; do [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && exit 0; done; exit 1'
}
