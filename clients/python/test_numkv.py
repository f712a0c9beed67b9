"""Tests of numkv.py against a real numkv server, with numpy as the oracle.

    NUMKV_PORT=6379 [NUMKV_HOST=127.0.0.1] [NUMKV_SEED=1] \
        /usr/bin/python3 -m unittest -v clients/python/test_numkv.py

tests/python_client_test.go starts a server and runs this. Every test
works on keys of its own (prefixed with its name) in database 0 and flushes
nothing, so a shared server is fine. Randomized tests take NUMKV_SEED
(default: a fixed one) and name the case that failed.
"""

import os
import random
import sys
import threading
import unittest
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numkv  # noqa: E402

HOST = os.environ.get("NUMKV_HOST", "127.0.0.1")
PORT = int(os.environ.get("NUMKV_PORT", "6379"))
SEED = int(os.environ.get("NUMKV_SEED", "20260101"))

# (numpy dtype, row shape) of the round-trip tests.
TYPES = [
    (np.int8, ()), (np.uint8, (3,)), (np.int16, ()), (np.uint16, (2, 2)),
    (np.int32, (4,)), (np.uint32, ()), (np.int64, (2, 3)), (np.uint64, ()),
    (np.float16, (5,)), (np.float32, (3, 2)), (np.float64, ()),
    (np.complex64, (2,)), (np.complex128, ()), (np.bool_, (3,)),
    (np.dtype("V5"), ()),
]


def sample(rng, dtype, shape):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind == "V":
        return rng.integers(0, 256, n * dt.itemsize, dtype=np.uint8).view(dt).reshape(shape)
    if dt.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, shape, dtype=dt, endpoint=True)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    return (rng.standard_normal(shape) * 100).astype(dt)


def rand_slice(r, n):
    def bound():
        return r.choice([None, r.randint(-n - 3, n + 3)])
    step = r.choice([None, 1, 2, 3, -1, -2, -4])
    return slice(bound(), bound(), step)


def rand_sel(r, shape, newaxis=True):
    """A random basic index of an array of shape: ints, slices, at most one
    Ellipsis, and np.newaxis, never more parts than axes."""
    parts = []
    ax = 0
    ellipsis = False
    while ax < len(shape) and (ellipsis or r.random() < 0.8):  # after ..., the last axes all
        c = r.random()
        if newaxis and c < 0.1:
            parts.append(None)
            continue
        if not ellipsis and c < 0.2:
            parts.append(Ellipsis)
            ellipsis = True
            ax = len(shape) - r.randint(0, len(shape) - ax)  # the axes it takes
            continue
        n = shape[ax]
        if n > 0 and c < 0.45:
            parts.append(r.randint(-n, n - 1))
        else:
            parts.append(rand_slice(r, n))
        ax += 1
    return tuple(parts)


class Base(unittest.TestCase):
    def setUp(self):
        self.db = numkv.Client(host=HOST, port=PORT)
        self.prefix = "t:" + self.id().rsplit(".", 1)[-1] + ":"
        old = self.db.redis.keys(self.prefix + "*")
        if old:
            self.db.redis.delete(*old)

    def tearDown(self):
        self.db.close()

    def k(self, name):
        return self.prefix + name

    def same(self, got, want, what=""):
        want = np.asarray(want)
        self.assertIsInstance(got, np.ndarray, what)
        self.assertEqual(got.dtype, want.dtype, what)
        self.assertEqual(got.shape, want.shape, what)
        if want.dtype.kind == "V":
            self.assertEqual(got.tobytes(), want.tobytes(), what)
        else:
            np.testing.assert_array_equal(got, want, err_msg=what)


