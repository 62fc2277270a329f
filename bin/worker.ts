// The worker process: runs jianjia's workflows and activities. Runs apart from the API, on any machine.
import { Connection } from '@temporalio/client';
import { connect } from '../db/client';
import { loadEnvOrExit } from '../lib/env';
import { createLogger } from '../lib/log';
import { startOutbox } from '../lib/outbox';
import { startSnapshots } from '../lib/snapshots';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { temporalClient } from '../lib/temporal';
import { buildWorker, connectWorker, limitWorkflowThreadHeap } from '../lib/worker';

const env = loadEnvOrExit();
const log = createLogger(env.LOG_LEVEL, 'worker');
const sql = connect(env.DATABASE_URL, env.DATABASE_POOL_MAX);
const connection = await connectWorker(env.TEMPORAL_ADDRESS);
const temporal = temporalClient(env);
// The workflows are started with jianjia's search attributes: register any the namespace lacks (a data folder
// from before they existed, a server someone else started). Idempotent, and safe for two workers at once.
if (env.TEMPORAL_SEARCH_ATTRIBUTES === 'on') {
  const admin = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const added = await ensureSearchAttributes(admin, env.TEMPORAL_NAMESPACE).finally(() => admin.close());
  if (added.length > 0) log.info({ added }, 'registered search attributes');
}
limitWorkflowThreadHeap(env.WORKER_THREAD_HEAP_MB);
const worker = await buildWorker({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.TEMPORAL_TASK_QUEUE,
  deps: { sql, log, env, temporal },
  // A prebuilt bundle (WORKFLOW_BUNDLE) skips bundling from source at start-up.
  workflowBundle: env.WORKFLOW_BUNDLE ? { codePath: env.WORKFLOW_BUNDLE } : undefined,
  cachedWorkflows: env.WORKER_CACHED_WORKFLOWS,
});
// The notice outbox is delivered from the worker process too: one poller per worker.
const outbox = startOutbox({ sql, env, log });
// So is the daily snapshot of each running plan's index (the screen's trend line).
const daily = startSnapshots({ sql, log });
log.info({ taskQueue: env.TEMPORAL_TASK_QUEUE, address: env.TEMPORAL_ADDRESS }, 'worker running');
// worker.run() resolves after SIGINT/SIGTERM once in-flight tasks drain (shutdownGraceTime).
await worker.run();
await outbox.stop();
await daily.stop();
await connection.close();
await sql.end({ timeout: 5 });
log.info('worker stopped');
