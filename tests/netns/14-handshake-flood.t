#!/usr/bin/env bash
# A under a handshake flood: wgforge, in a namespace of its own, sends A
# initiations with a valid mac1 from every address of a /16, as fast as
# it can. A must switch to cookie mode, keep its established session with
# C running and keep answering wg(8); and through the same flood B, a
# legitimate peer, must complete a fresh handshake within 1 s, three times
# over, by answering A's cookie. (FORGE_RATE caps the second flood where
# A runs slowed down, as under the sanitizers.)
#
#   c14f (forger) ---- c14a (A) ---- c14b (B)
#                        |
#                      c14c (C, a session from before the flood)
. "$(dirname "$0")/lib.sh"

A=c14a B=c14b C=c14c F=c14f
WGFORGE=$TOOLS/wgforge
[ -x "$WGFORGE" ] || bail "$WGFORGE not built (make BUILD=... \$BUILD/tools/wgforge)"
netns_add "$A" "$B" "$C" "$F"
veth "$A" "$B" 192.168.114.1/26 192.168.114.2/26
# A's other links, with ends of their own (veth names them v-<ns>).
veth_link "$A" "$C" v14ac v14ca 192.168.114.65/26 192.168.114.66/26
veth_link "$A" "$F" v14af v14fa 192.168.114.129/26 192.168.114.130/26
# A accepts the forged sources (no reverse-path filter) and answers them
# through a link of its own that leads nowhere, as to hosts out on the
# internet: a veth whose other end stays down, to a gateway whose address
# is fixed, so each reply costs A a whole send and nothing more.
ip netns exec "$A" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.v14af.rp_filter=0
ip link add v14s netns "$A" type veth peer name v14t netns "$A" || bail "veth A-nowhere"
ip -n "$A" link set v14s up
ip -n "$A" addr add 192.168.115.1/30 dev v14s
ip -n "$A" neigh add 192.168.115.2 lladdr 02:00:00:00:01:14 dev v14s nud permanent
ip -n "$A" route add 10.214.0.0/16 via 192.168.115.2 dev v14s onlink

start_cvpc "$A" wgc14a
apid=${_pids[-1]}
start_cvpc "$B" wgc14b
start_cvpc "$C" wgc14c

ka=$(genkey) kb=$(genkey) kc=$(genkey)
pa=$(pubkey "$ka") pb=$(pubkey "$kb") pc=$(pubkey "$kc")
ip netns exec "$A" wg set wgc14a private-key <(echo "$ka") listen-port 51401 \
	peer "$pb" allowed-ips 10.14.0.2/32 \
	peer "$pc" allowed-ips 10.14.0.3/32
ip netns exec "$C" wg set wgc14c private-key <(echo "$kc") listen-port 51403 \
	peer "$pa" endpoint 192.168.114.65:51401 allowed-ips 10.14.0.1/32
ip -n "$A" addr add 10.14.0.1/24 dev wgc14a
ip -n "$B" addr add 10.14.0.2/24 dev wgc14b
ip -n "$C" addr add 10.14.0.3/24 dev wgc14c
for ns in "$A" "$B" "$C"; do ip -n "$ns" link set "wg$ns" up; done

check "C has a session with A before the flood" \
	ip netns exec "$C" ping -q -c 3 -i 0.1 -W 2 10.14.0.1
is "$(stat_of wgc14a handshakes_under_load)" 0 "A was not under load before the flood"

# Phase one: the flood at the highest rate this machine can send (the
# forger and A share its two cores), while A must switch to cookie mode,
# keep C's session and keep answering wg(8).
forge() { # forge <tag> <args...>: starts wgforge in F, pid in fpid
	local tag=$1
	shift
	ip netns exec "$F" "$WGFORGE" -s 10.214.0.0/16 "$@" \
		192.168.114.129:51401 "$pa" >"$LOGDIR/forge-$tag.out" 2>&1 &
	fpid=$!
	track_pid "$fpid"
}
stop_forge() { # stop_forge <tag>: stops it, prints its report
	kill -TERM "$fpid"
	wait "$fpid"
	is "$?" 0 "wgforge sent its $1 flood"
	diag "$1 flood: $(tr '\n' ' ' <"$LOGDIR/forge-$1.out")"
}
forge full -t 30

