"""numkv: numpy arrays in a numkv server, through redis-py.

numkv is an in-memory array store that speaks the Redis protocol. Every key
holds one typed variable, which numpy sees as an array of shape
``(length, *row_shape)``. This module is its Python client::

    import numpy as np, numkv
    db = numkv.Client(host="127.0.0.1", port=6379)
    db.put("emb", np.random.rand(1000, 128).astype(np.float32))
    db.read("emb", np.s_[100:200, :64])      # exactly a[100:200, :64]
    db["emb", 5] = np.zeros(128)             # exactly a[5] = 0
    db.reduce("emb", "mean", axis=0)         # a.mean(axis=0)
    for x, y in db.batches(["emb", "labels"], batch_size=256, seed=0):
        ...

Semantics follow numpy, which is the oracle of the tests:

- Selections are numpy's basic indexing: ints, slices, ``...`` and
  ``np.newaxis``. The server applies everything but ``np.newaxis``, which
  the client applies by reshaping. Lists of indexes go to `Client.gather`.
- A missing key raises `KeyError`. A server error raises `Error`, whose
  text is the server's whole error line (``"ERR index out of range"``).
- bf16 has no numpy dtype: bf16 variables read as float32 (cast on the
  server) unless a dtype is given, and float data written to them is
  rounded to bf16 (nearest even) on the client.
- ``V<n>`` (opaque) variables read as numpy's ``V<n>``; structured dtypes
  are stored as ``V<itemsize>``: ``.view()`` them back.

Consistency: every call that must know a variable's dtype and shape reads
them in the same atomic step as its data (reads: WATCH, NUM.INFO, the read,
then an empty MULTI/EXEC that fails if the key changed meanwhile, all in
one round trip; writes: WATCH and NUM.INFO, then MULTI/EXEC). So a key that
another client replaces by a different dtype or shape is never misread or
miswritten. The only thing cached per key is whether it is bf16, which
decides the AS of a read and is checked against the reply.

A Client is safe to share between threads: each call takes its own
connection from redis-py's pool.
"""

import contextlib
import operator
import queue
import threading

import numpy as np
import redis

__all__ = ["Client", "Error", "dtype_name", "numpy_dtype"]

__version__ = "0.1.0"

# Largest data bulk the client sends in one command: well below the
# server's default proto-max-bulk-len (512 MiB).
PART_BYTES = 64 << 20


class Error(redis.exceptions.ResponseError):
    """An error reply from the server; str() is the server's whole text,
    e.g. ``ERR index out of range``."""


# ---------- errors ----------

try:  # keep the whole error line, which redis-py trims ("ERR " goes)
    _BaseParser = redis.connection.DefaultParser

    class _Parser(_BaseParser):
        def parse_error(self, response):
            e = super().parse_error(response)
            e.numkv_text = response
            return e

except AttributeError:  # pragma: no cover - redis-py without DefaultParser
    _Parser = None

_CODES = ("BUSYKEY", "WRONGTYPE", "MOVED", "ASK", "CROSSSLOT", "CLUSTERDOWN",
          "TRYAGAIN", "OOM", "NOAUTH", "WRONGPASS", "NOPERM", "EXECABORT",
          "LOADING", "READONLY", "BUSY", "NOSCRIPT", "MISCONF")


def _server_text(e):
    text = getattr(e, "numkv_text", None)
    if text is not None:
        return text
    msg = str(e)  # redis-py dropped "ERR " when that was the code
    if type(e) is redis.exceptions.ResponseError and msg.split(" ")[0] not in _CODES:
        return "ERR " + msg
    return msg


def _error(e, key=None):
    """The exception to raise for a server error reply e about key."""
    text = _server_text(e)
    if key is not None and text == "ERR no such key":
        return KeyError(key)
    return Error(text)


# ---------- dtypes ----------

# numkv's short names and numpy's names, as the server accepts them.
_SHORT = {
    "i8": "int8", "u8": "uint8", "i16": "int16", "u16": "uint16",
    "i32": "int32", "u32": "uint32", "i64": "int64", "u64": "uint64",
    "f16": "float16", "bf16": "bfloat16", "f32": "float32", "f64": "float64",
    "c64": "complex64", "c128": "complex128", "bool": "bool",
}
_LONG = {v: k for k, v in _SHORT.items()}
_BY_KIND = {
    ("i", 1): "i8", ("u", 1): "u8", ("i", 2): "i16", ("u", 2): "u16",
    ("i", 4): "i32", ("u", 4): "u32", ("i", 8): "i64", ("u", 8): "u64",
    ("f", 2): "f16", ("f", 4): "f32", ("f", 8): "f64",
    ("c", 8): "c64", ("c", 16): "c128", ("b", 1): "bool",
}


