import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Sql } from '../db/client';
import type { Env } from '../lib/env';
import type { DispatchInput } from '../workflows/plan-cycle.contract';
import type { Actor } from '../workflows/unit-tasks.contract';
import { backlogGate, readWorkflowBacklog } from '../lib/backlog-gate';
import { calendar as shippedCalendar, type WorkingCalendar } from '../lib/calendar';
import { applyAdjustmentBatch, finishAdjustment } from './adjustments';
import { closePlan } from './close';
import { classified } from './failures';
import { fireRungs, ladderSchedule, type FireInput, type LadderDeps } from './ladder';
import { dispatchUnits, issuePlan, pendingTownships, rearmUnits } from './plan';
import { deadlineMoved, fireSharedRungs, sharedRungsNext } from './shared-ladder';
import { unitStartDeps } from './unit-start';
import { slots } from '../lib/slots';
import { projectTask, type TaskChange } from './projection';

/** What activities may touch: the database, Temporal (to start and signal workflows), the logger, the settings. */
export interface ActivityDeps {
  sql: Sql;
  temporal: Client;
  log: Logger;
  env: Env;
  /** The working-day calendar; the shipped one unless a test brings its own. */
  calendar?: WorkingCalendar;
}

/** Every activity of jianjia, closed over its dependencies. */
export function createActivities(deps: ActivityDeps) {
  const { sql, temporal, env } = deps;
  const calendar = deps.calendar ?? shippedCalendar;
  // How a unit's workflow is started (by its township's dispatch, or by a change that reaches it first), and the
  // ladder's spread with it: a plan's unit count is read once per plan and worker every 10 minutes at most.
  const starts = unitStartDeps({ sql, temporal, env, calendar });
  const spread = starts.spread;
  const ladder: LadderDeps = {
    sql,
    spread,
    calendar,
    channels: { email: Boolean(env.SMTP_URL) },
    publicUrl: (env.PUBLIC_URL ?? `http://${env.HOST}:${env.PORT}`).replace(/\/$/, ''),
    temporal,
  };
  // One gate for every dispatch this worker runs: the townships' dispatches share the units' queue.
  const gate = backlogGate(readWorkflowBacklog(temporal, env.TEMPORAL_TASK_QUEUE), { maxAgeMs: env.DISPATCH_BACKLOG_MS, pollMs: 500, maxWaitMs: 15_000 });
  // The server takes starts one after another: 24 in flight keep it busy (measured: docs/benchmarks.md, tenth pass).
  const startSlots = slots(24);
  return {
    projectTask: (change: TaskChange) =>
      classified(async () => {
        const { deadlineMoved: moved } = await projectTask(sql, change);
        if (moved) await deadlineMoved(ladder, change);
      }),
    issuePlan: ({ planId }: { planId: string }) => classified(() => issuePlan(sql, planId)),
    pendingTownships: ({ planId }: { planId: string }) => pendingTownships(sql, planId),
    dispatchUnits: (input: DispatchInput & { planId: string; townshipDuty?: boolean }) =>
      classified(() => dispatchUnits({ ...starts, gate, startSlots }, input)),
    ladderSchedule: (input: Parameters<typeof ladderSchedule>[1]) => ladderSchedule(ladder, input),
    fireRungs: (input: FireInput) => classified(() => fireRungs(ladder, input)),
    sharedRungsNext: (input: { planId: string; after: string }) => classified(() => sharedRungsNext(ladder, input)),
    fireSharedRungs: (input: { planId: string; at: string }) => classified(() => fireSharedRungs(ladder, input)),
    rearmUnits: ({ planId, units }: { planId: string; units?: string[] }) => rearmUnits({ sql, temporal, gate }, planId, units),
    closePlan: (input: { planId: string; actor: Actor }) => classified(() => closePlan({ sql, temporal }, input)),
    applyAdjustmentBatch: (input: { adjustmentId: string }) => classified(() => applyAdjustmentBatch({ sql, temporal, publicUrl: ladder.publicUrl, starts }, input)),
    finishAdjustment: (input: { adjustmentId: string }) => classified(() => finishAdjustment({ sql, temporal, publicUrl: ladder.publicUrl }, input)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
