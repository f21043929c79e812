// The behavioural suite of the npm package, run by node:test (api.test.mjs)
// and in headless Chromium (tests/browser). `api` is the imported package,
// `golden` the text of tests/golden/default_model.txt (the native goldens).
//
// The contract (issue 12): the C core judges every value and names it; the
// glue converts. A bad value is a CallriskError with the core's status
// (`code`, `status`, `httpStatus` from the module's own description) and
// the field by its C name (`field`), the row of a batch or training set
// (`line`, 1-based); a TypeError is only the JS API misused (an options bag
// that is not a plain object, an unknown key of it, an input of no accepted
// shape). Each expectation below names the code, field and line exactly.

const SEED_ROWS = [
  { spamReports: 0, hasConsent: false, callAttempts24h: 1, label: 0 },
  { spamReports: 1, hasConsent: true, callAttempts24h: 2, label: 0 },
  { spamReports: 2, hasConsent: true, callAttempts24h: 3, label: 1 },
  { spamReports: 3, hasConsent: true, callAttempts24h: 5, label: 1 },
  { spamReports: 4, hasConsent: true, callAttempts24h: 7, label: 1 },
];
/** The seed rows as CSV text, the label column named `label`. */
const seedCsv = (label) => `spam_reports,has_consent,call_attempts_24h,${label}\n${SEED_ROWS.map((r) => `${r.spamReports},${r.hasConsent},${r.callAttempts24h},${r.label}`).join('\n')}\n`;
// The grid of tests/c/test_golden.c.
const SPAM = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 50, 100, 1000];
const ATTEMPTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 40, 100, 1000, 100000];

const bitsHex = (x) => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return '0x' + dv.getBigUint64(0, true).toString(16).padStart(16, '0');
};

function goldenValue(golden, key) {
  const line = golden.split('\n').find((l) => l.startsWith(key + ' '));
  if (!line) throw new Error(`golden file has no ${key}`);
  return line.slice(key.length + 1).trim();
}

