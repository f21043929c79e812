// Reading a request: its target (path and query, strictly decoded), its
// body (a size limit and a deadline, so a slow or endless body cannot hold
// a socket), and JSON bodies (only with content-type application/json, so a
// cross-site "simple" form POST never reaches a route).
import { coreError, HttpError } from './errors.js';
import { checkDepth } from './validate.js';

/** A query string's parameters; a parameter given twice is ambiguous: 400. */
class Query {
  #params = new Map();

  constructor(text) {
    if (!text) return;
    for (const part of text.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const name = decode(eq < 0 ? part : part.slice(0, eq), 'query');
      const value = eq < 0 ? '' : decode(part.slice(eq + 1), name);
      if (!this.#params.has(name)) this.#params.set(name, []);
      this.#params.get(name).push(value);
    }
  }

  get(name) {
    const values = this.#params.get(name);
    if (!values) return null;
    if (values.length > 1) throw new HttpError(400, `${name}: given ${values.length} times`, { field: name });
    return values[0];
  }
}

function decode(text, field) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new HttpError(400, `${field}: bad percent-encoding in ${JSON.stringify(text.slice(0, 60))}`, { field });
  }
}

/** Splits req.url into the raw path and its query: "/path?query", or the absolute form "http://host/path?query". */
export function parseTarget(url) {
  if (/^https?:\/\//i.test(url)) {
    try {
      const u = new URL(url);
      url = u.pathname + u.search;
    } catch {
      throw new HttpError(400, 'url: not a valid absolute URL', { field: 'url' });
    }
  }
  if (typeof url !== 'string' || !url.startsWith('/')) throw new HttpError(400, 'url: must be a path starting with /', { field: 'url' });
  const q = url.indexOf('?');
  return { path: q < 0 ? url : url.slice(0, q), query: new Query(q < 0 ? '' : url.slice(q + 1)) };
}

/** Decodes one path segment; bad percent-encoding is 400 naming the parameter. */
export function decodeSegment(segment, field) {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `${field}: bad percent-encoding in ${JSON.stringify(segment.slice(0, 60))}`, { field });
  }
}

/**
 * The body, at most `limit` bytes, all of it within `timeoutMs`. Past either
 * bound the answer is 413 or 408 and the connection is closed (the rest of
 * the body is never read).
 */
export function readBody(req, { limit, timeoutMs }) {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const done = (fn, value) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
      fn(value);
    };
    const onData = (c) => {
      size += c.length;
      if (size > limit) {
        req.pause();
        done(reject, tooLarge(limit));
      } else {
        chunks.push(c);
      }
    };
    const onEnd = () => done(resolve, Buffer.concat(chunks, size));
    const onError = (e) => done(reject, e);
    const onAborted = () => done(reject, Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    const timer = setTimeout(() => {
      req.pause();
      done(reject, new HttpError(408, `body: not received within ${timeoutMs} ms`, { field: 'body', headers: { connection: 'close' } }));
    }, timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
  });
}

const tooLarge = (limit) => new HttpError(413, `body: larger than ${limit} bytes`, { field: 'body', headers: { connection: 'close' } });

/** The media type of a request, lower case, without parameters; its charset if given. */
export function mediaType(req) {
  const [type, ...params] = (req.headers['content-type'] ?? '').split(';');
  const charset = params.map((p) => /^\s*charset\s*=\s*"?([^";\s]*)"?\s*$/i.exec(p)?.[1]).find(Boolean);
  return { type: type.trim().toLowerCase(), charset: charset?.toLowerCase() };
}

/** Requires content-type application/json (charset utf-8 if one is named): 415 otherwise. */
export function requireJson(req) {
  const { type, charset } = mediaType(req);
  if (type !== 'application/json' || (charset && charset !== 'utf-8' && charset !== 'utf8')) {
    const got = req.headers['content-type'] ? JSON.stringify(req.headers['content-type'].slice(0, 60)) : 'none';
    throw new HttpError(415, `content-type: must be application/json (utf-8), got ${got}`, { field: 'content-type' });
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A body's bytes as text, strictly: bytes that are not UTF-8 are the core's
 * CR_E_JSON (`abi`: its description), as text it cannot read, on every JSON
 * route alike (never decoded lossily: two bodies that differ only in bytes
 * that are not UTF-8 are not the same request).
 */
export function utf8Text(bytes, abi) {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw coreError(abi, 'CR_E_JSON', 'body: not UTF-8 text');
  }
}

/**
 * A JSON body as text, for the core's parser to read: 415 without the JSON
 * media type; bytes that are not UTF-8 are the core's CR_E_JSON.
 */
export async function readText(req, { abi, ...options }) {
  requireJson(req);
  return utf8Text(await readBody(req, options), abi);
}

/**
 * A JSON object body and its text: 415 without the JSON media type, 400 if it
 * is not UTF-8 (the core's CR_E_JSON, as readText) or does not parse, 422 if
 * it is not an object or nests too deep.
 */
export async function readJsonText(req, { abi, ...options }) {
  const text = await readText(req, { abi, ...options });
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `body: not valid JSON (${e.message})`, { field: 'body' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(422, 'body: must be a JSON object', { field: 'body' });
  checkDepth(value);
  return { value, text };
}

/** A JSON object body (readJsonText's value). */
export async function readJson(req, options) {
  return (await readJsonText(req, options)).value;
}
