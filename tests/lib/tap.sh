# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# TAP output and throwaway network namespaces for shell tests.  Source it.
#
#   ok "name"; not_ok "name" "why"; skip_test "name" "why"
#   check "name" EXPECTED ACTUAL      ok when equal, else not ok with both
#   ns_new VAR                        a unique namespace name, removed at exit
#   veth_pair A NSA B NSB             a veth pair between two namespaces
#   finish                            exit status: 1 if anything failed
# Everything created is removed by the EXIT trap, on failure too.

TAP_N=0
TAP_FAILED=0
XT_NS=()
XT_CLEANUP=()

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
not_ok() {
	TAP_N=$((TAP_N + 1)); TAP_FAILED=1
	echo "not ok $TAP_N - $1"
	[ -n "${2:-}" ] && printf '#   %s\n' "$2"
	return 0
}
skip_test() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP ${2:-}"; }
check() {
	if [ "$2" = "$3" ]; then ok "$1"
	else not_ok "$1" "expected '$2', got '$3'"; fi
}
finish() { exit $TAP_FAILED; }

# Run at exit: caller-registered commands first (last in, first out), then
# the namespaces (deleting a namespace deletes the veths inside it).
xt_cleanup() {
	local i
	for ((i = ${#XT_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${XT_CLEANUP[i]}" >/dev/null 2>&1
	done
	for i in "${XT_NS[@]}"; do ip netns del "$i" 2>/dev/null; done
}
trap xt_cleanup EXIT
trap 'exit 130' INT TERM
on_exit() { XT_CLEANUP+=("$*"); }

# Names unique to this process: tests share the machine with other work.
XT_ID="xt$$$(printf '%04x' $((RANDOM)))"
ns_new() {
	local name="${XT_ID}${1}"
	ip netns add "$name" || return 1
	XT_NS+=("$name")
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# veth_pair IFA NSA IFB NSB: interface names are short (15 chars max).
veth_pair() {
	ip link add "$1" netns "$2" type veth peer name "$3" netns "$4" &&
	ip -n "$2" link set "$1" up && ip -n "$4" link set "$3" up
}
