// `npm test`: provision throw-away Temporal and PostgreSQL servers, run the whole vitest suite
// against them, and tear everything down even when tests fail or the run is interrupted.
// `npm run test:cluster` (`--profile cluster`): the same test files against the cluster profile's real
// Temporal server on PostgreSQL (built once with Go) instead of the dev server.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError } from './lib/tools.mjs';
import { ensureDependencies } from './lib/services.mjs';
import { provisionScratch } from './lib/scratch.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stdout.write(`[jianjia test] ${line}\n`);

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

/** `--profile cluster` (anywhere in the arguments) picks the cluster profile; the rest go to vitest. */
function splitProfile(argv) {
  const at = argv.findIndex((a) => a === '--profile' || a.startsWith('--profile='));
  if (at < 0) return { profile: 'embedded', rest: argv };
  const profile = argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
  return { profile, rest: argv.filter((_, i) => i !== at && (argv[at].includes('=') || i !== at + 1)) };
}

let code = 1;
let servers = null;
try {
  const { profile, rest } = splitProfile(process.argv.slice(2));
  if (profile !== 'embedded' && profile !== 'cluster') throw new SetupError(`Unknown profile "${profile}": use --profile cluster, or none for the dev server.`);
  await ensureDependencies(root, say);
  // Tests never touch the developer's own servers unless asked: TEST_DATABASE_URL / TEST_TEMPORAL_ADDRESS.
  const started = Date.now();
  servers = await provisionScratch({ say, keep: Boolean(process.env.JIANJIA_KEEP_TEST_DATA), profile });
  say(`${profile === 'cluster' ? 'Temporal cluster' : 'Temporal'} ${servers.temporalAddress}${servers.temporalUi ? ` (Web UI ${servers.temporalUi})` : ''}, PostgreSQL ready in ${Math.round((Date.now() - started) / 1000)} s; running the suite`);
  code = await runVitest(
    {
      ...process.env,
      NODE_ENV: 'test',
      TEST_DATABASE_URL: servers.adminUrl,
      TEMPORAL_ADDRESS: servers.temporalAddress,
      JIANJIA_SCRATCH: servers.scratch,
      JIANJIA_TEST_PROFILE: profile,
      ...(servers.temporalUi ? { TEMPORAL_UI_URL: servers.temporalUi } : {}),
      JWT_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: process.env.LOG_LEVEL || 'silent',
    },
    rest,
  );
} catch (err) {
  process.stderr.write(`${err instanceof SetupError ? err.message : err.stack}\n`);
  code = 1;
} finally {
  await servers?.teardown();
}
process.exit(code);
