#!/usr/bin/env bash
# Kernel offloads: by default the TUN hands cvpc TCP super-packets (TSO),
# cvpc sends runs of datagrams with UDP GSO, receives them with UDP GRO and
# writes coalesced super-packets back (GRO); CVPC_NO_OFFLOAD turns each off
# and the data still arrives intact.
. "$(dirname "$0")/lib.sh"

A=c13a B=c13b
BYTES=$((32 * 1024 * 1024))
netns_add "$A" "$B"
veth "$A" "$B" 192.168.113.1/24 192.168.113.2/24

# run_phase <label> <CVPC_NO_OFFLOAD value>: fresh devices, a transfer A->B.
run_phase() {
	local label=$1 pa_pid pb_pid
	export CVPC_NO_OFFLOAD=$2
	start_cvpc "$A" wgc13a; pa_pid=${_pids[-1]}
	start_cvpc "$B" wgc13b; pb_pid=${_pids[-1]}
	unset CVPC_NO_OFFLOAD
	wg_pair "$A" wgc13a 192.168.113.1:51131 10.13.0.1 \
		"$B" wgc13b 192.168.113.2:51132 10.13.0.2
	transfer "$A" "$B" 10.13.0.2 5013 "$label"
	is "$(cat "$LOGDIR/$label.rx.sha")" "$(cat "$LOGDIR/$label.tx.sha")" \
		"$label: 32 MiB arrive intact"
	for k in tun_vnet tun_tso tun_uso tun_gro udp_gso udp_gro \
		tun_super_packets udp_gso_sends; do
		printf -v "A_$k" '%s' "$(stat_of wgc13a "$k")"
	done
	for k in udp_gro_runs tun_coalesced_writes; do
		printf -v "B_$k" '%s' "$(stat_of wgc13b "$k")"
	done
	kill "$pa_pid" "$pb_pid"
	wait_gone "$pa_pid" 5 && wait_gone "$pb_pid" 5 ||
		bail "$label: devices did not stop"
}

# USO on the TUN needs Linux 6.2.
kernel=$(uname -r)
major=${kernel%%.*} minor=${kernel#*.}; minor=${minor%%.*}
uso_expected=0
[ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 2 ]; } && uso_expected=1

run_phase default ""
is "$A_tun_vnet/$A_tun_tso/$A_tun_gro" "1/1/1" "default: TUN virtio header, TSO and GRO on"
is "$A_tun_uso" "$uso_expected" "default: TUN USO on where the kernel has it"
is "$A_udp_gso/$A_udp_gro" "1/1" "default: UDP GSO and GRO on"
check "default: the sender read TCP super-packets ($A_tun_super_packets)" \
	test "$A_tun_super_packets" -gt 0
check "default: the sender sent runs with UDP GSO ($A_udp_gso_sends)" \
	test "$A_udp_gso_sends" -gt 0
check "default: the receiver got runs with UDP GRO ($B_udp_gro_runs)" \
	test "$B_udp_gro_runs" -gt 0
check "default: the receiver wrote coalesced packets ($B_tun_coalesced_writes)" \
	test "$B_tun_coalesced_writes" -gt 0

run_phase none all
is "$A_tun_vnet/$A_tun_tso/$A_tun_uso/$A_tun_gro" "0/0/0/0" "all off: no TUN offloads"
is "$A_udp_gso/$A_udp_gro" "0/0" "all off: no UDP offloads"
is "$A_tun_super_packets/$A_udp_gso_sends/$B_udp_gro_runs/$B_tun_coalesced_writes" \
	"0/0/0/0" "all off: nothing went the offloaded way"

# The receiver's UDP GRO only ever sees the runs a GSO sender makes.
run_phase nogro udp-gro,tun-gro
check "udp-gro off: the sender still used GSO ($A_udp_gso_sends)" test "$A_udp_gso_sends" -gt 0
is "$B_udp_gro_runs/$B_tun_coalesced_writes" "0/0" "udp-gro, tun-gro off: no GRO runs, no coalesced writes"

run_phase nogso udp-gso
is "$A_udp_gso/$A_udp_gso_sends" "0/0" "udp-gso off: no GSO sends"
check "udp-gso off: TSO still used ($A_tun_super_packets)" test "$A_tun_super_packets" -gt 0
check "udp-gso off: TUN GRO still used ($B_tun_coalesced_writes)" test "$B_tun_coalesced_writes" -gt 0

done_testing
