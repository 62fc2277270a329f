// Starting and stopping the embedded servers: Temporal's dev server and a private PostgreSQL cluster.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SetupError, run } from './tools.mjs';

/** The search attributes jianjia's workflows carry, from config/temporal/search-attributes.json. */
export function declaredSearchAttributes() {
  return JSON.parse(readFileSync(new URL('../../config/temporal/search-attributes.json', import.meta.url), 'utf8'));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** True when something accepts TCP connections on host:port. */
export function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => { socket.destroy(); resolve(false); });
  });
}

/** A TCP port nobody is listening on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Poll `probe` until it holds; a child that dies first, or a probe that never holds, fails naming its log's tail. */
export async function waitFor(what, probe, timeoutMs, child, logFile) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new SetupError(`${what} exited during start-up (${child.signalCode ?? `code ${child.exitCode}`}); ${logTail(logFile)}`);
    }
    if (await probe()) return;
    await sleep(250);
  }
  throw new SetupError(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s; ${logTail(logFile)}`);
}

/** Where a process's log is and how it ends, for a start-up failure's message. */
function logTail(logFile, lines = 8) {
  if (!logFile) return 'see its log.';
  try {
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return `its log (${logFile}) ends:\n${tail}`;
  } catch {
    return `see its log (${logFile}).`;
  }
}

/** Stop a child process: SIGTERM, then SIGKILL if it lingers. */
export async function stopProcess(child, graceMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try { process.kill(-child.pid, 'SIGTERM'); } catch { child.kill('SIGTERM'); }
  const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); } }, graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Node flags for a worker process (bin/worker.ts): the V8 heap limit of its main thread, where activities and the
 * outbox run (WORKER_MAIN_HEAP_MB, default 384). Only a flag at start can set it; the workflow threads' limit is set
 * by the worker itself (WORKER_THREAD_HEAP_MB). Without it V8 lets the main thread's garbage grow to several times
 * what it holds live during a deadline wave. Every launcher of the worker uses this.
 */
export function workerNodeFlags(env = process.env) {
  const raw = env.WORKER_MAIN_HEAP_MB || '384';
  const mb = Number(raw);
  if (!/^\d+$/.test(raw) || mb < 64 || mb > 16384) throw new Error(`WORKER_MAIN_HEAP_MB: must be a whole number of MiB from 64 to 16384 (got "${raw}")`);
  return [`--max-old-space-size=${mb}`];
}

/** Updates admitted at once per workflow: every township of a district (up to 50) dispatching at the same moment. */
export const maxInFlightUpdates = 50;

/**
 * The dev server's dynamic config; the cluster sets the same in config/temporal/dynamicconfig.yaml.
 * - A plan's workflow takes one update per township dispatching: all of a district's townships at once (the
 *   server's default admits 10 in flight per workflow, and the rest waited their turn).
 * - Eager activities: an activity a workflow task schedules on the worker's own queue is handed back to that worker
 *   in the answer to the task's completion, instead of going into the queue and out again by a poll. A verb's
 *   projection and a unit's ladder schedule take that path.
 * - The search attributes are cached (the server's default; the dev server alone reads them afresh from its
 *   database at every use unless told otherwise). Uncached, every unit workflow start read them three times
 *   through the dev server's one SQLite connection, the same connection each start's create write waits for under
 *   the history shard's lock: that write took 8.6–9.1 ms a unit during a 5,000-unit dispatch uncached, 7.2–8.8 ms
 *   cached (docs/benchmarks.md, eighth pass).
 *   jianjia's attributes are registered when the server starts (the flags below), so the cache is never stale for
 *   them; one added later through the operator API is seen by every service within 60 s.
 * - A task queue's backlog, as DescribeTaskQueue reports it, is at most 1 s old (default 5 s): a dispatch paces its
 *   starts by it (lib/backlog-gate.ts), and a reading up to 5 s old would let the backlog outgrow the limit by as much.
 */
export const devServerConfig = [
  `history.maxInFlightUpdates=${maxInFlightUpdates}`,
  'system.enableActivityEagerExecution=true',
  'system.forceSearchAttributesCacheRefreshOnRead=false',
  'matching.TaskQueueInfoByBuildIdTTL="1s"',
];

/**
 * Start `temporal server start-dev`. With `dbFile` its state survives restarts; without, it is in memory.
 * Spawned in its own process group so a terminal's Ctrl-C reaches only the orchestrator, which stops it in order.
 */
export async function startTemporal({ bin, dbFile, port, uiPort, metricsPort, logFile, namespace = 'default' }) {
  if (await portOpen(port)) {
    throw new SetupError(`Port ${port} is already in use, so jianjia cannot start Temporal there; stop what holds it, or set TEMPORAL_ADDRESS to use a running Temporal server.`);
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--log-format', 'json'];
  if (dbFile) args.push('--db-filename', dbFile);
  // The server's Prometheus metrics (a benchmark's BENCH_TEMPORAL_METRICS=1); off otherwise.
  if (metricsPort) args.push('--metrics-port', String(metricsPort));
  if (uiPort) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  if (namespace !== 'default') args.push('--namespace', namespace);
  // jianjia's search attributes (plan, year, township, unit, unit type), registered when the namespace is made.
  for (const [name, type] of Object.entries(declaredSearchAttributes())) args.push('--search-attribute', `${name}=${type}`);
  for (const value of devServerConfig) args.push('--dynamic-config-value', value);
  // A write-ahead log instead of SQLite's default rollback journal: a commit appends to the log and syncs it once,
  // where the rollback journal writes and syncs a journal and then the database. `synchronous=full` keeps the sync
  // at every commit, so a commit that was answered survives a power loss as before.
  if (dbFile) args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=full');
  mkdirSync(path.dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  const address = `127.0.0.1:${port}`;
  // The gRPC port opens before the namespace is registered; the CLI's health check waits for both.
  await waitFor('Temporal', async () => {
    if (!(await portOpen(port))) return false;
    try {
      await run(bin, ['operator', 'namespace', 'describe', '--address', address, '--namespace', namespace], { timeout: 5000 });
      return true;
    } catch {
      return false;
    }
  }, 120_000, child, logFile);
  return { address, uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : null, metricsUrl: metricsPort ? `http://127.0.0.1:${metricsPort}/metrics` : null, stop: () => stopProcess(child), child };
}

