// Runs tests/js/suite.js in headless Chromium (Debian's chromium, driven by
// playwright-core) against js/browser.js, served from a loopback server.
import assert from 'node:assert/strict';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../support/chromium.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.txt': 'text/plain' };

function serve() {
  const server = createServer((req, res) => {
    // /copy/<n>/js/… is /js/…: index.html's copies of the glue, each its own module graph.
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/copy\/\d+\/js\//, '/js/');
    const path = normalize(join(ROOT, pathname));
    if (!path.startsWith(ROOT) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('the behavioural suite passes in headless Chromium', { timeout: 120000 }, async (t) => {
  const server = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/tests/browser/index.html`);
    const results = await page.waitForFunction(() => window.__results, null, { timeout: 60000 }).then((h) => h.jsonValue());
    t.diagnostic(`${await browser.version()}: ${results.filter((r) => r.ok && !r.todo).length}/${results.length} passed`);
    for (const r of results) if (r.todo) t.diagnostic(`todo (${r.error ? 'fails' : 'passes'}): ${r.name}: ${r.todo}${r.error ? `: ${r.error}` : ''}`);
    for (const r of results) assert.ok(r.ok, `${r.name}: ${r.error}`);
    assert.ok(results.length >= 10, 'the suite did not run');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
