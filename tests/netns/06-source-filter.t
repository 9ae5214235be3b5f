#!/usr/bin/env bash
# The source filter: A accepts from B only inner sources inside B's allowed
# IPs. B also owns 10.6.0.99 and fd06:1::99, outside them; what B sends
# from those must be dropped by A (and counted), what it sends from its
# allowed addresses must arrive.
. "$(dirname "$0")/lib.sh"

A=c06a B=c06b
WA=wgc06a WB=wgc06b
netns_add "$A" "$B"
veth "$A" "$B" 192.168.106.1/24 192.168.106.2/24 fd06::1/64 fd06::2/64
start_cvpc "$A" "$WA"
start_cvpc "$B" "$WB"

wg_pair "$A" "$WA" 192.168.106.1:51061 10.6.0.1,fd06:1::1 \
	"$B" "$WB" 192.168.106.2:51062 10.6.0.2,fd06:1::2
# B's addresses outside its allowed IPs. Its /24 and /64 prefix routes
# send everything for A into the tunnel, whichever address is the source.
ip -n "$B" addr add 10.6.0.99/24 dev "$WB"
ip -n "$B" addr add fd06:1::99/64 dev "$WB" nodad

filtered() { stat_of "$WA" drop_rx_source_filter; }
# What A's TUN device took in: packets that reached A's network stack.
tun_rx() { ip netns exec "$A" cat "/sys/class/net/$WA/statistics/rx_packets"; }

check "B pings A from 10.6.0.2 (allowed)" \
	ip netns exec "$B" ping -q -c 2 -W 2 -i 0.2 -I 10.6.0.2 10.6.0.1
check "B pings A from fd06:1::2 (allowed)" \
	ip netns exec "$B" ping -q -c 2 -W 2 -i 0.2 -I fd06:1::2 fd06:1::1
is "$(filtered)" 0 "nothing was filtered so far"

f0=$(filtered) t0=$(tun_rx)
check "no reply to B's ping from 10.6.0.99" \
	bash -c "! ip netns exec $B ping -q -c 3 -W 1 -i 0.2 -I 10.6.0.99 10.6.0.1"
f1=$(filtered) t1=$(tun_rx)
is "$((f1 - f0))" 3 "A dropped the 3 echo requests from 10.6.0.99 at the source filter"
is "$((t1 - t0))" 0 "none of them reached A's TUN device"
check "A logged the unallowed source" \
	grep -qF "Packet has unallowed src IP from peer" "$LOGDIR/$WA.log"

check "no reply to B's ping from fd06:1::99" \
	bash -c "! ip netns exec $B ping -q -c 3 -W 1 -i 0.2 -I fd06:1::99 fd06:1::1"
f2=$(filtered) t2=$(tun_rx)
is "$((f2 - f1))" 3 "A dropped the 3 IPv6 echo requests from fd06:1::99"
is "$((t2 - t1))" 0 "none of them reached A's TUN device"

check "B still pings A from 10.6.0.2" \
	ip netns exec "$B" ping -q -c 2 -W 2 -i 0.2 -I 10.6.0.2 10.6.0.1
t3=$(tun_rx)
check "A's TUN device took the allowed echo requests ($((t3 - t2)))" test $((t3 - t2)) -ge 2
is "$(filtered)" "$f2" "nothing from 10.6.0.2 was filtered"

# The other direction: A has no peer for 10.6.0.99, so cvpc drops it.
n0=$(stat_of "$WA" drop_tx_no_route)
check "A cannot reach 10.6.0.99" \
	bash -c "! ip netns exec $A ping -q -c 2 -W 1 -i 0.2 10.6.0.99"
# (IPv6 multicast from A's stack, MLD and router solicitations, may add to it.)
n1=$(stat_of "$WA" drop_tx_no_route)
check "A dropped its 2 echo requests for lack of a route ($((n1 - n0)))" \
	test $((n1 - n0)) -ge 2

done_testing
