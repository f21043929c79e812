// Starts the backend, listening on $HOST:$PORT (default 127.0.0.1:8000, the
// seed's port): SQLite at $CALLRISK_DB (default data/callrisk.db), or the
// PostgreSQL database at $CALLRISK_PG_URL, which many replicas can share.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createApp } from './app.js';
import { openPgStore } from './pg-store.js';
import { openSqliteStore } from './sqlite-store.js';

let store;
let dbPath;
if (process.env.CALLRISK_PG_URL) {
  dbPath = process.env.CALLRISK_PG_URL.replace(/:[^:@/]*@/, ':***@');
  store = await openPgStore(process.env.CALLRISK_PG_URL);
} else {
  dbPath = resolve(process.env.CALLRISK_DB ?? 'data/callrisk.db');
  mkdirSync(dirname(dbPath), { recursive: true });
  store = openSqliteStore(dbPath);
}
const { server, scorer } = await createApp({ store });
const port = Number(process.env.PORT ?? 8000);
const host = process.env.HOST ?? '127.0.0.1';
server.listen(port, host, () => {
  console.log(`callrisk backend on http://${host}:${server.address().port} (model ${scorer.model.id.slice(0, 12)}, db ${dbPath})`);
});
const stop = () => server.close(async () => {
  await store.close();
  process.exit(0);
});
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
