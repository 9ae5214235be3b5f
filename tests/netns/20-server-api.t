#!/usr/bin/env bash
# cvpc server against a real SQLite file over real HTTPS: the certificate
# it creates and the fingerprint it prints, pre-auth keys (single-use,
# reusable, revoked, tags), registration and its errors, address pool
# exhaustion, admin API keys, policy validation, a restart, and a kill -9
# in the middle of a burst of registrations.
. "$(dirname "$0")/lib.sh"

NS=c20srv
netns_add "$NS"
DATA=$LOGDIR/data
PORT=18420
URL=https://127.0.0.1:$PORT
in_ns() { ip netns exec "$NS" "$@"; }

start_server() { # start_server <log>
	ip netns exec "$NS" "$CVPC" server --data-dir "$DATA" --listen 127.0.0.1:$PORT \
		--pool "${POOL:-100.96.0.0/27}" >"$LOGDIR/$1.log" 2>&1 &
	SRV=$!
	track_pid "$SRV"
	wait_for 10 in_ns curl -sf --cacert "$DATA/server.crt" "$URL/health"
}

# api <method> <path> [<body>] [<token>]: prints the status, a space, the body
api() {
	local auth=()
	[ -n "${4:-}" ] && auth=(-H "Authorization: Bearer $4")
	in_ns curl -sS --cacert "$DATA/server.crt" -X "$1" "${auth[@]}" \
		${3:+--data-binary "$3"} -o "$LOGDIR/body" -w '%{http_code}' "$URL$2"
	echo " $(cat "$LOGDIR/body")"
}
field() { perl -MJSON::PP -e 'my $j = decode_json(join "", <STDIN>); print eval "\$j->$ARGV[0]"' "$1"; }
register() { # register <key> <name> [<tags json>]
	api POST /api/v1/register "{\"auth_key\":\"$1\",\"public_key\":\"$(wg genkey | wg pubkey)\",\"name\":\"$2\",\"tags\":${3:-[]}}"
}

check "the server starts and answers /health over HTTPS" start_server server1
fp=$(sed -n 's/^certificate fingerprint: sha256://p' "$LOGDIR/server1.log")
want=$(openssl x509 -in "$DATA/server.crt" -outform DER | sha256sum | cut -d' ' -f1)
is "$fp" "$want" "the printed fingerprint is SHA-256 of the certificate"
like "$(grep 'cvpc up' "$LOGDIR/server1.log")" "--server $URL --pin sha256:$want" "the join command carries URL and pin"
is "$(stat -c %a "$DATA/server.key") $(stat -c %a "$DATA/cvpc.db") $(stat -c %a "$DATA/admin.key")" \
	"600 600 600" "key, database and admin key files are 0600"
ADMIN=$(cat "$DATA/admin.key")

# Admin authentication.
like "$(api GET /api/v1/nodes)" '^401 .*admin API key is required' "no API key: 401"
like "$(api GET /api/v1/nodes '' cvpca_1_0000000000000000000000000000000000000000000000000000000000000000)" \
	'^401 .*invalid API key' "a wrong API key: 401"
api_key2=$(in_ns "$CVPC" server apikey create --data-dir "$DATA" --name ci 2>"$LOGDIR/apikey.log")
like "$(api GET /api/v1/nodes '' "$api_key2")" '^200 \{"nodes":\[\]\}' "a key from \`cvpc server apikey create' works"

# Pre-auth keys.
out=$(api POST /api/v1/keys '{"reusable":false}' "$ADMIN")
like "$out" '^201 .*"key":"cvpck_' "a single-use key is created"
single=$(echo "${out#* }" | field '{key}')
out=$(register "$single" alpha)
like "$out" '^201 .*"ipv4":"100\.96\.0\.1".*"credential":"cvpcn_' "registration: 201, first pool address, a credential"
like "$out" '"ipv6":"fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::6460:1"' "the IPv6 address is the ULA /48 plus the IPv4 address"
like "$(register "$single" beta)" '^401 .*single-use auth key [0-9]+ was already used' "a reused single-use key: 401"
out=$(api POST /api/v1/keys '{"reusable":true,"tags":["web"],"expiration":600}' "$ADMIN")
reusable=$(echo "${out#* }" | field '{key}')
reusable_id=$(echo "${out#* }" | field '{id}')
like "$(register "$reusable" beta '["web"]')" '^201 .*"tags":\["web"\]' "a reusable key with tags registers a tagged node"
like "$(register "$reusable" gamma)" '^201 .*"tags":\["web"\]' "the key's tags are given when none are asked"
like "$(register "$reusable" delta '["db"]')" "^403 .*grants the tags \`web' only" "a tag the key does not grant: 403"

