// The same model id in headless Chromium: each case of
// tests/golden/same_id/ids.json trained in a page by the package's browser
// entry (js/browser.js, served from a loopback server), the page fetching
// the CSV and the schema itself; each must give ids.json's model_id, with no
// page error and no console error. (Node and the CLIs: tests/js/same_id.test.mjs.)
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../support/chromium.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GOLDEN = join(ROOT, 'tests/golden/same_id');
const { cases: CASES } = JSON.parse(readFileSync(join(GOLDEN, 'ids.json'), 'utf8'));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.csv': 'text/csv', '.json': 'application/json' };

/** js/ and the fixtures, an empty page at /same_id.html, and no favicon (204, not a 404 console error). */
function serve() {
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (pathname === '/same_id.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><title>callrisk same id</title>');
      return;
    }
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const path = normalize(join(ROOT, pathname));
    const allowed = [join(ROOT, 'js') + sep, GOLDEN + sep].some((d) => path.startsWith(d));
    if (!allowed || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test("trainModel in headless Chromium gives ids.json's model ids", { timeout: 120000 }, async (t) => {
  const server = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()} (${m.location()?.url ?? ''})`));
    await page.goto(`http://127.0.0.1:${server.address().port}/same_id.html`);
    const got = await page.evaluate(async (cases) => {
      const { trainModel } = await import('/js/browser.js');
      const text = async (name) => {
        const r = await fetch(`/tests/golden/same_id/${name}`);
        if (!r.ok) throw new Error(`GET ${name}: ${r.status}`);
        return r.text();
      };
      const ids = {};
      for (const c of cases) {
        const csv = await text(c.csv);
        const options = c.schema === null ? { ...c.options } : { ...c.options, schema: await text(c.schema) };
        const m = await trainModel({ csv }, options);
        try {
          ids[c.name] = { id: m.id, card: m.card().model_id };
        } finally {
          m.free();
        }
      }
      return ids;
    }, CASES);
    t.diagnostic(await browser.version());
    for (const c of CASES) assert.deepEqual(got[c.name], { id: c.model_id, card: c.model_id }, c.name);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
