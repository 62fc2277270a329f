import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Sql } from '../db/client';
import type { Env } from '../lib/env';
import type { DispatchInput } from '../workflows/plan-cycle.contract';
import type { Actor } from '../workflows/unit-tasks.contract';
import { closePlan } from './close';
import { dispatchUnits, issuePlan, pendingTownships } from './plan';
import { projectTask, type TaskChange } from './projection';

/** What activities may touch: the database, Temporal (to start and signal workflows), the logger, the settings. */
export interface ActivityDeps {
  sql: Sql;
  temporal: Client;
  log: Logger;
  env: Env;
}

/** Every activity of jianjia, closed over its dependencies. */
export function createActivities(deps: ActivityDeps) {
  const { sql, temporal, env } = deps;
  return {
    projectTask: (change: TaskChange) => projectTask(sql, change),
    issuePlan: ({ planId }: { planId: string }) => issuePlan(sql, planId),
    pendingTownships: ({ planId }: { planId: string }) => pendingTownships(sql, planId),
    dispatchUnits: (input: DispatchInput & { planId: string; townshipDuty?: boolean }) =>
      dispatchUnits({ sql, temporal, taskQueue: env.TEMPORAL_TASK_QUEUE }, input),
    closePlan: (input: { planId: string; actor: Actor }) => closePlan({ sql, temporal }, input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
