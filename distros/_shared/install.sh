#!/bin/sh
# lvsgen's installer: the same program in every bundle. What it does on this
# host is data, read from the bundle's .lvsgen/plan (written by lvsgen; the
# record format is described in lvsgen's src/render/plan.ts):
#
#   lvsgen-plan 1                       format version
#   host NAME                           the host the bundle is for
#   needs PACKAGE                       a package the host needs (for dpkg,
#                                       rpm and the operator; not read here)
#   file MODE MERGE SECRECY PATH        a file to install; MERGE: replace (the
#                                       whole file), block (a marked block
#                                       in the host's file, the rest kept),
#                                       iptables (a marked block inside the
#                                       iptables-save file's table section),
#                                       ifupdown, keyfile or ifcfg (an
#                                       interface file keeping the host's
#                                       own settings of the device) or
#                                       interfaces (the host's main
#                                       interfaces file, its stanzas of
#                                       lvsgen's devices disabled)
#   action NAME now|ask                 an action, run when one of its
#   when NAME PATH                        files changed, asking first (ask)
#   before NAME must|may WORD...          commands run before its files are
#                                         replaced (the old ones still there)
#   run NAME must|may WORD...             its commands (may: only a warning)
#   running NAME WORD...                  then: does its daemon run? (exit 0)
#   reload NAME must|may WORD...            if so, these (the daemon re-reads
#   start NAME must|may WORD...             its files, keeping its state); if not, these
#   after NAME SVC must|may WORD...       then these, when SVC was enabled or ran
#                                         before this run (a backend switch: the
#                                         old backend stopped once the new one runs)
#   readd NAME SVC must|may WORD...       then these, when SVC ran before this run
#                                         (the new backend adds what the old deleted)
#   undo NAME must|may WORD...            what takes its live effect down, run by
#                                         --uninstall and a rollback (its files in place);
#                                         kept, and run by a later install whose plan
#                                         no longer has it (stale_undo)
#   reapply NAME must|may WORD...         what re-reads the restored files
#   changes NAME SVC                      a service it may enable, disable, start,
#   enables NAME SVC                        stop (or only enable or disable)
#   service SVC QUERY WORD...           how to read (enabled, active: exit 0 yes)
#                                       and set (enable, disable, start, stop) it
#   sysctl PROGRAM KEY                  a kernel key lvsgen's files set
#   probe ID WORD...                    something an action turns on (a module,
#                                       an SELinux boolean, tunl0 up, a route):
#                                       is it on? (exit 0 with output); ID
#                                       names the item (rekey_probes)
#   revert ID must|may WORD...            how to turn it back (run only when it
#                                         was off before and is on now)
#   redo ID must|may WORD...              how to turn it on again (kept: the
#                                         rollback of a later install that
#                                         reverted it, stale_reverts)
#   reads PATH ifcfg DIR                PATH's consumer also reads DIR/ifcfg-*
#                                         (NetworkManager's ifcfg-rh plugin)
#   check PATH STATUS WORD...           pre-flight: before anything is
#                                         replaced, PATH's consumer reads what
#                                         it will hold (a staged copy, named
#                                         by the words equal to PATH) and
#                                         must exit STATUS
#   verify N WORD...                    what --verify runs, and a line
#   expect N LINE                         its output must hold
#
# The plan is read with `read -r`, never evaluated: a command's words are split
# on spaces with globbing off and run as "$@".
#
# Each file is replaced atomically; the original is kept once under
# /var/lib/lvsgen/backup (per machine). Before the actions run, the live
# values of the kernel keys and the state of the services they may change are
# read (the first install's are kept as the originals, in /var/lib/lvsgen/sysctl
# and services). If a step fails, the run is rolled back: the actions it
# started are undone (or, where the restored files are an earlier lvsgen's,
# run again from them), every file it replaced is put back, and the keys and
# services are set back to what they were. --uninstall does the same from the
# originals. An action not run (a network restart declined) is
# recorded in /var/lib/lvsgen/pending and run by the next install; --check
# shows it. Running it again changes nothing.
#
#   install.sh --check        show what would change (unified diffs), change nothing
#   install.sh                install, then apply (asks before restarting networking)
#   install.sh --yes          ... and restart networking without asking
#   install.sh --no-restart   ... and never restart networking
#   install.sh --uninstall    undo the live state, put back the files this bundle replaced
#   install.sh --verify       run the seeds' checks (routes, rules, modules, table)
#   install.sh --root DIR     operate on a host filesystem mounted at DIR (commands
#                             then run chrooted into DIR)
set -eu
umask 077

bundle=$(cd "$(dirname "$0")/.." && pwd -P)
plan=$bundle/.lvsgen/plan
root=/
action=install
restart=ask

usage() {
	cat <<'USAGE'
usage: install.sh [--check | --uninstall | --verify] [--yes | --no-restart] [--root DIR]
  --check        show what would change (unified diffs) and change nothing;
                 exit 1 when something differs
  (no option)    install the files, then run the commands that apply them
  --yes          restart networking without asking when it is needed
  --no-restart   never restart networking (print the command instead)
  --uninstall    undo what the install did live (services, rules, addresses,
                 kernel keys) and put back the originals this bundle replaced
  --verify       run the seeds' checks and compare what they print
  --root DIR     the host's filesystem is at DIR; commands run chrooted into it
USAGE
}

while [ $# -gt 0 ]; do
	case $1 in
	--check) action=check ;;
	--uninstall) action=uninstall ;;
	--verify) action=verify ;;
	--yes) restart=yes ;;
	--no-restart) restart=no ;;
	--root)
		[ $# -ge 2 ] || { echo "install.sh: --root needs a directory" >&2; exit 2; }
		root=$2
		shift
		;;
	--root=*) root=${1#--root=} ;;
	-h | --help) usage; exit 0 ;;
	*) echo "install.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
[ -d "$root" ] || { echo "install.sh: no such directory: $root" >&2; exit 2; }
root=$(cd "$root" && pwd -P)
[ "$root" = / ] && root=

[ -f "$plan" ] || { echo "install.sh: no plan at $plan" >&2; exit 2; }
# The first record names the format; a plan of another lvsgen is refused whole.
[ "$(grep -v '^#' "$plan" | head -n 1)" = 'lvsgen-plan 1' ] ||
	{ echo "install.sh: $plan is not a plan of format 1" >&2; exit 2; }
host=$(sed -n 's/^host \([a-z0-9][a-z0-9_-]*\)$/\1/p' "$plan")
[ -n "$host" ] || { echo "install.sh: $plan names no host" >&2; exit 2; }

# State is kept per machine, not per host name: a host renamed in the topology
# (or deployed from another bundle) keeps the true originals.
state=$root/var/lib/lvsgen
backup=$state/backup
# Actions whose files are in place but which have not run (a network restart
# declined or skipped): replayed by every install until they have run.
pending=$state/pending
# The live values of lvsgen's kernel keys and the states of the services its
# actions change, as the first install found them: what --uninstall sets back.
sysctl_orig=$state/sysctl
services_orig=$state/services
# Which of the plan's probes (modules, booleans, links, routes) were on: what
# --uninstall turns back off.
probes_orig=$state/probes
# The undo records of the last install that ran to its end: how to take down
# what it turned on. A later install runs those its plan no longer has
# (stale_undo).
undo_kept=$state/undo
work=$(mktemp -d "${TMPDIR:-/tmp}/lvsgen-install.XXXXXX")
changed=' '
differ=0
failed=
# What restore_file adds to its "restored PATH" and "removed PATH".
restore_why=

