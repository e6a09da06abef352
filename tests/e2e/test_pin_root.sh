#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# An untrusted pin root is refused (issue 13, item 2).  On a bpffs mounted
# world-writable (mode 1777, what a bare `mount -t bpf` gives) user nobody
# can create /sys/fs/bpf/xdptag before root does, hold an flock on it, or,
# if it can write in it, swap two interfaces' pin directories so that
# root's `rules load IFACE-A` reprograms interface B.  xdptag must refuse a
# pin root that is not root's alone, say why in one line, never wait on a
# lock someone else can take, and refuse pins that record another
# interface's ifindex.
#
# The test runs in a private mount namespace with its own bpffs, and runs
# xdptag with nsenter --net, which keeps that mount namespace.  "nobody"
# is uid and gid 65534 through setpriv (no passwd entry needed).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

e2e_need "pin root" unshare nsenter setpriv flock timeout ip
# tap.sh put us in a mount namespace of our own: a bpffs of our own over
# /sys/fs/bpf there, mode 1777 as a bare `mount -t bpf` makes it.
[ -n "${XT_OWN_MNTNS:-}" ] ||
	{ skip_test "pin root" "no private mount namespace (unshare)"; finish; }
mount -t bpf bpf /sys/fs/bpf || { not_ok "private bpffs"; finish; }
chmod 1777 /sys/fs/bpf
ROOT=/sys/fs/bpf/xdptag
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
TMP=$(mktemp -d /tmp/xt-pin-root.XXXXXX)
on_exit rm -rf "$TMP"

lab_pair
C=${XT_ID}c
D=${XT_ID}d
veth_pair "$C" "$RCV" "$D" "$SND" || { not_ok "second veth pair"; finish; }
on_exit nsenter --net=/run/netns/"$RCV" "$XT" detach "$C"

X() { timeout 20 nsenter --net=/run/netns/"$RCV" "$XT" "$@"; }

cat >"$TMP/one.yaml" <<'EOF'
classes: [ { id: 1, name: one } ]
rules:
  - { name: r1, class: one, weight: 1, match: { proto: udp } }
EOF
cp "$TMP/one.yaml" "$TMP/two.yaml"

xdp_id() {
	ip -n "$RCV" -d link show "$1" 2>/dev/null | awk '/prog\/xdp id/ {
		for (i = 1; i < NF; i++) if ($i == "id") print $(i + 1) }'
}

# 1. nobody made the pin root first.
"${NOBODY[@]}" mkdir "$ROOT"
check "nobody could create $ROOT (the bpffs is 1777)" 65534 \
	"$(stat -c %u "$ROOT" 2>/dev/null)"
why="$ROOT belongs to uid 65534, not root: refusing it (remove it if nothing uses it)"
out=$(X attach "$B" --rules "$TMP/one.yaml" 2>&1)
check "attach into nobody's pin root: exit 1" 1 $?
check "attach into nobody's pin root: why, in one line" "Error: $why" "$out"
check "nothing attached to $B" "" "$(xdp_id "$B")"
out=$(X status 2>&1)
check "status refuses it too" "Error: cannot list $ROOT: $why" "$out"
out=$(X stats "$B" 2>&1)
check "stats refuses it too" \
	"Error: $B: cannot open pins under $ROOT: $why" "$out"
rmdir "$ROOT"

# 2. Root's pin root (0700): nobody cannot even open it to lock it.
out=$(X attach "$B" --rules "$TMP/one.yaml" 2>&1)
check "attach $B: exit 0" 0 $?
out=$(X attach "$C" --rules "$TMP/two.yaml" 2>&1)
check "attach $C: exit 0" 0 $?
check "the pin root is root's, mode 700" "0 700" \
	"$(stat -c '%u %a' "$ROOT")"
out=$("${NOBODY[@]}" flock -n "$ROOT" true 2>&1)
check "nobody cannot open it to take the lock" \
	"flock: cannot open lock file $ROOT: Permission denied" "$out"

