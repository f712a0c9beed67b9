#!/usr/bin/python3
"""numpy as the oracle for NUM.GATHER and NUM.READ ... AS dtype, against the real server.

Usage: /usr/bin/python3 tests/numpy_cast_oracle.py HOST:PORT [SEED]

With SEED (TestNumpyCastOracle passes the test's seed; 20260101 when
omitted), creates one variable of every dtype (random bit patterns, so
NaNs, infinities and subnormals included, and some row shapes), then for
every pair (from, to) gathers random indexes AS to, as raw bytes and with
VALUES over RESP2, and compares with numpy's a[idx].astype(to). Pairs that
np.can_cast(..., casting="same_kind") refuses must answer
"cannot cast <from> to <to>". bfloat16, which numpy lacks, is modelled as
ml_dtypes defines it: reading widens exactly to float32; writing converts
to float32, rounds to nearest even, and a NaN becomes 0x7fc0 of its sign.
Exits non-zero at the first difference, naming the case.
"""

import random
import struct
import sys
import warnings

import numpy as np
import redis

# numkv name -> (numpy dtype for storage and casting, other accepted names)
DTYPES = {
    "i8": ("<i1", "int8"), "u8": ("<u1", "uint8"), "i16": ("<i2", "int16"), "u16": ("<u2", "uint16"),
    "i32": ("<i4", "int32"), "u32": ("<u4", "uint32"), "i64": ("<i8", "int64"), "u64": ("<u8", "uint64"),
    "f16": ("<f2", "float16"), "bf16": ("<u2", "bfloat16"), "f32": ("<f4", "float32"),
    "f64": ("<f8", "float64"), "c64": ("<c8", "complex64"), "c128": ("<c16", "complex128"),
    "bool": ("?", "bool"), "V3": ("V3", "v3"), "V4": ("V4", "V4"),
}
SHAPES = {"f32": (2,), "i16": (3,), "c64": (2,), "V3": (2,)}


