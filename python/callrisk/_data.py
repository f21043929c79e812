"""Data for the core: labelled rows (mappings), CSV text or columns into a
data set of a schema, as training and evaluation take them; request rows
into a drift. Rows are packed ROWS_PER_CALL at a time, CSV fed CSV_CHUNK
bytes at a time, columns (as score_batch reads them) CHUNK_ROWS rows at a
time; every value is judged by the core, and an error names the 1-based row
(.line and the message), as the core reports the first bad row and field."""
import json
import numbers
import struct
import sys
from array import array
from collections.abc import Mapping, Set

from ._convert import MASKED, MISSING, field_value, is_masked, item, masked_index, reading_raised, unmasked, utf8
from ._batch import CHUNK_ROWS, column_mapping, column_view, columns_source, unordered, wasm_bytes
from ._errors import CallriskError, CallriskTypeError, CallriskValueError, core_error, echo, host_error, numbered, shown, type_name
from ._wasm import DOUBLE, layout

ROWS_PER_CALL = 1024  # rows packed per cr_dataset_add_rows() / cr_drift_add_rows()
CSV_CHUNK = 1 << 16  # bytes of CSV text per cr_csv_feed()
LABEL = struct.Struct("<B")  # a label, as cr_dataset_add_rows() takes them (uint8_t)
# The roles of training columns (cr_training_columns_json); the columns' names are the core's.
ROLE_FIELD, ROLE_LABEL, ROLE_WEIGHT = "field", "label", "weight"
LABELLED = "rows (an iterable of mappings) or {'csv': text}"
LABELLED_OR_COLUMNS = ("rows (an iterable of mappings), columns (a mapping of column name -> column, a pyarrow "
                       "RecordBatch or Table, a pandas DataFrame) or {'csv': text}")


def labelled_data(abi, data, forms=LABELLED, columns=False):
    """`data` as ("csv", its UTF-8 bytes) or ("rows", an iterator) -- or, with
    `columns`, ("columns", a mapping of column name -> column) for any other
    mapping, Arrow batch or table, or pandas DataFrame; anything else is the
    API misused (a CallriskTypeError naming `forms`)."""
    if columns:
        data = column_mapping(data)
        if isinstance(data, Mapping) and set(data) != {"csv"}:
            return "columns", data
    if isinstance(data, Mapping):
        if set(data) != {"csv"}:
            raise host_error(abi, CallriskTypeError, "CR_E_ARG", None,
                             "data: must be %s, got a mapping of %s" % (forms, echo(", ".join(map(str, data)))))
        return "csv", text_bytes(abi, data["csv"], "csv", "CR_E_CSV")
    if isinstance(data, (str, bytes, bytearray, memoryview)):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "data: CSV text goes as {'csv': text}; must be %s" % forms)
    try:
        return "rows", iter(data)
    except TypeError:
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "data: must be %s, got %s" % (forms, type_name(data))) from None


def text_bytes(abi, text, name, code):
    """Text given as str (as UTF-8; `code` when it has none) or bytes; another type is CR_E_TYPE."""
    if isinstance(text, str):
        return utf8(abi, text, name, code)
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text)
    raise host_error(abi, CallriskTypeError, "CR_E_TYPE", None, "%s: must be text (str or bytes), got %s" % (name, type_name(text)))


def dataset(m, schema, options, data, opts, err, outs):
    """A new data set of `schema` (the caller frees it) holding `data`
    (labelled_data()), its columns named by `options` (JSON text, which the
    core reads into `opts`: it judges every option). `err` is a cr_error,
    `outs` room for a pointer."""
    m.with_bytes(options, lambda p, n: m.check(m.call("cr_train_options_from_json", opts, schema, p, n, err), err))
    m.check(m.call("cr_dataset_create", schema, outs, err), err)
    ds = m.read_ptr(outs)
    try:
        m.check(m.call("cr_dataset_name_columns", ds, opts, err), err)
        add(m, ds, schema, opts, data, err, outs)
    except BaseException:
        m.call("cr_dataset_free", ds)
        raise
    return ds


def add(m, ds, schema, opts, data, err, outs):
    """Appends `data` (labelled_data()) to the data set `ds` of `schema`,
    its columns named by the options at `opts`. On an error the rows of
    the batches before the bad one stay appended."""
    kind, value = data
    if kind == "csv":
        _feed_csv(m, ds, opts, value, err, outs)
        return
    columns = json.loads(m.text_out("cr_training_columns_json", schema, opts, err=err))
    if kind == "rows":
        _Rows(m, ds, columns, err).add(value)
    else:
        _add_columns(m, ds, columns, value, err)


