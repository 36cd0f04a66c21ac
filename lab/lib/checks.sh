# shellcheck shell=bash
# Results, as `lvsgen lab` reads them from file descriptor 3 (lab.sh points it
# at the lab's stdout and everything else at its log):
#   PROGRESS<TAB>text
#   PASS<TAB>ID<TAB>what was seen[<TAB>part]
#   FAIL<TAB>ID<TAB>what was seen[<TAB>part]
#   NOTRUN<TAB>ID<TAB>why[<TAB>part]
# ID is a check of the plan; a check with parts (install.sh --verify: one per
# line) reports each part under the same ID. Seen texts are kept on one line.

# A text on one line (newlines as |, tabs as spaces), at most 1500 characters,
# in the variable named by $1 (no subshell: under emulation each costs).
oneline() { local -n _o=$1; _o=${2//$'\n'/|}; _o=${_o//$'\t'/ }; _o=${_o:0:1500}; }
result() { # result KIND ID SEEN [PART]
  local seen part
  oneline seen "$3"
  if [ -n "${4:-}" ]; then oneline part "$4"; printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$seen" "$part" >&3
  else printf '%s\t%s\t%s\n' "$1" "$2" "$seen" >&3; fi
  lab_log "$1 $2 ${4:-}: $3"
}
pass() { result PASS "$@"; }
fail() { result FAIL "$@"; }
notrun() { result NOTRUN "$@"; }
progress() { printf 'PROGRESS\t%s\n' "$*" >&3; lab_log "$*"; }

# Whitespace runs to one space, no leading/trailing space.
norm() { sed -e 's/[[:space:]]\+/ /g' -e 's/^ //' -e 's/ $//'; }
# An `ipvsadm -L -n` table without its version line, normalised, the
# connection counters of each real server set to 0 (they count traffic).
# An IPv6 real server is in brackets: -> [2001:db8:6::4]:80 Masq 1 0 0.
table_body() { sed 1d | norm | sed -E 's/^(-> [][0-9a-f.:]+ [A-Za-z]+ [0-9]+) [0-9]+ [0-9]+$/\1 0 0/'; }

# A client's request: bounded, the bounds times LAB_SLOW (under emulation, in
# the VM, a TLS handshake alone took more than 4 s on a loaded machine).
# shellcheck disable=SC2034 # used by lab.sh
CURL=(curl -sS --noproxy '*' --connect-timeout $((2 * ${LAB_SLOW:-1})) --max-time $((4 * ${LAB_SLOW:-1})))
