import { Client, Connection } from '@temporalio/client';
import type { Env } from './env';

/**
 * A Temporal client that connects on first use, so the API can start (and report 503 on /readyz)
 * while Temporal is still coming up or briefly away.
 */
export function temporalClient(env: Pick<Env, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Client {
  const connection = Connection.lazy({ address: env.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}

/**
 * The task queue of the coordinating workflows (one per plan, one per policy adjustment). Kept apart from the unit
 * workflows' queue so a plan's workflow tasks never wait behind the thousands of unit-workflow tasks that its own
 * dispatch creates: on one queue they did, and the next township's dispatch waited minutes to be accepted.
 */
export const coordinatorTaskQueue = (taskQueue: string) => `${taskQueue}-plans`;
