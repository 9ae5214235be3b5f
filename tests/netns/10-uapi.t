#!/usr/bin/env bash
# The UAPI spoken raw over the socket: the exact shape of a get response,
# every set key, malformed requests answered with the right errno and
# changing nothing, operation framing, allowed-IP removal, port rebinding
# (and a taken port), fwmark, and what wg setconf/syncconf send.
. "$(dirname "$0")/lib.sh"

A=c10a B=c10b
netns_add "$A" "$B"
veth "$A" "$B" 192.168.110.1/24 192.168.110.2/24
start_cvpc "$A" wgc10a
start_cvpc "$B" wgc10b

hexkey() { echo "$1" | base64 -d | xxd -p -c 64; }
# esc <text>: newlines shown as \n, so trailing blank lines count too.
esc() { printf '%s' "${1//$'\n'/\\n}"; }
# raw <ifname> <request>: the whole reply, escaped, byte for byte.
raw() { local r; r=$(uapi "$1" "$2"; echo .); esc "${r%.}"; }
rawget() { raw wgc10a 'get=1\n\n'; }
unesc() { sed 's/\\n/\n/g' <<<"$1"; }
get() { uapi wgc10a 'get=1\n\n'; } # plain lines, for grep and awk
zero=$(printf '0%.0s' $(seq 64))

ka=$(genkey) kb=$(genkey)
pa=$(pubkey "$ka") pb=$(pubkey "$kb")
KA=$(hexkey "$ka") PA=$(hexkey "$pa") PB=$(hexkey "$pb")
P2=$(hexkey "$(pubkey "$(genkey)")") P3=$(hexkey "$(pubkey "$(genkey)")")
P4=$(hexkey "$(pubkey "$(genkey)")") P5=$(hexkey "$(pubkey "$(genkey)")")
PSK=$(hexkey "$(wg genpsk)")

# -- get on a fresh device: nothing but the status
is "$(rawget)" 'errno=0\n\n' "fresh device: get=1 is exactly errno=0 and a blank line"

# -- set: every key in one request
req="set=1\nprivate_key=$KA\nlisten_port=51101\nfwmark=4660\nreplace_peers=true\n"
req+="public_key=$PB\npreshared_key=$PSK\nendpoint=192.168.110.2:51102\n"
req+="persistent_keepalive_interval=25\nallowed_ip=10.10.9.0/24\nreplace_allowed_ips=true\n"
req+="allowed_ip=10.10.0.2/32\nallowed_ip=fd10::2/128\nprotocol_version=1\n"
req+="public_key=$P2\nendpoint=[fd10:1::2]:51103\nallowed_ip=10.10.1.0/24\n"
req+="public_key=$P3\nupdate_only=true\nallowed_ip=10.10.3.0/24\n"
req+="public_key=$P4\nallowed_ip=10.10.4.0/24\npublic_key=$P4\nremove=true\n\n"
is "$(raw wgc10a "$req")" 'errno=0\n\n' "set with every key: errno=0"

peer_lines() { # <hexkey> <psk> <endpoint-or-empty> <keepalive> <allowed_ip...>
	local k=$1 psk=$2 ep=$3 ka=$4
	shift 4
	printf 'public_key=%s\npreshared_key=%s\nprotocol_version=1\n' "$k" "$psk"
	[ -n "$ep" ] && printf 'endpoint=%s\n' "$ep"
	printf 'last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n'
	printf 'persistent_keepalive_interval=%s\n' "$ka"
	for ip in "$@"; do printf 'allowed_ip=%s\n' "$ip"; done
}
expected="private_key=$KA"$'\n'"listen_port=51101"$'\n'"fwmark=4660"$'\n'
expected+=$(peer_lines "$PB" "$PSK" 192.168.110.2:51102 25 10.10.0.2/32 fd10::2/128)$'\n'
expected+=$(peer_lines "$P2" "$zero" '[fd10:1::2]:51103' 0 10.10.1.0/24)$'\n'
expected+=$'errno=0\n\n'
got=$(rawget)
is "$got" "$(esc "$expected")" "get=1 after it: every field, in wireguard-go's order"
is "$(ip netns exec "$A" wg show wgc10a fwmark)" 0x1234 "wg parses the fwmark"
is "$(raw wgc10a "set=1\nprivate_key=$zero\n\n")" 'errno=0\n\n' "an all-zero private key is accepted"
check "and removes the key: no private_key line in get" bash -c "! grep -q '^private_key=' <<<\"\$1\"" _ "$(get)"
raw wgc10a "set=1\nprivate_key=$KA\n\n" >/dev/null
is "$(rawget)" "$got" "setting it back restores the same get output"
is "$(ip netns exec "$A" wg show wgc10a peers | wc -l)" 2 \
	"update_only made no peer, remove=true undid the peer made before it"

