#!/usr/bin/env bash
# The wireguard-go container pattern: cvpc starts in the underlay
# namespace U, where its UDP socket stays, and the TUN interface is moved
# into namespace C, where the traffic it carries lives. cvpc follows the
# link there (up/down, MTU, deletion). The peer is wireguard-go in P.
. "$(dirname "$0")/lib.sh"

U=c11u C=c11c P=c11p
netns_add "$U" "$C" "$P"
veth "$U" "$P" 192.168.111.1/24 192.168.111.2/24
start_cvpc "$U" wgc11m
cpid=${_pids[-1]}
start_wggo "$P" wgc11p

km=$(genkey) kp=$(genkey)
pm=$(pubkey "$km") pp=$(pubkey "$kp")
ip netns exec "$U" wg set wgc11m private-key <(echo "$km") listen-port 51111 \
	peer "$pp" endpoint 192.168.111.2:51112 allowed-ips 10.11.0.2/32
ip netns exec "$P" wg set wgc11p private-key <(echo "$kp") listen-port 51112 \
	peer "$pm" endpoint 192.168.111.1:51111 allowed-ips 10.11.0.1/32
ip -n "$P" addr add 10.11.0.2/24 dev wgc11p
ip -n "$P" link set wgc11p up

# Up in U first: the move must be seen as "down", then "up" again in C.
ip -n "$U" link set wgc11m up
check "up in U: cvpc sees it up" wait_for 3 test "$(stat_of wgc11m up)" = 1
ip -n "$U" link set wgc11m netns "$C"
check "the interface is now in C" bash -c "ip -n $C link show wgc11m >/dev/null"
check "and no longer in U" bash -c "! ip -n $U link show wgc11m 2>/dev/null"
check "cvpc sees the moved link down" wait_for 3 test "$(stat_of wgc11m up)" = 0
check "cvpc survived the move" kill -0 "$cpid"
is "$(ip netns exec "$U" wg show wgc11m peers)" "$pp" "the UAPI socket still answers with the same config"

ip -n "$C" addr add 10.11.0.1/24 dev wgc11m
ip -n "$C" link set wgc11m up
check "up in C: cvpc sees it up" wait_for 3 test "$(stat_of wgc11m up)" = 1

check "C pings P through the tunnel" ip netns exec "$C" ping -q -c 3 -i 0.2 -W 2 10.11.0.2
check "P pings C through the tunnel" ip netns exec "$P" ping -q -c 3 -i 0.2 -W 2 10.11.0.1
check "cvpc completed a handshake with wireguard-go" handshake_done "$U" wgc11m "$pp"
check "U cannot reach the tunnel address: the route is only in C" \
	bash -c "! ip netns exec $U ping -q -c 1 -W 1 10.11.0.2 >/dev/null 2>&1"

# A small TCP transfer from C to P.
head -c 1000000 /dev/urandom >"$LOGDIR/payload"
ip netns exec "$P" ncat --recv-only -l 10.11.0.2 5111 >"$LOGDIR/received" 2>/dev/null &
npid=$!
track_pid "$npid"
wait_for 5 bash -c "ip netns exec $P ss -Htln | grep -q '10.11.0.2:5111 '" || diag "listener not ready"
timeout 20 ip netns exec "$C" ncat --send-only 10.11.0.2 5111 <"$LOGDIR/payload"
rc=$?
wait_gone "$npid" 10
is "$rc" 0 "1 MB sent over TCP from C to P"
is "$(sha256sum <"$LOGDIR/received")" "$(sha256sum <"$LOGDIR/payload")" "and it arrived intact (sha256)"

udp_in() { ip netns exec "$1" ss -Hulnp 2>/dev/null | grep -c ':51111 '; }
is "$(udp_in "$U")" 2 "the UDP sockets (v4, v6) on port 51111 stay in U"
is "$(ip netns exec "$U" ss -Hulnp | grep ':51111 ' | grep -c '"cvpc"')" 2 "and they are cvpc's"
is "$(udp_in "$C")" 0 "C has no socket on port 51111"

ip -n "$C" link set wgc11m mtu 1300
check "an MTU set in C is picked up (1300)" wait_for 3 test "$(stat_of wgc11m mtu)" = 1300
check "1300-byte DF packets still cross" ip netns exec "$C" ping -q -M do -s 1272 -c 2 -i 0.2 -W 2 10.11.0.2
ip -n "$C" link set wgc11m down
check "down in C is seen" wait_for 3 test "$(stat_of wgc11m up)" = 0
ip -n "$C" link set wgc11m up
check "and up again" wait_for 3 test "$(stat_of wgc11m up)" = 1
check "traffic flows after down/up in C" ip netns exec "$C" ping -q -c 2 -i 0.2 -W 2 10.11.0.2

ip -n "$C" link del wgc11m
check "deleting the interface in C ends the process" wait_gone "$cpid" 5
check "and removes the UAPI socket" test ! -e "$(sock_of wgc11m)"
check "the log says why" grep -q "Shutting down: TUN device was deleted" "$LOGDIR/wgc11m.log"

# A container exiting deletes its namespace with the interface inside.
# wireguard-go exits then; cvpc's link monitor keeps a netlink socket open
# in that namespace, which keeps the namespace, and so the interface and
# the process, alive.
start_cvpc "$U" wgc11n
npid=${_pids[-1]}
netns_add c11d
ip -n "$U" link set wgc11n netns c11d
wait_for 3 grep -q "wgc11n moved to another network namespace" "$LOGDIR/wgc11n.log" ||
	diag "cvpc did not log the move"
ip netns del c11d
# The monitor follows the interface without holding a reference to its
# namespace, so the namespace (and the TUN in it) can really go away.
check "deleting the namespace the interface lives in ends the process" \
	wait_gone "$npid" 5
check "and removes the UAPI socket" wait_for 5 test ! -e "$(sock_of wgc11n)"

done_testing