# Earlier installers kept the originals per host name (/var/lib/lvsgen/<host>/backup):
# they are this machine's originals.
for legacy in "$state"/*/backup; do
	[ -d "$legacy" ] || continue
	case $action in check | verify) break ;; esac
	if [ -e "$backup" ]; then
		printf '%s\n' "install.sh: $legacy: originals kept by an earlier installer; $backup is used" >&2
	elif mv "$legacy" "$backup"; then
		rmdir "${legacy%/backup}" 2>/dev/null || true
	fi
done

say() { printf '%s\n' "$*"; }

# On failure, roll the run back: the actions it started undone (those whose
# files had an earlier version are run again from them once restored, and a
# daemon of theirs that runs reloads them), every
# file it replaced put back, newest first, then the kernel keys and services
# set back to what they were before the actions ran.
finish() {
	status=$?
	trap - EXIT
	set +e
	if [ "$status" -ne 0 ] && [ -s "$work/started" ]; then
		say "install.sh: ${failed:-a step failed}; undoing what the actions of this run did" >&2
		reverse <"$work/started" >"$work/started-reversed"
		while IFS= read -r name <&3; do
			had_earlier "$name" || run_records undo "$name"
		done 3<"$work/started-reversed"
	fi
	if [ "$status" -ne 0 ] && [ -s "$work/journal" ]; then
		say "install.sh: ${failed:-a step failed}; restoring the files this run replaced" >&2
		sort -r "$work/journal" | while IFS= read -r p; do
			if [ -e "$work/absent$p" ]; then
				rm -f "$root$p"
			else
				{ cp -p "$work/prev$p" "$root$p.lvsgen-new" && mv -f "$root$p.lvsgen-new" "$root$p"; } || say "cannot restore $p" >&2
			fi
			say "restored $p" >&2
		done
		# Backups this run took describe a state that is back now: drop them, so a
		# later install records the host as it will be then; those it dropped (the
		# originals of files no longer in the plan) describe the host again.
		if [ -s "$work/new-backups" ]; then
			while IFS= read -r b; do rm -f "$b"; done <"$work/new-backups"
		fi
		if [ -s "$work/dropped-backups" ]; then
			while IFS= read -r b; do
				{ mkparents "$backup$b" && cp -p "$work/dropped$b" "$backup$b"; } || say "cannot restore $backup$b" >&2
			done <"$work/dropped-backups"
		fi
	fi
	# What this run's stale records took down comes back (redo_stale).
	if [ "$status" -ne 0 ]; then redo_stale; fi
	if [ "$status" -ne 0 ] && [ -s "$work/started" ]; then
		while IFS= read -r name <&3; do
			if ! had_earlier "$name"; then
				run_records reapply "$name"
				# Due for a file of the last install that left, or for its stale
				# records: redo_stale ran its kept commands again from the restored
				# files; a daemon of it that runs re-read this run's: it reloads them.
				if [ -s "$work/stale-actions" ] && grep -qxF -- "$name" "$work/stale-actions"; then
					reload_if_running "$name"
				fi
			elif [ "$(sed -n "s/^action $name //p" "$plan")" = ask ]; then
				say "$name: its restored files take effect when it runs: $(sed -n "s/^run $name [a-z]* //p" "$plan" | tr '\n' ' ')" >&2
			else
				say "$name: running it again from the restored files" >&2
				sed -n "s/^run $name [a-z]* //p" "$plan" >"$work/rerun"
				while IFS= read -r words <&4; do run_ok "$words"; done 4<"$work/rerun"
				# A running daemon may have re-read this run's files: it reloads the restored ones.
				reload_if_running "$name"
			fi
		done 3<"$work/started"
		put_back_sysctls "$work/sysctl"
		put_back_services "$work/services"
		put_back_probes "$work/probes"
	fi
	rm -rf "$work"
	exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

fail() {
	failed=$1
	say "install.sh: $1" >&2
	exit 1
}

mkdirs() { (umask 022 && mkdir -p "$1"); }
# The directory each PATH (absolute) is in, made where it is missing: with
# mkdir -p (mkparent) or mkdirs (mkparents). Nothing runs where it exists
# (dirname and mkdir for every file cost seconds on a slow machine).
mkparent() {
	for mk_p in "$@"; do
		mk_d=${mk_p%/*}
		[ -z "$mk_d" ] || [ -d "$mk_d" ] || mkdir -p "$mk_d" || return 1
	done
}
mkparents() {
	for mk_p in "$@"; do
		mk_d=${mk_p%/*}
		[ -z "$mk_d" ] || [ -d "$mk_d" ] || mkdirs "$mk_d" || return 1
	done
}

reverse() { awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }'; }

# Did one of action NAME's files that this run replaced have an earlier
# version of lvsgen's own (a file replaced whole that existed)? Then a
# rollback runs the action again from it rather than undoing it.
had_earlier() { # had_earlier NAME
	sed -n "s/^when $1 //p" "$plan" >"$work/had"
	while IFS= read -r p <&4; do
		changed "$p" || continue
		[ -e "$work/prev$p" ] || continue
		awk -v p="$p" '$2 == "replace" && $4 == p { found = 1 } END { exit !found }' "$work/files" && return 0
		# A merged file whose original lvsgen kept before this run (the backups
		# this run took are gone once it is rolled back): what this run replaced
		# was lvsgen's earlier merge (the loopback aliases of the last install).
		if [ -e "$backup$p" ] || [ -e "$backup$p.lvsgen-absent" ]; then
			[ -s "$work/new-backups" ] && grep -qxF -e "$backup$p" -e "$backup$p.lvsgen-absent" "$work/new-backups" && continue
			return 0
		fi
	done 4<"$work/had"
	return 1
}

# Runs action NAME's reload records when its `running` probe says its daemon
# runs (the rollback: a daemon that re-read this run's files re-reads the
# restored ones).
reload_if_running() { # reload_if_running NAME
	probe=$(sed -n "s/^running $1 //p" "$plan" | head -n 1)
	if [ -n "$probe" ] && invoke "$probe" >/dev/null 2>&1; then run_records reload "$1"; fi
}

# Runs the plan's records KIND (undo, reapply) of action NAME, in order; a
# failure is only a warning (this is already a rollback or an uninstall).
run_records() { # run_records KIND NAME
	sed -n "s/^$1 $2 [a-z]* //p" "$plan" >"$work/records-$1"
	while IFS= read -r words <&4; do run_ok "$words"; done 4<"$work/records-$1"
}

# Writes to OUT the words of the undo records of action NAME (any action:
# NAME empty) that the last install kept and this plan no longer has: how to
# take down what an earlier topology turned on and this one does not. An IPv6
# virtual address that left the topology stays on lo otherwise: redhat's
# `ifup lo` only adds the addresses ifcfg-lo lists (ifup-ipv6), and no
# `before` record can name the old address, which only the old file had.
stale_undo() { # stale_undo NAME OUT
	: >"$2"
	[ -f "$undo_kept" ] || return 0
	pre="undo $1 "
	[ -n "$1" ] || pre='undo '
	while IFS= read -r line <&4; do
		case $line in "$pre"*) ;; *) continue ;; esac
		grep -qxF -- "$line" "$plan" || printf '%s\n' "${line#undo * * }" >>"$2"
	done 4<"$undo_kept"
}

# Keeps the plan's undo records as the last install's (stale_undo), with
# what a later install needs to take down what its plan no longer has and to
# put it back if that install fails: the actions (action NAME now|ask), their
# when and run records (left_actions), and the probe, revert and redo records
# (stale_reverts, redo_stale).
keep_undo() {
	grep -E '^(action|when|run|undo|probe|revert|redo) ' "$plan" >"$work/undo-now" || true
	if [ -s "$work/undo-now" ]; then
		cmp -s "$work/undo-now" "$undo_kept" && return 0
		mkdirs "$state"
		cp "$work/undo-now" "$undo_kept.lvsgen-new" && mv -f "$undo_kept.lvsgen-new" "$undo_kept"
	else
		rm -f "$undo_kept"
	fi
}

# The words of the kept records KIND (run, revert ...) of action or probe NAME.
kept_records() { # kept_records KIND NAME OUT
	: >"$3"
	[ -f "$undo_kept" ] || return 0
	awk -v k="$1" -v n="$2" '$1 == k && $2 == n { sub(/^[^ ]+ [^ ]+ [^ ]+ /, ""); print }' "$undo_kept" >"$3"
}

# Writes to OUT the actions of the last install that this plan no longer has
# at all and that ran without asking (the tunnel action of a real server that
# no longer tunnels): their undo records are stale whole.
gone_actions() { # gone_actions OUT
	: >"$1"
	[ -f "$undo_kept" ] || return 0
	awk '$1 == "action" && $3 != "now" { ask[$2] = 1 } $1 == "action" || $1 == "undo" { if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
		END { for (i = 1; i <= n; i++) if (!(order[i] in ask)) print order[i] }' "$undo_kept" >"$work/kept-actions"
	while IFS= read -r name <&5; do
		grep -q "^action $name " "$plan" || printf '%s\n' "$name" >>"$1"
	done 5<"$work/kept-actions"
}

# Appends to OUT the actions of this plan that run without asking and that
# the last install ran when one of the files in LIST changed (its kept when
# records): the files of an earlier bundle this one no longer has. Such an
# action runs again, so its consumer re-reads what is there now (rhel9's
# `nmcli connection reload` forgets a profile that left; `sysctl -p` reads the
# host's own sysctl.conf). An action that asks (a network restart) is not
# run for it: the stale undo records take the left file's live effect down.
left_actions() { # left_actions LIST OUT
	[ -f "$undo_kept" ] && [ -s "$1" ] || return 0
	awk 'NR == FNR { left[$0] = 1; next } $1 == "when" && ($3 in left) { print $2 }' "$1" "$undo_kept" >"$work/left-names"
	while IFS= read -r name <&5; do
		grep -qxF -- "action $name now" "$plan" || continue
		[ -s "$2" ] && grep -qxF -- "$name" "$2" && continue
		printf '%s\n' "$name" >>"$2"
	done 5<"$work/left-names"
}

# Turns back, newest first, each item the last install probed and this plan
# no longer probes, whatever id it gives the probes it has (tunl0 of a real
# server that no longer tunnels: redhat and rhel9 bring it up with no undo
# record): where it was off before lvsgen's first install (the originals)
# and is on now, its kept revert record runs.
# Each one is noted in $work/stale-reverted (a rollback brings it back).
stale_reverts() {
	{ [ -f "$undo_kept" ] && [ -f "$probes_orig" ]; } || return 0
	awk '$1 == "probe" { print $2 }' "$undo_kept" | reverse >"$work/kept-probes"
	while IFS= read -r id <&5; do
		# Stale by what it probes, not by its id: an earlier lvsgen's id named
		# a position (route-0-1), and the plan may probe the same item under another.
		words=$(sed -n "s/^probe $id //p" "$undo_kept" | head -n 1)
		awk -v w="$words" '$1 == "probe" { sub(/^probe [^ ]+ /, ""); if ($0 == w) found = 1 } END { exit !found }' "$plan" && continue
		grep -qxF -- "$id no" "$probes_orig" || continue
		{ out=$(invoke "$words" 2>/dev/null) && [ -n "$out" ]; } || continue
		kept_records revert "$id" "$work/kept-revert"
		words=$(head -n 1 "$work/kept-revert")
		[ -n "$words" ] || continue
		run_ok "$words"
		printf '%s\n' "$id" >>"$work/stale-reverted"
	done 5<"$work/kept-probes"
}

# An install over an installer that kept no undo records (an lvsgen before
# them: its state folder is here, its undo file is not) cannot run the last
# install's records; what left the topology is found in the files instead.
# An address live on lo (where a real server holds its virtual addresses)
# or on a device of the due actions' undo records (`dev DEV`, `ifdown
# DEV:N`) that the files as they are now name (lvsgen's
# earlier files, and those of an earlier bundle this plan no longer has) and
# the files as this run leaves them do not is taken down with `ip addr del`,
# as the earlier install's undo record would have. The address is matched as
# a word of the files' text (10.1.3.62 in IPADDR=10.1.3.62 or address
# 10.1.3.62/32; IPv6 as ip prints it, which is how lvsgen writes it). Each is
# noted in $work/stale-addresses ("ADDRESS/PREFIX DEV LABEL"): a rollback adds
# it again. Without an `ip` on the host it only says what stays until reboot,
# and so it does of an item the earlier install turned on (its kept probes,
# /var/lib/lvsgen/probes) that this plan no longer probes: how to turn it off
# was in that install's plan only.
stale_addresses() { # stale_addresses ACTIONS (" NAME NAME ", the due now-actions)
	{ [ -d "$backup" ] && [ ! -f "$undo_kept" ]; } || return 0
	if [ -f "$probes_orig" ]; then
		while IFS=' ' read -r id was <&5; do
			[ "$was" = no ] || continue
			grep -q "^probe $id " "$plan" && continue
			case $id in
			link-*) how="ip link set ${id#link-} down" ;;
			module-*) how="modprobe -r ${id#module-}" ;;
			*) how="turn it off by hand" ;;
			esac
			# An id of a route's place in that plan (rekey_probes): which route, only that plan said.
			if printf '%s\n' "$id" | grep -qx 'route-[0-9][0-9]*-[0-9][0-9]*'; then
				say "install.sh: note: $id, a route an earlier lvsgen added here (named by its place in that install's plan, which kept no undo records), may have left this topology; if so it stays until reboot: run \`ip route del\` for it" >&2
			else
				say "install.sh: note: $id, which an earlier lvsgen turned on here, is no longer in this topology; that install kept no undo records, so it stays until reboot: run \`$how\`" >&2
			fi
		done 5<"$probes_orig"
	fi
	awk -v due="$1" '$1 == "undo" && index(due, " " $2 " ") {
			for (i = 5; i <= NF; i++) {
				if ($(i - 1) == "dev") print $i
				else if (i == 5 && $4 ~ /\/ifdown$/) { d = $i; sub(/:.*/, "", d); print d }
			}
		}
		END { print "lo" }' "$plan" | sort -u >"$work/undo-devices"
	: >"$work/old-text"
	: >"$work/new-text"
	while IFS=' ' read -r mode merge secrecy path <&5; do
		[ -f "$root$path" ] && cat "$root$path" >>"$work/old-text"
		source_of "$merge" "$path"
		[ -f "$src" ] && cat "$src" >>"$work/new-text"
	done 5<"$work/files"
	while IFS= read -r p <&5; do
		[ -f "$root$p" ] && cat "$root$p" >>"$work/old-text"
		[ -f "$backup$p" ] && cat "$backup$p" >>"$work/new-text"
	done 5<"$work/unmanaged-before"
	: >"$work/live-addresses"
	while IFS= read -r dev <&5; do
		if ! out=$(invoke "ip -o addr show dev $dev" 2>/dev/null); then
			say "install.sh: note: the last install here kept no undo records (an earlier lvsgen): an address on $dev that left the topology stays until reboot (no ip here to read them): run \`ip addr del ADDRESS dev $dev\` for each" >&2
			continue
		fi
		# "1: lo    inet 10.1.3.62/32 scope global lo:1\       valid_lft ...": the
		# label (IPv4) ends in that backslash; an IPv6 line has none.
		printf '%s\n' "$out" | awk -v dev="$dev" '$3 == "inet" || $3 == "inet6" {
				for (i = 5; i < NF; i++) if ($i == "scope" && $(i + 1) == "global") {
					label = $(i + 2); sub(/\\$/, "", label)
					if ($3 == "inet6" || label == "") label = dev
					print $4, dev, label
				}
			}' >>"$work/live-addresses"
	done 5<"$work/undo-devices"
	while IFS=' ' read -r cidr dev label <&5; do
		a=${cidr%/*}
		grep -qwF -- "$a" "$work/old-text" || continue
		grep -qwF -- "$a" "$work/new-text" && continue
		say "install.sh: the last install here kept no undo records (an earlier lvsgen): $a left the topology; taking it off $dev"
		run_ok "ip addr del $cidr dev $dev"
		printf '%s %s %s\n' "$cidr" "$dev" "$label" >>"$work/stale-addresses"
	done 5<"$work/live-addresses"
}

# A rollback puts back what this run's stale records took down: each item a
# kept revert turned off is turned on again by its kept redo record, in the
# order they were turned on (ipip loaded, then tunl0 up), whether the action
# that turned it on is gone or stays (its name kept, its probe gone: tunl0 of
# redhat's modules action); then the last install's actions whose undo records
# ran run again from their restored files (their kept run records, in that
# install's order), and the addresses stale_addresses took off are added
# again. An item whose kept probe has no redo record (kept by an installer
# before them) comes back only with the actions this plan no longer has,
# which run again then.
redo_stale() {
	: >"$work/redo"
	[ -s "$work/stale-actions" ] && cat "$work/stale-actions" >>"$work/redo"
	if [ -s "$work/stale-reverted" ]; then
		no_redo=
		reverse <"$work/stale-reverted" >"$work/stale-reverted-order"
		while IFS= read -r id <&5; do
			kept_records redo "$id" "$work/kept-redo"
			words=$(head -n 1 "$work/kept-redo")
			if [ -z "$words" ]; then no_redo=yes; continue; fi
			say "$id: turning it on again (this run turned it off)" >&2
			run_ok "$words"
		done 5<"$work/stale-reverted-order"
		if [ -n "$no_redo" ]; then
			gone_actions "$work/gone-actions"
			cat "$work/gone-actions" >>"$work/redo"
		fi
	fi
	if [ -s "$work/redo" ] && [ -f "$undo_kept" ]; then
		awk '$1 == "action" && $3 == "now" { print $2 }' "$undo_kept" >"$work/redo-order"
		while IFS= read -r name <&5; do
			grep -qxF -- "$name" "$work/redo" || continue
			kept_records run "$name" "$work/redo-run"
			[ -s "$work/redo-run" ] || continue
			say "$name: the last install's commands again, from its restored files" >&2
			while IFS= read -r words <&6; do run_ok "$words"; done 6<"$work/redo-run"
		done 5<"$work/redo-order"
	fi
	if [ -s "$work/stale-addresses" ]; then
		while IFS=' ' read -r cidr dev label <&5; do
			if [ "$label" = "$dev" ]; then run_ok "ip addr add $cidr dev $dev"; else run_ok "ip addr add $cidr dev $dev label $label"; fi
		done 5<"$work/stale-addresses"
	fi
}

# Runs a program with the given arguments as they are (a value may hold
# blanks), chrooted when --root is given.
invoke_args() {
	if [ -n "$root" ]; then chroot "$root" "$@" 3<&- 4<&-; else "$@" 3<&- 4<&-; fi
}

# The plan's command QUERY of service SVC, or nothing.
service_command() { # service_command SVC QUERY
	sed -n "s/^service $1 $2 //p" "$plan" | head -n 1
}

# yes, no, or - (the distro has no such query): service_state SVC QUERY
service_state() {
	words=$(service_command "$1" "$2")
	if [ -z "$words" ]; then echo -
	elif invoke "$words" >/dev/null 2>&1; then echo yes
	else echo no
	fi
}

# Records to OUT, per line `SVC ENABLED ACTIVE` (yes, no or -), the services
# the plan's actions change (`changes`: both; `enables`: enablement only).
read_services() { # read_services OUT
	: >"$1"
	sed -n -e 's/^changes [^ ]* //p' -e 's/^enables [^ ]* //p' "$plan" | sort -u >"$work/svcs"
	while IFS= read -r svc <&4; do
		en=$(service_state "$svc" enabled)
		if grep -q "^changes [^ ]* $svc\$" "$plan"; then ac=$(service_state "$svc" active); else ac=-; fi
		printf '%s %s %s\n' "$svc" "$en" "$ac" >>"$1"
	done 4<"$work/svcs"
}

# Sets each service of FILE (read_services' lines) back to its state there,
# where it differs now: first what is to stop or be disabled, then what is to
# be enabled or start (a backend switch: the new one stops, the old one starts).
# A backend that is to run and still runs when the other backend of its switch
# (`readd NAME SVC`: SVC the old one, NAME's other services the new) was
# stopped here is stopped and started again: both drove the same virtual
# services, and the new one's stop deleted them (keepalived's clear_services,
# ldirectord's cleanstop), which the old one adds only when it starts
# (ld_start; keepalived's reload adds nothing).
put_back_services() { # put_back_services FILE
	[ -s "$1" ] || return 0
	: >"$work/stopped"
	for pass in off on; do
		if [ "$pass" = on ]; then readd_again "$1"; fi
		while IFS=' ' read -r svc en ac <&4; do
			for q in enabled active; do
				if [ "$q" = enabled ]; then want=$en; else want=$ac; fi
				[ "$want" = - ] && continue
				case $pass$want in offyes | onno) continue ;; esac
				[ "$(service_state "$svc" "$q")" = "$want" ] && continue
				case $q$want in
				enabledyes) set_to=enable ;;
				enabledno) set_to=disable ;;
				activeyes) set_to=start ;;
				*) set_to=stop ;;
				esac
				words=$(service_command "$svc" "$set_to")
				if [ -z "$words" ]; then
					say "warning: cannot $set_to $svc: the plan has no command for it" >&2
				else
					run_ok "$words"
					[ "$set_to" = stop ] && printf '%s\n' "$svc" >>"$work/stopped"
				fi
			done
		done 4<"$1"
	done
}

# put_back_services' restart of an old backend (see there): stops it, so that
# the pass that follows starts it.
readd_again() { # readd_again FILE
	awk '$1 == "readd" { print $2, $3 }' "$plan" | sort -u >"$work/switches"
	while IFS=' ' read -r name old <&4; do
		grep -q "^$old [a-z-]* yes\$" "$1" || continue
		[ "$(service_state "$old" active)" = yes ] || continue
		awk -v n="$name" -v o="$old" '$1 == "changes" && $2 == n && $3 != o { print $3 }' "$plan" >"$work/new-backends"
		while IFS= read -r new <&5; do
			grep -qxF -- "$new" "$work/stopped" || continue
			say "$old: stopped and started again: $new's stop deleted the services both drove" >&2
			words=$(service_command "$old" stop)
			[ -n "$words" ] && run_ok "$words"
			break
		done 5<"$work/new-backends"
	done 4<"$work/switches"
}

# Records to OUT, per line `PROGRAM KEY =VALUE` (or `PROGRAM KEY -`: the key
# does not exist, e.g. net.ipv4.vs.* before ip_vs is loaded), the live value
# of each kernel key the plan names.
read_sysctls() { # read_sysctls OUT
	: >"$1"
	records sysctl >"$work/keys"
	while IFS=' ' read -r prog key <&4; do
		if value=$(invoke_args "$prog" -n "$key" 2>/dev/null); then
			printf '%s %s =%s\n' "$prog" "$key" "$value" >>"$1"
		else
			printf '%s %s -\n' "$prog" "$key" >>"$1"
		fi
	done 4<"$work/keys"
}

# Writes each key of FILE (read_sysctls' lines) back where it differs now.
put_back_sysctls() { # put_back_sysctls FILE
	[ -s "$1" ] || return 0
	while IFS=' ' read -r prog key value <&4; do
		case $value in =*) ;; *) continue ;; esac
		value=${value#=}
		now=$(invoke_args "$prog" -n "$key" 2>/dev/null) || now=
		[ "$now" = "$value" ] && continue
		say "+ $prog -w $key=$value"
		invoke_args "$prog" -w "$key=$value" >/dev/null || say "warning: command failed (ignored): $prog -w $key=$value" >&2
	done 4<"$1"
}

# yes when the plan's probe ID says its item is on (exit 0 with output), else no.
probe_state() { # probe_state ID
	words=$(sed -n "s/^probe $1 //p" "$plan" | head -n 1)
	if [ -n "$words" ] && out=$(invoke "$words" 2>/dev/null) && [ -n "$out" ]; then echo yes; else echo no; fi
}

# Records to OUT, per line `ID yes|no`, the state of every probe of the plan.
read_probes() { # read_probes OUT
	: >"$1"
	records probe | sed 's/ .*//' >"$work/probe-ids"
	while IFS= read -r id <&4; do
		printf '%s %s\n' "$id" "$(probe_state "$id")" >>"$1"
	done 4<"$work/probe-ids"
}

# Turns back, newest first, each item of FILE (read_probes' lines) that was
# off there and is on now: its revert record (modprobe -r of a module the
# host did not have, setsebool back, tunl0 down, a route deleted).
put_back_probes() { # put_back_probes FILE
	[ -s "$1" ] || return 0
	reverse <"$1" >"$work/probes-reversed"
	while IFS=' ' read -r id was <&4; do
		[ "$was" = no ] || continue
		[ "$(probe_state "$id")" = yes ] || continue
		words=$(sed -n "s/^revert $id [a-z]* //p" "$plan" | head -n 1)
		# A probe without a revert record has nothing to run (not a failure of the loop).
		if [ -n "$words" ]; then run_ok "$words"; fi
	done 4<"$work/probes-reversed"
}

