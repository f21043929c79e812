"""Many rows at once: Scorer.score_batch() over the core's cr_score_batch().

The rows go to the core as it takes them (include/callrisk.h: n rows of the
schema's fields, row-major doubles) and its outputs (scores int32,
probabilities float64, risk levels uint8) come back as `array`s, by bulk
copies between Python buffers and the module's memory: no Python-level loop
over the values of a column of floats or ints, a NumPy array or an Arrow
array. NumPy and pyarrow are not dependencies: a column that is one of
theirs is read through its buffer when the caller's process has imported
them. The core judges every value (finite, whole counts >= 0, booleans 0 or
1, reals in range); its error names the field and the row (.line, 1-based,
and "row N: " in the message). Python judges only what cannot reach it: a
value that is no number (None, a str), a bool in a count or real column
(True is 1.0: a column of flags in the wrong place), an int no double holds
exactly for a count, columns of different lengths -- and reports these, with
the field and row, before the core sees the numbers (as the npm package's
scoreBatch does).

Rows are given CHUNK_ROWS at a time, so the module's memory stays small
whatever the batch's size (wasm memory never shrinks)."""
import numbers
import struct
import sys
from array import array
from collections.abc import Mapping, Set

from ._convert import MASKED, MISSING, field_value, is_masked, item, masked_index, reading_raised, unmasked
from ._errors import CallriskError, CallriskTypeError, core_error, echo, host_error, numbered, shown, type_name
from ._wasm import DOUBLE, layout

CHUNK_ROWS = 1 << 16  # rows copied into the module per cr_score_batch() call
SCORE = struct.Struct("<i")  # an int32_t: cr_score_batch's scores
LEVEL = struct.Struct("<B")  # a uint8_t: cr_score_batch's risk levels
FORMS = "columns (a mapping of field -> column, a pyarrow RecordBatch or Table, a pandas DataFrame), " \
        "rows (an iterable of mappings) or a float64 buffer of rows"


class BatchResult:
    """What score_batch() returns for n rows, each in input order:

    scores         array('i'): 0..100
    probabilities  array('d'): the calibrated probabilities, bit for bit cr_score()'s
    level_codes    array('B'): indices into level_names
    level_names    ('LOW', 'MEDIUM', 'HIGH'): the ABI's risk levels
    risk_levels    a list of the level names (made on first use)
    model_id       the scoring model's id

    With reasons=True also reason_features (array('I'), n x len(features):
    feature indices, row after row, each row's ordered as score()'s reasons)
    and reason_contributions (array('d'), alike), and reasons(i) gives row
    i's as score() does. The arrays support the buffer protocol:
    numpy.frombuffer(r.probabilities) and pyarrow.py_buffer(r.scores) use
    them without a copy."""

    def __init__(self, n, level_names, features, model_id):
        self.scores = _array(SCORE.format, n)
        self.probabilities = _array(DOUBLE.format, n)
        self.level_codes = _array(LEVEL.format, n)
        self.level_names = level_names
        self.features = features
        self.model_id = model_id
        self.reason_features = None
        self.reason_contributions = None
        self._levels = None

    def __len__(self):
        return len(self.scores)

    def __repr__(self):
        return "<BatchResult of %d rows, model %s>" % (len(self), self.model_id)

    @property
    def risk_levels(self):
        if self._levels is None:
            self._levels = list(map(self.level_names.__getitem__, self.level_codes))
        return self._levels

    def reasons(self, i):
        """Row i's reasons, as score() gives them: [{"feature", "contribution"}, ...]."""
        if self.reason_features is None:
            raise ValueError("reasons: score_batch(..., reasons=True) keeps them")
        d = len(self.features)
        i = range(len(self))[i]
        return [{"feature": self.features[f], "contribution": c}
                for f, c in zip(self.reason_features[i * d:(i + 1) * d], self.reason_contributions[i * d:(i + 1) * d])]


def _array(fmt, n):
    """An array of n zeros of the C type of struct format `fmt` ("<i", "I", ...)."""
    code = fmt.lstrip("<=@")
    size = struct.calcsize("<" + code)
    kinds = "bhilq" if code.islower() else "BHILQ"
    if code in "fd":
        kinds = code
    typecode = next(c for c in kinds if array(c).itemsize == size)
    return array(typecode, bytes(size * n))


def wasm_bytes(m):
    """The module's memory as a writable byte view. Valid until the module's
    next call (which may grow, and move, the memory): made anew after each."""
    return memoryview(m.memory.get_buffer_ptr(m.store)).cast("B")