class TestBasics(Base):
    def test_put_read_every_dtype(self):
        rng = np.random.default_rng(SEED)
        for dt, row in TYPES:
            with self.subTest(dtype=np.dtype(dt).name, row=row):
                a = sample(rng, dt, (7,) + row)
                self.db.put(self.k("a"), a)
                self.same(self.db.read(self.k("a")), a)
                self.same(self.db[self.k("a")], a)
                self.same(self.db[self.k("a"), 2:5], a[2:5])
                self.same(self.db[self.k("a"), -1], a[-1])
                info = self.db.info(self.k("a"))
                self.assertEqual(info["dtype"], np.dtype(dt))
                self.assertEqual(info["shape"], row)
                self.assertEqual(info["length"], 7)
                self.assertEqual(info["bytes"], a.nbytes)
                self.assertEqual(info["element_bytes"], a[0].nbytes)

    def test_read_is_writable_copy(self):
        a = np.arange(10.0)
        self.db.put(self.k("a"), a)
        got = self.db.read(self.k("a"))
        got += 1  # a read-only frombuffer view would refuse this
        self.same(got, a + 1)

    def test_put_replaces_other_dtype_and_shape(self):
        k = self.k("a")
        self.db.put(k, np.arange(12, dtype=np.float32).reshape(4, 3))
        b = np.arange(5, dtype=np.int64) * -3
        self.db.put(k, b)
        self.same(self.db.read(k), b)
        self.assertEqual(self.db.info(k)["dtype"], np.dtype(np.int64))
        c = np.zeros((0, 2, 2), np.uint16)
        self.db.put(k, c)
        self.same(self.db.read(k), c)
        self.db[k] = np.ones(3, np.complex64)  # db[key] = a is put
        self.same(self.db[k], np.ones(3, np.complex64))

    def test_put_structured_as_opaque(self):
        rec = np.dtype([("x", "<f4"), ("id", "<i8")])
        a = np.array([(1.5, 7), (2.5, -1)], rec)
        self.db.put(self.k("r"), a)
        self.assertEqual(self.db.info(self.k("r"))["dtype"], np.dtype("V12"))
        self.same(self.db.read(self.k("r")).view(rec), a)

    def test_put_in_parts(self):
        # Parts of PART_BYTES each: make them small to see several.
        old = numkv.PART_BYTES
        numkv.PART_BYTES = 1000
        try:
            a = np.arange(3000, dtype=np.float64).reshape(1000, 3)  # 24 KB: 25 parts
            self.db.put(self.k("a"), a)
            self.same(self.db.read(self.k("a")), a)
            self.assertEqual(self.db.append(self.k("a"), a), 2000)
            self.same(self.db.read(self.k("a")), np.concatenate([a, a]))
            self.assertEqual(self.db.insert(self.k("a"), -5, a[:700]), 2700)
            want = np.concatenate([a, a[:-5], a[:700], a[-5:]])
            self.same(self.db.read(self.k("a")), want)
            want[10:900:2] = -want[10:900:2]
            self.db[self.k("a"), 10:900:2] = -self.db[self.k("a"), 10:900:2]
            self.same(self.db.read(self.k("a")), want)
            want[2000:100:-3] = 7
            self.db[self.k("a"), 2000:100:-3] = 7
            self.same(self.db.read(self.k("a")), want)
        finally:
            numkv.PART_BYTES = old

    def test_create_append_insert(self):
        k = self.k("a")
        self.db.create(k, np.float32, shape=(2,))
        self.same(self.db.read(k), np.zeros((0, 2), np.float32))
        a = np.arange(8, dtype=np.float32).reshape(4, 2)
        self.assertEqual(self.db.append(k, a), 4)
        self.assertEqual(self.db.append(k, np.float32([9, 9])), 5)  # one row
        self.assertEqual(self.db.insert(k, 1, a[:2]), 7)
        self.assertEqual(self.db.insert(k, -100, a[3:]), 8)  # clamps, as list.insert
        self.assertEqual(self.db.insert(k, 100, [[5, 5]]), 9)  # a list: the variable's dtype
        want = list(a) + [np.float32([9, 9])]
        want[1:1] = list(a[:2])
        want.insert(-100, a[3])
        want.insert(100, np.float32([5, 5]))
        self.same(self.db.read(k), np.array(want, np.float32))
        with self.assertRaises(TypeError):
            self.db.append(k, a.astype(np.float64))  # its dtype must be the variable's
        with self.assertRaises(ValueError):
            self.db.append(k, np.zeros((2, 3), np.float32))
        self.assertEqual(self.db.info(k)["length"], 9)

    def test_create_names(self):
        for dt, name in [("i8", np.int8), ("int64", np.int64), ("f16", np.float16),
                         (np.float32, np.float32), ("<f8", np.float64), ("c64", np.complex64),
                         ("V12", np.dtype("V12")), (bool, np.bool_), ("BF16", "bf16")]:
            with self.subTest(dtype=dt):
                k = self.k(str(dt))
                self.db.create(k, dt)
                self.assertEqual(self.db.info(k)["dtype"], name if isinstance(name, str) else np.dtype(name))
        with self.assertRaises(TypeError):
            numkv.dtype_name(np.dtype("U3"))
        with self.assertRaises(TypeError):
            numkv.dtype_name("nonsense")

    def test_errors(self):
        k = self.k("a")
        for call in [lambda: self.db.read(k), lambda: self.db[k, 1:2], lambda: self.db.info(k),
                     lambda: self.db.gather(k, [0]), lambda: self.db.append(k, [1]),
                     lambda: self.db.insert(k, 0, [1]), lambda: self.db.remove(k, 0),
                     lambda: self.db.write(k, np.s_[0], 1)]:
            with self.assertRaises(KeyError):
                call()
        self.assertEqual(self.db.len(k), 0)
        self.db.put(k, np.arange(5, dtype=np.int32))
        with self.assertRaises(numkv.Error) as e:
            self.db.read(k, 5)
        self.assertEqual(str(e.exception), "ERR index out of range")
        with self.assertRaises(numkv.Error) as e:
            self.db.gather(k, [0, 9])
        self.assertEqual(str(e.exception), "ERR index out of range")
        with self.assertRaises(numkv.Error) as e:
            self.db.read(k, np.s_[::0])
        self.assertEqual(str(e.exception), "ERR slice step cannot be zero")
        with self.assertRaises(numkv.Error) as e:
            self.db.create(k, "f32")
        self.assertEqual(str(e.exception), "BUSYKEY Target key name already exists.")
        with self.assertRaises(numkv.Error) as e:
            self.db.remove(k, 7)
        self.assertEqual(str(e.exception), "ERR index out of range")
        self.assertIsInstance(e.exception, numkv.Error)
        with self.assertRaises(TypeError):
            self.db.read(k, [1, 2])  # advanced indexing: gather's job
        with self.assertRaises(TypeError):
            self.db.read(k, True)

    def test_remove(self):
        r = random.Random(SEED)
        k = self.k("a")
        for i in range(60):
            a = np.arange(r.randint(0, 20) * 2, dtype=np.int16).reshape(-1, 2)
            self.db.put(k, a)
            sel = rand_slice(r, len(a)) if r.random() < 0.7 or len(a) == 0 else r.randint(-len(a), len(a) - 1)
            with self.subTest(i=i, n=len(a), sel=sel):
                n = self.db.remove(k, sel)
                want = list(a)
                del want[sel]
                self.assertEqual(n, len(a) - len(want))
                self.same(self.db.read(k), np.array(want, np.int16).reshape(-1, 2))
        self.db.put(k, np.arange(4))
        del self.db[k, 1]
        self.same(self.db.read(k), np.array([0, 2, 3]))
        del self.db[k]
        self.assertNotIn(k, self.db)
        with self.assertRaises(KeyError):
            del self.db[k]

    def test_gather(self):
        rng = np.random.default_rng(SEED)
        a = sample(rng, np.float32, (100, 3, 2))
        k = self.k("a")
        self.db.put(k, a)
        for idx in [[7, 42, 99], [0], [-1, -100, 5, 5, 5], list(rng.integers(-100, 100, 300)), []]:
            with self.subTest(idx=idx[:5]):
                self.same(self.db.gather(k, idx), a[np.array(idx, dtype=np.int64)])
        self.same(self.db.gather(k, np.arange(10, 20)), a[10:20])

    def test_one_axis_selections(self):
        r = random.Random(SEED)
        rng = np.random.default_rng(SEED)
        k = self.k("a")
        for i in range(80):
            n = r.randint(0, 30)
            a = sample(rng, np.int32, (n, 2))
            self.db.put(k, a)
            sel = rand_slice(r, n) if r.random() < 0.8 or n == 0 else r.randint(-n, n - 1)
            with self.subTest(i=i, n=n, sel=sel):
                self.same(self.db.read(k, sel), a[sel])
                self.same(self.db[k, sel], a[sel])

    def test_setitem_one_axis(self):
        r = random.Random(SEED)
        rng = np.random.default_rng(SEED + 1)
        k = self.k("a")
        for i in range(60):
            n = r.randint(1, 30)
            a = sample(rng, np.float64, (n,))
            self.db.put(k, a)
            sel = rand_slice(r, n) if r.random() < 0.7 else r.randint(-n, n - 1)
            v = sample(rng, np.float64, np.shape(a[sel]))
            with self.subTest(i=i, n=n, sel=sel):
                a[sel] = v
                self.db[k, sel] = v
                self.same(self.db.read(k), a)
        # an integer index overwrites exactly that element, never extends
        self.db.put(k, np.zeros(3))
        with self.assertRaises(numkv.Error):
            self.db[k, 3] = 1.0
        self.same(self.db.read(k), np.zeros(3))
        # values are cast as numpy's assignment casts them, and broadcast
        self.db.put(k, np.zeros(4, np.int16))
        self.db[k, 1:3] = [2.9, -3.9]
        self.db[k, ::3] = 5
        self.same(self.db.read(k), np.int16([5, 2, -3, 5]))

    def test_key_replaced_by_another_client(self):
        k = self.k("a")
        other = numkv.Client(host=HOST, port=PORT)
        self.db.put(k, np.arange(6, dtype=np.float32))
        self.same(self.db.read(k), np.arange(6, dtype=np.float32))
        other.put(k, np.arange(6, dtype=np.int64).reshape(3, 2))
        self.same(self.db.read(k), np.arange(6, dtype=np.int64).reshape(3, 2))
        self.assertEqual(self.db.append(k, np.int64([[1, 2]])), 4)
        other.redis.set(k, b"abc")  # a plain string: u8
        self.same(self.db.read(k), np.frombuffer(b"abc", np.uint8))
        other.close()

    def test_reads_while_another_client_writes(self):
        # Reads must see one consistent (info, data) while the key's type
        # keeps changing under them.
        k = self.k("a")
        a = np.arange(24, dtype=np.float32)
        b = a.astype(np.int16).reshape(6, 4)
        self.db.put(k, a)
        stop = threading.Event()

        def flip():
            other = numkv.Client(host=HOST, port=PORT)
            i = 0
            while not stop.is_set():
                other.put(k, b if i % 2 else a)
                i += 1
            other.close()

        t = threading.Thread(target=flip)
        t.start()
        try:
            for _ in range(200):
                got = self.db.read(k, np.s_[1:])
                if got.dtype == np.float32:
                    self.same(got, a[1:])
                else:
                    self.same(got, b[1:])
        finally:
            stop.set()
            t.join()