# -- Malformed requests: the right errno, the device unchanged
# bad <errno> <description> <request>
bad() {
	local before after reply
	before=$(rawget)
	reply=$(raw wgc10a "$3")
	after=$(rawget)
	is "$reply" "errno=$1\\n\\n" "$2: errno=$1"
	if [ "$after" == "$before" ]; then
		ok 0 "$2: device unchanged"
	else
		ok 1 "$2: device unchanged"
		diff <(unesc "$before") <(unesc "$after") | sed 's/^/#   /'
	fi
}
bad -22 "unknown key" 'set=1\nlisten_port=51109\nfrobnicate=1\n\n'
bad -22 "bad hex private key" "set=1\nprivate_key=${KA:0:62}zz\n\n"
bad -22 "short public key" "set=1\npublic_key=${P5:0:60}\n\n"
bad -22 "bad hex preshared key" "set=1\npublic_key=$PB\npreshared_key=${PSK:0:63}g\n\n"
bad -22 "listen_port=70000" 'set=1\nlisten_port=70000\n\n'
bad -22 "listen_port=-1" 'set=1\nlisten_port=-1\n\n'
bad -71 "line without '=' (EPROTO)" 'set=1\nlisten_port\n\n'
bad -22 "device key after a peer" "set=1\npublic_key=$PB\nlisten_port=51109\n\n"
bad -22 "peer key before any public_key" 'set=1\nendpoint=192.168.110.9:1\n\n'
bad -22 "protocol_version=2" "set=1\npublic_key=$PB\nprotocol_version=2\n\n"
bad -22 "replace_peers=false" 'set=1\nreplace_peers=false\n\n'
bad -22 "bad endpoint" "set=1\npublic_key=$PB\nendpoint=192.168.110.2\n\n"
bad -22 "allowed_ip /33" "set=1\npublic_key=$PB\nallowed_ip=10.10.0.0/33\n\n"
bad -22 "persistent_keepalive_interval=65536" \
	"set=1\npublic_key=$PB\npersistent_keepalive_interval=65536\n\n"
long="set=1\nprivate_key=$KA\nlisten_port=51109\nfwmark=1\nreplace_peers=true\n"
long+="public_key=$P3\nendpoint=192.168.110.3:3\nallowed_ip=10.10.3.0/24\n"
long+="public_key=$P4\nallowed_ip=10.10.4.0/24\npersistent_keepalive_interval=5\n"
long+="public_key=$PB\nremove=true\npublic_key=$P5\nallowed_ip=10.10.5.0/24\n"
long+="protocol_version=2\n\n"
bad -22 "several valid peer lines, then a bad last line" "$long"
bad -22 "low-order public key (all zeros)" "set=1\npublic_key=$zero\n\n"
bad -22 "low-order public key (order 1: u=1)" \
	"set=1\npublic_key=01${zero:2}\nallowed_ip=10.10.6.0/24\n\n"
