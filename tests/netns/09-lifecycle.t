#!/usr/bin/env bash
# Process lifecycle of `cvpc wg`: daemon mode returns only once the
# interface and its socket exist; start-up errors exit non-zero with a
# sentence on stderr; SIGTERM, SIGINT, link deletion and socket deletion
# each end the process cleanly; the cvpc-wg alias; MTU changes while
# running, up to jumbo frames through a cvpc <-> cvpc tunnel.
. "$(dirname "$0")/lib.sh"

A=c09a B=c09b
netns_add "$A" "$B"
veth "$A" "$B" 192.168.109.1/24 192.168.109.2/24
CVPC_WG=$(dirname "$CVPC")/cvpc-wg

# daemon_pid <ns> <ifname>: the process listening on the UAPI socket.
daemon_pid() {
	ip netns exec "$1" ss -Hxlp src "$(sock_of "$2")" |
		grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2
}

# The daemon's parent is init, which may reap it a while later: a zombie
# has exited.
exited() {
	local state
	state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ]
}

link_exists() { ip -n "$1" link show "$2" >/dev/null 2>&1; }

# start_daemon <ns> <ifname> [<binary>]: daemon mode, logs kept at info.
# Sets rc, pid, and now_link/now_sock, sampled as soon as the parent exits.
start_daemon() {
	local ns=$1 ifname=$2 bin=${3:-$CVPC}
	track_file "$(sock_of "$ifname")"
	ip netns exec "$ns" env LOG_LEVEL=info "$bin" wg "$ifname" \
		>>"$LOGDIR/$ifname.log" 2>&1
	rc=$?
	now_link=1 now_sock=1
	link_exists "$ns" "$ifname" && now_link=0
	test -S "$(sock_of "$ifname")" && now_sock=0
	pid=$(daemon_pid "$ns" "$ifname")
	[ -n "$pid" ] && track_pid "$pid"
}

# -- Daemon mode
start_daemon "$A" wgc09a
is "$rc" 0 "daemon mode: the parent exits 0"
is "$now_link" 0 "the interface exists as soon as the parent has returned"
is "$now_sock" 0 "the UAPI socket exists as soon as the parent has returned"
like "$pid" '^[0-9]+$' "the daemon's PID is found from its socket ($pid)"
is "$(cat "/proc/$pid/comm" 2>/dev/null)" cvpc "that PID is a cvpc process"
is "$(ps -o sid= -p "$pid" | tr -d ' ')" "$pid" "the daemon leads its own session (setsid)"
is "$(uapi wgc09a 'get=1\n\n')" "errno=0" "the daemon answers get=1"

# Without LOG_LEVEL the daemon lets go of stdout and stderr, so capturing
# the parent's output does not wait for the daemon.
track_file "$(sock_of wgc09q)"
out=$(timeout 5 ip netns exec "$A" "$CVPC" wg wgc09q 2>&1); rc=$?
is "$rc" 0 "\$(cvpc wg ...) returns at once: the daemon holds no pipe ($out)"
qpid=$(daemon_pid "$A" wgc09q)
[ -n "$qpid" ] && track_pid "$qpid"

# A socket file left by a process that died is stale, not "in use".
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$(sock_of wgc09v)"
track_file "$(sock_of wgc09v)"
check "a stale socket file is there" test -S "$(sock_of wgc09v)"
start_daemon "$A" wgc09v
is "$rc" 0 "a stale socket file does not stop the daemon"
is "$(uapi wgc09v 'get=1\n\n')" "errno=0" "and the new socket answers"

# -- Start-up errors: exit status, a sentence on stderr, nothing left behind
err=$(ip netns exec "$A" "$CVPC" wg wgc09abcdefghijk 2>&1 >/dev/null); rc=$?
check "16-character name: non-zero exit ($rc)" test "$rc" -ne 0
like "$err" "name .wgc09abcdefghijk' is too long" "16-character name: says why on stderr"
err=$(ip netns exec "$A" "$CVPC" wg -f wgc09abcdefghijk 2>&1 >/dev/null); rc=$?
check "16-character name in the foreground: non-zero exit ($rc)" test "$rc" -ne 0
like "$err" "too long" "16-character name in the foreground: says why"
check "no socket for the long name" test ! -e "$(sock_of wgc09abcdefghijk)"

