#!/usr/bin/python3
"""numpy as the oracle for NUM.REDUCE.

Usage: /usr/bin/python3 tests/numpy_reduce_oracle.py HOST:PORT [SEED]

Creates variables of every dtype with row shapes of 0 to 3 axes (a few
spanning several tree chunks), then checks thousands of random
NUM.REDUCE calls (every op, selections, AXIS in range, negative and out of
range, empty selections, NaN, wrapping integer sums, bytes and VALUES
replies, RESP2 and RESP3) against numpy's sum, mean, min and max: integers
and MIN/MAX exactly, float sums and means within the contract's
1e-11 x sum(|x|). bf16 is checked against its values widened to float32
with numpy bit operations (ml_dtypes is not installed). redis-py 4.3 speaks
no RESP3, so this talks RESP itself. Exits non-zero at the first
difference, naming the case.
"""

import random
import socket
import sys
import warnings

import numpy as np

DTYPES = [
    # numkv name, numpy dtype of the values (bf16: its bits as uint16)
    ("bool", np.bool_), ("i8", np.int8), ("u8", np.uint8), ("i16", np.int16),
    ("u16", np.uint16), ("i32", np.int32), ("u32", np.uint32), ("i64", np.int64),
    ("u64", np.uint64), ("f16", np.float16), ("bf16", np.uint16), ("f32", np.float32),
    ("f64", np.float64), ("c64", np.complex64), ("c128", np.complex128),
]
OPS = ["SUM", "MEAN", "MIN", "MAX"]


