// The shared ladder's activities (workflows/shared-ladder.ts): when the plan's next reminder or warning falls, and
// firing every one due, set-wise. Whether a plan has a shared ladder, and starting it (once, by the first dispatch).
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { transaction, type Sql } from '../db/client';
import { escalationSchema, ladderTimes, policyFor, sharedRungs, type LadderTimes } from '../lib/escalation';
import { planAttributes } from '../lib/search-attributes';
import { slots } from '../lib/slots';
import { coordinatorTaskQueue } from '../lib/temporal';
import { ladderChangedSignal, sharedLadderWorkflowId, type SharedRungsFired, type SharedRungsNext } from '../workflows/shared-ladder.contract';
import type { sharedLadder } from '../workflows/shared-ladder';
import { calendarNow, fireWarnings, permanentFailure, recordFailure, type LadderDeps, type RungDue } from './ladder';

/** Whether a plan has a shared ladder: once it has, it always has, so only that answer is kept. */
export function sharedLadderCache(sql: Sql): (planId: string) => Promise<boolean> {
  const known = new Set<string>();
  return async (planId) => {
    if (known.has(planId)) return true;
    const [row] = await sql`select 1 from shared_ladders where plan_id = ${planId}`;
    if (row) known.add(planId);
    return row !== undefined;
  };
}

export interface SharedLadderStart {
  sql: Sql;
  temporal: Client;
  /** The units' task queue; the shared ladder runs on the coordinators' beside it. */
  taskQueue: string;
  /** LADDER_BACKSTOP_MS; 0: plans get no shared ladder. */
  backstopMs: number;
  /** The plan's id and year as search attributes, as on its other workflows (off where the server has none). */
  searchAttributes?: boolean;
  /** Whether the plan has one already (sharedLadderCache: the row is written only once it is started). */
  shared(planId: string): Promise<boolean>;
}

/**
 * Start the plan's shared ladder if it has none, then record that it has one, so units started from now on get
 * their own timers for the reminder and warning later, as a backstop. The record is what `shared` reads (cached once
 * seen), so a plan's later dispatches skip this. Started before any unit's workflow of the
 * plan by the new code; a plan whose units started before keeps their timers as they were (both fire, once).
 */
