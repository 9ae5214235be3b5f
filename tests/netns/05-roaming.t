#!/usr/bin/env bash
# Roaming: B changes its listen port, then its underlay address (moved, then
# a second address made the preferred source: B sticks to the address A
# talks to until it is gone), then the outer protocol. A
# learns each new endpoint from B's authenticated traffic alone, and ping
# keeps working both ways.
. "$(dirname "$0")/lib.sh"

A=c05a B=c05b
WA=wgc05a WB=wgc05b
netns_add "$A" "$B"
veth "$A" "$B" 192.168.105.1/24 192.168.105.2/24 fd05::1/64 fd05::2/64
start_cvpc "$A" "$WA"
start_cvpc "$B" "$WB"

wg_pair "$A" "$WA" 192.168.105.1:51051 10.5.0.1,fd05:1::1 \
	"$B" "$WB" 192.168.105.2:51052 10.5.0.2,fd05:1::2

a_endpoint() { ip netns exec "$A" wg show "$WA" endpoints; }
# pings <from-ns> <to-addr>: a couple of echo requests that must come back.
pings() { ip netns exec "$1" ping -q -c 2 -W 2 -i 0.2 "$2" >/dev/null; }

check "B pings A" pings "$B" 10.5.0.1
# A pings last, so B answered last and has no keepalive pending that could
# reveal its new endpoint before the test sends traffic.
check "A pings B" pings "$A" 10.5.0.2
is "$(a_endpoint)" "$pb	192.168.105.2:51052" "A's endpoint for B at first"

# 1. New port: wg set rebinds B's sockets.
ip netns exec "$B" wg set "$WB" listen-port 51053
is "$(ip netns exec "$B" wg show "$WB" listen-port)" 51053 "B listens on its new port"
is "$(a_endpoint)" "$pb	192.168.105.2:51052" "A keeps the old endpoint until B sends"
check "port change: B pings A" pings "$B" 10.5.0.1
is "$(a_endpoint)" "$pb	192.168.105.2:51053" "port change: A follows B to port 51053"
check "port change: A pings B over IPv4 inside" pings "$A" 10.5.0.2
check "port change: A pings B over IPv6 inside" pings "$A" fd05:1::2

# 2. B's underlay address moves from .2 to .3.
ip -n "$B" addr del 192.168.105.2/24 dev "v-$B"
ip -n "$B" addr add 192.168.105.3/24 dev "v-$B"
check "address move: B pings A" pings "$B" 10.5.0.1
is "$(a_endpoint)" "$pb	192.168.105.3:51053" "address move: A follows B to 192.168.105.3"
check "address move: A pings B" pings "$A" 10.5.0.2

# 3. A second address on B's link becomes the preferred source, but B
#    keeps answering from the address A talks to (a sticky source, as the
#    kernel's WireGuard does), so whatever NAT sits in front of A holds.
ip -n "$B" addr add 192.168.105.4/24 dev "v-$B"
ip -n "$B" route replace 192.168.105.0/24 dev "v-$B" src 192.168.105.4
check "second address: B pings A" pings "$B" fd05:1::1
is "$(a_endpoint)" "$pb	192.168.105.3:51053" "second address: B still sends from 192.168.105.3"
check "second address: A pings B" pings "$A" fd05:1::2
# Once .3 is gone, B's packets leave from .4 and A follows (.4 is a
# secondary address: keep it when the primary goes).
ip netns exec "$B" sysctl -qw "net.ipv4.conf.v-$B.promote_secondaries=1"
ip -n "$B" addr del 192.168.105.3/24 dev "v-$B"
ip -n "$B" route replace 192.168.105.0/24 dev "v-$B" src 192.168.105.4
check "second address: B pings A after .3 is gone" pings "$B" fd05:1::1
is "$(a_endpoint)" "$pb	192.168.105.4:51053" "second address: A follows B to 192.168.105.4"
check "second address: A pings B" pings "$A" fd05:1::2

# 4. B now reaches A over IPv6: A's endpoint changes family.
ip netns exec "$B" wg set "$WB" peer "$pa" endpoint "[fd05::1]:51051"
check "IPv6 underlay: B pings A" pings "$B" 10.5.0.1
is "$(a_endpoint)" "$pb	[fd05::2]:51053" "IPv6 underlay: A follows B to [fd05::2]:51053"
check "IPv6 underlay: A pings B" pings "$A" 10.5.0.2
is "$(ip netns exec "$B" wg show "$WB" endpoints)" "$pa	[fd05::1]:51051" \
	"B's endpoint for A stays what B set"
is "$(stat_of "$WA" drop_tx_send_error)" 0 "A never failed to send to B"

done_testing
