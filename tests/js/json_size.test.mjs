// A model whose JSON text is longer than the engine's longest string (2**29
// - 24 characters in V8): jsonText()'s join throws RangeError "Invalid
// string length". Its own process and Node only: the test holds ~800 MB of
// strings for about a second, too much for the suite's browser run.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CallriskError, loadModel } from '../../js/node.js';

test('a model whose JSON is longer than a string can be is CR_E_NOMEM, not V8\'s RangeError', async () => {
  const half = 'x'.repeat(2 ** 28); // each member's JSON is 2**28 + 2 characters: two are past the limit
  await assert.rejects(loadModel({ a: half, b: half }), (e) => e instanceof CallriskError && e.code === 'CR_E_NOMEM'
    && /^model: its JSON text is longer than a string can be$/.test(e.message) && e.cause instanceof RangeError);
});