# Adds to the originals FILE the lines of NEW whose word N (the key of a
# sysctl line, the service of a services line) it has no line for yet: the
# first install's state stays the original.
keep_originals() { # keep_originals NEW FILE N
	[ -s "$1" ] || return 0
	mkdirs "$state"
	touch "$2"
	awk -v n="$3" -v kept="$2" 'BEGIN { while ((getline l < kept) > 0) { split(l, w, " "); have[w[n]] = 1 } } !($n in have)' "$1" >"$work/new-originals"
	cat "$2" "$work/new-originals" >"$2.lvsgen-new" && mv -f "$2.lvsgen-new" "$2"
}

# Writes to OUT the originals (/var/lib/lvsgen/probes) under this plan's ids.
# Their ids are those of the last install's plan (its kept probe records);
# an item is the same item when it is probed by the same command, whatever
# its id: a plan may name it otherwise (an earlier lvsgen named a route by
# its place in the list, route-0-1, which moved when the list changed; lvsgen
# now names it by itself, route-eth0-10_1_4_0-24-via-10_1_3_1). So a kept id whose probe this
# plan has under another id takes its line to that id (the item's state
# before lvsgen's first install, where the item is lvsgen's now and would
# read "yes"); a kept id this plan gives to another item, whose own item
# left, is dropped (its state is read when it is first probed); other lines
# stay as they are (ids of no kept record: an installer before them).
rekey_probes() { # rekey_probes OUT
	: >"$1"
	[ -f "$probes_orig" ] || return 0
	awk -v kept="$undo_kept" -v plan="$plan" '
		function probes(file, byid) {
			while ((getline l <file) > 0) {
				if (l !~ /^probe /) continue
				split(l, w, " ")
				sub(/^probe [^ ]+ /, "", l)
				if (byid) { if (!(w[2] in was)) was[w[2]] = l }
				else { probed[w[2]] = 1; if (!(l in now)) now[l] = w[2] }
			}
			close(file)
		}
		BEGIN { if (kept != "") probes(kept, 1); probes(plan, 0) }
		NF > 0 {
			to = $1; moved = 0
			if ($1 in was) {
				if (was[$1] in now) { to = now[was[$1]]; moved = 1 }
				else if ($1 in probed) next
			}
			if (!(to in state)) { order[++n] = to; state[to] = $2; by[to] = moved }
			else if (moved && !by[to]) { state[to] = $2; by[to] = 1 }
		}
		END { for (i = 1; i <= n; i++) print order[i], state[order[i]] }' "$probes_orig" >"$1"
}

# Keeps the originals under this plan's ids (rekey_probes): run where the
# plan's records are kept as the last install's (keep_undo), whose ids the
# originals use from then on.
rekey_originals() {
	[ -f "$probes_orig" ] || return 0
	rekey_probes "$work/probes-rekeyed"
	cmp -s "$work/probes-rekeyed" "$probes_orig" && return 0
	cp "$work/probes-rekeyed" "$probes_orig.lvsgen-new" && mv -f "$probes_orig.lvsgen-new" "$probes_orig"
}

# The plan's records of one kind, without the kind: `records file` prints
# "MODE MERGE SECRECY PATH" lines. Every loop below reads such a list on fd 3,
# so that stdin stays the operator's terminal (confirm asks on it).
records() {
	sed -n "s/^$1 //p" "$plan"
}
records file >"$work/files"
records file | sed 's/^[^ ]* [^ ]* [^ ]* //' >"$work/managed"
# Every file record is understood before anything changes.
while IFS=' ' read -r mode merge secrecy path <&3; do
	case $mode in 0[0-7][0-7][0-7]) ;; *) fail "plan: bad mode $mode of $path" ;; esac
	case $merge in replace | block | iptables | ifupdown | keyfile | ifcfg | interfaces) ;; *) fail "plan: $path: this installer cannot merge by $merge" ;; esac
	case $secrecy in plain | secret) ;; *) fail "plan: bad secrecy $secrecy of $path" ;; esac
	case $path in /*) ;; *) fail "plan: not an absolute path: $path" ;; esac
done 3<"$work/files"

# Interface files (merge ifupdown, keyfile): lvsgen's file for a device keeps
# what the host's own configuration of that device says and lvsgen's does not
# (DNS servers, MTU, a gateway where lvsgen sets none, IPv6, up lines), and the
# host's other stanzas or profiles for the device are disabled (the original
# kept in backup/, put back by --uninstall), so that one configuration applies:
# - ifupdown (interfaces(5)): the option lines of every `iface DEV inet`
#   stanza of the originals of the files ifupdown reads together (FILE and
#   FILE.d/*) join lvsgen's stanza for DEV, but for the address lvsgen sets
#   (address, netmask, broadcast, network, pointopoint), the gateway when one
#   of lvsgen's stanzas sets one, and an option lvsgen's stanza has; an `iface
#   DEV inet6` stanza of a file lvsgen replaces comes along whole. Another
#   file's `iface DEV inet` stanza (cloud-init's interfaces.d/50-cloud-init) is
#   commented out with `#lvsgen-disabled# `: ifup would apply both.
# - keyfile (nm-settings-keyfile(5)): the keys of every other profile bound to
#   the device (interface-name, or mac-address: MAC_AWK) join lvsgen's profile, but for those lvsgen sets
#   ([connection] id, uuid, type, interface-name, autoconnect*, [ipv4] method,
#   address*, route*, the gateway as above, and any key lvsgen's file has); the
#   host's [ipv6] replaces lvsgen's `method=ignore`. The other profile gets
#   autoconnect=false: an autoconnect-priority only orders NetworkManager's
#   attempts, and it would activate the other profile when lvsgen's fails.
#   Where the plan says NetworkManager also reads ifcfg files (`reads PATH
#   ifcfg DIR`: RHEL's ifcfg-rh plugin), an ifcfg file for the device is a
#   profile too: its settings join as ifcfg_as_keyfile reads them, and it gets
#   ONBOOT=no, which the plugin reads as autoconnect=false.
# - ifcfg (Red Hat's initscripts source ifcfg-DEV): lvsgen's file, then the
#   lines of the host's ifcfg files for the same device (DEVICE=, else HWADDR=,
#   else the name after ifcfg-: ifdev), in their order and bytes, but for the variables lvsgen
#   sets: any its file has, the address (IPADDR*, NETMASK*, PREFIX*, NETWORK,
#   BROADCAST: PREFIX would win over lvsgen's NETMASK), IPV6ADDR_SECONDARIES
#   when it sets IPV6ADDR, GATEWAY* (IPV6_DEFAULTGW) when one of its files
#   sets GATEWAY (IPV6_DEFAULTGW). The file of the same path comes first, with
#   its comments; another file's variables only where those did not set them.
#   Another file for the device (ifcfg-System_eth0) gets ONBOOT=no: the network
#   service brings up every ifcfg-* (but aliases and the names it skips, below)
#   whose ONBOOT is not false, so both would configure the device.
IFUPDOWN_KW='iface auto mapping source source-directory rename no-auto-down no-scripts'

original_of() { # original_of PATH: the host's own PATH, before lvsgen changed it
	if [ -f "$backup$1" ]; then
		printf '%s\n' "$backup$1"
	elif [ -e "$backup$1.lvsgen-absent" ] || [ ! -f "$root$1" ]; then
		printf '%s\n' /dev/null
	else
		printf '%s\n' "$root$1"
	fi
}

# NetworkManager reads profiles from /etc/NetworkManager/system-connections and
# /run/NetworkManager/system-connections (nm-settings-keyfile(5)); the latter are
# its in-memory ones (`nmcli connection add --temporary`, and those
# nm-initrd-generator writes at every boot from the kernel command line). Measured
# with NetworkManager 1.42: a profile there bound to a device competes with
# lvsgen's like any other; one in /run wins over a file of the same UUID in /etc,
# and a tombstone in /etc (UUID.nmmeta -> /dev/null) does not hide it. What
# NetworkManager itself does to one that is modified for good (`nmcli connection
# modify` without --temporary) is write it to /etc and remove it from /run. So an
# install does the same to a runtime profile bound to one of lvsgen's devices:
# its copy, with autoconnect=false, goes to /etc (under the /run file's name),
# the /run file goes (merge kind off-gone), both put back by --uninstall.
# Not looked at: the runtime profiles NetworkManager generates itself for a
# device it found configured (`[.nmmeta] nm-generated=true` or `external=true`:
# its "lo", for one), and those that do not autoconnect.
runtime_competes() { # runtime_competes FILE
	awk '/^[ 	]*\[/ { sec = $0; sub(/[ 	]+$/, "", sec); next }
		sec == "[.nmmeta]" && $0 ~ /^(nm-generated|external)[ 	]*=[ 	]*true/ { gen = 1 }
		sec == "[connection]" && $0 ~ /^autoconnect[ 	]*=[ 	]*(false|no|0)[ 	]*$/ { gen = 1 }
		END { exit gen }' "$1"
}
# runtime_of PATH: the runtime folder of keyfile PATH's, or nothing.
runtime_of() {
	case ${1%/*} in /etc/NetworkManager/system-connections) printf '%s\n' /run/NetworkManager/system-connections ;; esac
}

family_of() { # family_of MERGE PATH: the host files its consumer reads with PATH
	case $1 in
	ifupdown)
		case $2 in */*.d/*) fbase=${2%/*}; fbase=${fbase%.d} ;; *) fbase=$2 ;; esac
		printf '%s\n' "$fbase"
		for f in "$root$fbase.d"/*; do [ -f "$f" ] && printf '%s\n' "${f#"$root"}"; done
		;;
	keyfile)
		for f in "$root${2%/*}"/*.nmconnection; do [ -f "$f" ] && printf '%s\n' "${f#"$root"}"; done
		# NetworkManager's runtime profiles, and those of them an install moved
		# (their originals in backup/): see runtime_of.
		rt=$(runtime_of "$2")
		if [ -n "$rt" ]; then
			for f in "$root$rt"/*.nmconnection; do [ -f "$f" ] && runtime_competes "$f" && printf '%s\n' "${f#"$root"}"; done
			for f in "$backup$rt"/*.nmconnection; do [ -f "$f" ] && printf '%s\n' "${f#"$backup"}"; done
		fi
		# The ifcfg files NetworkManager reads too (its ifcfg-rh plugin), where the plan says so.
		awk -v p="$2" '$1 == "reads" && $2 == p && $3 == "ifcfg" { print $4 }' "$plan" >"$work/reads"
		while IFS= read -r d <&4; do family_of ifcfg "$d/ifcfg-"; done 4<"$work/reads"
		;;
	ifcfg)
		# The names initscripts skip (is_ignored_file in /etc/init.d/functions), and
		# those NetworkManager's ifcfg-rh plugin skips (.rej, .augnew, .augtmp).
		for f in "$root${2%/*}"/ifcfg-*; do
			case $f in *~ | *.bak | *.old | *.orig | *.rpmnew | *.rpmorig | *.rpmsave | *.rej | *.augnew | *.augtmp) continue ;; esac
			[ -f "$f" ] && printf '%s\n' "${f#"$root"}"
		done
		;;
	esac
	return 0
}

# merge_ifupdown BUNDLE OUT PLANNED SOURCE...: PLANNED lists (one a line) the
# sources that are originals of files lvsgen replaces.
merge_ifupdown() {
	mb=$1 mo=$2 mp=$3
	shift 3
	awk -v kws=" $IFUPDOWN_KW " -v gw="$(cat "$work/ifupdown.gw")" -v planned="$mp" '
		BEGIN { n = split(planned, p, "\n"); for (i = 1; i <= n; i++) if (p[i] != "") isplan[p[i]] = 1 }
		function kw(w) { return index(kws, " " w " ") > 0 || w ~ /^allow-/ }
		FILENAME != fn { fn = FILENAME; nf++; cur = ""; six = "" }
		{ line = $0; sub(/^[ \t]+/, "", line) }
		nf == 1 {
			b[++nb] = $0
			if (kw($1)) { cur = ($1 == "iface" && $3 == "inet") ? $2 : ""; if (cur != "") { mine[cur] = 1; last[cur] = nb }; next }
			if (cur != "" && line != "" && line !~ /^#/) { last[cur] = nb; have[cur, line] = 1; if ($1 !~ /^(pre-|post-)?(up|down)$/) set[cur, $1] = 1 }
			next
		}
		kw($1) {
			cur = ($1 == "iface" && $3 == "inet" && ($2 in mine)) ? $2 : ""
			six = ($1 == "iface" && $3 == "inet6" && ($2 in mine) && (FILENAME in isplan)) ? $2 : ""
			if (six != "") tail = tail "\n" $0 "\n"
			next
		}
		line == "" || line ~ /^#/ { next }
		six != "" { tail = tail "\t" line "\n"; next }
		cur == "" { next }
		$1 == "address" || $1 == "netmask" || $1 == "broadcast" || $1 == "network" || $1 == "pointopoint" || ($1 == "gateway" && gw == 1) { next }
		((cur, $1) in set) || ((cur, line) in have) { next }
		{ have[cur, line] = 1; add[cur] = add[cur] "\t" line "\n" }
		END {
			for (i = 1; i <= nb; i++) { print b[i]; for (d in last) if (last[d] == i) printf "%s", add[d] }
			printf "%s", tail
		}' "$mb" "$@" >"$mo"
}

# interfaces(5) MAPPING: the first line of a mapping stanza names patterns in
# shell glob syntax, and ifup of a device one of them matches runs the
# stanza's script and configures the logical interface it prints instead of
# the device's own `iface` (ifupdown matches with fnmatch(3), no flags: `*`
# matches any name, `eth*` eth0 and eth0:0). mapping() reads the mapping line
# in $0 against devs (" eth0 eth1 "): hit, whether a pattern matches one of
# them, and others, the patterns that match none (" eth3 wlan*"). A glob that
# matches one of lvsgen's devices goes whole, since a pattern cannot leave
# names out; the administrator's devices it also matches (admins, " eth3
# wlan0 ": ifupdown_admins) join others by name, so that ifup of those still
# runs the stanza's script. A glob that goes so is told on stderr (warn: the
# warnings file, FILE the file it is in; say_warnings prints each once).
# within(S) says whether the mapping line in $0 names only what the disabled
# line of words S (" eth* wlan0 ") names or matches: lvsgen's line after it.
# shellcheck disable=SC2016 # awk's program: its $ are awk's
MAPPING_AWK='
	function isglob(p) { return p ~ /[][*?]/ }
	function within(s,  i, k, n, w, ok) {
		if (NF < 2) return 0
		n = split(s, w, " ")
		for (i = 2; i <= NF; i++) {
			if (index(s, " " $i " ")) continue
			ok = 0
			for (k = 1; k <= n; k++) if (isglob(w[k]) && $i ~ glob(w[k])) ok = 1
			if (!ok) return 0
		}
		return 1
	}
	function glob(p,  r, i, n, c, j, cls) {
		r = "^"; n = length(p)
		for (i = 1; i <= n; i++) {
			c = substr(p, i, 1)
			if (c == "*") r = r ".*"
			else if (c == "?") r = r "."
			else if (c == "[" && (j = index(substr(p, i + 2), "]")) > 0) {
				cls = substr(p, i + 1, j)
				if (substr(cls, 1, 1) == "!") cls = "^" substr(cls, 2)
				r = r "[" cls "]"; i += j + 1
			} else {
				if (c == "\\" && i < n) c = substr(p, ++i, 1)
				r = r (c ~ /[][\\.+(){}|^$*?]/ ? "\\" c : c)
			}
		}
		return r "$"
	}
	function mapping(  i, k, n, na, ds, as, re, m, globs, mine, kept) {
		hit = 0; others = ""; globs = ""; mine = ""; kept = ""
		n = split(devs, ds, " "); na = split(admins, as, " ")
		for (i = 2; i <= NF; i++) {
			m = 0; re = glob($i)
			for (k = 1; k <= n; k++) if (ds[k] ~ re) { m = 1; if (!index(mine " ", " " ds[k] " ")) mine = mine " " ds[k] }
			if (!m) { others = others " " $i; continue }
			hit = 1
			if (!isglob($i)) continue
			globs = globs " " $i
			for (k = 1; k <= na; k++) if (as[k] ~ re && !index(kept " ", " " as[k] " ")) kept = kept " " as[k]
		}
		n = split(kept, as, " ")
		for (k = 1; k <= n; k++) if (!index(others " ", " " as[k] " ")) others = others " " as[k]
		if (globs == "" || warnings == "") return
		if (kept != "") tell = "the line is disabled and followed by `mapping" others "`: your" kept " (up now, or named on an auto or allow- line) stay mapped; a device of yours it would match that is neither is no longer mapped"
		else tell = (others == "" ? "the stanza is disabled whole" : "the line is disabled and followed by `mapping" others "`") "; it matches no device of yours that is up now or named on an auto or allow- line, and one it would match is no longer mapped"
		print "install.sh: warning: " file ": `" substr($0, match($0, /mapping/)) "`: the pattern" globs " matches lvsgen'"'"'s" mine ", which lvsgen configures: " tell >>warnings
	}
'

# off_ifupdown FILE DEVICES: FILE with its `iface DEV inet` stanzas and its
# mapping stanzas of those devices commented out (a mapping line that also
# names others is followed by one of the others, as in merge_interfaces).
off_ifupdown() {
	awk -v kws=" $IFUPDOWN_KW " -v devs=" $2 " -v admins="$ifupdown_admins" -v file="$3" -v warnings="$work/warnings" -v pre="#lvsgen-disabled# " "$MAPPING_AWK"'
		function kw(w) { return index(kws, " " w " ") > 0 || w ~ /^allow-/ }
		kw($1) {
			off = $1 == "iface" && $3 == "inet" && index(devs, " " $2 " ") > 0
			if ($1 == "mapping") {
				mapping()
				if (hit && others == "") off = 1
				else if (hit) { match($0, /^[ \t]*/); print pre $0; print substr($0, 1, RLENGTH) "mapping" others; next }
			}
		}
		off && $0 != "" { print pre $0; next }
		{ print }' "$1"
}