def score_batch(scorer, data, reasons=False):
    """Scorer.score_batch(): see there."""
    if sys.byteorder != "little":  # the module's memory is little-endian; these copies are native
        raise NotImplementedError("score_batch: on a big-endian host, score rows one by one with score()")
    m = scorer._m
    abi = m.abi
    fields = scorer.fields
    nf, d = len(fields), len(scorer.features)
    n, put = _rows_source(abi, fields, data)
    out = BatchResult(n, abi.risk_levels, scorer.features, scorer.model_id)
    reason = scorer._reason
    rsize = reason.size
    if reasons:
        out.reason_features = _array(reason.formats["feature"], n * d)
        out.reason_contributions = _array(reason.formats["contribution"], n * d)
    if n == 0:
        return out
    # The module's lock (Module.lock) from the first call to the last copy out:
    # the columns above were read without it.
    with m.lock:
        chunk = min(n, CHUNK_ROWS)
        err = scorer._error
        parts = [(DOUBLE.size * nf * chunk, DOUBLE.size), (SCORE.size * chunk, SCORE.size), (DOUBLE.size * chunk, DOUBLE.size),
                 (LEVEL.size * chunk, LEVEL.size), (err.size, err.align),
                 (scorer._result.size, scorer._result.align), (rsize * d * chunk if reasons else 0, reason.align)]
        offsets, size = layout(parts)
        base = m.malloc(size)
        fp, sp, pp, lp, ep, rp, reasons_p = (base + o for o in offsets)
        score_one = m.x["cr_score"]
        scores_out = memoryview(out.scores).cast("B")
        probs_out = memoryview(out.probabilities).cast("B")
        levels_out = memoryview(out.level_codes).cast("B")
        try:
            for start in range(0, n, chunk):
                k = min(chunk, n - start)
                mem = wasm_bytes(m)
                put(mem[fp:fp + DOUBLE.size * nf * k].cast("d"), start, start + k)
                del mem
                status = m.call("cr_score_batch", scorer._model, fp, k, sp, pp, lp, ep)
                if status != abi.ok:
                    e = core_error(abi, err.unpack(m.read(ep, err.size)))
                    raise (e if e.line is None else numbered(e, start + e.line)) from None
                mem = wasm_bytes(m)
                scores_out[SCORE.size * start:SCORE.size * (start + k)] = mem[sp:sp + SCORE.size * k]
                probs_out[DOUBLE.size * start:DOUBLE.size * (start + k)] = mem[pp:pp + DOUBLE.size * k]
                levels_out[LEVEL.size * start:LEVEL.size * (start + k)] = mem[lp:lp + LEVEL.size * k]
                del mem
                if reasons:
                    row_bytes, store = DOUBLE.size * nf, m.store
                    for i in range(k):  # the core has judged every row: each call is CR_OK
                        score_one(store, scorer._model, fp + row_bytes * i, rp, reasons_p + rsize * d * i, d, ep)
                    _read_reasons(scorer, out, wasm_bytes(m)[reasons_p:reasons_p + rsize * d * k], start, k)
        finally:
            m.free(base)
    return out