def _opaque(s):
    if len(s) > 1 and s[0] in "vV" and s[1:].isdigit() and s[1] != "0":
        return "V" + s[1:]
    return None


def dtype_name(dtype):
    """numkv's short name for dtype: a numpy dtype or scalar type, a numpy
    name, or a numkv name ("bf16", "V12"). Strings are numkv names first, so
    "i8" is int8 and "f16" float16, as the server reads them (numpy would
    read int64 and float128). Structured and void dtypes become V<itemsize>.
    Raises TypeError for a dtype numkv does not have."""
    if isinstance(dtype, str):
        s = dtype.strip()
        low = s.lower()
        if low in _SHORT:
            return low
        if low in _LONG:
            return _LONG[low]
        if _opaque(s):
            return _opaque(s)
    if getattr(dtype, "__name__", None) == "bfloat16" or str(dtype) == "bfloat16":
        return "bf16"  # ml_dtypes' type, if the caller has it
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"numkv has no dtype {dtype!r}") from e
    if dt.name == "bfloat16":
        return "bf16"
    if dt.kind == "V":
        return f"V{dt.itemsize}"
    name = _BY_KIND.get((dt.kind, dt.itemsize))
    if name is None:
        raise TypeError(f"numkv has no dtype for numpy's {dt}")
    return name


def numpy_dtype(name):
    """The numpy dtype of a numkv dtype name; "bf16" stays the string
    "bf16" (numpy has no bfloat16), or is ml_dtypes' bfloat16 with
    ml_dtypes=True when that is installed."""
    name = dtype_name(name)
    if name == "bf16":
        return "bf16"
    if name[0] == "V":
        return np.dtype(name)
    return np.dtype(_SHORT[name])


def _bf16_type():
    try:
        import ml_dtypes  # optional; not a dependency
    except ImportError:
        return None
    return np.dtype(ml_dtypes.bfloat16)


def _to_bf16_bits(a):
    """float data as bf16 bit patterns (uint16), rounded to nearest even as
    ml_dtypes does; a NaN becomes the quiet NaN 0x7fc0 of its sign, as
    ml_dtypes (Eigen) and the server's AS bf16 make it."""
    f = np.ascontiguousarray(a, dtype=np.float32)
    u = f.view(np.uint32).astype(np.uint64)
    bits = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(f)
    if nan.any():
        bits[nan] = ((u[nan] >> 16) & 0x8000 | 0x7FC0).astype(np.uint16)
    return bits


def _from_bf16_bits(bits):
    return (np.asarray(bits, np.uint16).astype(np.uint32) << 16).view(np.float32)


def _wire(a, name):
    """a's bytes as name's elements, little-endian and C-contiguous."""
    if name == "bf16":
        if a.dtype.name == "bfloat16":
            return np.ascontiguousarray(a).view(np.uint16)
        return _to_bf16_bits(a)
    if name[0] == "V":
        return np.ascontiguousarray(a)
    dt = np.dtype(_SHORT[name]).newbyteorder("<")
    return np.ascontiguousarray(a, dtype=dt)


def _pack_gather(key, indexes, as_name=None):
    """NUM.GATHER key i1 i2 ... [AS as_name] in RESP, packed here: for a
    minibatch of 256 indexes this is several times faster than redis-py's
    pack_command, which was most of a batch's client time."""
    kb = key.encode() if isinstance(key, str) else bytes(key)
    n = 2 + len(indexes) + (2 if as_name else 0)
    out = b"*%d\r\n$10\r\nNUM.GATHER\r\n$%d\r\n%s\r\n" % (n, len(kb), kb)
    out += "".join([f"${len(s)}\r\n{s}\r\n" for s in map(str, indexes)]).encode()
    if as_name:
        out += b"$2\r\nAS\r\n$%d\r\n%s\r\n" % (len(as_name), as_name.encode())
    return out


# ---------- selections ----------

_ALL = ()  # read's default selection: everything, as numpy's a[()]


def _opt_index(x):
    return None if x is None else operator.index(x)


def _parts(sel):
    """sel (anything numpy's basic indexing takes) as a list of ints,
    slices of ints, Ellipsis and None (np.newaxis)."""
    if not isinstance(sel, tuple):
        sel = (sel,)
    out = []
    for p in sel:
        if p is None or p is Ellipsis:
            out.append(p)
        elif isinstance(p, slice):
            out.append(slice(_opt_index(p.start), _opt_index(p.stop), _opt_index(p.step)))
        elif isinstance(p, (bool, np.bool_)):
            raise TypeError("numkv selections do not take booleans")
        else:
            try:
                out.append(operator.index(p))
            except TypeError:
                raise TypeError(
                    f"numkv selections are ints, slices, ... and np.newaxis, not {type(p).__name__}"
                    " (use gather for a list of indexes)") from None
    return out