# The host's main interfaces(5) file (merge interfaces: debian12's
# /etc/network/interfaces) stays the administrator's: its stanzas for other
# devices (a bond, a vlan, dhcp on eth3, DNS on lo) and its comments are kept
# byte for byte. Taken out of it are the stanzas of the devices lvsgen's
# drop-ins configure: `iface DEV` of any family, a `mapping` naming only such
# devices, and an `auto`, `allow-*`, `no-auto-down` or `no-scripts` line
# naming one (the other devices such a line names go, with its keyword, into
# lvsgen's block); a `mapping` line naming one and others is disabled and
# followed by lvsgen's `mapping` line of the others, so its script and map
# lines stay the administrator's mapping of theirs while ifup of lvsgen's
# device no longer runs it (ifup maps a device before it looks for its iface,
# interfaces(5) MAPPING). Their lines that are neither blank nor a comment are commented out
# with `#lvsgen-disabled# ` (merge_ifupdown has taken their options over into
# lvsgen's drop-in, an inet6 stanza whole). lvsgen's marked block (where it
# was, or at the end) holds the bundle's `source` line when the file has no
# line reading /etc/network/interfaces.d/*. No file on the host: the bundle's
# (the stock file) whole. src/render/plan.ts mergeInterfaces is its oracle.
# merge_interfaces HOST BUNDLE OUT (HOST: the host's side, as host_side names it).
merge_interfaces() {
	if [ ! -f "$1" ]; then
		cp "$2" "$3"
		return 0
	fi
	awk -v kws=" $IFUPDOWN_KW " -v devs=" $(tr '\n' ' ' <"$work/ifupdown.devs" 2>/dev/null) " -v admins="$ifupdown_admins" -v file="${4:-}" -v warnings="${4:+$work/warnings}" \
		-v begin="$BEGIN_MARK" -v end="$END_MARK" -v bundled="$2" -v pre="#lvsgen-disabled# " "$MAPPING_AWK"'
		function kw(w) { return index(kws, " " w " ") > 0 || w ~ /^allow-/ }
		function mine(d) { return index(devs, " " d " ") > 0 }
		# The block, once the first pass has read the whole file.
		function prepare(  l, i) {
			if (ready) return
			ready = 1
			if (!reads) while ((getline l < bundled) > 0) if (l ~ /^[ \t]*source(-directory)?[ \t]/) block[++nb] = l
			for (i = 1; i <= nr; i++) block[++nb] = rest[i]
		}
		function emit(  i) { prepare(); if (done) return; done = 1; if (nb > 0) { print begin; for (i = 1; i <= nb; i++) print block[i]; print end } }
		# The devices of a disabled mapping line (" eth1 eth3 ") and whether a
		# mapping line names only devices of those: lvsgen'"'"'s line after it.
		function mapped(  i, s) { s = " "; for (i = 2; i <= NF; i++) s = s $i " "; return s }
		FNR == 1 { pass++; if (pass == 2) prepare(); was = "" }
		{ prev = was; was = "" }
		# The host as it had the file: lvsgen'"'"'s block out, its disabled lines
		# back, the mapping line it wrote after a disabled one out.
		index($0, pre) == 1 { $0 = substr($0, length(pre) + 1); if ($1 == "mapping") was = mapped() }
		prev != "" && $1 == "mapping" && within(prev) { next }
		$0 == begin { inblock = 1; if (pass == 2) emit(); next }
		inblock { if ($0 == end) inblock = 0; next }
		{ out = $0 }
		kw($1) {
			off = ($1 == "iface" && mine($2))
			# A mapping naming lvsgen'"'"'s devices and others keeps its stanza for the
			# others: the line disabled, then lvsgen'"'"'s mapping line of the others.
			if ($1 == "mapping") {
				if (pass == 1) { w = warnings; warnings = "" }
				mapping()
				if (pass == 1) warnings = w
				if (hit && others == "") off = 1
				else if (hit) {
					if (pass == 2) { match(out, /^[ \t]*/); print pre out; print substr(out, 1, RLENGTH) "mapping" others }
					next
				}
			}
			if ($1 == "auto" || $1 == "no-auto-down" || $1 == "no-scripts" || $1 ~ /^allow-/) {
				hit = 0; others = ""
				for (i = 2; i <= NF; i++) if (mine($i)) hit = 1; else others = others " " $i
				if (hit) {
					if (pass == 1 && others != "") rest[++nr] = $1 others
					if (pass == 2) print pre out
					next
				}
			}
			if ($0 ~ /^[ \t]*(source[ \t]+(\/etc\/network\/)?interfaces\.d\/\*|source-directory[ \t]+(\/etc\/network\/)?interfaces\.d\/?)[ \t]*$/) reads = 1
		}
		pass == 1 { next }
		{ t = out; sub(/^[ \t]+/, "", t); print ((off && t != "" && t !~ /^#/) ? pre out : out) }
		END { emit() }' "$1" "$1" >"$3"
}

# unmerge_interfaces FILE OUT: the host's main interfaces file as it was before
# merge_interfaces: lvsgen's block out, the lines it disabled back.
unmerge_interfaces() {
	awk -v begin="$BEGIN_MARK" -v end="$END_MARK" -v pre="#lvsgen-disabled# " "$MAPPING_AWK"'
		function mapped(  i, s) { s = " "; for (i = 2; i <= NF; i++) s = s $i " "; return s }
		{ prev = was; was = "" }
		$0 == begin { inblock = 1; next }
		inblock { if ($0 == end) inblock = 0; next }
		index($0, pre) == 1 { $0 = substr($0, length(pre) + 1); if ($1 == "mapping") was = mapped() }
		prev != "" && $1 == "mapping" && within(prev) { next }
		{ print }' "$1" >"$2"
}

# A file or profile bound to a device by its hardware address alone: an ifcfg
# file with HWADDR and no DEVICE (initscripts' source_config takes the device
# get_device_by_hwaddr finds; NetworkManager's ifcfg-rh reads HWADDR as
# mac-address), a keyfile profile with `[ethernet] mac-address` and no
# interface-name (NetworkManager activates it on the device of that address).
# lvsgen's devices' addresses are read from ROOT/sys/class/net/DEV/address: the
# live host's, or under --root the root's own /sys where one is mounted there.
# A root without it (an image) has no device to compare with: such a file is
# judged as it was before (an ifcfg file by its name, a profile as bound to no
# device lvsgen configures), with a warning. macs: " ADDRESS=DEV" per device
# (lower case), " ?=DEV" for one whose address cannot be read (macs_of).
macs=
macs_of() { # macs_of DEVICES
	for d in $1; do
		case $d in lo | *:*) continue ;; esac
		a=
		[ -r "$root/sys/class/net/$d/address" ] && a=$(tr 'ABCDEF' 'abcdef' <"$root/sys/class/net/$d/address")
		printf ' %s=%s' "${a:-?}" "$d"
	done
}
MAC_AWK='
	# The device of address M among lvsgen'"'"'s ("" none; "?" none of those known,
	# and the address of one of them is unknown).
	function bymac(m,  n, i, w, a, unknown) {
		m = tolower(m); gsub(/[ \t]/, "", m)
		n = split(macs, w, " ")
		for (i = 1; i <= n; i++) { split(w[i], a, "="); if (a[1] == m) return a[2]; if (a[1] == "?") unknown = 1 }
		return unknown ? "?" : ""
	}
	# A profile'"'"'s device: its interface-name, where its mac-address (if any)
	# does not name another device; else the device of its mac-address.
	function bound(d, m,  b) {
		if (m == "") return d
		b = bymac(m)
		if (d == "") return b
		return (b == "?" || b == d) ? d : ""
	}
	function ether(sec) { return sec == "[ethernet]" || sec == "[802-3-ethernet]" }
	function unknown(file, m, taken) {
		print "install.sh: warning: " file " is bound to the device of address " m " alone, and the address of one of lvsgen'"'"'s devices cannot be read (no /sys/class/net/DEV/address under the root): " taken | "cat >&2"
	}'

# The administrator's devices a mapping glob may match (MAPPING_AWK's admins):
# those the originals of the files ifupdown reads name on an `auto` or
# `allow-CLASS` line (the names ifup -a and hotplug hand to ifup), and those
# that exist (ROOT/sys/class/net), but for lvsgen's DEVICES; sorted, " a b ".
ifupdown_admins=
ifupdown_admins_of() { # ifupdown_admins_of DEVICES (reads $work/ifupdown.family)
	{
		while IFS= read -r f <&5; do
			awk '{ sub(/^[ \t]+/, "") } $1 == "auto" || $1 ~ /^allow-/ { for (i = 2; i <= NF; i++) print $i }' "$(original_of "$f")"
		done 5<"$work/ifupdown.family"
		for d in "$root"/sys/class/net/*; do [ -e "$d" ] && printf '%s\n' "${d##*/}"; done
	} | LC_ALL=C sort -u | awk -v devs=" $1 " '!index(devs, " " $0 " ") { printf " %s", $0 } END { print " " }'
}

# merge_keyfile BUNDLE OUT PLANNED SOURCE...: the sources are keyfiles; those
# bound to another device are ignored.
merge_keyfile() {
	mb=$1 mo=$2
	shift 3
	awk -v gw="$(cat "$work/keyfile.gw")" -v macs="$macs" "$MAC_AWK"'
		function flush(  i, s, k) {
			src_dev = bound(src_dev, src_mac)
			if (nf < 2 || src_dev != dev) { ns = 0; return }
			for (i = 1; i <= ns; i++) {
				s = ssec[i]; k = skey[i]
				if (s == "[ipv6]") six = 1
				if (s == "[connection]" && k ~ /^(id|uuid|type|interface-name|autoconnect|autoconnect-priority)$/) continue
				if (s == "[ipv4]" && (k ~ /^(method|address(es)?[0-9]*|route(s)?[0-9]*(_options)?)$/ || (k == "gateway" && gw == 1))) continue
				if ((s, k) in set) continue
				set[s, k] = 1
				if (!(s in known)) { known[s] = 1; order[++no] = s }
				add[s] = add[s] sline[i] "\n"
			}
			ns = 0
		}
		FILENAME != fn { flush(); fn = FILENAME; nf++; sec = ""; src_dev = ""; src_mac = "" }
		/^[ \t]*\[/ { sec = $0; sub(/[ \t]+$/, "", sec); if (nf == 1 && !(sec in known)) { known[sec] = 1; order[++no] = sec; mine[sec] = 1 }; next }
		nf == 1 { body[sec] = body[sec] $0 "\n"; if ($0 ~ /^[^#;].*=/) { k = $0; sub(/[ \t]*=.*/, "", k); if (sec != "[ipv6]") set[sec, k] = 1; if (sec == "[connection]" && k == "interface-name") { dev = $0; sub(/^[^=]*=[ \t]*/, "", dev) } }; next }
		$0 !~ /^[^#;].*=/ { next }
		{ k = $0; sub(/[ \t]*=.*/, "", k); if (sec == "[connection]" && k == "interface-name") { src_dev = $0; sub(/^[^=]*=[ \t]*/, "", src_dev) }
		  if (ether(sec) && k == "mac-address") { src_mac = $0; sub(/^[^=]*=[ \t]*/, "", src_mac) }
		  ssec[++ns] = sec; skey[ns] = k; sline[ns] = $0 }
		END {
			flush()
			printf "%s", body[""]
			for (j = 1; j <= no; j++) {
				s = order[j]
				t = (s in mine) ? body[s] : ""
				if (s == "[ipv6]" && six) { u = ""; m = split(t, l, "\n"); for (i = 1; i < m; i++) if (l[i] !~ /^[^#;].*=/) u = u l[i] "\n"; t = u }
				sub(/\n+$/, "", t)
				if (t != "") t = t "\n"
				printf "%s%s\n%s%s", (j > 1 ? "\n" : ""), s, t, add[s]
			}
		}' "$mb" "$@" >"$mo"
}

# off_keyfile FILE DEVICES: FILE with autoconnect=false when it is bound to one
# of DEVICES (interface-name, or mac-address: see MAC_AWK).
off_keyfile() {
	awk -v devs=" $2 " -v macs="$macs" -v file="$3" "$MAC_AWK"'
		FNR == 1 { pass++; if (pass == 2) { d = bound(d, m); if (d == "?") unknown(file, m, "taken as bound to no device of lvsgen'"'"'s"); off = d != "" && index(devs, " " d " ") > 0 } }
		/^[ \t]*\[/ { sec = $0; sub(/[ \t]+$/, "", sec) }
		pass == 1 {
			if (sec == "[connection]" && $0 ~ /^interface-name[ \t]*=/) { d = $0; sub(/^[^=]*=[ \t]*/, "", d) }
			if (ether(sec) && $0 ~ /^mac-address[ \t]*=/) { m = $0; sub(/^[^=]*=[ \t]*/, "", m) }
			next
		}
		!off { print; next }
		sec == "[connection]" && $0 ~ /^autoconnect[ \t]*=/ { next }
		{ print }
		$0 ~ /^[ \t]*\[connection\]/ { print "autoconnect=false" }' "$1" "$1"
}

# An ifcfg line's variable (KEY=...), and a value without its quotes.
IFCFG_AWK='
	function key(l) { if (l !~ /^[ \t]*[A-Za-z_][A-Za-z0-9_]*=/) return ""; sub(/^[ \t]*/, "", l); sub(/=.*/, "", l); return l }
	function unq(v,  q) {
		sub(/^[^=]*=/, "", v); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); q = sprintf("%c", 39)
		if (length(v) >= 2 && (v ~ /^".*"$/ || (substr(v, 1, 1) == q && substr(v, length(v)) == q))) v = substr(v, 2, length(v) - 2)
		return v
	}
	# The device an ifcfg file configures, as initscripts find it (network-functions
	# source_config): DEVICE, else, with HWADDR, the device of that address
	# (get_device_by_hwaddr; "" when none of lvsgen'"'"'s devices has it), else the
	# name after ifcfg-. An address lvsgen cannot compare (MAC_AWK) falls back to the name.
	function ifdev(d, hw, name,  m) {
		if (d != "") return d
		sub(/.*\//, "", name); sub(/^ifcfg-/, "", name)
		if (hw == "") return name
		m = bymac(hw)
		return m == "?" ? name : m
	}'"$MAC_AWK"

# merge_ifcfg BUNDLE OUT PLANNED SOURCE...: the sources are ifcfg files; those
# of another device are ignored, the one named as BUNDLE comes first.
merge_ifcfg() {
	mb=$1 mo=$2
	shift 3
	awk -v gw="$(cat "$work/ifcfg.gw")" -v gw6="$(cat "$work/ifcfg.gw6")" -v self="${mb##*/}" -v macs="$macs" "$IFCFG_AWK"'
		FNR == 1 { nf++; name[nf] = FILENAME; sub(/.*\//, "", name[nf]) }
		{ line[nf, ++n[nf]] = $0; if (key($0) == "DEVICE") devof[nf] = unq($0); if (key($0) == "HWADDR") hw[nf] = unq($0) }
		function drop(k) {
			return (k in set) || k ~ /^(IPADDR|NETMASK|PREFIX)[0-9]*$/ || k == "NETWORK" || k == "BROADCAST" || k == "ONPARENT" ||
				(k == "IPV6ADDR_SECONDARIES" && ("IPV6ADDR" in set)) || (k ~ /^GATEWAY[0-9]*$/ && gw == 1) || (k == "IPV6_DEFAULTGW" && gw6 == 1)
		}
		function take(f, own,  i, l, k, d) {
			d = ifdev(devof[f], hw[f], name[f])
			if (d != dev) return
			split("", now)
			for (i = 1; i <= n[f]; i++) {
				l = line[f, i]; k = key(l)
				if (k == "") { if (own) print l; continue }
				if (drop(k) || (k in took)) continue
				print l; now[k] = 1
			}
			for (k in now) took[k] = 1
		}
		END {
			for (i = 1; i <= n[1]; i++) { print line[1, i]; k = key(line[1, i]); if (k != "") set[k] = 1 }
			dev = devof[1]
			for (f = 2; f <= nf; f++) if (name[f] == self) take(f, 1)
			for (f = 2; f <= nf; f++) if (name[f] != self) take(f, 0)
		}' "$mb" "$@" >"$mo"
}

# off_ifcfg FILE DEVICES PATH: FILE (the original of PATH) with ONBOOT=no when it
# configures one of DEVICES. An alias file (ifcfg-DEV:N, read by ifup-aliases
# whatever its ONBOOT) with ONPARENT=no when it clashes with one of lvsgen's:
# see ALIASES_OF.
off_ifcfg() {
	awk -v devs=" $2 " -v name="${3##*/}" -v macs="$macs" -v file="$3" \
		-v mine=" $(cat "$work/ifcfg.aliases" 2>/dev/null) " -v addrs=" $(cat "$work/ifcfg.addrs" 2>/dev/null) " "$IFCFG_AWK"'
		FNR == 1 { pass++ }
		pass == 1 { k = key($0); if (k == "DEVICE") d = unq($0); if (k == "HWADDR") m = unq($0); if (k == "IPADDR") ip = unq($0); next }
		FNR == 1 && name ~ /^ifcfg-[^:]+:/ {
			# ifup-aliases P: every ifcfg-P:* but the ignored names, DEVICE (else the
			# name) giving the alias number, ONPARENT=no skipping the file
			p = substr(name, 7); sub(/:.*/, "", p)
			n = d != "" ? d : substr(name, 7); sub(/^[^:]*:/, "", n)
			off = index(mine, " " p ":" n " ") > 0 || (ip != "" && index(addrs, " " p "=" ip " ") > 0)
			var = "ONPARENT"
		}
		FNR == 1 && var == "" {
			if (d == "" && m != "" && bymac(m) == "?") unknown(file, m, "taken as the device its name says")
			d = ifdev(d, m, name); off = d != "" && index(devs, " " d " ") > 0
			var = "ONBOOT"
		}
		off && key($0) == var { print var "=no"; done = 1; next }
		{ print }
		END { if (off && !done) print var "=no" }' "$1" "$1"
}

# ifcfg_as_keyfile FILE: the settings of ifcfg FILE that lvsgen's keyfile
# carries over, as NetworkManager's ifcfg-rh plugin reads them, in keyfile
# form (a source of merge_keyfile): the device's interface-name, ZONE, MTU,
# the IPv4 DNS servers (DNS1 ...), DOMAIN, GATEWAY, and where IPV6INIT is true
# the IPv6 method, addresses, IPV6_DEFAULTGW and IPv6 DNS servers. Read, never
# run: the last assignment wins.
ifcfg_as_keyfile() {
	awk -v name="${2##*/}" -v macs="$macs" "$IFCFG_AWK"'
		{ k = key($0); if (k != "") v[k] = unq($0) }
		END {
			d = ifdev(v["DEVICE"], v["HWADDR"], name)
			print "[connection]"; print "interface-name=" d
			if (v["ZONE"] != "") print "zone=" v["ZONE"]
			if (v["MTU"] != "") { print "[ethernet]"; print "mtu=" v["MTU"] }
			four = ""; six = ""
			for (i = 1; i <= 10; i++) { s = v["DNS" i]; if (s == "") continue; if (index(s, ":")) six = six s ";"; else four = four s ";" }
			search = ""; m = split(v["DOMAIN"], a, /[ \t]+/)
			for (i = 1; i <= m; i++) if (a[i] != "") search = search a[i] ";"
			if (four != "" || search != "" || v["GATEWAY"] != "") {
				print "[ipv4]"
				if (four != "") print "dns=" four
				if (search != "") print "dns-search=" search
				if (v["GATEWAY"] != "") print "gateway=" v["GATEWAY"]
			}
			if (v["IPV6INIT"] ~ /^([Yy]([Ee][Ss])?|[Tt]([Rr][Uu][Ee])?|1)$/) {
				print "[ipv6]"; print "method=" (v["IPV6ADDR"] != "" ? "manual" : "auto")
				n = 0
				if (v["IPV6ADDR"] != "") print "address" (++n) "=" v["IPV6ADDR"]
				m = split(v["IPV6ADDR_SECONDARIES"], a, /[ \t]+/)
				for (i = 1; i <= m; i++) if (a[i] != "") print "address" (++n) "=" a[i]
				if (v["IPV6_DEFAULTGW"] != "") { g = v["IPV6_DEFAULTGW"]; sub(/%.*/, "", g); print "gateway=" g }
				if (six != "") print "dns=" six
			}
		}' "$1"
}

# The interface files: per merge kind, whether lvsgen sets a gateway, the
# devices lvsgen's files configure, and the host's other files of the same
# consumer that configure one of them (records "MODE off-KIND plain PATH",
# installed, diffed and restored as the plan's files are).
for kind in ifupdown keyfile ifcfg; do
	sed -n "s/^[^ ]* $kind [^ ]* //p" "$work/files" >"$work/$kind.paths"
	echo 0 >"$work/$kind.gw"
	echo 0 >"$work/$kind.gw6"
	[ -s "$work/$kind.paths" ] || continue
	: >"$work/$kind.devs"
	: >"$work/$kind.off"
	while IFS= read -r p <&3; do
		case $kind in
		ifupdown)
			awk '$1 == "iface" && $3 == "inet" { print $2 }' "$bundle$p" >>"$work/$kind.devs"
			awk '$1 == "gateway" { f = 1 } END { exit !f }' "$bundle$p" && echo 1 >"$work/$kind.gw"
			;;
		keyfile)
			sed -n 's/^interface-name=//p' "$bundle$p" >>"$work/$kind.devs"
			grep -q '^gateway=' "$bundle$p" && echo 1 >"$work/$kind.gw"
			;;
		ifcfg)
			awk "$IFCFG_AWK"' key($0) == "DEVICE" { print unq($0) }' "$bundle$p" >>"$work/$kind.devs"
			# ALIASES_OF: the aliases lvsgen's files define (P:N, by file name as
			# ifup-aliases globs them) and the addresses they give each device P
			# (P=ADDRESS: its own and its aliases'). ifup-aliases refuses an alias
			# file whose number or address an earlier file (in name order) took
			# ("already seen device", "already seen ipaddr"), so the host's
			# ifcfg-P:N that takes one of these would win or lose by its name: it
			# gets ONPARENT=no, which ifup-aliases skips. The others stay.
			case ${p##*/} in ifcfg-*:*) q=${p##*/ifcfg-}; printf '%s ' "$q" >>"$work/$kind.aliases" ;; esac
			awk -v name="${p##*/}" "$IFCFG_AWK"' key($0) ~ /^IPADDR[0-9]*$/ { v = name; sub(/^ifcfg-/, "", v); sub(/:.*/, "", v); printf "%s=%s ", v, unq($0) }' "$bundle$p" >>"$work/$kind.addrs"
			grep -q '^GATEWAY=' "$bundle$p" && echo 1 >"$work/$kind.gw"
			grep -q '^IPV6_DEFAULTGW=' "$bundle$p" && echo 1 >"$work/$kind.gw6"
			;;
		esac
		family_of "$kind" "$p"
	done 3<"$work/$kind.paths" | sort -u >"$work/$kind.family-sorted"
	# Runtime profiles first: their copies in /etc are then lvsgen's records.
	{ grep '^/run/' "$work/$kind.family-sorted" || true; grep -v '^/run/' "$work/$kind.family-sorted" || true; } >"$work/$kind.family"
	devs=$(tr '\n' ' ' <"$work/$kind.devs")
	macs="$macs$(macs_of "$devs")"
	[ "$kind" = ifupdown ] && ifupdown_admins=$(ifupdown_admins_of "$devs")
	while IFS= read -r f <&3; do
		grep -qxF -- "$f" "$work/managed" && continue
		o=$(original_of "$f")
		# An ifcfg file NetworkManager reads beside its keyfiles is disabled as an ifcfg file.
		fk=$kind
		case $kind:$f in keyfile:*/ifcfg-*) fk=ifcfg ;; esac
		case $kind:$f in
		keyfile:/run/*)
			e=/etc${f#/run}
			mkparent "$work/off$e"
			off_keyfile "$o" "$devs" "$f" >"$work/off$e"
			cmp -s "$o" "$work/off$e" && continue
			if [ -e "$root$e" ] && [ ! -e "$backup$e.lvsgen-absent" ] && ! grep -qxF -- "$e" "$work/managed"; then
				say "install.sh: warning: $f is a runtime profile of a device lvsgen configures, and $e exists: it is left as it is" >&2
				continue
			fi
			printf '0600 off-keyfile plain %s\n' "$e" >>"$work/extra"
			printf '0600 off-gone plain %s\n' "$f" >>"$work/extra"
			printf '%s\n%s\n' "$e" "$f" >>"$work/managed"
			printf '%s\n%s\n' "$e" "$f" >>"$work/$kind.off"
			continue
			;;
		esac
		mkparent "$work/off$f"
		off_$fk "$o" "$devs" "$f" >"$work/off$f"
		cmp -s "$o" "$work/off$f" && continue
		printf '0%s off-%s plain %s\n' "$(stat -c %a "$o")" "$fk" "$f" >>"$work/extra"
		printf '%s\n' "$f" >>"$work/managed"
		printf '%s\n' "$f" >>"$work/$kind.off"
	done 3<"$work/$kind.family"
done
[ -s "$work/extra" ] && cat "$work/extra" >>"$work/files"

# Prints the warnings the merges wrote ($work/warnings) that it has not printed yet, on stderr.
say_warnings() {
	[ -s "$work/warnings" ] || return 0
	awk -v told="$work/told" 'BEGIN { while ((getline l < told) > 0) seen[l] = 1 } !($0 in seen) { seen[$0] = 1; print; print >>told }' "$work/warnings" >&2
}

merge_iface() { # merge_iface KIND PATH OUT: lvsgen's PATH with the host's own settings
	: >"$work/sources"
	: >"$work/planned"
	while IFS= read -r f <&3; do
		o=$(original_of "$f")
		[ "$o" = /dev/null ] && continue
		case $1:$f in
		keyfile:*/ifcfg-*)
			mkparent "$work/as-keyfile$f"
			ifcfg_as_keyfile "$o" "$f" >"$work/as-keyfile$f"
			o=$work/as-keyfile$f
			;;
		esac
		printf '%s\n' "$o" >>"$work/sources"
		grep -qxF -- "$f" "$work/$1.off" || printf '%s\n' "$o" >>"$work/planned"
	done 3<"$work/$1.family"
	# One source a line: split on newlines only, globbing off.
	oldifs=$IFS
	IFS='
'
	set -f
	# shellcheck disable=SC2046
	merge_"$1" "$bundle$2" "$3" "$(cat "$work/planned")" $(cat "$work/sources")
	set +f
	IFS=$oldifs
}

is_pending() { # is_pending NAME: was action NAME left to run by an earlier install?
	[ -f "$pending" ] && grep -qxF -- "$1" "$pending"
}

# A file merged by block (a 2005 distro's /etc/sysctl.conf, /etc/modules: no
# drop-in folder) keeps the host's lines byte for byte; lvsgen owns only the
# lines between these two markers, rewritten in place (or appended).
BEGIN_MARK='# BEGIN lvsgen: install.sh rewrites the lines up to END lvsgen; edit outside them'
END_MARK='# END lvsgen'

# The host's file with the marked block replaced by (or, without one, ended
# with) the lines of BLOCK: merge_block FILE BLOCK OUT. A block whose first
# line is `#!` (rc.local) gives that line to a file that has none yet, above
# the block (a script without one does not run), and drops it otherwise.
merge_block() {
	[ -f "$1" ] && from=$1 || from=/dev/null
	awk -v begin="$BEGIN_MARK" -v end="$END_MARK" -v block="$2" '
		BEGIN { while ((getline l < block) > 0) { if (n == 0 && l ~ /^#!/) { shebang = l; continue } line[++n] = l } close(block) }
		function emit(  i) { print begin; for (i = 1; i <= n; i++) print line[i]; print end; done = 1 }
		$0 == begin { inblock = 1; if (!done) emit(); next }
		inblock { if ($0 == end) inblock = 0; next }
		{ print }
		END { if (NR == 0 && shebang != "") print shebang; if (!done) emit() }' "$from" >"$3"
}

# An iptables-save file and lvsgen's fragment of it, which holds one or more
# tables (`*nat` ... `COMMIT`, `*mangle` ... `COMMIT`): merge_iptables FILE
# FRAGMENT OUT. iptables-restore flushes a table at each of its `*table`
# lines (iptables-restore(8): without --noflush), so a second `*nat` section
# would wipe the host's: for each table the host's file has, a marked block
# holds the fragment's lines of that table (without `*table` and COMMIT) at the
# end of the host's section, just before its COMMIT; the tables it has not go
# whole into one marked block, where such a block was or at the end. The
# fragment's lines before its first table (comments) head every block. `#`
# lines are comments to iptables-restore. Every other line stays.
merge_iptables() {
	[ -f "$1" ] && from=$1 || from=/dev/null
	unmerge_block "$from" "$3.host"
	grep -q '^\*' "$2" || fail "plan: $2 holds no *table line"
	awk -v begin="$BEGIN_MARK" -v end="$END_MARK" -v block="$2" -v hostonly="$3.host" '
		BEGIN {
			while ((getline l < hostonly) > 0) if (l ~ /^\*/) has[l] = 1
			close(hostonly)
			while ((getline l < block) > 0) {
				if (l ~ /^\*/) { t = l; order[++nt] = t; nb[t] = 0 }
				else if (l == "COMMIT") t = ""
				else if (t != "") body[t, ++nb[t]] = l
				else pre[++np] = l
			}
			close(block)
			for (j = 1; j <= nt; j++) if (!has[order[j]]) absent++
			wholedone = absent == 0
		}
		function head(  i) { print begin; for (i = 1; i <= np; i++) print pre[i] }
		function inside(t,  i) { head(); for (i = 1; i <= nb[t]; i++) print body[t, i]; print end; done[t] = 1 }
		function whole(  i, j, t) {
			head()
			for (j = 1; j <= nt; j++) {
				t = order[j]
				if (has[t]) continue
				print t
				for (i = 1; i <= nb[t]; i++) print body[t, i]
				print "COMMIT"
			}
			print end
			wholedone = 1
		}
		inblock { if ($0 == end) inblock = 0; next }
		$0 == begin { inblock = 1; if (table == "" && !wholedone) whole(); next }
		/^\*/ { table = $0 }
		$0 == "COMMIT" && table != "" { if ((table in nb) && has[table] && !done[table]) inside(table); table = "" }
		{ print }
		END {
			for (j = 1; j <= nt; j++) if (has[order[j]] && !done[order[j]]) inside(order[j])
			if (!wholedone) whole()
		}' "$from" >"$3"
	rm -f "$3.host"
}

# Is FILE empty but for a `#!` line (what a merge gave a file that had none)?
nothing_left() {
	awk 'NR == 1 && /^#!/ { next } { n++ } END { exit n > 0 }' "$1"
}

# The host's file without the marked block: unmerge_block FILE OUT.
unmerge_block() {
	awk -v begin="$BEGIN_MARK" -v end="$END_MARK" '
		$0 == begin { inblock = 1; next }
		inblock { if ($0 == end) inblock = 0; next }
		{ print }' "$1" >"$2"
}

# The host's side of a merged file: the file itself, or, when an earlier
# lvsgen replaced it whole (no marked block, lvsgen's header, an original kept),
# that original: the administrator's lines come back and lvsgen's old copy goes.
host_side() { # host_side PATH
	if [ -f "$root$1" ] && ! grep -qxF -- "$BEGIN_MARK" "$root$1" && grep -q '^# Generated by lvsgen .* Do not edit' "$root$1"; then
		if [ -f "$backup$1" ]; then printf '%s\n' "$backup$1"; return 0; fi
		if [ -e "$backup$1.lvsgen-absent" ]; then printf '%s\n' /dev/null; return 0; fi
	fi
	printf '%s\n' "$root$1"
}

# What PATH must hold on the host: the bundle's file (replace), or the host's
# file merged with the bundle's block (block). Sets src.
source_of() { # source_of MERGE PATH
	case $1 in
	block | iptables)
		mkparent "$work/merged$2"
		merge_"$1" "$(host_side "$2")" "$bundle$2" "$work/merged$2"
		src=$work/merged$2
		;;
	ifupdown | keyfile | ifcfg)
		mkparent "$work/merged$2"
		merge_iface "$1" "$2" "$work/merged$2"
		src=$work/merged$2
		;;
	interfaces)
		mkparent "$work/merged$2"
		merge_interfaces "$(host_side "$2")" "$bundle$2" "$work/merged$2" "$2"
		src=$work/merged$2
		;;
	off-gone) : >"$work/gone" && src=$work/gone ;;
	off-*) src=$work/off$2 ;;
	*) src=$bundle$2 ;;
	esac
}

same() { # same MODE PATH: the host already has $src as PATH, with this mode (gone: has no PATH)
	if [ "$src" = "$work/gone" ]; then
		[ ! -e "$root$2" ] && [ ! -L "$root$2" ]
		return
	fi
	[ -f "$root$2" ] && [ ! -L "$root$2" ] && cmp -s "$src" "$root$2" &&
		[ "$(stat -c %a "$root$2")" = "${1#0}" ]
}

install_file() { # install_file MODE PATH
	same "$1" "$2" && return 0
	dst=$root$2
	# The original, once: kept across runs and upgrades, restored by --uninstall.
	if [ ! -e "$backup$2" ] && [ ! -e "$backup$2.lvsgen-absent" ]; then
		mkparents "$backup$2"
		if [ -e "$dst" ]; then
			cp -p "$dst" "$backup$2" || fail "cannot back up $2"
			printf '%s\n' "$backup$2" >>"$work/new-backups"
		else
			: >"$backup$2.lvsgen-absent"
			printf '%s\n' "$backup$2.lvsgen-absent" >>"$work/new-backups"
		fi
	fi
	# This run's copy, for rollback.
	mkparent "$work/prev$2" "$work/absent$2"
	if [ -e "$dst" ]; then cp -p "$dst" "$work/prev$2"; else : >"$work/absent$2"; fi
	printf '%s\n' "$2" >>"$work/journal"
	if [ "$src" = "$work/gone" ]; then
		rm -f "$dst" || fail "cannot remove $2"
		changed="$changed$2 "
		say "removed $2 (a runtime profile; its copy in /etc is disabled)"
		return 0
	fi
	mkparents "$dst" || fail "cannot create the directory of $2"
	{ cp "$src" "$dst.lvsgen-new" && chmod "$1" "$dst.lvsgen-new" && mv -f "$dst.lvsgen-new" "$dst"; } ||
		{ rm -f "$dst.lvsgen-new"; fail "cannot install $2"; }
	changed="$changed$2 "
	say "installed $2"
}

check_file() { # check_file MODE PATH SECRECY
	same "$1" "$2" && return 0
	differ=1
	if [ "$src" = "$work/gone" ]; then
		say "--- $2 goes (a runtime profile; its copy in /etc, disabled, stays)"
		return 0
	fi
	if [ -f "$root$2" ]; then
		have=$(stat -c %a "$root$2")
		[ "$have" = "${1#0}" ] || say "mode of $2: is 0$have, will be $1"
		cmp -s "$src" "$root$2" && return 0
		old=$root$2
	else
		old=/dev/null
	fi
	if [ "$3" = secret ]; then
		# Masked, not hidden: both sides with every secret value replaced by
		# ******** (lvsgen diff masks the same directives: src/review/mask.ts).
		if ! { mask_secrets "$2" <"$old" >"$work/masked-old" && mask_secrets "$2" <"$src" >"$work/masked-new"; }; then
			say "--- $2 differs (it holds a secret in a format this installer cannot mask: content not shown)"
			return 0
		fi
		if cmp -s "$work/masked-old" "$work/masked-new"; then
			say "--- $2 differs: a secret value changed (not shown)"
		else
			diff -u -L "$2 (on the host)" -L "$2 (generated)" "$work/masked-old" "$work/masked-new" || true
		fi
	else
		diff -u -L "$2 (on the host)" -L "$2 (generated)" "$old" "$src" || true
	fi
}

# stdin to stdout with the value of every directive that carries a secret
# replaced by ********, by the file's format (its base name); fails for a
# format it does not know. The directives, whatever their value (the host's
# file may hold a key lvsgen never saw):
# - heartbeat's authkeys: `N METHOD KEY` lines (authkeys(5));
# - keepalived.conf: `auth_pass` (keepalived.conf(5));
# - ldirectord.cf: a virtual service's `passwd=` (ldirectord(8)).
# Basic regular expressions only: the sed of a 2005 distro has no -E.
mask_secrets() { # mask_secrets PATH
	case ${1##*/} in
	authkeys) sed 's/^\([[:space:]]*[0-9][0-9]*[[:space:]][[:space:]]*[^[:space:]][^[:space:]]*[[:space:]][[:space:]]*\)[^[:space:]].*$/\1********/' ;;
	keepalived.conf) sed 's/^\([[:space:]]*auth_pass[[:space:]][[:space:]]*\)[^[:space:]].*$/\1********/' ;;
	ldirectord.cf) sed 's/^\([[:space:]]*passwd[[:space:]]*=[[:space:]]*\)[^[:space:]].*$/\1********/' ;;
	*) return 1 ;;
	esac
}

restore_file() { # restore_file PATH
	# The host's main interfaces file (merge interfaces): the original byte for
	# byte while the file is as the install left it; edited since, the file with
	# lvsgen's block out and the lines it disabled back (the edit kept).
	if [ "$(awk -v p="$1" '$4 == p { print $2; exit }' "$work/files")" = interfaces ] && [ -f "$root$1" ] && [ -f "$backup$1" ] &&
		[ "$(host_side "$1")" = "$root$1" ]; then
		merge_interfaces "$backup$1" "$bundle$1" "$work/as-installed"
		if cmp -s "$work/as-installed" "$root$1"; then
			cp -p "$backup$1" "$root$1.lvsgen-new" || fail "cannot restore $1"
		else
			{ unmerge_interfaces "$root$1" "$root$1.lvsgen-new" && chmod "$(stat -c %a "$backup$1")" "$root$1.lvsgen-new"; } || fail "cannot restore $1"
		fi
		mv -f "$root$1.lvsgen-new" "$root$1" || fail "cannot restore $1"
		rm -f "$backup$1"
		say "restored $1$restore_why"
		return 0
	fi
	# A merged file: take lvsgen's block out and keep whatever else the file
	# holds now (the administrator may have edited it since); its mode back.
	if [ -f "$root$1" ] && grep -qxF -- "$BEGIN_MARK" "$root$1"; then
		unmerge_block "$root$1" "$root$1.lvsgen-new" || fail "cannot restore $1"
		if [ -e "$backup$1.lvsgen-absent" ] && nothing_left "$root$1.lvsgen-new"; then
			rm -f "$root$1" "$root$1.lvsgen-new" "$backup$1.lvsgen-absent"
			say "removed $1$restore_why"
			return 0
		fi
		if [ -e "$backup$1" ]; then
			chmod "$(stat -c %a "$backup$1")" "$root$1.lvsgen-new"
		else
			chmod "$(stat -c %a "$root$1")" "$root$1.lvsgen-new"
		fi
		mv -f "$root$1.lvsgen-new" "$root$1" || fail "cannot restore $1"
		rm -f "$backup$1" "$backup$1.lvsgen-absent"
		say "restored $1$restore_why"
		return 0
	fi
	if [ -e "$backup$1" ]; then
		{ cp -p "$backup$1" "$root$1.lvsgen-new" && mv -f "$root$1.lvsgen-new" "$root$1"; } || fail "cannot restore $1"
		rm -f "$backup$1"
		say "restored $1$restore_why"
	elif [ -e "$backup$1.lvsgen-absent" ]; then
		rm -f "$root$1" "$backup$1.lvsgen-absent"
		say "removed $1$restore_why"
	fi
}

# The files an earlier bundle for this host installed and this one does not
# (a newer topology dropped them: a backend switch drops ldirectord.cf or
# keepalived.conf), one a line: those with an original kept in backup/.
unmanaged() { # unmanaged OUT
	: >"$1"
	[ -d "$backup" ] || return 0
	find "$backup" -type f | sort >"$work/kept"
	while IFS= read -r kept <&3; do
		p=${kept#"$backup"}
		p=${p%.lvsgen-absent}
		grep -qxF -- "$p" "$work/managed" || grep -qxF -- "$p" "$1" || printf '%s\n' "$p" >>"$1"
	done 3<"$work/kept"
}

# Puts their originals back. An install journals each first, as install_file
# does the files it replaces: a rollback puts the file back as this run found
# it (the old backend's file its daemon still runs on) and its kept original
# (backup/PATH, or PATH.lvsgen-absent) with it, so the next install sees the
# host as this one did.
restore_unmanaged() {
	unmanaged "$work/unmanaged"
	restore_why=' (no longer in this bundle)'
	while IFS= read -r p <&3; do
		if [ "$action" = install ]; then
			mkparent "$work/prev$p" "$work/absent$p" "$work/dropped$p"
			if [ -e "$root$p" ]; then cp -p "$root$p" "$work/prev$p" || fail "cannot keep $p"; else : >"$work/absent$p"; fi
			printf '%s\n' "$p" >>"$work/journal"
			for b in "$p" "$p.lvsgen-absent"; do
				[ -e "$backup$b" ] || continue
				cp -p "$backup$b" "$work/dropped$b" || fail "cannot keep $backup$b"
				printf '%s\n' "$b" >>"$work/dropped-backups"
			done
		fi
		restore_file "$p"
	done 3<"$work/unmanaged"
	restore_why=
}

changed() { # changed PATH: did this run replace it?
	case $changed in *" $1 "*) return 0 ;; esac
	return 1
}

# Runs a command given as one line of plain words: split on spaces with
# globbing off, never evaluated. Chrooted when --root is given.
invoke() { # invoke WORDS
	set -f
	# shellcheck disable=SC2086 # splitting the plan's words is the point
	set -- $1
	set +f
	if [ -n "$root" ]; then chroot "$root" "$@" 3<&-; else "$@" 3<&-; fi
}

run() { # run WORDS: a failure stops the install (and rolls it back)
	say "+ $1"
	invoke "$1" || fail "command failed: $1"
}

run_needed() { # run_needed must|may WORDS: run, or run_ok for may
	if [ "${1%% *}" = may ]; then run_ok "${1#* }"; else run "${1#* }"; fi
}
run_ok() { # run_ok WORDS: a failure is only a warning
	say "+ $1"
	invoke "$1" || say "warning: command failed (ignored): $1" >&2
}

confirm() { # confirm WORDS: may we restart networking?
	say "To apply the network configuration: $1"
	say "This restarts networking and can cut connections to this host, yours included."
	case $restart in
	yes) return 0 ;;
	no) say "Not restarting (--no-restart): run it yourself when ready."; return 1 ;;
	esac
	if [ -t 0 ]; then
		printf 'Restart networking now? [y/N] '
		read -r answer || answer=
		case $answer in [yY]*) return 0 ;; esac
		say "Not restarting: run it yourself when ready."
	else
		say "Not restarting: no terminal to ask on. Run it yourself, or pass --yes."
	fi
	return 1
}

expect() { # expect WORDS LINE: the command's output holds LINE (whitespace aside)
	out=$(invoke "$1" 2>&1) || true
	# iptables 1.8.9 lists the protocol "all" as 0: read it as the seeds show it.
	if printf '%s\n' "$out" | tr -s ' \t' '  ' | sed 's/^ //; s/ $//; s/^MASQUERADE 0 --/MASQUERADE all --/' | grep -qF -- "$2"; then
		say "ok: $1: $2"
	else
		say "FAILED: $1: expected a line with: $2"
		differ=1
	fi
}

# consumer_of WORDS: the program a check record asks (its first word, the one
# after @stdin's, the one after @confdir's DIR; sysctl for @sysctl, heartbeat
# for @heartbeat).
consumer_of() {
	set -f
	# shellcheck disable=SC2086 # the record's words
	set -- $1
	set +f
	case $1 in
	@stdin) printf '%s' "$2" ;;
	@confdir) printf '%s' "$3" ;;
	@*) printf '%s' "${1#@}" ;;
	*) printf '%s' "$1" ;;
	esac
}

