#!/usr/bin/python3
"""numkv against redis-server, side by side, in one run: memory and the
work each does per request, the figures of the engine issue.

Both servers run at once, each pinned to core 1 (taskset -c 1), with
redis-benchmark pinned to core 0, so that requests per second compare the
work per request of two single-core servers. Each figure is measured in
three pairs of runs, numkv and Redis alternating (which goes first swaps
from pair to pair); the table gives both ranges and the median of the
pair ratios. CPU per request is the server's utime+stime from
/proc/PID/stat over the requests of the run.

Usage: scripts/bench_engine.py [--unpinned] [--pairs N] [--only a,b,...]
Needs redis-server, redis-benchmark and python3-redis (make test-deps).
Servers listen on 127.0.0.1 only and are stopped by PID."""
import argparse, os, statistics, subprocess, sys, tempfile, time
import redis

ap = argparse.ArgumentParser()
ap.add_argument("--unpinned", action="store_true", help="let the servers and the client use both cores")
ap.add_argument("--pairs", type=int, default=3)
ap.add_argument("--only", default="", help="comma-separated figures to run (see FIGURES)")
ap.add_argument("--numkv", default="", help="a prebuilt numkv binary (default: go build)")
args = ap.parse_args()

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binpath = args.numkv or "/tmp/numkv-engine-bench"
if not args.numkv:
    subprocess.run(["go", "build", "-o", binpath, "."], cwd=root, check=True)
TICK = os.sysconf("SC_CLK_TCK")
work = tempfile.mkdtemp(prefix="numkv-engine-")
PORTS = {"numkv": 7491, "redis": 7492}


def pin(core):
    return [] if args.unpinned else ["taskset", "-c", str(core)]


def start(kind):
    port = PORTS[kind]
    if kind == "redis":
        cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", work]
    else:
        cmd = [binpath, "--port", str(port), "--dbfilename", "", "--save", ""]
    env = dict(os.environ)
    if kind == "numkv" and os.environ.get("GCTRACE"):
        env["GODEBUG"] = "gctrace=1"
    log = open(os.path.join(work, kind + ".log"), "w")
    p = subprocess.Popen(pin(1) + cmd, stdout=log, stderr=log, env=env)
    r = redis.Redis(port=port, socket_timeout=600)
    for _ in range(500):
        try:
            r.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.01)
    return p, r


def cpu(p):
    f = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK  # utime, stime


def rss(p):
    for line in open(f"/proc/{p.pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def bench(kind, n, *bargs):
    """One redis-benchmark run: requests per second and server CPU per
    request (microseconds)."""
    p, _ = servers[kind]
    c0 = cpu(p)
    out = subprocess.run(pin(0) + ["redis-benchmark", "-h", "127.0.0.1", "-p", str(PORTS[kind]), "--csv", "-n", str(n)]
                         + list(bargs), capture_output=True, text=True, check=True).stdout
    c1 = cpu(p)
    line = [l for l in out.splitlines() if l and not l.startswith('"test"')][-1]
    rps = float(line.split(",")[1].strip('"'))
    return rps, (c1 - c0) / n * 1e6


def gc_cpu(kind):
    """numkv's INFO: seconds of CPU the Go collector has used."""
    if kind != "numkv":
        return 0.0
    return float(servers[kind][1].info("memory").get("gc_cpu_seconds", 0))


servers = {}
results = {}  # figure -> kind -> list of (value, cpu)


def record(fig, kind, value, cpu_us=None):
    results.setdefault(fig, {}).setdefault(kind, []).append((value, cpu_us))


def order(pair):
    return ["numkv", "redis"] if pair % 2 == 0 else ["redis", "numkv"]


def fig_small(pair):
    """GET and SET of 16 bytes, 50 clients, pipelines of 16, 100000 keys."""
    for kind in order(pair):
        r = servers[kind][1]
        r.flushall()
        subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(PORTS[kind]), "-q", "-n", "300000",
                        "-r", "100000", "-d", "16", "-c", "50", "-P", "16", "-t", "set"], capture_output=True, check=True)
    for test in ["get", "set"]:
        for kind in order(pair):
            rps, c = bench(kind, 2000000, "-t", test, "-d", "16", "-r", "100000", "-c", "50", "-P", "16")
            record(f"{test.upper()} 16 B, -c 50 -P 16 -r 100000", kind, rps, c)


def fig_getrange(pair):
    """GETRANGE of 4 KiB in a 64 MiB value."""
    big = os.urandom(64 << 20)
    for kind in order(pair):
        servers[kind][1].set("big64", big)
    for kind in order(pair):
        rps, c = bench(kind, 2000000, "-c", "50", "-P", "16", "GETRANGE", "big64", "1048576", "1052671")
        record("GETRANGE 4 KiB of a 64 MiB value, -c 50 -P 16", kind, rps, c)


def fig_get1m(pair, label="GET of a 1 MiB value, -c 4"):
    data = os.urandom(1 << 20)
    for kind in order(pair):
        servers[kind][1].set("big1m", data)
    for kind in order(pair):
        g0, c0 = gc_cpu(kind), cpu(servers[kind][0])
        rps, c = bench(kind, 20000, "-c", "4", "GET", "big1m")
        if kind == "numkv":
            share = (gc_cpu(kind) - g0) / max(cpu(servers[kind][0]) - c0, 1e-9)
            record(label + ": GC CPU share", kind, share)
        record(label, kind, rps, c)


