#!/usr/bin/env bash
# Three numkv nodes as a cluster against one numkv, with redis-benchmark's
# cluster mode. On a 2-core machine all servers share core 1 (taskset -c 1)
# and redis-benchmark has core 0: the figure is the work per request a
# cluster adds (routing, one more hop for nothing), not scaling, which
# needs a core (or a machine) per node.
# Usage: scripts/bench_cluster.sh [requests]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500000}
go build -o /tmp/numkv-bench .
BASE=7460
DIRS=()
PIDS=()
trap 'kill ${PIDS[@]} 2>/dev/null; wait 2>/dev/null || true; rm -rf ${DIRS[@]}' EXIT
ids=(1111111111111111111111111111111111111111 2222222222222222222222222222222222222222 3333333333333333333333333333333333333333)
ranges=(0-5460 5461-10922 10923-16383)
layout=""
for i in 0 1 2; do
  p=$((BASE + i))
  layout+="${ids[$i]} 127.0.0.1:$p@$((p + 10000)) master - 0 0 $((i + 1)) connected ${ranges[$i]}"$'\n'
done
for i in 0 1 2; do
  d=$(mktemp -d); DIRS+=("$d")
  printf '%s' "$layout" > "$d/nodes.conf"
  taskset -c 1 /tmp/numkv-bench --port $((BASE + i)) --dir "$d" --save '' --cluster-enabled yes >/dev/null 2>&1 &
  PIDS+=($!)
done
d=$(mktemp -d); DIRS+=("$d")
taskset -c 1 /tmp/numkv-bench --port $((BASE + 9)) --dir "$d" --save '' >/dev/null 2>&1 &
PIDS+=($!)
for p in $BASE $((BASE + 1)) $((BASE + 2)) $((BASE + 9)); do
  for _ in $(seq 100); do redis-cli -p $p PING >/dev/null 2>&1 && break; sleep 0.1; done
done
TCK=$(getconf CLK_TCK)
cpu() { local s=0; for pid in "$@"; do s=$((s + $(awk '{print $14 + $15}' /proc/$pid/stat))); done; echo $s; }
for run in 1 2 3; do
  for mode in one cluster; do
    if [ $mode = one ]; then args=(-p $((BASE + 9))); pids=(${PIDS[3]}); else args=(--cluster -p $BASE); pids=(${PIDS[0]} ${PIDS[1]} ${PIDS[2]}); fi
    c0=$(cpu "${pids[@]}")
    out=$(taskset -c 0 redis-benchmark -h 127.0.0.1 "${args[@]}" -n $N -c 50 -r 1000000 -t set,get --csv 2>/dev/null)
    c1=$(cpu "${pids[@]}")
    set_rps=$(echo "$out" | grep '"SET"' | cut -d, -f2 | tr -d '"')
    get_rps=$(echo "$out" | grep '"GET"' | cut -d, -f2 | tr -d '"')
    printf '%s run=%s set_rps=%s get_rps=%s cpu_us_per_req=%.2f\n' $mode $run "$set_rps" "$get_rps" \
      "$(echo "($c1 - $c0) * 1000000 / $TCK / (2 * $N)" | bc -l)"
  done
done
