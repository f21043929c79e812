// schema.js - a core schema as the glue reads requests and rows by it.

import { fieldsOf } from './values.js';

/** The schema at `s` as the glue reads requests by it: { fields, features }. */
export function readSchema(rt, s) {
  const x = rt.x;
  const names = [];
  const types = [];
  for (let i = 0, n = x.cr_schema_field_count(s); i < n; i++) {
    names.push(rt.cstring(x.cr_schema_field_name(s, i)));
    types.push(rt.abi.fieldTypes[x.cr_schema_field_type(s, i)]);
  }
  const features = [];
  for (let j = 0, n = x.cr_schema_feature_count(s); j < n; j++) features.push(rt.cstring(x.cr_schema_feature_name(s, j)));
  return Object.freeze({ fields: fieldsOf(rt.abi, names, types), features: Object.freeze(features) });
}
