// The shipped glue (js/dist/callrisk.js, as scripts/bundle-js.mjs makes it)
// compiles callrisk.wasm while it downloads where it can, and from its bytes
// where it cannot: in headless Chromium and in Node, over loopback, with the
// Content-Type a server may give. compileStreaming takes only
// application/wasm; any other type (or none) must still load the module,
// and bytes that are not wasm must give the same message either way.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium } from '../support/chromium.mjs';
import { ROOT } from './tarball.mjs';

const DEFAULT_MODEL_ID = '2033a8d95ed7b3b1a764b228893ac02e633770cebf541da97791d47eec0fb530';
const HTML = '<!doctype html>\n<meta charset="utf-8">\n<title>not wasm</title>\n';
// /wasm/<case>/callrisk.wasm: the module (or a page) with that case's Content-Type.
const CASES = {
  wasm: { type: 'application/wasm', body: 'wasm' },
  'wasm-with-parameter': { type: 'application/wasm; charset=binary', body: 'wasm' },
  octet: { type: 'application/octet-stream', body: 'wasm' },
  untyped: { type: null, body: 'wasm' },
  'page-as-wasm': { type: 'application/wasm', body: 'html' },
  page: { type: 'text/html', body: 'html' },
};

let server;
let base;
let browser;
const glue = readFileSync(join(ROOT, 'js/dist/callrisk.js'));
const wasm = readFileSync(join(ROOT, 'js/dist/callrisk.wasm'));

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const m = path.match(/^\/wasm\/([\w-]+)\/callrisk\.wasm$/);
    if (path === '/callrisk.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(glue);
    else if (path === '/callrisk.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(wasm); // the default URL
    else if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(HTML);
    else if (path === '/favicon.ico') res.writeHead(204).end();
    else if (m && CASES[m[1]]) {
      const c = CASES[m[1]];
      res.writeHead(200, c.type ? { 'content-type': c.type } : {}).end(c.body === 'wasm' ? wasm : HTML);
    } else res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server.close(resolve));
});

/** In a fresh page: init from `wasmUrl` (or the default), score the seed's case; compileStreaming's outcomes are counted. */
async function inPage(wasmUrl) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.addInitScript(() => {
      const compileStreaming = WebAssembly.compileStreaming;
      globalThis.__streams = [];
      WebAssembly.compileStreaming = (r) => compileStreaming.call(WebAssembly, r).then(
        (m) => { globalThis.__streams.push('compiled'); return m; },
        (e) => { globalThis.__streams.push('failed'); throw e; });
    });
    await page.goto(`${base}/`);
    return await page.evaluate(async (url) => {
      const api = await import('/callrisk.js');
      try {
        await api.init(url ? { wasmUrl: url } : undefined);
        const r = (await api.createScorer()).score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
        // The module's own bytes given again resolve; other bytes do not (the bytes come from the streamed copy).
        const bytes = new Uint8Array(await (await fetch(url ?? '/callrisk.wasm')).arrayBuffer());
        await api.init({ wasmBinary: bytes });
        const other = await api.init({ wasmBinary: bytes.slice(0, 8) }).then(() => 'resolved', (e) => e.message);
        return { score: r.score, id: r.modelId, other, streams: globalThis.__streams };
      } catch (e) {
        return { error: e.message, streams: globalThis.__streams };
      }
    }, wasmUrl && `${base}${wasmUrl}`);
  } finally {
    await context.close();
  }
}

/** The same in a fresh Node process importing the generated file. */
function inNode(wasmUrl) {
  const script = `
    const api = await import(${JSON.stringify(join(ROOT, 'js/dist/callrisk.js'))});
    try {
      await api.init({ wasmUrl: ${JSON.stringify(wasmUrl)} });
      const r = (await api.createScorer()).score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
      console.log(JSON.stringify({ score: r.score, id: r.modelId }));
    } catch (e) {
      console.log(JSON.stringify({ error: e.message }));
    }`;
  // Asynchronously: the server answering the child runs in this process.
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))));
  });
}

const NOT_WASM = /^callrisk: .*callrisk\.wasm is not a wasm module \(it starts 3c 21 64 6f\); check wasmUrl$/;

test('Chromium: application/wasm compiles while downloading; another type or none loads from the bytes', { timeout: 120000 }, async () => {
  const OTHER = /^callrisk: already initialised from .*; wasmBinary holds other bytes/;
  const loaded = (streams) => ({ score: 99, id: DEFAULT_MODEL_ID, other: true, streams });
  const results = {
    default: await inPage(undefined),
    wasm: await inPage('/wasm/wasm/callrisk.wasm'),
    octet: await inPage('/wasm/octet/callrisk.wasm'),
    untyped: await inPage('/wasm/untyped/callrisk.wasm'),
    'wasm-with-parameter': await inPage('/wasm/wasm-with-parameter/callrisk.wasm'),
  };
  for (const r of Object.values(results)) r.other = OTHER.test(r.other);
  assert.deepEqual(results.default, loaded(['compiled']));
  assert.deepEqual(results.wasm, loaded(['compiled']));
  assert.deepEqual(results.octet, loaded([]));
  assert.deepEqual(results.untyped, loaded([]));
  // Chromium may take or refuse a parameter after the type: either way the module loads.
  assert.equal(results['wasm-with-parameter'].score, 99);
});

test('Chromium: a page where the module should be is the same error whether or not it was streamed', { timeout: 120000 }, async () => {
  const streamed = await inPage('/wasm/page-as-wasm/callrisk.wasm');
  assert.deepEqual(streamed.streams, ['failed']);
  assert.match(streamed.error, NOT_WASM);
  const fetched = await inPage('/wasm/page/callrisk.wasm');
  assert.deepEqual(fetched.streams, []);
  assert.match(fetched.error, NOT_WASM);
});

test('Node: an http(s) wasmUrl loads with any Content-Type; a page there is the same error', { timeout: 120000 }, async () => {
  for (const c of ['wasm', 'octet', 'untyped']) {
    assert.deepEqual(await inNode(`${base}/wasm/${c}/callrisk.wasm`), { score: 99, id: DEFAULT_MODEL_ID }, c);
  }
  for (const c of ['page-as-wasm', 'page']) assert.match((await inNode(`${base}/wasm/${c}/callrisk.wasm`)).error, NOT_WASM, c);
});
