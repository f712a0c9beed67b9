#!/usr/bin/python3
"""numpy (and Python's own lists) as the oracle for numkv's NUM.* commands.

Usage: /usr/bin/python3 tests/numpy_oracle.py HOST:PORT [SEED]

With SEED (TestNumpyOracle passes the test's seed; 20260101 when
omitted), creates variables of several dtypes and shapes and checks
NUM.READ (random slices, negative steps, out-of-range bounds, bare indexes),
VALUES replies and writes, NUM.WRITE slice assignment, NUM.INSERT,
NUM.REMOVE and NUM.GATHER against numpy slicing, Python's list.insert and
del; and selections over every axis (numpy's basic indexing) for NUM.READ
and NUM.WRITE on variables with 0 to 3 row axes, with their errors. Exits non-zero at the first difference, naming the case. Needs
Debian's python3-redis and python3-numpy.
"""

import random
import sys

import numpy as np
import redis

DTYPES = [
    # (numkv dtype, numpy dtype, shape)
    ("u8", np.uint8, ()),
    ("i16", np.int16, (2,)),
    ("i32", np.int32, ()),
    ("u64", np.uint64, ()),
    ("i64", np.int64, (2, 3)),
    ("f16", np.float16, ()),
    ("f32", np.float32, ()),
    ("f64", np.float64, (3,)),
    ("c64", np.complex64, ()),
    ("c128", np.complex128, ()),
    ("bool", np.bool_, ()),
    ("V5", np.dtype("V5"), ()),
]

MAX64 = 2**63 - 1
MIN64 = -(2**63)


