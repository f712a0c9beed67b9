#!/usr/bin/env bash
# Bitmap commands side by side: redis-server and numkv, each pinned to
# core 1, hold the same four 64 MiB bitmaps, loaded with SETRANGE in 1 MiB
# pieces: r1 and r2 of random bytes, z of zeros with one bit set 100 bits
# before the end, o of 0xff with one bit cleared there. redis-benchmark,
# pinned to core 0, then sends from one client:
#   BITCOUNT r1            every byte counted
#   BITPOS z 1             the first 1: a scan over all 64 MiB of zeros
#   BITPOS o 0             the first 0: a scan over all 64 MiB of ones
#   BITOP AND d r1 r2      a 64 MiB result, replacing the last one
# Five runs of each, alternating servers; prints requests per second and
# CPU microseconds per request (utime+stime from /proc/PID/stat) per run,
# then the median run by rate, with VmRSS and VmHWM (peak) at the end.
# Usage: scripts/bench_bitmap.sh [scale]   (scale multiplies the request
# counts; 1 takes about three minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-1}
RPORT=7394
NPORT=7395
BIN=/tmp/numkv-bench-bitmap
go build -o $BIN .
TCK=$(getconf CLK_TCK)
OUT=/tmp/bench-bitmap.txt

cpu() { awk '{print $14 + $15}' /proc/$1/stat; }
kib() { awk -v f="$2:" '$1 == f {print $2}' /proc/$1/status; }

taskset -c 1 redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no >/tmp/bench-bitmap-redis.log 2>&1 &
RPID=$!
taskset -c 1 $BIN --port $NPORT --dbfilename '' --save '' >/tmp/bench-bitmap-numkv.log 2>&1 &
NPID=$!
trap 'kill $RPID $NPID 2>/dev/null; wait $RPID $NPID 2>/dev/null || true' EXIT
for p in $RPORT $NPORT; do
  for _ in $(seq 100); do redis-cli -p $p PING >/dev/null 2>&1 && break; sleep 0.1; done
done

# The same bytes into both servers, over a plain socket.
/usr/bin/python3 - $RPORT $NPORT <<'EOF'
import random, socket, sys

def cmd(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)

def send(port, cmds):
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")
    for c in cmds:
        s.sendall(c)
        line = f.readline()
        if line[:1] == b"-":
            sys.exit("port %d: %r" % (port, line))
    s.close()

MiB = 1 << 20
N = 64 * MiB
rnd = random.Random(64)
r1 = rnd.randbytes(N)
r2 = rnd.randbytes(N)
zeros, ones = bytes(MiB), b"\xff" * MiB
cmds = [cmd("FLUSHALL")]
for off in range(0, N, MiB):
    cmds += [cmd("SETRANGE", "r1", off, r1[off:off + MiB]), cmd("SETRANGE", "r2", off, r2[off:off + MiB]),
             cmd("SETRANGE", "z", off, zeros), cmd("SETRANGE", "o", off, ones)]
cmds += [cmd("SETBIT", "z", N * 8 - 100, 1), cmd("SETBIT", "o", N * 8 - 100, 0)]
for port in sys.argv[1:]:
    send(int(port), cmds)
EOF

# The answers must agree before anything is timed.
for c in "BITCOUNT r1" "BITPOS z 1" "BITPOS o 0" "BITOP AND d r1 r2" "BITCOUNT d"; do
  a=$(redis-cli -p $RPORT $c) b=$(redis-cli -p $NPORT $c)
  [ "$a" = "$b" ] || { echo "$c: redis $a, numkv $b" >&2; exit 1; }
  echo "$c = $a"
done

run() { # name port pid n args...
  local name=$1 port=$2 pid=$3 n=$4
  shift 4
  local c0 c1 r
  c0=$(cpu $pid)
  r=$(taskset -c 0 redis-benchmark -h 127.0.0.1 -p $port -n $n -c 1 --csv "$@" 2>/dev/null | tail -n1 | cut -d, -f2 | tr -d '"')
  c1=$(cpu $pid)
  printf '%s\t%s\t%s\t%.1f\n' "$*" "$name" "$r" "$(echo "($c1 - $c0) * 1000000 / $TCK / $n" | bc -l)"
}

: >$OUT
echo "uptime before: $(uptime)"
for spec in "400 BITCOUNT r1" "400 BITPOS z 1" "400 BITPOS o 0" "60 BITOP AND d r1 r2"; do
  n=$(( ${spec%% *} * SCALE ))
  args=${spec#* }
  for i in 1 2 3 4 5; do
    run redis $RPORT $RPID $n $args
    run numkv $NPORT $NPID $n $args
  done | tee -a $OUT
done
echo "uptime after: $(uptime)"
echo
echo "median of 5 (by requests/s): command, server, requests/s, CPU us per request"
for spec in "BITCOUNT r1" "BITPOS z 1" "BITPOS o 0" "BITOP AND d r1 r2"; do
  for s in redis numkv; do
    awk -F'\t' -v c="$spec" -v s=$s '$1 == c && $2 == s' $OUT | sort -t$'\t' -k3 -g | sed -n 3p
  done
done
field() { redis-cli -p $1 INFO memory | tr -d '\r' | awk -F: -v f=$2 '$1 == f {print $2}'; }
for s in redis:$RPID:$RPORT numkv:$NPID:$NPORT; do
  IFS=: read -r name pid port <<<"$s"
  printf '%s VmRSS %.1f MiB, VmHWM %.1f MiB, used_memory %.1f MiB\n' $name "$(echo "$(kib $pid VmRSS) / 1024" | bc -l)" \
    "$(echo "$(kib $pid VmHWM) / 1024" | bc -l)" "$(echo "$(field $port used_memory) / 1048576" | bc -l)"
done
redis-cli -p $NPORT INFO memory | tr -d '\r' | grep -E '^(used_memory_spans|used_memory_retained|used_memory_scavenged|go_runtime_memory|lazyfree_pending_objects):'