def _fmt_part(p):
    if p is Ellipsis:
        return "..."
    if isinstance(p, slice):
        s = "" if p.start is None else str(p.start)
        s += ":" + ("" if p.stop is None else str(p.stop))
        if p.step is not None:
            s += ":" + str(p.step)
        return s
    return str(p)


def _sel_arg(parts, exact_int=False):
    """The selection argument for parts, or None for everything. A lone
    part goes without a comma, as the one-axis form every server version
    knows, except an int with exact_int (for NUM.WRITE), which gets the
    trailing comma of the exact form."""
    real = [p for p in parts if p is not None]
    if not real or real == [Ellipsis]:
        return None
    if len(real) == 1:
        p = real[0]
        if isinstance(p, int) and exact_int:
            return f"{p},"
        return _fmt_part(p)
    return ", ".join(_fmt_part(p) for p in real)


def _axes(parts, shape):
    """The result of indexing an array of shape with parts, as a list of
    (size, is_newaxis) per axis of the result, in numpy's order. The
    server has already refused a selection that does not fit."""
    real = sum(1 for p in parts if p is not None and p is not Ellipsis)
    out = []
    ax = 0
    for p in parts:
        if p is None:
            out.append((1, True))
        elif p is Ellipsis:
            n = len(shape) - real
            out.extend((d, False) for d in shape[ax:ax + n])
            ax += n
        elif isinstance(p, slice):
            out.append((len(range(*p.indices(shape[ax]))), False))
            ax += 1
        else:
            ax += 1
    out.extend((d, False) for d in shape[ax:])
    return out


# ---------- info ----------

def _decode(x):
    if isinstance(x, bytes):
        return x.decode()
    if isinstance(x, list):
        return tuple(_decode(y) for y in x)
    return x


class _Info:
    """A variable's NUM.INFO: dtype name, row shape, length."""

    __slots__ = ("fields", "name", "row", "length")

    def __init__(self, reply):
        if isinstance(reply, dict):  # RESP3
            items = list(reply.items())
        else:
            items = list(zip(reply[0::2], reply[1::2]))
        self.fields = {_decode(k): _decode(v) for k, v in items}
        self.name = self.fields["dtype"]
        self.row = tuple(self.fields["shape"])
        self.length = self.fields["length"]

    @property
    def shape(self):
        return (self.length,) + self.row

    def same_type(self, other):
        return self.name == other.name and self.row == other.row

    def public(self):
        d = dict(self.fields)
        d["dtype"] = numpy_dtype(self.name)
        d["shape"] = self.row
        return d


# ---------- the client ----------