def _feed_csv(m, ds, opts, text, err, outs):
    m.check(m.call("cr_csv_reader_create", ds, opts, outs, err), err)
    reader = m.read_ptr(outs)
    buf = m.malloc(min(len(text), CSV_CHUNK) + 1)
    try:
        for at in range(0, len(text), CSV_CHUNK):
            chunk = text[at:at + CSV_CHUNK]
            m.write(buf, chunk)
            m.check(m.call("cr_csv_feed", reader, buf, len(chunk), err), err)
        m.check(m.call("cr_csv_finish", reader, err), err)
    finally:
        m.free(buf)
        m.call("cr_csv_reader_free", reader)


class _Batches:
    """Rows (mappings) converted as the core takes them and given to it
    ROWS_PER_CALL at a time: each row's `fields` (name, type), in order, then
    what a subclass reads besides (_rest). Errors carry the 1-based row as
    .line and in the message."""

    blank = None  # the rest of a row whose values Python refused, for the core to judge the others

    def __init__(self, m, fields, err):
        self.m, self.fields, self.err = m, fields, err

    def add(self, rows):
        batch, first = [], 1
        for line, row in enumerate(rows, 1):
            batch.append(self._row(row, line, batch, first))
            if len(batch) == ROWS_PER_CALL:
                self._flush(batch, first)
                batch, first = [], line + 1
        self._flush(batch, first)

    def _row(self, row, line, batch, first):
        abi = self.m.abi
        fields = []
        try:
            if not isinstance(row, Mapping):
                raise host_error(abi, CallriskTypeError, "CR_E_TYPE", None, "must be a mapping of column names, got %s" % type_name(row))
            for name, kind in self.fields:
                v = item(abi, row, name)
                if v is MISSING:
                    raise host_error(abi, CallriskTypeError, "CR_E_MISSING", name, "%s: required" % name)
                fields.append(field_value(abi, name, kind, v))
            rest = self._rest(row)
        except CallriskError as e:
            # The core reports the first bad row and field: ask it about the
            # rows before and this row's converted values (0, which every
            # column holds, in the rest).
            fields += [0.0] * (len(self.fields) - len(fields))
            try:
                self._flush(batch + [(fields, self.blank)], first)
            except CallriskError as core:
                e = core
            else:
                numbered(e, line)
            raise e from e.__cause__  # a value whose reading raised: what it raised
        return fields, rest

    def _rest(self, row):
        return None

    def _flush(self, batch, first):
        if not batch:
            return
        m, n = self.m, len(batch)
        fields = struct.Struct("<%dd" % (n * len(self.fields)))
        # Each array the core takes, as (bytes or None for NULL, alignment).
        parts = [(fields.pack(*(v for f, _ in batch for v in f)), DOUBLE.size)] + self._pack_rest([r for _, r in batch])
        offsets, size = layout([(0 if data is None else len(data), align) for data, align in parts])
        mem = m.malloc(size)
        try:
            pointers = []
            for (data, _), at in zip(parts, offsets):
                if data is not None:
                    m.write(mem + at, data)
                pointers.append(0 if data is None else mem + at)
            status = self._give(pointers, n)
            if status != m.abi.ok:
                e = core_error(m.abi, m.error.unpack(m.read(self.err, m.error.size)))
                raise numbered(e, first - 1 + (e.line or 1))
        finally:
            m.free(mem)

    def _pack_rest(self, rests):
        """The arrays besides the fields, as _give() takes them."""
        return []

    def _give(self, pointers, n):
        """Gives the core n rows: the fields' array, then _pack_rest()'s; its status."""
        raise NotImplementedError


def _roles(abi, columns):
    """The training columns (cr_training_columns_json) by role: {role: [column, ...]}."""
    roles = {ROLE_FIELD: [], ROLE_LABEL: [], ROLE_WEIGHT: []}
    for c in columns:
        roles.setdefault(c["role"], []).append(c)
    if len(roles) > len((ROLE_FIELD, ROLE_LABEL, ROLE_WEIGHT)) or len(roles[ROLE_LABEL]) != 1 or len(roles[ROLE_WEIGHT]) > 1:
        raise NotImplementedError("callrisk.wasm %s asks for training columns this host cannot pack (%s): train from {'csv': text}"
                                  % (abi.version, echo(json.dumps(columns))))
    return roles


