// Temporal's Java time-skipping test server, for tests that use TestWorkflowEnvironment.createTimeSkipping().
// The TypeScript SDK would download a native build from temporal.download; instead Maven fetches the same
// server's jars from Maven Central (pinned in scripts/testserver/pom.xml) into the tools cache, once per
// machine, and a small wrapper script runs it with the local Java.
// Plain Node with no dependencies, like tools.mjs.
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError, run, toolsDir, which } from './tools.mjs';

const POM = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'testserver', 'pom.xml');

/** The io.temporal:temporal-test-server version, read from the pom so the two never disagree. */
export const TEST_SERVER_VERSION = (() => {
  const match = /<temporal\.test-server\.version>\s*([^<\s]+)\s*<\/temporal\.test-server\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!match) throw new Error(`${POM} does not set <temporal.test-server.version>`);
  return match[1];
})();

const MAIN_CLASS = 'io.temporal.testserver.TestServer';
const WRAPPER = 'temporal-test-server';

/** Where the test server is kept: $JIANJIA_TOOLS_DIR (else ~/.cache/jianjia)/temporal-test-server-<version>/. */
export function testServerDir(env = process.env) {
  return path.join(toolsDir(env), `temporal-test-server-${TEST_SERVER_VERSION}`);
}

/** The Java the wrapper will run: $JAVA_HOME/bin/java, else `java` on the PATH; null when there is none. */
function findJava(env) {
  if (env.JAVA_HOME) {
    const candidate = which('java', path.join(env.JAVA_HOME, 'bin'));
    if (candidate) return candidate;
  }
  return which('java', env.PATH);
}

// The wrapper finds its jars beside itself, so it works from the staging folder and after the rename alike.
const wrapperScript = `#!/bin/sh
# Temporal's time-skipping test server ${TEST_SERVER_VERSION} (io.temporal:temporal-test-server from Maven Central),
# written by jianjia's scripts/lib/testserver.mjs. Usage: ${WRAPPER} <port> [args...]
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 1
if [ -n "$JAVA_HOME" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; else java=java; fi
exec "$java" \${JIANJIA_TEST_SERVER_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1} -cp "$here/lib/*" ${MAIN_CLASS} "$@"
`;

/** True when `pid` names a live process (ours or another's). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Remove staging folders left by interrupted runs whose process is gone. */
function sweepStaleStaging(dir) {
  const parent = path.dirname(dir);
  const prefix = `${path.basename(dir)}.building-`;
  let names = [];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

/** The first [ERROR] line of a Maven log (Maven's own output is only ANSI noise under -q), or null. */
function mavenError(logFile) {
  try {
    const line = readFileSync(logFile, 'utf8')
      .split('\n')
      .map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim())
      .find((l) => l.startsWith('[ERROR]') && l.length > '[ERROR]'.length);
    return line ? line.slice('[ERROR]'.length).trim().slice(0, 300) : null;
  } catch {
    return null;
  }
}

async function build(dir, env, log) {
  const mvn = which('mvn', env.PATH);
  if (!mvn) {
    throw new SetupError(
      `jianjia's time-skipping tests need Maven to fetch Temporal's test server ${TEST_SERVER_VERSION} from Maven Central once: install it (e.g. \`apt-get install maven\`) so \`mvn\` is on the PATH.`,
    );
  }
  mkdirSync(path.dirname(dir), { recursive: true });
  sweepStaleStaging(dir);
  const staging = `${dir}.building-${process.pid}-${Date.now().toString(36)}`;
  mkdirSync(staging, { recursive: true });
  log(`Fetching Temporal's time-skipping test server ${TEST_SERVER_VERSION} with Maven into ${dir} (once per machine)...`);
  const started = Date.now();
  try {
    const mavenLog = path.join(staging, 'maven.log');
    try {
      await run(
        mvn,
        ['-q', '-B', '-l', mavenLog, '-f', POM, 'org.apache.maven.plugins:maven-dependency-plugin:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${path.join(staging, 'lib')}`],
        { env },
      );
    } catch (err) {
      throw new SetupError(
        `jianjia could not fetch Temporal's test server ${TEST_SERVER_VERSION} with Maven (${mavenError(mavenLog) ?? err.message.slice(0, 300)}); check that Maven Central is reachable.`,
      );
    }
    rmSync(mavenLog, { force: true });
    const jar = `temporal-test-server-${TEST_SERVER_VERSION}.jar`;
    if (!existsSync(path.join(staging, 'lib', jar))) {
      throw new SetupError(`Maven finished but ${jar} is not among the fetched jars in ${path.join(staging, 'lib')}; check ${POM}.`);
    }
    // The wrapper is the last thing written: its presence in `dir` means the folder is complete.
    const wrapper = path.join(staging, WRAPPER);
    writeFileSync(wrapper, wrapperScript);
    chmodSync(wrapper, 0o755);
    try {
      renameSync(staging, dir);
    } catch (err) {
      // Another process finished first: its folder has a wrapper, so use it (ours is discarded below).
      // A folder without one is not a finished copy; replace it.
      if (!existsSync(path.join(dir, WRAPPER))) {
        rmSync(dir, { recursive: true, force: true });
        renameSync(staging, dir);
      }
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`Fetched Temporal's test server in ${Math.round((Date.now() - started) / 1000)} s.`);
  return path.join(dir, WRAPPER);
}

const pending = new Map();

/**
 * The absolute path of an executable that runs Temporal's time-skipping test server (`<wrapper> <port>`),
 * suitable for `{ executable: { type: 'existing-path', path } }`. Fetches the server with Maven the first time
 * on a machine; afterwards returns at once. Throws SetupError (one line) when `java` or `mvn` is missing.
 *
 * @param {{ log?: (line: string) => void, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<string>}
 */
export async function ensureTestServer({ log = () => {}, env = process.env } = {}) {
  if (!findJava(env)) {
    throw new SetupError(
      `jianjia's time-skipping tests need Java 8+ to run Temporal's test server: install a JDK or JRE (e.g. \`apt-get install openjdk-17-jre-headless\`) so \`java\` is on the PATH, or set JAVA_HOME.`,
    );
  }
  const dir = testServerDir(env);
  const wrapper = path.join(dir, WRAPPER);
  if (existsSync(wrapper)) return wrapper;
  // Concurrent callers in one process share one Maven run.
  let promise = pending.get(dir);
  if (!promise) {
    promise = build(dir, env, log).finally(() => pending.delete(dir));
    pending.set(dir, promise);
  }
  return promise;
}