export async function ensureSharedLadder(deps: SharedLadderStart, planId: string): Promise<void> {
  if (deps.backstopMs <= 0 || (await deps.shared(planId))) return;
  const [plan] = await deps.sql<{ id: string; year: number; name: string }[]>`select id, year, name from plans where id = ${planId}`;
  if (!plan) throw new Error(`plan ${planId} not found`);
  try {
    await deps.temporal.workflow.start<typeof sharedLadder>('sharedLadder', {
      ...(deps.searchAttributes === false ? {} : { typedSearchAttributes: planAttributes(plan) }),
      memo: { plan: plan.name },
      taskQueue: coordinatorTaskQueue(deps.taskQueue),
      workflowId: sharedLadderWorkflowId(planId),
      // Once per plan: one that finished (its plan closed) is not started again.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ planId, firedUpTo: new Date().toISOString() }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  await deps.sql`insert into shared_ladders (plan_id) values (${planId}) on conflict do nothing`;
}

/** Wake the plan's shared ladder to look again (a rung time moved earlier, or the plan closed). None: nothing to do. */
export async function tellSharedLadder(temporal: Client, planId: string): Promise<void> {
  await temporal.workflow
    .getHandle(sharedLadderWorkflowId(planId))
    .signal(ladderChangedSignal)
    .catch((err) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
}

/** Wake the plan's shared ladder if it has one and a reminder or warning at `earliest` comes before the time it waits for. */
export async function wakeIfEarlier(deps: LadderDeps, planId: string, earliest: number): Promise<void> {
  if (!(earliest < Infinity) || !deps.temporal || !deps.spread?.backstopMs || !deps.spread.shared || !(await deps.spread.shared(planId))) return;
  const [row] = await deps.sql<{ nextAt: Date | null }[]>`select next_at as "nextAt" from shared_ladders where plan_id = ${planId}`;
  if (!row?.nextAt || earliest < new Date(row.nextAt).getTime()) await tellSharedLadder(deps.temporal, planId);
}

/**
 * A task's deadline moved and the move is in PostgreSQL (its projection committed): if its new reminder or warning
 * comes before the time the plan's shared ladder waits for, wake it. Done here, after the write, because the shared
 * ladder reads deadlines from the database: woken by the unit's new schedule alone, which the workflow asks for while
 * the projection is still being written, it could look before the new deadline is there and sleep past it.
 */
export async function deadlineMoved(deps: LadderDeps, change: { planId: string; taskId: string }): Promise<void> {
  if (!deps.spread?.backstopMs || !deps.spread.shared || !(await deps.spread.shared(change.planId))) return;
  const [task] = await deps.sql<{ indicator: string; deadline: Date; escalation: unknown }[]>`
    select t.indicator, t.deadline, p.escalation from tasks t join plans p on p.id = t.plan_id where t.id = ${change.taskId}`;
  if (!task) return;
  const times = ladderTimes(policyFor(escalationSchema.parse(task.escalation ?? {}), task.indicator), new Date(task.deadline), await calendarNow(deps));
  const now = Date.now();
  const ahead = sharedRungs.map((rung) => Date.parse(times[rung])).filter((at) => at > now);
  await wakeIfEarlier(deps, change.planId, Math.min(Infinity, ...ahead));
}

/** The rule's times (unspread) for each indicator and deadline among the plan's open tasks. */
async function ruleTimes(deps: LadderDeps, planId: string): Promise<{ closed: boolean; combos: { indicator: string; deadline: Date; times: LadderTimes }[] }> {
  const [plan] = await deps.sql<{ status: string; escalation: unknown }[]>`select status, escalation from plans where id = ${planId}`;
  if (!plan || plan.status === 'closing' || plan.status === 'closed') return { closed: true, combos: [] };
  const escalation = escalationSchema.parse(plan.escalation ?? {});
  const calendar = await calendarNow(deps);
  // A plan's tasks share a few deadlines: the times are worked out once per indicator and deadline, not per task.
  const rows = await deps.sql<{ indicator: string; deadline: Date }[]>`
    select indicator, deadline from tasks where plan_id = ${planId} and state not in ('approved', 'exited') and not frozen
    group by indicator, deadline`;
  return { closed: false, combos: rows.map((r) => ({ ...r, times: ladderTimes(policyFor(escalation, r.indicator), new Date(r.deadline), calendar) })) };
}

/** The earliest reminder or warning after `after` among the plan's open tasks (dispatched or not yet). */
export async function sharedRungsNext(deps: LadderDeps, input: { planId: string; after: string }): Promise<SharedRungsNext> {
  const { closed, combos } = await ruleTimes(deps, input.planId);
  if (closed) return { closed, at: null };
  const after = Date.parse(input.after);
  let next = Infinity;
  for (const c of combos) for (const rung of sharedRungs) if (Date.parse(c.times[rung]) > after) next = Math.min(next, Date.parse(c.times[rung]));
  const at = next === Infinity ? null : new Date(next).toISOString();
  await deps.sql`update shared_ladders set next_at = ${at} where plan_id = ${input.planId}`;
  return { closed, at };
}

/**
 * Every reminder and warning due at `at` for the plan's tasks a unit is working on (dispatched, claimed, returned),
 * not yet fired and not set aside as failed: the same rungs each unit's workflow would fire, found in one query and
 * written a township a transaction, with the same keys (a rung a unit wrote first is left as it is). A township whose
 * transaction the database refuses for good goes a unit a transaction, and a unit refused again a rung a transaction:
 * the rung at fault is recorded in ladder_failures (where the district admin sees it) and never tried again here.
 */
export async function fireSharedRungs(deps: LadderDeps, input: { planId: string; at: string }): Promise<SharedRungsFired> {
  const result: SharedRungsFired = { fired: 0, townships: 0, refusedUnits: 0 };
  const { closed, combos } = await ruleTimes(deps, input.planId);
  if (closed) return result;
  const at = Date.parse(input.at);
  const due = combos.flatMap((c) => sharedRungs.filter((rung) => Date.parse(c.times[rung]) <= at).map((rung) => ({ indicator: c.indicator, deadline: c.deadline, rung })));
  if (due.length === 0) return result;
  type Row = { taskId: string; orgId: string; townshipId: string; deadline: Date; rung: RungDue['rung'] };
  const rows = await deps.sql<Row[]>`
    select t.id as "taskId", t.org_id as "orgId", t.township_id as "townshipId", t.deadline, d.rung
    from unnest(${due.map((d) => d.indicator)}::text[], ${due.map((d) => new Date(d.deadline).toISOString())}::timestamptz[], ${due.map((d) => d.rung)}::text[]) as d(indicator, deadline, rung)
    join tasks t on t.plan_id = ${input.planId} and t.indicator = d.indicator and t.deadline = d.deadline
    where t.state in ('dispatched', 'claimed', 'returned') and not t.frozen
      and not exists (select 1 from ladder_rungs r where r.task_id = t.id and r.deadline = t.deadline and r.rung = d.rung)
      and not exists (select 1 from ladder_failures f where f.task_id = t.id and f.deadline = t.deadline and f.rung = d.rung)
    order by t.township_id, t.org_id, t.indicator`;
  const byTownship = new Map<string, Row[]>();
  for (const r of rows) {
    const list = byTownship.get(r.townshipId);
    if (list) list.push(r);
    else byTownship.set(r.townshipId, [r]);
  }
  const asDue = (r: Row): RungDue => ({ taskId: r.taskId, rung: r.rung, deadline: new Date(r.deadline).toISOString() });
  const fire = (dues: RungDue[]) => transaction(deps.sql, (tx) => fireWarnings(deps, tx, dues, input.at));
  // Two townships at a time: one transaction keeps one PostgreSQL backend busy, and the machine has two cores.
  const lanes = slots(2);
  const fireTownship = async (list: Row[]) => {
    try {
      result.fired += await fire(list.map(asDue));
    } catch (err) {
      if (!permanentFailure(err)) throw err;
      const byUnit = new Map<string, RungDue[]>();
      for (const r of list) {
        const dues = byUnit.get(r.orgId);
        if (dues) dues.push(asDue(r));
        else byUnit.set(r.orgId, [asDue(r)]);
      }
      for (const [, dues] of byUnit) {
        try {
          result.fired += await fire(dues);
        } catch (unitErr) {
          if (!permanentFailure(unitErr)) throw unitErr;
          result.refusedUnits += 1;
          // Rung by rung, so only the one at fault is set aside, recorded where the district admin sees it.
          for (const due of dues) {
            try {
              result.fired += await fire([due]);
            } catch (rungErr) {
              if (!permanentFailure(rungErr)) throw rungErr;
              await recordFailure(deps.sql, input.planId, due, rungErr);
            }
          }
        }
      }
    }
    result.townships += 1;
    Context.current().heartbeat(result);
  };
  const settled = await Promise.allSettled([...byTownship.values()].map((list) => lanes.run(() => fireTownship(list))));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return result;
}