# consult WORDS: the command of a check record, its words already naming the
# staged copy (root-relative). A first word starting with @ is one of the
# installer's own ways of asking a consumer that takes no file name, or none
# at all; its last word is the file:
#   @stdin PROGRAM WORD... FILE      PROGRAM WORD... reads FILE on its standard
#                                    input (what it writes there is not kept)
#   @confdir DIR PROGRAM WORD... FILE  PROGRAM WORD... reads a copy of the root's
#                                    DIR (each word DIR names the copy) with FILE
#                                    in its place there
#   @sysctl FILE                     sysctl -p's reading of FILE (check_sysctl)
#   @heartbeat FILE                  what heartbeat's start refuses in FILE, its
#                                    ha.cf, haresources or authkeys (check_heartbeat)
# The copies are in the pre-flight's stage, inside the root.
consult() {
	case $1 in
	@*) ;;
	*) invoke "$1"; return ;;
	esac
	c_rest=${1#* }
	c_file=${c_rest##* }
	c_words=${c_rest% *}
	case ${1%% *} in
	@stdin) invoke "$c_words" <"$root$c_file" >/dev/null ;;
	@confdir)
		c_dir=${c_words%% *}
		c_copy=$stage/confdir
		rm -rf "$c_copy" && mkdir -p "$c_copy" || return 1
		if [ -d "$root$c_dir" ]; then cp -pR "$root$c_dir/." "$c_copy/" || return 1; fi
		mkparent "$c_copy${path#"$c_dir"}" && cp "$root$c_file" "$c_copy${path#"$c_dir"}" || return 1
		c_cmd=
		set -f
		for w in ${c_words#* }; do
			[ "$w" = "$c_dir" ] && w=${c_copy#"$root"}
			c_cmd="$c_cmd${c_cmd:+ }$w"
		done
		set +f
		invoke "$c_cmd"
		;;
	@sysctl) check_sysctl "$c_file" ;;
	@heartbeat) check_heartbeat "$c_file" ;;
	*) say "install.sh: unknown check ${1%% *}"; return 2 ;;
	esac
}

