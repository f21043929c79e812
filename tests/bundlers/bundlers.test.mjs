// A tiny web app, built from the packed tarball (npm pack -> install the
// .tgz into a fresh app directory) by each mainstream bundler with no
// configuration beyond what the README's recipe says, served over loopback
// and loaded in headless Chromium: the seed's case gives 99 HIGH with the
// default model id, the page logs no error and fails no request, and the
// build output holds callrisk.wasm byte for byte. Then the same for Node:
// an esbuild --platform=node bundle and a webpack target: 'node' bundle,
// each run from a directory without node_modules.
//
// The bundlers are this directory's own dev dependencies (package.json,
// package-lock.json), never the package's: `npm ci --prefix tests/bundlers`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, relative, sep } from 'node:path';
import { test } from 'node:test';
import { installInto, pack, ROOT } from '../package/tarball.mjs';
import { launchChromium } from '../support/chromium.mjs';

const HERE = join(ROOT, 'tests/bundlers');
const DEFAULT_MODEL_ID = '2033a8d95ed7b3b1a764b228893ac02e633770cebf541da97791d47eec0fb530';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

// The app: what a user writes. app.js is shared; main.js is the whole entry
// for Vite, webpack and Rollup; main-esbuild.js adds the README's esbuild
// recipe (esbuild does not emit `new URL(…, import.meta.url)` assets).
const APP = {
  'src/app.js': `
    import { createScorer, RISK_LEVELS } from 'callrisk';

    export async function run() {
      const scorer = await createScorer();
      const r = scorer.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
      return { score: r.score, riskLevel: r.riskLevel, modelId: r.modelId, levels: [...RISK_LEVELS] };
    }
  `,
  'src/main.js': `
    import { run } from './app.js';

    run().then((r) => { globalThis.__result = r; }, (e) => { globalThis.__result = { error: String(e?.stack ?? e) }; });
  `,
  'src/main-esbuild.js': `
    import wasmUrl from 'callrisk/callrisk.wasm';
    import { init } from 'callrisk';
    import { run } from './app.js';

    init({ wasmUrl: new URL(wasmUrl, import.meta.url) })
      .then(run)
      .then((r) => { globalThis.__result = r; }, (e) => { globalThis.__result = { error: String(e?.stack ?? e) }; });
  `,
  'index.html': '<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<title>callrisk app</title>\n<script type="module" src="/src/main.js"></script>\n',
};
// (The empty icon: no favicon.ico request to log a 404.)
const page = (script, module = true) => `<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<title>callrisk app</title>\n<script${module ? ' type="module"' : ''} src="./${script}"></script>\n`;

function files(dir) {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile());
}