class Mismatch(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Mismatch(what)


def canonical(a):
    """a with every NaN the canonical quiet NaN, as NaNs written as text are
    stored."""
    a = a.copy()
    dt = np.dtype(a.dtype)
    if dt.kind in "fc":
        f = a.view(np.float32 if dt == np.complex64 else np.float64 if dt == np.complex128 else dt)
        f[np.isnan(f)] = np.nan
    return a


class Oracle:
    def __init__(self, r, rng):
        self.r = r
        self.rng = rng
        self.counts = {}

    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    # --- random data -----------------------------------------------------

    def random_elems(self, npdt, shape, n):
        """n random elements, including NaN and infinities for floats."""
        rng = self.rng
        size = n * int(np.prod(shape, dtype=np.int64))
        dt = np.dtype(npdt)
        if size > 2000 and dt.kind != "b":
            return np.frombuffer(rng.randbytes(size * dt.itemsize), dtype=dt).reshape((n,) + shape)
        if dt.kind in "ui":
            info = np.iinfo(dt)
            flat = np.array([rng.randint(int(info.min), int(info.max)) for _ in range(size)], dtype=dt)
        elif dt.kind == "b":
            flat = np.array([rng.random() < 0.5 for _ in range(size)], dtype=dt)
        elif dt.kind == "f":
            flat = np.array([self.random_float() for _ in range(size)], dtype=np.float64).astype(dt)
        elif dt.kind == "c":
            re = np.array([self.random_float() for _ in range(size)], dtype=np.float64)
            im = np.array([self.random_float() for _ in range(size)], dtype=np.float64)
            flat = (re + 1j * im).astype(dt)
        else:
            flat = np.frombuffer(bytes(rng.randrange(256) for _ in range(size * dt.itemsize)), dtype=dt)
        return flat.reshape((n,) + shape)

    def random_float(self):
        rng = self.rng
        x = rng.random()
        if x < 0.03:
            return float("nan")
        if x < 0.06:
            return rng.choice([float("inf"), float("-inf")])
        if x < 0.1:
            return rng.choice([0.0, -0.0, 1.0, -1.0])
        return rng.uniform(-1, 1) * 2.0 ** rng.randint(-20, 15)

    def random_bound(self, n):
        rng = self.rng
        x = rng.random()
        if x < 0.2:
            return None
        if x < 0.25:
            return rng.choice([MAX64, MIN64, 10**12, -(10**12)])
        return rng.randint(-2 * n - 3, 2 * n + 3)

    def random_slice(self, n):
        rng = self.rng
        start, stop = self.random_bound(n), self.random_bound(n)
        x = rng.random()
        if x < 0.25:
            step = None
        elif x < 0.3:
            step = rng.choice([MAX64, MIN64, -MAX64])
        else:
            step = rng.choice([1, 1, 2, 3, 5, -1, -1, -2, -3, -7])
        text = ("" if start is None else str(start)) + ":" + ("" if stop is None else str(stop))
        if step is not None or rng.random() < 0.5:
            text += ":" + ("" if step is None else str(step))
        return text, slice(start, stop, step)

    # --- helpers ----------------------------------------------------------

    def read(self, key, npdt, shape, *args):
        raw = self.r.execute_command("NUM.READ", key, *args)
        return np.frombuffer(raw, dtype=npdt).reshape((-1,) + shape)

    def expect_error(self, text, *cmd):
        try:
            reply = self.r.execute_command(*cmd)
        except redis.exceptions.ResponseError as e:
            check(str(e).endswith(text), "%r: error %r, want %r" % (cmd, str(e), text))
            return
        raise Mismatch("%r: replied %r, want error %r" % (cmd, reply, text))

    def same(self, got, want, what):
        check(got.shape == want.shape, "%s: shape %s, want %s" % (what, got.shape, want.shape))
        check(got.tobytes() == want.tobytes(), "%s:\n got %r\nwant %r" % (what, got, want))

    def check_whole(self, key, npdt, shape, want, what):
        self.same(self.read(key, npdt, shape), want, what + " (whole variable)")
        check(self.r.execute_command("NUM.LEN", key) == len(want), what + ": NUM.LEN")

    # --- VALUES -----------------------------------------------------------

    def check_values(self, name, npdt, got, want, what):
        """got: VALUES reply items (bytes); want: numpy elements."""
        flat = want.reshape(-1)
        check(len(got) == len(flat), "%s: %d values, want %d" % (what, len(got), len(flat)))
        dt = np.dtype(npdt)
        for g, w in zip(got, flat):
            g = g.decode()
            if dt.kind in "ui":
                ok = int(g) == int(w)
            elif dt.kind == "b":
                ok = g == ("1" if w else "0")
            elif dt.kind == "f":
                # f16 and f32 are spelled as float32's shortest form.
                v = np.float64(g) if dt == np.float64 else np.float32(g)
                ok = (np.isnan(v) and np.isnan(w)) or (v == w and np.signbit(v) == np.signbit(w))
                ok = ok and g not in ("NaN", "+Inf", "-Inf", "Inf")
            else:
                check(g.startswith("(") and g.endswith("j)"), "%s: complex spelled %r" % (what, g))
                v = complex(np.array(complex(g)).astype(dt))  # c64 parts are float32's shortest form
                w = complex(w)
                ok = all(
                    (np.isnan(a) and np.isnan(b)) or a == b
                    for a, b in ((v.real, w.real), (v.imag, w.imag))
                )
            check(ok, "%s: value %r, want %r (%s)" % (what, g, w, name))

    def value_texts(self, elems):
        """Scalars as text, the way a Python user would write them."""
        out = []
        for x in elems.reshape(-1):
            if elems.dtype.kind == "b":
                out.append(self.rng.choice(["1", "true", "True"]) if x else self.rng.choice(["0", "false"]))
            elif elems.dtype.kind == "c":
                out.append(repr(complex(x)))
            elif elems.dtype.kind == "f":
                out.append(str(x))  # numpy's shortest repr of its own width
            else:
                out.append(str(int(x)))
        return out

    # --- the checks ---------------------------------------------------------

    def run_dtype(self, name, npdt, shape, rounds, big=0):
        """big > 0 starts from that many random elements, enough for the
        tree to have many chunks."""
        rng = self.rng
        key = "oracle:%s:%d" % (name, big)
        self.r.delete(key)
        args = ["NUM.CREATE", key, name]
        if shape:
            args += ["SHAPE"] + [str(d) for d in shape]
        check(self.r.execute_command(*args) in (b"OK", True), "create " + name)
        if big:
            itembytes = np.dtype(npdt).itemsize * int(np.prod(shape, dtype=np.int64))
            a = np.frombuffer(rng.randbytes(big * itembytes), dtype=npdt).reshape((-1,) + shape)
        else:
            a = self.random_elems(npdt, shape, rng.randint(0, 40))
        if len(a):
            check(self.r.execute_command("NUM.APPEND", key, a.tobytes()) == len(a), "append " + name)
        self.check_whole(key, npdt, shape, a, name + " after append")
        opaque = np.dtype(npdt).kind == "V"

        for _ in range(rounds):
            n = len(a)
            op = rng.random()
            if op < 0.45:
                text, sl = self.random_slice(n)
                self.same(self.read(key, npdt, shape, text), a[sl], "%s NUM.READ %s (len %d)" % (name, text, n))
                self.count("read slice")
                if not opaque and rng.random() < 0.3 and len(a[sl]) < 5000:
                    got = self.r.execute_command("NUM.READ", key, text, "VALUES")
                    self.check_values(name, npdt, got, a[sl], "%s NUM.READ %s VALUES" % (name, text))
                    self.count("read values")
            elif op < 0.55:
                i = rng.randint(-n - 2, n + 2)
                if -n <= i < n:
                    self.same(self.read(key, npdt, shape, str(i)), a[[i]],
                              "%s NUM.READ %d" % (name, i))
                else:
                    self.expect_error("index out of range", "NUM.READ", key, str(i))
                self.count("read index")
            elif op < 0.65:
                text, sl = self.random_slice(n)
                sel = a[sl]
                new = self.random_elems(npdt, shape, len(sel))
                if not opaque and rng.random() < 0.5 and len(new) < 2000:
                    data = ["VALUES"] + self.value_texts(new)
                    new = canonical(new)
                else:
                    data = [new.tobytes()]
                if len(sel) == 0:
                    reply = self.r.execute_command("NUM.WRITE", key, text, *data)
                    check(reply == n, "%s NUM.WRITE %s empty: %r" % (name, text, reply))
                else:
                    check(self.r.execute_command("NUM.WRITE", key, text, *data) == n,
                          "%s NUM.WRITE %s" % (name, text))
                    a = a.copy()
                    a[sl] = new
                    if len(sel) > 1:
                        self.expect_error("data length does not match the selection",
                                          "NUM.WRITE", key, text, new[:-1].tobytes())
                self.check_whole(key, npdt, shape, a, "%s NUM.WRITE %s" % (name, text))
                self.count("write slice")
            elif op < 0.72:
                # Index form: overwrite and extend, as SETRANGE does.
                i = rng.randint(-n - 2, n + 3)
                new = self.random_elems(npdt, shape, rng.randint(1, 4))
                if i < -n:
                    self.expect_error("index out of range", "NUM.WRITE", key, str(i), new.tobytes())
                else:
                    pos = i + n if i < 0 else i
                    end = max(n, pos + len(new))
                    b = np.zeros((end,) + shape, dtype=npdt)
                    b[:n] = a
                    b[pos : pos + len(new)] = new
                    a = b
                    check(self.r.execute_command("NUM.WRITE", key, str(i), new.tobytes()) == len(a),
                          "%s NUM.WRITE %d" % (name, i))
                self.check_whole(key, npdt, shape, a, "%s NUM.WRITE %d" % (name, i))
                self.count("write index")
            elif op < 0.8:
                i = rng.choice([rng.randint(-n - 3, n + 3), MAX64, MIN64])
                new = self.random_elems(npdt, shape, rng.randint(0, 4))
                if not opaque and rng.random() < 0.5:
                    data = ["VALUES"] + self.value_texts(new)
                    new = canonical(new)
                else:
                    data = [new.tobytes()]
                lst = list(a)
                probe = list(range(n))
                probe.insert(i, None)
                pos = probe.index(None)
                lst[pos:pos] = list(new)
                reply = self.r.execute_command("NUM.INSERT", key, str(i), *data)
                a = np.array(lst, dtype=npdt).reshape((-1,) + shape)
                check(reply == len(a), "%s NUM.INSERT %d: %r" % (name, i, reply))
                self.check_whole(key, npdt, shape, a, "%s NUM.INSERT %d" % (name, i))
                self.count("insert")
            elif op < 0.9:
                lst = list(a)
                if rng.random() < 0.3:
                    i = rng.randint(-n - 2, n + 2)
                    try:
                        del lst[i]
                    except IndexError:
                        self.expect_error("index out of range", "NUM.REMOVE", key, str(i))
                        continue
                    text = str(i)
                    removed = 1
                else:
                    text, sl = self.random_slice(n)
                    removed = len(range(n)[sl])
                    del lst[sl]
                reply = self.r.execute_command("NUM.REMOVE", key, text)
                check(reply == removed, "%s NUM.REMOVE %s: %r, want %d" % (name, text, reply, removed))
                a = np.array(lst, dtype=npdt).reshape((-1,) + shape)
                self.check_whole(key, npdt, shape, a, "%s NUM.REMOVE %s" % (name, text))
                self.count("remove")
            else:
                idx = [rng.randint(-n - 1, n) for _ in range(rng.randint(1, 12))]
                if rng.random() < 0.5 and n > 0:
                    start = rng.randrange(n)
                    idx += list(range(start, min(n, start + 5)))  # a run
                texts = [str(i) for i in idx]
                if all(-n <= i < n for i in idx):
                    raw = self.r.execute_command("NUM.GATHER", key, *texts)
                    got = np.frombuffer(raw, dtype=npdt).reshape((-1,) + shape)
                    self.same(got, a[idx], "%s NUM.GATHER %s" % (name, idx))
                    if not opaque:
                        got = self.r.execute_command("NUM.GATHER", key, *texts, "VALUES")
                        self.check_values(name, npdt, got, a[idx], "%s NUM.GATHER %s VALUES" % (name, idx))
                else:
                    self.expect_error("index out of range", "NUM.GATHER", key, *texts)
                self.count("gather")

        # Every VALUES reply of the final contents, and a VALUES write of it
        # back must give the same bytes.
        if not opaque and 0 < len(a) < 5000:
            got = self.r.execute_command("NUM.READ", key, "VALUES")
            self.check_values(name, npdt, got, a, name + " final VALUES")
            check(self.r.execute_command("NUM.WRITE", key, ":", "VALUES", *got) == len(a), name + " VALUES write-back")
            b = self.read(key, npdt, shape)
            self.same(b, canonical(a), name + " VALUES write-back")

    # --- selections over every axis ------------------------------------------

    def random_nd_sel(self, dims):
        """A random selection over dims: its text and numpy's index tuple.
        Mostly valid; now and then too many parts, a second ellipsis or an
        index out of range on its axis."""
        rng = self.rng
        D = len(dims)
        k = rng.randint(0, D)
        if rng.random() < 0.04:
            k = D + 1 + rng.randint(0, 1)
        pos = rng.randint(0, k) if rng.random() < 0.35 else -1
        parts, texts = [], []
        for i in range(k + 1):
            if i == pos:
                parts.append(Ellipsis)
                texts.append("...")
            if i == k:
                break
            ax = i if pos < 0 or i < pos else D - (k - i)
            d = dims[ax] if 0 <= ax < D else 3
            if rng.random() < 0.35:
                if d == 0 or rng.random() < 0.05:
                    i = rng.choice([d, -d - 1, d + 5, 0, -1])
                else:
                    i = rng.randint(-d, d - 1)
                parts.append(i)
                texts.append(str(i))
            else:
                text, sl = self.random_slice(d)
                parts.append(sl)
                texts.append(text)
        if rng.random() < 0.03:
            j = rng.randint(0, len(parts))
            parts.insert(j, Ellipsis)
            texts.insert(j, "...")
        if not parts:
            parts, texts = [Ellipsis], ["..."]
        text = rng.choice([",", ", ", " , ", " ,"]).join(texts)
        if len(texts) == 1 and texts[0] != "...":
            text += rng.choice([",", ", "])
        return text, tuple(parts)

    def nd_expect(self, a, idx):
        """numpy's a[idx], C-ordered, or numkv's error text for it."""
        try:
            return np.ascontiguousarray(a[idx]), None
        except IndexError as e:
            msg = str(e)
            if "single ellipsis" in msg:
                return None, "an index can only have a single ellipsis ('...')"
            if "too many indices" in msg:
                return None, msg
            return None, "index out of range"

    def run_nd(self, name, npdt, shape, rounds, length=None):
        rng = self.rng
        key = "oracle:nd:%s:%s" % (name, "x".join(map(str, shape)))
        self.r.delete(key)
        args = ["NUM.CREATE", key, name]
        if shape:
            args += ["SHAPE"] + [str(d) for d in shape]
        check(self.r.execute_command(*args) in (b"OK", True), "create " + key)
        n = rng.randint(0, 12) if length is None else length
        a = self.random_elems(npdt, shape, n)
        if n:
            check(self.r.execute_command("NUM.APPEND", key, a.tobytes()) == n, "append " + key)
        dt = np.dtype(npdt)
        opaque = dt.kind == "V"
        for _ in range(rounds):
            text, idx = self.random_nd_sel(a.shape)
            want, err = self.nd_expect(a, idx)
            what = "%s%s NUM.READ %r (shape %s)" % (name, list(shape), text, a.shape)
            op = rng.random()
            if op < 0.5:
                if err is not None:
                    self.expect_error(err, "NUM.READ", key, text)
                    self.count("nd error")
                    continue
                extra = []
                if rng.random() < 0.15:
                    extra = [rng.choice(["AS", "as"]), rng.choice([name, name.upper(), dt.name if not opaque else name])]
                raw = self.r.execute_command("NUM.READ", key, text, *extra)
                check(raw == want.tobytes(), "%s %s: %d bytes, want %d\n got %r\nwant %r" % (
                    what, extra, len(raw), want.nbytes, raw[:64], want.tobytes()[:64]))
                self.count("nd read")
                if not opaque and want.size < 3000 and rng.random() < 0.4:
                    values = rng.choice(["VALUES", "values"])
                    args = [values] + extra if rng.random() < 0.5 else extra + [values]
                    got = self.r.execute_command("NUM.READ", key, text, *args)
                    self.check_values(name, npdt, got, want, what + " VALUES")
                    self.count("nd read values")
            elif op < 0.9:
                what = what.replace("NUM.READ", "NUM.WRITE")
                if err is not None:
                    self.expect_error(err, "NUM.WRITE", key, text, b"\0" * dt.itemsize)
                    self.count("nd error")
                    continue
                new = self.random_elems(npdt, (), want.size).reshape(want.shape)
                if not opaque and rng.random() < 0.4 and new.size < 2000:
                    data = ["VALUES"] + self.value_texts(new)
                    new = canonical(new)
                else:
                    data = [new.tobytes()]
                if want.size == 0:
                    check(self.r.execute_command("NUM.WRITE", key, text, b"") == len(a), what + " empty")
                    self.expect_error("data length does not match the selection",
                                      "NUM.WRITE", key, text, b"\1" * dt.itemsize)
                    self.count("nd write mismatch")
                    continue
                if rng.random() < 0.15:
                    bad = rng.choice([b"", new.tobytes()[: -dt.itemsize], new.tobytes() + b"\0" * dt.itemsize])
                    self.expect_error("data length does not match the selection", "NUM.WRITE", key, text, bad)
                    self.count("nd write mismatch")
                reply = self.r.execute_command("NUM.WRITE", key, text, *data)
                check(reply == len(a), "%s: replied %r" % (what, reply))
                a = a.copy()
                a[idx] = new
                self.check_whole(key, npdt, shape, a, what)
                self.count("nd write")
            else:
                self.expect_error("NUM.REMOVE takes one slice or index of axis 0", "NUM.REMOVE", key, text)
                self.count("nd remove refused")
        # Spaces, keyword order and case, and missing keys.
        if not opaque and len(a):
            got = self.r.execute_command("NUM.READ", key, "...", "values", "As", name)
            self.check_values(name, npdt, got, a, key + " ... values As")
        check(self.r.execute_command("NUM.READ", key + ":missing", "0, 0, 0, 0, 0, 0") is None, "missing key")

    def run_u8_string(self):
        key = "oracle:string"
        self.r.set(key, b"hello, numpy")
        a = np.frombuffer(b"hello, numpy", dtype=np.uint8)
        for _ in range(50):
            text, sl = self.random_slice(len(a))
            self.same(self.read(key, np.uint8, (), text), a[sl], "SET string NUM.READ " + text)
        self.count("string")


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20260101
    np.seterr(all="ignore")  # inf * 0j is meant to make NaNs
    r = redis.Redis(host=host, port=int(port))
    o = Oracle(r, random.Random(seed))
    try:
        for name, npdt, shape in DTYPES:
            o.run_dtype(name, npdt, shape, 150)
        # Variables of several tree chunks (memtree leaves hold 128 KiB).
        o.run_dtype("f32", np.float32, (), 60, big=300000)
        o.run_dtype("i16", np.int16, (3,), 60, big=100000)
        o.run_dtype("u8", np.uint8, (), 40, big=1000000)
        o.run_u8_string()
        # Selections over every axis, on variables with 0 to 3 row axes.
        for name, npdt, shape in [
            ("u8", np.uint8, ()), ("i16", np.int16, ()), ("f32", np.float32, (3,)),
            ("u8", np.uint8, (28, 28)), ("i64", np.int64, (2, 3)), ("f64", np.float64, (4, 1, 3)),
            ("c64", np.complex64, (2, 2, 2)), ("bool", np.bool_, (5,)), ("V5", np.dtype("V5"), (2,)),
            ("f16", np.float16, (1, 4)),
        ]:
            for _ in range(3):
                o.run_nd(name, npdt, shape, 150)
        # Several tree leaves, and reads above 1 MiB that copy after the lock.
        o.run_nd("u8", np.uint8, (28, 28), 60, length=2000)
        o.run_nd("f32", np.float32, (7,), 60, length=60000)
    except Mismatch as e:
        print("numpy oracle (seed %d): %s" % (seed, e))
        sys.exit(1)
    print("numpy oracle (seed %d): ok: %s" % (seed, ", ".join("%s %d" % kv for kv in sorted(o.counts.items()))))


if __name__ == "__main__":
    main()