# check_sysctl FILE: what sysctl -p (procps) would not apply of FILE. procps
# (sysctl.c, Preload) skips blank lines and those starting with # or ;, takes
# `key = value` (a leading - only silences the line's errors), warns "invalid
# syntax, continuing" of a line without =, and cannot stat a key /proc/sys lacks.
# Either is a refusal here. Not refused: the IPVS keys (net.ipv4.vs.*, there once
# ip_vs is loaded, after the files are in place) and the keys of a device that
# is not up yet (net.ipv4.conf.DEV.*, net.ipv6.conf.DEV.*, neigh). Nothing is
# written to the kernel. A root without /proc/sys only has its lines read.
# In a file merged as a marked block (/etc/sysctl.conf) only lvsgen's block is
# judged: the host's own lines are the host's, read at its every boot already
# (Red Hat's stock kernel.sysrq line, say, on a kernel built without it).
# An unknown key outside net.* (none of lvsgen's) is a warning, not a refusal.
check_sysctl() {
	sys=$root/proc/sys
	c_block=0
	grep -qxF "$BEGIN_MARK" "$root$1" && c_block=1
	awk -v block="$c_block" -v begin="$BEGIN_MARK" -v end="$END_MARK" '
		$0 == begin { inside = 1; next }
		$0 == end { inside = 0; next }
		block && !inside { next }
		{ sub(/^[ \t]+/, ""); sub(/[ \t\r]+$/, "") }
		$0 == "" || /^[#;]/ { next }
		{ line = $0; quiet = sub(/^-/, "", line) }
		index(line, "=") == 0 { print FNR, "syntax", line; next }
		{
			k = substr(line, 1, index(line, "=") - 1); sub(/[ \t]+$/, "", k)
			if (k == "" || k !~ /^[A-Za-z0-9_.\/:@*+-]+$/) { print FNR, "syntax", line; next }
			if (index(k, "/") == 0) gsub(/\./, "/", k)
			if (!quiet) print FNR, "key", k
		}' "$root$1" >"$work/sysctl-lines" || return 1
	c_bad=0
	while IFS=' ' read -r n what k <&4; do
		if [ "$what" = syntax ]; then
			say "$1:$n: invalid syntax (sysctl wants key = value): $k"
			c_bad=1
			continue
		fi
		[ -d "$sys" ] || continue
		case $k in
		net/ipv4/vs/*) continue ;;
		*'*'*) continue ;;
		net/ipv[46]/conf/*/* | net/ipv[46]/neigh/*/*)
			c_dev=${k#net/ipv?/*/}
			c_dev=${c_dev%%/*}
			[ -d "$sys/${k%%/"$c_dev"/*}/$c_dev" ] || continue
			;;
		esac
		[ -f "$sys/$k" ] && continue
		case $k in
		net/*)
			say "$1:$n: unknown key $(printf '%s' "$k" | tr / .) (no /proc/sys/$k)"
			c_bad=1
			;;
		*)
			# lvsgen's own keys are all net.*; another (Red Hat's stock
			# kernel.sysrq on a kernel built without magic SysRq) is said, and
			# sysctl -p skips it at boot as it applies the rest
			say "$1:$n: warning: this kernel has no $(printf '%s' "$k" | tr / .) (no /proc/sys/$k): sysctl -p will skip it" >&2
			;;
		esac
	done 4<"$work/sysctl-lines"
	return "$c_bad"
}

# will_be PATH: what PATH holds once this run has installed its files: the
# staged copy for the file the pre-flight checks ($path), the bundle's text
# for another file of the plan, the root's file otherwise. Sets wb_file (''
# when there is none) and wb_mode (octal: the plan's mode, or the file's).
will_be() {
	wb_mode=$(awk -v p="$1" '$4 == p { print $1; exit }' "$work/files")
	if [ "$1" = "$path" ]; then
		wb_file=$stage$path.lvsgen-preflight
	elif [ -n "$wb_mode" ]; then
		wb_saved=$src
		source_of "$(awk -v p="$1" '$4 == p { print $2; exit }' "$work/files")" "$1"
		wb_file=$src
		src=$wb_saved
	elif [ -f "$root$1" ]; then
		wb_file=$root$1
		wb_mode=$(stat -c %a "$root$1")
	else
		wb_file=
		wb_mode=
	fi
}

# The node heartbeat takes itself for (heartbeat.c, get_localnodeinfo): the
# first line of /etc/ha.d/nodeinfo, else `uname -n`, lower-cased. A root
# given with --root is another machine's: its name is its /etc/hostname, or
# Red Hat's HOSTNAME in /etc/sysconfig/network; '' when it has neither.
heartbeat_node() { # heartbeat_node DIR
	will_be "$1/nodeinfo"
	if [ -n "$wb_file" ] && [ -n "$(head -n 1 "$wb_file")" ]; then
		hb_name=$(head -n 1 "$wb_file")
	elif [ -z "$root" ]; then
		hb_name=$(uname -n)
	else
		hb_name=
		will_be /etc/hostname
		if [ -n "$wb_file" ]; then
			hb_name=$(head -n 1 "$wb_file")
		else
			will_be /etc/sysconfig/network
			[ -z "$wb_file" ] || hb_name=$(sed -n "s/^[[:space:]]*HOSTNAME=[\"']*\([^\"' ]*\).*/\1/p" "$wb_file" | tail -n 1)
		fi
	fi
	# shellcheck disable=SC2018,SC2019 # ASCII only, as heartbeat's inplace_ascii_strdown
	printf '%s\n' "$hb_name" | tr 'A-Z' 'a-z'
}

# heartbeat's cl_get_msec (cluster-glue, cl_misc.c), for awk: VALUE's leading
# number, in seconds, or in milliseconds or microseconds with ms (msec) or us
# (usec) after it, rounded to milliseconds; -1 when it is none of these.
HB_MSEC='
	function msec(value,   num, units) {
		if (value !~ /^[0-9.]/) return -1
		match(value, /^[0-9.]*/)
		num = substr(value, 1, RLENGTH) + 0
		units = tolower(substr(value, RLENGTH + 1))
		if (units ~ /^ms/) return int(num + 0.5)
		if (units ~ /^us/) return int(num / 1000 + 0.5)
		if (units != "") return -1
		return int(num * 1000 + 0.5)
	}'

# check_heartbeat FILE: what heartbeat 3.0 refuses at its start in FILE, one
# of /etc/ha.d's ha.cf, haresources and authkeys, read with the other two as
# this run leaves them. heartbeat has no check-only mode (`heartbeat -r` with
# none running starts the cluster); its refusals, in its words where it has
# any (heartbeat 3.0.6, config.c parse_config, init_config and
# parse_ha_resources, auth.c parse_authfile):
# - ha.cf: an unknown directive; a time that cl_get_msec does not read (a
#   number, then ms, us or nothing for seconds), a keepalive of 0, an udpport
#   <= 0, an unknown logfacility, an auto_failback or use_logd neither boolean
#   nor legacy; no media, no node, this node not a node; deadtime <= 2
#   keepalives; initdead < deadtime; deadping <= 2 keepalives; no log at all
#   with use_logd off;
# - authkeys: readable by group or others ("Bad permissions on keyfile");
#   `auth N` missing or naming no valid key line after it; a key line whose
#   number is not 0-15, whose method is not crc, md5 or sha1 (heartbeat's
#   HBauth plugins), crc with a key, md5 or sha1 without one. No line of it
#   is ever printed (they hold the key);
# - haresources: a line whose node is not one of ha.cf's; and, what heartbeat
#   only finds when it takes the group over (ResourceManager's scriptpath,
#   which then gives the whole group up), a resource whose script is neither
#   in /etc/ha.d/resource.d nor in /etc/init.d (an address alone is IPaddr's),
#   nor resource.d/IPv6addr where haresources names lvsgen's lvsgen-ipv6addr,
#   which runs it to start and stop an address.
# Not checked: the media's own options (bcast's device exists only at start,
# and may not be up yet), other directives' values, Pacemaker's (crm on).
check_heartbeat() { # check_heartbeat FILE
	hb_dir=${path%/*}
	will_be "$path"
	hb_file=$wb_file
	case ${path##*/} in
	ha.cf)
		awk -v f="$path" -v me="$(heartbeat_node "$hb_dir")" "$HB_MSEC"'
			BEGIN {
				n = split("cluster quorum_server node hopfudge keepalive deadtime deadping initdead warntime watchdog baud udpport logfacility logfile debugfile nice_failback auto_failback rtprio hbgenmethod realtime debug msgfmt use_logd conn_logd_time use_apphbd log_badpack syslogmsgfmt coredumps coreroot crm_daemon_dir crmd_spawns_pengine crm pacemaker autojoin uuidfrom compression compression_threshold traditional_compression env max_rexmit_delay record_config_changes record_pengine_inputs enable_config_writes memreserve stonith stonith_host apiauth respawn failfast bcast mcast mcast6 ucast ucast6 serial ping ping6 ping_group", d, " ")
				for (i = 1; i <= n; i++) legal[d[i]] = 1
				n = split("auth authpriv cron daemon ftp kern lpr mail mark news security syslog user uucp local0 local1 local2 local3 local4 local5 local6 local7", d, " ")
				for (i = 1; i <= n; i++) facility[d[i]] = 1
				n = split("true on yes y 1 false off no n 0", d, " ")
				for (i = 1; i <= n; i++) boolean[d[i]] = 1
				keepalive = 1000; deadtime = 30000; initdead = -1; deadping = -1; facility_n = -1
			}
			function problem(m) { print f ":" FNR ": " m; bad = 1 }
			function whole(m) { print f ": " m; bad = 1 }
			{
				sub(/^[ \t\r\f]+/, ""); sub(/#.*/, ""); sub(/\r.*/, "")
				if ($0 == "") next
				dir = $0; sub(/[ \t\f].*/, "", dir)
				if (!(dir in legal)) { problem("Illegal directive [" dir "] in " f); next }
				rest = substr($0, length(dir) + 1)
				if (dir ~ /^(mcast|mcast6|ucast|ucast6|ping_group|stonith|stonith_host|apiauth|respawn|failfast)$/) { media += (dir ~ /cast|ping/); next }
				n = split(rest, v, /[, \t\f]+/)
				for (i = 1; i <= n; i++) {
					if (v[i] == "") continue
					if (dir == "node") { nodes[tolower(v[i])] = 1; nodecount++ }
					else if (dir ~ /^(bcast|serial|ping|ping6)$/) media++
					else if (dir ~ /^(keepalive|deadtime|deadping|initdead|warntime)$/) {
						t = msec(v[i])
						if (t < 0 || (dir == "keepalive" && t == 0)) { problem(dir " " v[i] ": not a time heartbeat reads (a number of seconds, or one followed by ms or us)"); continue }
						if (dir == "keepalive") keepalive = t; else if (dir == "deadtime") deadtime = t
						else if (dir == "initdead") initdead = t; else if (dir == "deadping") deadping = t
					}
					else if (dir == "udpport" && v[i] + 0 <= 0) problem("invalid port [" v[i] "] specified.")
					else if (dir == "logfacility") {
						if (!(v[i] in facility) && v[i] != "none") problem("Log facility(" v[i] ") not valid")
						else facility_n = (v[i] == "kern" || v[i] == "none") ? 0 : 1
					}
					else if (dir == "auto_failback" && !(tolower(v[i]) in boolean) && tolower(v[i]) != "legacy") problem("auto_failback " v[i] ": neither on, off nor legacy")
					else if (dir == "use_logd") { if (!(tolower(v[i]) in boolean)) problem("use_logd " v[i] ": neither yes nor no"); else logd = tolower(v[i]) }
					else if (dir == "logfile" || dir == "debugfile") logs = 1
				}
			}
			END {
				if (media < 1) whole("No heartbeat media defined")
				if (nodecount < 1) whole("no nodes defined")
				else if (me != "" && !(me in nodes)) whole("Current node [" me "] not in configuration!")
				if (deadtime <= 2 * keepalive) whole("Dead time [" deadtime "] is too small compared to keeplive [" keepalive "]")
				if (initdead < 0) initdead = deadtime > 10000 ? deadtime : deadtime < 6000 ? 12000 : 2 * deadtime
				if (initdead < deadtime) whole("Initial dead time [" initdead "] is smaller than deadtime [" deadtime "]")
				if (deadping >= 0 && deadping <= 2 * keepalive) whole("Ping dead time [" deadping "] is too small compared to keeplive [" keepalive "]")
				if (!logs && facility_n <= 0 && logd ~ /^(false|off|no|n|0)$/) whole("No log entry found in ha.cf and use_logd is set to off")
				exit bad
			}' "$hb_file"
		;;
	authkeys)
		case ${wb_mode#"${wb_mode%??}"} in
		[4567]? | ?[4567])
			say "Bad permissions on keyfile [$path], 600 recommended. (it would be installed with mode $wb_mode)"
			return 1
			;;
		esac
		awk -v f="$path" '
			function problem(m) { print f ":" FNR ": " m; bad = 1 }
			function whole(m) { print f ": " m; bad = 1 }
			BEGIN { authnum = -1; methods["crc"] = 0; methods["md5"] = 1; methods["sha1"] = 1 }
			{ sub(/^[ \t\r\n\f]+/, "") }
			$0 == "" || /^#/ { next }
			/^a/ {
				if (match($0, /^auth[ \t\r\f]*[+-]?[0-9]+/)) { a = substr($0, 1, RLENGTH); sub(/^auth[ \t\r\f]*/, "", a); authnum = a + 0 }
				else problem("Invalid auth line (not auth N) in " f)
				next
			}
			{
				if (!match($0, /^[+-]?[0-9]+/)) { problem("Auth line is invalid (not NUMBER METHOD [KEY]); the line is not shown"); next }
				i = substr($0, 1, RLENGTH) + 0
				n = split(substr($0, RLENGTH + 1), w, /[ \t\r\f]+/)
				k = 0; for (j = 1; j <= n; j++) if (w[j] != "") x[++k] = w[j]
				if (k < 1) { problem("Auth line is invalid (not NUMBER METHOD [KEY]); the line is not shown"); next }
				if (i < 0 || i >= 16) { problem("Invalid authnum [" i "] in " f); next }
				if (!(x[1] in methods)) { problem("Invalid authtype [" x[1] "]"); next }
				if (k > 1 && !methods[x[1]]) { problem("Auth method [" x[1] "] doesn\047t use a key"); next }
				if (k == 1 && methods[x[1]]) { problem("Auth method [" x[1] "] requires a key"); next }
				if (i == authnum) found = 1
			}
			END {
				if (!found) {
					if (authnum < 0) whole("Missing auth directive in keyfile [" f "]")
					else whole("Auth Key [" authnum "] not found in keyfile [" f "] (heartbeat reads the key lines after the auth line)")
				}
				exit bad
			}' "$hb_file"
		;;
	haresources)
		will_be "$hb_dir/ha.cf"
		hb_nodes=
		[ -z "$wb_file" ] || hb_nodes=$(awk '
			{ sub(/^[ \t\r\f]+/, ""); sub(/#.*/, "") }
			$1 == "node" { n = split(substr($0, 5), v, /[, \t\r\f]+/); for (i = 1; i <= n; i++) if (v[i] != "") printf " %s", tolower(v[i]) }' "$wb_file")
		awk -v f="$path" -v nodes="$hb_nodes " '
			function problem(m) { print f ":" FNR ": " m; bad = 1 }
			skip { skip = /\\$/; next }
			{ line = $0; sub(/^[ \t\r\f]+/, "", line) }
			line == "" || line ~ /^#/ { next }
			{
				node = line; sub(/[ \t\r\f].*/, "", node)
				if (index(nodes, " " tolower(node) " ") == 0) { problem("Bad nodename in " f " [" node "] (ha.cf names" nodes ")"); exit }
				skip = /\\$/
			}
			END { exit bad }' "$hb_file" || return 1
		# The scripts of every resource, as ResourceManager reads the file (ipres:
		# comments out, continued lines joined), each line's first word the node;
		# and, after a script of lvsgen's that runs another, that one with its
		# runner (lvsgen-ipv6addr execs resource.d/IPv6addr for start and stop).
		sed -e 's%#.*%%' -e :a -e '/\\$/N; s/\\\n//; ta' "$hb_file" |
			awk '{ for (i = 2; i <= NF; i++) { s = $i; sub(/::.*/, "", s); if ($i ~ /^[0-9].*\.[0-9].*\.[0-9].*\.[0-9]/) s = "IPaddr"; print s; if (s == "lvsgen-ipv6addr") print "IPv6addr lvsgen-ipv6addr" } }' |
			sort -u >"$work/hb-scripts"
		hb_bad=0
		while IFS=' ' read -r hb_script hb_by <&4; do
			hb_found=
			for hb_in in "$hb_dir/resource.d" /etc/init.d; do
				# Run by a script of lvsgen's: by its path in resource.d.
				[ -n "$hb_by" ] && [ "$hb_in" = /etc/init.d ] && continue
				will_be "$hb_in/$hb_script"
				case $wb_mode in *[1357] | *[1357]? | *[1357]??) [ -n "$wb_file" ] && hb_found=yes ;; esac
			done
			[ -n "$hb_found" ] && continue
			if [ -n "$hb_by" ]; then
				say "$path: Cannot locate resource script $hb_script (in $hb_dir/resource.d), which $hb_by runs: heartbeat would start, then give up the whole resource group when it takes it over"
			else
				say "$path: Cannot locate resource script $hb_script (in $hb_dir/resource.d or /etc/init.d): heartbeat would start, then give up the whole resource group when it takes it over"
			fi
			hb_bad=1
		done 4<"$work/hb-scripts"
		return "$hb_bad"
		;;
	*)
		say "install.sh: @heartbeat: $path is not ha.cf, haresources or authkeys"
		return 2
		;;
	esac
}

