import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { createActivities, type ActivityDeps } from '../activities';
import { coordinatorTaskQueue } from './temporal';

/** The worker's workflow code: bundled from source, or a prebuilt bundle (tests bundle once). */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** How every bundle of jianjia's workflows is made (the worker's own, the prebuilt one, the tests'). */
// Workflow code imports no zod (lib/rules.ts says why): in a reused V8 context every workflow evaluates its own
// copy of the modules it imports, and zod's cannot be shared (the SDK freezes shared modules; zod fills its
// prototypes and global config lazily).
export const bundleOptions = { workflowsPath } as const;

/** webpack's chatter stays out of the worker's log; its errors do not. */
const bundlerLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error(message: string) { console.error(message); } } as never;

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkflowBundleOption;
  /** How many workflows stay cached (WORKER_CACHED_WORKFLOWS); each cached workflow costs the worker memory. */
  cachedWorkflows?: number;
}

/** What runs jianjia's workflows and activities: started, stopped and asked for its state as one. */
export interface JianjiaWorker {
  run(): Promise<void>;
  shutdown(): void;
  getState(): ReturnType<Worker['getState']>;
}

/**
 * Two pollers sharing one process: the unit workflows' queue (`taskQueue`) and the coordinators' queue (plans and
 * adjustments, coordinatorTaskQueue). Both register every workflow and activity, so a plan started on the unit queue
 * before the coordinators had their own queue still runs where it is.
 */
export async function buildWorker(options: WorkerOptions): Promise<JianjiaWorker> {
  const activities = createActivities(options.deps);
  // Bundled once for both pollers when no prebuilt bundle is given.
  const workflowBundle = options.workflowBundle ?? { code: (await bundleWorkflowCode({ ...bundleOptions, logger: bundlerLogger })).code };
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    workflowBundle,
    activities,
    shutdownGraceTime: '10s',
  } as const;
  const units = await Worker.create({
    ...common,
    taskQueue: options.taskQueue,
    // A district has thousands of unit workflows that are idle most of the year: keep a bounded
    // number in memory and replay the rest from history when a verb arrives.
    maxCachedWorkflows: options.cachedWorkflows ?? 500,
  });
  // A few plans and adjustments a year: a small cache, and their tasks are never queued behind a unit's.
  const coordinators = await Worker.create({ ...common, taskQueue: coordinatorTaskQueue(options.taskQueue), maxCachedWorkflows: 50 });
  return {
    async run() {
      // Either stopping (a signal, a fatal error) stops the other, so the process never half-runs.
      const stopBoth = () => {
        for (const w of [units, coordinators]) if (w.getState() === 'RUNNING') w.shutdown();
      };
      const results = await Promise.allSettled([units.run().finally(stopBoth), coordinators.run().finally(stopBoth)]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    shutdown() {
      for (const w of [units, coordinators]) if (w.getState() === 'RUNNING') w.shutdown();
    },
    getState: () => units.getState(),
  };
}

/**
 * Bound the heap of the workflow threads this process starts from now on (the SDK starts one per poller and
 * passes them no resource limits, so they take V8's flag). Process-wide, so only the worker process calls it, before
 * buildWorker; the main thread (activities, the outbox) keeps the limit it was started with.
 */
export function limitWorkflowThreadHeap(megabytes: number): void {
  v8.setFlagsFromString(`--max-old-space-size=${megabytes}`);
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