class Mismatch(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Mismatch(what)


def castable(a, b):
    if a == b:
        return True
    if a.startswith("V") or b.startswith("V"):
        return False
    fa = "<f4" if a == "bf16" else DTYPES[a][0]
    fb = "<f4" if b == "bf16" else DTYPES[b][0]
    return bool(np.can_cast(np.dtype(fa), np.dtype(fb), casting="same_kind"))


def as_values(name, raw):
    """The scalars of raw bytes of dtype name as numpy values (bf16 as float32)."""
    if name == "bf16":
        return (np.frombuffer(raw, "<u2").astype("<u4") << 16).view("<f4")
    return np.frombuffer(raw, DTYPES[name][0])


def astype(name_from, name_to, raw):
    """numpy's astype of raw scalars, as bytes."""
    if name_from == name_to:
        return raw
    a = as_values(name_from, raw)
    if name_to == "bf16":
        f = a.astype(np.float32)
        u = f.view(np.uint32).astype(np.uint64)
        r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")
        nan = np.isnan(f)
        r[nan] = np.where(np.signbit(f[nan]), 0xFFC0, 0x7FC0)
        return r.tobytes()
    return a.astype(DTYPES[name_to][0]).tobytes()


def same_float(text, want, bits):
    """text (a VALUES scalar) spells the float want, read at bits 32 or 64."""
    got = float(text)
    if np.isnan(want):
        return np.isnan(got) and text in ("nan",)
    if bits == 32:
        return np.float32(got).tobytes() == np.float32(want).tobytes()
    return struct.pack("<d", got) == struct.pack("<d", float(want))


def check_values(name, want_raw, reply, what):
    if name == "bool":
        want = [b"1" if x else b"0" for x in np.frombuffer(want_raw, "<u1")]
        check(reply == want, "%s: VALUES %r, want %r" % (what, reply, want))
        return
    vals = as_values(name, want_raw)
    check(len(reply) == len(vals), "%s: %d VALUES, want %d" % (what, len(reply), len(vals)))
    for i, (t, w) in enumerate(zip(reply, vals)):
        t = t.decode()
        if name[0] in "iu":
            ok = int(t) == int(w)
        elif name[0] == "c":
            bits = 32 if name == "c64" else 64
            check(t.startswith("(") and t.endswith("j)"), "%s: VALUES[%d] %r" % (what, i, t))
            c = complex(t)
            ok = same_float(repr(c.real) if not np.isnan(c.real) else "nan", w.real, bits) and \
                same_float(repr(c.imag) if not np.isnan(c.imag) else "nan", w.imag, bits)
        else:
            ok = same_float(t, w, 64 if name == "f64" else 32)
        check(ok, "%s: VALUES[%d] = %r, want %r" % (what, i, t, w))


def spell(name, rng):
    """The dtype name as a client may send it: short or numpy name, any case."""
    s = rng.choice([name, DTYPES[name][1]])
    return rng.choice([s, s.upper(), s.lower()])


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20260101
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    rng = random.Random(seed)
    r = redis.Redis(host=host, port=int(port))
    counts = {"bytes": 0, "values": 0, "refused": 0}
    try:
        check(r.execute_command("NUM.GATHER", "cast:nokey", 0, "AS", "f16") is None, "missing key")
        check(r.execute_command("NUM.GATHER", "cast:nokey", 0, "VALUES", "AS", "i8") is None, "missing key VALUES")
        data = {}
        for name in DTYPES:
            shape = SHAPES.get(name, ())
            count = int(np.prod(shape, dtype=np.int64))
            size = np.dtype(DTYPES[name][0]).itemsize
            n = rng.randint(50, 300)
            if name == "bool":
                raw = bytes(rng.choice([0, 1, 1, 2]) for _ in range(n * count))
            else:
                raw = rng.randbytes(n * count * size)
            args = ["NUM.CREATE", "cast:" + name, name] + (["SHAPE"] + list(shape) if shape else [])
            r.execute_command(*args)
            check(r.execute_command("NUM.APPEND", "cast:" + name, raw) == n, "append " + name)
            data[name] = (raw, n, count, size)
        # One variable over many tree chunks and reply batches.
        big = np.frombuffer(rng.randbytes(4 * 400000), "<f4").copy()
        big[::3] = np.float32(rng.random()) * np.arange(0, len(big), 3, dtype=np.float32)
        r.execute_command("NUM.CREATE", "cast:big", "f32")
        r.execute_command("NUM.APPEND", "cast:big", big.tobytes())
        data["big"] = (big.tobytes(), len(big), 1, 4)

        for key, (raw, n, count, size) in data.items():
            src = "f32" if key == "big" else key
            for to in DTYPES:
                k = 20000 if key == "big" else rng.randint(0, 60)
                idx = [rng.randrange(-n, n) for _ in range(k)]
                if key == "big" and rng.random() < 0.5:
                    start = rng.randrange(0, n - k)
                    idx = list(range(start, start + k))
                want = b"".join(raw[(i % n) * count * size:((i % n) + 1) * count * size] for i in idx)
                what = "%s AS %s idx %r" % (key, to, idx[:8])
                kw = [rng.choice(["AS", "as", "As"]), spell(to, rng)]
                # NUM.READ of a slice of axis 0, AS the same dtype.
                st = rng.choice([1, 1, 2, -1, 3])
                a0, b0 = rng.randrange(-n, n), rng.randrange(-n, n + 1)
                sel = "%d:%d:%d" % (a0, b0, st)
                rows = list(range(n))[a0:b0:st]
                want_read = b"".join(raw[i * count * size:(i + 1) * count * size] for i in rows)
                if not castable(src, to):
                    text = "cannot cast %s to %s" % (src, to)
                    try:
                        reply = r.execute_command("NUM.READ", "cast:" + key, sel, *kw)
                        raise Mismatch("NUM.READ %s %s: replied %r, want error %r" % (key, sel, reply, text))
                    except redis.exceptions.ResponseError as e:
                        check(str(e).endswith(text), "NUM.READ %s: error %r, want %r" % (what, str(e), text))
                        counts["refused"] += 1
                    for extra in ([], ["VALUES"]):
                        try:
                            reply = r.execute_command("NUM.GATHER", "cast:" + key, *idx, *kw, *extra)
                        except redis.exceptions.ResponseError as e:
                            check(str(e).endswith(text), "%s: error %r, want %r" % (what, str(e), text))
                            counts["refused"] += 1
                            continue
                        raise Mismatch("%s: replied %r, want error %r" % (what, reply, text))
                    continue
                exp = astype(src, to, want)
                got = r.execute_command("NUM.GATHER", "cast:" + key, *idx, *kw)
                check(got == exp, "%s: bytes %r..., want %r..." % (what, got[:32], exp[:32]))
                counts["bytes"] += 1
                exp_read = astype(src, to, want_read)
                got = r.execute_command("NUM.READ", "cast:" + key, sel, *kw)
                check(got == exp_read or (got is None and exp_read == b""),
                      "NUM.READ %s %s AS %s: bytes %r..., want %r..." % (key, sel, to, (got or b"")[:32], exp_read[:32]))
                counts["read bytes"] = counts.get("read bytes", 0) + 1
                if not to.startswith("V"):
                    got = r.execute_command("NUM.READ", "cast:" + key, sel, "VALUES", *kw)
                    check_values(to, exp_read, got, "NUM.READ %s %s AS %s VALUES" % (key, sel, to))
                    counts["read values"] = counts.get("read values", 0) + 1
                if to.startswith("V"):
                    try:
                        r.execute_command("NUM.GATHER", "cast:" + key, *idx, "VALUES", *kw)
                        raise Mismatch("%s: VALUES on %s replied" % (what, to))
                    except redis.exceptions.ResponseError as e:
                        check(str(e).endswith("VALUES is not supported for " + to), what + ": " + str(e))
                    continue
                order = rng.choice([kw + ["VALUES"], ["values"] + kw])
                got = r.execute_command("NUM.GATHER", "cast:" + key, *idx, *order)
                check_values(to, exp, got, what + " VALUES")
                counts["values"] += 1
    except Mismatch as e:
        print("numpy cast oracle (seed %d): %s" % (seed, e))
        sys.exit(1)
    print("numpy cast oracle (seed %d): ok: %s" % (seed, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))


if __name__ == "__main__":
    main()
