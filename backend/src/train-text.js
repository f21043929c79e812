// POST /models/train's body as text, judged as the core judges request text
// (its training rows reach the core as values, through the package's
// trainModel, which takes no JSON text: what JSON.parse changes must be
// caught here). Run by the training worker, off the server's event loop.
//
// - The text itself: the core's JSON parser reads it (duplicate keys at any
//   depth, lone surrogate escapes…), and its CR_E_JSON is the answer, named
//   as the rows and options name their fields.
// - The numbers of a row's count fields and label: JSON.parse reads
//   9007199254740993 as 2^53 and 1.0000000000000000001 as 1; the core reads a
//   count's text exactly (cr_parse_whole, src/base/numtext.c), ported below.
import { CallriskError, scoreRequest } from 'callrisk';
import { coreError } from './errors.js';

/** A CR_E_JSON error's path ("rows[3].spam_reports") as the row's field and line, or the option's name. */
function located(e) {
  const path = e.field ?? '';
  const row = /^rows\[(\d+)\]\.?(.*)$/s.exec(path);
  const option = /^options\.(.+)$/s.exec(path);
  const [field, line] = row ? [row[2] || undefined, Number(row[1]) + 1] : [option ? option[1] : e.field, undefined];
  return new CallriskError(e.message, { code: e.code, status: e.status, httpStatus: e.httpStatus, field, line, column: e.column });
}

/**
 * The core's verdict on the body's text: its request parser reads it (the
 * body is no request, so past the parser it only finds fields missing);
 * throws the parser's own CR_E_JSON.
 */
export async function judgeText(text) {
  try {
    await scoreRequest(text);
  } catch (e) {
    if (!(e instanceof CallriskError)) throw e;
    if (e.code === 'CR_E_JSON') throw located(e);
  }
}

/**
 * cr_parse_whole() on a JSON number's text: 'ok' (a whole number of at most
 * 2^53 in magnitude; "-0" is 0), 'range' (a whole number beyond) or 'type'
 * (a fraction), whatever the digits and exponent.
 */
export function parseWhole(s) {
  const m = s[0] === '-' ? 1 : 0;
  let mEnd = s.search(/[eE]/);
  if (mEnd < 0) mEnd = s.length;
  let place = 0; // of the mantissa's first digit: the exponent, then its digits before the '.'
  for (let x = mEnd + 1; x < s.length; x++) if (s[x] >= '0' && s[x] <= '9' && place < 1e8) place = place * 10 + (s.charCodeAt(x) - 48);
  if (s[mEnd + 1] === '-') place = -place;
  const dot = s.indexOf('.', m);
  place += (dot >= 0 && dot < mEnd ? dot : mEnd) - m - 1;
  let v = 0n;
  for (let x = m; x < mEnd; x++) {
    if (s[x] === '.') continue;
    const d = s.charCodeAt(x) - 48;
    if (d && place >= 16) return 'range';
    if (d && place < 0) return 'type';
    if (place-- >= 0) v = v * 10n + BigInt(d);
  }
  for (; v && place >= 0; place--) v *= 10n;
  return v > 2n ** 53n ? 'range' : 'ok';
}

// A number JSON.parse reads exactly, whatever the field: an integer of at most 15 digits.
const PLAIN = /^-?(?:0|[1-9]\d{0,14})$/;

/**
 * The numbers written as the members of the body's rows ({"rows": [{…}]},
 * text JSON.parse has read), but for plain integers: { row, key, text }, in
 * the text's order.
 */
export function* rowNumbers(text) {
  const stack = []; // { array, key, index, keyNext }
  for (let i = 0; i < text.length;) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let j = text.indexOf('"', i + 1);
      for (;;) { // a quote after an odd run of backslashes is escaped
        let b = j - 1;
        while (text[b] === '\\') b--;
        if ((j - 1 - b) % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (top && top.keyNext) {
        top.keyNext = false;
        if (stack.length === 1 || stack.length === 3) {
          const raw = text.slice(i + 1, j);
          top.key = raw.includes('\\') ? JSON.parse(text.slice(i, j + 1)) : raw;
        }
      }
      i = j + 1;
    } else if (c === '{' || c === '[') {
      stack.push({ array: c === '[', key: undefined, index: 0, keyNext: c === '{' });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      if (top.array) top.index++;
      else top.keyNext = true;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && '0123456789.eE+-'.includes(text[j])) j++;
      const number = text.slice(i, j);
      if (stack.length === 3 && !stack[0].array && stack[0].key === 'rows' && stack[1].array && !stack[2].array && !PLAIN.test(number)) {
        yield { row: stack[1].index, key: stack[2].key, text: number };
      }
      i = j;
    } else {
      i++; // white space, ':', true, false, null
    }
  }
}

// The package's camelCase alias of a field (js/values.js fieldsOf): a row may name a field so.
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/**
 * The first row of the body whose count field or label the core, reading its
 * text, would refuse though its double passed (a model was trained on the
 * doubles: `fields` are its fields): the core's CR_E_RANGE / CR_E_TYPE with
 * the field and the row's line; null when there is none.
 */
export function inexactRow(abi, text, fields, labelColumn) {
  const names = fields.map((f) => f.name);
  const camels = names.map(camel);
  const counts = new Map();
  fields.forEach((f, i) => {
    if (f.type !== 'count') return;
    counts.set(f.name, f.name);
    const c = camels[i];
    if (c !== f.name && !names.includes(c) && camels.indexOf(c) === camels.lastIndexOf(c)) counts.set(c, f.name);
  });
  for (const { row, key, text: number } of rowNumbers(text)) {
    const name = key === labelColumn ? key : counts.get(key);
    if (name === undefined) continue;
    const why = parseWhole(number);
    if (why === 'ok') continue;
    const got = number.length > 40 ? `${number.slice(0, 40)}…` : number;
    const where = { field: name, line: row + 1 };
    if (name === labelColumn) return coreError(abi, 'CR_E_TYPE', `rows[${row}]: field '${name}': must be 0 or 1, got ${got}`, where);
    return why === 'range'
      ? coreError(abi, 'CR_E_RANGE', `rows[${row}]: field '${name}': must be at most 2^53 (9007199254740992), got ${got}`, where)
      : coreError(abi, 'CR_E_TYPE', `rows[${row}]: field '${name}': must be an integer, got ${got}`, where);
  }
  return null;
}
