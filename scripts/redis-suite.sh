#!/bin/bash
# redis-suite.sh runs units of Redis's own test suite (tag 7.0.15) in
# external mode against numkv, built from this tree and started on a
# loopback port, and prints what passed, failed and was set aside.
#
#   scripts/redis-suite.sh [REDIS_SRC] [unit ...]
#
# REDIS_SRC is a checkout of redis at 7.0.15 (default $REDIS_SRC, else
# /tmp/redis-7.0.15; `git clone -b 7.0.15 https://github.com/redis/redis`
# makes one). The default units are those the compatibility issue names.
# Tests that need what numkv does not have are set aside by
# scripts/redis-suite.skip, each with its reason. Needs tclsh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-${REDIS_SRC:-/tmp/redis-7.0.15}}
shift || true
units=("$@")
if [ ${#units[@]} -eq 0 ]; then
	units=(type/string type/incr keyspace protocol quit expire info-command introspection introspection-2 bitops bitfield)
fi
[ -x "$src/runtest" ] || { echo "no Redis test suite at $src" >&2; exit 2; }
port=${PORT:-7479}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$here" && go build -o "$work/numkv" .)
"$work/numkv" --bind 127.0.0.1 --port "$port" --save '' --dir "$work" >"$work/numkv.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
	redis-cli -p "$port" ping >/dev/null 2>&1 && break
	sleep 0.1
done
# The skip list without its comments.
sed -e 's/  *# .*$//' -e '/^#/d' -e '/^$/d' "$here/scripts/redis-suite.skip" >"$work/skip"
status=0
for u in "${units[@]}"; do
	out="$work/$(echo "$u" | tr / _).txt"
	(cd "$src" && timeout 900 ./runtest --host 127.0.0.1 --port "$port" --single "unit/$u" --clients 1 \
		--skipfile "$work/skip" --baseport 24111 2>&1) | sed 's/\x1b\[[0-9;]*m//g' >"$out" || true
	ok=$(grep -c '^\[ok\]' "$out" || true)
	bad=$(grep -cE '^\[(err|exception)\]' "$out" || true)
	skip=$(grep -c '^\[skip\]' "$out" || true)
	ign=$(grep -c '^\[ignore\]' "$out" || true)
	echo "unit/$u: $ok passed, $bad failed, $skip set aside (redis-suite.skip), $ign not run in external mode"
	if [ "$bad" != 0 ]; then
		grep -E -A3 '^\[(err|exception)\]' "$out" | sed 's/^/    /'
		status=1
	fi
	if ! grep -q '^\[[0-9]*/[0-9]* done\]' "$out" && ! grep -q 'All tests passed' "$out"; then
		echo "    the unit did not finish:"; tail -5 "$out" | sed 's/^/    /'
		status=1
	fi
done
if ! kill -0 "$pid" 2>/dev/null; then
	echo "numkv is gone:"; tail -20 "$work/numkv.log"
	status=1
fi
exit $status
