#!/usr/bin/env bash
# cvpc against Debian's wireguard-go, both configured with wg(8). Phase 1:
# cvpc initiates over an IPv4 underlay; phase 2, after both sides re-key,
# wireguard-go initiates over IPv6. Each phase pings over IPv4 and IPv6
# inside and pipes 256 MiB through the tunnel, checked by sha256.
. "$(dirname "$0")/lib.sh"

A=c02a B=c02b
WA=wgc02a WB=wgc02b
BYTES=$((256 << 20))
netns_add "$A" "$B"
veth "$A" "$B" 192.168.102.1/24 192.168.102.2/24 fd02::1/64 fd02::2/64
start_cvpc "$A" "$WA"
start_wggo "$B" "$WB"

# log_since <ifname> <line>: the device's log after its first <line> lines.
log_since() { tail -n +"$(($2 + 1))" "$LOGDIR/$1.log"; }
log_lines() { wc -l <"$LOGDIR/$1.log"; }
# logged <ifname> <from-line> <text>: whether the text was logged since.
logged() { log_since "$1" "$2" | grep -qF "$3"; }

ka=$(genkey) kb=$(genkey)
pa=$(pubkey "$ka") pb=$(pubkey "$kb")

# Phase 1: only cvpc knows an endpoint, so only cvpc can initiate.
ip netns exec "$A" wg set "$WA" private-key <(echo "$ka") listen-port 51021 \
	peer "$pb" endpoint 192.168.102.2:51022 allowed-ips 10.2.0.2/32,fd02:1::2/128
ip netns exec "$B" wg set "$WB" private-key <(echo "$kb") listen-port 51022 \
	peer "$pa" allowed-ips 10.2.0.1/32,fd02:1::1/128
ip -n "$A" addr add 10.2.0.1/24 dev "$WA"
ip -n "$A" addr add fd02:1::1/64 dev "$WA" nodad
ip -n "$B" addr add 10.2.0.2/24 dev "$WB"
ip -n "$B" addr add fd02:1::2/64 dev "$WB" nodad
ip -n "$A" link set "$WA" up
ip -n "$B" link set "$WB" up

check "phase 1: cvpc pings wireguard-go over IPv4 inside, IPv4 outside" \
	ip netns exec "$A" ping -q -c 2 -W 2 -i 0.2 10.2.0.2
check "phase 1: wireguard-go pings cvpc over IPv6 inside" \
	ip netns exec "$B" ping -q -c 2 -W 2 -i 0.2 fd02:1::1
check "phase 1: cvpc pings wireguard-go over IPv6 inside" \
	ip netns exec "$A" ping -q -c 2 -W 2 -i 0.2 fd02:1::2
check "phase 1: wireguard-go pings cvpc over IPv4 inside" \
	ip netns exec "$B" ping -q -c 2 -W 2 -i 0.2 10.2.0.1
check "phase 1: cvpc sent the handshake initiation" \
	logged "$WA" 0 "Sending handshake initiation"
check "phase 1: wireguard-go received it" \
	logged "$WB" 0 "Received handshake initiation"
check "phase 1: wireguard-go did not initiate" \
	bash -c "! grep -qF 'Sending handshake initiation' '$LOGDIR/$WB.log'"
check "phase 1: cvpc received wireguard-go's response" \
	logged "$WA" 0 "Receiving handshake response"

check "phase 1: 256 MiB cvpc -> wireguard-go over IPv4" \
	transfer "$A" "$B" 10.2.0.2 5021 p1
is "$(cat "$LOGDIR/p1.rx.len")" "$BYTES" "phase 1: wireguard-go's side received every byte"
is "$(cat "$LOGDIR/p1.rx.sha")" "$(cat "$LOGDIR/p1.tx.sha")" "phase 1: sha256 matches"

is "$(ip netns exec "$A" wg show "$WA" listen-port)" 51021 "phase 1: cvpc's listen port"
is "$(ip netns exec "$A" wg show "$WA" peers)" "$pb" "phase 1: cvpc's peer list"
is "$(ip netns exec "$A" wg show "$WA" endpoints)" "$pb	192.168.102.2:51022" \
	"phase 1: cvpc's endpoint for wireguard-go"
is "$(ip netns exec "$A" wg show "$WA" allowed-ips)" "$pb	10.2.0.2/32 fd02:1::2/128" \
	"phase 1: cvpc's allowed ips for wireguard-go"
