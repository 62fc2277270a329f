// `npm start`: install what is missing, bring up Temporal and PostgreSQL (or use the ones configured),
// migrate, load demo data once, run the worker and the API, and stop it all cleanly on Ctrl-C.
// `npm start -- --profile cluster` (`npm run start:cluster`): the production shape instead, a real Temporal
// server on PostgreSQL with its Web UI, two workers and two API processes behind a small load balancer.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError, buildTemporal, planPostgres, planTemporal } from './lib/tools.mjs';
import { ensureDependencies, startPostgres, startTemporal, stopProcess, workerNodeFlags } from './lib/services.mjs';
import { chooseShards, clusterPorts, ensureClusterTools, planCluster, prepareTemporalDatabases, startTemporalServer, startTemporalUi } from './lib/cluster.mjs';
import { startBalancer } from './lib/balancer.mjs';
import { ensureWebBuild } from './build-web.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(root, process.env.DATA_DIR || '.data');
const say = (line) => process.stdout.write(`[jianjia] ${line}\n`);
/** `--profile cluster` (or JIANJIA_PROFILE=cluster) starts the cluster profile; anything else, the embedded default. */
function chosenProfile(argv = process.argv.slice(2)) {
  const at = argv.findIndex((a) => a === '--profile' || a.startsWith('--profile='));
  const value = at < 0 ? process.env.JIANJIA_PROFILE || 'embedded' : argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
  if (value !== 'embedded' && value !== 'cluster') throw new SetupError(`Unknown profile "${value}": use --profile cluster, or none for the embedded default.`);
  return value;
}
const stops = []; // run in reverse on the way out
let stopping = false;

/** Secrets made once per data folder, so tokens and the database survive restarts. */
function loadSecrets() {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = { jwtSecret: randomBytes(32).toString('base64url') };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * How often a process may die within `RESTART_WINDOW_MS` before npm start gives up on it: 5 by default,
 * RESTART_LIMIT to allow more (the fault matrix, `npm run chaos`, kills processes far more often than that).
 */
let MAX_RESTARTS = 5; // set from RESTART_LIMIT in main()
const RESTART_WINDOW_MS = 5 * 60_000;

function restartLimit(value) {
  if (value === undefined || value === '') return 5;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new SetupError(`RESTART_LIMIT must be a whole number of at least 1, not "${value}".`);
  return n;
}

/**
 * What to do when `name` dies: the back-off before starting it again (1 s, doubling to 30 s), announced in one line,
 * or null after MAX_RESTARTS deaths within RESTART_WINDOW_MS, when npm start stops everything and says so.
 */
function restartPolicy(name) {
  const deaths = [];
  return (how) => {
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0] < now - RESTART_WINDOW_MS) deaths.shift();
    if (deaths.length > MAX_RESTARTS) {
      say(`${name} stopped ${deaths.length} times within ${RESTART_WINDOW_MS / 60_000} minutes (last: ${how}); giving up and shutting down. See its log lines above.`);
      shutdown(1);
      return null;
    }
    const wait = Math.min(1000 * 2 ** (deaths.length - 1), 30_000);
    say(`${name} stopped unexpectedly (${how}); restarting in ${wait / 1000} s (${deaths.length} of ${MAX_RESTARTS} allowed in ${RESTART_WINDOW_MS / 60_000} minutes).`);
    return wait;
  };
}

