#!/usr/bin/env bash
# Bulk data between two cvpc devices over an IPv6 underlay: 256 MiB each
# way through ncat, checked by sha256, and the transfer counters of both
# sides checked against the volume.
. "$(dirname "$0")/lib.sh"

A=c03a B=c03b
WA=wgc03a WB=wgc03b
BYTES=$((256 << 20))
netns_add "$A" "$B"
veth "$A" "$B" 192.168.103.1/24 192.168.103.2/24 fd03::1/64 fd03::2/64
start_cvpc "$A" "$WA"
start_cvpc "$B" "$WB"

# counters <ns> <ifname>: "rx tx" of the device's only peer.
counters() { ip netns exec "$1" wg show "$2" transfer | cut -f2,3; }

wg_pair "$A" "$WA" "[fd03::1]:51031" 10.3.0.1,fd03:1::1 \
	"$B" "$WB" "[fd03::2]:51032" 10.3.0.2,fd03:1::2

check "A pings B (IPv6 outside)" ip netns exec "$A" ping -q -c 2 -W 2 -i 0.2 10.3.0.2
is "$(ip netns exec "$A" wg show "$WA" endpoints)" "$pb	[fd03::2]:51032" "A's endpoint for B"
is "$(ip netns exec "$B" wg show "$WB" endpoints)" "$pa	[fd03::1]:51031" "B's endpoint for A"

read -r _ a_tx0 < <(counters "$A" "$WA")
read -r b_rx0 _ < <(counters "$B" "$WB")
check "256 MiB A -> B over IPv4 inside" transfer "$A" "$B" 10.3.0.2 5031 ab
is "$(cat "$LOGDIR/ab.rx.len")" "$BYTES" "B received every byte"
is "$(cat "$LOGDIR/ab.rx.sha")" "$(cat "$LOGDIR/ab.tx.sha")" "A -> B sha256 matches"
read -r a_rx1 a_tx1 < <(counters "$A" "$WA")
read -r b_rx1 b_tx1 < <(counters "$B" "$WB")
a_tx=$((a_tx1 - a_tx0)) b_rx=$((b_rx1 - b_rx0))
check "A's tx grew by at least the volume ($a_tx)" test "$a_tx" -ge "$BYTES"
check "B's rx grew by at least the volume ($b_rx)" test "$b_rx" -ge "$BYTES"
check "B received no more than A sent ($b_rx <= $a_tx)" test "$b_rx" -le "$a_tx"
check "A's tx is the volume plus sane overhead (< 1.5x)" test "$a_tx" -lt $((BYTES * 3 / 2))

check "256 MiB B -> A over IPv6 inside" transfer "$B" "$A" fd03:1::1 5032 ba
is "$(cat "$LOGDIR/ba.rx.len")" "$BYTES" "A received every byte"
is "$(cat "$LOGDIR/ba.rx.sha")" "$(cat "$LOGDIR/ba.tx.sha")" "B -> A sha256 matches"
read -r a_rx2 a_tx2 < <(counters "$A" "$WA")
read -r b_rx2 b_tx2 < <(counters "$B" "$WB")
b_tx=$((b_tx2 - b_tx1)) a_rx=$((a_rx2 - a_rx1))
check "B's tx grew by at least the volume ($b_tx)" test "$b_tx" -ge "$BYTES"
check "A's rx grew by at least the volume ($a_rx)" test "$a_rx" -ge "$BYTES"
check "A received no more than B sent ($a_rx <= $b_tx)" test "$a_rx" -le "$b_tx"
check "B's tx is the volume plus sane overhead (< 1.5x)" test "$b_tx" -lt $((BYTES * 3 / 2))

# Totals over the whole session: nobody receives more than the other sent.
check "A's rx total <= B's tx total ($a_rx2 <= $b_tx2)" test "$a_rx2" -le "$b_tx2"
check "B's rx total <= A's tx total ($b_rx2 <= $a_tx2)" test "$b_rx2" -le "$a_tx2"
is "$(stat_of "$WA" drop_rx_decrypt_failed)/$(stat_of "$WB" drop_rx_decrypt_failed)" 0/0 \
	"no data message failed authentication on either side"

done_testing
