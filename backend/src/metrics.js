// Prometheus metrics (npm prom-client): requests by route template and
// status, latency, scores by band, store failures, connection-level events,
// and Node's default process metrics. One registry per app, so that two
// apps in one process (tests) do not collide.
import client from 'prom-client';

export function createMetrics() {
  const register = new client.Registry();
  client.collectDefaultMetrics({ register });
  const m = {
    register,
    requests: new client.Counter({
      name: 'callrisk_http_requests_total',
      help: 'HTTP requests by method, route template and status ("aborted": the client went away first).',
      labelNames: ['method', 'route', 'status'],
      registers: [register],
    }),
    duration: new client.Histogram({
      name: 'callrisk_http_request_duration_seconds',
      help: 'Time from request to the end of the answer, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [register],
    }),
    scores: new client.Counter({
      name: 'callrisk_scores_total',
      help: 'Scores answered, by route and risk band (idempotent replays not counted).',
      labelNames: ['route', 'risk_level'],
      registers: [register],
    }),
    storeFailures: new client.Counter({
      name: 'callrisk_store_failures_total',
      help: 'Database operations that failed, by store method.',
      labelNames: ['operation'],
      registers: [register],
    }),
    idempotentReplays: new client.Counter({
      name: 'callrisk_idempotent_replays_total',
      help: 'Requests answered from a stored result for their idempotency key.',
      labelNames: ['route'],
      registers: [register],
    }),
    connectionErrors: new client.Counter({
      name: 'callrisk_connection_errors_total',
      help: 'Connection-level failures: accept errors (e.g. EMFILE), malformed requests, timeouts, drops over the connection cap.',
      labelNames: ['kind'],
      registers: [register],
    }),
    shadowScores: new client.Counter({
      name: 'callrisk_shadow_scores_total',
      help: 'Shadow scorings by the challengers, by outcome: stored, failed (the challenger or the database refused; the live answer was already given) or dropped (too many waiting).',
      labelNames: ['outcome'],
      registers: [register],
    }),
    auditMismatches: new client.Counter({
      name: 'callrisk_audit_mismatches_total',
      help: 'Stored records that did not replay, found by POST /audit.',
      registers: [register],
    }),
  };
  return m;
}