# 3. A pin root others can open is refused at once, and a lock taken by
#    another user (through a descriptor opened while it was open to them)
#    is never waited for.
chmod 755 "$ROOT"
"${NOBODY[@]}" $PY -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)' "$ROOT" >"$TMP/holder" &
HOLDER=$!
on_exit kill "$HOLDER"
for _ in $(seq 100); do
	grep -q locked "$TMP/holder" && break
	sleep 0.1
done
check "nobody holds the lock" locked "$(cat "$TMP/holder")"
start=$(date +%s)
out=$(X rules load "$B" "$TMP/one.yaml" 2>&1)
check "rules load, pin root mode 0755: exit 1, not a wait (124)" 1 $?
check "rules load, pin root mode 0755: why" \
	"Error: $ROOT has mode 0755: other users could change its pins or hold its lock; refusing it (chmod 700 it)" \
	"$out"
chmod 700 "$ROOT"
out=$(X rules load "$B" "$TMP/one.yaml" 2>&1)
check "rules load, locked by nobody: exit 1, not a wait (124)" 1 $?
check "rules load, locked by nobody: why" \
	"Error: $ROOT is locked by pid $HOLDER of uid 65534, not root: refusing to wait for it" \
	"$out"
out=$(X detach "$B" 2>&1)
check "detach, locked by nobody: exit 1" 1 $?
[ $(($(date +%s) - start)) -lt 10 ] && ok "all refused at once" ||
	not_ok "all refused at once" "took $(($(date +%s) - start)) s"
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null
out=$(X rules load "$B" "$TMP/one.yaml" 2>&1)
check "rules load once the lock is free: exit 0" 0 $?

# 4. Swapped pin directories (what nobody did in a writable root): every
#    command that opens pins checks the ifindex they record.
ic=$(ip -n "$RCV" -o link show "$C" 2>/dev/null | cut -d: -f1)
mv "$ROOT/$B" "$ROOT/swap" && mv "$ROOT/$C" "$ROOT/$B" &&
	mv "$ROOT/swap" "$ROOT/$C"
why="the pins of $B record ifindex $ic, which is $C: refusing them"
out=$(X rules load "$B" "$TMP/one.yaml" 2>&1)
check "rules load of swapped pins: exit 1" 1 $?
check "rules load of swapped pins: why" \
	"Error: $B: cannot open pins: $why" "$out"
out=$(X stats "$B" 2>&1)
check "stats of swapped pins" \
	"Error: $B: cannot open pins under $ROOT: $why" "$out"
out=$(X nft "$B" 2>&1)
check "nft of swapped pins" \
	"Error: $B: cannot open pins under $ROOT: $why" "$out"
out=$(X status "$B" 2>&1)
check "status of swapped pins" \
	"Error: cannot read the pins of $B: $why" "$out"
out=$(X detach "$B" 2>&1)
check "detach of swapped pins: exit 1" 1 $?
check "detach of swapped pins: why" "Error: $why" "$out"
check "detach left $B's and $C's XDP programs" "yes yes" \
	"$([ -n "$(xdp_id "$B")" ] && echo yes) $([ -n "$(xdp_id "$C")" ] && echo yes)"
mv "$ROOT/$B" "$ROOT/swap" && mv "$ROOT/$C" "$ROOT/$B" &&
	mv "$ROOT/swap" "$ROOT/$C"
check "after swapping back, $C still runs its own file" \
	"  rules   $TMP/two.yaml (1 rules)" \
	"$(X status "$C" | grep '^  rules')"
check "and records its own ifindex ($ic)" 0 \
	"$(X status "$C" >/dev/null 2>&1; echo $?)"

# 5. A parent that lets others rename the pin root (0777, no sticky bit).
chmod 0777 /sys/fs/bpf
out=$(X status "$B" 2>&1)
check "parent without the sticky bit: why" \
	"Error: cannot read the pins of $B: /sys/fs/bpf (mode 0777, uid 0) lets other users rename $ROOT: refusing it" \
	"$out"
chmod 1777 /sys/fs/bpf

out=$(X detach "$B" 2>&1)
check "detach $B: exit 0" 0 $?
out=$(X detach "$C" 2>&1)
check "detach $C: exit 0" 0 $?
finish