def fig_keys(pair):
    """RSS per small key: SETs of 16 bytes over 1,000,000 random keys; then
    the 1 MiB GET with those keys present."""
    for kind in order(pair):
        p, r = servers[kind]
        r.flushall()
        time.sleep(0.5)
        before = rss(p)
        subprocess.run(pin(0) + ["redis-benchmark", "-h", "127.0.0.1", "-p", str(PORTS[kind]), "-q", "-n", "3000000",
                                 "-r", "1000000", "-d", "16", "-c", "50", "-P", "16", "-t", "set"],
                       capture_output=True, check=True)
        time.sleep(0.5)
        keys = r.dbsize()
        record("RSS per small key: ~1M SET of 16 B (-r 1000000), bytes", kind, (rss(p) - before) / keys)
    fig_get1m(pair, "GET of a 1 MiB value, -c 4, with ~1M small keys present")


def fig_churn(pair):
    """RSS / data: 256 values of 4 MiB, each then overwritten twice; then
    RSS after FLUSHALL."""
    blobs = [os.urandom(4 << 20) for _ in range(4)]
    for kind in order(pair):
        p, r = servers[kind]
        r.flushall()
        time.sleep(0.5)
        for rnd in range(3):
            pipe = r.pipeline(transaction=False)
            for i in range(256):
                pipe.set(f"v{i}", blobs[(i + rnd) % len(blobs)])
                if i % 8 == 7:
                    pipe.execute()
            pipe.execute()
        time.sleep(1)
        record("RSS / data: 256 values of 4 MiB, each then overwritten twice", kind, rss(p) / (1 << 30))
        r.flushall()
        time.sleep(1)
        record("RSS after FLUSHALL of those, MiB", kind, rss(p) / (1 << 20))


FIGURES = {"small": fig_small, "getrange": fig_getrange, "get1m": fig_get1m, "keys": fig_keys, "churn": fig_churn}

try:
    for kind in ["numkv", "redis"]:
        servers[kind] = start(kind)
    names = [f for f in FIGURES if not args.only or f in args.only.split(",")]
    for pair in range(args.pairs):
        for name in names:
            print(f"pair {pair + 1}: {name}", file=sys.stderr, flush=True)
            FIGURES[name](pair)
finally:
    for p, _ in servers.values():
        p.kill()
        p.wait()

# The same server's GET of 1 MiB with ~1M small keys present, against
# without: pair by pair, then the median.
plain = results.get("GET of a 1 MiB value, -c 4", {})
loaded = results.get("GET of a 1 MiB value, -c 4, with ~1M small keys present", {})
for kind in ["numkv", "redis"]:
    if plain.get(kind) and loaded.get(kind):
        r = [b[0] / a[0] for a, b in zip(plain[kind], loaded[kind])]
        c = [b[1] / a[1] for a, b in zip(plain[kind], loaded[kind])]
        results.setdefault("GET 1 MiB with ~1M keys / without, same server: rate", {})[kind] = [(x, None) for x in r]
        results.setdefault("GET 1 MiB with ~1M keys / without, same server: CPU per request", {})[kind] = [(x, None) for x in c]

cpuinfo = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
print(f"{time.strftime('%Y-%m-%d')}, {len(cpuinfo)} x {cpuinfo[0]}, "
      f"{'unpinned' if args.unpinned else 'servers on core 1, redis-benchmark on core 0'}, "
      f"{args.pairs} pairs")
print()
print("| figure | numkv | redis | numkv / redis (median of pairs) | CPU/request numkv | CPU/request redis | CPU ratio (median) |")
print("|---|---|---|---|---|---|---|")


def rng(vals, fmt):
    return f"{fmt(min(vals))}–{fmt(max(vals))}" if len(vals) > 1 else fmt(vals[0])


for fig, by in results.items():
    nk = by.get("numkv", [])
    rd = by.get("redis", [])
    fmt = (lambda x: f"{x / 1000:.0f}k/s" if x >= 10000 else f"{x:.0f}/s") if ("GET" in fig or "SET" in fig) and "RSS" not in fig else (lambda x: f"{x:.3g}")
    if "share" in fig:
        fmt = lambda x: f"{100 * x:.1f}%"
    if "without" in fig:
        fmt = lambda x: f"{x:.2f}×"
    ratio = cpu_ratio = "—"
    if nk and rd and "without" not in fig:
        ratio = f"{statistics.median(a[0] / b[0] for a, b in zip(nk, rd)):.2f}×"
        if nk[0][1] is not None:
            cpu_ratio = f"{statistics.median(a[1] / b[1] for a, b in zip(nk, rd)):.2f}×"
    cn = rng([x[1] for x in nk], lambda x: f"{x:.2f} µs") if nk and nk[0][1] is not None else "—"
    cr = rng([x[1] for x in rd], lambda x: f"{x:.2f} µs") if rd and rd[0][1] is not None else "—"
    print(f"| {fig} | {rng([x[0] for x in nk], fmt) if nk else '—'} | {rng([x[0] for x in rd], fmt) if rd else '—'} "
          f"| {ratio} | {cn} | {cr} | {cpu_ratio} |")
