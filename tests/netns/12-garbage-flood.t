#!/usr/bin/env bash
# A under fire: while a TCP transfer runs through a relay that replays
# every data message (and an old one now and then) and a second peer talks
# to A directly, wgflood sends A every kind of bad datagram. The sessions
# must survive, and each bad datagram must land in exactly the drop
# counter it belongs to.
#
#   c12c (C, direct) ---- c12a (A) ---- c12b (B, relay, flooder)
#   B -> 127.0.0.1:51290 (relay) -> 192.168.112.1:51201 (A), and back.
. "$(dirname "$0")/lib.sh"

A=c12a B=c12b C=c12c
WGFLOOD=$TOOLS/wgflood
[ -x "$WGFLOOD" ] || bail "$WGFLOOD not built (make BUILD=... \$BUILD/tools/wgflood)"
netns_add "$A" "$B" "$C"
veth "$A" "$B" 192.168.112.1/25 192.168.112.2/25
# A's second link, with ends of its own (veth names them v-<ns>).
veth_link "$A" "$C" v12ac v12ca 192.168.112.129/25 192.168.112.130/25

start_cvpc "$A" wgc12a
apid=${_pids[-1]}
start_cvpc "$B" wgc12b
start_cvpc "$C" wgc12c

ka=$(genkey) kb=$(genkey) kc=$(genkey)
pa=$(pubkey "$ka") pb=$(pubkey "$kb") pc=$(pubkey "$kc")
ip netns exec "$A" wg set wgc12a private-key <(echo "$ka") listen-port 51201 \
	peer "$pb" endpoint 192.168.112.2:51290 allowed-ips 10.12.0.2/32 \
	peer "$pc" endpoint 192.168.112.130:51203 allowed-ips 10.12.0.3/32
ip netns exec "$B" wg set wgc12b private-key <(echo "$kb") listen-port 51202 \
	peer "$pa" endpoint 127.0.0.1:51290 allowed-ips 10.12.0.1/32
ip netns exec "$C" wg set wgc12c private-key <(echo "$kc") listen-port 51203 \
	peer "$pa" endpoint 192.168.112.129:51201 allowed-ips 10.12.0.1/32
ip -n "$A" addr add 10.12.0.1/24 dev wgc12a
ip -n "$B" addr add 10.12.0.2/24 dev wgc12b
ip -n "$C" addr add 10.12.0.3/24 dev wgc12c
for ns in "$A" "$B" "$C"; do ip -n "$ns" link set "wg$ns" up; done

ip netns exec "$B" "$WGFLOOD" relay -o 500 51290 192.168.112.1:51201 \
	>"$LOGDIR/relay.out" 2>"$LOGDIR/relay.err" &
rpid=$!
track_pid "$rpid"
wait_for 5 bash -c "ip netns exec $B ss -Hulnp | grep -q ':51290 .*wgflood'" ||
	bail "the relay did not bind"

check "B reaches A through the relay" ip netns exec "$B" ping -q -c 3 -i 0.1 -W 2 10.12.0.1
check "C reaches A directly" ip netns exec "$C" ping -q -c 3 -i 0.1 -W 2 10.12.0.1
is "$(ip netns exec "$A" wg show wgc12a endpoints | awk -v k="$pb" '$1 == k { print $2 }')" \
	192.168.112.2:51290 "A talks to B through the relay"

stats() { uapi "$1" 'stats=1\n\n'; }
val() { sed -n "s/^$2=//p" <<<"$1"; }
before=$(stats wgc12a)

# The transfer: 30 chunks of 100 kB, spread over about 3 s so the flood
# (about 2 s) falls in the middle of it.
ip netns exec "$A" ncat --recv-only -l 10.12.0.1 5112 >"$LOGDIR/received" 2>/dev/null &
lpid=$!
track_pid "$lpid"
wait_for 5 bash -c "ip netns exec $A ss -Htln | grep -q '10.12.0.1:5112 '" || diag "listener not ready"
( for _ in $(seq 30); do head -c 100000 /dev/urandom; sleep 0.1; done ) |
	tee "$LOGDIR/sent" |
	timeout 40 ip netns exec "$B" ncat --send-only 10.12.0.1 5112 2>"$LOGDIR/ncat.err" &
