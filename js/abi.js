// abi.js - the core's description of itself, as the JS host reads it.
//
// cr_abi_json() describes the build that answers (include/callrisk.h):
// struct layouts from offsetof/sizeof, limits, statuses with their HTTP
// status, enum values, the host ABI's constants and the training options.
// Every layout and constant the glue uses is taken from it here, once per
// module (sqlite's sqlite3__wasm_enum_json): no offset, size, status number
// or limit is written in js/. tests/js/abi.test.mjs checks the view against
// the description read on its own, and scans js/ for numbers.

/** A struct as the description lays it out: `size`, `align`, and each member's `offset`, `size` and `kind`. */
function layout(name, desc) {
  if (!desc || typeof desc.size !== 'number' || !desc.members) throw new Error(`callrisk ABI: no layout of ${name}`);
  const members = Object.create(null);
  for (const [member, m] of Object.entries(desc.members)) members[member] = Object.freeze({ offset: m.offset, size: m.size, kind: m.kind });
  return Object.freeze({ size: desc.size, align: desc.align, members: Object.freeze(members) });
}

/** The member `name` of struct `s`, or an Error naming what the module lacks. */
export function member(s, sname, name) {
  const m = s.members[name];
  if (!m) throw new Error(`callrisk ABI: ${sname} has no member '${name}'`);
  return m;
}

/**
 * The host's view of description `d` (parsed cr_abi_json()): only what the
 * glue uses, each fact under the name it has there. `view.paths` lists the
 * description paths taken, for the drift test.
 */
export function readAbi(d) {
  const structs = Object.create(null);
  for (const name of ['cr_error', 'cr_score_result', 'cr_reason', 'cr_train_options', 'cr_metrics']) structs[name] = layout(name, d.structs?.[name]);
  const statuses = new Map(); // name -> { code, http, text }
  const byCode = [];
  for (const s of d.statuses) {
    const entry = Object.freeze({ name: s.name, code: s.code, http: s.http, text: s.text });
    statuses.set(s.name, entry);
    byCode[s.code] = entry;
  }
  const ok = byCode.findIndex((s) => s && s.name === 'CR_OK');
  if (ok < 0) throw new Error('callrisk ABI: no status CR_OK');
  const fieldTypes = []; // number -> name
  for (const [name, n] of Object.entries(d.field_types)) fieldTypes[n] = name;
  return Object.freeze({
    library: Object.freeze({ ...d.library }),
    limits: Object.freeze({ ...d.limits }),
    structs: Object.freeze(structs),
    statuses,
    byCode: Object.freeze(byCode),
    ok,
    fieldTypes: Object.freeze(fieldTypes),
    riskLevels: Object.freeze([...d.risk_levels]),
    opStates: Object.freeze({ ...d.op_states }),
    pending: d.host.pending,
    options: Object.freeze(d.options.map((o) => Object.freeze({ ...o }))),
    paths: Object.freeze([
      'library', 'limits', 'structs.cr_error', 'structs.cr_score_result', 'structs.cr_reason', 'structs.cr_train_options', 'structs.cr_metrics',
      'statuses', 'field_types', 'risk_levels', 'op_states', 'host.pending', 'options',
    ]),
  });
}