async function gridDigest(scorer) {
  const features = scorer.model.features;
  const buf = new DataView(new ArrayBuffer(SPAM.length * 2 * ATTEMPTS.length * 9 * 8));
  let at = 0;
  const put = (u) => {
    buf.setBigUint64(at, BigInt.asUintN(64, u), true);
    at += 8;
  };
  const bits = (x) => {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, x, true);
    return dv.getBigUint64(0, true);
  };
  for (const spamReports of SPAM) {
    for (const consent of [0, 1]) {
      for (const callAttempts24h of ATTEMPTS) {
        const r = scorer.score({ spamReports, hasConsent: consent === 1, callAttempts24h });
        put(BigInt(r.score));
        put(bits(r.probability));
        put(bits(r.logit));
        for (const reason of r.reasons) {
          put(BigInt(features.indexOf(reason.feature)));
          put(bits(reason.contribution));
        }
      }
    }
  }
  const digest = await crypto.subtle.digest('SHA-256', buf.buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `freshApi()`: a copy of the glue with its own state (no module loaded),
 * bound to the runner's environment; `wasmUrl` and `wasm`: where
 * callrisk.wasm is, and its bytes.
 */
export function defineSuite({ test: runnerTest, assert, api, golden, freshApi, wasmUrl, wasm }) {
  const { createScorer, trainModel, loadModel, scoreRequest, createMemoryStore, trainOptions, describe, CallriskError, RISK_LEVELS } = api;

  // The module's status table (cr_abi_json()): name -> { code, http }. Every
  // test reads it first, so a CallriskError's status and HTTP status are
  // checked against the module's own description, never against numbers
  // written here.
  let STATUSES = null;
  const test = (name, options, fn = options) => runnerTest(name, fn === options ? {} : options, async () => {
    STATUSES ??= new Map((await describe()).statuses.map((s) => [s.name, s]));
    await fn();
  });

  /**
   * The core's error `code`: a CallriskError (no TypeError or RangeError)
   * whose status and HTTP status are the description's for that code, whose
   * `field` and `line` are exactly the ones given (absent when not given),
   * `column` too if given, and whose message matches `message` if given.
   */
  const coreError = (code, { field, line, column, message } = {}) => (e) => {
    assert.ok(e instanceof CallriskError, `want CallriskError ${code}${field ? ` (${field})` : ''}, got ${e?.name}: ${e?.message}`);
    assert.ok(!(e instanceof TypeError) && !(e instanceof RangeError), `${e.message}: a CallriskError is neither TypeError nor RangeError`);
    assert.equal(e.name, 'CallriskError');
    const s = STATUSES.get(code);
    assert.ok(s, `no status ${code} in the module's description`);
    assert.equal(`${e.code} ${e.status} ${e.httpStatus}`, `${code} ${s.code} ${s.http}`, `code, status, HTTP status of: ${e.message}`);
    assert.equal(e.field, field, `field of: ${e.message}`);
    assert.equal(e.line, line, `line of: ${e.message}`);
    if (column !== undefined) assert.equal(e.column, column, `column of: ${e.message}`);
    if (message) assert.ok(message.test(e.message), `message ${JSON.stringify(e.message)} does not match ${message}`);
    return true;
  };
  /** The JS API misused: a TypeError (no CallriskError) whose message matches `re`. */
  const misuse = (re) => (e) => {
    assert.ok(e instanceof TypeError && !(e instanceof CallriskError), `want TypeError ${re}, got ${e?.name} ${e?.code ?? ''}: ${e?.message}`);
    assert.ok(re.test(e.message), `message ${JSON.stringify(e.message)} does not match ${re}`);
    return true;
  };

  test('the seed cases: 99 HIGH and 11 LOW, with reasons and the model id', async () => {
    const s = await createScorer();
    const high = s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
    assert.equal(high.score, 99);
    assert.equal(high.riskLevel, 'HIGH');
    assert.equal(high.modelId, goldenValue(golden, 'model_id'));
    assert.deepEqual(high.reasons.map((r) => r.feature), ['call_attempts_24h', 'spam_reports', 'no_consent']);
    const sum = high.reasons.reduce((acc, r) => acc + r.contribution, high.baseLogit);
    assert.ok(Math.abs(sum - high.logit) < 1e-12);
    const low = s.score({ spamReports: 0, hasConsent: true, callAttempts24h: 1 });
    assert.equal(low.score, 11);
    assert.equal(low.riskLevel, 'LOW');
  });

  test('golden bits: model id, coefficients, seed probabilities and the grid equal native', async () => {
    const s = await createScorer();
    assert.equal(s.model.id, goldenValue(golden, 'model_id'));
    const coef = [...s.model.coefficients, s.model.intercept].map(bitsHex).join(' ');
    assert.equal(coef, goldenValue(golden, 'coef_intercept_bits'));
    const high = s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
    assert.equal(`${high.score} ${high.riskLevel} ${bitsHex(high.probability)}`, goldenValue(golden, 'case_5_false_10'));
    const low = s.score({ spamReports: 0, hasConsent: true, callAttempts24h: 1 });
    assert.equal(`${low.score} ${low.riskLevel} ${bitsHex(low.probability)}`, goldenValue(golden, 'case_0_true_1'));
    assert.equal(await gridDigest(s), goldenValue(golden, 'grid_sha256'));
    // Every entry gives the seed case's bits: objects, JSON text, batches.
    const bits = bitsHex(high.probability);
    assert.equal(bitsHex(s.scoreJSON('{"spam_reports":5,"has_consent":false,"call_attempts_24h":10}').probability), bits);
    assert.equal(bitsHex(s.scoreBatch([{ spam_reports: 5, has_consent: false, call_attempts_24h: 10 }]).probabilities[0]), bits);
    assert.equal(bitsHex(s.scoreBatch(Float64Array.from([5, 0, 10])).probabilities[0]), bits);
  });

  test('scoreRequest keeps the seed /score contract: a body of C names, as an object or JSON text, read by the core', async () => {
    const body = { spam_reports: 5, has_consent: false, call_attempts_24h: 10 };
    assert.deepEqual(await scoreRequest(body), { score: 99, risk_level: 'HIGH' });
    assert.deepEqual(await scoreRequest(JSON.stringify(body)), { score: 99, risk_level: 'HIGH' });
    const s = await createScorer();
    assert.deepEqual(s.scoreRequest({ spam_reports: 0, has_consent: true, call_attempts_24h: 1 }), { score: 11, risk_level: 'LOW' });
    assert.deepEqual(s.scoreRequest('{"spam_reports": 0, "has_consent": true, "call_attempts_24h": 1}'), { score: 11, risk_level: 'LOW' });
    assert.throws(() => s.scoreRequest({ spam_reports: 1, has_consent: 'no', call_attempts_24h: 1 }),
      coreError('CR_E_TYPE', { field: 'has_consent', message: /^field 'has_consent': must be true or false, got string/ }));
    // The core's parser knows C names only: camelCase keys are unknown keys, ignored.
    assert.throws(() => s.scoreRequest({ spamReports: 5, hasConsent: false, callAttempts24h: 10 }), coreError('CR_E_MISSING', { field: 'spam_reports' }));
    await assert.rejects(scoreRequest({ spamReports: 5, hasConsent: false, callAttempts24h: 10 }), coreError('CR_E_MISSING', { field: 'spam_reports' }));
    await assert.rejects(scoreRequest('{"spam_reports": 5,'), coreError('CR_E_JSON', { column: 20, message: /^JSON: .* at byte 20/ }));
  });

  test('bad arguments are the core\'s CallriskError: code, field (the C name, whatever the spelling), HTTP status', async () => {
    const s = await createScorer();
    const ok = { spamReports: 5, hasConsent: false, callAttempts24h: 10 };
    const cases = [
      [{ hasConsent: true, callAttempts24h: 1 }, 'CR_E_MISSING', 'spam_reports', /^field 'spam_reports': required/],
      [{ ...ok, spamReports: -1 }, 'CR_E_RANGE', 'spam_reports', /^field 'spam_reports': must be an integer >= 0, got -1/],
      [{ ...ok, spamReports: 1.5 }, 'CR_E_TYPE', 'spam_reports', /^field 'spam_reports': must be an integer, got 1\.5/],
      [{ ...ok, spamReports: '3' }, 'CR_E_TYPE', 'spam_reports', /^field 'spam_reports' \(given as spamReports\): must be a number, got string/],
      [{ ...ok, hasConsent: 1 }, 'CR_E_TYPE', 'has_consent', /^field 'has_consent' \(given as hasConsent\): must be true or false, got 1/],
      [{ ...ok, callAttempts24h: Infinity }, 'CR_E_NONFINITE', 'call_attempts_24h', /^field 'call_attempts_24h': must be a finite number/],
      [{ ...ok, callAttempts24h: 2 ** 54 }, 'CR_E_RANGE', 'call_attempts_24h', /^field 'call_attempts_24h': must be at most 2\^53/],
      [{ ...ok, callAttempts24h: 2 ** 53 + 2 }, 'CR_E_RANGE', 'call_attempts_24h', /^field 'call_attempts_24h': must be at most 2\^53/],
    ];
    for (const [req, code, field, message] of cases) assert.throws(() => s.score(req), coreError(code, { field, message }));
    // A count up to 2^53 is a count; -0 is 0.
    assert.equal(s.score({ ...ok, callAttempts24h: 2 ** 53 }).score, 100);
    assert.equal(s.score({ ...ok, spamReports: -0 }).probability, s.score({ ...ok, spamReports: 0 }).probability);
    // What a service answers for these: the description's table (422, 400).
    assert.throws(() => s.score({ ...ok, spamReports: -1 }), (e) => e.httpStatus === 422);
    assert.throws(() => s.score({ ...ok, spam_reports: 5 }), (e) => e.code === 'CR_E_ARG' && e.httpStatus === 400);
    assert.throws(() => s.score(null), coreError('CR_E_TYPE', { message: /^request: must be an object, got null/ }));
    // Extra fields are ignored, as the seed's pydantic model did.
    assert.equal(s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10, callerNumber: '+1', note: {} }).score, 99);
    // C names are accepted too; the error names the field by its C name either way.
    assert.equal(s.score({ spam_reports: 5, has_consent: false, call_attempts_24h: 10 }).score, 99);
    assert.throws(() => s.score({ spam_reports: -2, has_consent: false, call_attempts_24h: 1 }),
      coreError('CR_E_RANGE', { field: 'spam_reports', message: /^field 'spam_reports': must be an integer >= 0, got -2/ }));
    assert.throws(() => s.score({ spam_reports: '2', has_consent: false, call_attempts_24h: 1 }),
      coreError('CR_E_TYPE', { field: 'spam_reports', message: /^field 'spam_reports': must be a number, got string/ }));
  });

  test('scoreBatch: objects, columns and Float64Array rows give the bits of score()', async () => {
    const s = await createScorer();
    const reqs = [];
    for (let i = 0; i < 999; i++) reqs.push({ spamReports: i % 13, hasConsent: i % 3 === 0, callAttempts24h: (i * 7) % 41 });
    reqs.push({ spamReports: 2 ** 53, hasConsent: false, callAttempts24h: 2 ** 53 });
    const a = s.scoreBatch(reqs);
    const cols = s.scoreBatch({
      spamReports: reqs.map((r) => r.spamReports),
      hasConsent: reqs.map((r) => r.hasConsent),
      callAttempts24h: Float64Array.from(reqs, (r) => r.callAttempts24h),
    });
    const rows = s.scoreBatch(Float64Array.from(reqs.flatMap((r) => [r.spamReports, r.hasConsent ? 1 : 0, r.callAttempts24h])));
    for (let i = 0; i < reqs.length; i++) {
      const one = s.score(reqs[i]);
      assert.equal(a.scores[i], one.score);
      assert.equal(bitsHex(a.probabilities[i]), bitsHex(one.probability));
      assert.equal(RISK_LEVELS[a.riskLevels[i]], one.riskLevel);
      assert.equal(cols.scores[i], one.score);
      assert.equal(rows.probabilities[i], one.probability);
    }
    assert.equal(a.scores[999], 100);
    // A bad row in typed input is caught by the core: row and field named.
    const bad = Float64Array.from([1, 0, 1, 2, 0.5, 3]);
    assert.throws(() => s.scoreBatch(bad), coreError('CR_E_TYPE', { field: 'has_consent', line: 2 }));
    assert.throws(() => s.scoreBatch([{ spamReports: 1, hasConsent: true, callAttempts24h: 1 }, { spamReports: 1, hasConsent: true }]),
      coreError('CR_E_MISSING', { field: 'call_attempts_24h', line: 2, message: /^requests\[1\]: field 'call_attempts_24h': required/ }));
    assert.throws(() => s.scoreBatch(new Float64Array(4)), coreError('CR_E_ARG', { field: 'rows', message: /^rows: length 4 is not a multiple of 3 fields/ }));
    // No rows: empty results.
    for (const empty of [[], new Float64Array(0), { spamReports: [], hasConsent: [], callAttempts24h: [] }]) {
      const r = s.scoreBatch(empty);
      assert.deepEqual([r.scores.length, r.probabilities.length, r.riskLevels.length], [0, 0, 0]);
    }
  });

  test('createBatch: rows written into wasm memory, results read from views, with the bits of score()', async () => {
    const s = await createScorer();
    const n = 2053; // two blocks of the core, then rows the vector lanes leave over
    const b = s.createBatch(n);
    assert.equal(b.capacity, n);
    assert.equal(b.length, 0);
    assert.equal(b.rows.length, 3 * n);
    const reqs = [];
    const rows = b.rows;
    for (let i = 0; i < n; i++) {
      const r = { spamReports: i % 17, hasConsent: i % 5 !== 0, callAttempts24h: (i * 11) % 53 };
      reqs.push(r);
      rows.set([r.spamReports, r.hasConsent ? 1 : 0, r.callAttempts24h], 3 * i);
    }
    assert.equal(b.run(), b);
    assert.equal(b.length, n);
    const [scores, probabilities, levels] = [b.scores, b.probabilities, b.riskLevels];
    assert.deepEqual([scores.length, probabilities.length, levels.length], [n, n, n]);
    for (let i = 0; i < n; i++) {
      const one = s.score(reqs[i]);
      assert.equal(scores[i], one.score);
      assert.equal(bitsHex(probabilities[i]), bitsHex(one.probability));
      assert.equal(RISK_LEVELS[levels[i]], one.riskLevel);
    }
    // Part of the rows: the views cover what ran.
    b.run(7);
    assert.equal(b.length, 7);
    assert.equal(b.scores.length, 7);
    assert.equal(bitsHex(b.probabilities[6]), bitsHex(s.score(reqs[6]).probability));
    // A bad row: the core's error with its row; no result of that run is kept.
    rows[3 * 1500 + 1] = 0.5;
    assert.throws(() => b.run(), coreError('CR_E_TYPE', { field: 'has_consent', line: 1501 }));
    assert.equal(b.length, 0);
    assert.equal(b.scores.length, 0);
    rows[3 * 1500 + 1] = Number.NaN;
    assert.throws(() => b.run(), coreError('CR_E_NONFINITE', { field: 'has_consent', line: 1501 }));
    rows[3 * 1500 + 1] = 1;
    assert.equal(b.run(1501).length, 1501); // the row before the bad one
    // Capacity and row counts are whole numbers in range.
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31, '10', null]) {
      assert.throws(() => s.createBatch(bad), coreError('CR_E_ARG', { field: 'capacity', message: /^capacity: must be a whole number of rows from 1 to / }));
    }
    // More than the module's memory can hold: the allocator says so.
    assert.throws(() => s.createBatch(100000000), coreError('CR_E_NOMEM'));
    for (const bad of [-1, n + 1, 2.5, '3', null]) {
      assert.throws(() => b.run(bad), coreError('CR_E_ARG', { field: 'rows', message: new RegExp(`^rows: must be a whole number from 0 to the capacity ${n}`) }));
    }
    assert.equal(b.run(0).length, 0);
    // The memory grows (a big batch): views taken before are detached, the
    // getters hand out views of the new memory, holding the same values.
    b.run();
    const before = bitsHex(b.probabilities[n - 1]);
    const stale = b.probabilities;
    const big = s.createBatch(4000000);
    assert.equal(stale.length, 0);
    assert.equal(bitsHex(b.probabilities[n - 1]), before);
    assert.equal(b.rows[3 * (n - 1) + 2], reqs[n - 1].callAttempts24h);
    big.free();
    // free(): every later use is CR_E_STATE; twice is a no-op.
    b.free();
    b.free();
    const freed = coreError('CR_E_STATE', { message: /^callrisk: this ScoreBatch has been freed/ });
    assert.throws(() => b.rows, freed);
    assert.throws(() => b.scores, freed);
    assert.throws(() => b.run(), freed);
    // A batch of a freed model's scorer: CR_E_STATE from run().
    const m = await loadModel(s.model.toBytes());
    const s2 = await createScorer({ model: m });
    const b2 = s2.createBatch(3);
    m.free();
    assert.throws(() => b2.run(), coreError('CR_E_STATE', { message: /^callrisk: model [0-9a-f]{12}… has been freed/ }));
    assert.throws(() => s2.createBatch(3), coreError('CR_E_STATE'));
    b2.free();
  });

  test('model bytes and JSON round-trip to the same id; bad bytes are the core\'s errors', async () => {
    const s = await createScorer();
    const bytes = s.model.toBytes();
    assert.equal(new TextDecoder().decode(bytes.slice(0, 8)), 'CRISKMDL');
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    assert.equal([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''), s.model.id);
    assert.equal((await loadModel(bytes)).id, s.model.id);
    assert.equal((await loadModel(s.model.toCanonicalJSON())).id, s.model.id);
    assert.equal((await loadModel(JSON.parse(JSON.stringify(s.model)))).id, s.model.id);
    const card = s.model.card();
    assert.equal(card.model_id, s.model.id);
    assert.deepEqual(card.bands, { high: 70, medium: 40 });
    const expectCode = async (input, code, re) => {
      await assert.rejects(loadModel(input), (e) => e instanceof CallriskError && e.code === code && e.httpStatus === STATUSES.get(code).http && re.test(e.message));
    };
    await expectCode(bytes.slice(0, 40), 'CR_E_TRUNCATED', /truncated/);
    await expectCode(new Uint8Array([1, 2, 3]), 'CR_E_MAGIC', /bad magic/);
    const flipped = bytes.slice();
    flipped[60] ^= 1;
    await expectCode(flipped, 'CR_E_CHECKSUM', /checksum/);
    await expectCode('{"format":"callrisk-model","version":9}', 'CR_E_VERSION', /version 9/);
    await expectCode('{"format":', 'CR_E_JSON', /JSON/);
    await assert.rejects(loadModel(42), misuse(/^model: must be bytes/));
  });

  test('trainModel: the seed rows give the default model\'s fit, bit for bit, with the evidence a trained model carries', async () => {
    const m = await trainModel(SEED_ROWS);
    assert.equal(m.id, goldenValue(golden, 'trained_model_id'));
    const seed = (await createScorer()).model;
    assert.deepEqual([m.coefficients, m.intercept, m.bands], [seed.coefficients, seed.intercept, seed.bands]);
    assert.equal(m.card().evidence.train.n, 5);
    assert.equal(seed.card().evidence, undefined); // the default model: format 1, no evidence
    const card = m.card();
    assert.equal(card.solver.converged, true);
    assert.equal(card.training.rows, 5);
    // Rows by C names, labels as booleans, and the same rows as CSV: the same model.
    const snake = SEED_ROWS.map((r) => ({ spam_reports: r.spamReports, has_consent: r.hasConsent, call_attempts_24h: r.callAttempts24h, label: r.label === 1 }));
    assert.equal((await trainModel(snake)).id, m.id);
    assert.equal((await trainModel({ csv: seedCsv('label') })).id, m.id);
  });

  test('trainModel: options by the core\'s names, sign constraints, progress and cancellation', async () => {
    const constrained = await trainModel(SEED_ROWS, { signs: { no_consent: 'nonneg' }, C: 2, bands: { high: 80, medium: 50 } });
    assert.equal(constrained.coefficients[1], 0);
    assert.deepEqual(constrained.bands, { high: 80, medium: 50 });
    const seen = [];
    await trainModel(SEED_ROWS, { onProgress: (p) => seen.push(p.iteration) });
    assert.deepEqual(seen.slice(0, 3), [0, 1, 2]);
    await assert.rejects(trainModel(SEED_ROWS, { onProgress: (p) => p.iteration < 2 }), coreError('CR_E_CANCELLED'));
    // A progress callback that throws: that error, as thrown.
    const boom = new Error('boom');
    await assert.rejects(trainModel(SEED_ROWS, { onProgress: () => { throw boom; } }), (e) => e === boom);
    await assert.rejects(trainModel(SEED_ROWS, { C: 0 }), coreError('CR_E_RANGE', { field: 'C', message: /^option 'C': must be a finite number > 0/ }));
    // camelCase is not an option name: the core's unknown option, naming it as given.
    for (const name of ['classWeight', 'maxIter', 'fitIntercept', 'labelColumn']) {
      await assert.rejects(trainModel(SEED_ROWS, { [name]: 1 }), coreError('CR_E_ARG', { field: name, message: new RegExp(`^unknown option '${name}' \\(known: C, fit_intercept, class_weight, max_iter, tol, signs, bands`) }));
    }
    await assert.rejects(trainModel(SEED_ROWS, { signs: { nope: 'nonneg' } }), coreError('CR_E_RANGE', { field: 'signs', message: /no feature 'nope'/ }));
    await assert.rejects(trainModel([{ ...SEED_ROWS[0], label: 2 }]), coreError('CR_E_RANGE', { field: 'label', line: 1, message: /^data\[0\]: field 'label': must be 0 or 1, got 2/ }));
    await assert.rejects(trainModel(SEED_ROWS.slice(0, 2)), coreError('CR_E_DATA', { field: 'label', message: /both labels/ }));
    await assert.rejects(trainModel([]), coreError('CR_E_DATA', { message: /no rows/ }));
    await assert.rejects(trainModel({ csv: '' }), coreError('CR_E_CSV', { line: 1, column: 1, message: /no header row/ }));
    const balanced = await trainModel(SEED_ROWS, { class_weight: 'balanced' });
    assert.equal(balanced.card().training.class_weight, 'balanced');
    assert.deepEqual(balanced.card().training.class_weight_values, [1.25, 5 / 6]);
  });

  test('trainModel: CSV text and another schema (no code change); a real field\'s values judged by the core', async () => {
    const csv = 'spam_reports,has_consent,attestation,label\n0,true,1.0,0\n1,true,0.9,0\n2,false,0.2,1\n0,false,0.1,1\n3,false,0.5,1\n1,true,0.8,0\n0,true,0.3,1\n4,true,0.9,0\n';
    const schema = {
      fields: [{ name: 'spam_reports', type: 'count' }, { name: 'has_consent', type: 'bool' }, { name: 'attestation', type: 'real' }],
      features: [{ name: 'spam_reports', field: 'spam_reports' }, { name: 'no_consent', field: 'has_consent', invert: true }, { name: 'attestation', field: 'attestation' }],
    };
    const m = await trainModel({ csv }, { schema });
    assert.deepEqual(m.features, ['spam_reports', 'no_consent', 'attestation']);
    assert.equal((await trainModel({ csv }, { schema: JSON.stringify(schema) })).id, m.id);
    // A schema object goes to the core as the model and options do (jsonText):
    // what JSON cannot carry is refused at its place, never dropped or turned to null.
    const poked = (edit) => { const c = structuredClone(schema); edit(c); return c; };
    const refusesSchema = (edit, code, field, message) => assert.rejects(trainModel({ csv }, { schema: poked(edit) }), coreError(code, { field, message }));
    await refusesSchema((c) => { c.features[1].invert = () => true; }, 'CR_E_TYPE', 'features[1].invert', /^options\.schema at features\[1\]\.invert: a function is not JSON$/);
    await refusesSchema((c) => { c.features[1].invert = NaN; }, 'CR_E_NONFINITE', 'features[1].invert', /NaN is not JSON$/);
    await refusesSchema((c) => { c.fields[0].self = c.fields[0]; }, 'CR_E_TYPE', 'fields[0].self', /contains itself/);
    await refusesSchema((c) => { c.fields[0]['n\ud800'] = 1; }, 'CR_E_JSON', 'fields[0].n\\ud800', /its key is not well-formed Unicode/);
    let deep = [];
    for (let i = 0; i < 1e4; i++) deep = [deep];
    await refusesSchema((c) => { c.extra = deep; }, 'CR_E_JSON', undefined, /^options\.schema: nested deeper than 64 arrays and objects$/);
    // An array is read by index, as JSON.stringify reads it (not through an iterator it may carry).
    const iterated = poked(() => {});
    iterated.features[Symbol.iterator] = function* () { yield iterated.features[0]; };
    assert.equal((await trainModel({ csv }, { schema: iterated })).id, m.id);
    const s = await createScorer({ model: m });
    const r = s.score({ spamReports: 1, hasConsent: true, attestation: 0.25 });
    assert.ok(r.score >= 0 && r.score <= 100);
    // A request for another schema: the model's own field is named.
    assert.throws(() => s.score({ spamReports: 1, hasConsent: true, callAttempts24h: 3 }), coreError('CR_E_MISSING', { field: 'attestation' }));
    // A real is a finite number within +-real_max (the description's limit).
    const { limits } = await describe();
    assert.equal(limits.real_max, 1e150);
    const real = (attestation) => () => s.score({ spamReports: 1, hasConsent: true, attestation });
    for (const v of [1e150, -1e150, 5e-324, -0]) assert.ok(real(v)().score >= 0);
    for (const v of [1.0000000000000002e150, -1e151, 1e300, Number.MAX_VALUE]) assert.throws(real(v), coreError('CR_E_RANGE', { field: 'attestation', message: /within \+-1e150/ }));
    for (const v of [NaN, Infinity, -Infinity]) assert.throws(real(v), coreError('CR_E_NONFINITE', { field: 'attestation' }));
    for (const v of ['0.5', null, true, 1n, [0.5]]) assert.throws(real(v), coreError('CR_E_TYPE', { field: 'attestation' }));
    // A model with no call_attempts_24h cannot scoreCaller: the core's CR_E_SCHEMA, for an object or text.
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: true, attestation: 0.5 }), coreError('CR_E_SCHEMA', { field: 'call_attempts_24h' }));
    await assert.rejects(s.scoreCaller('{"caller_number":"+1","spam_reports":1,"has_consent":true,"attestation":0.5}'), coreError('CR_E_SCHEMA', { field: 'call_attempts_24h' }));
    assert.equal(s.store.records.length, 0);
    await assert.rejects(trainModel({ csv: 'spam_reports,has_consent,attestation,label\n1,maybe,0.5,1\n' }, { schema }),
      coreError('CR_E_TYPE', { field: 'has_consent', line: 2, column: 2 }));
  });


  test('trainModel and evaluate from typed arrays: the model of the same rows as objects; every value checked by the core, nothing trained', async () => {
    // 300 rows of another schema (a real field), row-major in the schema's order, as scoreBatch takes them.
    const schema = {
      fields: [{ name: 'spam_reports', type: 'count' }, { name: 'has_consent', type: 'bool' }, { name: 'attestation', type: 'real' }],
      features: [{ name: 'spam_reports', field: 'spam_reports' }, { name: 'no_consent', field: 'has_consent', invert: true }, { name: 'attestation', field: 'attestation' }],
    };
    const n = 300;
    const rows = new Float64Array(3 * n);
    const labels = new Uint8Array(n);
    const weights = new Float64Array(n);
    const objects = [];
    for (let i = 0; i < n; i++) {
      const spam = (i * 7) % 11;
      const consent = (i * 5) % 3 === 0;
      const attestation = ((i * 37) % 101) / 100 - 0.25;
      const label = (spam + (consent ? 0 : 3) + 4 * attestation + ((i * 13) % 5)) > 8 ? 1 : 0;
      rows.set([spam, consent ? 1 : 0, attestation], 3 * i);
      labels[i] = label;
      weights[i] = 1 + (i % 4) / 2;
      objects.push({ spam_reports: spam, has_consent: consent, attestation, label, weight: weights[i] });
    }
    const fromObjects = await trainModel(objects, { schema });
    const fromArrays = await trainModel({ rows, labels, weights }, { schema });
    assert.equal(fromArrays.id, fromObjects.id);
    const unweighted = await trainModel({ rows, labels }, { schema });
    assert.equal(unweighted.id, (await trainModel(objects.map(({ weight, ...r }) => r), { schema })).id);
    assert.notEqual(unweighted.id, fromArrays.id);
    assert.deepEqual(fromArrays.evaluate({ rows, labels, weights }), fromArrays.evaluate(objects));
    // The seed rows as arrays: the golden trained model.
    const seed = new Float64Array(SEED_ROWS.flatMap((r) => [r.spamReports, r.hasConsent ? 1 : 0, r.callAttempts24h]));
    assert.equal((await trainModel({ rows: seed, labels: Uint8Array.from(SEED_ROWS, (r) => r.label) })).id, goldenValue(golden, 'trained_model_id'));
    // The API misused: TypeErrors naming the key.
    const typeError = (message) => (e) => e instanceof TypeError && message.test(e.message);
    await assert.rejects(trainModel({ rows, labels: Array.from(labels) }, { schema }), typeError(/^data\.labels: must be a Uint8Array, got array/));
    await assert.rejects(trainModel({ rows: Array.from(rows), labels }, { schema }), typeError(/^data\.rows: must be a Float64Array, got array/));
    await assert.rejects(trainModel({ rows: objects }, { schema }), typeError(/^data: must be an array of rows, \{ csv: text \} or \{ rows: Float64Array/));
    await assert.rejects(trainModel({ rows: new Float32Array(rows), labels }, { schema }), typeError(/^data\.rows: must be a Float64Array/));
    await assert.rejects(trainModel({ rows, labels, weights: Array.from(weights) }, { schema }), typeError(/^data\.weights: must be a Float64Array/));
    await assert.rejects(trainModel({ rows, labels, label: labels }, { schema }), typeError(/^data\.label: unknown key \(known: rows, labels, weights\)/));
    // Lengths that do not fit the schema: CR_E_ARG naming the array.
    await assert.rejects(trainModel({ rows: rows.subarray(1), labels }, { schema }), coreError('CR_E_ARG', { field: 'rows', message: /^data\.rows: length 899 is not a multiple of 3 fields/ }));
    await assert.rejects(trainModel({ rows, labels: labels.subarray(1) }, { schema }), coreError('CR_E_ARG', { field: 'labels', message: /^data\.labels: length 299, but data\.rows holds 300 rows/ }));
    await assert.rejects(trainModel({ rows, labels, weights: weights.subarray(2) }, { schema }), coreError('CR_E_ARG', { field: 'weights', message: /^data\.weights: length 298/ }));
    // Values: the core's errors, naming the field and the row (line: 1-based).
    const bad = (array, i, v) => { const c = array.slice(); c[i] = v; return c; };
    await assert.rejects(trainModel({ rows: bad(rows, 3 * 41 + 1, 0.5), labels }, { schema }),
      coreError('CR_E_TYPE', { field: 'has_consent', line: 42, message: /^data row 41: field 'has_consent'/ }));
    await assert.rejects(trainModel({ rows: bad(rows, 3 * 7 + 2, NaN), labels }, { schema }), coreError('CR_E_NONFINITE', { field: 'attestation', line: 8 }));
    await assert.rejects(trainModel({ rows: bad(rows, 0, -1), labels }, { schema }), coreError('CR_E_RANGE', { field: 'spam_reports', line: 1 }));
    await assert.rejects(trainModel({ rows, labels: bad(labels, 299, 2) }, { schema }), coreError('CR_E_RANGE', { field: 'label', line: 300 }));
    await assert.rejects(trainModel({ rows, labels, weights: bad(weights, 5, -1) }, { schema }), coreError('CR_E_RANGE', { field: 'weight', line: 6, message: /^data row 5: field 'weight': must be a finite number >= 0/ }));
    await assert.rejects(trainModel({ rows: new Float64Array(0), labels: new Uint8Array(0) }, { schema }), coreError('CR_E_DATA', { message: /no rows/ }));
  });
  test('typed input as the engine holds it: faked lengths, views of wasm memory, detached buffers, sizes past wasm memory, fresh batches', async () => {
    const s = await createScorer();
    const seed = (n) => Float64Array.from({ length: 3 * n }, (_, i) => (i % 3 === 1 ? (i >> 2) & 1 : (i * 7) % 11));
    const labelsOf = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 5) % 3 === 0 ? 1 : 0);
    const rows = seed(300);
    const labels = labelsOf(300);
    const want = await trainModel({ rows, labels });
    // An own `length`/`byteLength` is not the array's: the core reads what was copied.
    const lying = (a, key, v) => Object.defineProperty(a.slice(), key, { value: v });
    for (const [key, v] of [['length', 3e5], ['length', 3], ['byteLength', 8]]) {
      assert.equal((await trainModel({ rows: lying(rows, key, v), labels: lying(labels, key, v / 3) })).id, want.id);
      assert.deepEqual([...s.scoreBatch(lying(rows, key, v)).scores], [...s.scoreBatch(rows).scores]);
    }
    assert.equal(want.evaluate({ rows: lying(rows, 'length', 3e5), labels: lying(labels, 'length', 1e5) }).n, 300);
    // A view of wasm memory (a batch's rows) as input: copied before the call
    // allocates, so the memory growing under it changes nothing.
    const n = 400000;
    const b = s.createBatch(n);
    b.rows.set(seed(n));
    const direct = s.scoreBatch(seed(n));
    const viaView = s.scoreBatch(b.rows);
    assert.equal(viaView.scores.length, n);
    assert.deepEqual(viaView.probabilities.slice(-5), direct.probabilities.slice(-5));
    assert.equal((await trainModel({ rows: b.rows, labels: labelsOf(n) })).id, (await trainModel({ rows: seed(n), labels: labelsOf(n) })).id);
    b.free();
    // A fresh batch holds rows of zeros, not what the memory held before.
    const fresh = s.createBatch(1000);
    assert.ok(fresh.rows.every((v) => v === 0));
    const zero = s.score({ spamReports: 0, hasConsent: false, callAttempts24h: 0 });
    assert.ok(fresh.run().scores.every((v) => v === zero.score));
    fresh.free();
    // A transferred (detached) buffer is the API misused, named.
    const gone = (a) => { structuredClone(a.buffer, { transfer: [a.buffer] }); return a; };
    assert.throws(() => s.scoreBatch(gone(rows.slice())), misuse(/^rows: its ArrayBuffer is detached/));
    await assert.rejects(trainModel({ rows: gone(rows.slice()), labels }), misuse(/^data\.rows: its ArrayBuffer is detached/));
    await assert.rejects(trainModel({ rows, labels: gone(labels.slice()) }), misuse(/^data\.labels: its ArrayBuffer is detached/));
    const bytes = s.model.toBytes();
    await assert.rejects(loadModel(gone(bytes.slice())), misuse(/^model: its ArrayBuffer is detached/));
    await assert.rejects(loadModel(gone(bytes.slice()).buffer), misuse(/^model: its ArrayBuffer is detached/));
    assert.equal((await loadModel(bytes.buffer)).id, s.model.id);
    // More rows than wasm memory holds: CR_E_NOMEM before any allocation.
    const sparse = [];
    sparse[2 ** 32 - 2] = 1;
    assert.throws(() => s.scoreBatch({ spamReports: sparse, hasConsent: sparse, callAttempts24h: sparse }), coreError('CR_E_NOMEM', { message: /^columns: 4294967295 rows of 3 fields need/ }));
    assert.throws(() => s.scoreBatch(sparse), coreError('CR_E_NOMEM', { message: /^requests: 4294967295 rows/ }));
    await assert.rejects(trainModel(sparse), coreError('CR_E_NOMEM', { message: /^data: 4294967295 rows/ }));
    // A bad typed row: its index in the message, as training data's; line 1-based.
    assert.throws(() => s.scoreBatch(Float64Array.from([1, 0, 1, 1, 0.5, 1])), coreError('CR_E_TYPE', { field: 'has_consent', line: 2, message: /^row 1: field 'has_consent'/ }));
  });
  test('scoreCaller with the in-memory store counts attempts and persists a replayable record', async () => {
    const store = createMemoryStore();
    const s = await createScorer({ store });
    const at = Date.UTC(2026, 10, 25, 12);
    for (const dt of [1, 2, 3, 23.9, 24.5]) store.recordAttempt('+15550001', at - dt * 3600e3);
    store.recordAttempt('+15550002', at - 1000);
    const r = await s.scoreCaller({ callerNumber: '+15550001', spamReports: 5, hasConsent: false, at: new Date(at) });
    assert.equal(r.callAttempts24h, 4);
    assert.equal(r.at, at);
    assert.equal(store.records.length, 1);
    assert.equal(store.texts.length, 1);
    const rec = store.records[0];
    assert.deepEqual(rec, JSON.parse(store.texts[0]));
    assert.equal(rec.caller_number, '+15550001');
    assert.equal(rec.at, at);
    assert.deepEqual(rec.inputs, { spam_reports: 5, has_consent: false, call_attempts_24h: 4 });
    assert.equal(rec.model_id, s.model.id);
    assert.equal(rec.score, r.score);
    assert.equal(rec.risk_level, r.riskLevel);
    assert.equal(bitsHex(rec.probability), bitsHex(r.probability));
    // The audit: the record replays against the model, as text or object; an edited one does not.
    assert.equal(s.model.verifyRecord(store.texts[0]), true);
    assert.equal(s.model.verifyRecord(rec), true);
    assert.throws(() => s.model.verifyRecord({ ...rec, score: rec.score + 1 }), coreError('CR_E_MISMATCH', { field: 'score' }));
    // Replay: the stored inputs and model give the stored score.
    const again = s.score(rec.inputs);
    assert.equal(again.probability, rec.probability);
    await assert.rejects(s.scoreCaller({ callerNumber: '', spamReports: 1, hasConsent: true }), coreError('CR_E_RANGE', { field: 'caller_number' }));
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: 'yes' }), coreError('CR_E_TYPE', { field: 'has_consent' }));
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: true, at: -1 }), coreError('CR_E_RANGE', { field: 'at' }));
    assert.equal(store.records.length, 1);
    assert.equal(store.texts.length, 1);
  });

  test('scoreCaller: a rejecting store rejects and leaves no record; a late one is awaited', async () => {
    const records = [];
    const failing = await createScorer({
      store: {
        countAttempts: async () => 2,
        saveScore: async () => {
          await delay(5);
          throw new Error('database unavailable');
        },
      },
    });
    await assert.rejects(failing.scoreCaller({ callerNumber: '+1555', spamReports: 1, hasConsent: true }),
      (e) => coreError('CR_E_STORE')(e) && e.cause?.message === 'database unavailable');
    const countFails = await createScorer({ store: { countAttempts: () => { throw new Error('no log'); }, saveScore: (r) => records.push(r) } });
    await assert.rejects(countFails.scoreCaller({ callerNumber: '+1555', spamReports: 1, hasConsent: true }), (e) => coreError('CR_E_STORE')(e) && e.cause?.message === 'no log');
    for (const n of [1.5, -1, '3', null, undefined, 2 ** 53 + 2, NaN]) {
      const badCount = await createScorer({ store: { countAttempts: async () => n, saveScore: (r) => records.push(r) } });
      await assert.rejects(badCount.scoreCaller({ callerNumber: '+1555', spamReports: 1, hasConsent: true }),
        (e) => coreError('CR_E_STORE')(e) && e.cause instanceof TypeError && /^store\.countAttempts must give an integer >= 0/.test(e.cause.message));
    }
    assert.equal(records.length, 0);

    let saved = false;
    const late = await createScorer({
      store: {
        countAttempts: async () => {
          await delay(10);
          return 3;
        },
        saveScore: async (r) => {
          await delay(30);
          records.push(r);
          saved = true;
        },
      },
    });
    const r = await late.scoreCaller({ callerNumber: '+1555', spamReports: 1, hasConsent: true });
    assert.equal(saved, true);
    assert.equal(records.length, 1);
    assert.equal(r.callAttempts24h, 3);
  });
  test('scoreCaller: many in flight at once, each with its own answers', async () => {
    const records = [];
    const s = await createScorer({
      store: {
        countAttempts: async (caller) => {
          await delay(Number(caller.slice(-2)) % 7);
          return Number(caller.slice(-2));
        },
        saveScore: async (r) => {
          await delay(r.inputs.call_attempts_24h % 5);
          records.push(r);
        },
      },
    });
    const calls = [];
    for (let i = 0; i < 40; i++) calls.push(s.scoreCaller({ callerNumber: `+1555000${String(i).padStart(2, '0')}`, spamReports: i % 6, hasConsent: i % 2 === 0 }));
    const results = await Promise.all(calls);
    for (let i = 0; i < 40; i++) {
      assert.equal(results[i].callAttempts24h, i);
      const want = s.score({ spamReports: i % 6, hasConsent: i % 2 === 0, callAttempts24h: i });
      assert.equal(results[i].probability, want.probability);
    }
    assert.equal(records.length, 40);
    // Synchronous scoring between awaits is unaffected.
    assert.equal(s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 }).score, 99);
  });

  test('store validation and freed models', async () => {
    await assert.rejects(createScorer({ store: {} }), misuse(/^store: must have countAttempts\(callerNumber, sinceMs, untilMs, context\) and saveScore\(record, \{ text, context \}\)/));
    const m = await trainModel(SEED_ROWS);
    m.free();
    m.free();
    assert.throws(() => m.toBytes(), isState);
  });

  /* ---- issue 10, finding 5: a model freed while an operation uses it ---- */

  // A model whose every score is 50 MEDIUM: what freed memory, reused, looked like.
  // Loaded from JSON made once: loading allocates a model and little else,
  // so it takes the memory a model freed just before had.
  let zeroJson;
  const zeroModel = async () => {
    if (!zeroJson) {
      const j = (await createScorer()).model.toJSON();
      delete j.id;
      j.coef = j.coef.map(() => 0);
      j.intercept = 0;
      zeroJson = JSON.stringify(j);
    }
    return loadModel(zeroJson);
  };
  const isState = coreError('CR_E_STATE', { message: /^callrisk: model [0-9a-f]{12}… has been freed/ });

  test('free() while scoreCaller awaits an async store: the op ends on its own model, then every call is CR_E_STATE', async () => {
    const records = [];
    let open;
    const gate = new Promise((resolve) => { open = resolve; });
    const store = {
      countAttempts: async () => {
        await gate; // the store answers only once the test has freed the model
        return 10;
      },
      saveScore: async (r) => {
        await delay(5);
        records.push(r);
      },
    };
    await zeroModel(); // its JSON made now, not in the freed memory's place
    const m = await trainModel(SEED_ROWS);
    const bytes = m.toBytes();
    const s = await createScorer({ model: m, store });
    const pending = s.scoreCaller({ callerNumber: '+15550100', spamReports: 5, hasConsent: false, at: 1764072000000 });
    m.free();
    // Reuse the memory the model had: a use after free would now read these.
    const others = [];
    for (let i = 0; i < 4; i++) others.push(await zeroModel());
    // and overwrite it, wherever it went: a batch fills its rows buffer.
    (await createScorer({ model: others[0] })).scoreBatch(new Float64Array(3 * 50000).fill(1));
    open();
    const r = await pending;
    assert.equal(r.score, 99);
    assert.equal(r.riskLevel, 'HIGH');
    assert.equal(r.modelId, goldenValue(golden, 'trained_model_id'));
    assert.equal(r.callAttempts24h, 10);
    assert.equal(records.length, 1);
    assert.equal(records[0].model_id, goldenValue(golden, 'trained_model_id'));
    assert.equal((await loadModel(bytes)).verifyRecord(records[0]), true);
    assert.ok(others.every((o) => o.bands.high === 70));

    // Now every use of the freed model, directly or through its scorer.
    const req = { spamReports: 5, hasConsent: false, callAttempts24h: 10 };
    assert.throws(() => s.score(req), isState);
    assert.throws(() => s.score(null), isState);
    assert.throws(() => s.scoreBatch([req]), isState);
    assert.throws(() => s.scoreBatch(Float64Array.from([5, 0, 10])), isState);
    assert.throws(() => s.scoreBatch({ spamReports: [5], hasConsent: [false], callAttempts24h: [10] }), isState);
    assert.throws(() => s.scoreRequest({ spam_reports: 5, has_consent: false, call_attempts_24h: 10 }), isState);
    assert.throws(() => s.scoreRequest('{"spam_reports": 5, "has_consent": false, "call_attempts_24h": 10}'), isState);
    assert.throws(() => s.scoreJSON('{"spam_reports": 5, "has_consent": false, "call_attempts_24h": 10}'), isState);
    assert.throws(() => s.scoreJSON(42), isState); // the model first, whatever the input
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 5, hasConsent: false }), isState);
    await assert.rejects(s.scoreCaller('{"caller_number": "+1", "spam_reports": 5, "has_consent": false}'), isState);
    for (const call of [() => m.toBytes(), () => m.toCanonicalJSON(), () => m.toJSON(), () => m.card(), () => m.verifyRecord(records[0]),
      () => m.coefficients, () => m.intercept, () => m.bands, () => JSON.stringify(m)]) {
      assert.throws(call, isState);
    }
    await assert.rejects(createScorer({ model: m }), isState);
    const e = (() => { try { m.card(); } catch (x) { return x; } })();
    assert.equal(typeof e.status, 'number');
    // What JS keeps is still readable; a second free() is a no-op.
    assert.equal(m.id, goldenValue(golden, 'trained_model_id'));
    assert.deepEqual(m.features, ['spam_reports', 'no_consent', 'call_attempts_24h']);
    m.free();
    assert.equal(records.length, 1);
  });

  test('free() from inside a synchronous store answer: the op still ends on its own model', async () => {
    const m = await trainModel(SEED_ROWS);
    const records = [];
    const s = await createScorer({
      model: m,
      store: {
        countAttempts: () => {
          m.free();
          return 10;
        },
        saveScore: (r) => records.push(r),
      },
    });
    const pending = s.scoreCaller({ callerNumber: '+15550101', spamReports: 5, hasConsent: false });
    const r = await pending;
    assert.equal(`${r.score} ${r.riskLevel} ${r.modelId}`, `99 HIGH ${goldenValue(golden, 'trained_model_id')}`);
    assert.equal(records[0].score, 99);
    assert.throws(() => s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 }), isState);
    // A request getter that frees the model: the call sees it, not freed memory.
    const m2 = await trainModel(SEED_ROWS);
    const s2 = await createScorer({ model: m2 });
    assert.throws(() => s2.score({ spamReports: 5, hasConsent: false, get callAttempts24h() { m2.free(); return 10; } }), isState);
    const m3 = await trainModel(SEED_ROWS);
    const rec = records[0];
    // A record whose toJSON frees the model: the model is looked at after the record is read.
    assert.throws(() => m3.verifyRecord({ ...rec, toJSON() { m3.free(); return rec; } }), isState);
  });

  test('many concurrent scoreCallers and frees: each op ends on its model or is CR_E_STATE, never a wrong answer', async () => {
    const bundles = [];
    for (let k = 0; k < 6; k++) {
      const m = await trainModel(SEED_ROWS, { C: 0.5 + k, bands: { high: 60 + k, medium: 30 + k } });
      const ref = await createScorer({ model: await loadModel(m.toBytes()) });
      const store = {
        countAttempts: async (caller) => {
          await delay(Number(caller.slice(-2)) % 4);
          return Number(caller.slice(-2));
        },
        saveScore: async (r) => {
          await delay(r.inputs.spam_reports % 3);
        },
      };
      bundles.push({ m, ref, s: await createScorer({ model: m, store }), freed: false });
    }
    const ops = [];
    for (let i = 0; i < 240; i++) {
      const b = bundles[(i * 7) % bundles.length];
      const req = { callerNumber: `+1555${String(i % 100).padStart(2, '0')}`, spamReports: i % 7, hasConsent: i % 2 === 0 };
      const startedFreed = b.freed;
      ops.push(b.s.scoreCaller(req).then(
        (r) => ({ ok: true, r, b, req, startedFreed }),
        (e) => ({ ok: false, e, b, req, startedFreed }),
      ));
      // Bundle k is freed after op 100 + 25k, with ops of it in flight.
      const k = (i - 100) / 25;
      if (Number.isInteger(k) && k >= 0 && k < bundles.length) {
        bundles[k].m.free();
        bundles[k].freed = true;
        await (k % 2 ? zeroModel() : createScorer()); // reuse what it had, were it released
      }
      if (i % 3 === 0) await delay(1);
    }
    let resolved = 0;
    for (const o of await Promise.all(ops)) {
      if (!o.ok) {
        assert.ok(isState(o.e) && o.startedFreed, `op failed: ${o.e?.code} ${o.e?.message}`);
        continue;
      }
      assert.equal(o.startedFreed, false);
      const want = o.b.ref.score({ spamReports: o.req.spamReports, hasConsent: o.req.hasConsent, callAttempts24h: o.r.callAttempts24h });
      assert.equal(o.r.probability, want.probability);
      assert.equal(o.r.riskLevel, want.riskLevel);
      assert.equal(o.r.modelId, want.modelId);
      resolved++;
    }
    assert.ok(resolved > 100);
    for (const b of bundles) {
      b.m.free();
      assert.throws(() => b.s.score({ spamReports: 1, hasConsent: true, callAttempts24h: 1 }), isState);
    }
  });

  test('Model and Scorer cannot be built around a pointer', async () => {
    assert.throws(() => new api.Model(undefined, 8), TypeError);
    assert.throws(() => new api.Scorer(undefined, {}, {}), TypeError);
  });
  /* ---- issue 10, finding 8: garbage is the core's error naming the field, never a value ---- */

  test('scoreBatch columns: every value checked (by the core), named column[index] and by row; 0/1 and typed arrays accepted', async () => {
    const s = await createScorer();
    const ok = { spamReports: [1, 5, 0, 2], hasConsent: [true, false, true, false], callAttempts24h: [1, 10, 0, 3] };
    const want = s.scoreBatch(ok);
    const col = (key, i, v) => ({ ...ok, [key]: ok[key].map((x, j) => (j === i ? v : x)) });
    // [input, code, field, line, message]
    const bad = [
      [col('hasConsent', 3, null), 'CR_E_TYPE', 'has_consent', 4, /^hasConsent\[3\]: field 'has_consent' \(given as hasConsent\): must be true or false, got null/],
      [col('hasConsent', 1, 'false'), 'CR_E_TYPE', 'has_consent', 2, /^hasConsent\[1\]: .*must be true or false, got string/],
      [col('hasConsent', 0, 2), 'CR_E_TYPE', 'has_consent', 1, /must be a boolean \(0 or 1\), got 2/], // a number: the core judges it
      [col('hasConsent', 0, 0.5), 'CR_E_TYPE', 'has_consent', 1, /must be a boolean \(0 or 1\)/],
      [col('hasConsent', 2, undefined), 'CR_E_MISSING', 'has_consent', 3, /^hasConsent\[2\]: field 'has_consent': required/],
      [col('spamReports', 1, '1'), 'CR_E_TYPE', 'spam_reports', 2, /^spamReports\[1\]: .*must be a number, got string/],
      [col('spamReports', 2, null), 'CR_E_TYPE', 'spam_reports', 3, /^spamReports\[2\]: .*must be a number, got null/],
      [col('spamReports', 0, true), 'CR_E_TYPE', 'spam_reports', 1, /^spamReports\[0\]: .*must be a number, got true/],
      [col('spamReports', 3, undefined), 'CR_E_MISSING', 'spam_reports', 4, /^spamReports\[3\]: field 'spam_reports': required/],
      [col('callAttempts24h', 1, NaN), 'CR_E_NONFINITE', 'call_attempts_24h', 2, /must be a finite number/],
      [col('callAttempts24h', 1, 1.5), 'CR_E_TYPE', 'call_attempts_24h', 2, /must be an integer, got 1\.5/],
      [col('callAttempts24h', 1, -1), 'CR_E_RANGE', 'call_attempts_24h', 2, /must be an integer >= 0, got -1/],
      [col('callAttempts24h', 1, 2 ** 54), 'CR_E_RANGE', 'call_attempts_24h', 2, /must be at most 2\^53/],
      [col('callAttempts24h', 1, 10n), 'CR_E_TYPE', 'call_attempts_24h', 2, /^callAttempts24h\[1\]: .*must be a number, got bigint/],
      [{ ...ok, spamReports: '1502' }, 'CR_E_TYPE', 'spam_reports', undefined, /^field 'spam_reports': must be a column \(an array or typed array\), got string/],
      [{ ...ok, spamReports: { length: 4 } }, 'CR_E_TYPE', 'spam_reports', undefined, /must be a column/],
      [{ ...ok, spamReports: null }, 'CR_E_TYPE', 'spam_reports', undefined, /must be a column .*got null/],
      [{ hasConsent: ok.hasConsent, callAttempts24h: ok.callAttempts24h }, 'CR_E_MISSING', 'spam_reports', undefined, /^field 'spam_reports': required/],
      [{ ...ok, spamReports: [1, 2, 3] }, 'CR_E_ARG', 'has_consent', undefined, /^field 'has_consent': has 4 values, spamReports has 3/],
      [{ ...ok, spamReports: new BigInt64Array(4) }, 'CR_E_TYPE', 'spam_reports', 1, /^spamReports\[0\]: .*got bigint/],
      [{ ...ok, spamReports: Float64Array.from([1, 5, 0.5, 2]) }, 'CR_E_TYPE', 'spam_reports', 3, /must be an integer, got 0\.5/],
    ];
    for (const [input, code, field, line, message] of bad) assert.throws(() => s.scoreBatch(input), coreError(code, { field, line, message }));
    // Accepted forms give the same bits as booleans in plain arrays.
    const same = [
      { ...ok, hasConsent: [1, 0, 1, 0] },
      { ...ok, hasConsent: Uint8Array.from([1, 0, 1, 0]), spamReports: Int32Array.from(ok.spamReports), callAttempts24h: Float64Array.from(ok.callAttempts24h) },
      { spam_reports: ok.spamReports, has_consent: ok.hasConsent, call_attempts_24h: ok.callAttempts24h },
      { spamReports: ok.spamReports, has_consent: ok.hasConsent, callAttempts24h: ok.callAttempts24h, other: 'ignored' },
    ];
    for (const input of same) {
      const got = s.scoreBatch(input);
      assert.deepEqual([...got.scores], [...want.scores]);
      assert.deepEqual([...got.probabilities], [...want.probabilities]);
    }
    // C-name columns are named as written, and by the C name.
    assert.throws(() => s.scoreBatch({ spam_reports: [1], has_consent: [null], call_attempts_24h: [1] }),
      coreError('CR_E_TYPE', { field: 'has_consent', line: 1, message: /^has_consent\[0\]: field 'has_consent': must be true or false, got null/ }));
    // Other input shapes: the API misused.
    for (const input of [null, undefined, 42, 'rows', true]) assert.throws(() => s.scoreBatch(input), misuse(/^requests: must be an array, an object of columns, or a Float64Array/));
    for (const [input, name] of [[new Float32Array(3), 'Float32Array'], [new Int32Array(3), 'Int32Array'], [new DataView(new ArrayBuffer(24)), 'DataView']]) {
      assert.throws(() => s.scoreBatch(input), misuse(new RegExp(`^rows: must be a Float64Array, got ${name}`)));
    }
    assert.throws(() => s.scoreBatch([[5, false, 10]]), coreError('CR_E_TYPE', { line: 1, message: /^requests\[0\]: must be an object, got array/ }));
    assert.throws(() => s.scoreBatch([{ spamReports: 1, hasConsent: true, callAttempts24h: 1 }, null]), coreError('CR_E_TYPE', { line: 2, message: /^requests\[1\]: must be an object, got null/ }));
    // Typed rows are judged by the core, which names row and field.
    assert.throws(() => s.scoreBatch(Float64Array.from([1, 0, 1, 2, 1, NaN])), coreError('CR_E_NONFINITE', { field: 'call_attempts_24h', line: 2 }));
    assert.throws(() => s.scoreBatch(Float64Array.from([-1, 0, 1])), coreError('CR_E_RANGE', { field: 'spam_reports', line: 1 }));
    assert.throws(() => s.scoreBatch(Float64Array.from([1, 0, 1, 1, 0, 1, 1, 2, 1])), coreError('CR_E_TYPE', { field: 'has_consent', line: 3 }));
    // A Proxy whose length shrinks: rows it no longer has are not zeros.
    let reads = 0;
    const shrinking = new Proxy([{ spamReports: 1, hasConsent: true, callAttempts24h: 1 }, { spamReports: 2, hasConsent: true, callAttempts24h: 2 }], {
      get: (t, k) => (k === 'length' ? (reads++ ? 1 : 2) : t[k]),
    });
    const r = s.scoreBatch(shrinking);
    assert.equal(r.scores.length, 2);
    assert.equal(r.scores[1], s.score({ spamReports: 2, hasConsent: true, callAttempts24h: 2 }).score);
  });

  test('score and scoreRequest: wrong types, null, huge, non-finite, getters read once', async () => {
    const s = await createScorer();
    const ok = { spamReports: 5, hasConsent: false, callAttempts24h: 10 };
    for (const req of [null, undefined, 42, 'x', [5, false, 10], true]) {
      assert.throws(() => s.score(req), coreError('CR_E_TYPE', { message: /^request: must be an object, got / }));
    }
    const cases = [
      [{ ...ok, spamReports: null }, 'CR_E_TYPE', 'spam_reports', /must be a number, got null/],
      [{ ...ok, spamReports: true }, 'CR_E_TYPE', 'spam_reports', /must be a number, got true/],
      [{ ...ok, spamReports: 1e308 }, 'CR_E_RANGE', 'spam_reports', /must be at most 2\^53/],
      [{ ...ok, spamReports: -Infinity }, 'CR_E_NONFINITE', 'spam_reports', /must be a finite number/],
      [{ ...ok, spamReports: NaN }, 'CR_E_NONFINITE', 'spam_reports', /must be a finite number/],
      [{ ...ok, spamReports: 5n }, 'CR_E_TYPE', 'spam_reports', /must be a number, got bigint/],
      [{ ...ok, spamReports: new Number(5) }, 'CR_E_TYPE', 'spam_reports', /must be a number, got object/],
      [{ ...ok, spamReports: [5] }, 'CR_E_TYPE', 'spam_reports', /must be a number, got array/],
      [{ ...ok, hasConsent: null }, 'CR_E_TYPE', 'has_consent', /must be true or false, got null/],
      [{ ...ok, hasConsent: 0 }, 'CR_E_TYPE', 'has_consent', /must be true or false, got 0/],
      [{ ...ok, hasConsent: 'false' }, 'CR_E_TYPE', 'has_consent', /must be true or false, got string/],
      [{ ...ok, hasConsent: new Boolean(false) }, 'CR_E_TYPE', 'has_consent', /must be true or false, got object/],
    ];
    for (const [req, code, field, message] of cases) assert.throws(() => s.score(req), coreError(code, { field, message }));
    assert.throws(() => s.scoreRequest({ spam_reports: 5, has_consent: null, call_attempts_24h: 10 }),
      coreError('CR_E_TYPE', { field: 'has_consent', message: /^field 'has_consent': must be true or false, got null/ }));
    for (const body of [null, 42, [1], true]) assert.throws(() => s.scoreRequest(body), coreError('CR_E_TYPE', { message: /^body: must be an object/ }));
    assert.throws(() => s.scoreRequest({ spam_reports: 5n }), coreError('CR_E_JSON', { message: /^body: not JSON/ }));
    assert.throws(() => s.scoreRequest({ spamReports: 5, hasConsent: false, callAttempts24h: 10 }), coreError('CR_E_MISSING', { field: 'spam_reports' }));
    // JSON has no NaN or Infinity: a field's is CR_E_NONFINITE, as score() says, not the null JSON.stringify would write.
    for (const v of [NaN, Infinity, -Infinity]) {
      assert.throws(() => s.scoreRequest({ spam_reports: 5, has_consent: false, call_attempts_24h: v }),
        coreError('CR_E_NONFINITE', { field: 'call_attempts_24h', message: /^field 'call_attempts_24h': must be a finite number/ }));
      assert.throws(() => s.score({ spam_reports: 5, has_consent: false, call_attempts_24h: v }), coreError('CR_E_NONFINITE', { field: 'call_attempts_24h' }));
    }
    // Another key's is ignored, as the core ignores the key.
    assert.equal(s.scoreRequest({ spam_reports: 5, has_consent: false, call_attempts_24h: 10, note: NaN, meta: { x: Infinity }, spamReports: NaN }).score, 99);
    // A getter answers once; the answer checked is the answer used.
    let n = 0;
    const flip = { spamReports: 5, hasConsent: false, get callAttempts24h() { return n++ === 0 ? 10 : 'garbage'; } };
    assert.equal(s.score(flip).score, 99);
    assert.equal(n, 1);
    n = 0;
    const flipBad = { spamReports: 5, hasConsent: false, get callAttempts24h() { return n++ === 0 ? 'garbage' : 10; } };
    assert.throws(() => s.score(flipBad), coreError('CR_E_TYPE', { field: 'call_attempts_24h', message: /must be a number, got string/ }));
    assert.equal(n, 1);
    n = 0;
    assert.throws(() => s.scoreBatch([ok, flipBad]), coreError('CR_E_TYPE', { field: 'call_attempts_24h', line: 2, message: /^requests\[1\]: / }));
    assert.equal(n, 1);
    // A getter that scores something else meanwhile does not change this answer.
    const sneaky = { spamReports: 5, hasConsent: false, get callAttempts24h() { s.score({ spamReports: 0, hasConsent: true, callAttempts24h: 0 }); return 10; } };
    assert.equal(s.score(sneaky).probability, s.score(ok).probability);
    assert.equal(s.scoreRequest({ spam_reports: 5, has_consent: false, get call_attempts_24h() { s.score({ spamReports: 0, hasConsent: true, callAttempts24h: 0 }); return 10; } }).score, 99);
  });

  test('trainModel: every option checked for type and range by the core, by its names; own keys only; the host\'s keys are TypeErrors', async () => {
    const id = goldenValue(golden, 'trained_model_id');
    const refuses = (options, code, field, message, data = SEED_ROWS) => assert.rejects(trainModel(data, options), coreError(code, { field, message }));
    // bands: the core's member checks and range (field "bands"); a member left out keeps its default.
    await refuses({ bands: { high: 'abc', medium: 40 } }, 'CR_E_TYPE', 'bands', /^option 'bands': must be a number, got string/);
    await refuses({ bands: { high: 70.5, medium: 40 } }, 'CR_E_TYPE', 'bands', /high must be an integer/);
    await refuses({ bands: { high: null, medium: 40 } }, 'CR_E_TYPE', 'bands', /got null/);
    await refuses({ bands: { high: 80, medium: 40, low: 10 } }, 'CR_E_ARG', 'bands', /unknown member/);
    await refuses({ bands: { high: 2 ** 32 + 70, medium: 40 } }, 'CR_E_RANGE', 'bands', /got high 4294967366$/); // whole, out of range
    await refuses({ bands: [70, 40] }, 'CR_E_TYPE', 'bands', /must be an object/);
    await refuses({ bands: null }, 'CR_E_TYPE', 'bands', /must be an object/);
    await refuses({ bands: { high: 150, medium: 40 } }, 'CR_E_RANGE', 'bands', /1 <= medium <= high <= 100/);
    await refuses({ bands: { high: 0, medium: 0 } }, 'CR_E_RANGE', 'bands', /1 <= medium <= high <= 100/);
    assert.deepEqual((await trainModel(SEED_ROWS, { bands: { high: 80 } })).bands, { high: 80, medium: 40 });
    assert.deepEqual((await trainModel(SEED_ROWS, { bands: { medium: 50 } })).bands, { high: 70, medium: 50 });
    // signs: feature names (not field names), each 'free', 'nonneg' or 'nonpos'.
    await refuses({ signs: { spam_reports: { toString() { return 'nonneg'; } } } }, 'CR_E_TYPE', 'signs', /a function is not JSON/);
    await refuses({ signs: { spam_reports: 'toString' } }, 'CR_E_RANGE', 'spam_reports', /must be "free", "nonneg" or "nonpos"/);
    await refuses({ signs: { spam_reports: '__proto__' } }, 'CR_E_RANGE', 'spam_reports', /must be "free", "nonneg" or "nonpos"/);
    await refuses({ signs: { spam_reports: 1 } }, 'CR_E_TYPE', 'spam_reports', /got number/);
    await refuses({ signs: { toString: 'nonneg' } }, 'CR_E_RANGE', 'signs', /no feature 'toString'/);
    await refuses({ signs: { has_consent: 'nonneg' } }, 'CR_E_RANGE', 'signs', /no feature 'has_consent'/);
    await refuses({ signs: ['nonneg'] }, 'CR_E_TYPE', 'signs', /got array/);
    // Unknown names, camelCase included, are the core's unknown option; inherited keys are never read.
    for (const name of ['maxIters', 'c', 'maxIter', 'penalty', 'constructor']) await refuses({ [name]: 5 }, 'CR_E_ARG', name, new RegExp(`^unknown option '${name}'`));
    await refuses(JSON.parse('{"__proto__": {"C": 1e-6}}'), 'CR_E_ARG', '__proto__', /^unknown option '__proto__'/);
    await assert.rejects(trainModel(SEED_ROWS, Object.create({ C: 1e-6 })), misuse(/^options: must be a plain object, got object/));
    await assert.rejects(trainModel(SEED_ROWS, null), misuse(/^options: must be a plain object, got null/));
    await assert.rejects(trainModel(SEED_ROWS, []), misuse(/^options: must be a plain object, got array/));
    const polluted = { C: 1e-6, max_iter: 1, label_column: 'nope', bands: { high: 1, medium: 1 }, schema: 42, onProgress: 'x' };
    for (const [k, v] of Object.entries(polluted)) Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true });
    try {
      assert.equal((await trainModel(SEED_ROWS, {})).id, id);
      assert.equal((await trainModel(SEED_ROWS, { signs: {} })).id, id);
    } finally {
      for (const k of Object.keys(polluted)) delete Object.prototype[k];
    }
    // class_weight: 'none', 'balanced', [w0, w1], {"0": w0, "1": w1}; nothing else.
    for (const cw of [null, [1], [1, 2, 3], { 0: 1 }, { 0: 1, 1: 2, 2: 3 }, ['1', 2], { 0: 1, 1: null }, 2, true]) {
      await refuses({ class_weight: cw }, 'CR_E_TYPE', 'class_weight');
    }
    await refuses({ class_weight: 'heavy' }, 'CR_E_RANGE', 'class_weight', /must be "none", "balanced"/);
    await refuses({ class_weight: [-1, 1] }, 'CR_E_RANGE', 'class_weight', /weight of class 0 must be a finite number >= 0, got -1/);
    await refuses({ class_weight: [1, Infinity] }, 'CR_E_RANGE', 'class_weight', /weight of class 1 must be a finite number >= 0/);
    await refuses({ class_weight: { 0: 1, 1: NaN } }, 'CR_E_NONFINITE', 'class_weight', /NaN is not JSON/);
    assert.equal((await trainModel(SEED_ROWS, { class_weight: 'none' })).id, id);
    assert.equal((await trainModel(SEED_ROWS, { class_weight: [1, 1] })).card().training.class_weight, 'explicit');
    assert.deepEqual((await trainModel(SEED_ROWS, { class_weight: { 0: 1, 1: 2 } })).card().training.class_weight_values, [1, 2]);
    // The numbers: the core's ranges; NaN (no JSON for it) here, Infinity as the core's range error.
    await refuses({ C: '1' }, 'CR_E_TYPE', 'C', /^option 'C': must be a number, got string/);
    await refuses({ C: Infinity }, 'CR_E_RANGE', 'C', /got inf/);
    await refuses({ C: -Infinity }, 'CR_E_RANGE', 'C', /got -inf/);
    await refuses({ C: NaN }, 'CR_E_NONFINITE', 'C', /^option 'C': NaN is not JSON/);
    await refuses({ C: 1e-320 }, 'CR_E_RANGE', 'C', /with a finite inverse/);
    await refuses({ C: 10n ** 400n }, 'CR_E_RANGE', 'C', /got inf/); // a BigInt goes as its digits
    assert.equal((await trainModel(SEED_ROWS, { C: 1n })).id, id);
    await refuses({ max_iter: 0 }, 'CR_E_RANGE', 'max_iter', /must be 1 to 1000000, got 0/);
    await refuses({ max_iter: 2 ** 32 + 5 }, 'CR_E_RANGE', 'max_iter', /must be 1 to 1000000, got 4294967301$/);
    await refuses({ max_iter: 1.5 }, 'CR_E_TYPE', 'max_iter', /must be an integer, got 1\.5/);
    await refuses({ max_iter: Infinity }, 'CR_E_RANGE', 'max_iter', /must be 1 to 1000000, got 1e999$/); // Infinity goes as 1e999
    await refuses({ tol: null }, 'CR_E_TYPE', 'tol', /must be a number, got null/);
    await refuses({ tol: NaN }, 'CR_E_NONFINITE', 'tol', /NaN is not JSON/);
    await refuses({ tol: Infinity }, 'CR_E_RANGE', 'tol', /must be a finite number >= 0, got inf/);
    await refuses({ tol: -1e-3 }, 'CR_E_RANGE', 'tol');
    await refuses({ fit_intercept: 1 }, 'CR_E_TYPE', 'fit_intercept', /must be true or false, got number/);
    await refuses({ fit_intercept: 'false' }, 'CR_E_TYPE', 'fit_intercept');
    // What JSON cannot carry is the option's CR_E_TYPE (a cycle, a function, a Date, undefined in an array).
    const cyclic = {};
    cyclic.self = cyclic;
    await refuses({ signs: cyclic }, 'CR_E_TYPE', 'signs', /a value that contains itself is not JSON/);
    await refuses({ C: () => 1 }, 'CR_E_TYPE', 'C', /a function is not JSON/);
    await refuses({ C: new Date(1) }, 'CR_E_TYPE', 'C', /is not JSON/);
    await refuses({ signs: [undefined] }, 'CR_E_TYPE', 'signs', /^option 'signs' at \[0\]: an undefined is not JSON/);
    // The core reads 64 levels; an option's value sits in the options' object, one of them.
    let nested = 'nonneg';
    for (let i = 0; i < 63; i++) nested = [nested];
    await refuses({ signs: { spam_reports: nested } }, 'CR_E_JSON', 'signs', /^option 'signs': nested deeper than 64 arrays and objects$/);
    await refuses({ ['C\ud800']: 1 }, 'CR_E_JSON', undefined, /^option 'C\\ud800': its name is not well-formed Unicode/);
    // An option or a member set to undefined is not given (JSON.stringify leaves it out): the defaults' model.
    assert.equal((await trainModel(SEED_ROWS, { tol: undefined, C: undefined, signs: { spam_reports: undefined } })).id, (await trainModel(SEED_ROWS)).id);
    // The host's own keys: the API misused.
    await assert.rejects(trainModel(SEED_ROWS, { onProgress: 'log' }), misuse(/^options\.onProgress: must be a function, got string/));
    for (const schema of [42, [], new Map(), true]) await assert.rejects(trainModel(SEED_ROWS, { schema }), misuse(/^options\.schema: must be JSON text or a plain object/));
    // Rows: label 0/1/true/false, weight a finite number >= 0; named by row (line) and column name.
    const row = (extra) => [{ ...SEED_ROWS[0], ...extra }, ...SEED_ROWS.slice(1)];
    for (const label of ['1', null, 0.5, NaN, {}]) {
      await assert.rejects(trainModel(row({ label })), coreError('CR_E_TYPE', { field: 'label', line: 1, message: /^data\[0\]: field 'label': must be 0 or 1/ }));
    }
    for (const label of [2, -1, 256]) await assert.rejects(trainModel(row({ label })), coreError('CR_E_RANGE', { field: 'label', line: 1 }));
    await assert.rejects(trainModel(row({ label: undefined })), coreError('CR_E_MISSING', { field: 'label', line: 1, message: /^data\[0\]: field 'label': required/ }));
    for (const weight of [null, '2', true]) await assert.rejects(trainModel(row({ weight })), coreError('CR_E_TYPE', { field: 'weight', line: 1, message: /^data\[0\]: field 'weight': must be a number/ }));
    for (const weight of [-1, NaN, Infinity]) {
      await assert.rejects(trainModel(row({ weight })), coreError('CR_E_RANGE', { field: 'weight', line: 1, message: /^data\[0\]: field 'weight': must be a finite number >= 0/ }));
    }
    await assert.rejects(trainModel(row({ hasConsent: null })), coreError('CR_E_TYPE', { field: 'has_consent', line: 1, message: /^data\[0\]: field 'has_consent'/ }));
    await assert.rejects(trainModel([...SEED_ROWS, { ...SEED_ROWS[0], spamReports: -3 }]), coreError('CR_E_RANGE', { field: 'spam_reports', line: 6, message: /^data\[5\]: / }));
    await assert.rejects(trainModel([SEED_ROWS[0], null]), coreError('CR_E_TYPE', { line: 2, message: /^data\[1\]: must be a row object, got null/ }));
    for (const data of [null, 'a,b', { csv: 42 }, { csv: 'x', schema: {} }, new Map()]) await assert.rejects(trainModel(data), misuse(/^data: must be an array of rows, \{ csv: text \} or \{ rows: Float64Array, labels: Uint8Array, weights\? \}, got /));
    await assert.rejects(trainModel(), misuse(/^data: must be/));
    assert.equal((await trainModel(SEED_ROWS.map((r) => ({ ...r, label: r.label === 1 })))).id, id);
    assert.equal((await trainModel(SEED_ROWS.map((r) => ({ ...r, weight: 1 })))).id, id);
  });

  test('scoreCaller: at is whole ms in 0..8.64e15 or a valid Date; the caller 1 to 64 printable ASCII bytes; bad input stores nothing', async () => {
    let asked = 0;
    const records = [];
    const s = await createScorer({ store: { countAttempts: () => { asked++; return 1; }, saveScore: (r) => records.push(r) } });
    const req = { callerNumber: '+15550199', spamReports: 5, hasConsent: false };
    const bad = [
      [{ ...req, at: 1.5 }, 'CR_E_TYPE', 'at', /must be a whole number of ms, got 1\.5/],
      [{ ...req, at: 1764072000000.5 }, 'CR_E_TYPE', 'at', /must be a whole number of ms/],
      [{ ...req, at: NaN }, 'CR_E_NONFINITE', 'at', /0 to 8\.64e15/],
      [{ ...req, at: Infinity }, 'CR_E_NONFINITE', 'at', /0 to 8\.64e15/],
      [{ ...req, at: -1 }, 'CR_E_RANGE', 'at', /0 to 8\.64e15\), got -1/],
      [{ ...req, at: 8.64e15 + 2 }, 'CR_E_RANGE', 'at', /0 to 8\.64e15/],
      [{ ...req, at: new Date(NaN) }, 'CR_E_NONFINITE', 'at', /0 to 8\.64e15/],
      [{ ...req, at: new Date(-1000) }, 'CR_E_RANGE', 'at', /got -1000/],
      [{ ...req, at: '2026-11-25' }, 'CR_E_TYPE', 'at', /^field 'at': must be a Date or ms since 1970, got string/],
      [{ ...req, at: null }, 'CR_E_TYPE', 'at', /got null/],
      [{ ...req, at: 1764072000000n }, 'CR_E_TYPE', 'at', /got bigint/],
      [{ ...req, at: { getTime: () => 5 } }, 'CR_E_TYPE', 'at', /got object/],
      [{ spamReports: 5, hasConsent: false }, 'CR_E_MISSING', 'caller_number', /^field 'caller_number': required/],
      [{ ...req, callerNumber: 15550199 }, 'CR_E_TYPE', 'caller_number', /^field 'caller_number': must be a string, got number/],
      [{ ...req, callerNumber: null }, 'CR_E_TYPE', 'caller_number', /got null/],
      [{ ...req, callerNumber: '+1\u00e9' }, 'CR_E_TYPE', 'caller_number', /not printable ASCII/],
      [{ ...req, callerNumber: '+1\n' }, 'CR_E_TYPE', 'caller_number', /not printable ASCII/],
      [{ ...req, callerNumber: '' }, 'CR_E_RANGE', 'caller_number', /must have 1 to 64 bytes, got 0/],
      [{ ...req, callerNumber: '1'.repeat(65) }, 'CR_E_RANGE', 'caller_number', /must have 1 to 64 bytes, got more$/],
      // cut one past the limit, not copied: "more", not a count of the cut (it once said "got 65")
      [{ ...req, callerNumber: '1'.repeat(100000) }, 'CR_E_RANGE', 'caller_number', /must have 1 to 64 bytes, got more$/],
      [{ ...req, hasConsent: null }, 'CR_E_TYPE', 'has_consent', /got null/],
      [{ ...req, spamReports: '5' }, 'CR_E_TYPE', 'spam_reports', /got string/],
      [{ ...req, spamReports: -5 }, 'CR_E_RANGE', 'spam_reports', /got -5/],
    ];
    for (const [input, code, field, message] of bad) await assert.rejects(s.scoreCaller(input), coreError(code, { field, message }));
    for (const options of [null, [], 'ctx', 5]) await assert.rejects(s.scoreCaller(req, options), misuse(/^options: must be a plain object/));
    await assert.rejects(s.scoreCaller(req, { ctx: 1 }), misuse(/^options\.ctx: unknown option \(known: context\)/));
    for (const input of [null, [], 42, undefined]) await assert.rejects(s.scoreCaller(input), coreError('CR_E_TYPE', { message: /^request: must be an object/ }));
    await assert.rejects(s.scoreCaller('x'), coreError('CR_E_JSON', { column: 1 })); // a string is JSON text
    assert.equal(asked, 0);
    assert.equal(records.length, 0);
    // Whole ms and valid Dates are accepted, the Date as its ms; the caller up to 64 bytes, spaces included.
    assert.equal((await s.scoreCaller({ ...req, at: 1764072000000 })).at, 1764072000000);
    assert.equal((await s.scoreCaller({ ...req, at: new Date(1764072000001) })).at, 1764072000001);
    assert.equal((await s.scoreCaller({ ...req, at: 0 })).at, 0);
    assert.equal((await s.scoreCaller({ ...req, at: 8.64e15 })).at, 8.64e15);
    assert.equal((await s.scoreCaller({ ...req, callerNumber: '+1 555 0100', at: 5 })).at, 5);
    assert.equal((await s.scoreCaller({ ...req, callerNumber: '~'.repeat(64), at: 5 })).score, 72);
    const before = Date.now();
    const now = await s.scoreCaller(req);
    assert.ok(now.at >= before && now.at <= Date.now(), 'at defaults to now');
    assert.deepEqual(records.map((r) => r.at), [1764072000000, 1764072000001, 0, 8.64e15, 5, 5, now.at]);
    assert.deepEqual(records.map((r) => r.caller_number).slice(4, 6), ['+1 555 0100', '~'.repeat(64)]);
  });

  test('scoreCaller: options.context reaches countAttempts and saveScore, each op its own, even re-entrant', async () => {
    const seen = [];
    let inner = null;
    const store = {
      countAttempts(caller, since, until, context) {
        seen.push(['count', caller, context]);
        // A store that starts another scoreCaller from inside its answer.
        if (context === 'outer') inner = s.scoreCaller({ callerNumber: '+2', spamReports: 1, hasConsent: true }, { context: 'inner' });
        return context === 'slow' ? delay(3).then(() => 2) : 2;
      },
      saveScore(record, info) {
        assert.deepEqual(Object.keys(info).sort(), ['context', 'text']);
        assert.deepEqual(JSON.parse(info.text), record);
        seen.push(['save', record.caller_number, info.context]);
      },
    };
    const s = await createScorer({ store });
    await s.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: true }, { context: 'outer' });
    await inner;
    assert.deepEqual(seen, [['count', '+1', 'outer'], ['count', '+2', 'inner'], ['save', '+2', 'inner'], ['save', '+1', 'outer']]);
    seen.length = 0;
    const ctxs = [{ id: 1 }, { id: 2 }, 'slow', undefined];
    await Promise.all(ctxs.map((context, i) => s.scoreCaller({ callerNumber: `+3${i}`, spamReports: 1, hasConsent: true }, { context })));
    for (const [i, context] of ctxs.entries()) {
      assert.deepEqual(seen.filter((x) => x[1] === `+3${i}`).map((x) => [x[0], x[2]]), [['count', context], ['save', context]]);
    }
    // JSON text takes the same options.
    seen.length = 0;
    await s.scoreCaller('{"caller_number": "+4", "spam_reports": 1, "has_consent": true}', { context: 'text' });
    assert.deepEqual(seen, [['count', '+4', 'text'], ['save', '+4', 'text']]);
  });

  test('the rest of the API: createScorer, loadModel, verifyRecord, init reject wrong shapes by name', async () => {
    const { init } = api;
    await assert.rejects(createScorer(null), misuse(/^options: must be a plain object, got null/));
    await assert.rejects(createScorer([]), misuse(/^options: must be a plain object/));
    await assert.rejects(createScorer({ modle: 'x' }), misuse(/^options\.modle: unknown option/));
    await assert.rejects(createScorer({ store: null }), misuse(/^store: must have/));
    await assert.rejects(createScorer({ store: { countAttempts: () => 0, saveScore: 'db' } }), misuse(/^store: must have/));
    await assert.rejects(createScorer({ model: null }), misuse(/^model: must be/));
    for (const source of [null, undefined, 42, true, [1, 2], new Map(), new Date()]) await assert.rejects(loadModel(source), misuse(/^model: must be/));
    // A model object goes to the core as JSON: a BigInt as its digits (the
    // core judges the model), NaN refused here naming its place (JSON.stringify
    // would write null, a wrong type to the core), an infinity past the
    // doubles (the core's own error), a cycle or a function here.
    await assert.rejects(loadModel({ format: 'callrisk-model', big: 1n }), coreError('CR_E_MISSING', { field: 'version', message: /'version' is missing/ }));
    const s = await createScorer();
    const seedJson = s.model.toJSON();
    const poked = (edit) => { const m = structuredClone(seedJson); edit(m); return m; };
    await assert.rejects(loadModel(poked((m) => { m.coef[1] = NaN; })), coreError('CR_E_NONFINITE', { field: 'coef[1]', message: /^model at coef\[1\]: NaN is not JSON$/ }));
    await assert.rejects(loadModel(poked((m) => { m.bands.high = NaN; })), coreError('CR_E_NONFINITE', { field: 'bands.high', message: /^model at bands\.high: NaN is not JSON$/ }));
    await assert.rejects(loadModel(poked((m) => { m.intercept = -Infinity; })), coreError('CR_E_NONFINITE', { field: 'intercept' }));
    const cyclic = poked(() => {});
    cyclic.training.self = cyclic.training;
    await assert.rejects(loadModel(cyclic), coreError('CR_E_TYPE', { field: 'training.self', message: /^model at training\.self: a value that contains itself is not JSON$/ }));
    await assert.rejects(loadModel(poked((m) => { m.fields[0].name = () => 'x'; })), coreError('CR_E_TYPE', { field: 'fields[0].name', message: /a function is not JSON$/ }));
    let deep = [];
    for (let i = 0; i < 1e6; i++) deep = [deep];
    await assert.rejects(loadModel({ coef: deep }), coreError('CR_E_JSON', { message: /^model: nested deeper than 64 arrays and objects$/ }));
    deep = [];
    for (let i = 0; i < 61; i++) deep = [deep]; // 62 arrays in coef in an object: 64 deep
    await assert.rejects(loadModel(poked((m) => { m.coef = [deep, 0, 0]; })), coreError('CR_E_TYPE', { field: 'coef', message: /^(?!.*nested)/ })); // 64 deep: read, then the core's error
    await assert.rejects(loadModel(poked((m) => { m.coef[2] = undefined; })), coreError('CR_E_TYPE', { field: 'coef[2]', message: /^model at coef\[2\]: an undefined is not JSON$/ }));
    assert.equal((await loadModel(poked(() => {}))).id, s.model.id);
    assert.equal((await loadModel(poked((m) => { m.note = undefined; }))).id, s.model.id); // left out, as JSON.stringify does
    const bytes = s.model.toBytes();
    // Any view of the bytes is bytes.
    const padded = new Uint8Array(bytes.length + 16);
    padded.set(bytes, 8);
    assert.equal((await loadModel(new DataView(padded.buffer, 8, bytes.length))).id, s.model.id);
    assert.equal((await loadModel(padded.subarray(8, 8 + bytes.length))).id, s.model.id);
    for (const record of [null, undefined, 42, [], new Date()]) assert.throws(() => s.model.verifyRecord(record), misuse(/^record: must be a score record/));
    assert.throws(() => s.model.verifyRecord({ x: 1n }), coreError('CR_E_JSON', { message: /^record: not JSON/ }));
    for (const text of [null, 42, {}, undefined]) assert.throws(() => s.scoreJSON(text), misuse(/^text: must be a string of JSON/));
    await assert.rejects(init(null), misuse(/^options: must be a plain object/));
    await assert.rejects(init({ wasmBinary: 'callrisk.wasm' }), misuse(/^wasmBinary: must be/));
    await assert.rejects(init({ wasmUrl: 42 }), misuse(/^wasmUrl: must be/));
    await assert.rejects(init({ binary: new Uint8Array(1) }), misuse(/^options\.binary: unknown option/));
    await init();
  });

  test('a model, schema or option that throws as it is read (revoked Proxy, trap, getter) is CR_E_TYPE at its place, what it threw the cause', async () => {
    const s = await createScorer();
    const seedJson = s.model.toJSON();
    const poked = (edit) => { const m = structuredClone(seedJson); edit(m); return m; };
    const revoked = (target = {}) => { const { proxy, revoke } = Proxy.revocable(target, {}); revoke(); return proxy; };
    // Before: V8's TypeError "Cannot perform 'IsArray' on a proxy that has been revoked", or the trap's own error, raw.
    const unread = (field, where, cause) => (e) => coreError('CR_E_TYPE', { field, message: new RegExp(`^${where}: reading it threw ${cause.source}`) })(e) && cause.test(String(e.cause));
    await assert.rejects(loadModel(revoked()), unread(undefined, 'model', /TypeError: Cannot perform '\w+' on a proxy that has been revoked/));
    await assert.rejects(loadModel(poked((m) => { m.training.x = revoked(); })), unread('training.x', 'model at training\\.x', /TypeError: .*revoked/));
    await assert.rejects(loadModel(poked((m) => { m.coef = revoked([]); })), unread('coef', 'model at coef', /TypeError: .*revoked/));
    await assert.rejects(trainModel(SEED_ROWS, { signs: revoked() }), unread('signs', "option 'signs'", /TypeError: .*revoked/));
    await assert.rejects(trainModel(SEED_ROWS, { signs: { spam_reports: revoked() } }), unread('signs', "option 'signs' at spam_reports", /TypeError: .*revoked/));
    await assert.rejects(trainModel(SEED_ROWS, { schema: revoked() }), unread(undefined, 'options\\.schema', /TypeError: .*revoked/));
    // The options bag too, now the module is there to name the status (before: "options: must be a plain object, got object").
    await assert.rejects(trainModel(SEED_ROWS, revoked()), unread(undefined, 'options', /TypeError: Cannot perform '\w+' on a proxy that has been revoked/));
    // Duplicate keys from ownKeys are V8's TypeError, a trap's own throw is
    // the trap's error: neither can be told apart, both are the cause.
    const trap = (handler) => poked((m) => { m.bands = new Proxy(m.bands, handler); });
    await assert.rejects(loadModel(trap({ ownKeys: () => ['high', 'high'] })), unread('bands', 'model at bands', /TypeError: .*duplicate entries/));
    const boom = new Error('boom');
    for (const name of ['ownKeys', 'getPrototypeOf', 'getOwnPropertyDescriptor']) {
      await assert.rejects(loadModel(trap({ [name]: () => { throw boom; } })), (e) => unread('bands', 'model at bands', /Error: boom/)(e) && e.cause === boom);
    }
    await assert.rejects(loadModel(trap({ get: () => { throw boom; } })), (e) => unread('bands.high', 'model at bands\\.high', /Error: boom/)(e) && e.cause === boom);
    await assert.rejects(loadModel(poked((m) => { m.coef = new Proxy(m.coef, { get: (t, k) => { if (k === 'length') throw boom; return t[k]; } }); })), (e) => e.field === 'coef' && e.cause === boom);
    // A getter as a trap is: CR_E_TYPE at its place, whatever it throws.
    await assert.rejects(loadModel(poked((m) => { Object.defineProperty(m.bands, 'high', { get() { throw boom; }, enumerable: true }); })), (e) => unread('bands.high', 'model at bands\\.high', /Error: boom/)(e) && e.cause === boom);
    await assert.rejects(loadModel(poked((m) => { Object.defineProperty(m.bands, 'high', { get() { throw 'no'; }, enumerable: true }); })), (e) => coreError('CR_E_TYPE', { field: 'bands.high', message: /reading it threw no$/ })(e) && e.cause === 'no');
    await assert.rejects(trainModel(SEED_ROWS, { signs: { get spam_reports() { throw boom; } } }), (e) => coreError('CR_E_TYPE', { field: 'signs' })(e) && e.cause === boom);
    // A Proxy that reads well is its target; a getter that deletes a member
    // not read yet leaves it out, one that adds a member is not read (the keys
    // are read first, as JSON.stringify reads them): the core judges the rest.
    assert.equal((await loadModel(new Proxy(poked(() => {}), {}))).id, s.model.id);
    assert.equal((await loadModel(poked((m) => { m.coef = new Proxy(m.coef, {}); m.bands = new Proxy(m.bands, {}); }))).id, s.model.id);
    const mutated = poked((m) => { m.training.b = 1; Object.defineProperty(m.training, 'a', { get() { delete m.training.b; m.training.c = 1; return undefined; }, enumerable: true }); });
    assert.equal((await loadModel(mutated)).id, s.model.id);
    // Members that are not JSON: named by what they are (before: "an object is not JSON").
    const kinds = [[new Map(), 'a Map'], [new Set(), 'a Set'], [new Date(1), 'a Date'], [/x/, 'a RegExp'], [new Float64Array(1), 'a Float64Array'], [new Uint8Array(1), 'a Uint8Array'],
      [new Number(1), 'a Number'], [Object(1n), 'a BigInt'], [new Error('x'), 'an Error'], [new (class Point {})(), 'a Point'], [new ArrayBuffer(1), 'an ArrayBuffer'], [Symbol('s'), 'a symbol']];
    for (const [v, name] of kinds) {
      await assert.rejects(loadModel(poked((m) => { m.training.x = v; })), coreError('CR_E_TYPE', { field: 'training.x', message: new RegExp(`^model at training\\.x: ${name} is not JSON`) }));
    }
    // A hole is undefined (JSON.stringify would write null); Symbol keys are not JSON's and left out, as JSON.stringify has it.
    await assert.rejects(loadModel(poked((m) => { m.coef = [m.coef[0], , m.coef[2]]; })), coreError('CR_E_TYPE', { field: 'coef[1]', message: /an undefined is not JSON$/ })); // eslint-disable-line no-sparse-arrays
    assert.equal((await loadModel(poked((m) => { m.training[Symbol('x')] = NaN; }))).id, s.model.id);
    // Null prototypes and very wide objects are plain objects.
    const wide = poked((m) => { for (let i = 0; i < 100000; i++) m.training[`k${i}`] = i; });
    assert.equal((await loadModel(wide)).id, s.model.id);
    assert.equal((await loadModel(Object.assign(Object.create(null), poked((m) => { m.bands = Object.assign(Object.create(null), m.bands); })))).id, s.model.id);
  });

  test('options, requests, rows and data sets that throw as they are read are CR_E_TYPE naming the option, field or row, what they threw the cause', async () => {
    // Before: each threw the getter's or trap's own error (or V8's TypeError for a revoked Proxy), raw.
    const s = await createScorer();
    const boom = new Error('boom');
    const revoked = (target = {}) => { const { proxy, revoke } = Proxy.revocable(target, {}); revoke(); return proxy; };
    const withGetter = (obj, name) => Object.defineProperty({ ...obj }, name, { get() { throw boom; }, enumerable: true });
    /** CR_E_TYPE at `where`, field and line as given, the cause `cause` (boom unless a pattern for V8's own error). */
    const unread = (where, { field, line, cause = boom } = {}) => (e) => coreError('CR_E_TYPE', { field, line, message: new RegExp(`^${where}: reading it threw `) })(e)
      && (cause instanceof RegExp ? cause.test(String(e.cause)) : e.cause === cause);
    const REVOKED = /TypeError: Cannot perform '\w+' on a proxy that has been revoked/;
    const DUPLICATE = /TypeError: .*duplicate entries/;

    // Training options: an option's getter, the bag's ownKeys (duplicates, a throw), the bag revoked; evaluate's options too.
    await assert.rejects(trainModel(SEED_ROWS, withGetter({}, 'C')), unread("option 'C'", { field: 'C' }));
    await assert.rejects(trainModel(SEED_ROWS, withGetter({}, 'schema')), unread('options\\.schema', { field: 'schema' }));
    await assert.rejects(trainModel(SEED_ROWS, withGetter({}, 'onProgress')), unread('options\\.onProgress', { field: 'onProgress' }));
    await assert.rejects(trainModel(SEED_ROWS, new Proxy({ C: 1 }, { ownKeys: () => ['C', 'C'] })), unread('options', { cause: DUPLICATE }));
    await assert.rejects(trainModel(SEED_ROWS, new Proxy({}, { ownKeys() { throw boom; } })), unread('options'));
    await assert.rejects(trainModel(SEED_ROWS, new Proxy({ C: 1 }, { get() { throw boom; } })), unread("option 'C'", { field: 'C' }));
    assert.throws(() => s.model.evaluate(SEED_ROWS, withGetter({}, 'tol')), unread("option 'tol'", { field: 'tol' }));
    assert.throws(() => s.model.evaluate(SEED_ROWS, revoked()), unread('options', { cause: REVOKED }));
    // init()'s and createScorer()'s options are read before the module is: no status to name, the JS API's TypeError with the same message and cause.
    const early = (re) => (e) => misuse(re)(e) && e.cause === boom;
    await assert.rejects(createScorer(withGetter({}, 'store')), early(/^options\.store: reading it threw Error: boom$/));
    await assert.rejects(api.init(withGetter({}, 'wasmUrl')), early(/^options\.wasmUrl: reading it threw Error: boom$/));
    await assert.rejects(createScorer(new Proxy({}, { ownKeys() { throw boom; } })), early(/^options: reading it threw Error: boom$/));
    // Values createScorer reads with the module there: the store's methods, a model that is a revoked Proxy.
    await assert.rejects(createScorer({ store: withGetter({ saveScore() {} }, 'countAttempts') }), unread('store'));
    await assert.rejects(createScorer({ model: revoked() }), unread('model', { cause: REVOKED }));

    // Requests: a field's getter (either spelling, any field), a Proxy's traps, a revoked Proxy.
    const ok = { spamReports: 5, hasConsent: false, callAttempts24h: 10 };
    assert.throws(() => s.score(withGetter(ok, 'spamReports')), unread("field 'spam_reports'", { field: 'spam_reports' }));
    const { spamReports, ...rest } = ok;
    assert.throws(() => s.score(withGetter({ ...rest, spam_reports: 5 }, 'spam_reports')), unread("field 'spam_reports'", { field: 'spam_reports' }));
    assert.throws(() => s.score(withGetter(ok, 'callAttempts24h')), unread("field 'call_attempts_24h'", { field: 'call_attempts_24h' }));
    assert.throws(() => s.score(new Proxy(ok, { get(t, k) { if (k === 'hasConsent') throw boom; return t[k]; } })), unread("field 'has_consent'", { field: 'has_consent' }));
    assert.throws(() => s.score(new Proxy(ok, { getPrototypeOf() { throw boom; } })), unread("field 'spam_reports'", { field: 'spam_reports' }));
    const instance = Object.assign(new (class Req {})(), ok); // a class instance: own keys are asked for
    assert.throws(() => s.score(new Proxy(instance, { getOwnPropertyDescriptor() { throw boom; } })), unread("field 'spam_reports'", { field: 'spam_reports' }));
    assert.throws(() => s.score(revoked()), unread('request', { cause: REVOKED }));
    const selfRevoking = Proxy.revocable(ok, { get(t, k) { if (k === 'callAttempts24h') selfRevoking.revoke(); return t[k]; } }); // then call_attempts_24h is read
    assert.throws(() => s.score(selfRevoking.proxy), unread("field 'call_attempts_24h'", { field: 'call_attempts_24h', cause: REVOKED }));
    // A getter's own CallriskError (a score() it called on a bad request) is what it threw, not this request's error.
    const nested = { ...ok, get hasConsent() { s.score({}); return false; } };
    assert.throws(() => s.score(nested), (e) => unread("field 'has_consent'", { field: 'has_consent', cause: e.cause })(e) && e.cause.code === 'CR_E_MISSING');
    // The request's own errors are still its own, and the next score() reads as before.
    assert.throws(() => s.score({ ...ok, spamReports: 'x' }), coreError('CR_E_TYPE', { field: 'spam_reports', message: /must be a number, got string/ }));
    assert.equal(s.score(ok).score, 99);
    // scoreBatch: a row's getter (row index and field), a row or the list revoked, a Proxy list's traps; columns alike.
    assert.throws(() => s.scoreBatch([ok, withGetter(ok, 'callAttempts24h')]), unread("requests\\[1\\]: field 'call_attempts_24h'", { field: 'call_attempts_24h', line: 2 }));
    assert.throws(() => s.scoreBatch([ok, revoked()]), unread('requests\\[1\\]', { line: 2, cause: REVOKED }));
    assert.throws(() => s.scoreBatch(new Proxy([ok, ok], { get(t, k) { if (k === '1') throw boom; return t[k]; } })), unread('requests\\[1\\]', { line: 2 }));
    assert.throws(() => s.scoreBatch(new Proxy([ok], { get(t, k) { if (k === 'length') throw boom; return t[k]; } })), unread('requests'));
    assert.throws(() => s.scoreBatch(revoked([])), unread('requests', { cause: REVOKED }));
    const columns = { spamReports: [5, 1], hasConsent: [false, true], callAttempts24h: [10, 1] };
    assert.throws(() => s.scoreBatch(withGetter(columns, 'hasConsent')), unread("field 'has_consent'", { field: 'has_consent' }));
    assert.throws(() => s.scoreBatch({ ...columns, hasConsent: revoked([]) }), unread("field 'has_consent'", { field: 'has_consent', cause: REVOKED }));
    assert.throws(() => s.scoreBatch({ ...columns, spamReports: new Proxy([5, 1], { get(t, k) { if (k === 'length') throw boom; return t[k]; } }) }), unread("field 'spam_reports'", { field: 'spam_reports' }));
    assert.throws(() => s.scoreBatch({ ...columns, spamReports: new Proxy([5, 1], { get(t, k) { if (k === '1') throw boom; return t[k]; } }) }), unread("spamReports\\[1\\]: field 'spam_reports'", { field: 'spam_reports', line: 2 }));
    // scoreCaller: the caller, at, a field, the request revoked; its options.
    const call = { ...ok, callerNumber: '+15550100', at: 0 };
    const noAttempts = { spamReports: 5, hasConsent: false, callerNumber: '+15550100', at: 0 };
    await assert.rejects(s.scoreCaller(withGetter(call, 'callerNumber')), unread("field 'caller_number'", { field: 'caller_number' }));
    await assert.rejects(s.scoreCaller(withGetter(call, 'at')), unread("field 'at'", { field: 'at' }));
    await assert.rejects(s.scoreCaller(withGetter(noAttempts, 'hasConsent')), unread("field 'has_consent'", { field: 'has_consent' }));
    await assert.rejects(s.scoreCaller(revoked()), unread('request', { cause: REVOKED }));
    await assert.rejects(s.scoreCaller(noAttempts, withGetter({}, 'context')), unread('options\\.context', { field: 'context' }));
    await assert.rejects(s.scoreCaller(noAttempts, revoked()), unread('options', { cause: REVOKED }));

    // Training and evaluation data: a row's field, label or weight; a row, the list or the data revoked; { csv } and typed data's members.
    const rows = (i, row) => SEED_ROWS.map((r, j) => (j === i ? row : r));
    await assert.rejects(trainModel(rows(2, withGetter(SEED_ROWS[2], 'spamReports'))), unread("data\\[2\\]: field 'spam_reports'", { field: 'spam_reports', line: 3 }));
    await assert.rejects(trainModel(rows(2, withGetter(SEED_ROWS[2], 'label'))), unread("data\\[2\\]: field 'label'", { field: 'label', line: 3 }));
    await assert.rejects(trainModel(rows(0, withGetter({ ...SEED_ROWS[0], weight: 1 }, 'weight'))), unread("data\\[0\\]: field 'weight'", { field: 'weight', line: 1 }));
    await assert.rejects(trainModel(rows(1, revoked())), unread('data\\[1\\]', { line: 2, cause: REVOKED }));
    await assert.rejects(trainModel(new Proxy(SEED_ROWS, { get(t, k) { if (k === '3') throw boom; return t[k]; } })), unread('data\\[3\\]', { line: 4 }));
    await assert.rejects(trainModel(revoked([])), unread('data', { cause: REVOKED }));
    await assert.rejects(trainModel(withGetter({}, 'csv')), unread('data\\.csv', { field: 'csv' }));
    await assert.rejects(trainModel(withGetter({ labels: new Uint8Array(1) }, 'rows')), unread('data\\.rows', { field: 'rows' }));
    await assert.rejects(trainModel(new Proxy({ csv: seedCsv('label') }, { ownKeys() { throw boom; } })), unread('data'));
    assert.throws(() => s.model.evaluate(rows(4, withGetter(SEED_ROWS[4], 'hasConsent'))), unread("data\\[4\\]: field 'has_consent'", { field: 'has_consent', line: 5 }));
    // drift: request rows, { records } and their list.
    const trained = await trainModel(SEED_ROWS);
    assert.throws(() => trained.drift([ok, withGetter(ok, 'spamReports')]), unread("data\\[1\\]: field 'spam_reports'", { field: 'spam_reports', line: 2 }));
    assert.throws(() => trained.drift([revoked()]), unread('data\\[0\\]', { line: 1, cause: REVOKED }));
    assert.throws(() => trained.drift(revoked([])), unread('data', { cause: REVOKED }));
    assert.throws(() => trained.drift(withGetter({}, 'records')), unread('data\\.records', { field: 'records' }));
    assert.throws(() => trained.drift({ records: new Proxy([], { get(t, k) { if (k === 'length') throw boom; return t[k]; } }) }), unread('data\\.records', { field: 'records' }));
  });

  test('a store whose answer throws from its then getter is a store failure, not an exception through wasm', async () => {
    let hostile = true;
    const s = await createScorer({
      store: {
        countAttempts: () => (hostile ? { get then() { throw new Error('then trap'); } } : 1),
        saveScore: () => {},
      },
    });
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: true }),
      (e) => coreError('CR_E_STORE')(e) && e.cause?.message === 'then trap');
    hostile = false;
    assert.equal((await s.scoreCaller({ callerNumber: '+1', spamReports: 5, hasConsent: false })).callAttempts24h, 1);
  });

  test('a request getter that grows wasm memory: the values written are the values read', async () => {
    const s = await createScorer();
    const want = s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
    const grow = { spamReports: 5, hasConsent: false, get callAttempts24h() { s.scoreBatch(new Float64Array(3 * 1.5e6)); return 10; } };
    s.score({ spamReports: 0, hasConsent: true, callAttempts24h: 0 }); // the scratch holds other values
    const got = s.score(grow);
    assert.equal(got.probability, want.probability);
    assert.equal(got.score, 99);
  });

  test('no negative zero: a record at the baseline verifies as text and after JSON.stringify; -0 in a model JSON is 0', async () => {
    // More spam, less risk: spam_reports's coefficient is negative and its
    // baseline 1, so w * (x - baseline) is -0 in IEEE arithmetic for a caller
    // with 1 report; the core gives 0, which JSON hosts keep.
    const m = await trainModel([
      { spamReports: 0, hasConsent: true, callAttempts24h: 1, label: 1 },
      { spamReports: 2, hasConsent: true, callAttempts24h: 1, label: 0 },
      { spamReports: 0, hasConsent: false, callAttempts24h: 3, label: 1 },
      { spamReports: 2, hasConsent: false, callAttempts24h: 3, label: 0 },
    ]);
    const store = createMemoryStore();
    const s = await createScorer({ model: m, store });
    const r = await s.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: true, at: 1764072000000 });
    assert.ok(Object.is(r.reasons.find((x) => x.feature === 'spam_reports').contribution, 0));
    assert.ok(!store.texts[0].includes('-0,') && !store.texts[0].includes('-0}'), store.texts[0]);
    assert.equal(m.verifyRecord(store.texts[0]), true);
    assert.equal(m.verifyRecord(store.records[0]), true);
    assert.equal(m.verifyRecord(JSON.stringify(store.records[0])), true);
    const def = (await createScorer()).model;
    const text = def.toCanonicalJSON().replace(/"intercept":[^,]*,/, '"intercept":-0,').replace(/"id":"[0-9a-f]*",?/, '');
    const zero = def.toCanonicalJSON().replace(/"intercept":[^,]*,/, '"intercept":0,').replace(/"id":"[0-9a-f]*",?/, '');
    const neg = await loadModel(text);
    assert.ok(Object.is(neg.intercept, 0));
    assert.equal(neg.id, (await loadModel(zero)).id);
    assert.equal((await loadModel(JSON.stringify(neg.toJSON()))).id, neg.id);
  });

  /* ---- issue 12: text read by the core's own parsers; what the core writes, stored as written ---- */

  test('scoreJSON: the core\'s parser, the model\'s C names only, other keys ignored; the bits of score()', async () => {
    const s = await createScorer();
    const want = s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
    const got = s.scoreJSON('{"spam_reports": 5, "has_consent": false, "call_attempts_24h": 10}');
    assert.deepEqual(got, want);
    assert.equal(s.scoreJSON(' {"call_attempts_24h":10,"has_consent":false,"spam_reports":5,"note":{"a":[1,{"b":null}]},"spamReports":0}\n').probability, want.probability);
    // camelCase is not a key the core knows: the field is missing.
    assert.throws(() => s.scoreJSON('{"spamReports": 5, "hasConsent": false, "callAttempts24h": 10}'), coreError('CR_E_MISSING', { field: 'spam_reports' }));
    // Text the core cannot read: CR_E_JSON with the byte (column); a value it reads, judged as any other.
    assert.throws(() => s.scoreJSON('{"spam_reports": 5,'), coreError('CR_E_JSON', { column: 20, message: /^JSON: .* at byte 20/ }));
    assert.throws(() => s.scoreJSON('{"spam_reports" 5}'), coreError('CR_E_JSON', { column: 17 }));
    assert.throws(() => s.scoreJSON(''), coreError('CR_E_JSON', { column: 1 }));
    assert.throws(() => s.scoreJSON('{"spam_reports":5,"has_consent":false,"call_attempts_24h":10} x'), coreError('CR_E_JSON', { message: /trailing/ }));
    assert.throws(() => s.scoreJSON('{"spam_reports":5,"spam_reports":5,"has_consent":false,"call_attempts_24h":10}'), coreError('CR_E_JSON', { field: 'spam_reports', message: /duplicate key 'spam_reports'/ }));
    assert.throws(() => s.scoreJSON('[5, false, 10]'), coreError('CR_E_TYPE', { message: /must be a JSON object/ }));
    assert.throws(() => s.scoreJSON('{"spam_reports":1e400,"has_consent":false,"call_attempts_24h":10}'), coreError('CR_E_NONFINITE', { field: 'spam_reports' }));
    assert.throws(() => s.scoreJSON('{"spam_reports":5,"has_consent":0,"call_attempts_24h":10}'), coreError('CR_E_TYPE', { field: 'has_consent' }));
    // A lone surrogate has no UTF-8: the text cannot reach the core as written.
    assert.throws(() => s.scoreJSON('{"spam_reports\ud800": 5}'), coreError('CR_E_JSON', { message: /^request: not well-formed Unicode \(a lone surrogate at index 14\)/ }));
    // Non-ASCII text is UTF-8 to the core: a key it does not know, ignored.
    assert.equal(s.scoreJSON('{"spam_reports":5,"has_consent":false,"call_attempts_24h":10,"n\u00f8te":"\ud83d\udcde"}').probability, want.probability);
  });

  test('scoreCaller takes its request as JSON text too: caller_number, at (ms), the C names; the store counts the attempts', async () => {
    const store = createMemoryStore();
    const s = await createScorer({ store });
    const at = 1764072000000;
    for (const dt of [1, 2, 3]) store.recordAttempt('+15550007', at - dt * 3600e3);
    const fromText = await s.scoreCaller(`{"caller_number": "+15550007", "at": ${at}, "spam_reports": 5, "has_consent": false, "call_attempts_24h": 99, "callerNumber": "+1"}`);
    const fromObject = await s.scoreCaller({ callerNumber: '+15550007', at, spamReports: 5, hasConsent: false });
    assert.deepEqual(fromText, fromObject);
    assert.equal(fromText.callAttempts24h, 3); // call_attempts_24h in the text is not read
    assert.equal(store.texts[0], store.texts[1]);
    assert.deepEqual(store.records[0].inputs, { spam_reports: 5, has_consent: false, call_attempts_24h: 3 });
    // No at: now.
    const before = Date.now();
    const now = await s.scoreCaller('{"caller_number": "+15550007", "spam_reports": 5, "has_consent": false}');
    assert.ok(now.at >= before && now.at <= Date.now());
    // The core's errors, as for an object.
    const refuses = (text, code, field, message) => assert.rejects(s.scoreCaller(text), coreError(code, { field, message }));
    await refuses('{"callerNumber": "+1", "spam_reports": 5, "has_consent": false}', 'CR_E_MISSING', 'caller_number');
    await refuses('{"caller_number": 5, "spam_reports": 5, "has_consent": false}', 'CR_E_TYPE', 'caller_number', /must be a string, got number/);
    await refuses('{"caller_number": "", "spam_reports": 5, "has_consent": false}', 'CR_E_RANGE', 'caller_number', /got 0/);
    await refuses(JSON.stringify({ caller_number: '1'.repeat(65), spam_reports: 5, has_consent: false }), 'CR_E_RANGE', 'caller_number', /got more$/);
    await refuses('{"caller_number": "+1\u00e9", "spam_reports": 5, "has_consent": false}', 'CR_E_TYPE', 'caller_number', /not printable ASCII/);
    await refuses('{"caller_number": "+1", "at": 1.5, "spam_reports": 5, "has_consent": false}', 'CR_E_TYPE', 'at', /whole number of ms/);
    await refuses('{"caller_number": "+1", "at": "2026", "spam_reports": 5, "has_consent": false}', 'CR_E_TYPE', 'at');
    await refuses('{"caller_number": "+1", "at": null, "spam_reports": 5, "has_consent": false}', 'CR_E_TYPE', 'at');
    await refuses('{"caller_number": "+1", "at": -1, "spam_reports": 5, "has_consent": false}', 'CR_E_RANGE', 'at');
    await refuses('{"caller_number": "+1", "at": 1e400, "spam_reports": 5, "has_consent": false}', 'CR_E_NONFINITE', 'at');
    await refuses('{"caller_number": "+1", "spam_reports": 5}', 'CR_E_MISSING', 'has_consent');
    await refuses('{"caller_number": "+1", "spamReports": 5, "hasConsent": false}', 'CR_E_MISSING', 'spam_reports');
    await refuses('{"caller_number": "+1", "spam_reports": -1, "has_consent": false}', 'CR_E_RANGE', 'spam_reports');
    await refuses('{"caller_number": "+1", "spam_reports": 5,', 'CR_E_JSON');
    await refuses('[1]', 'CR_E_TYPE');
    await refuses('{"caller_number": "+1\ud800", "spam_reports": 5}', 'CR_E_JSON', undefined, /^request: not well-formed Unicode/);
    assert.equal(store.records.length, 3);
  });

  test('the store gets the record as the core wrote it: saveScore(record, { text, context }), text what verifyRecord replays', async () => {
    const calls = [];
    const s = await createScorer({
      store: {
        countAttempts: () => 1,
        async saveScore(...args) {
          calls.push(args);
        },
      },
    });
    const at = 1764072000000;
    const r = await s.scoreCaller({ callerNumber: '+15550123', spamReports: 5, hasConsent: false, at }, { context: 'req-1' });
    assert.equal(calls.length, 1);
    const [[record, info, ...more]] = calls;
    assert.deepEqual(more, []);
    assert.deepEqual(Object.keys(info).sort(), ['context', 'text']);
    assert.equal(info.context, 'req-1');
    const { text } = info;
    assert.equal(typeof text, 'string');
    assert.deepEqual(record, JSON.parse(text));
    // The core's canonical JSON: its key order, and the shortest digits that read back, as JSON.stringify writes them.
    assert.ok(text.startsWith(`{"caller_number":"+15550123","at":${at},"inputs":{"spam_reports":5,"has_consent":false,"call_attempts_24h":1},"score":${r.score},"risk_level":"${r.riskLevel}","probability":`), text);
    assert.ok(text.endsWith(`"model_id":"${s.model.id}"}`), text);
    assert.equal(text.match(/"probability":([-0-9.e+]+)/)[1], String(r.probability));
    assert.equal(text, JSON.stringify(record));
    // Those bytes replay: the text as stored verifies; each edit is the core's CR_E_MISMATCH naming what differs.
    assert.equal(s.model.verifyRecord(text), true);
    const edits = [
      [text.replace(`"score":${r.score}`, `"score":${r.score - 1}`), 'score'],
      [text.replace(`"risk_level":"${r.riskLevel}"`, `"risk_level":"${r.riskLevel === 'LOW' ? 'HIGH' : 'LOW'}"`), 'risk_level'],
      [text.replace(`"model_id":"${s.model.id[0]}`, `"model_id":"${s.model.id[0] === 'f' ? 'e' : 'f'}`), 'model_id'],
      [text.replace(/"contribution":(-?)(\d)/, (_, sign, d) => `"contribution":${sign}${(Number(d) + 1) % 10}`), 'reasons'],
      [text.replace('"spam_reports":5', '"spam_reports":4'), 'score'],
    ];
    for (const [edited, field] of edits) {
      assert.notEqual(edited, text);
      assert.throws(() => s.model.verifyRecord(edited), coreError('CR_E_MISMATCH', { field }));
    }
    // The same request from JSON text: the same bytes.
    await s.scoreCaller(`{"caller_number":"+15550123","at":${at},"spam_reports":5,"has_consent":false}`);
    assert.equal(calls[1][1].text, text);
    assert.equal(calls[1][1].context, undefined);
    // The memory store keeps both forms.
    const memory = createMemoryStore();
    const m = await createScorer({ store: memory });
    memory.recordAttempt('+15550123', at - 1);
    await m.scoreCaller({ callerNumber: '+15550123', spamReports: 5, hasConsent: false, at });
    assert.deepEqual([memory.texts, memory.records], [[text], [record]]);
  });

  test('trainOptions() and describe(): the core\'s own description of its options, statuses and limits', async () => {
    const d = await describe();
    const options = await trainOptions();
    assert.deepEqual(options.map((o) => o.name), d.options.map((o) => o.name));
    assert.deepEqual(options.map((o) => o.name), ['C', 'fit_intercept', 'class_weight', 'max_iter', 'tol', 'signs', 'bands', 'label_column', 'weight_column', 'holdout', 'calibration']);
    for (const o of options) {
      assert.deepEqual(Object.keys(o).sort(), ['default', 'doc', 'kind', 'name']);
      assert.ok(typeof o.kind === 'string' && typeof o.doc === 'string' && o.doc.length > 10, JSON.stringify(o));
    }
    const byName = Object.fromEntries(options.map((o) => [o.name, o.default]));
    assert.deepEqual(byName, { C: 1, fit_intercept: true, class_weight: 'none', max_iter: 100, tol: 1e-10, signs: {}, bands: { high: 70, medium: 40 }, label_column: 'label', weight_column: 'weight', holdout: null, calibration: 'none' });
    // The defaults given back as options train what no options train.
    assert.equal((await trainModel(SEED_ROWS, byName)).id, goldenValue(golden, 'trained_model_id'));
    // Copies: a caller's edit does not reach the next answer.
    options[0].name = 'changed';
    d.statuses.length = 0;
    assert.equal((await trainOptions())[0].name, 'C');
    assert.ok((await describe()).statuses.length > 20);
    // The statuses a CallriskError carries are the description's.
    const statuses = (await describe()).statuses;
    assert.deepEqual(statuses.find((s) => s.name === 'CR_E_RANGE'), { name: 'CR_E_RANGE', code: statuses.find((s) => s.name === 'CR_E_RANGE').code, http: 422, text: 'value out of range' });
    assert.equal(statuses.find((s) => s.name === 'CR_OK').http, 200);
    for (const [name, http] of [['CR_E_ARG', 400], ['CR_E_JSON', 400], ['CR_E_STORE', 503], ['CR_E_MISMATCH', 409], ['CR_E_STATE', 409]]) {
      assert.equal(statuses.find((s) => s.name === name)?.http, http, name);
    }
    assert.equal(new Set(statuses.map((s) => s.code)).size, statuses.length);
    // Limits the errors speak of.
    assert.deepEqual([d.limits.caller_max, d.limits.time_max_ms, d.limits.count_max, d.limits.attempts_field], [64, 8.64e15, 2 ** 53, 'call_attempts_24h']);
    // CallriskError is the package's class: an Error, constructible with the same fields.
    const e = new CallriskError('x', { code: 'CR_E_STORE', status: 19, httpStatus: 503, field: 'f', line: 2, column: 3, cause: 'why' });
    assert.ok(e instanceof Error);
    assert.deepEqual([e.name, e.message, e.code, e.status, e.httpStatus, e.field, e.line, e.column, e.cause], ['CallriskError', 'x', 'CR_E_STORE', 19, 503, 'f', 2, 3, 'why']);
  });

  // ... and in rows: cr_dataset_name_columns() gives the data set the options' names.
  test('training rows: a bad value in a renamed label or weight column is named by that column', async () => {
    const isSpam = SEED_ROWS.map(({ label, ...r }) => ({ ...r, is_spam: label }));
    await assert.rejects(trainModel(isSpam.map((r, i) => (i === 2 ? { ...r, is_spam: 2 } : r)), { label_column: 'is_spam' }),
      coreError('CR_E_RANGE', { field: 'is_spam', line: 3, message: /^data\[2\]: field 'is_spam': must be 0 or 1, got 2/ }));
    await assert.rejects(trainModel(SEED_ROWS.map((r, i) => ({ ...r, w: i === 4 ? -2 : 1 })), { weight_column: 'w' }),
      coreError('CR_E_RANGE', { field: 'w', line: 5, message: /^data\[4\]: field 'w': must be a finite number >= 0, got -2/ }));
  });

  test('training columns by the core\'s names: label_column and weight_column, for rows and CSV alike', async () => {
    const id = goldenValue(golden, 'trained_model_id');
    // A file's own name for the label: the same model as `label`.
    assert.equal((await trainModel({ csv: seedCsv('is_spam') }, { label_column: 'is_spam' })).id, id);
    const isSpam = SEED_ROWS.map(({ label, ...r }) => ({ ...r, is_spam: label }));
    assert.equal((await trainModel(isSpam, { label_column: 'is_spam' })).id, id);
    // The other key is then not read, whatever it holds.
    assert.equal((await trainModel(isSpam.map((r) => ({ ...r, label: 'junk' })), { label_column: 'is_spam' })).id, id);
    await assert.rejects(trainModel({ csv: seedCsv('is_spam') }), coreError('CR_E_MISSING', { field: 'label', line: 1, column: 1, message: /no column 'label'/ }));
    await assert.rejects(trainModel(isSpam), coreError('CR_E_MISSING', { field: 'label', line: 1, message: /^data\[0\]: field 'label': required/ }));
    await assert.rejects(trainModel(SEED_ROWS, { label_column: 'is_spam' }), coreError('CR_E_MISSING', { field: 'is_spam', line: 1 }));
    // Weights by another name: rows and CSV give one model, the rows' `weight` key unread.
    const weighted = SEED_ROWS.map((r, i) => ({ ...r, w: i + 1, weight: 'unread' }));
    const csv = `spam_reports,has_consent,call_attempts_24h,label,w\n${SEED_ROWS.map((r, i) => `${r.spamReports},${r.hasConsent},${r.callAttempts24h},${r.label},${i + 1}`).join('\n')}\n`;
    const fromRows = await trainModel(weighted, { weight_column: 'w' });
    assert.equal((await trainModel({ csv }, { weight_column: 'w' })).id, fromRows.id);
    assert.notEqual(fromRows.id, id);
    assert.equal(fromRows.card().training.weight_sum, 15);
    // A bad value in a renamed column is named by that name, in CSV (line, column) ...
    await assert.rejects(trainModel({ csv: seedCsv('is_spam').replace(/1\n$/, '2\n') }, { label_column: 'is_spam' }), coreError('CR_E_RANGE', { field: 'is_spam', line: 6, column: 4 }));
    await assert.rejects(trainModel({ csv: csv.replace(/5\n$/, '-2\n') }, { weight_column: 'w' }), coreError('CR_E_RANGE', { field: 'w', line: 6, column: 5 }));
    // The names are judged by the core.
    await assert.rejects(trainModel(SEED_ROWS, { label_column: 'is spam' }), coreError('CR_E_RANGE', { field: 'label_column' }));
    await assert.rejects(trainModel(SEED_ROWS, { label_column: 'spam_reports' }), coreError('CR_E_RANGE', { field: 'label_column' }));
    await assert.rejects(trainModel(SEED_ROWS, { weight_column: 'label' }), coreError('CR_E_RANGE', { field: 'weight_column' }));
    await assert.rejects(trainModel(SEED_ROWS, { label_column: 1 }), coreError('CR_E_TYPE', { field: 'label_column' }));
    // The other options by their names, as the card reports them.
    const noIntercept = await trainModel(SEED_ROWS, { fit_intercept: false });
    assert.deepEqual([noIntercept.intercept, noIntercept.card().training.fit_intercept], [0, false]);
    const oneStep = (await trainModel(SEED_ROWS, { max_iter: 1 })).card();
    assert.deepEqual([oneStep.training.max_iter, oneStep.solver.iterations, oneStep.solver.converged], [1, 1, false]);
    const loose = (await trainModel(SEED_ROWS, { tol: 0.5 })).card();
    assert.deepEqual([loose.training.tol, loose.solver.iterations, loose.solver.converged], [0.5, 1, true]);
    assert.equal((await trainModel(SEED_ROWS, { C: 0.5 })).card().training.C, 0.5);
  });
  /* ---- issue 10, finding 3: the validity oracle ---- */

  test('property: hostile models and requests give the core\'s error naming a bad field, or a valid result; batches equal score() bit for bit', async () => {
    const REAL_MAX = (await describe()).limits.real_max;
    // CALLRISK_PROPERTY_SEED=n (Node) explores other cases; the default is fixed.
    const SEED = Number(globalThis.process?.env?.CALLRISK_PROPERTY_SEED ?? 20261125);
    let state = SEED;
    const rand = () => { // mulberry32: deterministic in every engine
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = (xs) => xs[Math.floor(rand() * xs.length)];
    const int = (n) => Math.floor(rand() * n);
    const huge = () => pick([1, -1]) * pick([1e10, 1e100, 1e149, 1e150, 1.0000000000000002e150, 1e151, 1e200, 1e300, 1e308, Number.MAX_VALUE]);
    const real = () => (rand() < 0.25 ? huge() : pick([0, -0, 5e-324, 1e-300, 1, -1, 0.5]) || (rand() - 0.5) * 10 ** int(20));

    // Values for a field, and sometimes garbage (then `bad` names the
    // field): a real beyond +-real_max is one too.
    const valueFor = (type, r, name) => {
      if (rand() < 0.06) {
        r.bad.push(name);
        const garbage = [NaN, Infinity, -Infinity, '3', null, true, undefined, 1n, {}];
        return pick(type === 'bool' ? [0, 1, null, 'true', undefined] : type === 'count' ? [...garbage, -1, 1.5, 2 ** 53 + 2] : garbage);
      }
      if (type === 'bool') return rand() < 0.5;
      if (type === 'count') return pick([0, 1, 2, 7, 1000, 2 ** 53, 2 ** 53 - 1, int(2 ** 30), int(100)]);
      const v = real();
      if (Math.abs(v) > REAL_MAX) r.bad.push(name);
      return v;
    };
    const requestFor = (fields) => {
      const r = { bad: [], values: {} };
      for (const f of fields) r.values[camelKey(f.name)] = valueFor(f.type, r, f.name);
      return r;
    };
    const show = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x === undefined || (typeof x === 'number' && !Number.isFinite(x)) ? String(x) : x));
    const camelKey = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

    // A model the core refuses (training, loading): one of these codes.
    const MODEL_CODES = new Set(['CR_E_RANGE', 'CR_E_TYPE', 'CR_E_MISSING', 'CR_E_SCHEMA', 'CR_E_NONFINITE', 'CR_E_COUNT', 'CR_E_JSON', 'CR_E_DATA', 'CR_E_CHECKSUM']);
    // A request the core refuses: a value's code, naming a field that was given a bad value.
    const VALUE_CODES = new Set(['CR_E_RANGE', 'CR_E_TYPE', 'CR_E_MISSING', 'CR_E_NONFINITE']);
    const stats = { models: 0, refused: 0, results: 0, errors: 0, batches: 0, callers: 0 };
    const modelError = (e, where) => {
      assert.ok(e instanceof CallriskError && MODEL_CODES.has(e.code) && e.httpStatus === STATUSES.get(e.code).http, `${where}: ${e?.name} ${e?.code ?? ''} ${e?.message}`);
      stats.errors++;
    };
    const requestError = (e, where, bad) => {
      assert.ok(e instanceof CallriskError && VALUE_CODES.has(e.code) && e.httpStatus === STATUSES.get(e.code).http, `${where}: ${e?.name} ${e?.code ?? ''} ${e?.message}`);
      assert.ok(bad.includes(e.field), `${where}: the error names ${e.field}, the bad fields are ${bad.join(', ') || 'none'}: ${e.message}`);
      stats.errors++;
    };
    const checkResult = (r, model, where) => {
      const { high, medium } = model.bands;
      assert.ok(Number.isInteger(r.score) && r.score >= 0 && r.score <= 100, `${where}: score ${r.score}`);
      assert.ok(Number.isFinite(r.probability) && r.probability >= 0 && r.probability <= 1, `${where}: probability ${r.probability}`);
      assert.ok(Number.isFinite(r.logit) && Number.isFinite(r.baseLogit), `${where}: logit ${r.logit}, base ${r.baseLogit}`);
      assert.equal(r.score, Math.trunc(r.probability * 100), `${where}: score ${r.score} for probability ${r.probability}`);
      assert.equal(r.riskLevel, r.score >= high ? 'HIGH' : r.score >= medium ? 'MEDIUM' : 'LOW', `${where}: level`);
      assert.equal(r.modelId, model.id);
      assert.deepEqual(r.reasons.map((x) => x.feature).sort(), [...model.features].sort());
      for (const x of r.reasons) assert.ok(Number.isFinite(x.contribution), `${where}: contribution ${x.feature} ${x.contribution}`);
      stats.results++;
    };
    const finiteJson = (v) => (typeof v === 'number' ? Number.isFinite(v) : v && typeof v === 'object' ? Object.values(v).every(finiteJson) : true);

    // Models: trained on random rows, then loaded from mutated canonical JSON.
    const SCHEMAS = [
      undefined,
      { fields: [{ name: 'spam_reports', type: 'count' }, { name: 'has_consent', type: 'bool' }, { name: 'call_attempts_24h', type: 'count' }, { name: 'attestation', type: 'real' }],
        features: [{ name: 'spam_reports', field: 'spam_reports' }, { name: 'no_consent', field: 'has_consent', invert: true }, { name: 'call_attempts_24h', field: 'call_attempts_24h' }, { name: 'attestation', field: 'attestation' }] },
      { fields: [{ name: 'x', type: 'real' }, { name: 'y', type: 'real' }], features: [{ name: 'x', field: 'x' }, { name: 'y', field: 'y' }] },
    ];
    const models = [];
    for (let k = 0; k < 12; k++) {
      const schema = SCHEMAS[k % SCHEMAS.length];
      const fields = schema ? schema.fields : [{ name: 'spam_reports', type: 'count' }, { name: 'has_consent', type: 'bool' }, { name: 'call_attempts_24h', type: 'count' }];
      const rows = [];
      for (let i = 0; i < 16; i++) {
        const row = { label: i % 2 };
        for (const f of fields) row[camelKey(f.name)] = f.type === 'bool' ? rand() < 0.5 : f.type === 'count' ? int(k > 7 ? 2 ** 40 : 20) : k > 7 ? real() : (rand() - 0.5) * 8;
        rows.push(row);
      }
      try {
        models.push(await trainModel(rows, { ...(schema && { schema }), C: pick([0.01, 1, 1e6]) }));
      } catch (e) {
        modelError(e, `train ${k}`);
      }
    }
    assert.ok(models.length >= 6, 'most training sets train');
    const mutants = [];
    for (const base of models) {
      for (let k = 0; k < 24; k++) {
        const j = base.toJSON();
        delete j.id;
        const p = pick([0.05, 0.2, 0.5]);
        const scale = (x) => (rand() < p ? x * pick([-1, 10, 1e10, 1e50, 1e100, 1e140, 1e149, 1e150, 1e151, 1e300, 1e308]) : rand() < 0.5 ? huge() : x);
        j.coef = j.coef.map(scale);
        if (rand() < 0.3) j.intercept = scale(j.intercept || 1);
        if (rand() < 0.15) j.baseline = j.baseline.map(scale);
        if (rand() < 0.2) j.bands = { high: int(103) - 1, medium: int(103) - 1 };
        if (rand() < 0.1) j.fields = j.fields.map((f) => ({ ...f, type: f.type === 'count' ? 'real' : f.type }));
        try {
          mutants.push(await loadModel(rand() < 0.5 ? j : JSON.stringify(j)));
        } catch (e) {
          modelError(e, `load ${show(j.coef)}`);
          stats.refused++;
        }
      }
    }

    for (const [mi, model] of [...models, ...mutants].entries()) {
      stats.models++;
      const records = [];
      const s = await createScorer({ model, store: {
        countAttempts: (caller) => (caller.endsWith('a') ? delay(0).then(() => 2 ** 53) : Number(caller.slice(2)) % 50),
        saveScore: (rec, { text }) => { records.push([rec, text]); },
      } });
      const reqs = Array.from({ length: 40 }, () => requestFor(model.fields));
      const good = [];
      for (const [i, r] of reqs.entries()) {
        const where = `model ${mi} (${model.id.slice(0, 8)}) request ${i} ${show(r.values)}`;
        let out;
        try {
          out = s.score(r.values);
        } catch (e) {
          requestError(e, where, r.bad); // a request with no bad value always scores
          continue;
        }
        assert.equal(r.bad.length, 0, `${where}: garbage was scored`);
        checkResult(out, model, where);
        good.push([r.values, out]);
      }
      // The three batch forms over the rows score() took, bit for bit.
      const keys = model.fields.map((f) => camelKey(f.name));
      const forms = {
        objects: good.map(([v]) => v),
        columns: Object.fromEntries(keys.map((k) => [k, good.map(([v]) => v[k])])),
        rows: Float64Array.from(good.flatMap(([v]) => keys.map((k) => Number(v[k])))),
      };
      for (const [form, input] of Object.entries(forms)) {
        const b = s.scoreBatch(input);
        assert.equal(b.scores.length, good.length);
        for (let i = 0; i < good.length; i++) {
          const one = good[i][1];
          assert.equal(b.scores[i], one.score, `model ${mi} batch ${form} row ${i}`);
          assert.equal(bitsHex(b.probabilities[i]), bitsHex(one.probability), `model ${mi} batch ${form} row ${i}`);
          assert.equal(RISK_LEVELS[b.riskLevels[i]], one.riskLevel);
        }
        stats.batches++;
      }
      // All requests at once: an error when any was refused, else the same.
      let wholeError = null;
      try {
        s.scoreBatch(reqs.map((r) => r.values));
      } catch (e) {
        wholeError = e;
      }
      if (good.length === reqs.length) assert.equal(wholeError, null, `model ${mi}: the batch refused rows score() took`);
      else {
        assert.ok(wholeError, `model ${mi}: a batch with refused rows was scored`);
        const row = reqs[wholeError.line - 1];
        assert.ok(row, `model ${mi} whole batch: no row ${wholeError.line}: ${wholeError.message}`);
        requestError(wholeError, `model ${mi} whole batch, row ${wholeError.line}`, row.bad);
      }
      // scoreCaller: the store counts; the record it gets is finite JSON and replays.
      const canCall = model.fields.some((f) => f.name === 'call_attempts_24h');
      for (const [i, r] of reqs.slice(0, 6).entries()) {
        const caller = `+1${i * 7}${i % 2 ? 'a' : ''}`;
        const where = `model ${mi} scoreCaller ${i} ${show(r.values)}`;
        const bad = r.bad.filter((name) => name !== 'call_attempts_24h'); // the store gives that one
        let out;
        try {
          out = await s.scoreCaller({ ...r.values, callerNumber: caller, at: 1764072000000 + i });
        } catch (e) {
          assert.ok(e?.code !== 'CR_E_STORE', `${where}: the store never fails, got ${e?.message}`);
          if (canCall) requestError(e, where, bad);
          else assert.ok(coreError('CR_E_SCHEMA', { field: 'call_attempts_24h' })(e));
          continue;
        }
        assert.ok(canCall && bad.length === 0, `${where}: garbage was scored`);
        checkResult(out, model, where);
        const [rec, text] = records.at(-1);
        assert.ok(finiteJson(rec), `${where}: record ${text}`);
        assert.deepEqual(JSON.parse(text), rec);
        assert.equal(model.verifyRecord(text), true);
        for (const f of model.fields) {
          if (f.name !== 'call_attempts_24h') assert.ok(Object.is(rec.inputs[f.name], r.values[camelKey(f.name)]), `${where}: record input ${f.name}`);
        }
        assert.equal(rec.score, out.score);
        assert.equal(bitsHex(rec.probability), bitsHex(out.probability));
        assert.equal(rec.inputs.call_attempts_24h, out.callAttempts24h);
        assert.equal(model.verifyRecord(rec), true);
        stats.callers++;
      }
    }
    if (globalThis.process?.env?.CALLRISK_PROPERTY_STATS) console.log(stats);
    assert.ok(stats.results > 1500 && stats.errors > 500 && stats.refused > 20 && stats.callers > 100, JSON.stringify(stats));
  });


  /* ---- the hostile-user probe: one field, one spelling, one source ---- */

  test('a field given under both spellings is the core\'s CR_E_ARG naming it, in every entry that takes aliases', async () => {
    const records = [];
    const s = await createScorer({ store: { countAttempts: () => 10, saveScore: (r) => records.push(r) } });
    const ok = { spamReports: 5, hasConsent: false, callAttempts24h: 10 };
    const twice = (field, line, spellings) => coreError('CR_E_ARG', { field, line, message: new RegExp(`field '${field}': given twice \\(${spellings}\\)`) });
    // Before, score() took the camelCase value (99) and scoreRequest() the C name's (0).
    assert.throws(() => s.score({ ...ok, spam_reports: 0 }), twice('spam_reports', undefined, 'spamReports and spam_reports'));
    assert.throws(() => s.scoreBatch([ok, { ...ok, has_consent: true }]), twice('has_consent', 2, 'hasConsent and has_consent'));
    assert.throws(() => s.scoreBatch({ spamReports: [5], spam_reports: [0], hasConsent: [false], callAttempts24h: [10] }), twice('spam_reports', undefined, 'spamReports and spam_reports'));
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 5, spam_reports: 0, hasConsent: false }), twice('spam_reports', undefined, 'spamReports and spam_reports'));
    // The caller too: before, it was stored under callerNumber's value.
    await assert.rejects(s.scoreCaller({ callerNumber: 'A', caller_number: 'B', spamReports: 5, hasConsent: false }), twice('caller_number', undefined, 'callerNumber and caller_number'));
    await assert.rejects(trainModel([...SEED_ROWS.slice(1), { ...SEED_ROWS[0], call_attempts_24h: 1 }]), twice('call_attempts_24h', 5, 'callAttempts24h and call_attempts_24h'));
    assert.equal(records.length, 0);
    // scoreRequest and JSON text know C names only: a camelCase key there is an unknown key, ignored.
    const cOnly = s.score({ spam_reports: 0, has_consent: false, call_attempts_24h: 10 });
    assert.notEqual(cOnly.score, 99);
    assert.equal(s.scoreRequest({ spam_reports: 0, has_consent: false, call_attempts_24h: 10, spamReports: 5 }).score, cOnly.score);
    assert.equal(s.scoreJSON('{"spam_reports": 0, "has_consent": false, "call_attempts_24h": 10, "spamReports": 5}').probability, cOnly.probability);
    // undefined is not giving a value: the other spelling is read.
    assert.equal(s.score({ spamReports: undefined, spam_reports: 5, hasConsent: false, callAttempts24h: 10 }).score, 99);
    assert.equal((await s.scoreCaller({ callerNumber: undefined, caller_number: 'B', spamReports: 5, hasConsent: false })).score, 99);
    assert.equal(records[0].caller_number, 'B');
  });

  test('fields whose camelCase forms collide: such a field is read by its C name only, in every entry', async () => {
    // camel('a_b') is 'aB', another field's name; camel('x_1_y') and camel('x1_y') are both 'x1Y'.
    const schema = {
      fields: [{ name: 'a_b', type: 'real' }, { name: 'aB', type: 'real' }, { name: 'x_1_y', type: 'real' }, { name: 'x1_y', type: 'real' },
        { name: 'call_attempts_24h', type: 'count' }],
      features: [{ name: 'f1', field: 'a_b' }, { name: 'f2', field: 'aB' }, { name: 'f3', field: 'x_1_y' }, { name: 'f4', field: 'x1_y' },
        { name: 'attempts', field: 'call_attempts_24h' }],
    };
    const data = [[0, 5, 1, 0, 1, 0], [5, 0, 0, 2, 2, 1], [1, 4, 2, 1, 1, 0], [4, 1, 1, 3, 3, 1], [2, 2, 0, 0, 1, 0], [3, 3, 3, 1, 2, 1]];
    const csv = `a_b,aB,x_1_y,x1_y,call_attempts_24h,label\n${data.map((r) => r.join(',')).join('\n')}\n`;
    const fromCsv = await trainModel({ csv }, { schema });
    // Before, rows were read by aB for both a_b and aB: coefficients [-0.457, -0.457, …].
    const fromRows = await trainModel(data.map(([a_b, aB, x_1_y, x1_y, call_attempts_24h, label]) => ({ a_b, aB, x_1_y, x1_y, call_attempts_24h, label })), { schema });
    assert.equal(fromRows.id, fromCsv.id);
    assert.notEqual(fromCsv.coefficients[0], fromCsv.coefficients[1]);
    const s = await createScorer({ model: fromCsv, store: { countAttempts: () => 2, saveScore() {} } });
    const req = { a_b: 0, aB: 5, x_1_y: 1, x1_y: 0, callAttempts24h: 2 };
    const want = s.score(req);
    assert.notEqual(s.score({ ...req, a_b: 5 }).probability, want.probability); // a_b counts
    assert.equal(s.scoreBatch([req]).probabilities[0], want.probability);
    assert.equal(s.scoreBatch({ a_b: [0], aB: [5], x_1_y: [1], x1_y: [0], callAttempts24h: [2] }).probabilities[0], want.probability);
    assert.equal(s.scoreBatch(Float64Array.from([0, 5, 1, 0, 2])).probabilities[0], want.probability);
    assert.equal(s.scoreRequest({ a_b: 0, aB: 5, x_1_y: 1, x1_y: 0, call_attempts_24h: 2 }).score, want.score);
    assert.equal(s.scoreJSON('{"a_b": 0, "aB": 5, "x_1_y": 1, "x1_y": 0, "call_attempts_24h": 2}').probability, want.probability);
    assert.equal((await s.scoreCaller({ callerNumber: '+1', a_b: 0, aB: 5, x_1_y: 1, x1_y: 0 })).probability, want.probability);
    assert.equal((await s.scoreCaller('{"caller_number": "+1", "a_b": 0, "aB": 5, "x_1_y": 1, "x1_y": 0}')).probability, want.probability);
    // A key read once: a field with one spelling has its getter asked once.
    let asked = 0;
    assert.equal(s.score({ get a_b() { asked++; return 0; }, get aB() { asked++; return 5; }, x_1_y: 1, x1_y: 0, callAttempts24h: 2 }).probability, want.probability);
    assert.equal(asked, 2);
    // The colliding camelCase forms give no field.
    assert.throws(() => s.score({ aB: 5, x_1_y: 1, x1_y: 0, callAttempts24h: 2 }), coreError('CR_E_MISSING', { field: 'a_b' }));
    assert.throws(() => s.score({ a_b: 0, aB: 5, x1Y: 1, callAttempts24h: 2 }), coreError('CR_E_MISSING', { field: 'x_1_y' }));
    assert.throws(() => s.scoreBatch({ aB: [5], x_1_y: [1], x1_y: [0], callAttempts24h: [2] }), coreError('CR_E_MISSING', { field: 'a_b', message: /required \(a column\)/ }));
  });

  test('fields are own properties or a class prototype\'s, never Object.prototype\'s', async () => {
    const s = await createScorer();
    const ok = { spamReports: 5, hasConsent: false, callAttempts24h: 10 };
    const want = s.score(ok);
    const polluted = { hasConsent: false, has_consent: true, callerNumber: '+1', caller_number: '+2', at: 5, label: 1, weight: 0, spamReports: [5] };
    for (const [k, v] of Object.entries(polluted)) Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true });
    try {
      // Before, the polluted hasConsent filled the missing field.
      assert.throws(() => s.score({ spamReports: 5, callAttempts24h: 10 }), coreError('CR_E_MISSING', { field: 'has_consent' }));
      assert.throws(() => s.scoreRequest({ spam_reports: 5, call_attempts_24h: 10 }), coreError('CR_E_MISSING', { field: 'has_consent' }));
      assert.throws(() => s.scoreBatch([ok, { spamReports: 5, callAttempts24h: 10 }]), coreError('CR_E_MISSING', { field: 'has_consent', line: 2 }));
      assert.throws(() => s.scoreBatch({ hasConsent: [false], callAttempts24h: [10] }), coreError('CR_E_MISSING', { field: 'spam_reports' }));
      await assert.rejects(s.scoreCaller({ spamReports: 5, hasConsent: false }), coreError('CR_E_MISSING', { field: 'caller_number' }));
      const r = await s.scoreCaller({ callerNumber: '+3', spamReports: 5, hasConsent: false });
      assert.ok(r.at > 5, 'at defaults to now');
      await assert.rejects(trainModel([{ spamReports: 1, hasConsent: true, callAttempts24h: 1 }]), coreError('CR_E_MISSING', { field: 'label', line: 1 }));
      assert.equal((await trainModel(SEED_ROWS)).id, goldenValue(golden, 'trained_model_id')); // weights 1, not 0
      // Own values, and keys Object.prototype has too, still count.
      assert.equal(s.score(ok).probability, want.probability);
      assert.equal(s.score({ ...ok, hasConsent: true }).probability, s.score({ spam_reports: 5, has_consent: true, call_attempts_24h: 10 }).probability);
    } finally {
      for (const k of Object.keys(polluted)) delete Object.prototype[k];
    }
    // A class's getters count, through any depth of classes.
    class Request {
      get spamReports() { return 5; }
      get hasConsent() { return false; }
    }
    class Timed extends Request {
      constructor() { super(); this.callAttempts24h = 10; }
      get callerNumber() { return '+4'; }
    }
    assert.equal(s.score(new Timed()).probability, want.probability);
    assert.equal(s.scoreBatch([new Timed()]).probabilities[0], want.probability);
    assert.equal((await s.scoreCaller(new Timed())).callAttempts24h, 0);
    assert.equal(s.score(Object.create(ok)).probability, want.probability); // a prototype that is not Object.prototype
    // A null-prototype object: its own keys, and nothing else.
    const bare = Object.assign(Object.create(null), ok);
    assert.equal(s.score(bare).probability, want.probability);
    delete bare.hasConsent;
    assert.throws(() => s.score(bare), coreError('CR_E_MISSING', { field: 'has_consent' }));
    // Fields named like Object.prototype's own keys: given, they count; missing, they are missing.
    const m = await trainModel({ csv: 'constructor,toString,label\n0,1,0\n1,0,1\n2,1,1\n0,0,0\n' }, { schema: {
      fields: [{ name: 'constructor', type: 'real' }, { name: 'toString', type: 'real' }],
      features: [{ name: 'c', field: 'constructor' }, { name: 't', field: 'toString' }],
    } });
    const sm = await createScorer({ model: m });
    assert.ok(sm.score({ constructor: 1, toString: 0 }).score >= 0);
    assert.equal(sm.scoreJSON('{"constructor": 1, "toString": 0}').score, sm.score({ constructor: 1, toString: 0 }).score);
    assert.throws(() => sm.score({ toString: 0 }), coreError('CR_E_MISSING', { field: 'constructor' }));
    assert.throws(() => sm.score({ constructor: 1 }), coreError('CR_E_MISSING', { field: 'toString' }));
  });

  test('a field named like a key of the entry: label/weight need other column names; callerNumber/caller_number/at are refused by scoreCaller', async () => {
    const schema = (name) => ({
      fields: [{ name, type: 'real' }, { name: 'call_attempts_24h', type: 'count' }],
      features: [{ name: 'f', field: name }, { name: 'a', field: 'call_attempts_24h' }],
    });
    // Before, a field `label` was trained as the label and as a feature. The
    // training columns default to label/weight: such a field needs another
    // name for that column (the core's CR_E_RANGE on the option otherwise).
    const rows = (name, column, extra = {}) => [[1, 1, 1], [0, 0, 0], [2, 0, 1], [0, 2, 0]].map(([v, c, y]) => ({ [name]: v, callAttempts24h: c, [column]: y, ...extra }));
    const csv = (name, column) => `${name},call_attempts_24h,${column}\n1,1,1\n0,0,0\n2,0,1\n0,2,0\n`;
    for (const [name, option] of [['label', 'label_column'], ['weight', 'weight_column']]) {
      const refused = coreError('CR_E_RANGE', { field: option, message: new RegExp(`^option '${option}': '${name}' is a field of the schema`) });
      await assert.rejects(trainModel(rows(name, 'label'), { schema: schema(name) }), refused);
      await assert.rejects(trainModel({ csv: csv(name, 'label') }, { schema: schema(name) }), refused);
    }
    const byY = await trainModel(rows('label', 'y'), { schema: schema('label'), label_column: 'y' });
    assert.equal((await trainModel({ csv: csv('label', 'y') }, { schema: schema('label'), label_column: 'y' })).id, byY.id);
    assert.equal(byY.fields[0].name, 'label');
    const byW = await trainModel(rows('weight', 'label'), { schema: schema('weight'), weight_column: 'w' });
    assert.equal((await trainModel({ csv: csv('weight', 'label') }, { schema: schema('weight'), weight_column: 'w' })).id, byW.id);
    // Before, a field `at` was scoreCaller's time as well: an object naming such a field is refused.
    for (const name of ['at', 'caller_number', 'callerNumber']) {
      const m = await trainModel({ csv: `${name},call_attempts_24h,label\n1,2,1\n0,1,0\n2,1,1\n0,2,0\n` }, { schema: schema(name) });
      const records = [];
      const s = await createScorer({ model: m, store: { countAttempts: () => 1, saveScore: (r) => records.push(r) } });
      assert.ok(s.score({ [name]: 1, callAttempts24h: 1 }).score >= 0);
      await assert.rejects(s.scoreCaller({ callerNumber: '+1', [name]: 1, at: 1764072000000 }),
        coreError('CR_E_SCHEMA', { field: name, message: new RegExp(`^scoreCaller: the model's field '${name}' has the name of a scoreCaller key`) }));
      assert.equal(records.length, 0);
    }
  });

  test("siblings: a store's methods are its own or its class's; text that is not Unicode names its argument; echoed keys and URLs are cut", async () => {
    // Object.prototype gives no store method.
    for (const k of ['countAttempts', 'saveScore']) Object.defineProperty(Object.prototype, k, { value: () => 0, configurable: true, writable: true });
    try {
      await assert.rejects(createScorer({ store: {} }), misuse(/^store: must have/));
      await assert.rejects(createScorer({ store: { countAttempts: () => 1 } }), misuse(/^store: must have/));
    } finally {
      delete Object.prototype.countAttempts;
      delete Object.prototype.saveScore;
    }
    class SqlStore {
      constructor() { this.saved = []; }
      countAttempts() { return 10; }
      saveScore(record, { text }) { this.saved.push(text); }
    }
    const sql = new SqlStore();
    const scored = await (await createScorer({ store: sql })).scoreCaller({ callerNumber: '+1', spamReports: 5, hasConsent: false });
    assert.equal(scored.score, 99);
    assert.equal(sql.saved.length, 1);
    assert.equal(JSON.parse(sql.saved[0]).score, 99);
    // A lone surrogate has no UTF-8 (TextEncoder would put U+FFFD in its
    // place): text that cannot reach the core as written is the core's error
    // for unreadable text of that kind, naming the argument.
    const notUnicode = (code, what) => coreError(code, { message: new RegExp(`^${what}: not well-formed Unicode \\(a lone surrogate at index 3\\)`) });
    await assert.rejects(trainModel({ csv: 'x,y\ud800,label\n' }), notUnicode('CR_E_CSV', 'data\\.csv'));
    await assert.rejects(trainModel({ csv: 'a,b' }, { schema: '{"f\udc00":1}' }), notUnicode('CR_E_JSON', 'options\\.schema'));
    await assert.rejects(loadModel('{"f\ud800":1}'), notUnicode('CR_E_JSON', 'model'));
    const s = await createScorer();
    assert.throws(() => s.model.verifyRecord('{"c\udbff":1}'), notUnicode('CR_E_JSON', 'record'));
    assert.throws(() => s.scoreJSON('{"s\udbff":1}'), notUnicode('CR_E_JSON', 'request'));
    assert.throws(() => s.scoreRequest('{"s\udbff":1}'), notUnicode('CR_E_JSON', 'request'));
    await assert.rejects(s.scoreCaller('{"c\udbff":1}'), notUnicode('CR_E_JSON', 'request'));
    await assert.rejects(trainModel(SEED_ROWS, { signs: { spam_reports: 'non\ud800' } }), coreError('CR_E_JSON', { field: 'signs', message: /^option 'signs' at spam_reports: not well-formed Unicode \(a lone surrogate at index 3\)/ }));
    // A key or URL the caller gave is shown cut to a few dozen characters, printable.
    const long = 'k'.repeat(100000);
    const messageOf = async (p) => p.then(() => assert.fail('resolved'), (e) => e.message);
    for (const message of [
      await messageOf(createScorer({ [long]: 1 })),
      await messageOf(createScorer({ ['\ud800x']: 1 })),
      await messageOf(trainModel(SEED_ROWS, { [long]: 1 })),
      await messageOf(trainModel(SEED_ROWS, { ['\ud800x']: 1 })),
      await messageOf(trainModel(SEED_ROWS, { signs: { [long]: 'nonneg' } })),
      await messageOf(trainModel(SEED_ROWS, { signs: { spam_reports: long } })),
      await messageOf(trainModel(SEED_ROWS, { label_column: long })),
      await messageOf(api.init({ wasmUrl: `data:application/wasm;base64,${'A'.repeat(100000)}` })),
    ]) {
      assert.ok(message.length < 400, `${message.length} characters: ${message.slice(0, 80)}…`);
      assert.ok(!/[\ud800-\udfff]/.test(message), message);
    }
  });

  /* ---- the hostile-user probe: init() ---- */

  test('init(): bytes that are not callrisk.wasm name wasmBinary; once loaded, another source is an Error, the same or none resolves', async () => {
    const seed = { spamReports: 5, hasConsent: false, callAttempts24h: 10 };
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]); // a valid module with no exports
    // (type () -> ()) and an import of "nope"."func": a module for another host.
    const foreign = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0,
      2, 13, 1, 4, 0x6e, 0x6f, 0x70, 0x65, 4, 0x66, 0x75, 0x6e, 0x63, 0, 0]);
    const a = await freshApi();
    // Before: TypeError: Cannot read properties of undefined (reading 'buffer').
    await assert.rejects(a.init({ wasmBinary: empty }), (e) => e instanceof Error && /^callrisk: wasmBinary is not callrisk\.wasm: it has no export 'memory'/.test(e.message));
    await assert.rejects(a.init({ wasmBinary: foreign }), (e) => /^callrisk: wasmBinary is not callrisk\.wasm \(.*nope/.test(e.message));
    await assert.rejects(a.init({ wasmBinary: new Uint8Array([1, 2, 3, 4]) }), (e) => /^callrisk: wasmBinary is not callrisk\.wasm \(/.test(e.message));
    await assert.rejects(a.init({ wasmBinary: wasm, wasmUrl }), misuse(/^wasmBinary, wasmUrl: give one source/));
    // A failed start is not kept: the module's own bytes then load.
    await a.init({ wasmBinary: wasm });
    await a.init({ wasmBinary: wasm.slice() }); // the same bytes
    await a.init(); // no source
    // Before: each of these was ignored, and the module loaded first kept.
    const already = (re) => (e) => e instanceof Error && /^callrisk: already initialised from wasmBinary; /.test(e.message) && re.test(e.message);
    await assert.rejects(a.init({ wasmBinary: empty }), already(/wasmBinary holds other bytes/));
    await assert.rejects(a.init({ wasmUrl }), already(/is another source/));
    await assert.rejects(a.createScorer({ wasmBinary: empty }), already(/other bytes/));
    assert.throws(() => a.setWasmLoader(() => empty), already(/setWasmLoader\(\) must come before/));
    assert.equal((await a.createScorer()).score(seed).score, 99);
    // A copy's errors are its own CallriskError class, with the same contract.
    const scorer = await a.createScorer();
    assert.throws(() => scorer.score({ ...seed, spamReports: -1 }), (e) => e instanceof a.CallriskError && e.code === 'CR_E_RANGE' && e.field === 'spam_reports');
    // From a URL: that URL again, or its bytes, resolve; another URL is an Error.
    const b = await freshApi();
    await b.init({ wasmUrl });
    await b.init({ wasmUrl: new URL(wasmUrl) });
    await b.init({ wasmBinary: wasm });
    await assert.rejects(b.init({ wasmUrl: `${wasmUrl}?v=2` }), (e) => /^callrisk: already initialised from wasmUrl .*callrisk\.wasm; wasmUrl .*\?v=2 is another source/.test(e.message));
    // While the first call still loads, a second one naming other bytes is refused too.
    const c = await freshApi();
    const first = c.init();
    const second = c.init({ wasmBinary: empty });
    await first;
    await assert.rejects(second, (e) => /^callrisk: already initialised from the default callrisk\.wasm; wasmBinary holds other bytes/.test(e.message));
    await c.init({ wasmBinary: wasm });
    // A loader's answer is checked; an explicit wasmUrl is not overridden by the loader.
    const d = await freshApi();
    d.setWasmLoader(() => 'callrisk.wasm');
    await assert.rejects(d.init(), misuse(/^callrisk: setWasmLoader\(\)'s loader must give an ArrayBuffer or Uint8Array, got string/));
    await d.init({ wasmUrl });
    assert.equal((await d.createScorer()).score(seed).score, 99);
    // Each copy is its own module: describe() and trainOptions() answer from it.
    assert.deepEqual((await d.trainOptions()).map((o) => o.name), (await trainOptions()).map((o) => o.name));
  });
}
