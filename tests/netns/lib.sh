# shellcheck shell=bash
# Helpers for the network tests: TAP output, bounded waits, namespaces and
# processes that are cleaned up on exit. Source it first thing in a .t file:
#   . "$(dirname "$0")/lib.sh"
# Every namespace, process and interface a test creates is registered here
# and torn down by the EXIT trap; processes are stopped by the PID we started.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CVPC=${CVPC:-$TOP/build/cvpc}
TOOLS=${TOOLS:-$TOP/build/tools}
WG_GO=${WG_GO:-wireguard-go}
TEST_NAME=$(basename "$0" .t)
LOGDIR=${LOGDIR:-$(mktemp -d "/tmp/cvpc-$TEST_NAME.XXXXXX")}

_tap_n=0
_tap_failed=0
_pids=()
_netns=()
_files=()

ok() { # ok <status> <description>: status 0 is a pass
	local status=$1; shift
	_tap_n=$((_tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $_tap_n - $*"
	else
		echo "not ok $_tap_n - $*"
		_tap_failed=$((_tap_failed + 1))
	fi
	return 0
}

check() { # check <description> <command...>: passes when the command does
	local desc=$1; shift
	if "$@"; then ok 0 "$desc"; else ok 1 "$desc"; fi
}

is() { # is <got> <expected> <description>
	if [ "$1" == "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:      '$1'"
		echo "#   expected: '$2'"
	fi
}

like() { # like <got> <extended-regex> <description>
	if [[ $1 =~ $2 ]]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:      '$1'"
		echo "#   expected to match: '$2'"
	fi
}

diag() { echo "# $*"; }

bail() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# wait_for <seconds> <command...>: polls until the command succeeds.
wait_for() {
	local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

cleanup() {
	local pid ns f
	for pid in "${_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${_pids[@]}"; do
		wait_gone "$pid" 5 || kill -9 "$pid" 2>/dev/null || true
	done
	for ns in "${_netns[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	for f in "${_files[@]}"; do
		rm -f "$f"
	done
	if [ "$_tap_failed" -ne 0 ]; then
		for f in "$LOGDIR"/*.log; do
			[ -f "$f" ] || continue
			echo "# --- $f (last 30 lines)"
			tail -n 30 "$f" | sed 's/^/#   /'
		done
	fi
}
trap cleanup EXIT

# alive <pid>: the process exists and is not a zombie waiting to be reaped.
alive() {
	local state
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# wait_gone <pid> <seconds>: true once the process has exited.
wait_gone() {
	local deadline=$(( $(date +%s%N) + $2 * 1000000000 ))
	while alive "$1"; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

track_pid() { _pids+=("$1"); }
track_file() { _files+=("$1"); }

netns_add() { # netns_add <name>...
	local ns
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
		ip netns add "$ns" || bail "cannot create namespace $ns"
		_netns+=("$ns")
		ip -n "$ns" link set lo up
	done
}

# veth_link <ns1> <ns2> <link1> <link2> <addr1/len> <addr2/len>
#	[<v6addr1/len> <v6addr2/len>]: a veth pair with the ends named, up
veth_link() {
	local a=$1 b=$2 la=$3 lb=$4
	ip link add "$la" netns "$a" type veth peer name "$lb" netns "$b" ||
		bail "cannot create veth $a-$b"
	ip -n "$a" addr add "$5" dev "$la"
	ip -n "$b" addr add "$6" dev "$lb"
	if [ -n "${7:-}" ]; then
		ip -n "$a" addr add "$7" dev "$la" nodad
		ip -n "$b" addr add "$8" dev "$lb" nodad
	fi
	ip -n "$a" link set "$la" up
	ip -n "$b" link set "$lb" up
}

# veth <ns1> <ns2> <addr1/len> <addr2/len> [<v6addr1/len> <v6addr2/len>]:
# the same with the ends named v-<ns>, for a namespace's only link
veth() {
	veth_link "$1" "$2" "v-$1" "v-$2" "${@:3}"
}

sock_of() { echo "/var/run/wireguard/$1.sock"; }

# start_cvpc <ns> <ifname>: cvpc wg in the foreground, logging at debug.
start_cvpc() {
	local ns=$1 ifname=$2
	ip netns exec "$ns" env LOG_LEVEL=debug "$CVPC" wg -f "$ifname" \
		>"$LOGDIR/$ifname.log" 2>&1 &
	track_pid $!
	track_file "$(sock_of "$ifname")"
	wait_for 10 test -S "$(sock_of "$ifname")" ||
		bail "cvpc wg $ifname did not create its socket"
}

# start_wggo <ns> <ifname>: Debian's wireguard-go, the interop peer.
start_wggo() {
	local ns=$1 ifname=$2
	ip netns exec "$ns" env LOG_LEVEL=debug "$WG_GO" -f "$ifname" \
		>"$LOGDIR/$ifname.log" 2>&1 &
	track_pid $!
	track_file "$(sock_of "$ifname")"
	wait_for 10 test -S "$(sock_of "$ifname")" ||
		bail "wireguard-go $ifname did not create its socket"
}

# uapi <ifname> <request>: raw request over the UAPI socket, prints the reply.
uapi() {
	printf '%b' "$2" | ncat -U "$(sock_of "$1")" 2>/dev/null
}

# stat_of <ifname> <counter>: one value from the cvpc "stats=1" extension.
stat_of() {
	uapi "$1" 'stats=1\n\n' | sed -n "s/^$2=//p"
}

# latest_handshake <ns> <ifname> <pubkey>: unix time, 0 if none.
latest_handshake() {
	ip netns exec "$1" wg show "$2" latest-handshakes | awk -v k="$3" '$1 == k { print $2 }'
}

handshake_done() { [ "$(latest_handshake "$@")" != "" ] && [ "$(latest_handshake "$@")" != 0 ]; }

genkey() { wg genkey; }
pubkey() { echo "$1" | wg pubkey; }

# wg_pair <ns-a> <if-a> <endpoint-a> <inner-a> <ns-b> <if-b> <endpoint-b> <inner-b>
# Makes two running devices each other's only peer, through wg(8), and
# sets both interfaces up. The keys are fresh: the private ones are left
# in the globals ka and kb, the public ones in pa and pb. <endpoint-a> is
# where B sends to A (host:port or [v6]:port), and A listens on its port;
# the same for B. <inner-a> lists A's tunnel addresses, comma-separated:
# each IPv4 one goes on A's interface as a /24 and into B's allowed IPs
# as a /32, each IPv6 one as a /64 (without DAD) and a /128. It checks
# nothing itself: the test's first pings do.
wg_pair() {
	[ $# -eq 8 ] || bail "wg_pair wants 8 arguments, got $#"
	local ns_a=$1 if_a=$2 ep_a=$3 in_a=$4 ns_b=$5 if_b=$6 ep_b=$7 in_b=$8
	ka=$(genkey) kb=$(genkey)
	pa=$(pubkey "$ka") pb=$(pubkey "$kb")
	ip netns exec "$ns_a" wg set "$if_a" private-key <(echo "$ka") \
		listen-port "${ep_a##*:}" peer "$pb" endpoint "$ep_b" \
		allowed-ips "$(_host_prefixes "$in_b")"
	ip netns exec "$ns_b" wg set "$if_b" private-key <(echo "$kb") \
		listen-port "${ep_b##*:}" peer "$pa" endpoint "$ep_a" \
		allowed-ips "$(_host_prefixes "$in_a")"
	_add_inner "$ns_a" "$if_a" "$in_a"
	_add_inner "$ns_b" "$if_b" "$in_b"
	ip -n "$ns_a" link set "$if_a" up
	ip -n "$ns_b" link set "$if_b" up
}

# _host_prefixes <addr,...>: the same addresses as /32 and /128 prefixes.
_host_prefixes() {
	local addr inner_addrs host_prefixes=()
	IFS=, read -ra inner_addrs <<<"$1"
	for addr in "${inner_addrs[@]}"; do
		case $addr in
		*:*) host_prefixes+=("$addr/128") ;;
		*) host_prefixes+=("$addr/32") ;;
		esac
	done
	(IFS=,; echo "${host_prefixes[*]}")
}

# _add_inner <ns> <ifname> <addr,...>: IPv4 as /24, IPv6 as /64 without DAD.
_add_inner() {
	local addr inner_addrs
	IFS=, read -ra inner_addrs <<<"$3"
	for addr in "${inner_addrs[@]}"; do
		case $addr in
		*:*) ip -n "$1" addr add "$addr/64" dev "$2" nodad ;;
		*) ip -n "$1" addr add "$addr/24" dev "$2" ;;
		esac
	done
}

# listening <ns> <port>: something there listens on TCP port <port>.
listening() { [ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ]; }

# transfer <from-ns> <to-ns> <to-addr> <port> <tag>: pipes $BYTES random
# bytes (the test sets BYTES) through ncat; sums and byte counts land in
# $LOGDIR/<tag>.*.
transfer() {
	local from=$1 to=$2 addr=$3 port=$4 tag=$LOGDIR/$5 rpid start
	rm -f "$tag".*
	ip netns exec "$to" timeout 50 ncat -l --recv-only "$addr" "$port" |
		tee >(sha256sum >"$tag.rx.sha") | wc -c >"$tag.rx.len" &
	rpid=$!
	wait_for 10 listening "$to" "$port" || return 1
	start=$(date +%s%N)
	head -c "$BYTES" /dev/urandom | tee >(sha256sum >"$tag.tx.sha") |
		ip netns exec "$from" timeout 50 ncat --send-only "$addr" "$port"
	wait "$rpid"
	wait_for 10 test -s "$tag.rx.sha" -a -s "$tag.tx.sha"
	diag "$5: $(cat "$tag.rx.len") bytes in" \
		"$(( ($(date +%s%N) - start) / 1000000 )) ms"
}