class _Rows(_Batches):
    """Training rows packed as the core asks (cr_training_columns_json: the
    fields, the label, optionally a weight) into cr_dataset_add_rows()."""

    blank = (0, 0.0)

    def __init__(self, m, ds, columns, err):
        roles = _roles(m.abi, columns)
        super().__init__(m, [(c["name"], c["type"]) for c in roles[ROLE_FIELD]], err)
        self.ds = ds
        self.label = roles[ROLE_LABEL][0]["name"]
        self.weight = roles[ROLE_WEIGHT][0]["name"] if roles[ROLE_WEIGHT] else None
        self.weighted = None  # whether rows carry a weight: the first row decides

    def _rest(self, row):
        abi = self.m.abi
        label = item(abi, row, self.label)
        if label is MISSING:
            raise host_error(abi, CallriskTypeError, "CR_E_MISSING", self.label, "%s: required" % self.label)
        label, weight = _label(abi, self.label, label), None
        if self.weight is not None:
            weight = item(abi, row, self.weight)
            if self.weighted is None:
                self.weighted = weight is not MISSING
            if self.weighted and weight is MISSING:
                raise host_error(abi, CallriskTypeError, "CR_E_MISSING", self.weight,
                                 "%s: required: the first row has one (every row has a weight or none does)" % self.weight)
            if not self.weighted and weight is not MISSING:
                raise host_error(abi, CallriskTypeError, "CR_E_ARG", self.weight,
                                 "%s: the first row has none (every row has a weight or none does)" % self.weight)
            weight = field_value(abi, self.weight, None, weight) if self.weighted else None
        return label, weight

    def _pack_rest(self, rests):
        weights = struct.pack("<%dd" % len(rests), *(0.0 if w is None else w for _, w in rests)) if self.weighted else None
        return [(bytes(label for label, _ in rests), LABEL.size), (weights, DOUBLE.size)]

    def _give(self, pointers, n):
        fields, labels, weights = pointers
        return self.m.call("cr_dataset_add_rows", self.ds, fields, labels, weights, n, self.err)


class Requests(_Batches):
    """Requests (mappings of a model's fields; other keys are ignored) into
    cr_drift_add_rows(), weight 1 each."""

    def __init__(self, m, drift, fields, err):
        super().__init__(m, fields, err)
        self.drift = drift

    def _give(self, pointers, n):
        fields, = pointers
        return self.m.call("cr_drift_add_rows", self.drift, fields, n, self.err)


def _label(abi, name, v):
    """A label as the byte cr_dataset_add_rows() takes; the core judges 0 or 1.
    numpy.ma.masked is refused as None is; a value whose reading raises is
    reading_raised()."""
    try:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if not isinstance(v, numbers.Integral):
            raise host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be 0 or 1, got %s" % (name, MASKED if is_masked(v) else shown(v)))
        n = int(v)
    except CallriskError:
        raise
    except Exception as e:  # the value's own code raised (not KeyboardInterrupt, SystemExit: they pass as they are)
        raise reading_raised(abi, name, e) from e
    try:
        return LABEL.unpack(LABEL.pack(n))[0]
    except struct.error:  # no byte holds it
        raise host_error(abi, CallriskValueError, "CR_E_RANGE", name, "%s: must be 0 or 1, got %s" % (name, shown(v))) from None


# ---- columns: score_batch's column conversion, with a label and a weight ----


