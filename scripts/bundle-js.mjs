#!/usr/bin/env node
// The package's JS as it ships, generated from the sources in js/ (the truth)
// by Node alone, so it runs wherever the wasm is built (no npm install):
//   js/dist/callrisk.js  the API: js/node.js and every file it imports, as one
//                        ES module for Node and browsers alike (one file loads
//                        faster than ten, and no code ships twice)
//   js/dist/cli.js       `npx callrisk` (js/cli.js)
// Each module becomes a function scope in import order (the graph has no
// cycles and exports no `let`, so a snapshot of its exports is its
// exports). Comments and indentation go; every token stays as written (names
// too, so classes keep theirs and errors read the same), and a line break
// stays wherever automatic semicolon insertion could care. The output is
// checked: re-read, it must give the same tokens; callrisk.js must import and
// export the entry's names; cli.js must parse. The reader takes a `/` after
// `)`, `]`, `}`, a name or a literal for a division (as the sources write
// them): a regular expression there would keep its tokens, not its spaces.
//   node scripts/bundle-js.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const JS = join(ROOT, 'js');
const DIST = join(JS, 'dist');

/* ---- tokens ---- */

const PUNCTUATORS = ['>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '>>>', '&&=', '||=', '??=', '=>', '==', '!=', '<=', '>=', '&&', '||',
  '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '**', '<<', '>>'];
const WORD = /[\w$#\\\u0080-\uffff]/;
const NUMBER = /(?:0[xXbBoO][\da-fA-F_]+n?|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?)/y;
// After these words a `/` starts a regular expression, not a division.
const BEFORE_EXPRESSION = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/** A template literal's text, whole or up to or from one of its ${…}. */
const isTemplate = (text) => text[0] === '`' || (text[0] === '}' && text.length > 1);

/**
 * The tokens of `src`: { text, gap } where gap says what stood before the
 * token: '' (nothing), ' ' (spaces or comments) or '\n' (a line break).
 */
function tokenize(src) {
  const tokens = [];
  let i = 0;
  let gap = '';
  if (src.startsWith('#!')) { // a hashbang is kept as it is
    const end = src.indexOf('\n');
    tokens.push({ text: src.slice(0, end), gap: '', hashbang: true });
    i = end;
  }
  const braces = []; // for each open `{`: whether it opened a template's ${
  const push = (text) => {
    tokens.push({ text, gap });
    gap = '';
  };
  const regexAllowed = () => {
    const prev = tokens.at(-1);
    if (!prev) return true;
    const t = prev.text;
    if (isTemplate(t)) return t.endsWith('${');
    if (WORD.test(t[0]) && !/^\d/.test(t)) return BEFORE_EXPRESSION.has(t);
    if (/^[\d.'"`]/.test(t) && t !== '...') return false; // a number, string or template ends an expression
    return !(t === ')' || t === ']' || t === '}');
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029') {
      gap = '\n';
      i++;
    } else if (/\s/.test(c)) {
      if (!gap) gap = ' ';
      i++;
    } else if (src.startsWith('//', i)) {
      const end = src.indexOf('\n', i);
      i = end < 0 ? src.length : end;
      if (!gap) gap = ' ';
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new Error(`unterminated comment at ${i}`);
      if (/[\n\r\u2028\u2029]/.test(src.slice(i, end))) gap = '\n';
      else if (!gap) gap = ' ';
      i = end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (src[j] !== c) {
        if (j >= src.length || src[j] === '\n') throw new Error(`unterminated string at ${i}`);
        j += src[j] === '\\' ? 2 : 1;
      }
      push(src.slice(i, j + 1));
      i = j + 1;
    } else if (c === '`' || (c === '}' && braces.at(-1) === true)) {
      // A template's text, up to its end or its next ${ (then tokens, up to the matching }).
      if (c === '}') braces.pop();
      let j = i + 1;
      for (;;) {
        if (j >= src.length) throw new Error(`unterminated template at ${i}`);
        if (src[j] === '\\') j += 2;
        else if (src[j] === '`') {
          j++;
          break;
        } else if (src.startsWith('${', j)) {
          j += 2;
          braces.push(true);
          break;
        } else j++;
      }
      push(src.slice(i, j));
      i = j;
    } else if (WORD.test(c) && !/\d/.test(c)) {
      let j = i + 1;
      while (j < src.length && WORD.test(src[j])) j++;
      push(src.slice(i, j));
      i = j;
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(src[i + 1]))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src);
      push(m[0]);
      i += m[0].length;
    } else if (c === '/' && regexAllowed()) {
      let j = i + 1;
      let inClass = false;
      while (inClass || src[j] !== '/') {
        if (j >= src.length || src[j] === '\n') throw new Error(`unterminated regular expression at ${i}`);
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        j++;
      }
      j++;
      while (j < src.length && /\w/.test(src[j])) j++; // flags
      push(src.slice(i, j));
      i = j;
    } else {
      const p = PUNCTUATORS.find((q) => src.startsWith(q, i)) ?? c;
      if (p === '{') braces.push(false);
      else if (p === '}') braces.pop();
      push(p);
      i += p.length;
    }
  }
  return tokens;
}

// A line break next to these tokens never matters (no semicolon can be inserted there).
const NO_BREAK_AFTER = new Set([';', ',', '{', '(', '[']);
const NO_BREAK_BEFORE = new Set(['}', ')', ']', ';', ',']);
const OPERATOR = /[+\-*/%<>=!&|^~?:.]/;

/** What must stand between two tokens for them to read as they did with `gap` between them. */
function separator(prev, next, gap) {
  if (!prev || !gap) return '';
  if (gap === '\n' && !NO_BREAK_AFTER.has(prev.text) && !NO_BREAK_BEFORE.has(next.text)) return '\n';
  const a = prev.text.at(-1);
  const b = next.text[0];
  return (WORD.test(a) && WORD.test(b)) || (OPERATOR.test(a) && OPERATOR.test(b)) ? ' ' : '';
}

/** Tokens back to text (each token's gap as separator() allows). */
function emit(tokens) {
  let out = '';
  let prev = null;
  for (const t of tokens) {
    out += separator(prev, t, t.hashbang ? '' : t.gap) + t.text;
    prev = t.hashbang ? { text: ';' } : t;
  }
  return out;
}

/* ---- modules ---- */

const isName = (t) => t && WORD.test(t.text[0]) && !/^\d/.test(t.text);
const SYNTHETIC = (text, gap = '\n') => ({ text, gap, synthetic: true });

/** `{ a, b as c }` from tokens[i] (the `{`): [[imported, local]…] and the index after `}`. */
function nameList(tokens, i, what) {
  if (tokens[i].text !== '{') throw new Error(`${what}: expected { at token ${i}`);
  const names = [];
  for (i++; tokens[i].text !== '}'; i++) {
    if (tokens[i].text === ',') continue;
    if (!isName(tokens[i])) throw new Error(`${what}: unexpected ${tokens[i].text} in a name list`);
    const from = tokens[i].text;
    let to = from;
    if (tokens[i + 1].text === 'as') {
      to = tokens[i + 2].text;
      i += 2;
    }
    names.push([from, to]);
  }
  return [names, i + 1];
}

/** The module specifier at tokens[i] (a relative file of js/), and the index after its `;`. */
function specifier(tokens, i, file, what) {
  const spec = tokens[i].text.slice(1, -1);
  if (!/^\.\/[\w-]+\.js$/.test(spec)) throw new Error(`${what}: the package's API imports only its own files, not '${spec}'`);
  if (tokens[i + 1]?.text !== ';') throw new Error(`${what}: expected ; after '${spec}'`);
  return [join(dirname(file), spec), i + 2];
}

/**
 * A module of js/: its imports ([{ file, names }]), its exports ([[local,
 * exported]] and re-exports [{ file, names }]) and its body's tokens, with
 * import statements and `export` keywords taken out.
 */
function readModule(file) {
  const tokens = tokenize(readFileSync(file, 'utf8'));
  const what = relative(ROOT, file);
  const imports = [];
  const exports = [];
  const reexports = [];
  const body = [];
  let depth = 0;
  for (let i = 0; i < tokens.length;) {
    const t = tokens[i];
    const next = tokens[i + 1]?.text;
    if (depth === 0 && t.text === 'import' && next === '{') {
      const [names, j] = nameList(tokens, i + 1, what);
      if (tokens[j].text !== 'from') throw new Error(`${what}: expected from`);
      const [dep, k] = specifier(tokens, j + 1, file, what);
      imports.push({ file: dep, names });
      i = k;
      continue;
    }
    if (depth === 0 && t.text === 'import' && next !== '.' && next !== '(') throw new Error(`${what}: only import { … } from './file.js' is bundled`);
    if (depth === 0 && t.text === 'export') {
      if (next === '{') {
        const [names, j] = nameList(tokens, i + 1, what);
        if (tokens[j].text === 'from') {
          const [dep, k] = specifier(tokens, j + 1, file, what);
          reexports.push({ file: dep, names });
          i = k;
        } else {
          if (tokens[j].text !== ';') throw new Error(`${what}: expected ; after export { … }`);
          exports.push(...names);
          i = j + 1;
        }
        continue;
      }
      // export function|class|const|async function: the declaration stays, its names are exported.
      let j = i + 1;
      if (tokens[j].text === 'async') j++;
      const kind = tokens[j].text;
      if (kind === 'function' || kind === 'class') {
        exports.push([tokens[j + 1].text, tokens[j + 1].text]);
      } else if (kind === 'const') {
        if (tokens[j + 1].text === '{') exports.push(...nameList(tokens, j + 1, what)[0].map(([, local]) => [local, local]));
        else exports.push([tokens[j + 1].text, tokens[j + 1].text]);
      } else {
        throw new Error(`${what}: export ${kind} is not bundled (exports are snapshots: no let, no default)`);
      }
      tokens[i + 1].gap = t.gap;
      i++;
      continue;
    }
    if (isTemplate(t.text)) depth += (t.text.endsWith('${') ? 1 : 0) - (t.text[0] === '}' ? 1 : 0);
    else if (t.text === '{' || t.text === '(' || t.text === '[') depth++;
    else if (t.text === '}' || t.text === ')' || t.text === ']') depth--;
    body.push(t);
    i++;
  }
  for (const t of body) if (/^\$m_/.test(t.text)) throw new Error(`${what}: the name ${t.text} is the bundle's own`);
  return { file, imports, exports, reexports, body };
}

const scopeName = (file) => `$m_${relative(JS, file).replace(/\.js$/, '').replace(/\W/g, '_')}`;

/**
 * A `new URL('./dist/NAME', import.meta.url)` in a source of js/ names a file
 * beside the generated one in js/dist/: './NAME'. Any other './dist/' is an
 * Error (the generated file could not find it).
 */
function relocateUrls(tokens, what) {
  tokens.forEach((t, i) => {
    if (!/^['"]\.\/dist\//.test(t.text)) return;
    const around = [tokens[i - 3], tokens[i - 2], tokens[i - 1]].map((x) => x?.text).join(' ') + ' # '
      + tokens.slice(i + 1, i + 8).map((x) => x.text).join(' ');
    if (around !== 'new URL ( # , import . meta . url )') throw new Error(`${what}: ${t.text} is not new URL(…, import.meta.url)`);
    t.text = t.text[0] + './' + t.text.slice('./dist/'.length + 1);
  });
}

/** js/node.js and what it imports, in import order, as one ES module; `names` is what it exports. */
function bundleApi(entry) {
  const modules = new Map(); // file -> module, dependencies first
  const visiting = new Set();
  const visit = (file) => {
    if (modules.has(file)) return;
    if (visiting.has(file)) throw new Error(`${relative(ROOT, file)}: an import cycle`);
    visiting.add(file);
    const m = readModule(file);
    for (const dep of [...m.imports, ...m.reexports]) visit(dep.file);
    visiting.delete(file);
    modules.set(file, m);
  };
  visit(entry);
  const out = [];
  const names = [];
  for (const m of modules.values()) {
    relocateUrls(m.body, relative(ROOT, m.file));
    const destructure = (dep) => `const{${dep.names.map(([from, to]) => (from === to ? from : `${from}:${to}`)).join(',')}}=${scopeName(dep.file)};`;
    if (m.file === entry) {
      if (m.body.length || m.imports.length || m.exports.length) throw new Error(`${relative(ROOT, entry)}: the entry only re-exports`);
      for (const dep of m.reexports) {
        out.push(SYNTHETIC(destructure(dep)));
        names.push(...dep.names.map(([, to]) => to));
      }
      out.push(SYNTHETIC(`export{${names.join(',')}};`));
      continue;
    }
    const exported = [...m.exports.map(([local, name]) => (local === name ? local : `${name}:${local}`)),
      ...m.reexports.flatMap((dep) => dep.names.map(([from, to]) => `${to}:${scopeName(dep.file)}.${from}`))];
    out.push(SYNTHETIC(`const ${scopeName(m.file)}=(()=>{`));
    for (const dep of m.imports) out.push(SYNTHETIC(destructure(dep)));
    if (m.body.length) m.body[0] = { ...m.body[0], gap: '\n' };
    out.push(...m.body);
    out.push(SYNTHETIC(`return{${exported.join(',')}};`), SYNTHETIC('})();'));
  }
  return { tokens: out, names };
}

/** Writes `tokens` as js/dist/NAME after checking the text reads back as the same tokens. */
function write(name, tokens, banner) {
  const text = `${banner}\n${emit(tokens)}\n`;
  const again = tokenize(text).filter((t) => !t.hashbang).map((t) => t.text);
  const want = tokens.flatMap((t) => (t.synthetic ? tokenize(t.text).map((x) => x.text) : [t.text])); // synthetic text as the reader splits it
  if (again.join('\u0000') !== want.join('\u0000')) {
    const k = want.findIndex((w, i) => w !== again[i]);
    throw new Error(`${name}: the output does not read back as its tokens (at ${JSON.stringify(want.slice(k - 3, k + 3))})`);
  }
  const path = join(DIST, name);
  writeFileSync(path, text);
  return { path, text };
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const banner = `// ${pkg.name} ${pkg.version} (${pkg.license}): generated by scripts/bundle-js.mjs from the sources in js/`;
mkdirSync(DIST, { recursive: true });

const api = bundleApi(join(JS, 'node.js'));
const { path: apiPath, text: apiText } = write('callrisk.js', api.tokens, banner);
const loaded = Object.keys(await import(`${pathToFileURL(apiPath).href}?${Date.now()}`)).sort();
if (loaded.join() !== [...api.names].sort().join()) throw new Error(`callrisk.js exports ${loaded.join(', ')}, not ${api.names.join(', ')}`);

const cli = tokenize(readFileSync(join(JS, 'cli.js'), 'utf8'));
relocateUrls(cli, 'js/cli.js');
const hashbang = cli[0]?.hashbang ? cli.shift().text : '#!/usr/bin/env node';
const { path: cliPath, text: cliText } = write('cli.js', cli, `${hashbang}\n${banner}`);
execFileSync(process.execPath, ['--check', cliPath]);

// On stderr: npm pack --json (prepack runs this) reads stdout.
for (const [path, text] of [[apiPath, apiText], [cliPath, cliText]]) console.error(`${relative(ROOT, path)} ${Buffer.byteLength(text)} bytes`);
