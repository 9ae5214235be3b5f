#!/usr/bin/env bash
# Rotating A's static key under a live session: A stops sending on the old
# session at once, B rejects A's new identity until told about it, and once
# B swaps the old peer for the new one a fresh handshake carries traffic.
. "$(dirname "$0")/lib.sh"

A=c08a B=c08b
WA=wgc08a WB=wgc08b
netns_add "$A" "$B"
veth "$A" "$B" 192.168.108.1/24 192.168.108.2/24 fd08::1/64 fd08::2/64
start_cvpc "$A" "$WA"
start_cvpc "$B" "$WB"

wg_pair "$A" "$WA" 192.168.108.1:51081 10.8.0.1,fd08:1::1 \
	"$B" "$WB" 192.168.108.2:51082 10.8.0.2,fd08:1::2
# A's next static key, for the rotation below.
ka2=$(genkey)
pa2=$(pubkey "$ka2")

keypairs_made() { grep -c "Keypair [0-9]* created" "$LOGDIR/$1.log"; }
pings() { ip netns exec "$1" ping -q -c 2 -W 2 -i 0.2 "$2" >/dev/null; }

check "A pings B" pings "$A" 10.8.0.2
check "B pings A" pings "$B" fd08:1::1
check "B has a handshake with A's first key" handshake_done "$B" "$WB" "$pa"
kp_a=$(keypairs_made "$WA")

# Rotate A's key; A keeps its peer, B still knows only the old key.
ip netns exec "$A" wg set "$WA" private-key <(echo "$ka2")
is "$(ip netns exec "$A" wg show "$WA" public-key)" "$pa2" "A's public key is the new one"
is "$(ip netns exec "$A" wg show "$WA" peers)" "$pb" "A still has B as its peer"
bad0=$(stat_of "$WB" drop_rx_handshake_invalid)
check "A's old session is no longer used to send" \
	bash -c "! ip netns exec $A ping -q -c 2 -W 1 -i 0.2 10.8.0.2"
b_rejected_more() { [ "$(stat_of "$WB" drop_rx_handshake_invalid)" -gt "$bad0" ]; }
check "B rejects A's initiation under the unknown key (drop_rx_handshake_invalid rises)" \
	wait_for 5 b_rejected_more

# B swaps the old peer for the new key, same allowed IPs and endpoint.
ip netns exec "$B" wg set "$WB" peer "$pa" remove peer "$pa2" \
	endpoint 192.168.108.1:51081 allowed-ips 10.8.0.1/32,fd08:1::1/128
is "$(ip netns exec "$B" wg show "$WB" peers)" "$pa2" "B's old peer entry is gone, the new one is there"
is "$(ip netns exec "$B" wg show "$WB" allowed-ips)" "$pa2	10.8.0.1/32 fd08:1::1/128" \
	"B's new peer has the allowed ips"
check "A pings B again (within 10 s)" \
	wait_for 10 ip netns exec "$A" ping -q -c 1 -W 1 10.8.0.2
check "B pings A over IPv6 inside" pings "$B" fd08:1::1
check "B has a handshake with A's new key" handshake_done "$B" "$WB" "$pa2"
is "$(ip netns exec "$B" wg show "$WB" endpoints)" "$pa2	192.168.108.1:51081" \
	"B's endpoint for the new peer"
check "A derived a new keypair ($kp_a before)" \
	test "$(keypairs_made "$WA")" -gt "$kp_a"
check "A has a handshake with B" handshake_done "$A" "$WA" "$pb"

done_testing
