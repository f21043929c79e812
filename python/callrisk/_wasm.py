"""The low layer: one instance of callrisk.wasm under wasmtime, its memory,
the "host" imports it calls (include/callrisk_host.h) and the core's errors.
Every layout and constant comes from the module's own description (Abi),
read once per compiled module."""
import functools
import inspect
import json
import os
import struct
import threading
import weakref
from contextlib import contextmanager

import wasmtime

from ._abi import Abi
from ._errors import core_error, echo, echo_path, shown

# What this host calls: a module without one of these is not callrisk.wasm.
EXPORTS = (
    "_initialize", "crw_alloc", "crw_free", "crw_caller_start", "crw_train_with", "cr_abi_json",
    "cr_caller_op_free", "cr_caller_op_result",
    "cr_model_create_default", "cr_model_free", "cr_model_from_json", "cr_model_load", "cr_model_save", "cr_model_to_json",
    "cr_model_id", "cr_model_schema", "cr_model_coef", "cr_model_intercept", "cr_model_bands", "cr_model_stats",
    "cr_schema_create_default", "cr_schema_from_json", "cr_schema_free", "cr_schema_feature_count", "cr_schema_feature_name",
    "cr_schema_field_count", "cr_schema_field_name", "cr_schema_field_type",
    "cr_train_options_from_json", "cr_training_columns_json",
    "cr_dataset_create", "cr_dataset_name_columns", "cr_dataset_add_rows", "cr_dataset_rows", "cr_dataset_free",
    "cr_csv_reader_create", "cr_csv_feed", "cr_csv_finish", "cr_csv_reader_free",
    "cr_score", "cr_score_batch", "cr_request_parse", "cr_verify_record", "cr_model_card_json",
    "cr_evaluate_with", "cr_metrics_json",
    "cr_drift_create", "cr_drift_add_dataset", "cr_drift_add_rows", "cr_drift_add_record", "cr_drift_json", "cr_drift_free",
    "cr_shard_census", "cr_shard_answer", "cr_shard_merge", "cr_shard_save", "cr_shard_load", "cr_shard_free",
    "cr_fit_create", "cr_fit_done", "cr_fit_question", "cr_fit_feed", "cr_fit_model", "cr_fit_free",
)

DOUBLE = struct.Struct("<d")  # a C double, as field rows and reasons hold them
INT = struct.Struct("<i")  # a C int out-parameter (cr_model_bands)
INT64 = struct.Struct("<q")  # an int64_t out-parameter (scoreCaller's attempts)
STRING_CHUNK = 64  # bytes read at a time looking for a C string's NUL

class _Compiled:
    """A compiled callrisk.wasm and its description, read from its first instance."""

    def __init__(self, engine, module):
        self.engine, self.module, self.abi = engine, module, None


_compiled = {}  # file -> _Compiled: compiled and described once, instantiated per Scorer


def layout(parts):
    """Offsets of (size, align) parts placed one after another in one block,
    each aligned, and the block's size."""
    offsets, at = [], 0
    for size, align in parts:
        at = -(-at // align) * align
        offsets.append(at)
        at += size
    return offsets, at


def locked(method):
    """`method` of an object on one Module (its `_m`) run holding that
    module's lock (Module.lock) for the whole call: one public operation."""
    @functools.wraps(method)
    def run(self, /, *args, **kwargs):  # positional-only: a field may be named self
        with self._m.lock:
            return method(self, *args, **kwargs)

    return run


def takes_text(save_score):
    """Whether a store's save_score takes (record, text): two positional
    parameters, or *args. One that takes one, or whose signature cannot be
    read, is called with the record only."""
    try:
        params = inspect.signature(save_score).parameters.values()
    except (TypeError, ValueError):
        return False
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return True
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params) > 1


def _host(module, method):
    """A host import calling `method` on `module`, which it holds weakly.

    wasmtime keeps a host function's Python callable in a global table
    until the native store that instantiated it is deleted, and the store is
    deleted only when the Module that owns it is. A callable bound to the
    Module (self._save_score) would keep it, its store and its whole linear
    memory alive forever: every Scorer and every train() leaked an instance.
    Held weakly, a Module goes when its last Scorer (Shards, ...) does,
    without waiting for the cycle collector, and takes its store with it,
    which frees the callable's entry. The import runs only inside a call on
    the Module's own store, so the Module is alive whenever it is called."""
    ref = weakref.ref(module)

    def host(*args):
        return method(ref(), *args)

    return host