class TestNd(Base):
    """N-d selections, as numpy's basic indexing (the server's selections
    over every axis)."""

    def test_nd_read_random(self):
        r = random.Random(SEED)
        rng = np.random.default_rng(SEED)
        k = self.k("a")
        for i in range(150):
            row = tuple(r.randint(1, 4) for _ in range(r.randint(0, 3)))
            a = sample(rng, r.choice([np.int16, np.float64, np.uint8]), (r.randint(0, 9),) + row)
            self.db.put(k, a)
            for _ in range(4):
                sel = rand_sel(r, a.shape)
                with self.subTest(i=i, shape=a.shape, sel=sel):
                    self.same(self.db.read(k, sel), a[sel])

    def test_nd_examples(self):
        a = np.arange(40 * 30 * 4, dtype=np.float32).reshape(40, 30, 4)
        k = self.k("a")
        self.db.put(k, a)
        for sel in [np.s_[0:32, 10:20, ::2], np.s_[..., 0], np.s_[5], np.s_[5, -1],
                    np.s_[np.newaxis, 3, :, np.newaxis], np.s_[::-3, ::-1, 1:-1],
                    np.s_[..., np.newaxis], np.s_[2, ..., 3], np.s_[:, 29, 3], np.s_[()],
                    np.s_[-1, -1, -1], np.s_[::-1, 5:2:-1]]:
            with self.subTest(sel=sel):
                self.same(self.db.read(k, sel), a[sel])
        self.same(self.db[k, 3, 1:4], a[3, 1:4])
        self.same(self.db[k, ..., 2], a[..., 2])
        with self.assertRaises(numkv.Error) as e:
            self.db.read(k, np.s_[1, 2, 3, 4])
        self.assertEqual(str(e.exception),
                         "ERR too many indices for array: array is 3-dimensional, but 4 were indexed")
        with self.assertRaises(numkv.Error) as e:
            self.db.read(k, np.s_[..., 1, ...])
        self.assertEqual(str(e.exception), "ERR an index can only have a single ellipsis ('...')")
        with self.assertRaises(numkv.Error) as e:
            self.db.read(k, np.s_[1, 30])
        self.assertEqual(str(e.exception), "ERR index out of range")

    def test_nd_setitem_random(self):
        r = random.Random(SEED)
        rng = np.random.default_rng(SEED + 2)
        k = self.k("a")
        for i in range(120):
            row = tuple(r.randint(1, 4) for _ in range(r.randint(0, 3)))
            a = sample(rng, np.int32, (r.randint(1, 8),) + row)
            self.db.put(k, a)
            sel = rand_sel(r, a.shape)
            v = sample(rng, np.int32, np.shape(a[sel]))
            with self.subTest(i=i, shape=a.shape, sel=sel):
                a[sel] = v
                self.db[(k,) + sel] = v
                self.same(self.db.read(k), a)

    def test_nd_setitem_index_is_exact(self):
        k = self.k("a")
        a = np.zeros((4, 3), np.float32)
        self.db.put(k, a)
        self.db[k, 2] = [1, 2, 3]  # sent as "2,": exactly row 2
        a[2] = [1, 2, 3]
        self.same(self.db.read(k), a)
        self.db[k, -1, 1:] = 9  # broadcast on the client
        a[-1, 1:] = 9
        self.same(self.db.read(k), a)
        self.db[k, ..., 0] = np.arange(4)
        a[..., 0] = np.arange(4)
        self.same(self.db.read(k), a)
        with self.assertRaises(numkv.Error) as e:
            self.db.remove(k, np.s_[1, 2])
        self.assertEqual(str(e.exception), "ERR NUM.REMOVE takes one slice or index of axis 0")


