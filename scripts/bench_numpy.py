#!/usr/bin/python3
"""Server-side selections, casts and reductions against what a user does
without them (read everything, then crop, cast or reduce in numpy), through
redis-py, in one run. Prints a Markdown table.

Usage: taskset -c 0 scripts/bench_numpy.py [MiB-for-reduce] [MiB-for-cast]
  defaults 1024 and 256. The server is started pinned to core 1
  (taskset -c 1); run the script itself on core 0, as above.
Each figure is the median of 3 runs; server CPU comes from /proc/PID/stat
(utime+stime), RSS from /proc/PID/status after the run. Needs Debian's
python3-redis and python3-numpy. The server listens on 127.0.0.1 only and is
stopped by PID."""
import os, socket, statistics, subprocess, sys, tempfile, time
import numpy as np, redis

reduce_mib = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
cast_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 256
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binpath = os.environ.get("NUMKV_BIN") or "/tmp/numkv-numpy-bench"
if not os.environ.get("NUMKV_BIN"):
    subprocess.run(["go", "build", "-o", binpath, "."], cwd=root, check=True)
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0


port = free_port()
work = tempfile.mkdtemp(prefix="numkv-numpy-bench-")
proc = subprocess.Popen(["taskset", "-c", "1", binpath, "--port", str(port), "--dir", work,
                         "--save", "", "--dbfilename", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
r = redis.Redis(port=port, socket_timeout=600)
while True:
    try:
        r.ping()
        break
    except redis.ConnectionError:
        time.sleep(0.01)


def put(key, a, dt):
    r.delete(key)
    args = ["NUM.CREATE", key, dt]
    if a.ndim > 1:
        args += ["SHAPE", *a.shape[1:]]
    r.execute_command(*args)
    b = a.reshape(-1).view(np.uint8)
    step = 64 << 20
    for i in range(0, len(b), step):
        r.execute_command("NUM.APPEND", key, b[i:i + step].tobytes())


def timed(fn):
    """Median wall seconds and server CPU seconds of 3 runs of fn."""
    walls, cpus = [], []
    for _ in range(3):
        c0, t0 = cpu(proc.pid), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu(proc.pid) - c0)
    return statistics.median(walls), statistics.median(cpus), out


rows = []


def compare(what, mib, server, client, check):
    ws, cs, a = timed(server)
    wc, cc, b = timed(client)
    check(a, b)
    rows.append((what, mib, ws, cs, wc, cc))


try:
    # 1. A crop of every image: ":, 10:18, 10:18" of (65536, 28, 28) u8.
    imgs = np.random.default_rng(1).integers(0, 256, (65536, 28, 28), dtype=np.uint8)
    put("imgs", imgs, "u8")
    compare("crop `:, 10:18, 10:18` of (65536, 28, 28) u8", imgs.nbytes >> 20,
            lambda: np.frombuffer(r.execute_command("NUM.READ", "imgs", ":, 10:18, 10:18"), np.uint8).reshape(-1, 8, 8),
            lambda: np.ascontiguousarray(np.frombuffer(r.execute_command("NUM.READ", "imgs"), np.uint8)
                                         .reshape(-1, 28, 28)[:, 10:18, 10:18]),
            lambda a, b: np.testing.assert_array_equal(a, b))
    del imgs
    r.delete("imgs")

    # 2. SUM and MEAN of reduce_mib MiB of f32.
    n = reduce_mib << 18
    x = np.random.default_rng(2).standard_normal(n, dtype=np.float32)
    put("x", x, "f32")
    del x
    for op, fn in (("SUM", np.sum), ("MEAN", np.mean)):
        compare(f"NUM.REDUCE {op} of f32", reduce_mib,
                lambda: float(np.frombuffer(r.execute_command("NUM.REDUCE", "x", op), np.float64)[0]),
                lambda: float(fn(np.frombuffer(r.execute_command("NUM.READ", "x"), np.float32), dtype=np.float64)),
                lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-3))
    r.delete("x")

    # 3. Reading cast_mib MiB of f32 as f16.
    y = np.random.default_rng(3).standard_normal(cast_mib << 18, dtype=np.float32)
    put("y", y, "f32")
    del y
    compare("NUM.READ AS f16 of f32", cast_mib,
            lambda: np.frombuffer(r.execute_command("NUM.READ", "y", "AS", "f16"), np.float16),
            lambda: np.frombuffer(r.execute_command("NUM.READ", "y"), np.float32).astype(np.float16),
            lambda a, b: np.testing.assert_array_equal(a, b))

    print(f"numkv RSS after the run: {rss_mib(proc.pid):.0f} MiB\n")
    print("| case | MiB | numkv does it: wall s | server CPU s | read all + numpy: wall s | server CPU s | speed-up |")
    print("|---|---|---|---|---|---|---|")
    for what, mib, ws, cs, wc, cc in rows:
        print(f"| {what} | {mib} | {ws:.3f} | {cs:.2f} | {wc:.3f} | {cc:.2f} | {wc / ws:.1f}× |")
    for what, mib, ws, cs, wc, cc in rows:
        if what.startswith("NUM.REDUCE"):
            print(f"\n{what}: {mib / 1024 / ws:.2f} GiB/s end to end")
finally:
    proc.kill()
    proc.wait()
