import type { Client } from '@temporalio/client';

/** How far behind a task queue's workers are: its waiting workflow tasks and how long the oldest has waited. */
export interface Backlog {
  count: number;
  ageMs: number;
}

export interface BacklogGateOptions {
  /** Starts wait while the oldest waiting workflow task is older than this. */
  maxAgeMs: number;
  /** How often the backlog is read while someone waits (one reading is shared by every waiter). */
  pollMs: number;
  /** A start waits at most this long, so a dispatch goes on (more slowly) when no worker takes the queue's tasks. */
  maxWaitMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface BacklogGate {
  /**
   * Resolves when the queue's workers are keeping up (or the wait ran out, or the backlog cannot be read); `onWait`
   * is called at every reading that makes it wait (a dispatch heartbeats there). Answers how long it waited.
   */
  wait(onWait?: (backlog: Backlog) => void): Promise<{ waitedMs: number; gaveUp: boolean }>;
}

/**
 * Paces new workflow starts by the backlog of the queue their first workflow tasks go to. A verb on a unit is an
 * update delivered with its workflow's next task, and that task queues behind every first task already waiting, so a
 * dispatch that starts workflows faster than the workers run their first tasks makes every chair's claim wait (a
 * minute at 5,000 units). Holding the starts while the oldest waiting task is older than `maxAgeMs` keeps that wait
 * near `maxAgeMs`.
 */
export function backlogGate(read: () => Promise<Backlog>, options: BacklogGateOptions): BacklogGate {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last: { at: number; backlog: Backlog | null } | null = null;
  let reading: Promise<Backlog | null> | null = null;

  /** The latest reading if it is fresh enough, else one new reading shared by every caller; null when it failed. */
  function current(): Promise<Backlog | null> {
    if (last && now() - last.at < options.pollMs) return Promise.resolve(last.backlog);
    reading ??= read()
      .catch(() => null)
      .then((backlog) => {
        last = { at: now(), backlog };
        reading = null;
        return backlog;
      });
    return reading;
  }

  return {
    async wait(onWait) {
      if (options.maxAgeMs <= 0) return { waitedMs: 0, gaveUp: false };
      const started = now();
      for (;;) {
        const backlog = await current();
        const waitedMs = now() - started;
        if (!backlog || backlog.ageMs <= options.maxAgeMs) return { waitedMs, gaveUp: false };
        if (waitedMs >= options.maxWaitMs) return { waitedMs, gaveUp: true };
        onWait?.(backlog);
        await sleep(Math.min(options.pollMs, options.maxWaitMs - waitedMs));
      }
    },
  };
}

const milliseconds = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  d ? Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6) : 0;

/** The workflow-task backlog of a queue, as the Temporal server's matching service counts it. */
export function readWorkflowBacklog(client: Client, taskQueue: string): () => Promise<Backlog> {
  return async () => {
    const answer = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: 1 /* TASK_QUEUE_KIND_NORMAL */ },
      taskQueueType: 1 /* TASK_QUEUE_TYPE_WORKFLOW */,
      reportStats: true,
    });
    return { count: Number(answer.stats?.approximateBacklogCount ?? 0), ageMs: milliseconds(answer.stats?.approximateBacklogAge) };
  };
}
