#!/usr/bin/python3
"""redis-py's RedisCluster against numkv nodes, for tests/cluster_test.go.

Usage: /usr/bin/python3 tests/cluster_redis_py.py HOST:PORT

Creates i32 arrays on keys spread over every node with NUM.CREATE and
NUM.APPEND, reads them back with NUM.READ and NUM.GATHER (VALUES), and
checks every reply. Prints "ok N" (keys checked) or exits non-zero.
"""

import sys

from redis.cluster import RedisCluster

host, port = sys.argv[1].rsplit(":", 1)
rc = RedisCluster(host=host, port=int(port))
slots_seen = set()
for i in range(60):
    key = "py:%d" % i
    rc.execute_command("NUM.CREATE", key, "i32")
    rc.execute_command("NUM.APPEND", key, "VALUES", i, i * 2, i * 3)
    slots_seen.add(rc.keyslot(key) * 3 // 16384)
for i in range(60):
    key = "py:%d" % i
    raw = rc.execute_command("NUM.READ", key)
    want = b"".join(int(v).to_bytes(4, "little") for v in (i, i * 2, i * 3))
    if raw != want:
        sys.exit("NUM.READ %s: %r, want %r" % (key, raw, want))
    got = rc.execute_command("NUM.GATHER", key, 2, 0, "VALUES")
    if [int(v) for v in got] != [i * 3, i]:
        sys.exit("NUM.GATHER %s 2 0 VALUES: %r" % (key, got))
if len(slots_seen) != 3:
    sys.exit("keys on %d of the 3 nodes' slot ranges" % len(slots_seen))
print("ok", 60)