class TestCast(Base):
    """dtype= on reads (NUM.READ/NUM.GATHER ... AS), and bf16."""

    def test_cast_read(self):
        rng = np.random.default_rng(SEED)
        k = self.k("a")
        a = sample(rng, np.float64, (50, 4))
        self.db.put(k, a)
        for dt in [np.float32, np.float16, "f32", np.complex128]:
            with self.subTest(dtype=dt):
                want = numkv.numpy_dtype(dt)
                self.same(self.db.read(k, np.s_[::2], dtype=dt), a[::2].astype(want))
                self.same(self.db.gather(k, [3, 1, 4], dtype=dt), a[[3, 1, 4]].astype(want))
        i = sample(rng, np.int32, (20,))
        self.db.put(k, i)
        for dt in [np.int64, np.int16, np.float64, np.float32]:
            with self.subTest(dtype=dt):
                self.same(self.db.read(k, dtype=dt), i.astype(dt))
        with self.assertRaises(numkv.Error) as e:
            self.db.read(k, dtype=np.uint32)
        self.assertEqual(str(e.exception), "ERR cannot cast i32 to u32")

    def test_cast_bf16(self):
        k = self.k("b")
        x = np.float32([1.0, -2.5, 3.140625, 1e30, np.inf, -np.inf, 0.0, 65504.0])
        self.db.put(k, x, dtype="bf16")
        self.assertEqual(self.db.info(k)["dtype"], "bf16")
        got = self.db.read(k)  # float32, cast on the server
        self.same(got, numkv._from_bf16_bits(numkv._to_bf16_bits(x)))
        self.same(self.db[k, 1:3], got[1:3])
        self.same(self.db.gather(k, [2, 0]), got[[2, 0]])
        self.same(self.db.read(k, dtype=np.float64), got.astype(np.float64))
        self.db[k, 0] = 1.00390625  # rounds to even: 1.0
        self.assertEqual(self.db[k, 0], np.float32(1.0))
        f = np.float32([0.1, 0.2, 0.3])
        self.db.put(k, f)  # the same key, now f32: no AS
        self.same(self.db.read(k), f)
        self.db.put(k, f, dtype="bf16")  # and bf16 again
        self.same(self.db.read(k), numkv._from_bf16_bits(numkv._to_bf16_bits(f)))

    def test_bf16_rounding(self):
        # The client's rounding to bf16, against the server's AS bf16.
        rng = np.random.default_rng(SEED)
        x = np.concatenate([rng.standard_normal(1000).astype(np.float32) * 1000,
                            np.float32([np.nan, -np.nan, 3.4e38, -3.4e38, 1e-40, 0.0, -0.0]),
                            np.uint32([0x7F800001, 0xFFA00000, 0x7FFFFFFF]).view(np.float32)])
        k = self.k("x")
        self.db.put(k, x)
        server = self.db.read(k, dtype="bf16")  # uint16 bits without ml_dtypes
        self.assertEqual(server.view(np.uint16).tobytes(), numkv._to_bf16_bits(x).tobytes())


