// Throwaway databases for the tests. PostgreSQL: a server on loopback from
// Debian's postgresql binaries, a cluster in a temp dir, a free port (as
// root the server runs as the postgres user: it refuses to run as root).
// SQLite: a file in a temp dir.
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import pg from 'pg';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'initdb')));
  if (!dir) throw new Error('no PostgreSQL server binaries (scripts/setup.sh --tests installs Debian postgresql)');
  return dir;
}

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

export async function startPostgres() {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-pg-'));
  chmodSync(dir, 0o777);
  const asRoot = process.getuid?.() === 0;
  const run = (cmd, args) => {
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args;
    const r = spawnSync(asRoot ? 'runuser' : join(bin, cmd), argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on`, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Runs `fn({ url, rows(sql, args) })` on a throwaway server with a client of the test's own; stops both after. */
export async function withPostgres(fn) {
  const server = await startPostgres();
  const client = new pg.Client({ connectionString: server.url });
  try {
    await client.connect();
    return await fn({ url: server.url, rows: async (sql, args = []) => (await client.query(sql, args)).rows });
  } finally {
    await client.end().catch(() => {});
    server.stop();
  }
}

/**
 * Runs `fn({ path, rows(sql, args) })` on a SQLite file in a temp dir, read
 * by a read-only connection per query (the server process writes it); the
 * dir is removed after.
 */
export async function withSqliteFile(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-sqlite-'));
  const path = join(dir, 'test.db');
  const rows = (sql, args = []) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare(sql).all(...args);
    } finally {
      db.close();
    }
  };
  try {
    return await fn({ path, rows });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
