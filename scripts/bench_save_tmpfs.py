#!/usr/bin/python3
"""SAVE 1 GiB of float32 (256 x 4 MiB, standard normal) onto a tmpfs, three
times, in numkv (s2 and none) and redis-server (LZF and none), to measure
the save path without the disk. Needs root (it mounts a 3 GiB tmpfs),
python3-redis, python3-numpy and redis-server. Servers listen on
127.0.0.1 only and are stopped by PID; the tmpfs is unmounted at the end.
Usage: sudo scripts/bench_save_tmpfs.py"""
import os, subprocess, time
import numpy as np, redis

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binpath = "/tmp/numkv-save-bench"
subprocess.run(["go", "build", "-o", binpath, "."], cwd=root, check=True)
d = "/tmp/numkv-save-tmpfs"
os.makedirs(d, exist_ok=True)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3g", "tmpfs", d], check=True)
blob = np.random.default_rng(1).standard_normal(1 << 20, dtype=np.float32).tobytes()
try:
    for kind, setting in [("numkv", "s2"), ("numkv", "none"), ("redis", "yes"), ("redis", "no")]:
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
        if kind == "numkv":
            args = [binpath, "--port", "7398", "--dir", d, "--dbfilename", "s.numkv", "--save", "",
                    "--snapshot-compression", setting]
        else:
            args = ["redis-server", "--port", "7398", "--bind", "127.0.0.1", "--dir", d, "--dbfilename",
                    "s.rdb", "--save", "", "--appendonly", "no", "--rdbcompression", setting]
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            r = redis.Redis(port=7398)
            while True:
                try:
                    r.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.01)
            for i in range(256):
                if kind == "numkv":
                    r.execute_command("NUM.CREATE", f"w{i}", "f32")
                    r.execute_command("NUM.APPEND", f"w{i}", blob)
                else:
                    r.set(f"w{i}", blob)
            ts = []
            for _ in range(3):
                t0 = time.perf_counter()
                r.save()
                ts.append(time.perf_counter() - t0)
            print(f"{kind} {setting}: " + " ".join(f"{t:.2f}s" for t in ts) + f", best {2**30/1e6/min(ts):.0f} MB/s")
        finally:
            p.kill()
            p.wait()
finally:
    subprocess.run(["umount", d])
