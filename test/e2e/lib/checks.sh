# shellcheck shell=bash
# Result lines and the seeds' expectations, shared by tier1.sh and the VM guest.
#
# Every check writes one line to $E2E_RESULT:
#   PASS name
#   FAIL name<TAB>what was seen
#   KNOWN name<TAB>why (a failure whose cause is the test machine's tools, not
#                       the generated files; the test reports it as a todo)
#   SKIP name<TAB>why  (cannot be proven in this tier; the test skips it)
#   INFO text
# Details are kept on one line (newlines become "|").
# and the script ends with "RESULT PASS" or "RESULT FAIL".

E2E_FAILURES=0
pass() { echo "PASS $1" >>"$E2E_RESULT"; e2e_log "PASS $1"; }
oneline() { printf '%s' "$1" | tr '\n\t' '| ' | cut -c1-1500; }
fail() { printf 'FAIL %s\t%s\n' "$1" "$(oneline "$2")" >>"$E2E_RESULT"; e2e_log "FAIL $1: $2"; E2E_FAILURES=$((E2E_FAILURES + 1)); }
skipped() { printf 'SKIP %s\t%s\n' "$1" "$(oneline "$2")" >>"$E2E_RESULT"; e2e_log "SKIP $1: $2"; }
known() { printf 'KNOWN %s\t%s\n' "$1" "$(oneline "$2")" >>"$E2E_RESULT"; e2e_log "KNOWN $1: $2"; }
info() { echo "INFO $*" >>"$E2E_RESULT"; e2e_log "INFO $*"; }
# check NAME CMD...: PASS when CMD succeeds, else FAIL with its output.
check() {
  local name=$1 out; shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "${out:-exit status $?}"; fi
}
finish_result() {
  # count from the file: checks may run in subshells
  if ! grep -q '^FAIL ' "$E2E_RESULT"; then echo "RESULT PASS" >>"$E2E_RESULT"; return 0; fi
  echo "RESULT FAIL" >>"$E2E_RESULT"
  return 1
}

# Whitespace runs to one space, no leading/trailing space; iptables 1.8.9 (the
# test machine's) prints the protocol "all" as "0" in -L: read it as the seed's "all".
norm() { sed -e 's/[[:space:]]\+/ /g' -e 's/^ //' -e 's/ $//'; }
norm_iptables() { norm | sed -E 's/^([A-Z]+) 0 -- /\1 all -- /'; }
# An `ipvsadm -L -n` table without its version line, normalised.
table_body() { sed 1d | norm; }

# The seed's table (000_1fafbd577229bfe8: "ldirectord found all servers to be
# available"), its version line aside.
SEED_TABLE='Prot LocalAddress:Port Scheduler Flags
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
VERSION_RE='^IP Virtual Server version [0-9]+\.[0-9]+\.[0-9]+ \(size=[0-9]+\)$'

# The web roots of the seeds' distributions (Apache's DocumentRoot): where each
# real server's web server serves the check page from.
# (Debian 12's apache2 serves /var/www/html too: distros/debian12 web_root.)
docroot_of() { case $1 in redhat | debian12) echo /var/www/html ;; *) echo /var/www ;; esac; }

CURL=(curl -sS --noproxy '*' --connect-timeout 2 --max-time 4)
