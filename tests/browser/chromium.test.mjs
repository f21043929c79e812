// Runs tests/js/suite.js in headless Chromium (Debian's chromium, driven by
// playwright-core) against js/browser.js, served from a loopback server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveFiles } from '../support/chromium.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// /copy/<n>/js/… is /js/…: index.html's copies of the glue, each its own module graph.
const serve = () => serveFiles({ root: ROOT, rewrite: (p) => p.replace(/^\/copy\/\d+\/js\//, '/js/') });

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
