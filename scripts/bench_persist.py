#!/usr/bin/python3
"""Save, load and restart 1 GiB of float32 in 256 variables, in numkv and
in redis-server, in the same run, and print Markdown tables.

Usage: scripts/bench_persist.py [MiB-total] [variables]
Needs Debian's python3-redis and python3-numpy (make test-deps), and
redis-server on the PATH. Servers listen on 127.0.0.1 only and are stopped by
PID."""
import mmap, os, random, subprocess, sys, tempfile, threading, time
import numpy as np, redis

total_mib = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
nvars = int(sys.argv[2]) if len(sys.argv) > 2 else 256
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# NUMKV_BIN runs a prebuilt binary instead (to compare two builds).
binpath = os.environ.get("NUMKV_BIN") or "/tmp/numkv-persist-bench"
if not os.environ.get("NUMKV_BIN"):
    subprocess.run(["go", "build", "-o", binpath, "."], cwd=root, check=True)
# PARTS=save,growth,restart picks the sections to run (all by default).
parts = os.environ.get("PARTS", "save,growth,restart").split(",")
# SERVERS=numkv leaves redis-server out (to compare two numkv builds).
servers = os.environ.get("SERVERS", "redis,numkv").split(",")
work = tempfile.mkdtemp(prefix="numkv-persist-")
per = total_mib * (1 << 20) // nvars // 4  # float32 elements per variable
rng = np.random.default_rng(1)
# Normal-distributed float32, like trained weights: it barely compresses.
blobs = [rng.standard_normal(per, dtype=np.float32).tobytes() for _ in range(8)]


def start(kind, port, extra):
    if kind == "redis":
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", work,
                "--dbfilename", "bench.rdb", "--save", "", "--appendonly", "no"] + extra
    else:
        args = [binpath, "--port", str(port), "--dir", work, "--dbfilename", "bench.numkv", "--save", ""] + extra
    t0 = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r = redis.Redis(port=port, socket_timeout=600)
    while True:
        try:
            r.ping()
            if r.info("persistence")["loading"] == 0:
                break
        except (redis.ConnectionError, redis.BusyLoadingError, redis.ResponseError):
            pass
        time.sleep(0.005)
    return p, r, time.perf_counter() - t0


def fill(r, kind):
    """Store the data set: f32 variables in numkv, strings in Redis."""
    pipe = r.pipeline(transaction=False)
    for i in range(nvars):
        if kind == "numkv":
            pipe.execute_command("NUM.CREATE", f"w{i}", "f32")
            pipe.execute_command("NUM.APPEND", f"w{i}", blobs[i % len(blobs)])
        else:
            pipe.set(f"w{i}", blobs[i % len(blobs)])
        if i % 8 == 7:
            pipe.execute()
    pipe.execute()


def stop(p):
    p.kill()
    p.wait()


def quiet_disk():
    """Let the disk finish what earlier steps wrote, so that each timed
    write starts from the same quiet disk."""
    os.sync()
    time.sleep(2)


def disk_write(direct=False):
    """The disk's own speed for what a save does: write the data set's
    bytes to a file in the same directory, fsync it and remove it, through
    the page cache (as Redis saves) or with O_DIRECT from page-aligned
    memory (as numkv saves). Timed right before each SAVE, because this
    VM's disk speed drifts."""
    path = os.path.join(work, "yardstick")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | (os.O_DIRECT if direct else 0)
    fd = os.open(path, flags, 0o600)
    src = blobs
    if direct:
        src = []
        for b in blobs:
            m = mmap.mmap(-1, len(b))
            m.write(b)
            src.append(m)
    t0 = time.perf_counter()
    for i in range(nvars):
        os.write(fd, src[i % len(src)])
    os.fsync(fd)
    secs = time.perf_counter() - t0
    os.close(fd)
    os.remove(path)
    return secs


rows = []
for kind, label, extra, fname in [] if "save" not in parts else [
    ("redis", "redis-server, rdbcompression yes (LZF)", ["--rdbcompression", "yes"], "bench.rdb"),
    ("redis", "redis-server, rdbcompression no", ["--rdbcompression", "no"], "bench.rdb"),
    ("numkv", "numkv, s2 (default)", ["--snapshot-compression", "s2"], "bench.numkv"),
    ("numkv", "numkv, no compression", ["--snapshot-compression", "none"], "bench.numkv"),
]:
    if kind not in servers:
        continue
    path = os.path.join(work, fname)
    if os.path.exists(path):
        os.remove(path)
    p, r, _ = start(kind, 7395, extra)
    fill(r, kind)
    quiet_disk()
    disk_s = disk_write()
    quiet_disk()
    direct_s = disk_write(direct=True)
    quiet_disk()
    t0 = time.perf_counter()
    r.save()
    save_s = time.perf_counter() - t0
    size = os.path.getsize(path)
    stop(p)
    # Load: start on the file (now in the page cache) until it answers.
    # This VM (Firecracker, free page reporting) hands memory that the
    # guest freed more than ~2 s ago back to the host, and touching 1 GiB
    # of it again costs 0.8-1.3 s in any process, against 0.2 s for memory
    # freed just before. So the first load is timed as it comes, and then
    # three more right after touching and freeing 1.5x the data set in this
    # process, which leaves backed memory for the server; the table gives
    # the median and range of those three, and the first load apart.
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL)
    loads = []
    for i in range(4):
        if i > 0:
            prime = np.ones(total_mib * 3 << 17, dtype=np.float32)
            del prime
        p, r, load_s = start(kind, 7395, extra)
        assert r.dbsize() == nvars, r.dbsize()
        stop(p)
        loads.append(load_s)
    data = nvars * per * 4
    rows.append((label, data, size, disk_s, direct_s, save_s, loads[0], sorted(loads[1:])))
    os.remove(path)

