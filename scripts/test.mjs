// `npm test`: provision throw-away Temporal and PostgreSQL servers, run the whole vitest suite
// against them, and tear everything down even when tests fail or the run is interrupted.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError, buildTemporal, planPostgres, planTemporal } from './lib/tools.mjs';
import { ensureDependencies, freePort, makeScratchDir, startPostgres, startTemporal } from './lib/services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stdout.write(`[jianjia test] ${line}\n`);
const stops = [];
let scratch = null;

async function teardown() {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  stops.length = 0;
  if (scratch && !process.env.JIANJIA_KEEP_TEST_DATA) rmSync(scratch, { recursive: true, force: true });
}

function runVitest(env, args) {
  return new Promise((resolve) => {
    const report = process.env.VITEST_JSON_REPORT || path.join(root, '.test-report.json');
    const child = spawn(
      process.execPath,
      [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
      { cwd: root, env, stdio: 'inherit' },
    );
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main() {
  // Tests never touch the developer's own servers unless asked: TEST_DATABASE_URL / TEST_TEMPORAL_ADDRESS.
  const probeEnv = { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL, TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS };
  const temporalPlan = planTemporal(probeEnv);
  const postgresPlan = planPostgres(probeEnv);
  await ensureDependencies(root, say);
  scratch = makeScratchDir('jianjia-test');

  let temporalAddress = probeEnv.TEMPORAL_ADDRESS;
  let temporalBin = temporalPlan.bin;
  if (temporalPlan.kind !== 'external') {
    if (temporalPlan.kind === 'build') temporalBin = await buildTemporal(temporalPlan.go, process.env, say);
    const temporal = await startTemporal({
      bin: temporalBin,
      dbFile: path.join(scratch, 'temporal.db'),
      port: await freePort(),
      logFile: path.join(scratch, 'temporal.log'),
    });
    stops.push(temporal.stop);
    temporalAddress = temporal.address;
  }

  let adminUrl = probeEnv.DATABASE_URL;
  if (postgresPlan.kind !== 'external') {
    const pg = await startPostgres({ binDir: postgresPlan.binDir, dir: path.join(scratch, 'postgres'), port: await freePort() });
    stops.push(pg.stop);
    adminUrl = pg.adminUrl;
  }
  say(`Temporal ${temporalAddress}, PostgreSQL ready; running the suite`);

  const env = {
    ...process.env,
    NODE_ENV: 'test',
    TEST_DATABASE_URL: adminUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    JIANJIA_TEMPORAL_BIN: temporalBin ?? '',
    JIANJIA_SCRATCH: scratch,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: process.env.LOG_LEVEL || 'silent',
  };
  return runVitest(env, process.argv.slice(2));
}

let code = 1;
try {
  code = await main();
} catch (err) {
  process.stderr.write(`${err instanceof SetupError ? err.message : err.stack}\n`);
  code = 1;
} finally {
  await teardown();
}
process.exit(code);