check "phase 1: cvpc has a handshake with wireguard-go" handshake_done "$A" "$WA" "$pb"
is "$(ip netns exec "$B" wg show "$WB" endpoints)" "$pa	192.168.102.1:51021" \
	"phase 1: wireguard-go learned cvpc's endpoint"
read -r _ rx tx < <(ip netns exec "$A" wg show "$WA" transfer)
check "phase 1: cvpc sent at least the payload ($tx bytes)" test "$tx" -ge "$BYTES"
check "phase 1: cvpc received the ACKs and replies ($rx bytes)" test "$rx" -gt 0
read -r _ brx _ < <(ip netns exec "$B" wg show "$WB" transfer)
check "phase 1: wireguard-go received at least the payload ($brx bytes)" \
	test "$brx" -ge "$BYTES"

# Phase 2: new keys on both sides; now only wireguard-go knows an endpoint,
# an IPv6 one.
la=$(log_lines "$WA") lb=$(log_lines "$WB")
ka2=$(genkey) kb2=$(genkey)
pa2=$(pubkey "$ka2") pb2=$(pubkey "$kb2")
ip netns exec "$A" wg set "$WA" private-key <(echo "$ka2") peer "$pb" remove \
	peer "$pb2" allowed-ips 10.2.0.2/32,fd02:1::2/128
ip netns exec "$B" wg set "$WB" private-key <(echo "$kb2") peer "$pa" remove \
	peer "$pa2" endpoint "[fd02::1]:51021" allowed-ips 10.2.0.1/32,fd02:1::1/128

is "$(ip netns exec "$A" wg show "$WA" public-key)" "$pa2" "phase 2: cvpc took the new key"
is "$(ip netns exec "$A" wg show "$WA" latest-handshakes)" "$pb2	0" \
	"phase 2: cvpc's only peer is the new one, without a handshake"
check "phase 2: wireguard-go pings cvpc over IPv6 inside, IPv6 outside" \
	ip netns exec "$B" ping -q -c 2 -W 2 -i 0.2 fd02:1::1
check "phase 2: cvpc pings wireguard-go over IPv4 inside" \
	ip netns exec "$A" ping -q -c 2 -W 2 -i 0.2 10.2.0.2
check "phase 2: cvpc pings wireguard-go over IPv6 inside" \
	ip netns exec "$A" ping -q -c 2 -W 2 -i 0.2 fd02:1::2
check "phase 2: wireguard-go pings cvpc over IPv4 inside" \
	ip netns exec "$B" ping -q -c 2 -W 2 -i 0.2 10.2.0.1
check "phase 2: wireguard-go sent the handshake initiation" \
	logged "$WB" "$lb" "Sending handshake initiation"
check "phase 2: cvpc received it" \
	logged "$WA" "$la" "Receiving handshake initiation"
check "phase 2: cvpc did not initiate" \
	bash -c "! tail -n +$((la + 1)) '$LOGDIR/$WA.log' | grep -qF 'Sending handshake initiation'"

check "phase 2: 256 MiB wireguard-go -> cvpc over IPv6" \
	transfer "$B" "$A" fd02:1::1 5022 p2
is "$(cat "$LOGDIR/p2.rx.len")" "$BYTES" "phase 2: cvpc's side received every byte"
is "$(cat "$LOGDIR/p2.rx.sha")" "$(cat "$LOGDIR/p2.tx.sha")" "phase 2: sha256 matches"

is "$(ip netns exec "$A" wg show "$WA" endpoints)" "$pb2	[fd02::2]:51022" \
	"phase 2: cvpc learned wireguard-go's IPv6 endpoint"
is "$(ip netns exec "$A" wg show "$WA" allowed-ips)" "$pb2	10.2.0.2/32 fd02:1::2/128" \
	"phase 2: cvpc's allowed ips for the new peer"
check "phase 2: cvpc has a handshake with the new peer" handshake_done "$A" "$WA" "$pb2"
read -r _ rx tx < <(ip netns exec "$A" wg show "$WA" transfer)
check "phase 2: cvpc received at least the payload ($rx bytes)" test "$rx" -ge "$BYTES"
check "phase 2: cvpc sent the ACKs and replies ($tx bytes)" test "$tx" -gt 0
read -r _ _ btx < <(ip netns exec "$B" wg show "$WB" transfer)
check "phase 2: wireguard-go sent at least the payload ($btx bytes)" \
	test "$btx" -ge "$BYTES"

done_testing
