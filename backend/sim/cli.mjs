// The simulator's command line (scripts/simulate.sh runs it): progress on
// stderr, the JSON summary on stdout. Tokens come from the environment (or
// the server's admin-token file), never from argv, and are never printed.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groundTruth, simulate } from './simulate.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HOUR = 3600000;
const DAY = 24 * HOUR;

const USAGE = `usage: scripts/simulate.sh [options]

Sends simulated traffic to a running callrisk backend: a seeded population of
callers calls over simulated days (POST /calls, then POST /score-caller), and
outcomes for a share of the calls follow later in simulated time (POST
/outcomes, labelled by the simulator's ground truth). Progress goes to
stderr, a JSON summary to stdout. The same options give the same traffic;
running them again on the same database stores nothing twice (every request
carries an idempotency key derived from the options: the server replays).

  --url URL              the server (default http://127.0.0.1:8000, scripts/run.sh's)
  --calls N              calls to send (default 50000)
  --days D               simulated days they spread over (default 7)
  --start TIME           the first simulated day, ms or ISO 8601 (default: DAYS before today's
                         UTC midnight, inside the server's default 30-day windows, and the same all
                         day: a retried run is replayed)
  --seed S               the PRNG's seed (default 1); another run into the same database needs
                         another seed (the same seed is the same callers)
  --concurrency N        requests in flight (default 16)
  --outcome-share F      share of calls followed by an outcome, 0..1 (default 0.6)
  --outcome-delay-ms MS  simulated delay from a call to its outcome (default 7200000, 2 h)
  --admin-token-env NAME the environment variable holding the admin token
                         (default CALLRISK_ADMIN_TOKEN; when unset, the file
                         $CALLRISK_ADMIN_TOKEN_FILE or data/admin-token that scripts/run.sh's server wrote)
  --api-token-env NAME   the environment variable holding the API token, if the server
                         has one (default CALLRISK_API_TOKEN; the admin token otherwise)
  --train                then train a candidate on the labelled records of the run
                         (POST /models/train, 25% hash holdout; not promoted) and add
                         its holdout AUC and both models' AUC (GET /models/compare) to the summary
  --quiet                no progress lines
  --help                 this text

ground truth: ${groundTruth.formula}
`;

class UsageError extends Error {}

function parseArgs(argv) {
  const o = { url: 'http://127.0.0.1:8000', calls: 50000, days: 7, seed: 1, concurrency: 16, outcomeShare: 0.6, outcomeDelayMs: 2 * HOUR,
    adminTokenEnv: 'CALLRISK_ADMIN_TOKEN', apiTokenEnv: 'CALLRISK_API_TOKEN', train: false, quiet: false, help: false };
  const number = (name, v, { int = false, min = -Infinity, max = Infinity } = {}) => {
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n) || (int && !Number.isInteger(n)) || n < min || n > max) {
      throw new UsageError(`${name}: must be ${int ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(v ?? null)}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) [arg, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
    const take = () => {
      if (value !== undefined) return value;
      if (i + 1 >= argv.length) throw new UsageError(`${arg}: needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--url': o.url = take(); break;
      case '--calls': o.calls = number(arg, take(), { int: true, min: 1, max: 1e8 }); break;
      case '--days': o.days = number(arg, take(), { min: 1 / 1440, max: 3650 }); break;
      case '--start': {
        const v = take();
        o.start = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
        if (!Number.isSafeInteger(o.start) || o.start < 0) throw new UsageError(`--start: must be ms since 1970 or an ISO 8601 date, got ${JSON.stringify(v)}`);
        break;
      }
      case '--seed': o.seed = number(arg, take(), { int: true, min: 0, max: 2 ** 32 - 1 }); break;
      case '--concurrency': o.concurrency = number(arg, take(), { int: true, min: 1, max: 256 }); break;
      case '--outcome-share': o.outcomeShare = number(arg, take(), { min: 0, max: 1 }); break;
      case '--outcome-delay-ms': o.outcomeDelayMs = number(arg, take(), { int: true, min: 0, max: 8.64e15 }); break;
      case '--admin-token-env': o.adminTokenEnv = take(); break;
      case '--api-token-env': o.apiTokenEnv = take(); break;
      case '--train': o.train = true; break;
      case '--quiet': o.quiet = true; break;
      case '--help': case '-h': o.help = true; break;
      default: throw new UsageError(`unknown option ${JSON.stringify(arg)} (see --help)`);
    }
  }
  try {
    const u = new URL(o.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`--url: must be an http(s) URL, got ${JSON.stringify(o.url)}`);
  }
  return o;
}

