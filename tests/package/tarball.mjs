// Shared by the tests that start from the packed tarball (tests/package,
// tests/bundlers, tests/types): `npm pack` (its prepack builds js/dist) and
// an install of the .tgz into a fresh app directory, as a user would.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const npm = (args, cwd, options = {}) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });

// One `npm pack` at a time per checkout: test files run in parallel, and two
// prepack builds in one build directory would race.
async function withPackLock(fn) {
  const lock = join(tmpdir(), `callrisk-pack-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 600000) rmSync(lock, { recursive: true, force: true }); // left by a killed run
      } catch {}
      await sleep(200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Packs the package into `dir`: { tarball (path), filename, size, files
 * (sorted paths) }. CALLRISK_TARBALL=path.tgz tests that tarball instead
 * (e.g. a release candidate, or an older one to see a test fail).
 */
export async function pack(dir) {
  const given = process.env.CALLRISK_TARBALL;
  const [info] = JSON.parse(given
    ? npm(['pack', '--json', '--dry-run', resolve(given)], dir)
    : await withPackLock(() => npm(['pack', '--json', '--pack-destination', dir], ROOT)));
  if (given) return { tarball: resolve(given), filename: basename(given), size: info.size, files: info.files.map((f) => f.path).sort() };
  return { tarball: join(dir, info.filename), filename: info.filename, size: info.size, files: info.files.map((f) => f.path).sort() };
}

/** A fresh app in `app` (package.json with `fields`) with the tarball installed, offline: it has no dependencies. */
export function installInto(app, tarball, fields = {}) {
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, ...fields }, null, 2));
  npm(['install', '--no-audit', '--no-fund', '--offline', tarball], app);
}
