#!/usr/bin/env bash
# A first look at cvpc wg: two network namespaces ("alice" and "bob")
# joined by a veth pair, a cvpc WireGuard interface in each, configured
# with the stock wg tool; shows `wg show` and pings across the tunnel.
# Everything it creates is removed on exit or Ctrl-C.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CVPC=${CVPC:-$TOP/build/cvpc}
A=cvpc-demo-alice B=cvpc-demo-bob
PIDS=()

cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for() {
	local end=$(( $(date +%s) + $1 )); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -le "$end" ] || return 1
		sleep 0.05
	done
}

step() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces and TUN devices)" >&2; exit 1; }

step "two hosts: namespaces $A and $B, joined by a veth pair (192.168.77.0/24)"
cleanup
ip netns add "$A"; ip netns add "$B"
ip link add veth-alice netns "$A" type veth peer name veth-bob netns "$B"
ip -n "$A" addr add 192.168.77.1/24 dev veth-alice
ip -n "$B" addr add 192.168.77.2/24 dev veth-bob
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set veth-alice up; ip -n "$B" link set veth-bob up

step "start cvpc wg in each (the same command line as wireguard-go)"
for side in alice bob; do
	ns=$A; [ $side = bob ] && ns=$B
	ip netns exec "$ns" "$CVPC" wg -f "wg-$side" >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for 10 test -S "/var/run/wireguard/wg-$side.sock"
	echo "cvpc wg wg-$side running (pid ${PIDS[-1]})"
done

step "configure them with the stock wg tool"
ka=$(wg genkey); kb=$(wg genkey)
set -x
ip netns exec "$A" wg set wg-alice private-key <(echo "$ka") listen-port 51820 \
	peer "$(echo "$kb" | wg pubkey)" endpoint 192.168.77.2:51820 allowed-ips 10.77.0.2/32
ip netns exec "$B" wg set wg-bob private-key <(echo "$kb") listen-port 51820 \
	peer "$(echo "$ka" | wg pubkey)" endpoint 192.168.77.1:51820 allowed-ips 10.77.0.1/32
ip -n "$A" addr add 10.77.0.1/24 dev wg-alice; ip -n "$A" link set wg-alice up
ip -n "$B" addr add 10.77.0.2/24 dev wg-bob; ip -n "$B" link set wg-bob up
{ set +x; } 2>/dev/null

step "alice pings bob through the tunnel"
ip netns exec "$A" ping -c 3 -i 0.3 10.77.0.2

step "wg show in alice's namespace"
ip netns exec "$A" wg show wg-alice
step "wg show in bob's namespace"
ip netns exec "$B" wg show wg-bob

step "done: cleaning up"
