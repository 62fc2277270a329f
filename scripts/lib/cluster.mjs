// The cluster profile's servers: a real Temporal server (all services in one process) with persistence and
// visibility on PostgreSQL, its schema kept by temporal-sql-tool, and the Temporal Web UI. Built from source
// with Go into the tools cache, like the CLI. Plain Node: runs before `npm install` has (postgres.js is
// imported only once the dependencies are in).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIN_GO, SetupError, goInstall, goVersion, run, toolsDir, which } from './tools.mjs';
import { portOpen, stopProcess, waitFor } from './services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The pinned Temporal server release (the one the pinned CLI embeds) and the Web UI that goes with it. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_VERSION = 'v2.42.1';

/** The three Go programs; two of them are called `server`, so each has its own folder in the cache. */
export const CLUSTER_TOOLS = {
  server: { label: 'the Temporal server', module: 'go.temporal.io/server/cmd/server', version: TEMPORAL_SERVER_VERSION, folder: `temporal-server-${TEMPORAL_SERVER_VERSION}`, bin: 'server' },
  sqlTool: { label: 'temporal-sql-tool', module: 'go.temporal.io/server/cmd/tools/sql', version: TEMPORAL_SERVER_VERSION, folder: `temporal-sql-tool-${TEMPORAL_SERVER_VERSION}`, bin: 'sql' },
  ui: { label: 'the Temporal Web UI', module: 'github.com/temporalio/ui-server/v2/cmd/server', version: TEMPORAL_UI_VERSION, folder: `temporal-ui-server-${TEMPORAL_UI_VERSION}`, bin: 'server' },
};

/** The default number of history shards of a new cluster (TEMPORAL_HISTORY_SHARDS chooses another, once). */
export const DEFAULT_HISTORY_SHARDS = 4;

/**
 * Where each tool is (or will be) in the tools cache, which are missing, and the Go that builds them.
 * Fails fast with one line when some are missing and there is no suitable Go.
 */
export function planCluster(env = process.env) {
  const cache = toolsDir(env);
  const bins = Object.fromEntries(Object.entries(CLUSTER_TOOLS).map(([key, t]) => [key, path.join(cache, t.folder, t.bin)]));
  const missing = Object.keys(CLUSTER_TOOLS).filter((key) => !existsSync(bins[key]));
  if (missing.length === 0) return { bins, missing, go: null };
  const go = which('go', env.PATH);
  const version = go ? goVersion(go) : null;
  if (!go || (version && (version[0] < 1 || (version[0] === 1 && version[1] < MIN_GO[1])))) {
    throw new SetupError(
      `The cluster profile builds the Temporal server ${TEMPORAL_SERVER_VERSION}, temporal-sql-tool and the Web UI ${TEMPORAL_UI_VERSION} with Go ${MIN_GO.join('.')}+, ` +
        `which ${go ? `is too old here (${version.join('.')})` : 'is not on the PATH'}; install Go, or run the embedded default with \`npm start\`.`,
    );
  }
  return { bins, missing, go };
}

/** Build whatever planCluster found missing, one at a time (each is a large Go build). Returns the binaries. */
export async function ensureClusterTools(plan, env = process.env, log = console.log) {
  for (const key of plan.missing) {
    const tool = CLUSTER_TOOLS[key];
    await goInstall(plan.go, { ...tool, dir: path.dirname(plan.bins[key]) }, env, log);
  }
  return plan.bins;
}

/**
 * The history shard count is chosen once: at first start it is written beside the data, and a later start
 * asking for another is refused (Temporal itself keeps the first value silently). Returns the count to use.
 */
