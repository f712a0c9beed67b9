#!/usr/bin/env bash
# Runs redis-benchmark against numkv and redis-server side by side, on
# loopback, in one run, and prints a Markdown table of requests per second
# and their ratio. Usage: scripts/bench-server.sh [requests] [clients]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
C=${2:-50}
RPORT=7390
NPORT=7391
go build -o /tmp/numkv-bench .
redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/tmp/bench-redis.log 2>&1 &
RPID=$!
/tmp/numkv-bench --port $NPORT --dbfilename '' >/tmp/bench-numkv.log 2>&1 &
NPID=$!
trap 'kill $RPID $NPID 2>/dev/null; wait $RPID $NPID 2>/dev/null || true' EXIT
for p in $RPORT $NPORT; do
  for _ in $(seq 100); do redis-cli -p $p PING >/dev/null 2>&1 && break; sleep 0.1; done
done
# A 64 MiB value, for reads of 4 KiB slices out of a large variable.
head -c $((64 << 20)) /dev/urandom >/tmp/bench-big.bin
for p in $RPORT $NPORT; do redis-cli -p $p -x SET big </tmp/bench-big.bin >/dev/null; done
redis-cli -p $NPORT NUM.CREATE vec f32 >/dev/null
redis-cli -p $NPORT -x NUM.APPEND vec </tmp/bench-big.bin >/dev/null

rps() { # port, args...: requests per second from redis-benchmark --csv
  local port=$1; shift
  redis-benchmark -h 127.0.0.1 -p "$port" -n "$N" -c "$C" --csv "$@" 2>/dev/null | tail -n 1 | cut -d, -f2 | tr -d '"'
}
row() { # label, args...
  local label=$1; shift
  local r n
  r=$(rps $RPORT "$@"); n=$(rps $NPORT "$@")
  printf '| %s | %s | %s | %.2f |\n' "$label" "$r" "$n" "$(echo "$n / $r" | bc -l)"
}
echo "| benchmark | redis-server rps | numkv rps | numkv / redis |"
echo "|---|---|---|---|"
row "PING_INLINE" -t ping_inline
row "SET 3 B" -t set
row "GET 3 B" -t get
row "SET 3 B, pipeline 16" -t set -P 16
row "GET 3 B, pipeline 16" -t get -P 16
row "MSET 10 keys" -t mset
row "SET 4 KiB" -t set -d 4096
row "GET 4 KiB" -t get -d 4096
row "GETRANGE 4 KiB of 64 MiB" GETRANGE big 1048576 1052671
printf '| %s | %s | %s | %s |\n' "NUM.READ 1024 f32 (4 KiB) of 64 MiB" "-" "$(rps $NPORT NUM.READ vec 262144:263168)" "-"
printf '| %s | %s | %s | %s |\n' "NUM.READ ::4096 (4096 f32) of 64 MiB" "-" "$(rps $NPORT NUM.READ vec ::4096)" "-"
r=$(redis-benchmark -h 127.0.0.1 -p $RPORT -n 200 -c 4 --csv GET big 2>/dev/null | tail -n1 | cut -d, -f2 | tr -d '"')
n=$(redis-benchmark -h 127.0.0.1 -p $NPORT -n 200 -c 4 --csv GET big 2>/dev/null | tail -n1 | cut -d, -f2 | tr -d '"')
printf '| %s | %s | %s | %.2f |\n' "GET 64 MiB (200 requests, 4 clients)" "$r" "$n" "$(echo "$n / $r" | bc -l)"
