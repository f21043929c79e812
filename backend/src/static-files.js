// The dashboard, and the package's browser files it imports, as static
// files. Each file is opened before the answer starts, so a failure to open
// (no such file: 404; out of file descriptors: 503) is still a JSON error;
// a failure while streaming ends that one response, never the process.
import { open } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { HttpError } from './errors.js';
import { decodeSegment } from './request.js';

export const STATIC_ROOTS = {
  '/dashboard/': fileURLToPath(new URL('../../dashboard/', import.meta.url)),
  '/callrisk/': fileURLToPath(new URL('..', import.meta.resolve('callrisk/callrisk.wasm'))),
};
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.json': 'application/json' };
const ALLOW = { allow: 'GET, HEAD' };

/** The static root `path` falls under, or null. */
export function staticRootOf(path, roots = STATIC_ROOTS) {
  for (const prefix of Object.keys(roots)) if (path.startsWith(prefix)) return prefix;
  return null;
}

const notFound = (path) => new HttpError(404, `path: no file ${JSON.stringify(path.slice(0, 100))}`, { field: 'path' });

/**
 * Answers GET or HEAD for a file under `prefix`. `onStreamError` hears about
 * a read that fails mid-answer (the response is then cut short).
 */
export async function serveStatic(req, res, path, prefix, { roots = STATIC_ROOTS, onStreamError } = {}) {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `method: ${req.method} is not allowed on ${prefix}…; use GET or HEAD`, { field: 'method', headers: ALLOW });
  const dir = roots[prefix];
  const rel = decodeSegment(path.slice(prefix.length), 'path');
  const file = normalize(join(dir, rel.endsWith('/') || rel === '' ? `${rel}index.html` : rel));
  if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep) || file.includes('\0')) throw notFound(path);
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    if (e.code === 'EMFILE' || e.code === 'ENFILE') {
      throw new HttpError(503, `server: out of file descriptors (${e.code}), try again shortly`, { code: e.code, headers: { 'retry-after': '1' } });
    }
    if (['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'ENAMETOOLONG', 'ELOOP'].includes(e.code)) throw notFound(path);
    throw e;
  }
  let stat;
  try {
    stat = await fh.stat();
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
  if (!stat.isFile()) {
    await fh.close().catch(() => {});
    throw notFound(path);
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': stat.size,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD' || stat.size === 0) {
    await fh.close().catch(() => {});
    res.end();
    return;
  }
  // pipeline destroys both ends on any error; the stream closes the handle.
  await new Promise((resolve) => {
    pipeline(fh.createReadStream({ end: stat.size - 1 }), res, (err) => {
      if (err && onStreamError) onStreamError(err);
      resolve();
    });
  });
}