export function chooseShards(stateDir, requested) {
  const file = path.join(stateDir, 'temporal-cluster.json');
  const stored = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
  const wanted = requested === undefined || requested === '' ? null : Number(requested);
  if (wanted !== null && (!Number.isInteger(wanted) || wanted < 1 || wanted > 16384)) {
    throw new SetupError(`TEMPORAL_HISTORY_SHARDS must be a whole number from 1 to 16384, not "${requested}".`);
  }
  if (stored) {
    if (wanted !== null && wanted !== stored.historyShards) {
      throw new SetupError(
        `This Temporal cluster was created with ${stored.historyShards} history shards (${file}), and the count can never change; unset TEMPORAL_HISTORY_SHARDS or set it to ${stored.historyShards}.`,
      );
    }
    return stored.historyShards;
  }
  const shards = wanted ?? DEFAULT_HISTORY_SHARDS;
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ historyShards: shards, chosenAt: new Date().toISOString() }, null, 2)}\n`);
  return shards;
}

/** The ports of a cluster whose frontend listens on `base` (the others follow Temporal's usual layout). */
export function clusterPorts(base) {
  return {
    frontend: base,
    history: base + 1,
    matching: base + 2,
    worker: base + 6,
    http: base + 10,
    frontendMembership: base - 300,
    historyMembership: base - 299,
    matchingMembership: base - 298,
    workerMembership: base - 294,
    metrics: base + 767,
  };
}

/** A free port below 32768: Temporal stores membership ports in a smallint column, so the ephemeral range will not do. */
export async function freeLowPort() {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise((resolve) => {
      const server = net.createServer();
      server.unref();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new SetupError('no free TCP port between 20000 and 32000 for the Temporal cluster');
}

/** Ports for a throw-away cluster (tests): each free now, all below 32768. */
export async function freeClusterPorts() {
  const ports = {};
  const taken = new Set();
  for (const name of Object.keys(clusterPorts(0))) {
    let port;
    do port = await freeLowPort();
    while (taken.has(port));
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

/** The two databases Temporal keeps on the PostgreSQL server: histories and shards, and visibility. */
export const TEMPORAL_DATABASES = { main: 'temporal', visibility: 'temporal_visibility' };

/**
 * Create Temporal's two databases when missing and bring their schema to the release's latest with
 * temporal-sql-tool (idempotent: run on every start, it applies only what a newer release added).
 */
export async function prepareTemporalDatabases({ sqlTool, adminUrl, log = () => {} }) {
  const { default: postgres } = await import('postgres');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    for (const db of Object.values(TEMPORAL_DATABASES)) {
      const [exists] = await admin`select 1 from pg_database where datname = ${db}`;
      if (!exists) {
        await admin.unsafe(`create database ${db}`);
        log(`created database ${db} for Temporal`);
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  const common = ['--plugin', 'postgres12', '--endpoint', url.hostname, '--port', url.port || '5432', '--user', decodeURIComponent(url.username), '--password', decodeURIComponent(url.password)];
  const schema = { [TEMPORAL_DATABASES.main]: 'postgresql/v12/temporal', [TEMPORAL_DATABASES.visibility]: 'postgresql/v12/visibility' };
  for (const [db, name] of Object.entries(schema)) {
    // setup-schema -v 0.0 makes the version tables (nothing when they exist); update-schema applies what is new.
    await run(sqlTool, [...common, '--database', db, 'setup-schema', '-v', '0.0']);
    await run(sqlTool, [...common, '--database', db, 'update-schema', '--schema-name', name]);
  }
}

/** The environment the Temporal server's config template (config/temporal/cluster.yaml) reads. */
function serverEnv({ adminUrl, ports, shards, bind = '127.0.0.1', maxConns }) {
  const url = new URL(adminUrl);
  return {
    JIANJIA_TEMPORAL_CONFIG_DIR: path.join(root, 'config', 'temporal'),
    JIANJIA_TEMPORAL_SHARDS: String(shards),
    JIANJIA_TEMPORAL_PG_ADDR: `${url.hostname}:${url.port || '5432'}`,
    JIANJIA_TEMPORAL_PG_USER: decodeURIComponent(url.username),
    JIANJIA_TEMPORAL_PG_PASSWORD: decodeURIComponent(url.password),
    ...(maxConns ? { JIANJIA_TEMPORAL_PG_MAX_CONNS: String(maxConns) } : {}),
    JIANJIA_TEMPORAL_BIND: bind,
    JIANJIA_TEMPORAL_FRONTEND_PORT: String(ports.frontend),
    JIANJIA_TEMPORAL_HTTP_PORT: String(ports.http),
    JIANJIA_TEMPORAL_HISTORY_PORT: String(ports.history),
    JIANJIA_TEMPORAL_MATCHING_PORT: String(ports.matching),
    JIANJIA_TEMPORAL_WORKER_PORT: String(ports.worker),
    JIANJIA_TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    JIANJIA_TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    JIANJIA_TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    JIANJIA_TEMPORAL_WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    JIANJIA_TEMPORAL_METRICS_PORT: String(ports.metrics),
  };
}

function spawnLogged(bin, args, env, logFile) {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a');
  const child = spawn(bin, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  return child;
}

/**
 * Start the Temporal server (frontend, history, matching and worker services in one process) on `ports`.
 * Resolves once the frontend answers; the namespace and search attributes are bin/temporal-setup.ts's.
 */
export async function startTemporalServer({ bin, adminUrl, ports, shards, logFile, maxConns }) {
  for (const [name, port] of Object.entries(ports)) {
    if (await portOpen(port)) throw new SetupError(`Port ${port} (Temporal's ${name} port) is already in use; stop what holds it, or set TEMPORAL_PORT to another base port.`);
  }
  const args = ['--root', root, '--config', path.join('config', 'temporal'), '--env', 'cluster', '--allow-no-auth', 'start'];
  const child = spawnLogged(bin, args, serverEnv({ adminUrl, ports, shards, maxConns }), logFile);
  const address = `127.0.0.1:${ports.frontend}`;
  try {
    await waitFor('The Temporal server', () => portOpen(ports.frontend), 120_000, child, logFile);
  } catch (err) {
    // Not left holding its ports when it never came up: the supervisor tries again on the same ones.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  }
  return { address, child, stop: () => stopProcess(child, 20_000) };
}

/** Start the Temporal Web UI server on `port`, pointed at the cluster's frontend. */
export async function startTemporalUi({ bin, address, port, namespace, logFile }) {
  if (await portOpen(port)) throw new SetupError(`Port ${port} (the Temporal Web UI's) is already in use; set TEMPORAL_UI_PORT to a free port.`);
  const args = ['--root', root, '--config', path.join('config', 'temporal-ui'), '--env', 'cluster', 'start'];
  const child = spawnLogged(bin, args, { JIANJIA_TEMPORAL_ADDRESS: address, JIANJIA_TEMPORAL_UI_PORT: String(port), JIANJIA_TEMPORAL_NAMESPACE: namespace }, logFile);
  await waitFor('The Temporal Web UI', () => portOpen(port), 60_000, child, logFile);
  return { url: `http://127.0.0.1:${port}`, child, stop: () => stopProcess(child) };
}
