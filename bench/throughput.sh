#!/usr/bin/env bash
# Throughput and latency of cvpc wg against Debian's wireguard-go, measured
# in the same run on this machine: two namespaces joined by a veth pair,
# one WireGuard device in each, iperf3 and ping through the tunnel.
# Prints each figure for both and the ratio, and appends them to a CSV.
# Also the idle resident memory of each with 1 and with 1,000 peers.
#
# The two take turns for ROUNDS rounds (default 5) and each figure is the
# median of its rounds, every round printed too: on a shared VM a single
# run of either can land on a noisy few seconds.
#
#   bench/throughput.sh            (as root; DURATION=10 seconds per test)
#   CVPC=build/cvpc WG_GO=wireguard-go OUT=bench/results/throughput.csv
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CVPC=${CVPC:-$TOP/build/cvpc}
WG_GO=${WG_GO:-wireguard-go}
DURATION=${DURATION:-10}
OUT=${OUT:-$TOP/bench/results/throughput.csv}
NA=cvpcbench-a NB=cvpcbench-b
IFA=wgbencha IFB=wgbenchb
WORK=$(mktemp -d /tmp/cvpc-bench.XXXXXX)
PIDS=()

cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	done
	PIDS=()
	ip netns del "$NA" 2>/dev/null || true
	ip netns del "$NB" 2>/dev/null || true
}
trap 'cleanup; rm -rf "$WORK"' EXIT

wait_for() { # wait_for <seconds> <cmd...>
	local end=$(( $(date +%s) + $1 )); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -le "$end" ] || return 1
		sleep 0.05
	done
}

json() { # json <file> <perl expression over $j>
	perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>); print '"$2"', "\n"' <"$1"
}

start_device() { # start_device <impl> <ns> <ifname>
	local cmd=$CVPC
	[ "$1" = cvpc ] && cmd="$CVPC wg" || cmd=$WG_GO
	ip netns exec "$2" $cmd -f "$3" >"$WORK/$3-$1.log" 2>&1 &
	PIDS+=($!)
	wait_for 10 test -S "/var/run/wireguard/$3.sock"
}

setup() { # setup <impl>
	ip netns add "$NA"; ip netns add "$NB"
	ip -n "$NA" link set lo up; ip -n "$NB" link set lo up
	ip link add veth-bench-a netns "$NA" type veth peer name veth-bench-b netns "$NB"
	ip -n "$NA" addr add 192.168.222.1/24 dev veth-bench-a
	ip -n "$NB" addr add 192.168.222.2/24 dev veth-bench-b
	ip -n "$NA" link set veth-bench-a up; ip -n "$NB" link set veth-bench-b up
	start_device "$1" "$NA" "$IFA"
	start_device "$1" "$NB" "$IFB"
	local ka kb
	ka=$(wg genkey); kb=$(wg genkey)
	ip netns exec "$NA" wg set "$IFA" private-key <(echo "$ka") listen-port 52001 \
		peer "$(echo "$kb" | wg pubkey)" endpoint 192.168.222.2:52002 allowed-ips 10.222.0.2/32
	ip netns exec "$NB" wg set "$IFB" private-key <(echo "$kb") listen-port 52002 \
		peer "$(echo "$ka" | wg pubkey)" endpoint 192.168.222.1:52001 allowed-ips 10.222.0.1/32
	ip -n "$NA" addr add 10.222.0.1/24 dev "$IFA"; ip -n "$NB" addr add 10.222.0.2/24 dev "$IFB"
	ip -n "$NA" link set "$IFA" up; ip -n "$NB" link set "$IFB" up
	wait_for 10 ip netns exec "$NA" ping -c 1 -W 1 10.222.0.2
	ip netns exec "$NB" iperf3 -s -D -I "$WORK/iperf.pid" --logfile "$WORK/iperf-$1.log"
	wait_for 10 test -s "$WORK/iperf.pid"
	PIDS+=("$(cat "$WORK/iperf.pid")")
	wait_for 10 sh -c "ip netns exec $NB ss -tln | grep -q ':5201 '"
}

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