function serve(dir) {
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const path = normalize(join(dir, rel.endsWith('/') ? `${rel}index.html` : rel));
    if (!path.startsWith(dir + sep) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Loads `url` in a fresh page: the app's result, and every error the page showed. */
async function load(browser, url) {
  const context = await browser.newContext();
  const p = await context.newPage();
  const errors = [];
  const wasm = [];
  p.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  p.on('pageerror', (e) => errors.push(`pageerror: ${e}`));
  p.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  p.on('response', async (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
    if (new URL(r.url()).pathname.endsWith('.wasm')) wasm.push({ url: r.url(), status: r.status(), body: r.body().catch(() => null) });
  });
  try {
    await p.goto(url);
    const result = await p.waitForFunction(() => globalThis.__result, null, { timeout: 60000 }).then((h) => h.jsonValue());
    for (const w of wasm) w.body = await w.body;
    return { result, errors, wasm };
  } finally {
    await context.close();
  }
}

function checkPage(name, { result, errors, wasm }, wasmBytes) {
  assert.equal(result.error, undefined, `${name}: the app failed: ${result.error}`);
  assert.deepEqual(result, { score: 99, riskLevel: 'HIGH', modelId: DEFAULT_MODEL_ID, levels: ['LOW', 'MEDIUM', 'HIGH'] }, name);
  assert.deepEqual(errors, [], `${name}: the page showed errors`);
  assert.equal(wasm.length, 1, `${name}: the page should fetch callrisk.wasm once, fetched ${wasm.map((w) => w.url).join(', ') || 'nothing'}`);
  assert.equal(wasm[0].status, 200);
  assert.ok(wasm[0].body && Buffer.from(wasm[0].body).equals(wasmBytes), `${name}: the served .wasm is not the package's callrisk.wasm`);
}

/** The build output's .wasm files: exactly one, the package's module. */
function checkEmitted(name, out, wasmBytes) {
  const emitted = files(out).filter((f) => f.endsWith('.wasm'));
  assert.equal(emitted.length, 1, `${name}: the build output should hold one .wasm, holds ${emitted.join(', ') || 'none'}`);
  assert.ok(readFileSync(join(out, emitted[0])).equals(wasmBytes), `${name}: ${emitted[0]} is not the package's callrisk.wasm`);
  return emitted[0];
}

function webpackRun(config) {
  return import('webpack').then(({ default: webpack }) => new Promise((resolve, reject) => {
    webpack(config, (err, stats) => {
      if (err) return reject(err);
      const info = stats.toJson({ all: false, errors: true, warnings: true });
      if (stats.hasErrors()) return reject(new Error(info.errors.map((e) => e.message).join('\n')));
      resolve(info.warnings.map((w) => w.message));
    });
  }));
}

// Each bundler: build the app into `out` (no configuration of its own beyond
// the README recipe), and say which page to open. `warnings` are reported.
const WEB_BUILDS = {
  async 'vite build'(app, out) {
    const { build } = await import('vite');
    const warnings = [];
    const logger = { info() {}, warn: (m) => warnings.push(m), warnOnce: (m) => warnings.push(m), error: (m) => warnings.push(m), clearScreen() {}, hasErrorLogged: () => false, hasWarned: false };
    await build({ root: app, configFile: false, logLevel: 'warn', customLogger: logger, build: { outDir: out, emptyOutDir: true } });
    return { page: '/', warnings };
  },
  async 'webpack production'(app, out) {
    const warnings = await webpackRun({ mode: 'production', context: app, entry: './src/main.js', output: { path: out } });
    writeFileSync(join(out, 'index.html'), page('main.js', false));
    return { page: '/', warnings };
  },
  async 'webpack development'(app, out) {
    const warnings = await webpackRun({ mode: 'development', context: app, entry: './src/main.js', output: { path: out } });
    writeFileSync(join(out, 'index.html'), page('main.js', false));
    return { page: '/', warnings };
  },
  async 'esbuild (browser, README recipe)'(app, out) {
    const esbuild = await import('esbuild');
    const r = await esbuild.build({
      absWorkingDir: app, entryPoints: { main: 'src/main-esbuild.js' }, outdir: out,
      bundle: true, format: 'esm', platform: 'browser', loader: { '.wasm': 'file' }, logLevel: 'silent',
    });
    writeFileSync(join(out, 'index.html'), page('main.js'));
    return { page: '/', warnings: r.warnings.map((w) => w.text) };
  },
  async 'rollup + import-meta-assets'(app, out) {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const { importMetaAssets } = await import('@web/rollup-plugin-import-meta-assets');
    const warnings = [];
    const bundle = await rollup({ input: join(app, 'src/main.js'), plugins: [nodeResolve({ browser: true }), importMetaAssets()], onwarn: (w) => warnings.push(w.message) });
    await bundle.write({ dir: out, format: 'es' });
    await bundle.close();
    writeFileSync(join(out, 'index.html'), page('main.js'));
    return { page: '/', warnings };
  },
};

let setup; // { dir, app, wasmBytes }: one tarball, one app, for every test here
async function app() {
  setup ??= (async () => {
    assert.ok(existsSync(join(HERE, 'node_modules/vite')), 'the bundlers are not installed: npm ci --prefix tests/bundlers');
    const dir = mkdtempSync(join(tmpdir(), 'callrisk-bundlers-'));
    const { tarball } = await pack(dir);
    const appDir = join(dir, 'app');
    installInto(appDir, tarball, { type: 'module' });
    for (const [name, text] of Object.entries(APP)) {
      mkdirSync(join(appDir, name, '..'), { recursive: true });
      writeFileSync(join(appDir, name), text.replace(/^ {4}/gm, '').trimStart());
    }
    return { dir, app: appDir, wasmBytes: readFileSync(join(appDir, 'node_modules/callrisk/js/dist/callrisk.wasm')) };
  })();
  return setup;
}

test.after(async () => {
  if (setup) rmSync((await setup).dir, { recursive: true, force: true });
});

test('web apps built by Vite, webpack, esbuild and Rollup load in Chromium', { timeout: 600000 }, async (t) => {
  const { app: appDir, dir, wasmBytes } = await app();
  const browser = await launchChromium();
  try {
    for (const [name, build] of Object.entries(WEB_BUILDS)) {
      await t.test(name, async (t) => {
        const out = join(dir, 'out', name.replace(/\W+/g, '-'));
        const started = Date.now();
        const { page: path, warnings } = await build(appDir, out);
        const emitted = checkEmitted(name, out, wasmBytes);
        const server = await serve(out);
        try {
          const loaded = await load(browser, `http://127.0.0.1:${server.address().port}${path}`);
          checkPage(name, loaded, wasmBytes);
          t.diagnostic(`${name}: built in ${Date.now() - started} ms, emitted ${emitted}; 99 HIGH in Chromium${warnings.length ? `; warnings: ${warnings.join(' | ').slice(0, 300)}` : ''}`);
        } finally {
          server.close();
        }
      });
    }

    await t.test('vite dev server', async (t) => {
      const { createServer: viteServer } = await import('vite');
      const server = await viteServer({ root: appDir, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', port: 0, strictPort: false } });
      await server.listen();
      try {
        const loaded = await load(browser, server.resolvedUrls.local[0]);
        checkPage('vite dev', loaded, wasmBytes);
        t.diagnostic(`vite dev: 99 HIGH in Chromium, callrisk.wasm from ${new URL(loaded.wasm[0].url).pathname}`);
      } finally {
        await server.close();
      }
    });

    await t.test('esbuild without the recipe: the error says what to do', async () => {
      const out = join(dir, 'out', 'esbuild-no-recipe');
      const esbuild = await import('esbuild');
      await esbuild.build({ absWorkingDir: appDir, entryPoints: { main: 'src/main.js' }, outdir: out, bundle: true, format: 'esm', logLevel: 'silent' });
      writeFileSync(join(out, 'index.html'), page('main.js'));
      const server = await serve(out);
      try {
        const { result } = await load(browser, `http://127.0.0.1:${server.address().port}/`);
        assert.match(result.error ?? '', /callrisk: fetching callrisk\.wasm from http:\/\/127\.0\.0\.1:\d+\/callrisk\.wasm failed: HTTP 404; .*pass \{ wasmUrl \} or \{ wasmBinary \} to init\(\)/);
      } finally {
        server.close();
      }
    });
  } finally {
    await browser.close();
  }
});

test('Node bundles (esbuild --platform=node, webpack target node) run without node_modules', { timeout: 300000 }, async (t) => {
  const { app: appDir, dir, wasmBytes } = await app();
  const main = `
    import wasmUrl from 'callrisk/callrisk.wasm';
    import { init } from 'callrisk';
    import { run } from './app.js';

    await init({ wasmUrl: new URL(wasmUrl, import.meta.url) });
    console.log(JSON.stringify(await run()));
  `;
  writeFileSync(join(appDir, 'src/main-node.js'), main.replace(/^ {4}/gm, '').trimStart());
  const builds = {
    async 'esbuild --platform=node (README recipe)'(out) {
      const esbuild = await import('esbuild');
      await esbuild.build({
        absWorkingDir: appDir, entryPoints: { main: 'src/main-node.js' }, outdir: out, outExtension: { '.js': '.mjs' },
        bundle: true, format: 'esm', platform: 'node', loader: { '.wasm': 'file' }, logLevel: 'silent',
      });
      return 'main.mjs';
    },
    async "webpack target: 'node'"(out) {
      await webpackRun({ mode: 'production', target: 'node', context: appDir, entry: './src/main.js', output: { path: out, filename: 'main.cjs' } });
      writeFileSync(join(out, 'run.cjs'), "require('./main.cjs');\nsetTimeout(function wait() { if (!globalThis.__result) return setTimeout(wait, 10); console.log(JSON.stringify(globalThis.__result)); }, 10);\n");
      return 'run.cjs';
    },
  };
  for (const [name, build] of Object.entries(builds)) {
    await t.test(name, async (t) => {
      const out = join(dir, 'out', name.replace(/\W+/g, '-'));
      const entry = await build(out);
      checkEmitted(name, out, wasmBytes);
      // Moved away from the app: nothing can come from node_modules.
      const moved = mkdtempSync(join(tmpdir(), 'callrisk-node-bundle-'));
      try {
        cpSync(out, moved, { recursive: true });
        const stdout = execFileSync(process.execPath, [entry], { cwd: moved, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        assert.deepEqual(JSON.parse(stdout), { score: 99, riskLevel: 'HIGH', modelId: DEFAULT_MODEL_ID, levels: ['LOW', 'MEDIUM', 'HIGH'] });
        t.diagnostic(`${name}: ${files(out).map((f) => relative('.', f)).join(', ')}; 99 HIGH from ${moved}`);
      } finally {
        rmSync(moved, { recursive: true, force: true });
      }
    });
  }

  await t.test('esbuild --platform=node without the recipe: the error says what to do', async () => {
    const out = join(dir, 'out', 'esbuild-node-no-recipe');
    const esbuild = await import('esbuild');
    await esbuild.build({ absWorkingDir: appDir, entryPoints: { main: 'src/main.js' }, outdir: out, outExtension: { '.js': '.mjs' }, bundle: true, format: 'esm', platform: 'node', logLevel: 'silent' });
    writeFileSync(join(out, 'run.mjs'), "import './main.mjs';\nsetTimeout(function wait() { if (!globalThis.__result) return setTimeout(wait, 10); console.log(globalThis.__result.error); }, 10);\n");
    const stdout = execFileSync(process.execPath, [join(out, 'run.mjs')], { encoding: 'utf8' });
    assert.match(stdout, /callrisk: cannot read callrisk\.wasm at \S+\/callrisk\.wasm \(ENOENT\); a bundled app must ship it: pass \{ wasmUrl \} or \{ wasmBinary \} to init\(\)/);
  });
});
