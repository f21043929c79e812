// Route templates ("/callers/:number/scores") to handlers. Each route
// declares its method and its `auth` ('public', 'api' or 'admin'), so that
// who may call it is a property of the route, not of its handler's code.
export const AUTH_LEVELS = ['public', 'api', 'admin'];

export class Router {
  #byTemplate = new Map(); // template -> { pattern, names, methods: Map(method -> route) }

  add(route) {
    const { method, path, auth, handler } = route;
    if (!AUTH_LEVELS.includes(auth)) throw new Error(`route ${method} ${path}: auth must be one of ${AUTH_LEVELS.join(', ')}`);
    if (typeof handler !== 'function') throw new Error(`route ${method} ${path}: no handler`);
    let entry = this.#byTemplate.get(path);
    if (!entry) {
      const names = [];
      const source = path.split('/').map((seg) => (seg.startsWith(':') ? (names.push(seg.slice(1)), '([^/]+)') : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
      entry = { pattern: new RegExp(`^${source}$`), names, methods: new Map() };
      this.#byTemplate.set(path, entry);
    }
    if (entry.methods.has(method)) throw new Error(`route ${method} ${path}: defined twice`);
    entry.methods.set(method, route);
    return this;
  }

  /** Every route, for tests and docs: [{ method, path, auth }]. */
  get routes() {
    return [...this.#byTemplate.values()].flatMap((e) => [...e.methods.values()]);
  }

  /** { template, params (raw, still percent-encoded), methods } for a path, or null. */
  match(path) {
    for (const [template, entry] of this.#byTemplate) {
      const m = entry.pattern.exec(path);
      if (m) return { template, params: Object.fromEntries(entry.names.map((n, i) => [n, m[i + 1]])), methods: entry.methods };
    }
    return null;
  }

  /** The Allow header for a template's methods (HEAD wherever GET is, OPTIONS everywhere). */
  static allow(methods) {
    const list = [...methods.keys()];
    if (methods.has('GET')) list.push('HEAD');
    return [...list, 'OPTIONS'].join(', ');
  }
}
