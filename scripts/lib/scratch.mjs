// Throw-away Temporal and PostgreSQL on free ports in a temp folder, for tests and benchmarks.
// profile 'embedded' (the default): Temporal CLI's dev server. profile 'cluster': the cluster profile's real
// Temporal server on the scratch PostgreSQL, with its Web UI (`npm run test:cluster`).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTemporal, planPostgres, planTemporal, run } from './tools.mjs';
import { freePort, makeScratchDir, startPostgres, startTemporal } from './services.mjs';
import { chooseShards, ensureClusterTools, freeClusterPorts, planCluster, prepareTemporalDatabases, startTemporalServer, startTemporalUi } from './cluster.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Bring up throw-away servers (or use TEST_DATABASE_URL / TEST_TEMPORAL_ADDRESS). Returns their
 * addresses and a `teardown()` that stops them and deletes the folder.
 */
export async function provisionScratch({ say = () => {}, keep = false, profile = 'embedded' } = {}) {
  const probeEnv = { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL, TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS };
  const cluster = profile === 'cluster' && !probeEnv.TEMPORAL_ADDRESS;
  const clusterPlan = cluster ? planCluster(probeEnv) : null;
  const temporalPlan = cluster ? null : planTemporal(probeEnv);
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
    let temporalBin = temporalPlan?.bin;
    let temporalUi = null;
    let temporalMetrics = null;
    if (temporalPlan && temporalPlan.kind !== 'external') {
      if (temporalPlan.kind === 'build') temporalBin = await buildTemporal(temporalPlan.go, process.env, say);
      const metricsPort = process.env.BENCH_TEMPORAL_METRICS ? await freePort() : undefined;
      const temporal = await startTemporal({ bin: temporalBin, dbFile: path.join(scratch, 'temporal.db'), port: await freePort(), metricsPort, logFile: path.join(scratch, 'temporal.log') });
      stops.push(temporal.stop);
      temporalAddress = temporal.address;
      temporalMetrics = temporal.metricsUrl;
    }
    let adminUrl = probeEnv.DATABASE_URL;
    if (postgresPlan.kind !== 'external') {
      // BENCH_PG_STATEMENTS=1: load pg_stat_statements, so a benchmark can print where the database's time went.
      const settings = process.env.BENCH_PG_STATEMENTS ? ["shared_preload_libraries = 'pg_stat_statements'", 'pg_stat_statements.track = all'] : [];
      const pg = await startPostgres({ binDir: postgresPlan.binDir, dir: path.join(scratch, 'postgres'), port: await freePort(), settings });
      stops.push(pg.stop);
      adminUrl = pg.adminUrl;
    }
    if (cluster) {
      const bins = await ensureClusterTools(clusterPlan, process.env, say);
      // The suite runs `npm start` (the embedded default) too: build its Temporal CLI now, not inside that test's
      // time limit on a machine that has never built it.
      const cli = planTemporal({ ...process.env, TEMPORAL_ADDRESS: '' });
      if (cli.kind === 'build') await buildTemporal(cli.go, process.env, say);
      const shards = chooseShards(scratch, process.env.TEMPORAL_HISTORY_SHARDS);
      await prepareTemporalDatabases({ sqlTool: bins.sqlTool, adminUrl });
      const server = await startTemporalServer({ bin: bins.server, adminUrl, ports: await freeClusterPorts(), shards, logFile: path.join(scratch, 'temporal-server.log') });
      stops.push(server.stop);
      temporalAddress = server.address;
      await run(process.execPath, ['--import', 'tsx', 'bin/temporal-setup.ts'], {
        cwd: root,
        env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress, JIANJIA_TEMPORAL_SHARDS: String(shards) },
      }).then((out) => say(out.trim().split('\n').at(-1)));
      const ui = await startTemporalUi({ bin: bins.ui, address: temporalAddress, port: await freePort(), namespace: process.env.TEMPORAL_NAMESPACE || 'default', logFile: path.join(scratch, 'temporal-ui.log') });
      stops.push(ui.stop);
      temporalUi = ui.url;
    }
    return { scratch, adminUrl, temporalAddress, temporalBin, temporalUi, temporalMetrics, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}
