// A minimal test harness for the browser: the subset of node:test and
// node:assert that tests/js/suite.js uses. test(name, [{ todo }], fn): a
// todo test runs, and its failure is reported as todo, as node:test does.
const tests = [];
export const test = (name, options, fn) => tests.push(fn === undefined ? { name, fn: options } : { name, fn, todo: options?.todo });

const fail = (message) => {
  throw new Error(message);
};
const matches = (e, matcher) => {
  if (matcher === undefined) return true;
  if (matcher instanceof RegExp) return matcher.test(String(e?.message ?? e));
  if (typeof matcher === 'function' && matcher.prototype instanceof Error) return e instanceof matcher;
  if (matcher === Error) return e instanceof Error;
  return matcher(e) === true;
};
const same = (a, b) => {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => same(a[k], b[k]));
};

export const assert = {
  equal(a, b, msg) {
    if (!Object.is(a, b)) fail(msg ?? `expected ${String(b)}, got ${String(a)}`);
  },
  notEqual(a, b, msg) {
    if (Object.is(a, b)) fail(msg ?? `expected a value other than ${String(b)}`);
  },
  deepEqual(a, b, msg) {
    if (!same(a, b)) fail(msg ?? `expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
  },
  ok(v, msg) {
    if (!v) fail(msg ?? 'expected a truthy value');
  },
  throws(fn, matcher) {
    try {
      fn();
    } catch (e) {
      if (!matches(e, matcher)) fail(`threw the wrong error: ${e?.name}: ${e?.message}`);
      return;
    }
    fail('expected an exception');
  },
  async rejects(promise, matcher) {
    try {
      await promise;
    } catch (e) {
      if (!matches(e, matcher)) fail(`rejected with the wrong error: ${e?.name}: ${e?.message}`);
      return;
    }
    fail('expected a rejection');
  },
};

export async function run() {
  const results = [];
  for (const t of tests) {
    try {
      await t.fn();
      results.push({ name: t.name, ok: true, todo: t.todo });
    } catch (e) {
      results.push({ name: t.name, ok: !!t.todo, todo: t.todo, error: `${e?.name}: ${e?.message}` });
    }
  }
  return results;
}