# Pre-flight: before anything is replaced, each file about to change is read
# by its consumer without being applied, as the plan's `check PATH STATUS
# WORD...` records say (keepalived -t -f, iptables-restore --test, nft -c -f,
# ifup --no-act, sh -n ...): the command must exit STATUS. It reads a staged
# copy of what PATH will hold (the merged text for a merged file): every word
# equal to PATH is replaced by the copy's path. The copies are staged in the
# state folder, inside the root, where a chrooted consumer sees them, under a
# name of their own (ldirectord names its pid file after its configuration
# file and removes that file on a configuration error). preflight LIST checks
# the files LIST names (one path a line), says what a consumer said of a file
# it refused (the staged path read as PATH) and returns 1 when one did.
preflight() {
	records check >"$work/checks"
	{ [ -s "$work/checks" ] && [ -s "$1" ]; } || return 0
	# The state folder may not exist yet: what this creates goes again.
	top=$state
	while [ ! -d "$(dirname "$top")" ]; do top=$(dirname "$top"); done
	[ -d "$state" ] && top=
	mkdirs "$state" || fail "pre-flight: cannot create $state"
	stage=$(mktemp -d "$state/preflight.XXXXXX") || fail "pre-flight: cannot stage the files in $state"
	refused=0
	while IFS=' ' read -r path status words <&3; do
		grep -qxF -- "$path" "$1" || continue
		source_of "$(awk -v p="$path" '$4 == p { print $2; exit }' "$work/files")" "$path"
		# A consumer may quote a line of the file: the secret values of a secret
		# file (what mask_secrets masks) are masked in what it says as well.
		: >"$work/secret-values"
		if [ "$(awk -v p="$path" '$4 == p { print $3; exit }' "$work/files")" = secret ] && mask_secrets "$path" <"$src" >"$work/masked"; then
			awk 'NR == FNR { m[FNR] = $0; next }
				$0 != m[FNR] { v = m[FNR]; sub(/\*\*\*\*\*\*\*\*$/, "", v); if (length($0) > length(v)) print substr($0, length(v) + 1) }' \
				"$work/masked" "$src" >"$work/secret-values"
		fi
		staged=$stage$path.lvsgen-preflight
		mkparent "$staged"
		cp "$src" "$staged" || fail "pre-flight: cannot stage $path"
		seen=${staged#"$root"}
		cmd=
		set -f
		for w in $words; do
			[ "$w" = "$path" ] && w=$seen
			cmd="$cmd${cmd:+ }$w"
		done
		set +f
		out=$(consult "$cmd" 2>&1) && got=0 || got=$?
		if [ "$got" = "$status" ]; then
			say "pre-flight: $path: $(consumer_of "$words") takes it"
			continue
		fi
		refused=1
		{
			say "install.sh: pre-flight: $path: refused by its consumer, $words (exit $got, not $status):"
			printf '%s\n' "$out" | awk -v a="$seen" -v b="$path" -v secrets="$work/secret-values" '
				BEGIN { while ((getline l < secrets) > 0) if (l != "") secret[++n] = l }
				{
					while ((i = index($0, a)) > 0) $0 = substr($0, 1, i - 1) b substr($0, i + length(a))
					for (k = 1; k <= n; k++) while ((i = index($0, secret[k])) > 0) $0 = substr($0, 1, i - 1) "********" substr($0, i + length(secret[k]))
					print "  " $0
				}'
			case $got in 126 | 127) say "  (${words%% *} cannot run here: install the packages of the plan's needs records)" ;; esac
		} >&2
	done 3<"$work/checks"
	rm -rf "$stage"
	if [ -n "$top" ]; then
		d=$state
		while rmdir "$d" 2>/dev/null && [ "$d" != "$top" ]; do d=$(dirname "$d"); done
	fi
	return "$refused"
}

