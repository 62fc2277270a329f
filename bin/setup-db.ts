// Apply migrations; with --demo, also load the demo district once (idempotent).
import { connect } from '../db/client';
import { migrate } from '../db/migrate';
import { ensureDefaultCatalogue } from '../db/queries/catalogue';
import { loadEnvOrExit } from '../lib/env';
import { createLogger } from '../lib/log';

const env = loadEnvOrExit();
const log = createLogger(env.LOG_LEVEL, 'setup-db');
const sql = connect(env.DATABASE_URL, 2);
try {
  const applied = await migrate(sql);
  log.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');
  if (await ensureDefaultCatalogue(sql)) log.info('default catalogue published as version 1');
  if (process.argv.includes('--demo')) {
    const { loadDemoData } = await import('../db/demo/load');
    const loaded = await loadDemoData(sql);
    log.info(loaded, loaded.created ? 'demo data loaded' : 'demo data already present');
  }
} catch (err) {
  log.error({ err }, 'database setup failed');
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
}