class Module:
    """One instance of callrisk.wasm and the host functions it imports.

    Scorer() and train() each make one of their own, as does Shards() (its
    data sets, fits and models live in it); it lives as long as the objects
    that use it. An instance's linear memory never shrinks, so a model does
    not keep another's (a big training's) memory. The compiled module and
    its description are shared (_compiled).

    `lock` serialises the instance's users: every public operation of an
    object on it (a Scorer, Shards, Dataset or Fit) holds it from its first
    call into the module to the last read of the results out of its memory,
    since the objects share scratch memory and the store, and a call into
    wasm releases the GIL (two threads inside one instance at once read
    each other's results, or crash wasmtime). It is re-entrant: a store or
    progress callback the core calls on the same thread may call the same
    objects again, as it could before."""

    def __init__(self, path):
        st = os.stat(path)
        key = (os.path.abspath(path), st.st_mtime_ns, st.st_size)  # a rebuilt file is compiled anew

        def not_ours(why):
            return ValueError("wasm_path: %s is not callrisk.wasm (%s)" % (echo_path(path), why))

        if key not in _compiled:
            with open(path, "rb") as f:
                head = f.read(len(b"\0asm"))
            if head != b"\0asm":
                raise not_ours("not a wasm module: it starts %s" % (head.hex(" ") or "empty"))
            engine = wasmtime.Engine()
            try:
                _compiled[key] = _Compiled(engine, wasmtime.Module.from_file(engine, path))
            except wasmtime.WasmtimeError as e:
                raise not_ours(echo(str(e).strip().split("\n")[0])) from e
        compiled = _compiled[key]
        engine, module = compiled.engine, compiled.module
        self.abi = None  # read from the module below
        self.lock = threading.RLock()
        self.store = wasmtime.Store(engine)
        self.store.set_wasi(wasmtime.WasiConfig())
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        i32, f64 = wasmtime.ValType.i32(), wasmtime.ValType.f64()
        linker.define_func("host", "count_attempts", wasmtime.FuncType([i32, i32, i32, f64, f64], [f64]), _host(self, Module._count_attempts))
        linker.define_func("host", "save_score", wasmtime.FuncType([i32, i32, i32], [i32]), _host(self, Module._save_score))
        linker.define_func("host", "progress", wasmtime.FuncType([i32, f64, f64], [i32]), _host(self, Module._progress))
        try:
            instance = linker.instantiate(self.store, module)
        except wasmtime.WasmtimeError as e:  # it imports what this host does not define
            raise not_ours(echo(str(e).strip().split("\n")[0])) from e
        self.x = instance.exports(self.store)
        for name in ("memory",) + EXPORTS:
            try:
                self.x[name]
            except KeyError:
                raise not_ours("no export '%s'" % name) from None
        self.memory = self.x["memory"]
        self.address = -1  # until the ABI gives the pointer's width: the first blocks are near 0
        self.x["_initialize"](self.store)
        if compiled.abi is None:
            compiled.abi = Abi(self._abi_text())
        self.abi = abi = compiled.abi
        self.error = abi.structs["cr_error"]
        self.ptr = abi.pointer
        # wasmtime gives an i32 (a pointer, a host function's pointer
        # argument) as a signed int: an address past 2 GiB comes back
        # negative, and Memory.read and write would count a negative start
        # from the end of memory, like a slice. Addresses are masked to the
        # pointer's width (all its bits set); before the ABI, not at all.
        self.address = abi.pointer.unpack(b"\xff" * abi.pointer.size)[0]
        self.current_store = None  # (store, takes_text) answering the running scoreCaller
        self.current_progress = None  # the running training's progress callback
        self.failures = {}  # op (or "progress") -> the exception a host function caught

    def _abi_text(self):
        # The size is a size_t, whose width the description itself gives:
        # read it from zeroed memory wide enough for any (little-endian).
        wide = INT64.size
        out = self.call("crw_alloc", wide)
        try:
            self.write(out, bytes(wide))
            self.call("cr_abi_json", 0, 0, out, 0)
            n = int.from_bytes(self.read(out, wide), "little")
            p = self.malloc(n + 1)
            try:
                self.call("cr_abi_json", p, n + 1, out, 0)
                return self.read(p, n).decode()
            finally:
                self.call("crw_free", p)
        finally:
            self.call("crw_free", out)

    def call(self, name, *args):
        return self.x[name](self.store, *args)

    def malloc(self, n):
        # Past size_t a size would wrap on its way in (4 GiB + 16 asked as 16). Before the ABI: the description's few KB.
        if self.abi is not None and not 0 <= n <= self.abi.size_max:
            raise MemoryError("callrisk: %d bytes is more than wasm memory holds" % n)
        p = self.call("crw_alloc", n) & self.address
        if not p:
            raise MemoryError("callrisk: out of wasm memory")
        return p

    def free(self, p):
        self.call("crw_free", p)

    @contextmanager
    def scratch(self, parts):
        """Pointers to (size, align) parts of one block of memory, freed after the with."""
        offsets, size = layout(parts)
        base = self.malloc(size)
        try:
            yield [base + o for o in offsets]
        finally:
            self.free(base)

    def read(self, ptr, n):
        ptr &= self.address
        return bytes(self.memory.read(self.store, ptr, ptr + n))

    def write(self, ptr, data):
        self.memory.write(self.store, data, ptr & self.address)

    def read_ptr(self, ptr):
        """A pointer or size_t the core wrote at `ptr`."""
        return self.ptr.unpack(self.read(ptr, self.ptr.size))[0]

    def cstring(self, ptr):
        out = bytearray()
        while True:
            chunk = self.read(ptr + len(out), STRING_CHUNK)
            end = chunk.find(b"\0")
            if end >= 0:
                out += chunk[:end]
                return out.decode()
            out += chunk

    def check(self, status, err, cause=None):
        """Raises the core's error from the cr_error at `err` unless `status` is CR_OK."""
        if status != self.abi.ok:
            raise core_error(self.abi, self.error.unpack(self.read(err, self.error.size)), cause)

    def text_out(self, name, *args, err):
        """The text a function with the cr_model_save() buffer contract writes
        (args, then dst, cap, size, err): asked for its size, then written."""
        out = self.malloc(self.ptr.size)
        try:
            self.call(name, *args, 0, 0, out, 0)
            n = self.read_ptr(out)
            p = self.malloc(n + 1)
            try:
                self.check(self.call(name, *args, p, n + 1, out, err), err)
                return self.read(p, self.read_ptr(out))
            finally:
                self.free(p)
        finally:
            self.free(out)

    def with_bytes(self, data, fn):
        """fn(ptr, len) with `data` copied into the module (NUL-terminated), then freed."""
        p = self.malloc(len(data) + 1)
        try:
            self.write(p, bytes(data) + b"\0")
            return fn(p, len(data))
        finally:
            self.free(p)

    # The host imports. They never raise into the module: a failing store
    # answers "failed" and its exception is kept, by op, for the caller.
    # BaseException too (KeyboardInterrupt, SystemExit): raised through wasm,
    # it would trap mid-call, leaving the op allocated and the C stack pointer
    # lowered for good; answered as a failure, the core frees what it holds,
    # and the caller raises it as it was.
    def _count_attempts(self, op, caller_ptr, caller_len, since_ms, until_ms):
        try:
            store, _ = self.current_store
            n = store.count_attempts(self.read(caller_ptr, caller_len).decode(), since_ms, until_ms)
            if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= self.abi.count_max:
                raise TypeError("store.count_attempts must return an int >= 0, got %s" % shown(n))
            return float(n)
        except BaseException as e:  # noqa: BLE001 - reported to the caller
            self.failures[op] = e
            return float(self.abi.failed)

    def _save_score(self, op, record_ptr, record_len):
        try:
            store, with_text = self.current_store
            text = self.read(record_ptr, record_len).decode()
            record = json.loads(text)
            if with_text:
                store.save_score(record, text)
            else:
                store.save_score(record)
            return 0
        except BaseException as e:  # noqa: BLE001
            self.failures[op] = e
            return self.abi.failed

    def _progress(self, iteration, objective, grad_norm):
        try:
            return 1 if self.current_progress and self.current_progress(iteration, objective, grad_norm) else 0
        except BaseException as e:  # noqa: BLE001 - cancels the training, raised by train()
            self.failures["progress"] = e
            return 1