tpid=$!
track_pid "$tpid"

# Paced so the kernel's receive buffer never overflows: every datagram
# must reach cvpc for the counts below to be exact. FLOOD_ROUNDS and
# FLOOD_PAUSE_US override it for soak runs.
ip netns exec "$B" "$WGFLOOD" flood -n "${FLOOD_ROUNDS:-1500}" -i "${FLOOD_PAUSE_US:-1000}" \
	192.168.112.1:51201 \
	>"$LOGDIR/flood.out" 2>&1 &
fpid=$!
track_pid "$fpid"
ping_during=$(ip netns exec "$C" ping -q -c 20 -i 0.1 -W 1 10.12.0.1 2>&1)
wait "$fpid"
is "$?" 0 "the flood was sent without send errors"
flood=$(cat "$LOGDIR/flood.out")
diag "flood: $(tr '\n' ' ' <<<"$flood")"
diag "C's ping during the flood: $(grep -o '[0-9.]*% packet loss' <<<"$ping_during")"
check "C's ping got through during the flood" grep -q ' [1-9][0-9]* received' <<<"$ping_during"

wait "$tpid"
is "$?" 0 "the TCP transfer from B (through the relay) completed"
wait_gone "$lpid" 10
is "$(sha256sum <"$LOGDIR/received")" "$(sha256sum <"$LOGDIR/sent")" \
	"and the 3 MB arrived intact (sha256)"
is "$(stat -c %s "$LOGDIR/received")" 3000000 "all 3000000 bytes"

check "A's process is alive" kill -0 "$apid"
loss() { ip netns exec "$1" ping -q -c 20 -i 0.05 -W 1 10.12.0.1 | grep -o '[0-9.]*% packet loss'; }
is "$(loss "$B")" "0% packet loss" "after the flood: B (relayed) pings A with 0% loss"
is "$(loss "$C")" "0% packet loss" "after the flood: C (direct) pings A with 0% loss"

kill -TERM "$rpid"
wait "$rpid"
relay=$(cat "$LOGDIR/relay.out")
diag "relay: $(tr '\n' ' ' <<<"$relay")"
after=$(stats wgc12a)
bstats=$(stats wgc12b)

delta() { echo $(( $(val "$after" "$1") - $(val "$before" "$1") )); }
for c in drop_rx_malformed drop_rx_bad_mac drop_rx_cookie_invalid drop_rx_unknown_index; do
	want=$(val "$flood" "$c")
	check "the flood sent some for $c ($want)" test "${want:-0}" -gt 0
	is "$(delta "$c")" "$want" "A's $c grew by exactly what was sent"
done
is "$(delta drop_rx_handshake_queue_full)" 0 "no handshake was dropped for a full queue"
is "$(delta drop_rx_decrypt_failed)" 0 "nothing was mistaken for a data message of a live session"

rt=$(val "$relay" replays_to_target) rc=$(val "$relay" replays_to_client)
check "the relay replayed data to A ($rt) and to B ($rc)" test "${rt:-0}" -gt 100 -a "${rc:-0}" -gt 100
check "A counted every replay: drop_rx_replay $(val "$after" drop_rx_replay) >= $rt" \
	test "$(val "$after" drop_rx_replay)" -ge "$rt"
check "B counted every replay: drop_rx_replay $(val "$bstats" drop_rx_replay) >= $rc" \
	test "$(val "$bstats" drop_rx_replay)" -ge "$rc"
is "$(val "$after" drop_rx_replay)" "$rt" "A's replay count is exactly the relay's"
is "$(val "$bstats" drop_rx_replay)" "$rc" "B's replay count is exactly the relay's"

done_testing
