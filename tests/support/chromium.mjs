// Headless Chromium for the tests (Debian's chromium driven by
// playwright-core): one launch, the same flags everywhere.
import assert from 'node:assert/strict';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A launched browser; fails with what to install when Chromium is missing. */
export async function launchChromium() {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (scripts/setup.sh --tests installs Debian's chromium)`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.txt': 'text/plain', '.csv': 'text/csv', '.json': 'application/json',
};

/**
 * A loopback server for a test page: the files of `root` under `dirs`
 * (relative folders; '' for all of root), the generated `pages` (path ->
 * HTML), a 204 for /favicon.ico (no 404 console error), 404 for the rest.
 * `rewrite` maps a request's path first. Resolves once listening; its
 * `url(path)` is the address of a path.
 */
export function serveFiles({ root, dirs = [''], pages = {}, rewrite = (p) => p }) {
  const allowed = dirs.map((d) => (d ? join(root, d) + sep : root));
  const server = createServer((req, res) => {
    const pathname = rewrite(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (Object.hasOwn(pages, pathname)) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(pages[pathname]);
      return;
    }
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const path = normalize(join(root, pathname));
    if (!allowed.some((d) => path.startsWith(d)) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  server.url = (path) => `http://127.0.0.1:${server.address().port}${path}`;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
