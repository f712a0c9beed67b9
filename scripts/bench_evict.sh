#!/usr/bin/env bash
# Eviction side by side: redis-server and numkv, each pinned to core 1,
# capped at --maxmemory 64mb with allkeys-lru (or the policy given), take
# SETs of 1 KiB values on random keys from redis-benchmark pinned to core
# 0, far more than the cap holds. Three runs each; prints requests per
# second, CPU microseconds per request (from /proc/PID/stat), evicted keys,
# used_memory and RSS after each run, and the medians.
# Usage: scripts/bench_evict.sh [requests] [policy]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
POLICY=${2:-allkeys-lru}
RPORT=7392
NPORT=7393
go build -o /tmp/numkv-bench .
TCK=$(getconf CLK_TCK)

cpu() { awk '{print $14 + $15}' /proc/$1/stat; }
rss() { awk '/VmRSS/ {print $2}' /proc/$1/status; }
field() { redis-cli -p $1 INFO | tr -d '\r' | awk -F: -v f=$2 '$1 == f {print $2}'; }

run() { # name, port, pid
  local name=$1 port=$2 pid=$3
  redis-cli -p $port FLUSHALL >/dev/null
  redis-cli -p $port CONFIG RESETSTAT >/dev/null 2>&1 || true
  local ev0 c0 c1 r
  ev0=$(field $port evicted_keys)
  c0=$(cpu $pid)
  r=$(taskset -c 0 redis-benchmark -h 127.0.0.1 -p $port -n $N -c 50 -r 100000000 -d 1024 -t set --csv 2>/dev/null | tail -n1 | cut -d, -f2 | tr -d '"')
  c1=$(cpu $pid)
  local ev=$(( $(field $port evicted_keys) - ev0 ))
  local us=$(echo "($c1 - $c0) * 1000000 / $TCK / $N" | bc -l)
  printf '%s rps=%s cpu_us_per_req=%.2f evicted=%s used_memory_mib=%.1f rss_mib=%.1f\n' \
    "$name" "$r" "$us" "$ev" "$(echo "$(field $port used_memory) / 1048576" | bc -l)" "$(echo "$(rss $pid) / 1024" | bc -l)"
}

taskset -c 1 redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no --maxmemory 64mb --maxmemory-policy $POLICY >/tmp/bench-redis.log 2>&1 &
RPID=$!
taskset -c 1 /tmp/numkv-bench --port $NPORT --dbfilename '' --maxmemory 64mb --maxmemory-policy $POLICY >/tmp/bench-numkv.log 2>&1 &
NPID=$!
trap 'kill $RPID $NPID 2>/dev/null; wait $RPID $NPID 2>/dev/null || true' EXIT
for p in $RPORT $NPORT; do
  for _ in $(seq 100); do redis-cli -p $p PING >/dev/null 2>&1 && break; sleep 0.1; done
done
echo "SET 1 KiB values on random keys, $N requests, 50 clients, maxmemory 64mb, $POLICY"
for i in 1 2 3; do
  run redis $RPORT $RPID
  run numkv $NPORT $NPID
done | tee /tmp/bench-evict.txt
for s in redis numkv; do
  printf '%s median: ' $s
  grep "^$s " /tmp/bench-evict.txt | sed 's/.*rps=\([0-9.]*\).*cpu_us_per_req=\([0-9.]*\).*rss_mib=\([0-9.]*\).*/\1 \2 \3/' |
    sort -n | sed -n 2p | awk '{printf "rps %s, cpu us/req %s, RSS MiB %s (the run of median rps)\n", $1, $2, $3}'
done
