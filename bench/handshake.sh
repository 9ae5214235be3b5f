#!/usr/bin/env bash
# Handshakes per second on one core, beside the crypto primitives they are
# made of (bench/handshake.c): builds the benchmark if needed, pins it to
# one CPU and prints its table on stdout; build output goes to stderr.
#
#   bench/handshake.sh                     (BUILD=build, 0.25 s per operation)
#   BUILD=build-hb HANDSHAKE_SECONDS=2 HANDSHAKE_CPU=1 bench/handshake.sh
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD/bench/handshake ;;
*) BIN=$TOP/$BUILD/bench/handshake ;;
esac

# make is a no-op when the binary is up to date (as under `make bench-handshake`).
make -s --no-print-directory -C "$TOP" BUILD="$BUILD" "$BUILD/bench/handshake" >&2

# The first CPU this shell may run on, unless one is asked for: the
# kernel would otherwise migrate the benchmark between cores mid-run.
cpu=${HANDSHAKE_CPU:-$(awk '/^Cpus_allowed_list:/ { split($2, a, /[-,]/); print a[1] }' /proc/self/status)}
if taskset -c "$cpu" true 2>/dev/null; then
	exec taskset -c "$cpu" "$BIN"
fi
echo "bench/handshake.sh: cannot pin to cpu $cpu; running unpinned" >&2
exec "$BIN"