class Mismatch(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Mismatch(what)


class Conn:
    """A raw RESP connection: pipelined commands, RESP2 or RESP3 replies
    parsed into Python values (errors as Err, doubles as float, nulls as
    None)."""

    def __init__(self, host, port, proto):
        self.s = socket.create_connection((host, port))
        self.f = self.s.makefile("rb")
        if proto == 3:
            self.pipeline([["HELLO", "3"]])

    def pipeline(self, cmds):
        out = bytearray()
        for c in cmds:
            out += b"*%d\r\n" % len(c)
            for a in c:
                if isinstance(a, str):
                    a = a.encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return [self.reply() for _ in cmds]

    def reply(self):
        line = self.f.readline()
        t, rest = line[:1], line[1:-2]
        if t in b"+":
            return rest.decode()
        if t == b"-":
            return Err(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"(":
            return int(rest)
        if t == b",":
            return float(rest)
        if t == b"_":
            return None
        if t in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            b = self.f.read(n + 2)[:-2]
            return b
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return NullArray
            return [self.reply() for _ in range(n)]
        if t == b"%":
            n = int(rest)
            return [self.reply() for _ in range(2 * n)]
        raise Mismatch("unexpected reply %r" % line)


class Err(str):
    pass


NullArray = ("null array",)


def bf16_widen(bits):
    b = np.asarray(bits)
    return (b.reshape(-1).astype(np.uint32) << 16).view(np.float32).reshape(b.shape)


class Oracle:
    def __init__(self, conns, rng):
        self.c2, self.c3 = conns
        self.rng = rng
        self.counts = {}
        self.vars = []

    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    def random_values(self, name, npdt, n):
        rng = self.rng
        dt = np.dtype(npdt)
        if name == "bool":
            return np.array([rng.random() < 0.5 for _ in range(n)], dtype=np.bool_)
        if name == "bf16":
            f = self.random_floats(n).astype(np.float32)
            return (f.view(np.uint32) >> 16).astype(np.uint16)
        if dt.kind in "ui":
            # any bits: int64/uint64 sums wrap
            return np.frombuffer(rng.randbytes(n * dt.itemsize), dtype=dt).copy()
        if dt.kind == "c":
            return (self.random_floats(n) + 1j * self.random_floats(n)).astype(dt)
        return self.random_floats(n).astype(dt)

    def random_floats(self, n):
        rng = self.rng
        if n > 50000:
            # numpy's generator, for speed; magnitudes over 7 decades
            g = np.random.default_rng(rng.getrandbits(64))
            a = g.standard_normal(n) * 10.0 ** g.integers(-3, 4, n)
            if rng.random() < 0.3:
                a[g.integers(0, n, 3)] = np.nan
            return a
        a = np.array([rng.gauss(0, 1) * 10 ** rng.randint(-3, 3) for _ in range(n)])
        for _ in range(n // 40 if rng.random() < 0.3 else 0):
            a[rng.randrange(n)] = rng.choice([np.nan, np.inf, -np.inf])
        return a

    def make_vars(self):
        k = 0
        for name, npdt in DTYPES:
            for nd in range(4):
                for _ in range(2):
                    shape = tuple(self.rng.randint(1, 4) for _ in range(nd))
                    n = self.rng.choice([0, 1, 2, 5, 17, 40])
                    self.add_var("r%d" % k, name, npdt, shape, n)
                    k += 1
        # several tree chunks (128 KiB leaves)
        for name, npdt, shape, n in [("f32", np.float32, (), 200000), ("f64", np.float64, (3,), 20000),
                                     ("i64", np.int64, (), 40000), ("f16", np.float16, (2, 5), 10000),
                                     ("c64", np.complex64, (), 30000), ("u8", np.uint8, (4,), 100000),
                                     ("f32", np.float32, (2,), 300000), ("f64", np.float64, (), 400000)]:
            self.add_var("big%d" % k, name, npdt, shape, n)
            k += 1

    def add_var(self, key, name, npdt, shape, n):
        vals = self.random_values(name, npdt, n * int(np.prod(shape, dtype=np.int64)))
        arr = vals.reshape((n,) + shape)
        cmd = ["NUM.CREATE", key, name] + (["SHAPE"] + [str(d) for d in shape] if shape else [])
        r = self.c2.pipeline([cmd, ["NUM.APPEND", key, arr.tobytes()]])
        check(r[0] == "OK" and r[1] == n, "creating %s: %r" % (key, r))
        self.vars.append((key, name, npdt, shape, arr))

    def random_nd_sel(self, dims):
        """A selection over every axis: its text and numpy's index tuple.
        Integers stay within their axis, except now and then."""
        rng = self.rng
        k = rng.randint(1, len(dims))
        parts, texts = [], []
        for ax in range(k):
            d = dims[ax]
            if rng.random() < 0.3 and d > 0:
                i = rng.randint(-d, d - 1) if rng.random() < 0.95 else d
                parts.append(i)
                texts.append(str(i))
            else:
                a = rng.choice([None, rng.randint(-d - 1, d + 1)])
                b = rng.choice([None, rng.randint(-d - 1, d + 1)])
                st = rng.choice([None, 1, 2, -1, -3])
                parts.append(slice(a, b, st))
                texts.append("%s:%s%s" % ("" if a is None else a, "" if b is None else b,
                                          "" if st is None else ":%d" % st))
        if rng.random() < 0.3:
            j = rng.randint(0, len(parts))
            parts.insert(j, Ellipsis)
            texts.insert(j, "...")
        text = ", ".join(texts)
        if "," not in text and "..." not in text:
            text += ","
        return text, tuple(parts)

    def random_sel(self, n, dims=None):
        rng = self.rng
        if rng.random() < 0.2:
            return None
        if dims is not None and rng.random() < 0.4:
            return self.random_nd_sel(dims)
        if rng.random() < 0.15:
            i = rng.randint(-n - 2, n + 1)
            return str(i)

        def bound():
            return "" if rng.random() < 0.3 else str(rng.randint(-n - 3, n + 3))
        step = rng.choice(["", "1", "2", "-1", "-2", "3", "-7"])
        return "%s:%s%s" % (bound(), bound(), (":" + step) if step or rng.random() < 0.5 else "")

    def run(self, rounds):
        rng = self.rng
        for _ in range(rounds):
            key, name, npdt, shape, arr = rng.choice(self.vars)
            self.case(key, name, npdt, shape, arr)
        # dtypes without values: V<n>, a missing key
        self.c2.pipeline([["NUM.CREATE", "opaque", "V4"], ["NUM.APPEND", "opaque", b"abcdefgh"]])
        for op in OPS:
            r = self.c2.pipeline([["NUM.REDUCE", "opaque", op]])[0]
            check(r == "ERR cannot reduce V4", "V4 %s: %r" % (op, r))
            self.count("V<n> error")
            for c in (self.c2, self.c3):
                check(c.pipeline([["NUM.REDUCE", "nokey", op]])[0] is None, "missing key")
                r = c.pipeline([["NUM.REDUCE", "nokey", op, "VALUES"]])[0]
                check(r is NullArray or r is None, "missing key VALUES: %r" % (r,))
        r = self.c2.pipeline([["NUM.REDUCE", "nokey", "prod"]])[0]
        check(r == "ERR unknown reduction 'prod'", "unknown op: %r" % r)

    def case(self, key, name, npdt, shape, arr):
        rng = self.rng
        op = rng.choice(OPS)
        sel = self.random_sel(len(arr), arr.shape)
        nd_idx = None
        if isinstance(sel, tuple):
            sel, nd_idx = sel
        cmd = ["NUM.REDUCE", key, op.lower() if rng.random() < 0.3 else op]
        if sel is not None:
            cmd.append(sel)
        axis = None
        kws = []
        if rng.random() < 0.6:
            nd = len(shape) + (0 if sel is not None and ":" not in sel else 1)
            if nd_idx is not None:
                nd = len(shape) + 1 - sum(1 for p in nd_idx if isinstance(p, int))
            axis = rng.randint(-nd - 1, nd)
            kws.append(["axis" if rng.random() < 0.3 else "AXIS", str(axis)])
        values = rng.random() < 0.5
        if values:
            kws.append(["values" if rng.random() < 0.3 else "VALUES"])
        rng.shuffle(kws)
        for k in kws:
            cmd += k
        proto = rng.choice([2, 3])
        conn = self.c2 if proto == 2 else self.c3
        got = conn.pipeline([cmd])[0]
        what = "%r (RESP%d)" % (cmd, proto)

        want_err, a = None, None
        vals = bf16_widen(arr) if name == "bf16" else arr
        try:
            if sel is None:
                a = vals
            elif nd_idx is not None:
                a = np.asarray(vals[nd_idx])
                self.count("N-d selection")
            elif ":" in sel:
                parts = [int(p) if p else None for p in sel.split(":")]
                a = vals[slice(*parts)]
            else:
                i = int(sel)
                if not -len(arr) <= i < len(arr):
                    raise IndexError
                a = np.asarray(vals[i])
        except IndexError:
            want_err = "ERR index out of range"
        if name in ("c64", "c128") and op in ("MIN", "MAX"):
            want_err = "ERR %s is not supported for complex dtypes" % op
        if want_err is None and axis is not None and not -a.ndim <= axis < a.ndim:
            want_err = "ERR axis %d is out of bounds for array of dimension %d" % (axis, a.ndim)
        if want_err is None:
            kind = "f" if name == "bf16" else np.dtype(npdt).kind
            with np.errstate(all="ignore"):
                try:
                    if op == "SUM":
                        d = {"b": np.int64, "i": np.int64, "u": np.uint64, "c": np.complex128}.get(kind, np.float64)
                        want = np.asarray(a.sum(axis=axis, dtype=d))
                    elif op == "MEAN":
                        want = np.asarray(a.mean(axis=axis, dtype=np.complex128 if kind == "c" else np.float64))
                    elif op == "MIN":
                        want = np.asarray(a.min(axis=axis))
                    else:
                        want = np.asarray(a.max(axis=axis))
                except ValueError as e:
                    want_err = "ERR " + str(e)
        if want_err is not None:
            check(isinstance(got, Err) and got == want_err, "%s: got %r, want error %r" % (what, got, want_err))
            self.count("error")
            return
        check(not isinstance(got, Err), "%s: error %r" % (what, got))

        out_name = {"SUM": {"b": "i64", "i": "i64", "u": "u64", "f": "f64", "c": "c128"},
                    "MEAN": {"b": "f64", "i": "f64", "u": "f64", "f": "f64", "c": "c128"}}
        kind = "f" if name == "bf16" else np.dtype(npdt).kind
        out = out_name[op][kind] if op in out_name else name
        if values:
            check(isinstance(got, list) and len(got) == want.size, "%s: %r" % (what, got))
            g = np.array([self.scalar(x, out, proto, what) for x in got], dtype=object).reshape(want.shape)
            self.count("VALUES RESP%d" % proto)
        else:
            check(isinstance(got, bytes), "%s: %r" % (what, got))
            odt = {"i64": np.int64, "u64": np.uint64, "f64": np.float64, "c128": np.complex128,
                   "bf16": np.uint16}.get(out, npdt)
            check(len(got) == want.size * np.dtype(odt).itemsize, "%s: %d bytes for shape %s" % (what, len(got), want.shape))
            g = np.frombuffer(got, dtype=odt).reshape(want.shape)
            if out == "bf16":
                g = bf16_widen(g)
            self.count("bytes")
        self.compare(g, want, a, axis, op, what)
        self.count(op)
        self.count(name)

    def scalar(self, x, out, proto, what):
        if proto == 3 and out not in ("c128", "c64") and not isinstance(x, bytes):
            return x
        check(isinstance(x, bytes), "%s: scalar %r" % (what, x))
        s = x.decode()
        if out in ("c128", "c64"):
            return complex(s)
        if out in ("f16", "bf16", "f32", "f64"):
            return float(s)
        return int(s)

    def compare(self, g, want, a, axis, op, what):
        if op in ("MIN", "MAX"):
            g = np.asarray(g, dtype=want.dtype) if want.dtype.kind != "b" else np.asarray(g).astype(bool)
            same = (g == want) | (np.isnan(g) & np.isnan(want)) if want.dtype.kind == "f" else (g == want)
            check(np.all(same), "%s: got %r, want %r" % (what, g, want))
            return
        if want.dtype.kind in "iu":
            g = np.asarray(g).astype(want.dtype)
            check(np.array_equal(g, want), "%s: got %r, want %r" % (what, g, want))
            return
        n = a.size if axis is None else a.shape[axis]
        g = np.asarray(g, dtype=want.dtype)
        parts = [(np.real, np.real), (np.imag, np.imag)] if want.dtype.kind == "c" else [(lambda x: x, lambda x: x)]
        for pa, pw in parts:
            mag = np.abs(np.asarray(pa(a)).astype(np.float64))
            tol = 1e-11 * np.asarray(mag.sum(axis=axis, dtype=np.float64))
            if op == "MEAN":
                tol = tol / max(n, 1)
            gp, wp = pw(g), pw(want)
            fin = np.isfinite(wp)
            ok = np.where(fin, np.abs(gp - wp) <= tol,
                          (gp == wp) | (np.isnan(gp) & np.isnan(wp)))
            check(np.all(ok), "%s: got %r, want %r (tolerance %r)" % (what, g, want, tol))


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20260101
    np.seterr(all="ignore")
    warnings.simplefilter("ignore")  # numpy's "Mean of empty slice"
    conns = (Conn(host, int(port), 2), Conn(host, int(port), 3))
    o = Oracle(conns, random.Random(seed))
    try:
        conns[0].pipeline([["FLUSHALL"]])
        o.make_vars()
        o.run(6000)
    except Mismatch as e:
        print("numpy reduce oracle (seed %d): %s" % (seed, e))
        sys.exit(1)
    print("numpy reduce oracle (seed %d): ok: %s" % (seed, ", ".join("%s %d" % kv for kv in sorted(o.counts.items()))))


if __name__ == "__main__":
    main()
