// `npm run bench:dispatch`: throw-away servers, then the named benchmark script from bench/.
// `npm run bench:dispatch -- --profile cluster`: the same against the cluster profile's Temporal server.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError } from './lib/tools.mjs';
import { ensureDependencies } from './lib/services.mjs';
import { provisionScratch } from './lib/scratch.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
const profileAt = process.argv.indexOf('--profile');
const profile = profileAt > 0 ? process.argv[profileAt + 1] : 'embedded';
if (!name) {
  process.stderr.write('usage: node scripts/bench.mjs <name of a script in bench/, e.g. dispatch>\n');
  process.exit(2);
}
let code = 1;
let servers = null;
try {
  await ensureDependencies(root);
  servers = await provisionScratch({ profile });
  process.stdout.write(`[bench] Temporal: ${profile === 'cluster' ? 'the cluster profile\'s server on PostgreSQL' : 'the dev server'} at ${servers.temporalAddress}\n`);
  code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', `${name}.ts`)], {
      cwd: root,
      env: { ...process.env, TEST_DATABASE_URL: servers.adminUrl, TEMPORAL_ADDRESS: servers.temporalAddress, ...(servers.temporalMetrics ? { TEMPORAL_METRICS_URL: servers.temporalMetrics } : {}) },
      stdio: 'inherit',
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
} catch (err) {
  process.stderr.write(`${err instanceof SetupError ? err.message : err.stack}\n`);
} finally {
  await servers?.teardown();
}
process.exit(code);
