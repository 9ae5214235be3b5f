#!/usr/bin/env bash
# Two cvpc wg devices in two namespaces over a veth pair: IPv4 and IPv6 as
# inner and outer protocol, each side initiating, exact wg show fields.
. "$(dirname "$0")/lib.sh"

A=c01a B=c01b
netns_add "$A" "$B"
veth "$A" "$B" 192.168.101.1/24 192.168.101.2/24 fd01::1/64 fd01::2/64
start_cvpc "$A" wgc01a
start_cvpc "$B" wgc01b

wg_pair "$A" wgc01a 192.168.101.1:51001 10.1.0.1,fd10::1 \
	"$B" wgc01b 192.168.101.2:51002 10.1.0.2,fd10::2

check "A pings B over IPv4 (A initiates, IPv4 outer)" \
	ip netns exec "$A" ping -c 2 -W 2 -i 0.2 10.1.0.2
check "B pings A over IPv6 inner" ip netns exec "$B" ping -c 2 -W 2 -i 0.2 fd10::1
is "$(ip netns exec "$A" wg show wgc01a endpoints)" "$pb	192.168.101.2:51002" "A's endpoint for B"
is "$(ip netns exec "$A" wg show wgc01a allowed-ips)" "$pb	10.1.0.2/32 fd10::2/128" "A's allowed ips for B"
check "A has a recent handshake with B" handshake_done "$A" wgc01a "$pb"
read -r _ rx tx < <(ip netns exec "$A" wg show wgc01a transfer)
check "A transfer counters are non-zero ($rx received, $tx sent)" test "$rx" -gt 0 -a "$tx" -gt 0

done_testing