def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def bgsave_growth(kind, rate):
    """BGSAVE while one client overwrites random 4 KiB ranges at `rate`
    writes/s; returns (save seconds, memory growth in bytes, writes done).
    numkv's growth is its peak RSS over the baseline; Redis's is the
    copy-on-write size its fork child reports (rdb_last_cow_size)."""
    extra = ["--snapshot-compression", "s2"] if kind == "numkv" else ["--rdbcompression", "no"]
    p, r, _ = start(kind, 7396, extra)
    fill(r, kind)
    w = redis.Redis(port=7396, socket_timeout=600)
    stop_writes = threading.Event()
    done = [0]
    page = os.urandom(4096)
    rnd = random.Random(7)

    def writer():
        t0 = time.perf_counter()
        while not stop_writes.is_set():
            w.setrange(f"w{rnd.randrange(nvars)}", rnd.randrange(0, per * 4 - 4096) // 4096 * 4096, page)
            done[0] += 1
            ahead = done[0] / rate - (time.perf_counter() - t0)
            if ahead > 0:
                time.sleep(ahead)

    th = threading.Thread(target=writer)
    th.start()
    time.sleep(1.0)  # the write load is steady before the save
    base = rss(p.pid)
    peak = base
    n0 = done[0]
    t0 = time.perf_counter()
    r.bgsave()
    while True:
        peak = max(peak, rss(p.pid))
        if r.info("persistence")["rdb_bgsave_in_progress"] == 0:
            break
        time.sleep(0.005)
    save_s = time.perf_counter() - t0
    writes = done[0] - n0
    stop_writes.set()
    th.join()
    growth = peak - base
    if kind == "redis":
        growth = r.info("persistence").get("rdb_last_cow_size", 0)
    stop(p)
    for f in os.listdir(work):
        os.remove(os.path.join(work, f))
    return save_s, growth, writes


print(f"{nvars} variables, {total_mib} MiB of float32 (standard normal) in all\n")
print("| server | file size | disk MB/s just before: write, fsync / O_DIRECT write, fsync | SAVE | SAVE MB/s | SAVE / disk (page cache / O_DIRECT) | first load (start to ready), MB/s | load, memory backed: median of 3 (range) | load MB/s: median (range) |")
print("|---|---|---|---|---|---|---|---|---|")
for label, data, size, disk_s, direct_s, save_s, first, loads in rows:
    lo, med, hi = loads
    print(f"| {label} | {size/2**20:.0f} MiB | {data/1e6/disk_s:.0f} / {data/1e6/direct_s:.0f} | {save_s:.2f} s | {data/1e6/save_s:.0f} | {disk_s/save_s:.2f} / {direct_s/save_s:.2f} "
          f"| {first:.2f} s, {data/1e6/first:.0f} | {med:.2f} s ({lo:.2f}-{hi:.2f}) | {data/1e6/med:.0f} ({data/1e6/hi:.0f}-{data/1e6/lo:.0f}) |")
data = nvars * per * 4
print("\nMemory growth during BGSAVE while one client overwrites random 4 KiB ranges (SETRANGE) at a steady rate:\n")
print("| server | writes/s | save | writes during the save | memory growth | growth / data set |")
print("|---|---|---|---|---|---|")
for rate in (200, 1000) if "growth" in parts else ():
    for kind in [k for k in ("redis", "numkv") if k in servers]:
        save_s, growth, writes = bgsave_growth(kind, rate)
        label = "redis-server (fork; child's copy-on-write)" if kind == "redis" else "numkv (clones; peak RSS over baseline)"
        print(f"| {label} | {rate} | {save_s:.2f} s | {writes} | {growth/2**20:.0f} MiB | {100*growth/data:.1f}% |")


def restart(kind, extra):
    """A restart as an operator does it: SHUTDOWN (which saves), then a new
    process until it answers with loading:0. No cat, no priming: the file
    is wherever the save left it. Returns (shutdown seconds, load seconds)."""
    fname = "bench.rdb" if kind == "redis" else "bench.numkv"
    p, r, _ = start(kind, 7397, extra)
    fill(r, kind)
    quiet_disk()
    t0 = time.perf_counter()
    try:
        r.shutdown(save=True)
    except redis.ConnectionError:
        pass
    p.wait()
    down_s = time.perf_counter() - t0
    p, r, load_s = start(kind, 7397, extra)
    assert r.dbsize() == nvars, r.dbsize()
    stop(p)
    os.remove(os.path.join(work, fname))
    return down_s, load_s


if "restart" in parts:
    print("\nRestart: SHUTDOWN (saves), then start until ready (loading:0):\n")
    print("| server | SHUTDOWN | start to ready | down in all |")
    print("|---|---|---|---|")
    for kind, label, extra in [
        ("redis", "redis-server, rdbcompression no", ["--rdbcompression", "no"]),
        ("numkv", "numkv, s2 (default)", []),
    ]:
        if kind in servers:
            down_s, load_s = restart(kind, extra)
            print(f"| {label} | {down_s:.2f} s | {load_s:.2f} s | {down_s+load_s:.2f} s |")
os.rmdir(work)
