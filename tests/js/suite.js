// The behavioural suite of the npm package, run by node:test (api.test.mjs)
// and in headless Chromium (tests/browser). `api` is the imported package,
// `golden` the text of tests/golden/default_model.txt (the native goldens).

const SEED_ROWS = [
  { spamReports: 0, hasConsent: false, callAttempts24h: 1, label: 0 },
  { spamReports: 1, hasConsent: true, callAttempts24h: 2, label: 0 },
  { spamReports: 2, hasConsent: true, callAttempts24h: 3, label: 1 },
  { spamReports: 3, hasConsent: true, callAttempts24h: 5, label: 1 },
  { spamReports: 4, hasConsent: true, callAttempts24h: 7, label: 1 },
];
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
export function defineSuite({ test, assert, api, golden, freshApi, wasmUrl, wasm }) {
  const { createScorer, trainModel, loadModel, scoreRequest, createMemoryStore, CallriskError, RISK_LEVELS } = api;

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
  });

  test('scoreRequest keeps the seed /score contract', async () => {
    assert.deepEqual(await scoreRequest({ spam_reports: 5, has_consent: false, call_attempts_24h: 10 }), { score: 99, risk_level: 'HIGH' });
    const s = await createScorer();
    assert.deepEqual(s.scoreRequest({ spam_reports: 0, has_consent: true, call_attempts_24h: 1 }), { score: 11, risk_level: 'LOW' });
    assert.throws(() => s.scoreRequest({ spam_reports: 1, has_consent: 'no', call_attempts_24h: 1 }), (e) => e instanceof TypeError && /has_consent/.test(e.message));
  });

  test('bad arguments are TypeError/RangeError naming the field', async () => {
    const s = await createScorer();
    const cases = [
      [{ hasConsent: true, callAttempts24h: 1 }, TypeError, /^spamReports: required/],
      [{ spamReports: -1, hasConsent: true, callAttempts24h: 1 }, RangeError, /^spamReports: must be an integer >= 0, got -1/],
      [{ spamReports: 1.5, hasConsent: true, callAttempts24h: 1 }, TypeError, /^spamReports: must be an integer/],
      [{ spamReports: '3', hasConsent: true, callAttempts24h: 1 }, TypeError, /^spamReports: must be a number, got string/],
      [{ spamReports: 1, hasConsent: 1, callAttempts24h: 1 }, TypeError, /^hasConsent: must be a boolean/],
      [{ spamReports: 1, hasConsent: true, callAttempts24h: Infinity }, RangeError, /^callAttempts24h: must be a finite number/],
      [{ spamReports: 1, hasConsent: true, callAttempts24h: 2 ** 54 }, RangeError, /^callAttempts24h/],
    ];
    for (const [req, type, re] of cases) assert.throws(() => s.score(req), (e) => e instanceof type && re.test(e.message));
    assert.throws(() => s.score(null), TypeError);
    // Extra fields are ignored, as the seed's pydantic model did.
    assert.equal(s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10, callerNumber: '+1', note: {} }).score, 99);
    // snake_case names are accepted too, and named as written.
    assert.equal(s.score({ spam_reports: 5, has_consent: false, call_attempts_24h: 10 }).score, 99);
    assert.throws(() => s.score({ spam_reports: -2, has_consent: false, call_attempts_24h: 1 }), (e) => /^spam_reports:/.test(e.message));
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
    assert.throws(() => s.scoreBatch(bad), (e) => e instanceof CallriskError && e.code === 'CR_E_TYPE' && e.field === 'has_consent' && e.line === 2);
    assert.throws(() => s.scoreBatch([{ spamReports: 1, hasConsent: true }]), (e) => e instanceof TypeError && /requests\[0\]\.callAttempts24h: required/.test(e.message));
    assert.throws(() => s.scoreBatch(new Float64Array(4)), RangeError);
  });

  test('model bytes and JSON round-trip to the same id; bad bytes are typed errors', async () => {
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
      await assert.rejects(loadModel(input), (e) => e instanceof CallriskError && e.code === code && re.test(e.message));
    };
    await expectCode(bytes.slice(0, 40), 'CR_E_TRUNCATED', /truncated/);
    await expectCode(new Uint8Array([1, 2, 3]), 'CR_E_MAGIC', /bad magic/);
    const flipped = bytes.slice();
    flipped[60] ^= 1;
    await expectCode(flipped, 'CR_E_CHECKSUM', /checksum/);
    await expectCode('{"format":"callrisk-model","version":9}', 'CR_E_VERSION', /version 9/);
    await expectCode('{"format":', 'CR_E_JSON', /JSON/);
    await assert.rejects(loadModel(42), TypeError);
  });

  test('trainModel: the seed rows give the default model, bit for bit', async () => {
    const m = await trainModel(SEED_ROWS);
    assert.equal(m.id, goldenValue(golden, 'model_id'));
    const card = m.card();
    assert.equal(card.solver.converged, true);
    assert.equal(card.training.rows, 5);
  });

  test('trainModel: options, sign constraints, progress and cancellation', async () => {
    const constrained = await trainModel(SEED_ROWS, { signs: { no_consent: 'nonneg' }, C: 2, bands: { high: 80, medium: 50 } });
    assert.equal(constrained.coefficients[1], 0);
    assert.deepEqual(constrained.bands, { high: 80, medium: 50 });
    const seen = [];
    await trainModel(SEED_ROWS, { onProgress: (p) => seen.push(p.iteration) });
    assert.deepEqual(seen.slice(0, 3), [0, 1, 2]);
    await assert.rejects(trainModel(SEED_ROWS, { onProgress: (p) => p.iteration < 2 }), (e) => e.code === 'CR_E_CANCELLED');
    await assert.rejects(trainModel(SEED_ROWS, { C: 0 }), (e) => e instanceof RangeError && /options\.C/.test(e.message));
    await assert.rejects(trainModel(SEED_ROWS, { classWeight: 'heavy' }), (e) => e instanceof TypeError && /classWeight/.test(e.message));
    await assert.rejects(trainModel(SEED_ROWS, { signs: { nope: 'nonneg' } }), (e) => e instanceof RangeError && /signs\.nope/.test(e.message));
    await assert.rejects(trainModel([{ ...SEED_ROWS[0], label: 2 }]), (e) => e instanceof TypeError && /data\[0\]\.label/.test(e.message));
    await assert.rejects(trainModel(SEED_ROWS.slice(0, 2)), (e) => e.code === 'CR_E_DATA' && /both labels/.test(e.message));
    await assert.rejects(trainModel([]), (e) => e.code === 'CR_E_DATA' && /no rows/.test(e.message));
    await assert.rejects(trainModel({ csv: '' }), (e) => e.code === 'CR_E_CSV' && /no header row/.test(e.message));
    const balanced = await trainModel(SEED_ROWS, { classWeight: 'balanced' });
    assert.equal(balanced.card().training.class_weight, 'balanced');
  });

  test('trainModel: CSV text and another schema (no code change)', async () => {
    const csv = 'spam_reports,has_consent,attestation,label\n0,true,1.0,0\n1,true,0.9,0\n2,false,0.2,1\n0,false,0.1,1\n3,false,0.5,1\n1,true,0.8,0\n0,true,0.3,1\n4,true,0.9,0\n';
    const schema = {
      fields: [{ name: 'spam_reports', type: 'count' }, { name: 'has_consent', type: 'bool' }, { name: 'attestation', type: 'real' }],
      features: [{ name: 'spam_reports', field: 'spam_reports' }, { name: 'no_consent', field: 'has_consent', invert: true }, { name: 'attestation', field: 'attestation' }],
    };
    const m = await trainModel({ csv }, { schema });
    assert.deepEqual(m.features, ['spam_reports', 'no_consent', 'attestation']);
    const s = await createScorer({ model: m });
    const r = s.score({ spamReports: 1, hasConsent: true, attestation: 0.25 });
    assert.ok(r.score >= 0 && r.score <= 100);
    // A request for another schema: the model's own field is named.
    assert.throws(() => s.score({ spamReports: 1, hasConsent: true, callAttempts24h: 3 }), (e) => e instanceof TypeError && /^attestation: required/.test(e.message));
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: true, attestation: 0.5 }), (e) => e.code === 'CR_E_SCHEMA');
    await assert.rejects(trainModel({ csv: 'spam_reports,has_consent,attestation,label\n1,maybe,0.5,1\n' }, { schema }),
      (e) => e.code === 'CR_E_TYPE' && e.line === 2 && e.column === 2 && e.field === 'has_consent');
  });

  test('scoreCaller with the in-memory store counts attempts and persists a replayable record', async () => {
    const store = createMemoryStore();
    const s = await createScorer({ store });
    const at = Date.UTC(2026, 10, 25, 12);
    for (const dt of [1, 2, 3, 23.9, 24.5]) store.recordAttempt('+15550001', at - dt * 3600e3);
    store.recordAttempt('+15550002', at - 1000);
    const r = await s.scoreCaller({ callerNumber: '+15550001', spamReports: 5, hasConsent: false, at: new Date(at) });
    assert.equal(r.callAttempts24h, 4);
    assert.equal(store.records.length, 1);
    const rec = store.records[0];
    assert.equal(rec.caller_number, '+15550001');
    assert.equal(rec.at, at);
    assert.deepEqual(rec.inputs, { spam_reports: 5, has_consent: false, call_attempts_24h: 4 });
    assert.equal(rec.model_id, s.model.id);
    assert.equal(rec.score, r.score);
    // The audit: the record replays against the model; an edited one does not.
    assert.equal(s.model.verifyRecord(rec), true);
    assert.throws(() => s.model.verifyRecord({ ...rec, score: rec.score + 1 }),
      (e) => e.code === 'CR_E_MISMATCH' && e.field === 'score');
    // Replay: the stored inputs and model give the stored score.
    const again = s.score({ spamReports: rec.inputs.spam_reports, hasConsent: rec.inputs.has_consent, callAttempts24h: rec.inputs.call_attempts_24h });
    assert.equal(again.probability, rec.probability);
    await assert.rejects(s.scoreCaller({ callerNumber: '', spamReports: 1, hasConsent: true }), (e) => e instanceof RangeError && /callerNumber/.test(e.message));
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: 'yes' }), (e) => e instanceof TypeError && /hasConsent/.test(e.message));
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: true, at: -1 }), (e) => e instanceof RangeError && /^at:/.test(e.message));
    assert.equal(store.records.length, 1);
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
      (e) => e instanceof CallriskError && e.code === 'CR_E_STORE' && e.cause?.message === 'database unavailable');
    const countFails = await createScorer({ store: { countAttempts: () => { throw new Error('no log'); }, saveScore: (r) => records.push(r) } });
    await assert.rejects(countFails.scoreCaller({ callerNumber: '+1555', spamReports: 1, hasConsent: true }), (e) => e.code === 'CR_E_STORE' && e.cause?.message === 'no log');
    const badCount = await createScorer({ store: { countAttempts: async () => 1.5, saveScore: (r) => records.push(r) } });
    await assert.rejects(badCount.scoreCaller({ callerNumber: '+1555', spamReports: 1, hasConsent: true }), (e) => e.code === 'CR_E_STORE' && /integer/.test(e.cause?.message));
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
    await assert.rejects(createScorer({ store: {} }), (e) => e instanceof TypeError && /store/.test(e.message));
    const m = await trainModel(SEED_ROWS);
    m.free();
    m.free();
    assert.throws(() => m.toBytes(), /freed/);
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
  const isState = (e) => e instanceof CallriskError && e.code === 'CR_E_STATE' && /freed/.test(e.message);

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
    assert.equal(r.modelId, goldenValue(golden, 'model_id'));
    assert.equal(r.callAttempts24h, 10);
    assert.equal(records.length, 1);
    assert.equal(records[0].model_id, goldenValue(golden, 'model_id'));
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
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 5, hasConsent: false }), isState);
    for (const call of [() => m.toBytes(), () => m.toCanonicalJSON(), () => m.toJSON(), () => m.card(), () => m.verifyRecord(records[0]),
      () => m.coefficients, () => m.intercept, () => m.bands, () => JSON.stringify(m)]) {
      assert.throws(call, isState);
    }
    await assert.rejects(createScorer({ model: m }), isState);
    const e = (() => { try { m.card(); } catch (x) { return x; } })();
    assert.equal(typeof e.status, 'number');
    // What JS keeps is still readable; a second free() is a no-op.
    assert.equal(m.id, goldenValue(golden, 'model_id'));
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
    assert.equal(`${r.score} ${r.riskLevel} ${r.modelId}`, `99 HIGH ${goldenValue(golden, 'model_id')}`);
    assert.equal(records[0].score, 99);
    assert.throws(() => s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 }), isState);
    // A request getter that frees the model: the call sees it, not freed memory.
    const m2 = await trainModel(SEED_ROWS);
    const s2 = await createScorer({ model: m2 });
    assert.throws(() => s2.score({ spamReports: 5, hasConsent: false, get callAttempts24h() { m2.free(); return 10; } }), isState);
    const m3 = await trainModel(SEED_ROWS);
    const rec = records[0];
    assert.throws(() => m3.verifyRecord({ ...rec, toJSON() { m3.free(); return rec; } }), (e) => e instanceof TypeError || isState(e));
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
  /* ---- issue 10, finding 8: garbage is a typed error naming the field, never a value ---- */

  const named = (type, re) => (e) => e instanceof type && re.test(e.message);

  test('scoreBatch columns: every value checked, named column[index]; 0/1 and typed arrays accepted', async () => {
    const s = await createScorer();
    const ok = { spamReports: [1, 5, 0, 2], hasConsent: [true, false, true, false], callAttempts24h: [1, 10, 0, 3] };
    const want = s.scoreBatch(ok);
    const col = (key, i, v) => ({ ...ok, [key]: ok[key].map((x, j) => (j === i ? v : x)) });
    const bad = [
      [col('hasConsent', 3, null), TypeError, /^hasConsent\[3\]: must be a boolean.*got null/],
      [col('hasConsent', 1, 'false'), TypeError, /^hasConsent\[1\]: must be a boolean/],
      [col('hasConsent', 0, 2), TypeError, /^hasConsent\[0\]: must be a boolean/],
      [col('hasConsent', 2, undefined), TypeError, /^hasConsent\[2\]: must be a boolean/],
      [col('spamReports', 1, '1'), TypeError, /^spamReports\[1\]: must be a number, got string/],
      [col('spamReports', 2, null), TypeError, /^spamReports\[2\]: must be a number, got null/],
      [col('spamReports', 0, true), TypeError, /^spamReports\[0\]: must be a number, got true/],
      [col('spamReports', 3, undefined), TypeError, /^spamReports\[3\]: must be a number, got undefined/],
      [col('callAttempts24h', 1, NaN), RangeError, /^callAttempts24h\[1\]: must be a finite number/],
      [col('callAttempts24h', 1, 1.5), TypeError, /^callAttempts24h\[1\]: must be an integer/],
      [col('callAttempts24h', 1, -1), RangeError, /^callAttempts24h\[1\]: must be an integer >= 0/],
      [col('callAttempts24h', 1, 2 ** 54), RangeError, /^callAttempts24h\[1\]: must be an integer <= 2\^53/],
      [col('callAttempts24h', 1, 10n), TypeError, /^callAttempts24h\[1\]: must be a number, got bigint/],
      [{ ...ok, spamReports: '1502' }, TypeError, /^spamReports: must be an array or typed array, got string/],
      [{ ...ok, spamReports: { length: 4 } }, TypeError, /^spamReports: must be an array/],
      [{ ...ok, spamReports: null }, TypeError, /^spamReports: must be an array/],
      [{ ...ok, spamReports: [1, 2, 3] }, RangeError, /^hasConsent: has 4 values, spamReports has 3/],
      [{ ...ok, spamReports: new BigInt64Array(4) }, TypeError, /^spamReports\[0\]: must be a number, got bigint/],
      [{ ...ok, spamReports: Float64Array.from([1, 5, 0.5, 2]) }, TypeError, /^spamReports\[2\]: must be an integer/],
    ];
    for (const [input, type, re] of bad) assert.throws(() => s.scoreBatch(input), named(type, re));
    // Accepted forms give the same bits as booleans in plain arrays.
    const same = [
      { ...ok, hasConsent: [1, 0, 1, 0] },
      { ...ok, hasConsent: Uint8Array.from([1, 0, 1, 0]), spamReports: Int32Array.from(ok.spamReports), callAttempts24h: Float64Array.from(ok.callAttempts24h) },
      { spam_reports: ok.spamReports, has_consent: ok.hasConsent, call_attempts_24h: ok.callAttempts24h },
    ];
    for (const input of same) {
      const got = s.scoreBatch(input);
      assert.deepEqual([...got.scores], [...want.scores]);
      assert.deepEqual([...got.probabilities], [...want.probabilities]);
    }
    // snake_case columns are named as written.
    assert.throws(() => s.scoreBatch({ spam_reports: [1], has_consent: [null], call_attempts_24h: [1] }), named(TypeError, /^has_consent\[0\]:/));
    // Other input shapes.
    for (const input of [null, undefined, 42, 'rows']) assert.throws(() => s.scoreBatch(input), TypeError);
    for (const input of [new Float32Array(3), new Int32Array(3), new DataView(new ArrayBuffer(24))]) {
      assert.throws(() => s.scoreBatch(input), named(TypeError, /^rows: must be a Float64Array/));
    }
    assert.throws(() => s.scoreBatch([[5, false, 10]]), named(TypeError, /^requests\[0\]: must be an object, got array/));
    assert.throws(() => s.scoreBatch([null]), named(TypeError, /^requests\[0\]: must be an object/));
    // Typed rows are checked by the core, which names row and field.
    assert.throws(() => s.scoreBatch(Float64Array.from([1, 0, 1, 2, 1, NaN])), (e) => e instanceof CallriskError && e.field === 'call_attempts_24h' && e.line === 2);
    assert.throws(() => s.scoreBatch(Float64Array.from([-1, 0, 1])), (e) => e instanceof CallriskError && e.field === 'spam_reports');
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
    for (const req of [null, undefined, 42, 'x', [5, false, 10], true]) assert.throws(() => s.score(req), named(TypeError, /^request: must be an object/));
    const cases = [
      [{ ...ok, spamReports: null }, TypeError, /^spamReports: must be a number, got null/],
      [{ ...ok, spamReports: true }, TypeError, /^spamReports: must be a number, got true/],
      [{ ...ok, spamReports: 1e308 }, RangeError, /^spamReports: must be an integer <= 2\^53/],
      [{ ...ok, spamReports: -Infinity }, RangeError, /^spamReports: must be a finite number/],
      [{ ...ok, spamReports: NaN }, RangeError, /^spamReports: must be a finite number/],
      [{ ...ok, spamReports: 5n }, TypeError, /^spamReports: must be a number, got bigint/],
      [{ ...ok, spamReports: new Number(5) }, TypeError, /^spamReports: must be a number, got object/],
      [{ ...ok, hasConsent: null }, TypeError, /^hasConsent: must be a boolean, got null/],
      [{ ...ok, hasConsent: 0 }, TypeError, /^hasConsent: must be a boolean, got 0/],
      [{ ...ok, hasConsent: 'false' }, TypeError, /^hasConsent: must be a boolean, got string/],
      [{ ...ok, hasConsent: new Boolean(false) }, TypeError, /^hasConsent: must be a boolean/],
    ];
    for (const [req, type, re] of cases) assert.throws(() => s.score(req), named(type, re));
    assert.throws(() => s.scoreRequest({ spam_reports: 5, has_consent: null, call_attempts_24h: 10 }), named(TypeError, /^has_consent: must be a boolean, got null/));
    assert.throws(() => s.scoreRequest(null), named(TypeError, /^body: must be an object/));
    assert.throws(() => s.scoreRequest({ spamReports: 5, hasConsent: false, callAttempts24h: 10 }), named(TypeError, /^spam_reports: required/));
    // A getter answers once; the answer checked is the answer used.
    let n = 0;
    const flip = { spamReports: 5, hasConsent: false, get callAttempts24h() { return n++ === 0 ? 10 : 'garbage'; } };
    assert.equal(s.score(flip).score, 99);
    assert.equal(n, 1);
    n = 0;
    const flipBad = { spamReports: 5, hasConsent: false, get callAttempts24h() { return n++ === 0 ? 'garbage' : 10; } };
    assert.throws(() => s.score(flipBad), named(TypeError, /^callAttempts24h: must be a number, got string/));
    n = 0;
    assert.throws(() => s.scoreBatch([flipBad]), named(TypeError, /^requests\[0\]\.callAttempts24h: must be a number/));
    // A getter that scores something else meanwhile does not change this answer.
    const sneaky = { spamReports: 5, hasConsent: false, get callAttempts24h() { s.score({ spamReports: 0, hasConsent: true, callAttempts24h: 0 }); return 10; } };
    assert.equal(s.score(sneaky).probability, s.score(ok).probability);
    assert.equal(s.scoreRequest({ spam_reports: 5, has_consent: false, get call_attempts_24h() { s.score({ spamReports: 0, hasConsent: true, callAttempts24h: 0 }); return 10; } }).score, 99);
  });

  test('trainModel: every option checked for type, own keys only, unknown keys rejected', async () => {
    const id = goldenValue(golden, 'model_id');
    const rejects = (options, type, re, data = SEED_ROWS) => assert.rejects(trainModel(data, options), named(type, re));
    // bands: integers here, their range in C (its message and field).
    await rejects({ bands: { high: 'abc', medium: 40 } }, TypeError, /^options\.bands\.high: must be an integer, got string/);
    await rejects({ bands: { high: 70.5, medium: 40 } }, TypeError, /^options\.bands\.high: must be an integer/);
    await rejects({ bands: { high: null, medium: 40 } }, TypeError, /^options\.bands\.high: must be an integer, got null/);
    await rejects({ bands: { high: 80 } }, TypeError, /^options\.bands\.medium: required/);
    await rejects({ bands: { high: 80, medium: 40, low: 10 } }, TypeError, /^options\.bands\.low: unknown option/);
    await rejects({ bands: { high: 2 ** 32 + 70, medium: 40 } }, RangeError, /^options\.bands\.high: out of range/);
    await rejects({ bands: [70, 40] }, TypeError, /^options\.bands: must be a plain object/);
    await rejects({ bands: null }, TypeError, /^options\.bands: must be a plain object/);
    await assert.rejects(trainModel(SEED_ROWS, { bands: { high: 150, medium: 40 } }), (e) => e instanceof CallriskError && e.code === 'CR_E_RANGE' && e.field === 'bands');
    await assert.rejects(trainModel(SEED_ROWS, { bands: { high: 0, medium: 0 } }), (e) => e instanceof CallriskError && e.code === 'CR_E_RANGE' && e.field === 'bands');
    // signs: the three names, own properties, strings only.
    await rejects({ signs: { spam_reports: { toString() { return 'nonneg'; } } } }, TypeError, /^options\.signs\.spam_reports: must be 'nonneg', 'nonpos' or 'free', got object/);
    await rejects({ signs: { spam_reports: 'toString' } }, RangeError, /^options\.signs\.spam_reports: must be/);
    await rejects({ signs: { spam_reports: '__proto__' } }, RangeError, /^options\.signs\.spam_reports: must be/);
    await rejects({ signs: { spam_reports: 1 } }, TypeError, /^options\.signs\.spam_reports: must be/);
    await rejects({ signs: { toString: 'nonneg' } }, RangeError, /^options\.signs\.toString: no such feature/);
    await rejects({ signs: ['nonneg'] }, TypeError, /^options\.signs: must be a plain object/);
    // Unknown and inherited options are not read.
    await rejects({ maxIters: 5 }, TypeError, /^options\.maxIters: unknown option/);
    await rejects({ c: 2 }, TypeError, /^options\.c: unknown option/);
    await rejects(Object.create({ C: 1e-6 }), TypeError, /^options: must be a plain object/);
    await rejects(null, TypeError, /^options: must be a plain object, got null/);
    await rejects([], TypeError, /^options: must be a plain object, got array/);
    Object.prototype.C = 1e-6; // eslint-disable-line no-extend-native
    Object.prototype.maxIter = 1; // eslint-disable-line no-extend-native
    try {
      assert.equal((await trainModel(SEED_ROWS, {})).id, id);
    } finally {
      delete Object.prototype.C;
      delete Object.prototype.maxIter;
    }
    // classWeight: 'balanced', 'none', [w0, w1], {0: w0, 1: w1}; nothing else.
    for (const cw of [null, 'heavy', [1], [1, 2, 3], { 0: 1 }, { 0: 1, 1: 2, 2: 3 }, ['1', 2], { 0: 1, 1: null }, 2, true]) {
      await rejects({ classWeight: cw }, TypeError, /^options\.classWeight/);
    }
    for (const cw of [[-1, 1], [1, Infinity], { 0: 1, 1: NaN }]) {
      await assert.rejects(trainModel(SEED_ROWS, { classWeight: cw }), (e) => e instanceof CallriskError && e.code === 'CR_E_RANGE' && e.field === 'class_weight');
    }
    assert.equal((await trainModel(SEED_ROWS, { classWeight: 'none' })).id, id);
    assert.equal((await trainModel(SEED_ROWS, { classWeight: [1, 1] })).card().training.class_weight, 'explicit');
    assert.deepEqual((await trainModel(SEED_ROWS, { classWeight: { 0: 1, 1: 2 } })).card().training.class_weight_values, [1, 2]);
    // The other options.
    await rejects({ C: '1' }, TypeError, /^options\.C: must be a number, got string/);
    await rejects({ C: Infinity }, RangeError, /^options\.C/);
    await rejects({ maxIter: 2 ** 32 + 5 }, RangeError, /^options\.maxIter/);
    await rejects({ maxIter: 1.5 }, RangeError, /^options\.maxIter/);
    await rejects({ tol: null }, TypeError, /^options\.tol: must be a number, got null/);
    await rejects({ fitIntercept: 1 }, TypeError, /^options\.fitIntercept: must be a boolean/);
    await rejects({ onProgress: 'log' }, TypeError, /^options\.onProgress: must be a function/);
    await rejects({ schema: 42 }, TypeError, /^options\.schema: must be JSON text or a plain object/);
    await rejects({ schema: [] }, TypeError, /^options\.schema: must be JSON text or a plain object/);
    await rejects({ schema: new Map() }, TypeError, /^options\.schema/);
    // Rows: label 0/1/true/false, weight a finite number >= 0.
    const row = (extra) => [{ ...SEED_ROWS[0], ...extra }, ...SEED_ROWS.slice(1)];
    for (const label of ['1', null, undefined, 2, 0.5, NaN]) await rejects({}, TypeError, /^data\[0\]\.label: must be 0, 1, true or false/, row({ label }));
    for (const weight of [null, '2', true]) await rejects({}, TypeError, /^data\[0\]\.weight: must be a number/, row({ weight }));
    for (const weight of [-1, NaN, Infinity]) await rejects({}, RangeError, /^data\[0\]\.weight: must be a finite number >= 0/, row({ weight }));
    await rejects({}, TypeError, /^data\[0\]\.hasConsent: must be a boolean, got null/, row({ hasConsent: null }));
    await rejects({}, TypeError, /^data\[1\]: must be an object/, [SEED_ROWS[0], null]);
    for (const data of [null, 'a,b', { csv: 42 }, { csv: 'x', schema: {} }, new Map()]) await rejects({}, TypeError, /^data: must be/, data);
    await assert.rejects(trainModel(), named(TypeError, /^data: must be/));
    assert.equal((await trainModel(SEED_ROWS.map((r) => ({ ...r, label: r.label === 1 })))).id, id);
  });

  test('scoreCaller: at is whole ms in 0..8.64e15 or a valid Date; bad input stores nothing', async () => {
    let asked = 0;
    const records = [];
    const s = await createScorer({ store: { countAttempts: () => { asked++; return 1; }, saveScore: (r) => records.push(r) } });
    const req = { callerNumber: '+15550199', spamReports: 5, hasConsent: false };
    const bad = [
      [{ ...req, at: 1.5 }, RangeError, /^at: must be/],
      [{ ...req, at: 1764072000000.5 }, RangeError, /^at: must be/],
      [{ ...req, at: NaN }, RangeError, /^at: must be/],
      [{ ...req, at: Infinity }, RangeError, /^at: must be/],
      [{ ...req, at: -1 }, RangeError, /^at: must be/],
      [{ ...req, at: 8.64e15 + 2 }, RangeError, /^at: must be/],
      [{ ...req, at: new Date(NaN) }, RangeError, /^at: must be a valid Date/],
      [{ ...req, at: new Date(-1000) }, RangeError, /^at: must be a valid Date/],
      [{ ...req, at: '2026-11-25' }, TypeError, /^at: must be a Date or ms since 1970, got string/],
      [{ ...req, at: null }, TypeError, /^at: must be a Date or ms since 1970, got null/],
      [{ ...req, at: 1764072000000n }, TypeError, /^at: must be a Date or ms/],
      [{ ...req, callerNumber: 15550199 }, TypeError, /^callerNumber: must be a string, got 15550199/],
      [{ ...req, callerNumber: '+1\u00e9' }, RangeError, /^callerNumber: must be 1 to 64 printable ASCII/],
      [{ ...req, hasConsent: null }, TypeError, /^hasConsent: must be a boolean, got null/],
      [{ ...req, spamReports: '5' }, TypeError, /^spamReports: must be a number, got string/],
    ];
    for (const [input, type, re] of bad) await assert.rejects(s.scoreCaller(input), named(type, re));
    for (const options of [null, [], 'ctx', { ctx: 1 }]) await assert.rejects(s.scoreCaller(req, options), named(TypeError, /^options/));
    for (const input of [null, [], 'x']) await assert.rejects(s.scoreCaller(input), named(TypeError, /^request: must be an object/));
    assert.equal(asked, 0);
    assert.equal(records.length, 0);
    // Whole ms and valid Dates are accepted, the Date as its ms.
    assert.equal((await s.scoreCaller({ ...req, at: 1764072000000 })).at, 1764072000000);
    assert.equal((await s.scoreCaller({ ...req, at: new Date(1764072000001) })).at, 1764072000001);
    assert.equal((await s.scoreCaller({ ...req, at: 0 })).at, 0);
    assert.equal(records.length, 3);
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
      saveScore(record, context) {
        seen.push(['save', record.caller_number, context]);
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
  });

  test('the rest of the API: createScorer, loadModel, verifyRecord, init reject wrong types by name', async () => {
    const { init } = api;
    await assert.rejects(createScorer(null), named(TypeError, /^options: must be a plain object, got null/));
    await assert.rejects(createScorer([]), named(TypeError, /^options: must be a plain object/));
    await assert.rejects(createScorer({ modle: 'x' }), named(TypeError, /^options\.modle: unknown option/));
    await assert.rejects(createScorer({ store: null }), named(TypeError, /^store: must have/));
    await assert.rejects(createScorer({ store: { countAttempts: () => 0, saveScore: 'db' } }), named(TypeError, /^store: must have/));
    await assert.rejects(createScorer({ model: null }), named(TypeError, /^model: must be/));
    for (const source of [null, undefined, 42, true, [1, 2], new Map(), new Date()]) await assert.rejects(loadModel(source), named(TypeError, /^model: must be/));
    await assert.rejects(loadModel({ format: 'callrisk-model', big: 1n }), named(TypeError, /^model: not JSON-serialisable/));
    const s = await createScorer();
    const bytes = s.model.toBytes();
    // Any view of the bytes is bytes.
    const padded = new Uint8Array(bytes.length + 16);
    padded.set(bytes, 8);
    assert.equal((await loadModel(new DataView(padded.buffer, 8, bytes.length))).id, s.model.id);
    assert.equal((await loadModel(padded.subarray(8, 8 + bytes.length))).id, s.model.id);
    for (const record of [null, undefined, 42, [], new Date()]) assert.throws(() => s.model.verifyRecord(record), named(TypeError, /^record: must be a score record/));
    assert.throws(() => s.model.verifyRecord({ x: 1n }), named(TypeError, /^record: not JSON-serialisable/));
    await assert.rejects(init(null), named(TypeError, /^options: must be a plain object/));
    await assert.rejects(init({ wasmBinary: 'callrisk.wasm' }), named(TypeError, /^wasmBinary: must be/));
    await assert.rejects(init({ wasmUrl: 42 }), named(TypeError, /^wasmUrl: must be/));
    await assert.rejects(init({ binary: new Uint8Array(1) }), named(TypeError, /^options\.binary: unknown option/));
    await init();
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
      (e) => e instanceof CallriskError && e.code === 'CR_E_STORE' && e.cause?.message === 'then trap');
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

  test('no negative zero: a record at the baseline verifies after JSON.stringify; -0 in a model JSON is 0', async () => {
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

  /* ---- issue 10, finding 3: the validity oracle ---- */

  test('property: hostile models and requests give a typed error or a valid result; batches equal score() bit for bit', async () => {
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

    // Values for a field, and sometimes garbage (then `bad` names the field).
    const valueFor = (type, r, name) => {
      if (rand() < 0.06) {
        r.bad.push(name);
        const garbage = [NaN, Infinity, -Infinity, '3', null, true, undefined, 1n, {}];
        return pick(type === 'bool' ? [0, 1, null, 'true', undefined] : type === 'count' ? [...garbage, -1, 1.5, 2 ** 53 + 2] : garbage);
      }
      if (type === 'bool') return rand() < 0.5;
      if (type === 'count') return pick([0, 1, 2, 7, 1000, 2 ** 53, 2 ** 53 - 1, int(2 ** 30), int(100)]);
      return real();
    };
    const requestFor = (fields) => {
      const r = { bad: [], values: {} };
      for (const f of fields) r.values[camelKey(f.name)] = valueFor(f.type, r, f.name);
      return r;
    };
    const show = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x === undefined || (typeof x === 'number' && !Number.isFinite(x)) ? String(x) : x));
    const camelKey = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

    const CODES = new Set(['CR_E_RANGE', 'CR_E_TYPE', 'CR_E_MISSING', 'CR_E_SCHEMA', 'CR_E_NONFINITE', 'CR_E_COUNT', 'CR_E_JSON', 'CR_E_DATA', 'CR_E_CHECKSUM']);
    const stats = { models: 0, refused: 0, results: 0, errors: 0, batches: 0, callers: 0 };
    const typedError = (e, where, { jsOk = true } = {}) => {
      const ok = (e instanceof CallriskError && CODES.has(e.code)) || (jsOk && (e instanceof TypeError || e instanceof RangeError));
      assert.ok(ok, `${where}: ${e?.name} ${e?.code ?? ''} ${e?.message}`);
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
        typedError(e, `train ${k}`, { jsOk: false });
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
          typedError(e, `load ${show(j.coef)}`, { jsOk: false });
          stats.refused++;
        }
      }
    }

    for (const [mi, model] of [...models, ...mutants].entries()) {
      stats.models++;
      const records = [];
      const s = await createScorer({ model, store: {
        countAttempts: (caller) => (caller.endsWith('a') ? delay(0).then(() => 2 ** 53) : Number(caller.slice(2)) % 50),
        saveScore: (rec) => { records.push(rec); },
      } });
      const reqs = Array.from({ length: 40 }, () => requestFor(model.fields));
      const good = [];
      for (const [i, r] of reqs.entries()) {
        const where = `model ${mi} (${model.id.slice(0, 8)}) request ${i} ${show(r.values)}`;
        let out;
        try {
          out = s.score(r.values);
        } catch (e) {
          typedError(e, where, { jsOk: r.bad.length > 0 });
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
      else typedError(wholeError ?? new Error('a batch with refused rows was scored'), `model ${mi} whole batch`);
      // scoreCaller: the store counts; the record it gets is finite JSON and replays.
      for (const [i, r] of reqs.slice(0, 6).entries()) {
        const caller = `+1${i * 7}${i % 2 ? 'a' : ''}`;
        const where = `model ${mi} scoreCaller ${i} ${show(r.values)}`;
        const bad = r.bad.filter((name) => name !== 'call_attempts_24h').length > 0; // the store gives that one
        let out;
        try {
          out = await s.scoreCaller({ ...r.values, callerNumber: caller, at: 1764072000000 + i });
        } catch (e) {
          assert.ok(e?.code !== 'CR_E_STORE', `${where}: the store never fails, got ${e?.message}`);
          typedError(e, where, { jsOk: bad });
          continue;
        }
        assert.equal(bad, false, `${where}: garbage was scored`);
        checkResult(out, model, where);
        const rec = records.at(-1);
        const text = JSON.stringify(rec);
        assert.ok(finiteJson(rec), `${where}: record ${text}`);
        assert.equal(JSON.stringify(JSON.parse(text)), text);
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

  test('a field given under both spellings is a TypeError naming both, in every entry', async () => {
    const records = [];
    const s = await createScorer({ store: { countAttempts: () => 10, saveScore: (r) => records.push(r) } });
    const ok = { spamReports: 5, hasConsent: false, callAttempts24h: 10 };
    const twice = /^spamReports\/spam_reports: given twice/;
    // Before, score() took the camelCase value (99) and scoreRequest() the C name's (0).
    assert.throws(() => s.score({ ...ok, spam_reports: 0 }), named(TypeError, twice));
    assert.throws(() => s.scoreRequest({ spam_reports: 0, has_consent: false, call_attempts_24h: 10, spamReports: 99 }), named(TypeError, twice));
    assert.throws(() => s.scoreRequest({ spam_reports: 5, has_consent: false, call_attempts_24h: 10, callAttempts24h: 0 }),
      named(TypeError, /^callAttempts24h\/call_attempts_24h: given twice/));
    assert.throws(() => s.scoreBatch([ok, { ...ok, has_consent: true }]), named(TypeError, /^requests\[1\]\.hasConsent\/has_consent: given twice/));
    assert.throws(() => s.scoreBatch({ spamReports: [5], spam_reports: [0], hasConsent: [false], callAttempts24h: [10] }), named(TypeError, twice));
    await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 5, spam_reports: 0, hasConsent: false }), named(TypeError, twice));
    // The caller too: before, it was stored under callerNumber's value.
    await assert.rejects(s.scoreCaller({ callerNumber: 'A', caller_number: 'B', spamReports: 5, hasConsent: false }),
      named(TypeError, /^callerNumber\/caller_number: given twice/));
    await assert.rejects(trainModel([...SEED_ROWS.slice(1), { ...SEED_ROWS[0], call_attempts_24h: 1 }]),
      named(TypeError, /^data\[4\]\.callAttempts24h\/call_attempts_24h: given twice/));
    assert.equal(records.length, 0);
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
    assert.equal((await s.scoreCaller({ callerNumber: '+1', a_b: 0, aB: 5, x_1_y: 1, x1_y: 0 })).probability, want.probability);
    // A key read once: a field with one spelling has its getter asked once.
    let asked = 0;
    assert.equal(s.score({ get a_b() { asked++; return 0; }, get aB() { asked++; return 5; }, x_1_y: 1, x1_y: 0, callAttempts24h: 2 }).probability, want.probability);
    assert.equal(asked, 2);
    // The colliding camelCase forms give no field.
    assert.throws(() => s.score({ aB: 5, x_1_y: 1, x1_y: 0, callAttempts24h: 2 }), named(TypeError, /^a_b: required/));
    assert.throws(() => s.score({ a_b: 0, aB: 5, x1Y: 1, callAttempts24h: 2 }), named(TypeError, /^x_1_y: required/));
    assert.throws(() => s.scoreBatch({ aB: [5], x_1_y: [1], x1_y: [0], callAttempts24h: [2] }), named(TypeError, /^a_b: must be an array/));
  });

  test('fields are own properties or a class prototype\'s, never Object.prototype\'s', async () => {
    const s = await createScorer();
    const ok = { spamReports: 5, hasConsent: false, callAttempts24h: 10 };
    const want = s.score(ok);
    const polluted = { hasConsent: false, has_consent: true, callerNumber: '+1', caller_number: '+2', at: 5, label: 1, weight: 0, spamReports: [5] };
    for (const [k, v] of Object.entries(polluted)) Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true });
    try {
      // Before, the polluted hasConsent filled the missing field.
      assert.throws(() => s.score({ spamReports: 5, callAttempts24h: 10 }), named(TypeError, /^hasConsent: required/));
      assert.throws(() => s.scoreRequest({ spam_reports: 5, call_attempts_24h: 10 }), named(TypeError, /^has_consent: required/));
      assert.throws(() => s.scoreBatch([ok, { spamReports: 5, callAttempts24h: 10 }]), named(TypeError, /^requests\[1\]\.hasConsent: required/));
      assert.throws(() => s.scoreBatch({ hasConsent: [false], callAttempts24h: [10] }), named(TypeError, /^spamReports: must be an array/));
      await assert.rejects(s.scoreCaller({ spamReports: 5, hasConsent: false }), named(TypeError, /^callerNumber: must be a string, got undefined/));
      const r = await s.scoreCaller({ callerNumber: '+3', spamReports: 5, hasConsent: false });
      assert.ok(r.at > 5, 'at defaults to now');
      await assert.rejects(trainModel([{ spamReports: 1, hasConsent: true, callAttempts24h: 1 }]), named(TypeError, /^data\[0\]\.label: must be 0, 1/));
      assert.equal((await trainModel(SEED_ROWS)).id, goldenValue(golden, 'model_id')); // weights 1, not 0
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
    assert.throws(() => s.score(bare), named(TypeError, /^hasConsent: required/));
    // Fields named like Object.prototype's own keys: given, they count; missing, they are missing.
    const m = await trainModel({ csv: 'constructor,toString,label\n0,1,0\n1,0,1\n2,1,1\n0,0,0\n' }, { schema: {
      fields: [{ name: 'constructor', type: 'real' }, { name: 'toString', type: 'real' }],
      features: [{ name: 'c', field: 'constructor' }, { name: 't', field: 'toString' }],
    } });
    const sm = await createScorer({ model: m });
    assert.ok(sm.score({ constructor: 1, toString: 0 }).score >= 0);
    assert.throws(() => sm.score({ toString: 0 }), named(TypeError, /^constructor: required/));
    assert.throws(() => sm.score({ constructor: 1 }), named(TypeError, /^toString: required/));
  });

  test('a field named like a key of the entry (label, weight; callerNumber, caller_number, at) is refused, not read twice', async () => {
    const schema = (name) => ({
      fields: [{ name, type: 'real' }, { name: 'call_attempts_24h', type: 'count' }],
      features: [{ name: 'f', field: name }, { name: 'a', field: 'call_attempts_24h' }],
    });
    const isSchema = (field) => (e) => e instanceof CallriskError && e.code === 'CR_E_SCHEMA' && e.field === field;
    // Before, a field `label` was trained as the label and as a feature.
    for (const name of ['label', 'weight']) {
      await assert.rejects(trainModel([{ [name]: 1, callAttempts24h: 1, label: 1 }, { [name]: 0, callAttempts24h: 0, label: 0 }], { schema: schema(name) }), isSchema(name));
    }
    // Before, a field `at` was scoreCaller's time as well.
    for (const name of ['at', 'caller_number', 'callerNumber']) {
      const m = await trainModel({ csv: `${name},call_attempts_24h,label\n1,2,1\n0,1,0\n2,1,1\n0,2,0\n` }, { schema: schema(name) });
      const s = await createScorer({ model: m, store: { countAttempts: () => 1, saveScore() {} } });
      assert.ok(s.score({ [name]: 1, callAttempts24h: 1 }).score >= 0);
      await assert.rejects(s.scoreCaller({ callerNumber: '+1', [name]: 1, at: 1764072000000 }), isSchema(name));
    }
  });

  test("siblings: a store's methods are its own or its class's; text that is not Unicode names its argument; echoed keys and URLs are cut", async () => {
    // Object.prototype gives no store method.
    for (const k of ['countAttempts', 'saveScore']) Object.defineProperty(Object.prototype, k, { value: () => 0, configurable: true, writable: true });
    try {
      await assert.rejects(createScorer({ store: {} }), named(TypeError, /^store: must have/));
      await assert.rejects(createScorer({ store: { countAttempts: () => 1 } }), named(TypeError, /^store: must have/));
    } finally {
      delete Object.prototype.countAttempts;
      delete Object.prototype.saveScore;
    }
    class SqlStore {
      constructor() { this.saved = []; }
      countAttempts() { return 10; }
      saveScore(record) { this.saved.push(record); }
    }
    const sql = new SqlStore();
    assert.equal((await (await createScorer({ store: sql })).scoreCaller({ callerNumber: '+1', spamReports: 5, hasConsent: false })).score, 99);
    assert.equal(sql.saved.length, 1);
    // A lone surrogate would reach the core as U+FFFD.
    const notUnicode = (what) => named(TypeError, new RegExp(`^${what}: not well-formed Unicode \\(a lone surrogate at index 3\\)`));
    await assert.rejects(trainModel({ csv: 'x,y\ud800,label\n' }), notUnicode('data\\.csv'));
    await assert.rejects(trainModel({ csv: 'a,b' }, { schema: '{"f\udc00":1}' }), notUnicode('options\\.schema'));
    await assert.rejects(loadModel('{"f\ud800":1}'), notUnicode('model'));
    const s = await createScorer();
    assert.throws(() => s.model.verifyRecord('{"c\udbff":1}'), notUnicode('record'));
    // A key or URL the caller gave is shown cut to a few dozen characters, printable.
    const long = 'k'.repeat(100000);
    const messageOf = async (p) => p.then(() => assert.fail('resolved'), (e) => e.message);
    for (const message of [
      await messageOf(createScorer({ [long]: 1 })),
      await messageOf(createScorer({ ['\ud800x']: 1 })),
      await messageOf(trainModel(SEED_ROWS, { signs: { [long]: 'nonneg' } })),
      await messageOf(trainModel(SEED_ROWS, { signs: { spam_reports: long } })),
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
    await assert.rejects(a.init({ wasmBinary: wasm, wasmUrl }), named(TypeError, /^wasmBinary, wasmUrl: give one source/));
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
    await assert.rejects(d.init(), named(TypeError, /^callrisk: setWasmLoader\(\)'s loader must give an ArrayBuffer or Uint8Array, got string/));
    await d.init({ wasmUrl });
    assert.equal((await d.createScorer()).score(seed).score, 99);
  });
}