# Bad input.
like "$(register "$reusable" alpha)" "^409 .*node name \`alpha' is taken" "a duplicate name: 409"
pub=$(wg genkey | wg pubkey)
like "$(api POST /api/v1/register "{\"auth_key\":\"$reusable\",\"public_key\":\"$pub\",\"name\":\"eps\",\"endpoint\":\"192.0.2.1:51820\"}")" \
	'^201 .*"endpoint":"192\.0\.2\.1:51820"' "a node registers with its endpoint"
for ep in 192.0.2.1:0 192.0.2.1 '[fe80::1%eth0]:5' host.example:80; do
	like "$(api POST /api/v1/register "{\"auth_key\":\"$reusable\",\"public_key\":\"$(wg genkey | wg pubkey)\",\"name\":\"ep\",\"endpoint\":\"$ep\"}")" \
		"^400 .*is not ip:port" "endpoint \`$ep': 400"
done
like "$(api POST /api/v1/register "{\"auth_key\":\"$reusable\",\"public_key\":\"$pub\",\"name\":\"zeta\"}")" \
	"^409 .*already registered \(node \`eps'\)" "a duplicate public key: 409"
like "$(api POST /api/v1/register "{\"auth_key\":\"$reusable\",\"public_key\":\"abc\",\"name\":\"eta\"}")" \
	'^400 .*public_key' "a bad public key: 400"
like "$(register "$reusable" Bad_Name)" "^400 .*not a node name" "a bad name: 400"
like "$(api POST /api/v1/register '{"auth_key":"x","colour":1}')" '^400 .*unknown field \\"colour\\"' "an unknown field: 400"
like "$(api POST /api/v1/register '{"auth_key":')" '^400 .*malformed JSON at line 1' "malformed JSON: 400"
like "$(api POST /api/v1/register '[1,2]')" '^400 .*must be a JSON object' "a JSON array: 400"
like "$(api POST /api/v1/register "$(head -c 70000 /dev/zero | tr '\0' ' ')")" '^413' "a body over 64 KiB: 413"
like "$(register cvpck_999_0000000000000000000000000000000000000000000000000000000000000000 theta)" \
	'^401 .*invalid auth key' "an unknown key: 401"
like "$(api POST "/api/v1/keys/$reusable_id/expire" '' "$ADMIN")" '^200 .*"expired"' "a key is revoked"
like "$(register "$reusable" iota)" '^401 .*was revoked' "a revoked key: 401"
like "$(api POST /api/v1/keys '{"expiration":0}' "$ADMIN")" '^400 .*expiration' "a key lifetime of 0: 400"

# The pool (a /27: 30 hosts) runs out with a clear error.
out=$(api POST /api/v1/keys '{"reusable":true}' "$ADMIN")
many=$(echo "${out#* }" | field '{key}')
for i in $(seq 26); do register "$many" "n$i" >/dev/null; done
like "$(register "$many" overflow)" '^409 .*address pool 100\.96\.0\.0/27 is exhausted \(30 nodes\)' "an exhausted pool: 409"
like "$(api DELETE /api/v1/nodes/n3 '' "$ADMIN")" '^200 .*"deleted"' "a node is deleted by name"
like "$(register "$many" again)" '^201 ' "its address is free again"
like "$(api DELETE /api/v1/nodes/nosuch '' "$ADMIN")" "^404 .*no node \`nosuch'" "deleting an unknown node: 404"
like "$(api POST /api/v1/nodes/alpha/expire '' "$ADMIN")" '^200 .*"expired":true' "a node is expired"

# Policy.
like "$(api GET /api/v1/policy '' "$ADMIN")" '^200 \{"rules":\[\{"from":\["\*"\],"to":\["\*"\]' "the default policy lets everyone talk"
like "$(api PUT /api/v1/policy '{"rules":[{"from":["tag:web"],"to":["type:db"],"proto":"tcp","ports":"80"}]}' "$ADMIN")" \
	'^200 .*"tag:web"' "a policy is set"
like "$(api PUT /api/v1/policy '{"rules":[{"from":["tag:web"],"to":["*"],"proto":"tcp","ports":"70000"}]}' "$ADMIN")" \
	'^400 .*rules\[0\]\.ports' "an invalid port: 400 naming the rule"
like "$(api GET /api/v1/policy '' "$ADMIN")" '"type:db"' "the rejected policy left the stored one alone"

# A restart keeps everything.
before=$(api GET /api/v1/nodes '' "$ADMIN" | md5sum)
n_before=$(api GET /api/v1/nodes '' "$ADMIN" | grep -o '"ipv4"' | wc -l)
kill "$SRV"; wait_gone "$SRV" 5
check "the server restarts" start_server server2
is "$(api GET /api/v1/nodes '' "$ADMIN" | md5sum)" "$before" "the $n_before nodes are unchanged by a restart"
check "there were nodes to keep" test "$n_before" -ge 30
is "$(sed -n 's/^certificate fingerprint: sha256://p' "$LOGDIR/server2.log")" "$fp" "the certificate is kept"

# The pool is the VPC's: a restart with another one is refused.
kill "$SRV"; wait_gone "$SRV" 5
out=$(in_ns "$CVPC" server --data-dir "$DATA" --listen 127.0.0.1:$PORT --pool 100.96.0.0/24 2>&1)
like "$out" "address pool is 100\.96\.0\.0/27, not 100\.96\.0\.0/24" "a restart with another pool is refused"

# kill -9 during a burst of 1,000 registrations: every acknowledged one is
# there afterwards with the address it was given, and no address twice.
DATA=$LOGDIR/data2 POOL=100.100.0.0/20
check "a second VPC starts" start_server server3
ADMIN=$(cat "$DATA/admin.key")
out=$(api POST /api/v1/keys '{"reusable":true}' "$ADMIN")
burst=$(echo "${out#* }" | field '{key}')
: >"$LOGDIR/acked"
(
	for i in $(seq 1000); do
		out=$(register "$burst" "b$i" 2>/dev/null) || true
		case "$out" in 201*) echo "b$i $(echo "${out#* }" | field '{node}{ipv4}')" >>"$LOGDIR/acked" ;; esac
	done
) &
BURST=$!
track_pid "$BURST"
acked_over() { [ "$(wc -l <"$LOGDIR/acked")" -ge "$1" ]; }
check "registrations are being acknowledged" wait_for 60 acked_over 150
kill -9 "$SRV"
wait_gone "$SRV" 5
wait "$BURST" 2>/dev/null
n_acked=$(wc -l <"$LOGDIR/acked")
diag "$n_acked registrations acknowledged before the kill"
check "the server restarts after kill -9" start_server server4
api GET /api/v1/nodes '' "$ADMIN" | cut -d' ' -f2- |
	perl -MJSON::PP -e 'my $j = decode_json(join "", <STDIN>); print "$_->{name} $_->{ipv4}\n" for @{$j->{nodes}}' \
	| sort >"$LOGDIR/stored"
missing=$(sort "$LOGDIR/acked" | comm -23 - "$LOGDIR/stored" | wc -l)
is "$missing" 0 "every acknowledged registration is stored with its address ($n_acked)"
is "$(cut -d' ' -f2 "$LOGDIR/stored" | sort | uniq -d | wc -l)" 0 "no address is assigned twice"
kill "$SRV"; wait_gone "$SRV" 5
is "$(sqlite3 "$DATA/cvpc.db" 'PRAGMA integrity_check')" ok "the database passes integrity_check"

done_testing