/** The admin token: $NAME, else the server's token file (scripts/run.sh's data/admin-token). Never printed. */
function adminToken(o) {
  const env = process.env[o.adminTokenEnv];
  if (env) return { token: env, from: `$${o.adminTokenEnv}` };
  const file = resolve(ROOT, process.env.CALLRISK_ADMIN_TOKEN_FILE || 'data/admin-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return { token, from: file };
  }
  return null;
}

const iso = (ms) => new Date(ms).toISOString().slice(0, 16) + 'Z';

async function train(o, summary, headers) {
  const post = await fetch(new URL('/models/train', o.url), {
    method: 'POST', headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ from_records: { since: summary.start, until: summary.end }, options: { holdout: { fraction: 0.25, method: 'hash', seed: 1 } } }),
  });
  const trained = await post.json().catch(() => null);
  if (post.status !== 201) throw new Error(`POST /models/train: HTTP ${post.status}: ${JSON.stringify(trained)}`);
  const models = await (await fetch(new URL('/models', o.url), { headers })).json();
  const q = new URLSearchParams({ a: models.champion, b: trained.model_id, since: String(summary.start), until: String(summary.end) });
  const res = await fetch(new URL(`/models/compare?${q}`, o.url), { headers });
  const cmp = await res.json().catch(() => null);
  if (res.status !== 200) throw new Error(`GET /models/compare: HTTP ${res.status}: ${JSON.stringify(cmp)}`);
  return {
    model_id: trained.model_id,
    coefficients: Object.fromEntries(trained.card.features.map((f) => [f.name, f.coef])),
    holdout_auc: trained.card.evidence?.holdout?.metrics?.auc ?? null,
    labelled: cmp.labelled,
    champion: { model_id: cmp.a.model_id, auc: cmp.a.metrics.auc },
    candidate_auc: cmp.b.metrics.auc,
  };
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`simulate: ${e.message}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const admin = adminToken(o);
  if (!admin && (o.outcomeShare > 0 || o.train)) {
    process.stderr.write(`simulate: no admin token: set $${o.adminTokenEnv} (or --admin-token-env NAME), or run on the machine of scripts/run.sh's server (data/admin-token); outcomes need it (--outcome-share 0 sends none)\n`);
    return 2;
  }
  const apiToken = process.env[o.apiTokenEnv] || undefined;
  const log = (line) => {
    if (!o.quiet) process.stderr.write(`simulate: ${line}\n`);
  };
  log(`${o.calls} calls over ${o.days} days to ${o.url} (seed ${o.seed}, concurrency ${o.concurrency}; admin token from ${admin ? admin.from : 'nowhere'}${apiToken ? `, API token from $${o.apiTokenEnv}` : ''})`);
  const summary = await simulate({
    base: o.url, adminToken: admin?.token, apiToken, calls: o.calls, days: o.days, start: o.start, seed: o.seed, concurrency: o.concurrency,
    outcomeShare: o.outcomeShare, outcomeDelayMs: o.outcomeDelayMs,
    onProgress: (p) => log(`${p.calls_sent}/${p.calls} calls, ${p.outcomes_sent}/${p.outcomes} outcomes, simulated ${iso(p.sim_at)}, ${(p.elapsed_ms / 1000).toFixed(1)} s`),
  });
  log(`done: ${summary.calls} calls (${summary.callers} callers), ${summary.outcomes} outcomes (${summary.positives} spam) in ${(summary.elapsed_ms / 1000).toFixed(1)} s, ${summary.calls_per_s} calls/s`);
  if (o.train) {
    log('training a candidate on the labelled records of the run (POST /models/train, not promoted)');
    summary.train = await train(o, summary, { authorization: `Bearer ${admin.token}` });
  }
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

main().then((code) => {
  process.exitCode = code;
}, (e) => {
  process.stderr.write(`simulate: ${e.message}\n`);
  process.exitCode = 1;
});
