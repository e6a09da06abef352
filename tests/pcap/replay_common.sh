# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Shared by the capture-tier tests: source after tests/lib/tap.sh.  Skips
# (and exits) unless root, tshark's tools and the captures are there; sets
# XT (the CLI), PCAPS and caps (the capture files).

XT=${BUILD:-build}/xdptag
PCAPS=$(scripts/pcaps-dir)

for t in tshark capinfos mergecap editcap; do
	if ! command -v "$t" >/dev/null; then
		skip_test "capture tier" "$t not installed"
		finish
	fi
done
if [ "$(id -u)" != 0 ]; then
	skip_test "capture tier" "BPF_PROG_TEST_RUN needs root"
	finish
fi
if ! [ -d "$PCAPS" ]; then
	skip_test "capture tier" "no captures in $PCAPS"
	finish
fi
if ! [ -x "$XT" ]; then
	not_ok "capture tier" "$XT not built"
	finish
fi
mapfile -t caps < <(find "$PCAPS" -maxdepth 1 -type f \
	\( -name '*.pcap' -o -name '*.pcapng' \) | sort)

# replay_compare MODE LABEL: run tests/pcap/replay_vs_tshark.py over every
# capture and turn its lines ("ok FILE", "not ok FILE: why", "skip FILE:
# why", "# note") into TAP, one test per capture.
replay_compare() {
	local out line rest

	if ! out=$(/usr/bin/python3 tests/pcap/replay_vs_tshark.py "$1" \
		   "$XT" docs/replay.md "${caps[@]}" 2>&1); then
		not_ok "$2 comparison ran" "$out"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$2 ${line#ok }" ;;
		"not ok "*)
			rest=${line#not ok }
			not_ok "$2 ${rest%%: *}" "${rest#*: }" ;;
		"skip "*)
			rest=${line#skip }
			skip_test "$2 ${rest%%: *}" "${rest#*: }" ;;
		*) echo "$line" ;;
		esac
	done <<<"$out"
}
