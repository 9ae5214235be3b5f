#!/usr/bin/env bash
# The stock wg-quick(8) with cvpc as its userspace implementation: a full
# config file goes up (addresses, MTU, routes, keys, PSK, keepalive), the
# tunnel carries traffic to another cvpc, `wg showconf` gives the file's
# WireGuard part back, and `wg-quick down` makes the daemon exit.
. "$(dirname "$0")/lib.sh"

A=c04a B=c04b
WA=wgc04a WB=wgc04b
CVPC_WG=$(dirname "$CVPC")/cvpc-wg
CONF=$LOGDIR/$WA.conf
netns_add "$A" "$B"
veth "$A" "$B" 192.168.104.1/24 192.168.104.2/24 fd04::1/64 fd04::2/64
start_cvpc "$B" "$WB"
[ -x "$CVPC_WG" ] || bail "$CVPC_WG is missing (make all builds it)"

ka=$(genkey) kb=$(genkey) psk=$(wg genpsk)
pa=$(pubkey "$ka") pb=$(pubkey "$kb")

# B is set up by hand; A entirely by wg-quick. B reaches 10.4.1.0/24 and
# fd04:2::/64 only through A's routes for the allowed IPs.
ip netns exec "$B" wg set "$WB" private-key <(echo "$kb") listen-port 51042 \
	peer "$pa" preshared-key <(echo "$psk") endpoint 192.168.104.1:51041 \
	allowed-ips 10.4.0.1/32,fd04:1::1/128
ip -n "$B" addr add 10.4.0.2/24 dev "$WB"
ip -n "$B" addr add 10.4.1.1/24 dev "$WB"
ip -n "$B" addr add fd04:1::2/64 dev "$WB" nodad
ip -n "$B" addr add fd04:2::1/64 dev "$WB" nodad
ip -n "$B" link set "$WB" up

umask 077
cat >"$CONF" <<EOF
[Interface]
PrivateKey = $ka
Address = 10.4.0.1/24, fd04:1::1/64
ListenPort = 51041
MTU = 1380

[Peer]
PublicKey = $pb
PresharedKey = $psk
AllowedIPs = 10.4.0.2/32, 10.4.1.0/24, fd04:1::2/128, fd04:2::/64
Endpoint = 192.168.104.2:51042
PersistentKeepalive = 25
EOF
track_file "$CONF"

ip netns exec "$A" env WG_QUICK_USERSPACE_IMPLEMENTATION="$CVPC_WG" \
	LOG_LEVEL=debug wg-quick up "$CONF" >"$LOGDIR/$WA.log" 2>&1
ok $? "wg-quick up succeeds"
like "$(cat "$LOGDIR/$WA.log")" "\[#\] $CVPC_WG $WA" "wg-quick started cvpc-wg"
check "wg-quick did not complain about the file mode" \
	bash -c "! grep -q 'world accessible' '$LOGDIR/$WA.log'"
pid=$(pgrep -x -f "$CVPC_WG $WA")
[ -n "$pid" ] && track_pid "$pid"
like "$pid" '^[0-9]+$' "exactly one cvpc-wg $WA daemon runs"
check "the UAPI socket exists" test -S "$(sock_of "$WA")"
track_file "$(sock_of "$WA")"

addrs=$(ip -n "$A" -o addr show dev "$WA" scope global | awk '{ print $4 }' | sort | tr '\n' ' ')
is "$addrs" "10.4.0.1/24 fd04:1::1/64 " "A's addresses are the config's Address"
like "$(ip -n "$A" -o link show dev "$WA")" " mtu 1380 " "A's MTU is the config's 1380"
like "$(ip -n "$A" -o link show dev "$WA")" "<[^>]*UP[^>]*>" "A's interface is up"
is "$(ip -n "$A" -4 route show dev "$WA" | sort | tr '\n' ';')" \
	"10.4.0.0/24 proto kernel scope link src 10.4.0.1 ;10.4.1.0/24 scope link ;" \
	"A's IPv4 routes: the address prefix and AllowedIPs 10.4.1.0/24"
like "$(ip -n "$A" -6 route show dev "$WA" | tr '\n' ';')" \
	"fd04:2::/64 metric 1024" "A's IPv6 route for AllowedIPs fd04:2::/64"
like "$(ip -n "$A" -6 route show dev "$WA" | tr '\n' ';')" \
	"fd04:1::/64 proto kernel metric 256" "A's IPv6 route for its Address"

check "A pings B's tunnel address" ip netns exec "$A" ping -q -c 2 -W 2 -i 0.2 10.4.0.2
check "A pings B over the AllowedIPs route 10.4.1.0/24" \
	ip netns exec "$A" ping -q -c 2 -W 2 -i 0.2 10.4.1.1
check "A pings B over IPv6, route fd04:2::/64" \
	ip netns exec "$A" ping -q -c 2 -W 2 -i 0.2 fd04:2::1
check "B pings A over IPv6" ip netns exec "$B" ping -q -c 2 -W 2 -i 0.2 fd04:1::1
check "B has a handshake with A (so the PSKs match)" handshake_done "$B" "$WB" "$pa"
is "$(ip netns exec "$A" wg show "$WA" persistent-keepalive)" "$pb	25" \
	"A's persistent keepalive"

expected="[Interface]
ListenPort = 51041
PrivateKey = $ka

[Peer]
PublicKey = $pb
PresharedKey = $psk
AllowedIPs = 10.4.0.2/32, 10.4.1.0/24, fd04:1::2/128, fd04:2::/64
Endpoint = 192.168.104.2:51042
PersistentKeepalive = 25"
is "$(ip netns exec "$A" wg showconf "$WA")" "$expected" "wg showconf gives the config back"

ip netns exec "$A" wg-quick down "$CONF" >>"$LOGDIR/$WA.log" 2>&1
ok $? "wg-quick down succeeds"
check "A's interface is gone" bash -c "! ip -n $A link show dev $WA 2>/dev/null"
check "the cvpc-wg daemon exits" wait_gone "$pid" 10
check "its UAPI socket disappears" wait_for 10 test ! -e "$(sock_of "$WA")"

done_testing
