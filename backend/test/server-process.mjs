// The backend as a real process for the tests that need one (crash,
// shutdown, start-up, file-descriptor limit): `node src/server.js` on a
// free port, optionally under `ulimit -n`. Not a test file itself.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SERVER = fileURLToPath(new URL('../src/server.js', import.meta.url));

/** Spawns the server; resolves once it listens ({ child, port, exited, output() }), rejects if it exits first. */
export function startServer(env, { fdLimit } = {}) {
  const fullEnv = { ...process.env, PORT: '0', ...env };
  const child = fdLimit
    ? spawn('bash', ['-c', `ulimit -n ${fdLimit} && exec "$0" "$1"`, process.execPath, SERVER], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [SERVER], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const output = () => ({ stdout, stderr });
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m) {
        child.stdout.off('data', onData);
        resolve({ child, port: Number(m[1]), exited, output });
      }
    };
    child.stdout.on('data', onData);
    exited.then(({ code, signal }) => reject(new Error(`server exited (${code ?? signal}) before listening:\n${stderr}`)));
  });
}

/** Runs the server until it exits (for start-up failures): { code, stdout, stderr }. */
export async function runServer(env, { timeoutMs = 20000 } = {}) {
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? s)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