def _read_reasons(scorer, out, block, start, k):
    """k rows' cr_reason structs from `block` into out's reason arrays."""
    r = scorer._reason
    d = len(scorer.features)
    a, b = start * d, (start + k) * d
    strided = True
    for member, target in (("feature", out.reason_features), ("contribution", out.reason_contributions)):
        code = r.formats[member]
        size = struct.calcsize("<" + code)
        strided = strided and r.size % size == 0 and r.offsets[member] % size == 0 and target.itemsize == size
    if strided:
        # Strided views of the structs' members: one copy each.
        for member, target in (("feature", out.reason_features), ("contribution", out.reason_contributions)):
            size = target.itemsize
            memoryview(target)[a:b] = block.cast(target.typecode)[r.offsets[member] // size::r.size // size]
        return
    fi, ci = r.index["feature"], r.index["contribution"]
    values = list(r.struct.iter_unpack(block))
    out.reason_features[a:b] = array(out.reason_features.typecode, (v[fi] for v in values))
    out.reason_contributions[a:b] = array(out.reason_contributions.typecode, (v[ci] for v in values))


# ---- the input: rows, as put(dst, start, stop) writes them row-major into dst (float64) ----


def column_mapping(data):
    """A pyarrow RecordBatch or Table, or a pandas DataFrame, as a mapping of
    column name -> column; anything else as it is."""
    pa, pd = (sys.modules.get(name) for name in ("pyarrow", "pandas"))
    if pa is not None and isinstance(data, (pa.RecordBatch, pa.Table)):
        return {name: data.column(name) for name in data.schema.names}
    if pd is not None and isinstance(data, pd.DataFrame):
        return {name: data[name].to_numpy() for name in data.columns if isinstance(name, str)}
    return data


def _rows_source(abi, fields, data):
    """(n, put) for `data` in any of FORMS."""
    nf = len(fields)
    np = sys.modules.get("numpy")
    data = column_mapping(data)
    if isinstance(data, Mapping):
        return columns_source(abi, fields, data)
    if np is not None and isinstance(data, np.ndarray):
        if data.shape[1:] == (nf,) or data.ndim == 1 and data.dtype.kind == "f":
            at = masked_index(data)
            if at is not None:  # a missing value: refused as a null is
                line, f = divmod(at, nf)
                raise _not_of_kind(abi, *fields[f], line + 1, MASKED)
            data = unmasked(data)
            # Flattened first: a memoryview of no rows, shape (0, nf), cannot be cast.
            return _flat_source(abi, nf, memoryview(np.ascontiguousarray(data, dtype=np.float64).reshape(-1)))
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None,
                         "rows: a NumPy array of rows must have shape (n, %d) (the fields: %s), got shape %s"
                         % (nf, ", ".join(name for name, _ in fields), data.shape))
    if isinstance(data, (str, bytes, bytearray)):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "data: must be %s, got %s" % (FORMS, type_name(data)))
    try:
        view = memoryview(data)
    except TypeError:
        view = None
    if view is not None:
        if view.format not in ("d", "@d", "=d", "<d"):
            raise host_error(abi, CallriskTypeError, "CR_E_ARG", None,
                             "rows: a buffer of rows must hold float64 values (format 'd'), got format %s" % echo(repr(view.format)))
        if view.ndim != 1:
            raise host_error(abi, CallriskTypeError, "CR_E_ARG", None,
                             "rows: a buffer of rows must be flat (the fields row after row), got a %d-dimensional buffer of shape %s"
                             % (view.ndim, view.shape))
        return _flat_source(abi, nf, view if view.c_contiguous else memoryview(array("d", view.tolist())))
    try:
        rows = iter(data)
    except TypeError:
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "data: must be %s, got %s" % (FORMS, type_name(data))) from None
    return _flat_source(abi, nf, memoryview(_pack_rows(abi, fields, rows)))


def _flat_source(abi, nf, view):
    """Rows already row-major: a 1-D float64 view of n * nf values."""
    if nf == 0 or len(view) % nf:
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None,
                         "rows: %d values are not a whole number of rows of %d fields" % (len(view), nf))
    view = view.cast("B").cast("d")

    def put(dst, start, stop):
        dst[:] = view[start * nf:stop * nf]

    return len(view) // nf, put


def _pack_rows(abi, fields, rows):
    """Rows (mappings) as one row-major array('d'); each value as score() takes it."""
    out = array("d")
    for line, row in enumerate(rows, 1):
        try:
            if not isinstance(row, Mapping):
                raise host_error(abi, CallriskTypeError, "CR_E_TYPE", None, "must be a mapping of the fields, got %s" % type_name(row))
            for name, kind in fields:
                v = item(abi, row, name)
                if v is MISSING:
                    raise host_error(abi, CallriskTypeError, "CR_E_MISSING", name, "%s: required" % name)
                out.append(field_value(abi, name, kind, v))
        except CallriskError as e:
            raise numbered(e, line) from e.__cause__  # a value whose reading raised: what it raised
    return out


def columns_source(abi, fields, columns):
    """(n, put) for the `fields` (name, kind) of a mapping of columns, each
    read by column_view(); put(dst, start, stop) writes rows start..stop
    row-major into dst (float64)."""
    nf = len(fields)
    views, n, first = [], None, None
    for name, kind in fields:
        if name not in columns:
            raise host_error(abi, CallriskTypeError, "CR_E_MISSING", name, "%s: required (a column)" % name)
        view = column_view(abi, name, kind, columns[name])
        if n is None:
            n, first = len(view), name
        elif len(view) != n:
            raise host_error(abi, CallriskTypeError, "CR_E_ARG", name, "%s: has %d values, %s has %d" % (name, len(view), first, n))
        views.append(view)

    def put(dst, start, stop):
        for f, view in enumerate(views):
            dst[f::nf] = view[start:stop]

    return n or 0, put