low="set=1\nlisten_port=51109\npublic_key=$P3\nallowed_ip=10.10.3.0/24\n"
low+="public_key=$PB\nremove=true\npublic_key=$zero\n\n"
bad -22 "valid changes, then a low-order key last" "$low"
bad -22 "get=1 followed by a non-empty line" 'get=1\nlisten_port=1\n'
bad -22 "a line longer than 4096 bytes" "set=1\nlisten_port=51109\nfwmark=$(printf '1%.0s' $(seq 5000))\n\n"
bad -22 "a NUL byte in a line" 'set=1\nlisten_port=51109\0\n\n'

is "$(raw wgc10a 'put=1\n\nget=1\n\n')" "" \
	"an unknown operation closes the connection (the get after it is not answered)"
is "$(raw wgc10a 'get=2\n\nget=1\n\n')" "" "get=2 is an unknown operation too"
is "$(rawget)" "$got" "the device is still what the valid set made it"

# -- Several requests on one connection
multi=$(raw wgc10a "get=1\n\nset=1\npublic_key=$P2\npersistent_keepalive_interval=7\n\nget=1\n\n")
is "$multi" "$got"'errno=0\n\n'"${got/persistent_keepalive_interval=0/persistent_keepalive_interval=7}" \
	"get, set, get on one connection: three replies in order"
multi=$(raw wgc10a "set=1\nlisten_port=99999\n\nset=1\npublic_key=$P2\npersistent_keepalive_interval=0\n\n")
is "$multi" 'errno=-22\n\nerrno=0\n\n' "a failed set does not poison the next one on the connection"
is "$(rawget)" "$got" "so the device is back to what it was"

# -- allowed_ip=-prefix (newer wg sends it; this one is too old, so raw)
allowed_of() { ip netns exec "$A" wg show wgc10a allowed-ips | awk -v k="$1" '$1 == k { $1 = ""; print substr($0, 2) }'; }
raw wgc10a "set=1\npublic_key=$PB\nallowed_ip=10.10.0.4/32\nallowed_ip=10.10.0.5/32\nallowed_ip=10.10.0.6/32\n\n" >/dev/null
is "$(allowed_of "$pb")" "10.10.0.2/32 fd10::2/128 10.10.0.4/32 10.10.0.5/32 10.10.0.6/32" "three /32s added"
is "$(raw wgc10a "set=1\npublic_key=$PB\nallowed_ip=-10.10.0.5/32\n\n")" 'errno=0\n\n' \
	"allowed_ip=-10.10.0.5/32 is accepted"
is "$(allowed_of "$pb")" "10.10.0.2/32 fd10::2/128 10.10.0.4/32 10.10.0.6/32" "and removes exactly that prefix"
raw wgc10a "set=1\npublic_key=$PB\nallowed_ip=-10.10.0.0/24\nallowed_ip=-10.10.1.0/24\nallowed_ip=-fd10::2/127\n\n" >/dev/null
is "$(allowed_of "$pb")" "10.10.0.2/32 fd10::2/128 10.10.0.4/32 10.10.0.6/32" \
	"removing a covering prefix, or one that is not the peer's, removes nothing"
is "$(ip netns exec "$A" wg show wgc10a allowed-ips | grep -c 10.10.1.0/24)" 1 \
	"another peer's prefix named in the removal is still that peer's"

# -- update_only, remove, replace_peers, replace_allowed_ips
before=$(rawget)
raw wgc10a "set=1\npublic_key=$P5\nupdate_only=true\nendpoint=192.168.110.5:5\nallowed_ip=10.10.5.0/24\n\n" >/dev/null
is "$(rawget)" "$before" "update_only=true for an unknown peer creates nothing"
raw wgc10a "set=1\npublic_key=$P2\nupdate_only=true\nendpoint=192.168.110.6:6\n\n" >/dev/null
is "$(get | grep -A 3 "^public_key=$P2" | grep '^endpoint=')" endpoint=192.168.110.6:6 \
	"update_only=true for a known peer updates it"
