#!/usr/bin/python3
"""Rows per second of numkv.Client.batches against a plain redis-py loop.

    /usr/bin/python3 scripts/bench_batches.py [--host H] [--port P] [--mib 1024]
        [--row 128] [--batch 256] [--max-batches N]

Puts a float32 variable of --mib MiB (rows of --row scalars) under the key
bench:batches, then reads one shuffled epoch of batches of --batch rows
(or its first --max-batches) in three ways and prints rows/s and MiB/s:

  batches          numkv.Client.batches: NUM.GATHERs of several batches in
                   one pipelined round trip, on a background thread
  loop             one NUM.GATHER per batch with redis-py, no pipelining
  loop, sorted     the same with each batch's indexes sorted (the server
                   merges runs of consecutive rows; random rows rarely are)

Not part of the tests: it times things. Deletes its key at the end.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
import numkv  # noqa: E402

KEY = "bench:batches"


def report(name, rows, nbytes, secs):
    print(f"{name:14s} {rows / secs:12,.0f} rows/s  {nbytes / secs / 2**20:8.1f} MiB/s  ({secs:.2f} s)", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--row", type=int, default=128)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--prefetch", type=int, default=8)
    ap.add_argument("--max-batches", type=int, default=0, help="0: the whole epoch")
    args = ap.parse_args()

    db = numkv.Client(host=args.host, port=args.port)
    row_bytes = 4 * args.row
    n = (args.mib << 20) // row_bytes
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    db.delete(KEY)
    db.create(KEY, np.float32, shape=(args.row,))
    step = max(1, (64 << 20) // row_bytes)
    for i in range(0, n, step):
        db.append(KEY, rng.standard_normal((min(step, n - i), args.row), dtype=np.float32))
    print(f"{KEY}: {n:,} rows of {args.row} float32 ({n * row_bytes / 2**20:.0f} MiB), "
          f"written in {time.perf_counter() - t:.1f} s; batch {args.batch}", flush=True)

    nb = -(-n // args.batch)
    if args.max_batches:
        nb = min(nb, args.max_batches)

    # numkv.Client.batches
    t = time.perf_counter()
    rows = 0
    for i, x in enumerate(db.batches(KEY, args.batch, seed=1, prefetch=args.prefetch)):
        rows += len(x)
        if i + 1 == nb:
            break
    report("batches", rows, rows * row_bytes, time.perf_counter() - t)

    # the plain loop, shuffled and sorted
    r = db.redis
    order = np.random.default_rng(1).permutation(n)
    for name, sort in [("loop", False), ("loop, sorted", True)]:
        t = time.perf_counter()
        rows = 0
        for b in range(nb):
            idx = order[b * args.batch:(b + 1) * args.batch]
            if sort:
                idx = np.sort(idx)
            x = np.frombuffer(r.execute_command("NUM.GATHER", KEY, *idx.tolist()), np.float32)
            x = x.reshape(len(idx), args.row)
            rows += len(x)
        report(name, rows, rows * row_bytes, time.perf_counter() - t)
    db.delete(KEY)
    db.close()


if __name__ == "__main__":
    main()