err=$(ip netns exec "$A" "$CVPC" wg wgc09a 2>&1 >/dev/null); rc=$?
check "same interface again in the same namespace: non-zero exit ($rc)" test "$rc" -ne 0
like "$err" "wgc09a.*(busy|in use)" "same interface again: says it is in use ($err)"
check "the first daemon survives the second attempt" kill -0 "$pid"
check "the first daemon's interface is still there" link_exists "$A" wgc09a
is "$(uapi wgc09a 'get=1\n\n')" "errno=0" "the first daemon's socket still answers"

err=$(ip netns exec "$B" "$CVPC" wg wgc09a 2>&1 >/dev/null); rc=$?
check "same name from another namespace: non-zero exit ($rc)" test "$rc" -ne 0
like "$err" "wgc09a.sock is in use by another process" \
	"same name from another namespace: names the socket in use"
check "the failed attempt leaves no interface behind" bash -c "! ip -n $B link show wgc09a 2>/dev/null"
is "$(uapi wgc09a 'get=1\n\n')" "errno=0" "the first daemon's socket still answers after that"

err=$(ip netns exec "$A" env LOG_LEVEL=chatty "$CVPC" wg wgc09l 2>&1 >/dev/null); rc=$?
check "bad LOG_LEVEL: non-zero exit ($rc)" test "$rc" -ne 0
like "$err" "LOG_LEVEL.*chatty" "bad LOG_LEVEL: quotes the bad value"
check "bad LOG_LEVEL: no interface created" bash -c "! ip -n $A link show wgc09l 2>/dev/null"
check "bad LOG_LEVEL: no socket created" test ! -e "$(sock_of wgc09l)"

out=$("$CVPC" wg 2>"$LOGDIR/noname.err"); rc=$?
check "no name: non-zero exit ($rc)" test "$rc" -ne 0
like "$(cat "$LOGDIR/noname.err")" "^Usage: cvpc wg" "no name: usage on stderr"
is "$out" "" "no name: nothing on stdout"

# -- Clean exits, in daemon mode (the PID comes from the socket)
# stop_daemon <ifname> <how> <log-reason>
stop_daemon() {
	local ifname=$1 how=$2 reason=$3
	start_daemon "$A" "$ifname"
	if [ "$rc" -ne 0 ] || [ -z "$pid" ]; then
		ok 1 "$how: daemon $ifname started"
		return
	fi
	case $how in
	SIGTERM) kill -TERM "$pid" ;;
	SIGINT) kill -INT "$pid" ;;
	"link deletion") ip -n "$A" link del "$ifname" ;;
	"socket deletion") rm -f "$(sock_of "$ifname")" ;;
	esac
	check "$how: the daemon exits" wait_for 5 exited "$pid"
	check "$how: the socket file is removed" test ! -e "$(sock_of "$ifname")"
	check "$how: the interface is gone" wait_for 2 bash -c "! ip -n $A link show $ifname"
	check "$how: the log says why ($reason)" \
		grep -q "Shutting down: $reason" "$LOGDIR/$ifname.log"
}
stop_daemon wgc09t SIGTERM terminated
stop_daemon wgc09i SIGINT interrupted
stop_daemon wgc09d "link deletion" "TUN device was deleted"
stop_daemon wgc09r "socket deletion" "UAPI socket was deleted"