case $action in
check)
	while IFS=' ' read -r mode merge secrecy path <&3; do
		source_of "$merge" "$path"
		check_file "$mode" "$path" "$secrecy"
		same "$mode" "$path" || printf '%s\n' "$path" >>"$work/changing"
	done 3<"$work/files"
	say_warnings
	if [ -s "$work/changing" ] && ! preflight "$work/changing"; then
		say "pre-flight: a file's consumer refuses it: an install would change nothing."
		differ=1
	fi
	# Files of an earlier bundle this one no longer has: an install puts their
	# originals back (a failed backend switch leaves the old backend's file).
	unmanaged "$work/unmanaged"
	while IFS= read -r p <&3; do
		differ=1
		if [ -e "$backup$p" ]; then
			say "--- $p is no longer in this bundle: an install puts back the host's own (kept in /var/lib/lvsgen/backup)"
		else
			say "--- $p is no longer in this bundle: an install takes out what lvsgen wrote (the host had no such file)"
		fi
	done 3<"$work/unmanaged"
	if [ -s "$pending" ]; then
		differ=1
		while IFS= read -r name <&3; do
			say "pending: $name (its files are in place; the next install runs it)"
		done 3<"$pending"
	fi
	[ "$differ" -eq 0 ] && say "$host: every file is up to date."
	exit "$differ"
	;;
verify)
	records verify >"$work/verify"
	records expect >"$work/expect"
	while IFS=' ' read -r n words <&3; do
		sed -n "s/^$n //p" "$work/expect" >"$work/lines"
		while IFS= read -r line <&4; do
			expect "$words" "$line"
		done 4<"$work/lines"
	done 3<"$work/verify"
	exit "$differ"
	;;
uninstall)
	# The live state first, lvsgen's files still in place (ifdown reads them):
	# the services back as the first install found them, each action's undo
	# (newest first), the kernel keys back. Only where lvsgen installed something.
	installed=no
	[ -d "$state" ] && installed=yes
	if [ "$installed" = yes ]; then
		put_back_services "$services_orig"
		records action | sed 's/ .*//' | reverse >"$work/undo-order"
		while IFS= read -r name <&3; do run_records undo "$name"; done 3<"$work/undo-order"
		# What the last install turned on that this bundle's plan does not name
		# (the last install was another bundle's).
		stale_undo '' "$work/stale"
		while IFS= read -r words <&3; do run_ok "$words"; done 3<"$work/stale"
		put_back_sysctls "$sysctl_orig"
		# Under this plan's ids: the last install's may name its items otherwise.
		rekey_probes "$work/probes-orig"
		put_back_probes "$work/probes-orig"
		stale_reverts
	fi
	while IFS=' ' read -r mode merge secrecy path <&3; do
		restore_file "$path"
	done 3<"$work/files"
	restore_unmanaged
	# The host re-reads the restored files (sysctl -p of the administrator's lines ...).
	if [ "$installed" = yes ]; then
		records action | sed 's/ .*//' >"$work/reapply-order"
		while IFS= read -r name <&3; do run_records reapply "$name"; done 3<"$work/reapply-order"
	fi
	rm -f "$pending" "$sysctl_orig" "$services_orig" "$probes_orig" "$undo_kept"
	# Nothing left to restore: remove the state directory with its empty folders.
	if [ -d "$state" ] && [ -z "$(find "$state" ! -type d | head -n 1)" ]; then rm -rf "$state"; fi
	exit 0
	;;
esac

# The files this run will replace, then the `before` commands of the actions
# they trigger, run while the old files are still in place (ifdown lo:0
# reads the old address to take it down before the new one comes up).
while IFS=' ' read -r mode merge secrecy path <&3; do
	source_of "$merge" "$path"
	same "$mode" "$path" || printf '%s\n' "$path" >>"$work/changing"
done 3<"$work/files"
say_warnings
if [ -s "$work/changing" ] && ! preflight "$work/changing"; then
	fail "pre-flight: a file's consumer refuses it; nothing was changed"
fi
if [ -s "$work/changing" ]; then
	grep -E '^(when|before) ' "$plan" >"$work/before" || true
	due=
	while IFS=' ' read -r kind name rest <&3; do
		case $kind in
		when) if grep -qxF -- "$rest" "$work/changing"; then due="$due $name "; fi ;;
		before)
			case $due in *" $name "*) ;; *) continue ;; esac
			run_needed "$rest"
			;;
		esac
	done 3<"$work/before"
	records action >"$work/action-list"
	due_now=' '
	while IFS=' ' read -r name ask <&3; do
		case $due in *" $name "*) [ "$ask" = now ] && due_now="$due_now$name " ;; esac
	done 3<"$work/action-list"
fi
# Then, when a file changes or one of an earlier bundle goes (redhat's
# ifcfg-lo:1 of an alias that left), for each action that runs without asking,
# the undo records of the last install this plan no longer has (stale_undo):
# the address that left the topology goes before `ifup lo` brings up the
# rest. An action that asks (a network restart) takes its devices' addresses
# down itself. Then the last install's actions this plan no longer has at all
# (a real server that no longer tunnels: ifdown tunl0, its old stanza still in
# place), and the items it probed that this plan no longer probes (tunl0 up).
unmanaged "$work/unmanaged-before"
if [ -s "$work/changing" ] || [ -s "$work/unmanaged-before" ]; then
	records action >"$work/action-list"
	while IFS=' ' read -r name ask <&3; do
		[ "$ask" = now ] || continue
		stale_undo "$name" "$work/stale"
		[ -s "$work/stale" ] && printf '%s\n' "$name" >>"$work/stale-actions"
		while IFS= read -r words <&4; do run_ok "$words"; done 4<"$work/stale"
	done 3<"$work/action-list"
	gone_actions "$work/gone-actions"
	while IFS= read -r name <&3; do
		stale_undo "$name" "$work/stale"
		[ -s "$work/stale" ] && printf '%s\n' "$name" >>"$work/stale-actions"
		while IFS= read -r words <&4; do run_ok "$words"; done 4<"$work/stale"
	done 3<"$work/gone-actions"
	# The actions of this plan that the last install ran for a file that goes
	# now run again, as those whose stale records ran do (and a rollback runs
	# their kept run records again, from the restored files).
	left_actions "$work/unmanaged-before" "$work/stale-actions"
	stale_reverts
	# No kept records (an earlier lvsgen's install): the addresses that left, from the files.
	stale_addresses "${due_now:- }"
fi

while IFS=' ' read -r mode merge secrecy path <&3; do
	source_of "$merge" "$path"
	install_file "$mode" "$path"
done 3<"$work/files"
restore_unmanaged

# A file of an earlier bundle put back or taken out (restore_unmanaged) is a
# change: the run goes on and ends with "done", as --check said it would.
if [ "$changed" = ' ' ] && [ ! -s "$pending" ] && [ ! -s "$work/stale-actions" ] && [ ! -s "$work/unmanaged" ]; then
	# An earlier installer kept no undo records: keep them now (and the
	# originals under this plan's ids: its files may be the same, its ids not).
	if [ -d "$state" ]; then rekey_originals; keep_undo; fi
	say "$host: every file is up to date; nothing to do."
	exit 0
fi

# The actions, in the plan's order: `action` starts one, its `when` records
# say whether one of its files changed, its `run` records are its commands.
# An action left pending by an earlier run is due as well; one whose
# confirmation is declined is left pending for the next.
grep -E '^(action|when|run|running|reload|start|after|readd) ' "$plan" >"$work/actions" || true
# The actions that start their daemon when it does not run (others only reload it).
sed -n 's/^start \([^ ]*\) .*/\1/p' "$work/actions" | sort -u >"$work/starts"
# What a rollback sets back: the kernel keys and services as they are now.
read_sysctls "$work/sysctl"
read_services "$work/services"
read_probes "$work/probes"
: >"$work/started"
started() { # started NAME: the action ran a command (a rollback undoes it)
	grep -qxF -- "$1" "$work/started" || printf '%s\n' "$1" >>"$work/started"
}
: >"$work/pending"
due=no
alive=
while IFS=' ' read -r kind name rest <&3; do
	case $kind in
	action)
		due=no
		alive=
		ask=$rest
		if is_pending "$name"; then
			due=yes
			say "$name: left to run by an earlier install"
		elif [ -s "$work/stale-actions" ] && grep -qxF -- "$name" "$work/stale-actions"; then
			# Its stale undo records ran: it brings up again what its files still
			# name (an undo record the last install worded otherwise took it down too).
			# Or a file it ran for last time goes (left_actions): it re-reads what is there.
			due=yes
		fi
		;;
	when)
		if changed "$rest"; then due=yes; fi
		;;
	running)
		# Reload, not restart: a running daemon re-reads its files and keeps its
		# state (ldirectord its IPVS table, keepalived the VRRP master's addresses).
		[ "$due" = yes ] || continue
		started "$name"
		if invoke "$rest" >/dev/null 2>&1; then
			alive=yes
			say "$name is running: reloading it (it keeps its state)"
		else
			alive=no
			if grep -qxF -- "$name" "$work/starts"; then say "$name is not running: starting it"
			else say "$name is not running: it reads its files when it starts"; fi
		fi
		;;
	reload | start)
		[ "$due" = yes ] || continue
		if [ "$kind" = reload ]; then [ "$alive" = yes ] || continue; else [ "$alive" = no ] || continue; fi
		started "$name"
		run_needed "$rest"
		;;
	after | readd)
		# A backend switch: the new backend runs (its reload or start succeeded);
		# only now is the old one stopped (after: when it was enabled or ran before
		# this run; one never installed is left alone), then (readd) the new one
		# adds again what the old one deleted on its way out, when the old one ran.
		[ "$due" = yes ] || continue
		if [ "$kind" = readd ]; then
			grep -q "^${rest%% *} [a-z-]* yes\$" "$work/services" || continue
		else
			grep -q -e "^${rest%% *} yes " -e "^${rest%% *} [a-z-]* yes\$" "$work/services" || continue
		fi
		rest=${rest#* }
		started "$name"
		run_needed "$rest"
		;;
	run)
		[ "$due" = yes ] || continue
		need=${rest%% *}
		words=${rest#* }
		if [ "$ask" = ask ]; then
			if confirm "$words"; then
				started "$name"
				run "$words"
			else
				grep -qxF -- "$name" "$work/pending" || printf '%s\n' "$name" >>"$work/pending"
			fi
		elif [ "$need" = may ]; then
			started "$name"
			run_ok "$words"
		else
			started "$name"
			run "$words"
		fi
		;;
	esac
done 3<"$work/actions"
# Written once everything ran: a failed run keeps the earlier list. The
# keys' and services' states before the first install are the originals.
keep_originals "$work/sysctl" "$sysctl_orig" 2
keep_originals "$work/services" "$services_orig" 1
# The originals under this plan's ids first: an item the last install probed
# under another id keeps the state it had before lvsgen, not the one read now.
rekey_originals
keep_originals "$work/probes" "$probes_orig" 1
keep_undo
if [ -s "$work/pending" ]; then
	mkdirs "$state"
	cp "$work/pending" "$pending.lvsgen-new" && mv -f "$pending.lvsgen-new" "$pending"
	say "$host: done; left to run: $(tr '\n' ' ' <"$work/pending")(install.sh --yes runs them)."
else
	rm -f "$pending"
	say "$host: done."
fi