class Client:
    """A connection pool to one numkv server.

    ``Client(host, port, db, password, **kwargs)``; other keyword arguments
    go to redis-py's ConnectionPool (socket_timeout, ...). ``.redis`` is the
    redis.Redis underneath, for every other command.
    """

    def __init__(self, host="127.0.0.1", port=6379, db=0, password=None, **kwargs):
        if _Parser is not None:
            kwargs.setdefault("parser_class", _Parser)
        pool = redis.ConnectionPool(host=host, port=port, db=db, password=password, **kwargs)
        self.redis = redis.Redis(connection_pool=pool)
        self._bf16 = {}  # key -> whether it was bf16 when last seen

    def close(self):
        self.redis.connection_pool.disconnect()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ----- the wire -----

    @contextlib.contextmanager
    def _conn(self):
        """One connection of the pool, held (for WATCH) until the block
        ends; dropped rather than reused if anything went wrong on it."""
        pool = self.redis.connection_pool
        conn = pool.get_connection("NUM")
        try:
            yield conn
        except (KeyError, TypeError, ValueError, Error):
            raise  # raised after every reply was read: the connection is fine
        except BaseException:
            conn.disconnect()
            raise
        finally:
            pool.release(conn)

    @staticmethod
    def _send(conn, cmds):
        """Sends cmds in one write and reads every reply, in order. A reply
        that is an error comes back as the exception, not raised, so that
        every reply is always read off the connection."""
        packed = []
        i = 0
        while i < len(cmds):  # runs of argv tuples, and pre-packed bytes
            j = i
            while j < len(cmds) and not isinstance(cmds[j], bytes):
                j += 1
            if j > i:
                packed += conn.pack_commands(cmds[i:j])
            if j < len(cmds):
                packed.append(cmds[j])
                j += 1
            i = j
        conn.send_packed_command(packed)
        out = []
        for _ in cmds:
            try:
                out.append(conn.read_response())
            except redis.exceptions.ResponseError as e:
                out.append(e)
        return out

    def _pipe(self, cmds):
        """Runs cmds pipelined in one round trip; see _send."""
        with self._conn() as conn:
            return self._send(conn, cmds)

    def _one(self, *args, key=None):
        (r,) = self._pipe([args])
        if isinstance(r, Exception):
            raise _error(r, key)
        return r

    def _consistent(self, key, cmds):
        """Runs cmds (reads of key) with key's NUM.INFO, all seeing the same
        state of key, in one round trip: WATCH, NUM.INFO, cmds, then an
        empty MULTI/EXEC that fails if key changed in between (then it runs
        again). The reads run outside the transaction, so the server can
        serve a long one without holding its slot. Returns (info or None,
        replies)."""
        for _ in range(8):
            r = self._pipe([("WATCH", key), ("NUM.INFO", key), *cmds, ("MULTI",), ("EXEC",)])
            if r[-1] is None:  # key changed between WATCH and EXEC
                continue
            return self._checked(key, r[1], r[2:-2])
        # A key written to without pause: read it inside MULTI instead,
        # which holds its slot for the read.
        r = self._pipe([("MULTI",), ("NUM.INFO", key), *cmds, ("EXEC",)])
        if isinstance(r[-1], Exception):
            raise _error(r[-1], key)
        return self._checked(key, r[-1][0], r[-1][1:])

    def _checked(self, key, info, replies):
        for x in [info, *replies]:
            if isinstance(x, Exception):
                raise _error(x, key)
        if info is None:
            self._bf16.pop(key, None)
            return None, replies
        info = _Info(info)
        self._bf16[key] = info.name == "bf16"
        return info, replies

    def _atomic(self, key, build):
        """Runs the commands build(info) returns as one MULTI/EXEC that sees
        key exactly as info describes it: WATCH and NUM.INFO first, so that
        the EXEC fails (and all runs again) if key changes in between.
        build raises KeyError itself when it needs the key. Returns the
        replies of build's commands."""
        with self._conn() as conn:
            while True:
                _, info = self._send(conn, [("WATCH", key), ("NUM.INFO", key)])
                try:
                    if isinstance(info, Exception):
                        raise _error(info, key)
                    info = None if info is None else _Info(info)
                    cmds = build(info)
                except (KeyError, TypeError, ValueError, Error):
                    self._send(conn, [("UNWATCH",)])
                    raise
                r = self._send(conn, [("MULTI",), *cmds, ("EXEC",)])
                for x in r[:-1]:
                    if isinstance(x, Exception):  # refused while queueing
                        raise _error(x, key)
                if r[-1] is None:
                    continue
                if isinstance(r[-1], Exception):
                    raise _error(r[-1], key)
                for x in r[-1]:
                    if isinstance(x, Exception):
                        raise _error(x, key)
                if info is not None:
                    self._bf16[key] = info.name == "bf16"
                return r[-1]

    # ----- reading -----

    def _as(self, key, dtype):
        """The AS dtype name of a read (None: none) and its numpy dtype."""
        if dtype is None:
            if self._bf16.get(key):
                return "f32", np.dtype(np.float32)
            return None, None
        name = dtype_name(dtype)
        if name == "bf16":
            return name, _bf16_type() or np.dtype(np.uint16)
        return name, numpy_dtype(name)

    def _read_dtype(self, info, as_dt):
        if as_dt is not None:
            return as_dt
        return numpy_dtype(info.name)

    def _fetch(self, key, make_cmd, dtype):
        """Runs one read command of key (make_cmd(as_name) -> argv) and
        returns (info, reply, numpy dtype of the reply)."""
        while True:
            as_name, as_dt = self._as(key, dtype)
            info, (reply,) = self._consistent(key, [make_cmd(as_name)])
            if info is None:
                raise KeyError(key)
            if dtype is None and (info.name == "bf16") != (as_name == "f32"):
                continue  # it is (or is no longer) bf16: read it again with(out) AS
            dt = self._read_dtype(info, as_dt)
            return info, reply, dt

    @staticmethod
    def _array(reply, dt, shape):
        a = np.frombuffer(reply, dtype=dt.newbyteorder("<") if dt.kind != "V" else dt)
        if a.size != int(np.prod(shape, dtype=np.int64)):
            raise Error(f"numkv: reply of {len(reply)} bytes does not hold shape {shape} of {dt}")
        a = a.reshape(shape)
        if dt.byteorder == ">" or (dt.byteorder == "=" and not np.little_endian):
            a = a.astype(dt.newbyteorder("="))
        else:
            a = a.copy()  # writable, and not tied to the reply's bytes
        return a

    def read(self, key, sel=_ALL, dtype=None):
        """numpy's a[sel] of variable key, as a new ndarray (with dtype,
        the server's a[sel].astype(dtype) by NUM.READ ... AS, allowed where
        numpy's same_kind casting is). Raises KeyError, Error."""
        parts = _parts(sel)
        arg = _sel_arg(parts)

        def cmd(as_name):
            c = ["NUM.READ", key]
            if arg is not None:
                c.append(arg)
            if as_name is not None:
                c += ["AS", as_name]
            return c

        info, reply, dt = self._fetch(key, cmd, dtype)
        shape = tuple(d for d, _ in _axes(parts, info.shape))
        return self._array(reply, dt, shape)

    def __getitem__(self, item):
        if isinstance(item, tuple):
            if not item:
                raise TypeError("db[key, selection]: the key is missing")
            key, sel = item[0], item[1:]
            return self.read(key, sel if sel else _ALL)
        return self.read(item)

    def gather(self, key, indexes, dtype=None):
        """numpy's a[indexes] for a list of row indexes (negative count from
        the end), as an ndarray of shape (len(indexes), *row_shape).
        Raises KeyError, Error (ERR index out of range)."""
        idx = np.asarray(indexes)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise TypeError("gather takes a 1-d sequence of integer indexes")
        if idx.size == 0:
            info = self.info(key)
            as_name, as_dt = self._as(key, dtype)
            dt = as_dt if as_dt is not None else info["dtype"]
            if isinstance(dt, str):
                dt = np.dtype(np.float32)
            return np.empty((0,) + info["shape"], dtype=dt)
        args = idx.tolist()
        info, reply, dt = self._fetch(key, lambda as_name: _pack_gather(key, args, as_name), dtype)
        return self._array(reply, dt, (len(args),) + info.row)

    def reduce(self, key, op, sel=None, axis=None):
        """The server's reduction op ("sum", "mean", "min", "max") of
        a[sel] (None: everything), as numpy's a[sel].sum(axis, dtype=D) etc.
        with D int64/uint64/float64/complex128 for SUM, float64 (complex128)
        for MEAN and the variable's own dtype for MIN and MAX (bf16 comes
        back as float32). Without axis the result is a numpy scalar, with
        axis an ndarray. An axis may count np.newaxis axes of sel, but
        reducing along one of those is not supported (ValueError).
        Raises KeyError, Error."""
        parts = _parts(() if sel is None else sel)
        arg = _sel_arg(parts)
        op = str(op)
        c = ["NUM.REDUCE", key, op]
        if arg is not None:
            c.append(arg)
        srv_axis = None
        if axis is not None:
            axis = operator.index(axis)
            nnew = sum(1 for p in parts if p is None)
            if nnew:
                # Find which server axis the caller's axis is, which needs
                # the result's shape: ask for it first.
                info = self._info(key)
                if info is None:
                    raise KeyError(key)
                axes = _axes(parts, info.shape)
                a = axis + len(axes) if axis < 0 else axis
                if not 0 <= a < len(axes):
                    raise Error(f"ERR axis {axis} is out of bounds for array of dimension {len(axes)}")
                if axes[a][1]:
                    raise ValueError("numkv cannot reduce along an np.newaxis axis")
                srv_axis = sum(1 for d, new in axes[:a] if not new)
            else:
                srv_axis = axis
            c += ["AXIS", str(srv_axis)]
        info, (reply,) = self._consistent(key, [c])
        if info is None or reply is None:
            raise KeyError(key)
        src = info.name
        o = op.lower()
        if o == "sum":
            name = {"i": "i64", "b": "i64", "u": "u64", "f": "f64", "c": "c128"}.get(
                "f" if src == "bf16" else numpy_dtype(src).kind)
        elif o == "mean":
            name = "c128" if src in ("c64", "c128") else "f64"
        else:
            name = src
        if name is None:
            raise Error(f"ERR cannot reduce {src}")
        dt = np.dtype(np.uint16) if name == "bf16" else numpy_dtype(name)
        axes = _axes(parts, info.shape)
        if axis is None:
            shape = ()
        else:
            a = axis + len(axes) if axis < 0 else axis
            shape = tuple(d for i, (d, _) in enumerate(axes) if i != a)
        out = self._array(reply, dt, shape)
        if name == "bf16":
            out = _from_bf16_bits(out).reshape(shape)
        return out[()] if out.ndim == 0 else out

    def _info(self, key):
        (info, _) = self._consistent(key, [])
        return info

    def info(self, key):
        """NUM.INFO as a dict: dtype (a numpy dtype, or "bf16"), shape (the
        row shape, a tuple; numpy's shape is (length, *shape)), length,
        bytes, element_bytes and what else the server tells.
        Raises KeyError."""
        info = self._one("NUM.INFO", key, key=key)
        if info is None:
            self._bf16.pop(key, None)
            raise KeyError(key)
        info = _Info(info)
        self._bf16[key] = info.name == "bf16"
        return info.public()

    def len(self, key):
        """The variable's length in rows (0 for a missing key, as NUM.LEN)."""
        return self._one("NUM.LEN", key, key=key)

    def exists(self, key):
        return bool(self.redis.exists(key))

    def delete(self, *keys):
        return self.redis.delete(*keys)

    # ----- writing -----

    def create(self, key, dtype, shape=()):
        """NUM.CREATE: a new empty variable of dtype and row shape. Raises
        Error (BUSYKEY ...) if key exists."""
        name = dtype_name(dtype)
        shape = tuple(operator.index(d) for d in shape)
        c = ["NUM.CREATE", key, name]
        if shape:
            c += ["SHAPE", *map(str, shape)]
        self._one(*c, key=key)
        self._bf16[key] = name == "bf16"

    @staticmethod
    def _parts_of(rows, row_bytes):
        """Splits rows (a C-contiguous array whose axis 0 is rows) into
        memoryviews of at most PART_BYTES (and at least one row) each, as
        (first row, memoryview)."""
        n = len(rows)
        per = max(1, PART_BYTES // max(1, row_bytes))
        buf = memoryview(rows.reshape(-1).view(np.uint8)) if rows.size else memoryview(b"")
        out = []
        for i in range(0, n, per):
            j = min(n, i + per)
            out.append((i, buf[i * row_bytes:j * row_bytes]))
        return out

    def put(self, key, a, dtype=None):
        """Replaces key atomically (MULTI/EXEC of DEL, NUM.CREATE and
        NUM.APPENDs of at most PART_BYTES each) by a: dtype a.dtype (or
        dtype, to convert to, e.g. "bf16"), row shape a.shape[1:]."""
        a = np.asarray(a)
        if a.ndim == 0:
            raise ValueError("put needs an array of at least one dimension (rows)")
        name = dtype_name(a.dtype if dtype is None else dtype)
        if dtype is not None and name != "bf16" and name[0] != "V":
            a = a.astype(numpy_dtype(name), copy=False)
        rows = _wire(a, name)
        row_bytes = rows[0].nbytes if len(rows) else 0
        c = [("DEL", key), ("NUM.CREATE", key, name)]
        if a.ndim > 1:
            c[1] += ("SHAPE", *map(str, a.shape[1:]))
        for _, part in self._parts_of(rows, row_bytes):
            c.append(("NUM.APPEND", key, part))
        r = self._pipe([("MULTI",), *c, ("EXEC",)])
        for x in r[:-1]:
            if isinstance(x, Exception):
                raise _error(x)
        if isinstance(r[-1], Exception):
            raise _error(r[-1])
        for x in r[-1]:
            if isinstance(x, Exception):
                raise _error(x)
        self._bf16[key] = name == "bf16"

    def _rows(self, info, a, what):
        """a as rows of info's variable, on the wire: its row shape must
        match; its dtype must be the variable's (any data that is not an
        ndarray is converted; bf16 variables take float data)."""
        name = info.name
        if isinstance(a, np.ndarray):
            if name == "bf16":
                if a.dtype.kind not in "fiub" and a.dtype.name != "bfloat16":
                    raise TypeError(f"{what}: a {a.dtype} array into a bf16 variable")
            elif dtype_name(a.dtype) != name:
                raise TypeError(f"{what}: a {a.dtype} array into a {name} variable"
                                " (convert it with astype first)")
        else:
            a = np.asarray(a, dtype=np.float32 if name == "bf16" else numpy_dtype(name))
        if a.shape == info.row:
            a = a.reshape((1,) + info.row)
        if a.ndim != len(info.row) + 1 or a.shape[1:] != info.row:
            raise ValueError(f"{what}: rows of shape {a.shape[1:]} into a variable of row shape {info.row}")
        return _wire(a, name)

    def append(self, key, a):
        """NUM.APPEND of a's rows (or of a, one row) -> the new length.
        a's rows must have the variable's row shape and a its dtype.
        Raises KeyError, TypeError, ValueError, Error."""
        def build(info):
            if info is None:
                raise KeyError(key)
            rows = self._rows(info, a, "append")
            return [("NUM.APPEND", key, p) for _, p in self._parts_of(rows, info.fields["element_bytes"])] \
                or [("NUM.LEN", key)]
        return self._atomic(key, build)[-1]

    def insert(self, key, index, a):
        """NUM.INSERT of a's rows before row index, as list.insert (negative
        counts from the end; beyond either end clamps) -> the new length.
        Raises KeyError, TypeError, ValueError, Error."""
        index = operator.index(index)

        def build(info):
            if info is None:
                raise KeyError(key)
            rows = self._rows(info, a, "insert")
            n = info.length
            at = index + n if index < 0 else index
            at = min(max(at, 0), n)
            return [("NUM.INSERT", key, str(at + i), p)
                    for i, p in self._parts_of(rows, info.fields["element_bytes"])] or [("NUM.LEN", key)]
        return self._atomic(key, build)[-1]

    def write(self, key, sel, value):
        """numpy's a[sel] = value: value is converted to the variable's
        dtype (as numpy's assignment casts) and broadcast to the selection's
        shape, then NUM.WRITE overwrites exactly the selected scalars (an
        integer index is sent in its exact form "5,"); the length never
        changes. Raises KeyError, Error."""
        parts = _parts(sel)

        def build(info):
            if info is None:
                raise KeyError(key)
            axes = _axes(parts, info.shape)
            shape = tuple(d for d, _ in axes)
            name = info.name
            if name == "bf16":
                v = np.asarray(value)
                v = v if v.dtype.name == "bfloat16" else v.astype(np.float32, copy=False)
            elif name[0] == "V":
                v = np.asarray(value)
                if v.dtype.itemsize != int(name[1:]):
                    raise TypeError(f"write: {v.dtype} data into a {name} variable")
                v = v.view(np.dtype(name))
            else:
                v = np.asarray(value).astype(numpy_dtype(name), copy=False)
            v = np.broadcast_to(v, shape)
            data = _wire(v.reshape(tuple(d for d, new in axes if not new)), name)
            first = next((p for p in parts if p is not None), None)
            if (data.nbytes > PART_BYTES and isinstance(first, slice) and not
                    any(isinstance(p, type(Ellipsis)) for p in parts)) and len(data) > 1:
                return self._write_parts(key, parts, first, info, data)
            arg = _sel_arg(parts, exact_int=True)
            return [("NUM.WRITE", key, ":" if arg is None else arg, memoryview(data.reshape(-1).view(np.uint8)))]
        self._atomic(key, build)

    def _write_parts(self, key, parts, first, info, data):
        """A write larger than PART_BYTES whose selection starts with a
        slice of axis 0: one NUM.WRITE per run of rows of that slice."""
        r = range(*first.indices(info.length))
        rest = [p for p in parts if p is not None][1:]
        row_bytes = data[0].nbytes
        per = max(1, PART_BYTES // max(1, row_bytes))
        cmds = []
        for i in range(0, len(r), per):
            sub = r[i:i + per]
            stop = "" if sub.stop < 0 else str(sub.stop)
            sl = f"{sub.start}:{stop}:{sub.step}"
            arg = ", ".join([sl] + [_fmt_part(p) for p in rest]) if rest else sl
            chunk = np.ascontiguousarray(data[i:i + per])
            cmds.append(("NUM.WRITE", key, arg, memoryview(chunk.reshape(-1).view(np.uint8))))
        return cmds

    def __setitem__(self, item, value):
        """db[key, sel] = value is write(key, sel, value); db[key] = a (no
        selection) is put(key, a), as a dict would replace the value."""
        if isinstance(item, tuple):
            if not item:
                raise TypeError("db[key, selection] = value: the key is missing")
            return self.write(item[0], item[1:], value)
        return self.put(item, value)

    def __delitem__(self, item):
        """del db[key, sel] is remove(key, sel); del db[key] deletes the key
        (KeyError if it is missing)."""
        if isinstance(item, tuple):
            self.remove(item[0], item[1:])
        elif not self.redis.delete(item):
            raise KeyError(item)

    def __contains__(self, key):
        return bool(self.redis.exists(key))

    def remove(self, key, sel):
        """numpy-free del a[sel] for one slice or index of axis 0 (NUM.REMOVE)
        -> the number of rows removed. Raises KeyError, Error."""
        parts = _parts(sel)
        arg = _sel_arg(parts)
        if arg is None:
            arg = ":"
        return self._one("NUM.REMOVE", key, arg, key=key)

    # ----- minibatches -----

    def batches(self, keys, batch_size, shuffle=True, seed=None, drop_last=False,
                dtype=None, prefetch=8):
        """One epoch of minibatches of the rows of keys (a key, or a list
        of keys of the same length): every row exactly once, in a random
        order (np.random.default_rng(seed).permutation) with shuffle, else in
        order. Yields, per batch, the rows of each key at the same indexes:
        a tuple of ndarrays (one ndarray when keys is a single key). The
        last batch is short unless drop_last, which leaves it out.

        A background thread fetches the next `prefetch` batches of every
        key in one pipelined round trip (NUM.GATHER ... per batch and key)
        while the caller works on the current ones. dtype (one for all
        keys, or one per key) is sent as AS; bf16 keys read as float32.

        Each round trip also reads every key's NUM.INFO before and after its
        gathers; a key that changes dtype, shape or length during the epoch
        raises Error (a missing key, KeyError) at the batch that sees it.
        """
        single = isinstance(keys, (str, bytes))
        keys = [keys] if single else list(keys)
        if not keys:
            raise ValueError("batches needs at least one key")
        batch_size = operator.index(batch_size)
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        dtypes = list(dtype) if isinstance(dtype, (list, tuple)) else [dtype] * len(keys)
        if len(dtypes) != len(keys):
            raise ValueError("one dtype per key")
        infos = self._pipe([("NUM.INFO", k) for k in keys])
        for k, i in zip(keys, infos):
            if isinstance(i, Exception):
                raise _error(i, k)
            if i is None:
                raise KeyError(k)
        infos = [_Info(i) for i in infos]
        n = infos[0].length
        for k, i in zip(keys, infos):
            if i.length != n:
                raise ValueError(f"batches: {keys[0]!r} has {n} rows but {k!r} has {i.length}")
        as_names, as_dts = [], []
        for i, d in zip(infos, dtypes):
            if d is None:
                if i.name == "bf16":
                    as_names.append("f32")
                    as_dts.append(np.dtype(np.float32))
                else:
                    as_names.append(None)
                    as_dts.append(numpy_dtype(i.name))
            else:
                nm = dtype_name(d)
                as_names.append(nm)
                as_dts.append(_bf16_type() or np.dtype(np.uint16) if nm == "bf16" else numpy_dtype(nm))
        order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
        stop = n - n % batch_size if drop_last else n
        starts = list(range(0, stop, batch_size))
        prefetch = max(1, operator.index(prefetch))
        groups = [starts[i:i + prefetch] for i in range(0, len(starts), prefetch)]

        def fetch(group):
            cmds = [("NUM.INFO", k) for k in keys]
            for s in group:
                idx = order[s:s + batch_size].tolist()
                for k, a in zip(keys, as_names):
                    cmds.append(_pack_gather(k, idx, a))
            cmds += [("NUM.INFO", k) for k in keys]
            r = self._pipe(cmds)
            nk = len(keys)
            for k, i in zip(keys * 2, r[:nk] + r[-nk:]):
                if isinstance(i, Exception):
                    raise _error(i, k)
                if i is None:
                    raise KeyError(k)
            for k, i0, i in zip(keys * 2, infos * 2, r[:nk] + r[-nk:]):
                i = _Info(i)
                if not i.same_type(i0) or i.length != i0.length:
                    raise Error(f"numkv: {k!r} changed during batches")
            out = []
            body = r[nk:-nk]
            for b, s in enumerate(group):
                m = min(batch_size, n - s)
                xs = []
                for j, (k, info, dt) in enumerate(zip(keys, infos, as_dts)):
                    rep = body[b * nk + j]
                    if isinstance(rep, Exception):
                        raise _error(rep, k)
                    if rep is None:
                        raise KeyError(k)
                    xs.append(self._array(rep, dt, (m,) + info.row))
                out.append(xs[0] if single else tuple(xs))
            return out

        return _Prefetch(fetch, groups)


def _produce(fetch, groups, q, stop):
    """The prefetch thread: puts ("ok", batches) per group, then ("end",
    None), or ("err", exception); gives up when stop is set."""
    def put(item):
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    try:
        for g in groups:
            if stop.is_set() or not put(("ok", fetch(g))):
                return
        put(("end", None))
    except BaseException as e:  # handed to the consumer
        put(("err", e))


class _Prefetch:
    """Iterates over the batches of fetch(group) for each group, with the
    next group fetched on a background thread. Closing it, or dropping it
    (say, after a break out of a for loop over it), stops the thread: the
    thread holds no reference to the iterator, so dropping it runs
    __del__."""

    def __init__(self, fetch, groups):
        self._q = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._buf = []
        self._done = False
        self._t = threading.Thread(target=_produce, args=(fetch, groups, self._q, self._stop),
                                   name="numkv-batches", daemon=True)
        self._t.start()

    def __iter__(self):
        return self

    def __next__(self):
        while not self._buf:
            if self._done:
                raise StopIteration
            kind, v = self._q.get()
            if kind == "end":
                self._done = True
                raise StopIteration
            if kind == "err":
                self._done = True
                self.close()
                raise v
            self._buf = v[::-1]
        return self._buf.pop()

    def close(self):
        self._stop.set()
        self._done = True
        self._buf = []

    def __del__(self):
        self._stop.set()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
