#!/usr/bin/python3
"""A GET loop in a process of its own, for the abuse test.

Usage: /usr/bin/python3 tests/get_latency.py HOST:PORT KEY HEXVALUE

GETs KEY over one connection, a millisecond apart, and checks each reply
is HEXVALUE (hex-encoded). Each line read on standard input names the
phase that begins; at the end of input it prints, per phase, a line
"phase <name>" and then one latency in microseconds per line, and exits.
A wrong value or a connection error exits at once with status 1. Being
its own process, its latencies are the server's and the kernel's, not
those of the test's goroutines, which share the Go scheduler.
"""

import os
import select
import socket
import sys
import time

host, port = sys.argv[1].rsplit(":", 1)
key, value = sys.argv[2].encode(), bytes.fromhex(sys.argv[3])
req = b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key)
want = b"$%d\r\n%s\r\n" % (len(value), value)

sock = socket.create_connection((host, int(port)), timeout=30)
phases = [("start", [])]
stdin = sys.stdin.fileno()
pending = b""
while True:
    if select.select([stdin], [], [], 0)[0]:
        data = os.read(stdin, 4096)
        if not data:
            break
        pending += data
        while b"\n" in pending:
            name, pending = pending.split(b"\n", 1)
            phases.append((name.decode(), []))
    t0 = time.perf_counter()
    sock.sendall(req)
    got = b""
    while len(got) < len(want):
        chunk = sock.recv(len(want) - len(got))
        if not chunk:
            sys.exit("GET %s: the server closed the connection" % key.decode())
        got += chunk
    phases[-1][1].append((time.perf_counter() - t0) * 1e6)
    if got != want:
        sys.exit("GET %s: %r" % (key.decode(), got))
    time.sleep(0.001)

out = []
for name, lat in phases:
    out.append("phase " + name)
    out.extend("%.1f" % x for x in lat)
print("\n".join(out))
