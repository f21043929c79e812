// Bearer tokens. Admin routes (those that change what the server believes:
// the active model, audits) need the admin token; scoring and listing routes
// need the API token only when one is configured (the admin token works
// there too). Comparison is constant-time over SHA-256 digests, so neither
// the token's length nor a matching prefix shows in the timing.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { HttpError } from './errors.js';

const digest = (token) => createHash('sha256').update(token, 'utf8').digest();
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;
export const MIN_TOKEN_LENGTH = 16;

/** One accepted token (or none), compared in constant time. */
export class Token {
  #digest;

  constructor(token) {
    this.#digest = token ? digest(token) : null;
  }

  get configured() {
    return this.#digest !== null;
  }

  matches(candidate) {
    return this.#digest !== null && timingSafeEqual(digest(candidate), this.#digest);
  }
}

const challenge = (error) => ({ 'www-authenticate': error ? `Bearer realm="callrisk", error="${error}"` : 'Bearer realm="callrisk"' });

/**
 * Checks a request against a route's `auth`: 'public', 'api' or 'admin'.
 * Missing or malformed Authorization: 401 with WWW-Authenticate; a token
 * that is not accepted here: 403.
 */
export function authorize(req, level, { admin, api }) {
  if (level === 'public' || (level === 'api' && !api.configured)) return;
  const header = req.headers.authorization;
  const who = level === 'admin' ? 'the admin token' : 'the API token';
  if (header === undefined) {
    throw new HttpError(401, `authorization: this route needs ${who} (Authorization: Bearer <token>)`, { field: 'authorization', headers: challenge() });
  }
  const m = BEARER.exec(header);
  if (!m) {
    throw new HttpError(401, 'authorization: must be "Bearer <token>"', { field: 'authorization', headers: challenge('invalid_request') });
  }
  // Both digests are always computed: which token matched does not show either.
  const isAdmin = admin.matches(m[1]);
  const isApi = api.matches(m[1]);
  if (isAdmin || (level === 'api' && isApi)) return;
  throw new HttpError(403, `authorization: the token is not ${who}`, { field: 'authorization' });
}

/**
 * The admin token: `CALLRISK_ADMIN_TOKEN`, else the one in `file`, else a new
 * random one written to `file` (mode 0600, created exclusively, so two
 * processes starting at once cannot both write one) and returned with
 * `created: true` so that the caller prints it, once.
 */
export function loadAdminToken({ envToken, file }) {
  if (envToken !== undefined) {
    if (envToken.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(envToken)) {
      throw new Error(`CALLRISK_ADMIN_TOKEN: must be at least ${MIN_TOKEN_LENGTH} printable characters without spaces`);
    }
    return { token: envToken, source: 'CALLRISK_ADMIN_TOKEN', created: false };
  }
  const existing = readTokenFile(file);
  if (existing) return { token: existing, source: file, created: false };
  const token = randomBytes(32).toString('base64url');
  // Written whole to a temporary name, then linked into place: link fails if
  // another process got there first, and nobody ever reads a half file.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${token}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600); // whatever the umask
    linkSync(tmp, file);
  } catch (e) {
    if (e.code === 'EEXIST') return { token: readTokenFile(file), source: file, created: false };
    throw new Error(`admin token file ${file}: cannot create it (${e.code ?? e.message})`);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { token, source: file, created: true };
}

function readTokenFile(file) {
  let stat;
  try {
    stat = statSync(file);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw new Error(`admin token file ${file}: cannot read it (${e.code ?? e.message})`);
  }
  if (!stat.isFile()) throw new Error(`admin token file ${file}: not a regular file`);
  if (stat.mode & 0o077) throw new Error(`admin token file ${file}: readable by others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
  let token;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new Error(`admin token file ${file}: cannot read it (${e.code ?? e.message})`);
  }
  if (token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
    throw new Error(`admin token file ${file}: must hold one token of at least ${MIN_TOKEN_LENGTH} printable characters`);
  }
  return token;
}
