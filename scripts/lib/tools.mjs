// Finding and building the external tools jianjia runs: the Temporal CLI and PostgreSQL.
// Plain Node with no dependencies: this runs before `npm install` has.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The Temporal CLI version built from source when none is installed. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** A problem the person running jianjia must fix; its message is one actionable line. */
export class SetupError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SetupError';
  }
}

/** Where built tools are kept across clones: $JIANJIA_TOOLS_DIR, else ~/.cache/jianjia. */
export function toolsDir(env = process.env) {
  if (env.JIANJIA_TOOLS_DIR) return path.resolve(env.JIANJIA_TOOLS_DIR);
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'jianjia');
}

/** The first executable called `name` in the PATH-like list, or null. */
export function which(name, searchPath = process.env.PATH ?? '') {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Run a command to completion; resolves with its output, rejects with the tail of stderr. */
export function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${code}: ${(err || out).trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

/**
 * Locate the Temporal CLI: on the PATH, or in the tools cache. Returns null when neither has it.
 * Only the cache copy is tied to TEMPORAL_CLI_VERSION; a `temporal` on the PATH is the user's choice.
 */
export function findTemporal(env = process.env) {
  const cached = path.join(toolsDir(env), `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
  if (existsSync(cached)) return cached;
  return which('temporal', env.PATH);
}

/** The oldest Go that builds the pinned Temporal CLI (its go.mod says so). */
export const MIN_GO = [1, 25];

/** [major, minor] of a Go toolchain, or null when it cannot be asked. */
export function goVersion(go) {
  try {
    const out = execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8', timeout: 10_000 }).trim();
    const m = /^go(\d+)\.(\d+)/.exec(out);
    return m ? [Number(m[1]), Number(m[2])] : null;
  } catch {
    return null;
  }
}

/** How jianjia will get Temporal, decided before anything starts so a missing tool fails fast. */
export function planTemporal(env = process.env) {
  if (env.TEMPORAL_ADDRESS) return { kind: 'external', address: env.TEMPORAL_ADDRESS };
  const bin = findTemporal(env);
  if (bin) return { kind: 'binary', bin };
  const go = which('go', env.PATH);
  if (go) {
    const version = goVersion(go);
    if (version && (version[0] < 1 || (version[0] === 1 && version[1] < MIN_GO[1]))) {
      throw new SetupError(
        `jianjia builds the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go, which needs Go ${MIN_GO.join('.')} or newer; ${go} is ${version.join('.')}. Install a newer Go, put a \`temporal\` CLI on the PATH, or set TEMPORAL_ADDRESS.`,
      );
    }
    return { kind: 'build', go };
  }
  throw new SetupError(
    'jianjia needs Temporal: install Go 1.25+ (so jianjia can build the Temporal CLI), put a `temporal` CLI on the PATH, or set TEMPORAL_ADDRESS=host:port of a running Temporal server.',
  );
}

/**
 * `go install module@version` into `dir` of the tools cache, through a staging folder renamed into place only
 * when complete, so an interrupted build is never mistaken for a tool. Returns the seconds it took.
 */
export async function goInstall(go, { module, version, dir, label, hint }, env = process.env, log = console.log) {
  const staging = `${dir}.building-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  log(`Building ${label} ${version} from source into ${dir} (once per machine; a few minutes)...`);
  const started = Date.now();
  try {
    await run(go, ['install', `${module}@${version}`], {
      env: { ...env, GOBIN: staging, CGO_ENABLED: env.CGO_ENABLED ?? '0' },
    });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw new SetupError(`jianjia could not build ${label} with Go (${err.message.slice(0, 300)}); check that the Go module proxy is reachable${hint ? `, ${hint}` : ''}.`);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  const seconds = Math.round((Date.now() - started) / 1000);
  log(`Built ${label} in ${seconds} s.`);
  return seconds;
}

/** Build the pinned Temporal CLI with Go into the tools cache (a few minutes, once per machine). */
export async function buildTemporal(go, env = process.env, log = console.log) {
  const dir = path.join(toolsDir(env), `temporal-${TEMPORAL_CLI_VERSION}`);
  await goInstall(go, { module: TEMPORAL_CLI_MODULE, version: TEMPORAL_CLI_VERSION, dir, label: 'the Temporal CLI', hint: 'or set TEMPORAL_ADDRESS' }, env, log);
  return path.join(dir, 'temporal');
}

/** Folders where distributions put PostgreSQL's server binaries when they are not on the PATH. */
export function defaultPostgresDirs() {
  const dirs = [];
  for (const root of ['/usr/lib/postgresql', '/usr/pgsql']) {
    try {
      const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
      for (const v of versions) dirs.push(path.join(root, v, 'bin'));
    } catch {
      // not this distribution
    }
  }
  for (const v of [17, 16, 15, 14, 13]) dirs.push(`/usr/pgsql-${v}/bin`);
  dirs.push('/opt/homebrew/bin', '/usr/local/opt/postgresql/bin');
  return dirs;
}

/**
 * How jianjia will get PostgreSQL: DATABASE_URL, else a private cluster from local binaries.
 * `searchDirs` lists where to look after PG_BIN_DIR and the PATH.
 */
export function planPostgres(env = process.env, searchDirs = defaultPostgresDirs()) {
  if (env.DATABASE_URL) return { kind: 'external', url: env.DATABASE_URL };
  const candidates = [env.PG_BIN_DIR, ...(env.PATH ?? '').split(path.delimiter), ...searchDirs].filter(Boolean);
  for (const dir of candidates) {
    if (which('initdb', dir) && which('pg_ctl', dir) && which('postgres', dir)) return { kind: 'cluster', binDir: dir };
  }
  throw new SetupError(
    'jianjia needs PostgreSQL: install its server binaries (e.g. `apt-get install postgresql`, which provides initdb and pg_ctl), set PG_BIN_DIR to the folder holding them, or set DATABASE_URL=postgres://user:pass@host:port/db.',
  );
}
