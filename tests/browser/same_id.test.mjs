// The same model id in headless Chromium: each case of
// tests/golden/same_id/ids.json trained in a page by the package's browser
// entry (js/browser.js, served from a loopback server), the page fetching
// the CSV and the schema itself; each must give ids.json's model_id, with no
// page error and no console error. (Node and the CLIs: tests/js/same_id.test.mjs.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveFiles } from '../support/chromium.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GOLDEN = join(ROOT, 'tests/golden/same_id');
const { cases: CASES } = JSON.parse(readFileSync(join(GOLDEN, 'ids.json'), 'utf8'));

/** js/ and the fixtures, and an empty page. */
const serve = () => serveFiles({ root: ROOT, dirs: ['js', 'tests/golden/same_id'], pages: { '/same_id.html': '<!doctype html><meta charset="utf-8"><title>callrisk same id</title>' } });

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
