import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from '../activities';

/** The worker's workflow code: bundled from source, or a prebuilt bundle (tests bundle once). */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkflowBundleOption;
  /** How many workflows stay cached (WORKER_CACHED_WORKFLOWS); each cached workflow costs the worker memory. */
  cachedWorkflows?: number;
}

/** One worker that registers every workflow and activity of jianjia. */
export function buildWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities(options.deps),
    shutdownGraceTime: '10s',
    // A district has thousands of unit workflows that are idle most of the year: keep a bounded
    // number in memory and replay the rest from history when a verb arrives.
    maxCachedWorkflows: options.cachedWorkflows ?? 500,
  });
}

/** Connect to Temporal, retrying while it comes up, so start order between processes does not matter. */
export async function connectWorker(address: string, attempts = 60): Promise<NativeConnection> {
  for (let i = 1; ; i++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
