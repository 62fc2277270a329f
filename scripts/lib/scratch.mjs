// Throw-away Temporal and PostgreSQL on free ports in a temp folder, for tests and benchmarks.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { buildTemporal, planPostgres, planTemporal } from './tools.mjs';
import { freePort, makeScratchDir, startPostgres, startTemporal } from './services.mjs';

/**
 * Bring up throw-away servers (or use TEST_DATABASE_URL / TEST_TEMPORAL_ADDRESS). Returns their
 * addresses and a `teardown()` that stops them and deletes the folder.
 */
export async function provisionScratch({ say = () => {}, keep = false } = {}) {
  const probeEnv = { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL, TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS };
  const temporalPlan = planTemporal(probeEnv);
  const postgresPlan = planPostgres(probeEnv);
  const scratch = makeScratchDir('jianjia-scratch');
  const stops = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
    if (!keep) rmSync(scratch, { recursive: true, force: true });
  };
  try {
    let temporalAddress = probeEnv.TEMPORAL_ADDRESS;
    let temporalBin = temporalPlan.bin;
    if (temporalPlan.kind !== 'external') {
      if (temporalPlan.kind === 'build') temporalBin = await buildTemporal(temporalPlan.go, process.env, say);
      const temporal = await startTemporal({ bin: temporalBin, dbFile: path.join(scratch, 'temporal.db'), port: await freePort(), logFile: path.join(scratch, 'temporal.log') });
      stops.push(temporal.stop);
      temporalAddress = temporal.address;
    }
    let adminUrl = probeEnv.DATABASE_URL;
    if (postgresPlan.kind !== 'external') {
      const pg = await startPostgres({ binDir: postgresPlan.binDir, dir: path.join(scratch, 'postgres'), port: await freePort() });
      stops.push(pg.stop);
      adminUrl = pg.adminUrl;
    }
    return { scratch, adminUrl, temporalAddress, temporalBin, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}