def _not_of_kind(abi, name, kind, line, got):
    """CR_E_TYPE in row `line`: the value of `name` is not of its kind; `got`
    says what it is (its type's name, MASKED for a NumPy masked element,
    "None (null)" for an Arrow null)."""
    want = "a bool or 0/1" if kind == "bool" else "a number"
    return numbered(host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be %s, got %s" % (name, want, got)), line)


def _bad_type(abi, name, kind, v, line):
    return _not_of_kind(abi, name, kind, line, MASKED if is_masked(v) else type_name(v))


def _column_type_error(abi, name, kind, what):
    want = "bools or numbers (0/1)" if kind == "bool" else "numbers"
    return host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be a column of %s, got %s" % (name, want, what))


def unordered(col):
    """What an error says of a column that is a set (set, frozenset, a dict's
    keys() or items(): any collections.abc.Set), which has no row order: its
    values would go to rows in whatever order it iterates in, its duplicates
    already gone."""
    return "%s (unordered: a column's values must be in row order)" % type_name(col)


def column_view(abi, name, kind, col):
    """A column (one field's values) as a 1-D float64 memoryview, or the
    error (field, 1-based row) for a value that cannot reach the core."""
    pa, np = sys.modules.get("pyarrow"), sys.modules.get("numpy")
    if pa is not None and isinstance(col, (pa.Array, pa.ChunkedArray)):
        return _arrow_view(abi, name, kind, col, pa)
    if np is not None and (isinstance(col, np.ndarray) or hasattr(col, "__array__") and not isinstance(col, (list, tuple, array))):
        at = masked_index(col)
        if at is not None and col.ndim == 1:  # a missing value: refused as a null is
            raise _not_of_kind(abi, name, kind, at + 1, MASKED)
        a = np.asarray(unmasked(col))
        if a.dtype.kind != "O":
            return _numpy_view(abi, name, kind, a, np)
        col = a.tolist()
    if isinstance(col, (str, bytes, bytearray, Mapping)) or col is None:
        raise _column_type_error(abi, name, kind, type_name(col))
    if isinstance(col, Set):
        raise _column_type_error(abi, name, kind, unordered(col))
    try:
        view = memoryview(col)
    except TypeError:
        view = None
    if view is not None:
        if view.ndim != 1:
            raise _column_type_error(abi, name, kind, "a %d-dimensional buffer" % view.ndim)
        if view.format in ("d", "@d", "=d") and view.c_contiguous:
            return view.cast("B").cast("d")
        if view.format.lstrip("@=<>!") not in tuple("bBhHiIlLqQfd?"):
            raise _column_type_error(abi, name, kind, "a buffer of format %s" % echo(repr(view.format)))
        col = view.tolist()
    try:
        seq = col if isinstance(col, (list, tuple)) else list(col)
    except TypeError:
        raise _column_type_error(abi, name, kind, type_name(col)) from None
    return memoryview(_sequence_array(abi, name, kind, seq))


def _sequence_array(abi, name, kind, seq):
    """Python values as array('d'): one pass over their types, then one bulk conversion."""
    types = set(map(type, seq))
    bad = {t for t in types if not _number_type(t, kind)}
    if bad:
        line = next(i for i, v in enumerate(seq, 1) if type(v) in bad)
        raise _bad_type(abi, name, kind, seq[line - 1], line)
    try:
        ints = [t for t in types if t is not float and issubclass(t, numbers.Integral)]
        if ints and kind == "count" and max(seq) > abi.count_max:
            _first_inexact_int(abi, name, kind, seq)
        others = {t for t in types if not issubclass(t, (float, numbers.Integral))}  # Fraction, NumPy's floats: rounded to doubles
        if others and kind != "real":
            for line, v in enumerate(seq, 1):
                if type(v) in others and float(v) != v and v == v:  # a fraction the double rounds to a whole number (NaN: the core's)
                    want = "a boolean (0 or 1)" if kind == "bool" else "an integer"
                    raise numbered(host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be %s, got %s" % (name, want, shown(v))), line)
        try:
            return array("d", seq)
        except OverflowError:  # an int past the doubles
            _first_inexact_int(abi, name, kind, seq)
            raise
    except CallriskError:
        raise
    except Exception as e:  # a value's own code (__float__, __int__, a comparison) raised
        _first_raising(abi, name, seq)
        raise reading_raised(abi, name, e) from e


def _first_raising(abi, name, seq):
    """Raises reading_raised() for the first value whose reading (as a
    double, compared) raises, with its row; returns if none does."""
    for line, v in enumerate(seq, 1):
        try:
            float(v) != v  # noqa: B015 - only whether it raises
        except Exception as e:
            raise numbered(reading_raised(abi, name, e), line) from e


def _first_inexact_int(abi, name, kind, seq):
    """Raises score()'s error for the first int no double holds as the field needs (a count exactly)."""
    for line, v in enumerate(seq, 1):
        if isinstance(v, numbers.Integral):
            _refused_at(abi, name, "real" if kind == "bool" else kind, v, line)


def _refused_at(abi, name, kind, v, line):
    """Raises score()'s error for an int value `v` in row `line`, if score() refuses it."""
    try:
        field_value(abi, name, kind, v)
    except CallriskError as e:
        raise numbered(e, line) from e.__cause__


def _number_type(t, kind):
    if t is float or t is int:
        return True
    if issubclass(t, bool):
        return kind == "bool"
    return issubclass(t, numbers.Real) and t.__name__ != "bool_"  # numpy's bool_ is no Real, but be sure


def _numpy_view(abi, name, kind, a, np):
    if a.ndim != 1:
        raise _column_type_error(abi, name, kind, "an array of shape %s" % (a.shape,))
    k = a.dtype.kind
    if k == "b" and kind != "bool":
        raise _bad_type(abi, name, kind, True, 1)
    if k in "iu" and kind == "count" and len(a) and a.max() > abi.count_max:
        line = int(np.argmax(a > abi.count_max)) + 1
        _refused_at(abi, name, kind, int(a[line - 1]), line)
    if k not in "biuf":
        raise _column_type_error(abi, name, kind, "a NumPy array of %s" % echo(str(a.dtype)))
    return memoryview(np.ascontiguousarray(a, dtype=np.float64)).cast("B").cast("d")


def _whole_decimals(abi, name, kind, col, pc):
    """A count's or a boolean's decimals, which the cast to doubles rounds:
    refused here, with the row, where the double would be another whole
    number than the decimal -- a fraction no double holds (1.0000000000000000001
    is 1.0 as a double) or a count past count_max (2**53 + 1 is 2**53) -- as
    score() refuses 1.5 and 2**53 + 1."""
    if not len(col):
        return
    fraction = pc.not_equal(pc.floor(col), col)
    if pc.any(fraction).as_py():
        line = pc.index(fraction, True).as_py() + 1
        want = "a boolean (0 or 1)" if kind == "bool" else "an integer"
        raise numbered(host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be %s, got %s"
                                  % (name, want, shown(col[line - 1].as_py()))), line)
    if kind == "count" and pc.any(pc.greater(col, abi.count_max)).as_py():
        line = pc.index(pc.greater(col, abi.count_max), True).as_py() + 1
        _refused_at(abi, name, kind, int(col[line - 1].as_py()), line)


def _arrow_view(abi, name, kind, col, pa):
    import pyarrow.compute as pc
    t = col.type
    if col.null_count:
        raise _not_of_kind(abi, name, kind, pc.index(col.is_null(), True).as_py() + 1, "None (null)")
    if pa.types.is_boolean(t):
        if kind != "bool":
            raise _bad_type(abi, name, kind, True, 1)
    elif pa.types.is_integer(t):
        if kind == "count" and len(col) and pc.max(col).as_py() > abi.count_max:
            line = pc.index(pc.greater(col, abi.count_max), True).as_py() + 1
            _refused_at(abi, name, kind, col[line - 1].as_py(), line)
    elif pa.types.is_decimal(t) and kind != "real":
        _whole_decimals(abi, name, kind, col, pc)
    elif not (pa.types.is_floating(t) or pa.types.is_decimal(t)):
        raise _column_type_error(abi, name, kind, "an Arrow column of %s" % echo(str(t)))
    if pa.types.is_decimal(t):
        # To the nearest double, as float(Decimal) rounds: through their text, since
        # Arrow's cast of a decimal to a double is not correctly rounded (0.1 at scale 19: 0.09999999999999999).
        col = pc.cast(pc.cast(col, pa.string()), pa.float64())
    elif t != pa.float64():
        col = pc.cast(col, pa.float64(), safe=False)  # ints: exact (<= count_max for counts); reals: rounded
    if isinstance(col, pa.ChunkedArray):
        col = col.chunk(0) if col.num_chunks == 1 else pa.concat_arrays(col.chunks) if col.num_chunks else pa.array([], pa.float64())
    _, data = col.buffers()  # validity (no nulls here), values
    if data is None:
        return memoryview(array("d"))
    return memoryview(data)[DOUBLE.size * col.offset:DOUBLE.size * (col.offset + len(col))].cast("B").cast("d")
