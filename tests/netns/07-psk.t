#!/usr/bin/env bash
# Preshared keys: matching PSKs give a session; mismatched ones give none
# (the initiation is accepted, but the PSK is mixed into the response, so
# the initiator cannot consume it); fixing the PSK lets the next retry in.
. "$(dirname "$0")/lib.sh"

A=c07a B=c07b
WA=wgc07a WB=wgc07b
netns_add "$A" "$B"
veth "$A" "$B" 192.168.107.1/24 192.168.107.2/24 fd07::1/64 fd07::2/64
start_cvpc "$A" "$WA"
start_cvpc "$B" "$WB"

ka=$(genkey) kb=$(genkey) psk=$(wg genpsk) psk_wrong=$(wg genpsk)
pa=$(pubkey "$ka") pb=$(pubkey "$kb")
ip netns exec "$A" wg set "$WA" private-key <(echo "$ka") listen-port 51071
ip netns exec "$B" wg set "$WB" private-key <(echo "$kb") listen-port 51072
ip -n "$A" addr add 10.7.0.1/24 dev "$WA"
ip -n "$B" addr add 10.7.0.2/24 dev "$WB"
ip -n "$A" link set "$WA" up
ip -n "$B" link set "$WB" up

# add_peers <psk for A> <psk for B>: fresh peers (no session), and only A
# knows an endpoint, so A is the initiator.
add_peers() {
	ip netns exec "$A" wg set "$WA" peer "$pb" remove
	ip netns exec "$B" wg set "$WB" peer "$pa" remove
	ip netns exec "$A" wg set "$WA" peer "$pb" preshared-key <(echo "$1") \
		endpoint 192.168.107.2:51072 allowed-ips 10.7.0.2/32
	ip netns exec "$B" wg set "$WB" peer "$pa" preshared-key <(echo "$2") \
		allowed-ips 10.7.0.1/32
}
hs_a() { latest_handshake "$A" "$WA" "$pb"; }
hs_b() { latest_handshake "$B" "$WB" "$pa"; }

# 1. Matching PSKs.
add_peers "$psk" "$psk"
is "$(ip netns exec "$A" wg show "$WA" preshared-keys)" "$pb	$psk" "A holds the PSK"
is "$(ip netns exec "$B" wg show "$WB" preshared-keys)" "$pa	$psk" "B holds the same PSK"
check "matching PSKs: A pings B" ip netns exec "$A" ping -q -c 2 -W 2 -i 0.2 10.7.0.2
check "matching PSKs: A has a handshake" handshake_done "$A" "$WA" "$pb"
check "matching PSKs: B has a handshake" handshake_done "$B" "$WB" "$pa"

# 2. Mismatched PSKs, on fresh peers so no old session carries traffic.
add_peers "$psk" "$psk_wrong"
a_bad0=$(stat_of "$WA" drop_rx_handshake_invalid)
b_bad0=$(stat_of "$WB" drop_rx_handshake_invalid)
a_lines=$(wc -l <"$LOGDIR/$WA.log") b_lines=$(wc -l <"$LOGDIR/$WB.log")
is "$(hs_a)/$(hs_b)" 0/0 "mismatched PSKs: fresh peers start without a handshake"
# About 6 s of pings: the first initiation and its retry after REKEY_TIMEOUT.
check "mismatched PSKs: no ping gets through in 6 s" \
	bash -c "! ip netns exec $A ping -q -c 6 -i 1 -W 1 10.7.0.2"
is "$(hs_a)/$(hs_b)" 0/0 "mismatched PSKs: still no handshake on either side"
check "mismatched PSKs: B accepted A's initiation and answered" \
	bash -c "tail -n +$((b_lines + 1)) '$LOGDIR/$WB.log' | grep -q 'Sending handshake response'"
a_bad1=$(stat_of "$WA" drop_rx_handshake_invalid)
b_bad1=$(stat_of "$WB" drop_rx_handshake_invalid)
check "mismatched PSKs: A, the initiator, rejected B's response(s) ($a_bad0 -> $a_bad1)" \
	test "$a_bad1" -gt "$a_bad0"
is "$b_bad1" "$b_bad0" "mismatched PSKs: B, the responder, rejected nothing"
check "mismatched PSKs: A logged the invalid response" \
	bash -c "tail -n +$((a_lines + 1)) '$LOGDIR/$WA.log' | grep -q 'Invalid handshake response'"
check "mismatched PSKs: A kept retrying" \
	bash -c "[ \$(tail -n +$((a_lines + 1)) '$LOGDIR/$WA.log' | grep -c 'Sending handshake initiation') -ge 2 ]"

# 3. B gets the right PSK; A's next retry completes the handshake.
ip netns exec "$B" wg set "$WB" peer "$pa" preshared-key <(echo "$psk")
check "fixed PSK: pings get through again (within 15 s)" \
	wait_for 15 ip netns exec "$A" ping -q -c 1 -W 1 10.7.0.2
check "fixed PSK: A has a handshake" handshake_done "$A" "$WA" "$pb"
check "fixed PSK: B has a handshake" handshake_done "$B" "$WB" "$pa"
check "fixed PSK: B pings A" ip netns exec "$B" ping -q -c 2 -W 2 -i 0.2 10.7.0.1
is "$(stat_of "$WA" drop_rx_handshake_invalid)" "$a_bad1" \
	"fixed PSK: A rejected no further response"

done_testing
