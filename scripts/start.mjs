// `npm start`: install what is missing, bring up Temporal and PostgreSQL (or use the ones configured),
// migrate, load demo data once, run the worker and the API, and stop it all cleanly on Ctrl-C.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError, buildTemporal, planPostgres, planTemporal } from './lib/tools.mjs';
import { ensureDependencies, startPostgres, startTemporal, stopProcess } from './lib/services.mjs';
import { ensureWebBuild } from './build-web.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(root, process.env.DATA_DIR || '.data');
const say = (line) => process.stdout.write(`[jianjia] ${line}\n`);
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

/** How often a process may die within `RESTART_WINDOW_MS` before npm start gives up on it. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 5 * 60_000;

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
    child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env, stdio: 'inherit', detached: true });
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

/** Keep the embedded Temporal server running: started again on the same ports and data file whenever it dies. */
function superviseTemporal(first, options) {
  let current = first;
  const died = restartPolicy('Temporal');
  const watch = (server) => {
    say(`Temporal started (pid ${server.child.pid})`);
    server.child.on('exit', (code, signal) => {
      if (stopping) return;
      const wait = died(signal ?? `exit ${code}`);
      if (wait === null) return;
      setTimeout(async () => {
        if (stopping) return;
        try {
          current = await startTemporal(options);
          watch(current);
        } catch (err) {
          say(`Temporal could not be started again (${err.message}); shutting down.`);
          shutdown(1);
        }
      }, wait);
    });
  };
  watch(first);
  return () => current.stop();
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

  // Decide everything that could be missing before starting anything.
  const temporalPlan = planTemporal();
  const postgresPlan = planPostgres();
  await ensureDependencies(root, say);
  // The browser app, built by Vite when the build is missing or older than its sources; the API serves it at /.
  await ensureWebBuild(say);
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const secrets = loadSecrets();

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

  let databaseUrl = process.env.DATABASE_URL;
  if (postgresPlan.kind !== 'external') {
    say(`starting PostgreSQL (${postgresPlan.binDir})...`);
    const pg = await startPostgres({ binDir: postgresPlan.binDir, dir: path.join(dataDir, 'postgres'), port: Number(process.env.PG_PORT || 54329), log: say });
    stops.push(supervisePostgres(pg));
    await ensureDatabase(pg.adminUrl);
    databaseUrl = pg.url;
  }

  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    DATA_DIR: dataDir,
    JWT_SECRET: process.env.JWT_SECRET || secrets.jwtSecret,
  };
  await runNode('bin/setup-db.ts', ['--demo'], env);
  // The workflow code bundled once, so the worker (and each restart of it) loads it instead of running webpack.
  const workflowBundle = path.join(dataDir, 'workflow-bundle.js');
  await runNode('bin/bundle-workflows.ts', [workflowBundle], env);
  env.WORKFLOW_BUNDLE = process.env.WORKFLOW_BUNDLE || workflowBundle;
  startNode('worker', 'bin/worker.ts', env);
  startNode('API', 'bin/api.ts', env);
  const port = Number(process.env.PORT || 3000);
  const apiUrl = process.env.PUBLIC_URL || `http://${process.env.HOST || '127.0.0.1'}:${port}`;
  await waitReady(`http://127.0.0.1:${port}/readyz`, 60_000);
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
