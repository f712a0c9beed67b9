#!/usr/bin/python3
"""numpy as the oracle of numkv's casts (commands/cast_test.go).

Usage: /usr/bin/python3 cast_oracle.py DIR

DIR holds src_<dtype>.bin, raw little-endian scalars of each numkv dtype.
Writes DIR/can_cast.txt ("from to 0|1" per pair, np.can_cast with
casting="same_kind", bfloat16 counted as float32) and, for every pair it
allows, DIR/out_<from>_<to>.bin: the source's a.astype(to).

numpy has no bfloat16 (ml_dtypes is not installed), so bfloat16 is
modelled as ml_dtypes defines it: reading widens exactly to float32 (the
16 bits are float32's upper half); writing converts to float32 as numpy
does, then rounds to nearest even, and a NaN becomes the quiet NaN
0x7fc0 of its sign.
"""

import os
import sys
import warnings

import numpy as np

NP = {
    "i8": "<i1", "u8": "<u1", "i16": "<i2", "u16": "<u2", "i32": "<i4", "u32": "<u4",
    "i64": "<i8", "u64": "<u8", "f16": "<f2", "f32": "<f4", "f64": "<f8",
    "c64": "<c8", "c128": "<c16", "bool": "?", "bf16": "<f4",
}


def load(d, name):
    with open(os.path.join(d, "src_%s.bin" % name), "rb") as f:
        raw = f.read()
    if name == "bf16":
        return raw, (np.frombuffer(raw, "<u2").astype("<u4") << 16).view("<f4")
    return raw, np.frombuffer(raw, NP[name])


def to_bf16(a):
    f = a.astype(np.float32)
    u = f.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")
    nan = np.isnan(f)
    r[nan] = np.where(np.signbit(f[nan]), 0xFFC0, 0x7FC0)
    return r.tobytes()


def main():
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    d = sys.argv[1]
    names = list(NP)
    lines = []
    for a in names:
        raw, src = load(d, a)
        for b in names:
            ok = a == b or bool(np.can_cast(np.dtype(NP[a]), np.dtype(NP[b]), casting="same_kind"))
            lines.append("%s %s %d" % (a, b, ok))
            if not ok:
                continue
            if a == b:
                out = raw
            elif b == "bf16":
                out = to_bf16(src)
            else:
                out = src.astype(NP[b]).tobytes()
            with open(os.path.join(d, "out_%s_%s.bin" % (a, b)), "wb") as f:
                f.write(out)
    with open(os.path.join(d, "can_cast.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