raw wgc10a "set=1\npublic_key=$P2\nremove=true\n\n" >/dev/null
is "$(ip netns exec "$A" wg show wgc10a peers)" "$pb" "remove=true removes that peer only"
raw wgc10a "set=1\npublic_key=$P3\nallowed_ip=10.10.3.0/24\npublic_key=$P4\nallowed_ip=10.10.4.0/24\n\n" >/dev/null
is "$(ip netns exec "$A" wg show wgc10a peers | wc -l)" 3 "two more peers added"
raw wgc10a "set=1\nreplace_peers=true\npublic_key=$P5\nallowed_ip=10.10.5.0/24\n\n" >/dev/null
p5=$(echo "$P5" | xxd -r -p | base64)
is "$(ip netns exec "$A" wg show wgc10a peers)" "$p5" \
	"replace_peers=true leaves only the peers of the request"
is "$(ip netns exec "$A" wg show wgc10a allowed-ips | cut -f2)" 10.10.5.0/24 \
	"and the removed peers' prefixes are gone from the table"
raw wgc10a "set=1\npublic_key=$P5\nallowed_ip=10.10.7.0/24\n\n" >/dev/null
raw wgc10a "set=1\npublic_key=$P5\nreplace_allowed_ips=true\nallowed_ip=10.10.8.0/24\nallowed_ip=fd10:8::/64\n\n" >/dev/null
is "$(allowed_of "$p5")" "10.10.8.0/24 fd10:8::/64" "replace_allowed_ips=true replaces the prefixes"

# -- A live tunnel: port rebinding, fwmark, setconf and syncconf
cat >"$LOGDIR/a.conf" <<EOF
[Interface]
PrivateKey = $ka
ListenPort = 51101

[Peer]
PublicKey = $pb
Endpoint = 192.168.110.2:51102
AllowedIPs = 10.10.0.2/32
EOF
ip netns exec "$A" wg setconf wgc10a "$LOGDIR/a.conf"
ip netns exec "$B" wg set wgc10b private-key <(echo "$kb") listen-port 51102 \
	peer "$pa" endpoint 192.168.110.1:51101 allowed-ips 10.10.0.1/32
ip -n "$A" addr add 10.10.0.1/24 dev wgc10a
ip -n "$B" addr add 10.10.0.2/24 dev wgc10b
ip -n "$A" link set wgc10a up
ip -n "$B" link set wgc10b up
check "setconf replaced the peers: only B is left" \
	test "$(ip netns exec "$A" wg show wgc10a peers)" = "$pb"
check "tunnel A -> B" ip netns exec "$A" ping -q -c 2 -i 0.2 -W 2 10.10.0.2

udp_ports() { ip netns exec "$A" ss -Hulnp | grep '"cvpc"' | awk '{ print $4 }' | sed 's/.*://' | sort -u | tr '\n' ' '; }
is "$(udp_ports)" "51101 " "cvpc's UDP sockets are on 51101"
ip netns exec "$A" wg set wgc10a listen-port 51111
is "$(ip netns exec "$A" wg show wgc10a listen-port)" 51111 "rebound while up: wg show reports 51111"
is "$(udp_ports)" "51111 " "ss shows cvpc on 51111 and no longer on 51101"
ip netns exec "$B" wg set wgc10b peer "$pa" endpoint 192.168.110.1:51111
check "B reaches A on the new port" ip netns exec "$B" ping -q -c 2 -i 0.2 -W 2 10.10.0.1

ip netns exec "$A" ncat -u -l 51120 >/dev/null 2>&1 </dev/zero &
ncpid=$!
track_pid "$ncpid"
wait_for 5 bash -c "ip netns exec $A ss -Hulnp | grep -q ':51120 .*ncat'" || diag "ncat did not bind 51120"
is "$(raw wgc10a 'set=1\nlisten_port=51120\n\n')" 'errno=-98\n\n' \
	"a port taken by another socket: errno=-98 (EADDRINUSE)"