class TestReduce(Base):
    def check(self, k, a, op, sel, axis):
        fn = {"sum": np.sum, "mean": np.mean, "min": np.min, "max": np.max}[op]
        x = a[sel]
        with warnings.catch_warnings():  # the mean of nothing is NaN, with a warning
            warnings.simplefilter("ignore", RuntimeWarning)
            want = self.oracle(fn, x, op, axis)
        self.compare(k, a, op, sel, axis, x, want)

    @staticmethod
    def oracle(fn, x, op, axis):
        if op == "sum":
            kind = x.dtype.kind
            dt = {"b": np.int64, "i": np.int64, "u": np.uint64, "f": np.float64, "c": np.complex128}[kind]
            return x.sum(axis=axis, dtype=dt)
        if op == "mean":
            return x.mean(axis=axis, dtype=np.complex128 if x.dtype.kind == "c" else np.float64)
        return fn(x, axis=axis)

    def compare(self, k, a, op, sel, axis, x, want):
        got = self.db.reduce(k, op, sel, axis=axis)
        what = f"{op} {sel} axis={axis} of {a.dtype}{a.shape}"
        if axis is None or np.ndim(want) == 0:
            self.assertNotIsInstance(got, np.ndarray, what)
            self.assertEqual(np.asarray(got).dtype, np.asarray(want).dtype, what)
            got, want = np.asarray(got), np.asarray(want)
        else:
            self.assertEqual(got.dtype, want.dtype, what)
        self.assertEqual(got.shape, want.shape, what)
        if want.dtype.kind in "fc":
            tol = 1e-11 * np.sum(np.abs(x.astype(np.complex128)), axis=axis)
            ok = (got == want) | (np.isnan(got) & np.isnan(want)) | (np.abs(got - want) <= tol)
            self.assertTrue(np.all(ok), f"{what}: got {got}, want {want}")
        else:
            np.testing.assert_array_equal(got, want, err_msg=what)

    def test_reduce_examples(self):
        rng = np.random.default_rng(SEED)
        a = sample(rng, np.float32, (100, 16))
        k = self.k("a")
        self.db.put(k, a)
        self.check(k, a, "mean", np.s_[:, :8], 0)
        self.check(k, a, "sum", (), None)
        self.check(k, a, "max", np.s_[::3], 1)
        self.check(k, a, "min", np.s_[5], None)
        self.check(k, a, "sum", np.s_[5], 0)  # a scalar, as numpy's
        self.check(k, a, "sum", np.s_[10:20], -1)
        got = self.db.reduce(k, "mean", axis=0)
        self.assertEqual(got.shape, (16,))
        got = self.db.reduce(k, "SUM", np.s_[None, :, 2], axis=1)  # axis counts the newaxis
        np.testing.assert_allclose(got, a[None, :, 2].sum(axis=1, dtype=np.float64))
        with self.assertRaises(KeyError):
            self.db.reduce(self.k("nope"), "sum")
        with self.assertRaises(numkv.Error) as e:
            self.db.reduce(k, "median")
        self.assertEqual(str(e.exception), "ERR unknown reduction 'median'")
        with self.assertRaises(numkv.Error) as e:
            self.db.reduce(k, "sum", axis=2)
        self.assertEqual(str(e.exception), "ERR axis 2 is out of bounds for array of dimension 2")
        with self.assertRaises(numkv.Error) as e:
            self.db.reduce(k, "min", np.s_[5:5])
        self.assertEqual(str(e.exception),
                         "ERR zero-size array to reduction operation minimum which has no identity")

    def test_reduce_random(self):
        r = random.Random(SEED)
        rng = np.random.default_rng(SEED)
        k = self.k("a")
        for i in range(60):
            dt = r.choice([np.int8, np.uint16, np.int64, np.uint64, np.float32, np.float64,
                           np.float16, np.bool_, np.complex64])
            row = tuple(r.randint(1, 4) for _ in range(r.randint(0, 2)))
            a = sample(rng, dt, (r.randint(1, 30),) + row)
            self.db.put(k, a)
            sel = rand_sel(r, a.shape, newaxis=False)
            x = a[sel]
            ops = ["sum", "mean"] + (["min", "max"] if dt != np.complex64 else [])
            for op in ops:
                axes = [None] + list(range(-x.ndim, x.ndim))
                axis = r.choice(axes)
                if op in ("min", "max") and (x.size == 0 or (axis is not None and x.shape[axis] == 0)):
                    continue
                with self.subTest(i=i, op=op, sel=sel, axis=axis):
                    self.check(k, a, op, sel, axis)