/**
 * As root, the cluster must sit where the `postgres` user can reach it. A data folder under a closed
 * parent (a clone in /root, say) gets its cluster under /var/lib/jianjia instead, keyed by the folder.
 */
async function reachableClusterDir(dir, log) {
  if (!isRoot()) return dir;
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  const reachable = await run('runuser', ['-u', 'postgres', '--', 'test', '-x', parent]).then(() => true, () => false);
  if (reachable) return dir;
  const moved = path.join('/var/lib/jianjia', `postgres-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
  mkdirSync(path.dirname(moved), { recursive: true, mode: 0o755 });
  log(`${parent} is closed to the postgres user, so the database cluster lives in ${moved}`);
  return moved;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Run a PostgreSQL tool; as root, as the unprivileged `postgres` user, since initdb and postgres refuse root. */
function pgTool(binDir, tool, args) {
  const cmd = path.join(binDir, tool);
  return isRoot() ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
}

function postgresUserIds() {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new SetupError('jianjia runs as root but this machine has no `postgres` user to run PostgreSQL as; create one (useradd -r postgres) or run as an ordinary user.');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Initialise (first time) and start a private PostgreSQL cluster in `dir`, on 127.0.0.1 only.
 * Returns a DATABASE_URL for database `jianjia`. The password is generated once and kept in `dir`.
 */
export async function startPostgres({ binDir, dir: wanted, port, log = () => {}, settings = [] }) {
  const dir = await reachableClusterDir(wanted, log);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cluster = path.join(dir, 'cluster');
  const logFile = path.join(dir, 'postgres.log');
  const passwordFile = path.join(dir, 'password');
  if (isRoot()) {
    const { uid, gid } = postgresUserIds();
    chownSync(dir, uid, gid);
    try {
      await run('runuser', ['-u', 'postgres', '--', 'test', '-w', dir]);
    } catch {
      throw new SetupError(`The postgres user cannot write ${dir} (a parent folder is closed to it); set DATA_DIR to a folder it can reach, e.g. /var/lib/jianjia.`);
    }
  }
  if (!existsSync(path.join(cluster, 'PG_VERSION'))) {
    rmSync(cluster, { recursive: true, force: true });
    const password = randomBytes(18).toString('base64url');
    const pwfile = path.join(dir, 'initdb.pw');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (isRoot()) { const { uid, gid } = postgresUserIds(); chownSync(pwfile, uid, gid); }
    try {
      await pgTool(binDir, 'initdb', ['-D', cluster, '-U', 'jianjia', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=peer', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions']);
    } finally {
      rmSync(pwfile, { force: true });
    }
    appendFileSync(path.join(cluster, 'postgresql.conf'), [
      '', '# jianjia: private cluster, loopback only',
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      "unix_socket_directories = ''",
      'max_connections = 200',
      'shared_buffers = 256MB',
      ...settings,
      '',
    ].join('\n'));
    writeFileSync(passwordFile, password, { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const configured = Number(/^port = (\d+)/m.exec(readFileSync(path.join(cluster, 'postgresql.conf'), 'utf8'))?.[1] ?? port);
  const status = await pgTool(binDir, 'pg_ctl', ['status', '-D', cluster]).then(() => 'running', () => 'stopped');
  if (status === 'running') {
    // A cluster left running by a killed earlier start: restart it so this run owns it.
    await pgTool(binDir, 'pg_ctl', ['stop', '-D', cluster, '-m', 'fast', '-w']);
  }
  if (await portOpen(configured)) {
    throw new SetupError(`Port ${configured} (PostgreSQL's, set in ${cluster}/postgresql.conf) is in use by something else; free it or set DATABASE_URL to use an existing PostgreSQL.`);
  }
  if (isRoot() && existsSync(logFile)) { const { uid, gid } = postgresUserIds(); chownSync(logFile, uid, gid); }
  await pgTool(binDir, 'pg_ctl', ['start', '-D', cluster, '-l', logFile, '-w', '-t', '60']);
  const base = `postgres://jianjia:${encodeURIComponent(password)}@127.0.0.1:${configured}`;
  return {
    adminUrl: `${base}/postgres`,
    url: `${base}/jianjia`,
    port: configured,
    stop: () => pgTool(binDir, 'pg_ctl', ['stop', '-D', cluster, '-m', 'fast', '-w']).catch(() => {}),
    /** Whether the server is running now (pg_ctl status). */
    running: () => pgTool(binDir, 'pg_ctl', ['status', '-D', cluster]).then(() => true, () => false),
    /** Start it again after it died (a stale postmaster.pid is pg_ctl's to handle). */
    restart: () => pgTool(binDir, 'pg_ctl', ['start', '-D', cluster, '-l', logFile, '-w', '-t', '60']),
    /** The postmaster's process id, from its pid file (null when not running). */
    pid: () => {
      try {
        return Number(readFileSync(path.join(cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);
      } catch {
        return null;
      }
    },
  };
}

/** Make a throw-away folder that the `postgres` user can also enter when we are root. */
export function makeScratchDir(prefix) {
  const base = path.join(os.tmpdir(), `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`);
  mkdirSync(base, { recursive: true, mode: 0o755 });
  return base;
}

/** Is the folder's `node_modules` complete for the current lockfile? */
export function dependenciesInstalled(root) {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return false;
  const lock = path.join(root, 'package-lock.json');
  return !existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
}

/** `npm ci` when dependencies are missing or older than the lockfile. */
export async function ensureDependencies(root, log = console.log) {
  if (dependenciesInstalled(root)) return;
  log('Installing npm dependencies (npm ci)...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await new Promise((resolve, reject) => {
    const child = spawn(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new SetupError(`npm ci failed (exit ${code}); see the output above.`))));
  });
}