def _add_columns(m, ds, columns, data, err):
    """Labelled columns (a mapping of column name -> column) into
    cr_dataset_add_rows(), CHUNK_ROWS rows at a time: the fields as
    score_batch reads them (float64, row-major), the label (bytes: bools or
    whole numbers; the core judges 0 or 1) and, when `data` has the weight's
    column, the weight (float64; without it every row weighs 1, as rows
    without a weight do). The columns' names are the core's
    (cr_training_columns_json); other columns are ignored."""
    abi = m.abi
    roles = _roles(abi, columns)
    fields = [(c["name"], c["type"]) for c in roles[ROLE_FIELD]]
    n, put = columns_source(abi, fields, data)
    first = fields[0][0]
    label = roles[ROLE_LABEL][0]["name"]
    if label not in data:
        raise host_error(abi, CallriskTypeError, "CR_E_MISSING", label, "%s: required (a column)" % label)
    labels = _label_column(abi, label, data[label])
    weight = roles[ROLE_WEIGHT][0]["name"] if roles[ROLE_WEIGHT] else None
    weights = column_view(abi, weight, "real", data[weight]) if weight is not None and weight in data else None
    for name, column in ((label, labels), (weight, weights)):
        if column is not None and len(column) != n:
            raise host_error(abi, CallriskTypeError, "CR_E_ARG", name, "%s: has %d values, %s has %d" % (name, len(column), first, n))
    if n == 0:
        return
    chunk = min(n, CHUNK_ROWS)
    nf = len(fields)
    offsets, size = layout([(DOUBLE.size * nf * chunk, DOUBLE.size), (LABEL.size * chunk, LABEL.size),
                            (DOUBLE.size * chunk if weights is not None else 0, DOUBLE.size)])
    base = m.malloc(size)
    fp, lp, wp = (base + o for o in offsets)
    try:
        for start in range(0, n, chunk):
            k = min(chunk, n - start)
            mem = wasm_bytes(m)
            put(mem[fp:fp + DOUBLE.size * nf * k].cast("d"), start, start + k)
            mem[lp:lp + LABEL.size * k] = labels[start:start + k]
            if weights is not None:
                mem[wp:wp + DOUBLE.size * k].cast("d")[:] = weights[start:start + k]
            del mem
            status = m.call("cr_dataset_add_rows", ds, fp, lp, wp if weights is not None else 0, k, err)
            if status != abi.ok:
                e = core_error(abi, m.error.unpack(m.read(err, m.error.size)))
                raise numbered(e, start + (e.line or 1)) from None
    finally:
        m.free(base)


def _label_column(abi, name, col):
    """A label column as bytes (cr_dataset_add_rows()'s uint8_t labels):
    through its buffer when every value is 0 or 1 (bools, ints, whole
    floats); else value by value as a row's label (_label), so a value no
    byte holds, a fraction, NaN or a null is refused here with its row, and
    a byte but 0 or 1 goes to the core, which judges it."""
    pa, np = sys.modules.get("pyarrow"), sys.modules.get("numpy")
    if pa is not None and isinstance(col, (pa.Array, pa.ChunkedArray)):
        import pyarrow.compute as pc
        if pa.types.is_decimal(col.type) and pc.any(pc.not_equal(pc.floor(col), col)).as_py():
            # A fraction is no label, though some are 1.0 as doubles (1.0000000000000000001): judged value by value.
            col = [float(v) if v is not None and v == v.to_integral_value() else v for v in col.to_pylist()]
        else:
            if pa.types.is_decimal(col.type):  # 1.00 is 1, as a double: exactly
                col = pc.cast(col, pa.float64())
            t = col.type
            if not col.null_count and (pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_floating(t)):
                if pa.types.is_boolean(t) or pc.all(pc.is_in(col, value_set=pa.array([0, 1], t))).as_py() is not False:
                    labels = pc.cast(col, pa.uint8())
                    if isinstance(labels, pa.ChunkedArray):
                        labels = pa.concat_arrays(labels.chunks) if labels.num_chunks != 1 else labels.chunk(0)
                    data = labels.buffers()[1]
                    return memoryview(data).cast("B")[labels.offset:labels.offset + len(labels)] if data is not None else b""
            col = col.to_pylist()
    elif np is not None and (isinstance(col, np.ndarray) or hasattr(col, "__array__") and not isinstance(col, (list, tuple, array))):
        at = masked_index(col)
        if at is not None and col.ndim == 1:  # a missing label: refused as a null is
            raise numbered(host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be 0 or 1, got %s" % (name, MASKED)), at + 1)
        a = np.asarray(unmasked(col))
        if a.ndim == 1 and a.dtype.kind in "biuf" and ((a == 0) | (a == 1)).all():
            return memoryview(np.ascontiguousarray(a, dtype=np.uint8)).cast("B")
        col = a.tolist()
    if isinstance(col, (str, bytes, bytearray, Mapping)) or col is None:
        raise host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be a column of 0/1 labels, got %s" % (name, type_name(col)))
    if isinstance(col, Set):
        raise host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be a column of 0/1 labels, got %s" % (name, unordered(col)))
    try:
        values = iter(col.tolist() if isinstance(col, memoryview) else col)
    except TypeError:
        raise host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be a column of 0/1 labels, got %s" % (name, type_name(col))) from None
    out = bytearray()
    for line, v in enumerate(values, 1):
        try:
            out.append(_label(abi, name, v))
        except CallriskError as e:
            raise numbered(e, line) from e.__cause__
    return out