median_rtt() {
	ip netns exec "$NA" ping -c 100 -i 0.01 10.222.0.2 |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

iperf() { # iperf <name> <args...>: receiver goodput in Gbit/s
	local name=$1; shift
	ip netns exec "$NA" iperf3 -c 10.222.0.2 -t "$DURATION" -J "$@" >"$WORK/$name.json"
	json "$WORK/$name.json" 'sprintf("%.3f", $j->{end}{sum_received}{bits_per_second} / 1e9)'
}

# A wg-quick style configuration with n random peers.
peers_conf() { # peers_conf <n>
	echo "[Interface]"
	echo "PrivateKey = $(wg genkey)"
	echo "ListenPort = 52010"
	for i in $(seq "$1"); do
		echo "[Peer]"
		echo "PublicKey = $(wg genkey | wg pubkey)"
		echo "AllowedIPs = 10.$((i / 250)).$((i % 250)).1/32"
		echo "Endpoint = 192.168.$((i % 250)).1:51820"
	done
}

# Idle resident memory with 1 and with 1,000 peers: configured, link up,
# no traffic, measured once the device has been quiet for IDLE seconds.
IDLE=${IDLE:-12}
measure_memory() { # measure_memory <impl>
	local impl=$1 pid
	ip netns add "$NA"
	start_device "$impl" "$NA" "$IFA"
	pid=${PIDS[-1]}
	ip -n "$NA" link set "$IFA" up
	ip netns exec "$NA" wg setconf "$IFA" "$WORK/peers1.conf"
	sleep "$IDLE"
	R[$impl,rss1]=$(rss_kib "$pid")
	ip netns exec "$NA" wg setconf "$IFA" "$WORK/peers1000.conf"
	sleep "$IDLE"
	R[$impl,rss1000]=$(rss_kib "$pid")
	cleanup
}

declare -A R
METRICS="tcp1 tcp4 udp rtt"
measure() { # measure <impl> <round>
	local impl=$1 r=$2
	setup "$impl"
	R[$impl,rtt,$r]=$(median_rtt)
	R[$impl,tcp1,$r]=$(iperf "$impl-tcp1")
	R[$impl,tcp4,$r]=$(iperf "$impl-tcp4" -P 4)
	R[$impl,udp,$r]=$(iperf "$impl-udp" -u -b 0 -l 1380)
	cleanup
	echo "  round $r $impl: tcp1 ${R[$impl,tcp1,$r]} tcp4 ${R[$impl,tcp4,$r]} udp ${R[$impl,udp,$r]} Gbit/s, rtt ${R[$impl,rtt,$r]} ms"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
take_medians() { # take_medians <impl>
	local m r vals
	for m in $METRICS; do
		vals=()
		for r in $(seq "$ROUNDS"); do vals+=("${R[$1,$m,$r]}"); done
		R[$1,$m]=$(median "${vals[@]}")
	done
}

[ "$(id -u)" -eq 0 ] || { echo "bench/throughput.sh: run as root" >&2; exit 1; }
[ -x "$CVPC" ] || { echo "bench/throughput.sh: $CVPC missing; run make" >&2; exit 1; }
peers_conf 1 >"$WORK/peers1.conf"
peers_conf 1000 >"$WORK/peers1000.conf"
ROUNDS=${ROUNDS:-5}
echo "measuring wireguard-go and cvpc in turn, $ROUNDS rounds of $DURATION s per test..."
for r in $(seq "$ROUNDS"); do
	measure wggo "$r"
	measure cvpc "$r"
done
take_medians wggo
take_medians cvpc
echo "idle memory ($IDLE s quiet)..."
measure_memory wggo
measure_memory cvpc

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2fx" : "n/a"), a / b }'; }
printf '\n%-34s %14s %14s %10s\n' "metric (median of $ROUNDS)" "cvpc" "wireguard-go" "ratio"
row() { printf '%-34s %14s %14s %10s\n' "$1" "${R[cvpc,$2]}" "${R[wggo,$2]}" "$3"; }
row "TCP 1 stream (Gbit/s)" tcp1 "$(ratio "${R[cvpc,tcp1]}" "${R[wggo,tcp1]}")"
row "TCP 4 streams (Gbit/s)" tcp4 "$(ratio "${R[cvpc,tcp4]}" "${R[wggo,tcp4]}")"
row "UDP 1380 B, receiver (Gbit/s)" udp "$(ratio "${R[cvpc,udp]}" "${R[wggo,udp]}")"
row "ping RTT median (ms, lower=better)" rtt "$(ratio "${R[wggo,rtt]}" "${R[cvpc,rtt]}")"
row "idle RSS, 1 peer (KiB, lower=better)" rss1 "$(ratio "${R[wggo,rss1]}" "${R[cvpc,rss1]}")"
row "idle RSS, 1000 peers (KiB, lower=better)" rss1000 "$(ratio "${R[wggo,rss1000]}" "${R[cvpc,rss1000]}")"

mkdir -p "$(dirname "$OUT")"
[ -s "$OUT" ] || echo "time,commit,impl,tcp1_gbps,tcp4_gbps,udp_gbps,rtt_ms,rss1_kib,rss1000_kib" >"$OUT"
commit=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
for impl in cvpc wggo; do
	echo "$(date -u +%FT%TZ),$commit,$impl,${R[$impl,tcp1]},${R[$impl,tcp4]},${R[$impl,udp]},${R[$impl,rtt]},${R[$impl,rss1]},${R[$impl,rss1000]}" >>"$OUT"
done
echo "results appended to $OUT"
