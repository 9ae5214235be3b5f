#!/bin/sh
# Installs every Debian package cvpc's build, tests, demo and benchmarks use.
# Idempotent: does nothing when all are present; otherwise one apt-get update.
set -eu

PKGS="
build-essential pkg-config git
clang libclang-rt-14-dev
libssl-dev libmnl-dev libcmocka-dev
libevent-dev libjansson-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev
postgresql sqlite3 curl bind9-dnsutils
iproute2 iputils-ping procps
wireguard-tools wireguard-go
iperf3 ncat perl coreutils
"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing:$missing; run as root" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# No recommends: wireguard-tools would otherwise pull in a kernel image.
apt-get install -y --no-install-recommends $missing
