// POST /models/train's text checks (src/train-text.js), without a server:
// parseWhole() answers as the core's count check does on /score for every
// number text tried, and rowNumbers() finds the members of the body's rows
// whatever the strings, escapes and nesting around them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallriskError, createScorer } from 'callrisk';
import { parseWhole, rowNumbers } from '../src/train-text.js';

test('parseWhole: the core\'s verdict on a count written so (/score\'s spam_reports), for each text whose double the core takes', async () => {
  const scorer = await createScorer();
  const core = (text) => {
    try {
      scorer.scoreJSON(`{"spam_reports":${text},"has_consent":true,"call_attempts_24h":1}`);
      return 'ok';
    } catch (e) {
      assert.ok(e instanceof CallriskError && e.field === 'spam_reports', String(e));
      return { CR_E_RANGE: 'range', CR_E_TYPE: 'type' }[e.code] ?? e.code;
    }
  };
  const texts = ['0', '-0', '-0.0', '-0e5', '0.000', '0e-999', '1e0', '5.0', '5e0', '50e-1', '0.5e1', '1E2', '1e+2', '1.5', '0.1', '1e-400', '-1e-400',
    '1.0000000000000000001', '0.99999999999999999999', '9007199254740991', '9007199254740992', '9007199254740992.0', '9007199254740992.5',
    '9007199254740993', '9007199254740993.0', '9.007199254740993e15', '900719925474099.3e1', '9007199254740994', '1e15', '1e16', '10000000000000000',
    '99999999999999999999', '123456789012345678901234567890e-14', '123456789012345678901234567890e-16', '1e308', '4.5e15',
    '12345678901234567890e-5', '1' + '0'.repeat(15), '1' + '0'.repeat(16), '0.' + '0'.repeat(30) + '1e31', '100000000000000000000000e-8'];
  for (const text of texts) {
    const expected = core(text);
    if (expected !== 'ok' && expected !== 'range' && expected !== 'type') continue; // refused on its double (1e308: past 2^53 as a number)
    assert.equal(parseWhole(text), expected, text);
  }
});

test('rowNumbers: the members of the body\'s rows written other than as plain integers, by row and key, in order', () => {
  const text = String.raw`{"csv\"":"x","rows" : [ {"a":1,"b":1.5,"c\"d":2e0,"s":"\"1.5\\","n":{"x":1.5},"l":[1.5]} , {"a":-0.0,"b":9007199254740993,"\u0063":5.00} , [1.5] ],` +
    String.raw`"options":{"rows":[{"z":1.5}]},"x":{"rows":[{"y":1.5}]}}`;
  JSON.parse(text);
  assert.deepEqual([...rowNumbers(text)], [
    { row: 0, key: 'b', text: '1.5' }, { row: 0, key: 'c"d', text: '2e0' },
    { row: 1, key: 'a', text: '-0.0' }, { row: 1, key: 'b', text: '9007199254740993' }, { row: 1, key: 'c', text: '5.00' },
  ]);
  assert.deepEqual([...rowNumbers('{"rows":[{"a":123456789012345,"b":1234567890123456,"c":-0}]}')], [{ row: 0, key: 'b', text: '1234567890123456' }]);
  assert.deepEqual([...rowNumbers('{"rows":[]}')], []);
});