class TestBatches(Base):
    def test_batches_every_row_once_aligned(self):
        n = 1000
        x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
        y = np.arange(n, dtype=np.int64) * 7
        self.db.put(self.k("x"), x)
        self.db.put(self.k("y"), y)
        seen = []
        sizes = []
        for bx, by in self.db.batches([self.k("x"), self.k("y")], batch_size=64, seed=3):
            self.assertEqual(bx.shape[1:], (3,))
            self.assertEqual(bx.dtype, np.float32)
            self.assertEqual(by.dtype, np.int64)
            self.same(bx, x[by // 7])  # the same rows across the keys
            seen.extend((by // 7).tolist())
            sizes.append(len(by))
        self.assertEqual(sorted(seen), list(range(n)))  # every row exactly once
        self.assertNotEqual(seen, list(range(n)))  # shuffled
        self.assertEqual(sizes, [64] * 15 + [40])  # the last batch is short

    def test_batches_seed_and_options(self):
        n = 300
        y = np.arange(n, dtype=np.int32)
        k = self.k("y")
        self.db.put(k, y)
        one = [b.tolist() for b in self.db.batches(k, 32, seed=11)]
        two = [b.tolist() for b in self.db.batches(k, 32, seed=11, prefetch=1)]
        other = [b.tolist() for b in self.db.batches(k, 32, seed=12)]
        self.assertEqual(one, two)
        self.assertNotEqual(one, other)
        order = [b.tolist() for b in self.db.batches(k, 32, shuffle=False)]
        self.assertEqual(sum(order, []), list(range(n)))
        dropped = list(self.db.batches(k, 32, seed=1, drop_last=True))
        self.assertEqual([len(b) for b in dropped], [32] * 9)
        self.assertEqual(len(set(np.concatenate(dropped).tolist())), 288)
        big = list(self.db.batches(k, 1000))
        self.assertEqual(len(big), 1)
        self.assertEqual(sorted(big[0].tolist()), list(range(n)))
        self.db.put(self.k("e"), np.zeros((0, 4)))
        self.assertEqual(list(self.db.batches(self.k("e"), 8)), [])

    def test_batches_dtype(self):
        y = np.arange(300, dtype=np.int32)
        self.db.put(self.k("y"), y)
        got = list(self.db.batches(self.k("y"), 100, shuffle=False, dtype=np.float64))
        self.same(np.concatenate(got), y.astype(np.float64))

    def test_batches_errors(self):
        self.db.put(self.k("a"), np.zeros(10))
        self.db.put(self.k("b"), np.zeros(11))
        with self.assertRaises(ValueError):
            self.db.batches([self.k("a"), self.k("b")], 4)
        with self.assertRaises(KeyError):
            self.db.batches([self.k("a"), self.k("nope")], 4)
        # a key that changes length mid-epoch is noticed
        it = self.db.batches(self.k("a"), 2, prefetch=1)
        next(it)
        self.db.append(self.k("a"), np.zeros(1))
        with self.assertRaises(numkv.Error):
            for _ in it:
                pass

    def test_batches_close_early(self):
        self.db.put(self.k("a"), np.arange(10000))
        it = self.db.batches(self.k("a"), 10)
        next(it)
        it.close()
        with self.assertRaises(StopIteration):
            next(it)
        it._t.join(5)
        self.assertFalse(it._t.is_alive())
        for _ in self.db.batches(self.k("a"), 10, prefetch=1):
            break  # and the iterator is dropped: its thread must stop
        t = [t for t in threading.enumerate() if t.name == "numkv-batches"]
        for th in t:
            th.join(5)
            self.assertFalse(th.is_alive())

    def test_batches_bf16(self):
        x = np.float32([[1, 2], [3, 4], [5, 6]])
        self.db.put(self.k("b"), x, dtype="bf16")
        got = np.concatenate(list(self.db.batches(self.k("b"), 2, shuffle=False)))
        self.same(got, x)


if __name__ == "__main__":
    unittest.main()
