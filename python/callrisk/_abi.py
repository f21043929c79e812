"""The core's description of itself, as this host reads it.

cr_abi_json() (include/callrisk.h) describes the build that answers: struct
layouts from offsetof/sizeof, limits, statuses with their HTTP status, enum
values, the host ABI's constants and the training options. Every layout and
constant the Python host uses is taken from it here, once per compiled
module (sqlite's sqlite3__wasm_enum_json and sqlite3-api-glue.js): no
offset, size, status number or limit is written in this package.

`Abi.view()` lists every fact the host took, by its path in the description;
python/tests/test_abi.py checks each against the description read on its own.
"""
import json
import struct

# A member's struct format by the description's kind and size; the sizes are
# the struct module's own, so none is written here.
_CODES = {"int": "bhiq", "uint": "BHIQ", "float": "fd"}
_FORMATS = {(kind, struct.calcsize("<" + code)): code for kind, codes in _CODES.items() for code in codes}


class Struct:
    """One C struct as the description lays it out: `size`, `align`, and a
    compiled struct.Struct whose fields are the members in offset order
    (`names`), padding included, so one unpack reads them all. A `chars`
    member reads as text up to its NUL."""

    def __init__(self, name, desc):
        self.name = name
        self.size = desc["size"]
        self.align = desc["align"]
        self.offsets = {}
        self.formats = {}  # member -> its struct code, whose size is the member's as read
        fmt, at, names, chars = "<", 0, [], []
        for member, d in sorted(desc["members"].items(), key=lambda item: item[1]["offset"]):
            offset, size, kind = d["offset"], d["size"], d["kind"]
            if offset < at:
                raise ValueError("callrisk ABI: %s.%s overlaps the member before it" % (name, member))
            code = "%ds" % size if kind == "chars" else _FORMATS[kind, size]
            fmt += "%dx%s" % (offset - at, code) if offset > at else code
            at = offset + size
            self.offsets[member] = offset
            self.formats[member] = code
            (chars if kind == "chars" else []).append(len(names))
            names.append(member)
        if at > self.size:
            raise ValueError("callrisk ABI: %s's members end past its size" % name)
        fmt += "%dx" % (self.size - at) if self.size > at else ""
        self.struct = struct.Struct(fmt)
        self.names = tuple(names)
        self.index = {member: i for i, member in enumerate(names)}
        self._chars = tuple(chars)

    def unpack(self, data, base=0):
        """The members at `base` of `data` as a dict."""
        values = list(self.struct.unpack_from(data, base))
        for i in self._chars:
            values[i] = values[i].split(b"\0", 1)[0].decode("ascii", "replace")
        return dict(zip(self.names, values))


class Abi:
    """The description of one compiled callrisk.wasm, and what this host
    takes from it: struct views (`structs`), the status table (by number and
    by name, each with its HTTP status), field types and risk levels by
    number, the limits it uses and the host ABI's constants."""

    def __init__(self, text):
        d = json.loads(text)
        self.description = d
        self.version = d["library"]["version"]
        self.pointer_size = d["library"]["pointer_size"]
        self.pointer = struct.Struct("<" + _FORMATS["uint", self.pointer_size])  # a pointer or a size_t
        limits = d["limits"]
        self.count_max = limits["count_max"]
        self.size_max = limits["size_max"]
        self.time_max_ms = limits["time_max_ms"]
        self.attempts_field = limits["attempts_field"]
        self.json_depth_max = limits["json_depth_max"]
        self.structs = {name: Struct(name, s) for name, s in d["structs"].items()}
        self.statuses = {s["code"]: (s["name"], s["http"], s["text"]) for s in d["statuses"]}
        self.codes = {name: code for code, (name, _, _) in self.statuses.items()}
        self.ok = self.codes["CR_OK"]
        self.field_types = {number: name for name, number in d["field_types"].items()}
        self.risk_levels = tuple(d["risk_levels"])
        self.pending = d["host"]["pending"]
        # The store failed: a negative answer other than pending (callrisk_host.h).
        self.failed = min(self.pending, 0) - 1
        self.options = tuple(o["name"] for o in d["options"])

    def status(self, code):
        """(number, http) of the status named `code` ("CR_E_RANGE")."""
        number = self.codes[code]
        return number, self.statuses[number][1]

    def view(self):
        """Every fact this host took from the description, by its path in it
        (a tuple of keys and indexes), from the host's own tables."""
        v = {
            ("library", "version"): self.version,
            ("library", "pointer_size"): self.pointer_size,
            ("limits", "count_max"): self.count_max,
            ("limits", "time_max_ms"): self.time_max_ms,
            ("limits", "attempts_field"): self.attempts_field,
            ("host", "pending"): self.pending,
        }
        for name, s in self.structs.items():
            v["structs", name, "size"] = s.size
            v["structs", name, "align"] = s.align
            for member, offset in s.offsets.items():
                v["structs", name, "members", member, "offset"] = offset
                v["structs", name, "members", member, "size"] = struct.calcsize("<" + s.formats[member])
        for number, (name, http, text) in self.statuses.items():
            v["statuses", number, "code"] = number
            v["statuses", number, "name"] = name
            v["statuses", number, "http"] = http
            v["statuses", number, "text"] = text
        for number, name in self.field_types.items():
            v["field_types", name] = number
        for i, name in enumerate(self.risk_levels):
            v["risk_levels", i] = name
        for i, name in enumerate(self.options):
            v["options", i, "name"] = name
        return v

