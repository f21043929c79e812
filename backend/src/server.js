// Starts the backend, listening on $HOST:$PORT (default 127.0.0.1:8000, the
// seed's port): SQLite at $CALLRISK_DB (default data/callrisk.db), or the
// PostgreSQL database at $CALLRISK_PG_URL, which many replicas can share.
// Settings: config.js. A failure to start is one line on stderr naming what
// failed (the database path, with a PostgreSQL password hidden) and exit 1.
// SIGTERM/SIGINT: stop accepting, finish what is in flight, close idle
// connections at once and stuck ones after CALLRISK_SHUTDOWN_TIMEOUT_MS,
// commit what is queued, close the database, exit 0.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createApp } from './app.js';
import { loadAdminToken } from './auth.js';
import { ConfigError, readConfig } from './config.js';
import { openPgStore } from './pg-store.js';
import { openSqliteStore } from './sqlite-store.js';

class StartError extends Error {}

const reason = (e) => `${e.message}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ''}`;

async function openStore(config) {
  const where = `cannot open database ${config.dbDisplay}`;
  if (config.pgUrl) {
    let password = '';
    try {
      password = decodeURIComponent(new URL(config.pgUrl).password);
    } catch {}
    try {
      return await openPgStore(config.pgUrl, {
        onIdleError: (e) => console.error(`callrisk backend: an idle PostgreSQL connection failed: ${reason(e)}`),
      });
    } catch (e) {
      const text = reason(e);
      throw new StartError(`${where}: ${password ? text.split(password).join('***') : text}`);
    }
  }
  try {
    mkdirSync(dirname(config.sqlitePath), { recursive: true });
  } catch (e) {
    throw new StartError(`${where}: cannot create its directory ${dirname(config.sqlitePath)} (${e.code ?? e.message})`);
  }
  // A missing database is created on a first start (an empty directory, a
  // new volume), never where an earlier one has left its traces: its WAL or
  // shared-memory file, or the admin token a first start wrote beside it.
  // That database was deleted or moved, and a new empty one would silently
  // take its place; CALLRISK_DB_CREATE=1 says to start afresh anyway.
  const path = config.sqlitePath;
  if (!existsSync(path) && !config.dbCreate) {
    const traces = [`${path}-wal`, `${path}-shm`, `${path}-journal`, ...(config.adminTokenFileDefault ? [config.adminTokenFile] : [])].filter((f) => existsSync(f));
    if (traces.length) {
      throw new StartError(`${where}: it does not exist, but an earlier database left ${traces.join(', ')}: was it deleted or moved? ` +
        'Restore it, or set CALLRISK_DB_CREATE=1 to start with a new, empty database');
    }
  }
  try {
    return openSqliteStore(path);
  } catch (e) {
    let isDir = false;
    try {
      isDir = statSync(config.sqlitePath).isDirectory();
    } catch {}
    throw new StartError(`${where}: ${isDir ? 'it is a directory' : reason(e)}`);
  }
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const failed = (e) => reject(new StartError(`cannot listen on ${host}:${port}: ${reason(e)}`));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

let config;
let store;
let app;
try {
  config = readConfig();
  store = await openStore(config);
  let admin;
  try {
    admin = loadAdminToken({ envToken: config.adminTokenEnv, file: config.adminTokenFile });
  } catch (e) {
    throw new StartError(e.message);
  }
  try {
    app = await createApp({ store, adminToken: admin.token, ...config.app });
  } catch (e) {
    throw new StartError(`cannot start with database ${config.dbDisplay}: ${reason(e.cause ?? e)}`);
  }
  await listen(app.server, config.port, config.host);
  // Before the lines saying it listens: whoever reads them may stop it at once.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (admin.created) {
    console.log(`callrisk backend: admin token created in ${admin.source} (mode 600); shown this once:\n  ${admin.token}`);
  } else {
    console.log(`callrisk backend: admin token from ${admin.source}`);
  }
  console.log(`callrisk backend on http://${config.host}:${app.server.address().port} (model ${app.scorer.model.id.slice(0, 12)}, db ${config.dbDisplay}, ` +
    `max ${config.app.maxConnections} connections, ${app.maxConnectionsPerAddress || 'no limit'} per address)`);
} catch (e) {
  const known = e instanceof StartError || e instanceof ConfigError;
  console.error(`callrisk backend: ${known ? e.message : `cannot start: ${reason(e)}`}`);
  await Promise.resolve(store?.close()).catch(() => {});
  process.exit(1);
}

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  const deadline = config.shutdownTimeoutMs;
  console.log(`callrisk backend: ${signal}: stopping; requests in flight have ${deadline} ms`);
  // If something hangs past every deadline (a database that never answers), still end.
  setTimeout(() => {
    console.error('callrisk backend: did not stop in time; exiting');
    process.exit(1);
  }, deadline + 10000).unref();
  const closed = new Promise((resolve) => app.server.close(resolve)); // stops accepting first
  app.beginShutdown();
  const cut = setTimeout(() => app.server.closeAllConnections(), deadline);
  await closed;
  clearTimeout(cut);
  // A handler may still be awaiting the database after its client was cut off.
  await app.idle(5000);
  try {
    await store.close(); // commits the group-commit queue first
  } catch (e) {
    console.error(`callrisk backend: closing the database failed: ${reason(e)}`);
    process.exit(1);
  }
  console.log('callrisk backend: stopped');
  process.exit(0);
}