under_load() { [ "$(stat_of wgc14a handshakes_under_load)" -gt 0 ]; }
check "A switched to cookie mode under the flood" wait_for 10 under_load
cookies0=$(stat_of wgc14a cookie_replies_sent)
check "and answers forged initiations with cookies ($cookies0)" test "${cookies0:-0}" -gt 0
during=$(ip netns exec "$C" ping -q -c 20 -i 0.05 -W 1 10.14.0.1 2>&1)
diag "C's ping during the flood: $(grep -o '[0-9.]*% packet loss' <<<"$during")"
check "C's session kept working during the flood" grep -q ' [1-9][0-9]* received' <<<"$during"
check "A answers wg(8) during the flood" timeout 2 ip netns exec "$A" wg show wgc14a
check "the flood was still running" alive "$fpid"
stop_forge full
sent=$(sed -n 's/^sent=//p' "$LOGDIR/forge-full.out")
cookies=$(stat_of wgc14a cookie_replies_sent)
check "A sent a cookie for most forged initiations ($cookies of $sent)" \
	test "$cookies" -gt $(( sent / 2 ))

# Phase two: B, a legitimate peer, handshakes through a second flood at
# full rate (or FORGE_RATE datagrams a second), three times, each fresh:
# B's initiation, A's cookie, B's retry with it, A's response and the
# echo must all fit in one second.
b_peer_add() {
	ip netns exec "$B" wg set wgc14b private-key <(echo "$kb") listen-port 51402 \
		peer "$pa" endpoint 192.168.114.1:51401 allowed-ips 10.14.0.1/32
}
b_peer_remove() { ip netns exec "$B" wg set wgc14b peer "$pa" remove; }
rate=${FORGE_RATE:-0}
forge second -t 30 -r "$rate"
# Some thousands of cookies first, so that what keeps A in cookie mode
# is this flood.
second_flood() { [ "$(stat_of wgc14a cookie_replies_sent)" -gt $(( cookies + 5000 )) ]; }
check "A answers the second flood with cookies" wait_for 10 second_flood
for trial in 1 2 3; do
	b_peer_add
	t0=$(date +%s%N)
	if ip netns exec "$B" ping -q -c 1 -W 1 10.14.0.1 >"$LOGDIR/ping-$trial.out" 2>&1; then
		ok 0 "trial $trial: B completed a handshake through the flood and got its echo in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	else
		ok 1 "trial $trial: B completed a handshake through the flood and got its echo within 1 s"
	fi
	b_peer_remove
	# A takes at most 50 initiations a second from one peer (the
	# whitepaper's flood limit): B, a new device each trial to A's eyes
	# only, must leave 20 ms between them, as any real peer does.
	sleep 0.1
done
check "B answered A's cookies ($(stat_of wgc14b cookies_received) received)" \
	test "$(stat_of wgc14b cookies_received)" -ge 3
check "the flood was still running" alive "$fpid"
stop_forge second
diag "A's socket: $(ip netns exec "$A" nstat -az UdpInDatagrams UdpRcvbufErrors | tail -n +2 | awk '{ printf "%s=%s ", $1, $2 }')"

diag "A: $(uapi wgc14a 'stats=1\n\n' | grep -E '^(drop_rx_(handshake_invalid|handshake_queue_full|ratelimited|bad_mac)|handshakes_under_load|cookie_replies_sent)=' | tr '\n' ' ')"
dh=$(stat_of wgc14a drop_rx_handshake_invalid)
check "few forged initiations got as far as the Diffie-Hellman check ($dh)" \
	test "$dh" -lt 1024

check "A's process is alive" kill -0 "$apid"
loss() { ip netns exec "$1" ping -q -c 10 -i 0.05 -W 1 10.14.0.1 | grep -o '[0-9.]*% packet loss'; }
b_peer_add
is "$(loss "$C")" "0% packet loss" "after the flood: C pings A with 0% loss"
is "$(loss "$B")" "0% packet loss" "after the flood: B pings A with 0% loss"

done_testing