# The same in the foreground, where the exit status is ours to see.
# stop_fg <ifname> <how>
stop_fg() {
	local ifname=$1 how=$2 fpid status
	ip netns exec "$A" "$CVPC" wg -f "$ifname" >"$LOGDIR/$ifname.log" 2>&1 &
	fpid=$!
	track_pid "$fpid"
	track_file "$(sock_of "$ifname")"
	wait_for 5 test -S "$(sock_of "$ifname")" || { ok 1 "$how: -f $ifname started"; return; }
	case $how in
	SIGTERM) kill -TERM "$fpid" ;;
	SIGINT) kill -INT "$fpid" ;;
	"link deletion") ip -n "$A" link del "$ifname" ;;
	"socket deletion") rm -f "$(sock_of "$ifname")" ;;
	esac
	wait "$fpid"
	status=$?
	is "$status" 0 "foreground, $how: exit status 0"
	check "foreground, $how: the socket file is removed" test ! -e "$(sock_of "$ifname")"
}
stop_fg wgc09ft SIGTERM
stop_fg wgc09fi SIGINT
stop_fg wgc09fd "link deletion"
stop_fg wgc09fr "socket deletion"

# -- The command table and the cvpc-wg alias
like "$("$CVPC" help)" $'\n  wg +[A-Z]' "cvpc help lists wg"
check "build has a cvpc-wg symlink" test -L "$CVPC_WG"
like "$("$CVPC_WG" --help)" "^Usage: cvpc wg" "cvpc-wg --help is cvpc wg's usage"
start_daemon "$A" wgc09s "$CVPC_WG"
# start_daemon passes "wg" as the first argument: as cvpc-wg that is the
# interface name and the real one is an extra argument, which must fail.
check "cvpc-wg takes no subcommand word: 'cvpc-wg wg NAME' is refused ($rc)" test "$rc" -ne 0
track_file "$(sock_of wgc09s)"
ip netns exec "$A" "$CVPC_WG" wgc09s; rc=$?
is "$rc" 0 "cvpc-wg wgc09s exits 0 (daemon mode)"
check "cvpc-wg created the interface" link_exists "$A" wgc09s
is "$(uapi wgc09s 'get=1\n\n')" "errno=0" "cvpc-wg's socket answers"
spid=$(daemon_pid "$A" wgc09s)
[ -n "$spid" ] && track_pid "$spid"
kill "$spid" 2>/dev/null
check "cvpc-wg daemon stops on SIGTERM" wait_for 5 exited "$spid"

# -- MTU while running
is "$(stat_of wgc09a mtu)" 1420 "default MTU is 1420"
ip -n "$A" link set wgc09a mtu 1280
check "ip link set mtu 1280 is picked up" wait_for 3 test "$(stat_of wgc09a mtu)" = 1280
ip -n "$A" link set wgc09a mtu 1420

start_daemon "$B" wgc09b
is "$rc" 0 "second daemon for the tunnel starts"
wg_pair "$A" wgc09a 192.168.109.1:51091 10.9.0.1 \
	"$B" wgc09b 192.168.109.2:51092 10.9.0.2
check "tunnel works at the default MTU" ip netns exec "$A" ping -c 2 -i 0.2 -W 2 10.9.0.2

out=$(ip netns exec "$A" ping -M do -s 8000 -c 1 -W 2 10.9.0.2 2>&1); rc=$?
check "8000-byte DF ping fails at MTU 1420 ($rc)" test "$rc" -ne 0
like "$out" "[Mm]essage too long" "and the failure is 'message too long'"

ip -n "$A" link set v-$A mtu 9000
ip -n "$B" link set v-$B mtu 9000
ip -n "$A" link set wgc09a mtu 8920
ip -n "$B" link set wgc09b mtu 8920
check "A picks up MTU 8920" wait_for 3 test "$(stat_of wgc09a mtu)" = 8920
check "B picks up MTU 8920" wait_for 3 test "$(stat_of wgc09b mtu)" = 8920
check "8000-byte DF ping crosses the tunnel at MTU 8920" \
	ip netns exec "$A" ping -M do -s 8000 -c 3 -i 0.2 -W 2 10.9.0.2
check "and the other way" ip netns exec "$B" ping -M do -s 8800 -c 3 -i 0.2 -W 2 10.9.0.1
is "$(stat_of wgc09a drop_rx_malformed)$(stat_of wgc09b drop_rx_malformed)" 00 \
	"no datagram was counted malformed on either side"

done_testing