/** Start a Node entry point under tsx in its own process group, and start it again whenever it dies (restartPolicy). */
function startNode(name, entry, env) {
  let child = null;
  const died = restartPolicy(name);
  const launch = () => {
    const flags = entry === 'bin/worker.ts' ? workerNodeFlags(env) : [];
    child = spawn(process.execPath, [...flags, '--import', 'tsx', entry], { cwd: root, env, stdio: 'inherit', detached: true });
    say(`${name} started (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      const wait = died(signal ?? `exit ${code}`);
      if (wait !== null) setTimeout(() => !stopping && launch(), wait);
    });
  };
  launch();
  stops.push(() => (child ? stopProcess(child, 20_000) : undefined));
}

/**
 * Keep a server running: `start()` again (same ports, same data) whenever its process dies, with restartPolicy's
 * back-off. A start that fails counts as another death and is tried again the same way: the Temporal server exits
 * at once while PostgreSQL is itself restarting, and comes up on a later try. `first` is what `start()` returned
 * the first time ({ child, stop }).
 */
function superviseServer(name, first, start) {
  let current = first;
  const died = restartPolicy(name);
  const again = (how) => {
    const wait = died(how);
    if (wait === null) return;
    setTimeout(async () => {
      if (stopping) return;
      try {
        current = await start();
        watch(current);
      } catch (err) {
        if (stopping) return;
        say(`${name} could not be started again (${err.message})`);
        again('failed to start');
      }
    }, wait);
  };
  const watch = (server) => {
    say(`${name} started (pid ${server.child.pid})`);
    server.child.on('exit', (code, signal) => {
      if (!stopping) again(signal ?? `exit ${code}`);
    });
  };
  watch(first);
  return () => current.stop();
}

/** Keep the embedded Temporal server running: started again on the same ports and data file whenever it dies. */
function superviseTemporal(first, options) {
  return superviseServer('Temporal', first, () => startTemporal(options));
}

/** Keep the embedded PostgreSQL running: its status is checked every 2 s and it is started again when it died. */
function supervisePostgres(pg) {
  const died = restartPolicy('PostgreSQL');
  say(`PostgreSQL started (pid ${pg.pid()})`);
  let busy = false;
  const timer = setInterval(async () => {
    if (stopping || busy) return;
    busy = true;
    try {
      if (await pg.running()) return;
      const wait = died('not running');
      if (wait === null) return;
      await new Promise((r) => setTimeout(r, wait));
      if (stopping) return;
      await pg.restart();
      say(`PostgreSQL started (pid ${pg.pid()})`);
    } catch (err) {
      say(`PostgreSQL could not be started again (${err.message}); trying again.`);
    } finally {
      busy = false;
    }
  }, 2000);
  return async () => {
    clearInterval(timer);
    await pg.stop();
  };
}

function runNode(entry, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: root, env, stdio: 'inherit' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new SetupError(`${entry} failed (exit ${code}); see the line above.`))));
  });
}

async function ensureDatabase(adminUrl) {
  const { default: postgres } = await import('postgres');
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await sql`select 1 from pg_database where datname = 'jianjia'`;
    if (!exists) await sql`create database jianjia`;
  } finally {
    await sql.end();
  }
}

async function waitReady(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new SetupError(`the API did not report ready at ${url} within ${timeoutMs / 1000} s; see the logs above.`);
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (err) {
      say(`while stopping: ${err.message}`);
    }
  }
  say(code === 0 ? 'stopped; data kept in ' + dataDir : 'stopped.');
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));

  const profile = chosenProfile();
  MAX_RESTARTS = restartLimit(process.env.RESTART_LIMIT);
  // Decide everything that could be missing before starting anything.
  const clusterPlan = profile === 'cluster' ? planCluster() : null;
  const temporalPlan = profile === 'cluster' ? null : planTemporal();
  const postgresPlan = planPostgres();
  await ensureDependencies(root, say);
  // The browser app, built by Vite when the build is missing or older than its sources; the API serves it at /.
  await ensureWebBuild(say);
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const secrets = loadSecrets();

  if (profile === 'cluster') return startCluster(clusterPlan, postgresPlan, secrets);

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let temporalUi = process.env.TEMPORAL_UI_URL ?? null;
  if (temporalPlan.kind !== 'external') {
    const bin = temporalPlan.kind === 'build' ? await buildTemporal(temporalPlan.go, process.env, say) : temporalPlan.bin;
    say(`starting Temporal (${bin})...`);
    const options = {
      bin,
      dbFile: path.join(dataDir, 'temporal.db'),
      port: Number(process.env.TEMPORAL_PORT || 7233),
      uiPort: Number(process.env.TEMPORAL_UI_PORT || 8233),
      logFile: path.join(dataDir, 'logs', 'temporal.log'),
    };
    const temporal = await startTemporal(options);
    stops.push(superviseTemporal(temporal, options));
    temporalAddress = temporal.address;
    temporalUi = temporal.uiUrl;
  }

  const { url: databaseUrl } = await bringUpPostgres(postgresPlan);

  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    DATA_DIR: dataDir,
    JWT_SECRET: process.env.JWT_SECRET || secrets.jwtSecret,
  };
  await runNode('bin/setup-db.ts', ['--demo'], env);
  // The workflow code bundled once, so the worker (and each restart of it) loads it instead of running webpack.
  await bundleWorkflows(env);
  startNode('worker', 'bin/worker.ts', env);
  startNode('API', 'bin/api.ts', env);
  const port = Number(process.env.PORT || 3000);
  await waitReady(`http://127.0.0.1:${port}/readyz`, 60_000);
  announce(port, temporalUi);
}

/** The workflow code bundled once, so each worker (and each restart of one) loads it instead of running webpack. */
async function bundleWorkflows(env) {
  if (process.env.WORKFLOW_BUNDLE) return;
  const file = path.join(dataDir, 'workflow-bundle.js');
  await runNode('bin/bundle-workflows.ts', [file], env);
  env.WORKFLOW_BUNDLE = file;
}

/** The embedded PostgreSQL (supervised), or DATABASE_URL's server; with the jianjia database. */
async function bringUpPostgres(postgresPlan) {
  if (postgresPlan.kind === 'external') {
    const admin = new URL(process.env.DATABASE_URL);
    admin.pathname = '/postgres';
    return { url: process.env.DATABASE_URL, adminUrl: admin.toString() };
  }
  say(`starting PostgreSQL (${postgresPlan.binDir})...`);
  const pg = await startPostgres({ binDir: postgresPlan.binDir, dir: path.join(dataDir, 'postgres'), port: Number(process.env.PG_PORT || 54329), log: say });
  stops.push(supervisePostgres(pg));
  await ensureDatabase(pg.adminUrl);
  return { url: pg.url, adminUrl: pg.adminUrl };
}

/**
 * The cluster profile: PostgreSQL, Temporal's databases and schema, the Temporal server and Web UI, then
 * WORKERS (2) worker processes and API_PROCESSES (2) API processes on PORT+1.. behind a balancer on PORT.
 * Every process is supervised with the same restart policy as the embedded default.
 */
async function startCluster(clusterPlan, postgresPlan, secrets) {
  // The shard count first: a change is refused before anything starts.
  const shards = chooseShards(dataDir, process.env.TEMPORAL_HISTORY_SHARDS);
  const bins = await ensureClusterTools(clusterPlan, process.env, say);
  // DATABASE_URL's server when set (Temporal's databases beside jianjia's), else the embedded cluster.
  const pg = await bringUpPostgres(postgresPlan);
  say('preparing Temporal\'s databases (temporal-sql-tool: create when missing, update the schema)...');
  await prepareTemporalDatabases({ sqlTool: bins.sqlTool, adminUrl: pg.adminUrl, log: say });
  const ports = clusterPorts(Number(process.env.TEMPORAL_PORT || 7233));
  const serverOptions = { bin: bins.server, adminUrl: pg.adminUrl, ports, shards, logFile: path.join(dataDir, 'logs', 'temporal-server.log') };
  say(`starting the Temporal server ${path.dirname(bins.server)} (${shards} history shards)...`);
  const server = await startTemporalServer(serverOptions);
  stops.push(superviseServer('Temporal server', server, () => startTemporalServer(serverOptions)));
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  const env = {
    ...process.env,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: namespace,
    DATA_DIR: dataDir,
    JWT_SECRET: process.env.JWT_SECRET || secrets.jwtSecret,
  };
  // Shard count as created, the namespace when missing, jianjia's search attributes (operator API).
  await runNode('bin/temporal-setup.ts', [], { ...env, JIANJIA_TEMPORAL_SHARDS: String(shards) });
  const uiOptions = { bin: bins.ui, address: server.address, port: Number(process.env.TEMPORAL_UI_PORT || 8233), namespace, logFile: path.join(dataDir, 'logs', 'temporal-ui.log') };
  const ui = await startTemporalUi(uiOptions);
  stops.push(superviseServer('Temporal Web UI', ui, () => startTemporalUi(uiOptions)));

  await runNode('bin/setup-db.ts', ['--demo'], env);
  const workers = Number(process.env.WORKERS || 2);
  await bundleWorkflows(env);
  for (let i = 1; i <= workers; i++) startNode(`worker ${i}`, 'bin/worker.ts', env);
  const port = Number(process.env.PORT || 3000);
  const apiPorts = Array.from({ length: Number(process.env.API_PROCESSES || 2) }, (_, i) => port + 1 + i);
  for (const [i, apiPort] of apiPorts.entries()) startNode(`API ${i + 1}`, 'bin/api.ts', { ...env, PORT: String(apiPort), HOST: '127.0.0.1' });
  const balancer = await startBalancer({ host: process.env.HOST || '127.0.0.1', port, backends: apiPorts });
  stops.push(() => balancer.close());
  for (const apiPort of apiPorts) await waitReady(`http://127.0.0.1:${apiPort}/readyz`, 60_000);
  say(`cluster profile: Temporal server ${server.address} (${shards} history shards, namespace ${namespace}), ${workers} workers, ${apiPorts.length} API processes (ports ${apiPorts.join(', ')}) behind ${port}`);
  announce(port, ui.url);
}

function announce(port, temporalUi) {
  const apiUrl = process.env.PUBLIC_URL || `http://${process.env.HOST || '127.0.0.1'}:${port}`;
  say('');
  say(`App          ${apiUrl}/   (phone pages for union chairs: ${apiUrl}/m/)`);
  say(`API          ${apiUrl}/api/v1`);
  say(`API docs     ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`);
  if (temporalUi) say(`Temporal UI  ${temporalUi}`);
  say(`data         ${dataDir}`);
  say(`log in at ${apiUrl}/ (or POST /api/v1/auth/login {"login":"district","password":"jianjia-demo"})`);
  say('  demo logins: district, dept-org, township-01..township-24, unit-0001..; password jianjia-demo');
  say('Ctrl-C stops everything; the next npm start finds the data where it was.');
}

main().catch(async (err) => {
  process.stderr.write(`${err instanceof SetupError ? err.message : err.stack}\n`);
  if (!stopping) {
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
  process.exit(1);
});