is "$(ip netns exec "$A" wg show wgc10a listen-port)" 51111 "the old port is still reported"
is "$(udp_ports)" "51111 " "and still bound"
config() { get | grep -Ev '^(last_handshake_time_n?sec|[rt]x_bytes)='; }
cfg_before=$(config)
req="set=1\nprivate_key=$(hexkey "$(genkey)")\nlisten_port=51120\nreplace_peers=true\n"
req+="public_key=$P5\nallowed_ip=10.10.5.0/24\n\n"
is "$(raw wgc10a "$req")" 'errno=-98\n\n' "the taken port in a request with other changes: errno=-98"
is "$(config)" "$cfg_before" "and none of the other changes were made (key, peers)"
check "and still carries the tunnel" ip netns exec "$B" ping -q -c 2 -i 0.2 -W 2 10.10.0.1
kill "$ncpid" 2>/dev/null

ip netns exec "$A" wg set wgc10a fwmark 0x1234
like "$(get)" $'\nfwmark=4660\n' "fwmark set: get shows fwmark=4660"
check "and both UDP sockets carry the mark" \
	test "$(ip netns exec "$A" ss -Huane 2>/dev/null | grep ':51111 ' | grep -c 'fwmark:0x1234')" = 2
ip netns exec "$A" wg set wgc10a fwmark 0
check "fwmark 0 clears it: no fwmark line in get" bash -c "! grep -q '^fwmark=' <<<\"\$1\"" _ "$(get)"
check "and the sockets lose the mark" \
	test "$(ip netns exec "$A" ss -Huane 2>/dev/null | grep ':51111 ' | grep -c 'fwmark')" = 0
check "the tunnel still works after fwmark changes" ip netns exec "$A" ping -q -c 2 -i 0.2 -W 2 10.10.0.2

ip netns exec "$A" wg showconf wgc10a >"$LOGDIR/show1.conf"
ip netns exec "$A" wg setconf wgc10a "$LOGDIR/show1.conf"
ip netns exec "$A" wg showconf wgc10a >"$LOGDIR/show2.conf"
check "wg showconf | wg setconf is idempotent" cmp -s "$LOGDIR/show1.conf" "$LOGDIR/show2.conf"
check "the tunnel works after setconf" ip netns exec "$A" ping -q -c 2 -i 0.2 -W 2 10.10.0.2

# The session's identity: handshake time to the nanosecond.
hs_of() { get | awk -v k="public_key=$1" '$0 == k { p = 1 } p && /^last_handshake_time_(n?sec)=/ { printf "%s ", $0 } p && /^allowed_ip/ { exit }'; }
tx_of() { get | awk -v k="public_key=$1" '$0 == k { p = 1 } p && /^tx_bytes=/ { sub(/.*=/, ""); print; exit }'; }
hs1=$(hs_of "$PB") tx1=$(tx_of "$PB")
check "there is a live session to B ($hs1)" test -n "$hs1" -a "${hs1%% *}" != last_handshake_time_sec=0
ip netns exec "$A" wg showconf wgc10a >"$LOGDIR/sync.conf"
ip netns exec "$A" wg syncconf wgc10a "$LOGDIR/sync.conf"; rc=$?
is "$rc" 0 "wg syncconf with the unchanged config succeeds"
check "traffic continues right after syncconf" ip netns exec "$A" ping -q -c 3 -i 0.2 -W 2 10.10.0.2
is "$(hs_of "$PB")" "$hs1" "syncconf did not disturb the session (same handshake time)"
tx2=$(tx_of "$PB")
check "and the session kept counting ($tx1 -> $tx2 bytes sent)" test "$tx2" -gt "$tx1"

p9=$(pubkey "$(genkey)")
ip netns exec "$A" wg set wgc10a peer "$p9" allowed-ips 10.10.9.0/24
is "$(ip netns exec "$A" wg show wgc10a peers | wc -l)" 2 "an extra peer added"
ip netns exec "$A" wg syncconf wgc10a "$LOGDIR/sync.conf"
is "$(ip netns exec "$A" wg show wgc10a peers)" "$pb" "syncconf without it removes it"
is "$(hs_of "$PB")" "$hs1" "and leaves B's session alone"
check "traffic continues" ip netns exec "$A" ping -q -c 2 -i 0.2 -W 2 10.10.0.2

done_testing
