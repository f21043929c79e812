// The server's settings, from the environment. Every variable is checked
// here, so that a bad value stops the start with one line naming it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULTS } from './app.js';
import { MIN_TOKEN_LENGTH } from './auth.js';

export class ConfigError extends Error {}

function intEnv(env, name, fallback, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigError(`${name}: must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** The soft limit on open files (ulimit -n), or null where /proc does not say. */
export function fdLimit() {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** A PostgreSQL URL fit to print: the password replaced by ***. */
export function redactPgUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'CALLRISK_PG_URL (not a valid URL)';
  }
}

export function readConfig(env = process.env) {
  const pgUrl = env.CALLRISK_PG_URL || undefined;
  const sqlitePath = resolve(env.CALLRISK_DB || 'data/callrisk.db');
  const limit = fdLimit();
  // Half the descriptors for connections leaves room for a file (static) or
  // a database socket per connection, and for the process's own.
  const defaultMaxConnections = limit ? Math.max(16, Math.min(10000, Math.floor(limit / 2))) : DEFAULTS.maxConnections;
  const apiToken = env.CALLRISK_API_TOKEN || undefined;
  if (apiToken !== undefined && (apiToken.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(apiToken))) {
    throw new ConfigError(`CALLRISK_API_TOKEN: must be at least ${MIN_TOKEN_LENGTH} printable characters without spaces`);
  }
  const config = {
    host: env.HOST || '127.0.0.1',
    port: intEnv(env, 'PORT', 8000, 0, 65535),
    pgUrl,
    sqlitePath,
    dbDisplay: pgUrl ? redactPgUrl(pgUrl) : sqlitePath,
    adminTokenEnv: env.CALLRISK_ADMIN_TOKEN || undefined,
    adminTokenFile: resolve(env.CALLRISK_ADMIN_TOKEN_FILE || (pgUrl ? 'data/admin-token' : `${dirname(sqlitePath)}/admin-token`)),
    adminTokenFileDefault: !env.CALLRISK_ADMIN_TOKEN_FILE,
    // 1: create a new, empty SQLite database even where an earlier one has left its traces (server.js).
    dbCreate: intEnv(env, 'CALLRISK_DB_CREATE', 0, 0, 1) === 1,
    shutdownTimeoutMs: intEnv(env, 'CALLRISK_SHUTDOWN_TIMEOUT_MS', 10000, 0, 3600000),
    app: {
      apiToken,
      corsOrigin: env.CALLRISK_CORS_ORIGIN || undefined,
      maxModels: intEnv(env, 'CALLRISK_MAX_MODELS', DEFAULTS.maxModels, 1, 1e9),
      trainBodyLimit: intEnv(env, 'CALLRISK_TRAIN_BODY_LIMIT', DEFAULTS.trainBodyLimit, 1024, 2 ** 30),
      trainTimeoutMs: intEnv(env, 'CALLRISK_TRAIN_TIMEOUT_MS', DEFAULTS.trainTimeoutMs, 1000, 86400000),
      driftMaxRecords: intEnv(env, 'CALLRISK_DRIFT_MAX_RECORDS', DEFAULTS.driftMaxRecords, 1, 1e8),
      labelledMaxRecords: intEnv(env, 'CALLRISK_LABELLED_MAX_RECORDS', DEFAULTS.labelledMaxRecords, 1, 1e8),
      analyticsConcurrency: intEnv(env, 'CALLRISK_ANALYTICS_CONCURRENCY', DEFAULTS.analyticsConcurrency, 1, 64),
      analyticsQueue: intEnv(env, 'CALLRISK_ANALYTICS_QUEUE', DEFAULTS.analyticsQueue, 0, 10000),
      analyticsTimeoutMs: intEnv(env, 'CALLRISK_ANALYTICS_TIMEOUT_MS', DEFAULTS.analyticsTimeoutMs, 1000, 86400000),
      writeFailureWindowMs: intEnv(env, 'CALLRISK_WRITE_FAILURE_WINDOW_MS', DEFAULTS.writeFailureWindowMs, 0, 3600000),
      outcomeWindowMs: intEnv(env, 'CALLRISK_OUTCOME_WINDOW_MS', DEFAULTS.outcomeWindowMs, 1, 8.64e15),
      modelCacheSize: intEnv(env, 'CALLRISK_MODEL_CACHE', DEFAULTS.modelCacheSize, 1, 10000),
      maxChallengers: intEnv(env, 'CALLRISK_MAX_CHALLENGERS', DEFAULTS.maxChallengers, 0, 64),
      maxShadowPending: intEnv(env, 'CALLRISK_MAX_SHADOW_PENDING', DEFAULTS.maxShadowPending, 0, 1e6),
      modelPollMs: intEnv(env, 'CALLRISK_MODEL_POLL_MS', DEFAULTS.modelPollMs, 0, 3600000),
      maxConnections: intEnv(env, 'CALLRISK_MAX_CONNECTIONS', defaultMaxConnections, 1, 1e6),
      // null: half of maxConnections; 0: no limit (e.g. behind a proxy that connects from one address).
      maxConnectionsPerAddress: intEnv(env, 'CALLRISK_MAX_CONNECTIONS_PER_ADDRESS', null, 0, 1e6),
      maxPipelined: intEnv(env, 'CALLRISK_MAX_PIPELINED', DEFAULTS.maxPipelined, 1, 1000),
      maxUnreadBytes: intEnv(env, 'CALLRISK_MAX_UNREAD_BYTES', DEFAULTS.maxUnreadBytes, 1024, 2 ** 31),
      headersTimeoutMs: intEnv(env, 'CALLRISK_HEADERS_TIMEOUT_MS', DEFAULTS.headersTimeoutMs, 1, 3600000),
      requestTimeoutMs: intEnv(env, 'CALLRISK_REQUEST_TIMEOUT_MS', DEFAULTS.requestTimeoutMs, 1, 3600000),
      bodyTimeoutMs: intEnv(env, 'CALLRISK_BODY_TIMEOUT_MS', DEFAULTS.bodyTimeoutMs, 1, 3600000),
      keepAliveTimeoutMs: intEnv(env, 'CALLRISK_KEEPALIVE_TIMEOUT_MS', DEFAULTS.keepAliveTimeoutMs, 1, 3600000),
      socketIdleTimeoutMs: intEnv(env, 'CALLRISK_SOCKET_IDLE_TIMEOUT_MS', DEFAULTS.socketIdleTimeoutMs, 1, 3600000),
    },
  };
  if (config.app.headersTimeoutMs > config.app.requestTimeoutMs) {
    throw new ConfigError('CALLRISK_HEADERS_TIMEOUT_MS: must not be above CALLRISK_REQUEST_TIMEOUT_MS');
  }
  return config;
}
