// Starting a unit's workflow from its dispatched rows. One definition, used by a township's dispatch (which writes
// the rows first and starts the workflows after) and by the API and the adjustments (which start a unit the dispatch
// has not reached yet, the moment a verb or a change needs it).
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Sql } from '../db/client';
import { catalogueVersion } from '../db/queries/catalogue';
import { currentCalendar } from '../db/queries/calendar';
import { planUnitCount } from '../db/queries/plans';
import type { BacklogGate } from '../lib/backlog-gate';
import { calendar as shippedCalendar, type WorkingCalendar } from '../lib/calendar';
import type { Env } from '../lib/env';
import type { Slots } from '../lib/slots';
import { escalationSchema, ladderTimes, policyFor } from '../lib/escalation';
import { unitAttributes } from '../lib/search-attributes';
import { closeSignal, cycleIndicator, rearmSignal, unitTasksWorkflowId, type TaskSpec, type UnitTasksInput } from '../workflows/unit-tasks.contract';
import type { unitTasks } from '../workflows/unit-tasks';
import { unitLadder, type LadderSpread } from './ladder';
import { sharedLadderCache } from './shared-ladder';

export interface UnitStartDeps {
  sql: Sql;
  temporal: Client;
  taskQueue: string;
  calendar: WorkingCalendar;
  /** Codes as search attributes on each workflow (off where the server has none registered). */
  searchAttributes?: boolean;
  spread?: LadderSpread;
  /** Paces the starts by the units' queue (the dispatch's; a single start on demand does not wait). */
  gate?: BacklogGate;
  /**
   * Starts in flight at once, shared by every dispatch of the process. The server takes starts one after another;
   * more in flight only lengthens its queue, and a chair's verb that has to start its unit waits at the end of it.
   */
  startSlots?: Slots;
}

/** A plan's unit count for the ladder's spread: read once per plan every 10 minutes at most. */
export function planUnitsCache(sql: Sql): (planId: string) => Promise<number> {
  const known = new Map<string, { n: number; until: number }>();
  return async (planId) => {
    const hit = known.get(planId);
    if (hit && hit.until > Date.now()) return hit.n;
    const n = await planUnitCount(sql, planId);
    known.set(planId, { n, until: Date.now() + 600_000 });
    return n;
  };
}

/** How this process starts unit workflows: the settings the worker's dispatch uses, so the API starts them alike. */
export function unitStartDeps(deps: { sql: Sql; temporal: Client; env: Env; calendar?: WorkingCalendar }): UnitStartDeps {
  return {
    sql: deps.sql,
    temporal: deps.temporal,
    taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
    calendar: deps.calendar ?? shippedCalendar,
    searchAttributes: deps.env.TEMPORAL_SEARCH_ATTRIBUTES === 'on',
    spread: {
      msPerUnit: deps.env.LADDER_SPREAD_MS_PER_UNIT,
      planUnits: planUnitsCache(deps.sql),
      backstopMs: deps.env.LADDER_BACKSTOP_MS,
      shared: sharedLadderCache(deps.sql),
    },
  };
}

/** Units of a township (or the township's own duties) whose tasks are dispatched and whose workflow was never started. */
export async function unstartedUnits(sql: Sql, planId: string, townshipId: string, townshipDuty: boolean): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select distinct t.org_id as id from tasks t join orgs o on o.id = t.org_id
    where t.plan_id = ${planId} and t.township_id = ${townshipId} and o.level = ${townshipDuty ? 'township' : 'grassroots'} and t.version > 0
      and not exists (select 1 from unit_workflows w where w.plan_id = t.plan_id and w.org_id = t.org_id)
    order by 1`;
  return rows.map((r) => r.id);
}

/** Whether a unit's workflow was ever started (a started one that is gone has finished). */
export async function unitStarted(sql: Sql, planId: string, orgId: string): Promise<boolean> {
  const [row] = await sql`select 1 from unit_workflows where plan_id = ${planId} and org_id = ${orgId}`;
  return row !== undefined;
}

/**
 * Start the workflows of these units from their dispatched rows (version > 0), 25 units a chunk, each start after the
 * gate and in one of the shared slots, and record each as started. Safe to run twice or at the same time from two
 * places: a running workflow is found by its id, and a finished one is never started again. If the plan began
 * closing, or its escalation policy changed, while a chunk started, the units started in it get the close or re-arm
 * signal that the close or the change may have sent the others before these existed.
 */
export async function startUnits(deps: UnitStartDeps, planId: string, orgIds: string[], onChunk?: (started: number) => void): Promise<number> {
  const { sql, temporal } = deps;
  if (orgIds.length === 0) return 0;
  const readPlan = async () => {
    const [row] = await sql<{ id: string; year: number; catalogueVersion: number; escalation: unknown; status: string }[]>`
      select id, year, catalogue_version as "catalogueVersion", escalation, status from plans where id = ${planId}`;
    if (!row) throw new Error(`plan ${planId} not found`);
    return row;
  };
  const first = await readPlan();
  const catalogue = await catalogueVersion(sql, first.catalogueVersion);
  const indicatorByCode = new Map(catalogue!.body.indicators.map((i) => [i.code, i]));
  const calendar = await currentCalendar(sql, deps.calendar);
  const spread = await unitLadder(deps.spread, planId);
  let started = 0;
  for (let at = 0; at < orgIds.length; at += 25) {
    const group = orgIds.slice(at, at + 25);
    // The plan's escalation policy as it is now: a change made during a long dispatch reaches the units started after it.
    const plan = await readPlan();
    const escalation = escalationSchema.parse(plan.escalation ?? {});
    const rows = await sql<{ id: string; orgId: string; indicator: string; target: string; deadline: Date; state: string; exitReason: string | null; level: string }[]>`
      select t.id, t.org_id as "orgId", t.indicator, t.target, t.deadline, t.state, t.exit_reason as "exitReason", o.level
      from tasks t join orgs o on o.id = t.org_id
      where t.plan_id = ${plan.id} and t.org_id in ${sql(group)} and t.version > 0
      order by o.code, t.indicator`;
    const units = await sql<{ id: string; code: string; name: string; unitType: string | null; townshipCode: string; townshipName: string }[]>`
      select o.id, o.code, o.name, o.unit_type as "unitType", t.code as "townshipCode", t.name as "townshipName"
      from orgs o join orgs t on t.id = o.township_id where o.id in ${sql(group)}`;
    const unitById = new Map(units.map((u) => [u.id, u]));
    const byUnit = new Map<string, (typeof rows)[number][]>();
    for (const r of rows) byUnit.set(r.orgId, [...(byUnit.get(r.orgId) ?? []), r]);
    if (byUnit.size === 0) continue;
    const fresh: string[] = [];
    await Promise.all(
      [...byUnit.entries()].map(async ([orgId, tasks]) => {
        const specs: TaskSpec[] = tasks.map((t) => {
          const deadline = new Date(t.deadline).toISOString();
          // A task its township took out at dispatch (不适用) starts exited and has no ladder.
          const exited = t.state === 'exited';
          return {
            taskId: t.id,
            indicator: cycleIndicator(indicatorByCode.get(t.indicator)!),
            target: Number(t.target),
            deadline,
            townshipDuty: t.level === 'township',
            ...(exited ? { exitReason: t.exitReason ?? '' } : { ladder: spread(orgId, ladderTimes(policyFor(escalation, t.indicator), new Date(deadline), calendar)) }),
          };
        });
        const input: UnitTasksInput = { planId: plan.id, orgId, year: plan.year, tasks: specs };
        const unit = unitById.get(orgId)!;
        try {
          const start = () => temporal.workflow.start<typeof unitTasks>('unitTasks', {
            taskQueue: deps.taskQueue,
            workflowId: unitTasksWorkflowId(plan.id, orgId),
            // Once per plan and unit: a finished workflow is never started again.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            ...(deps.searchAttributes === false ? {} : { typedSearchAttributes: unitAttributes(plan, unit) }),
            memo: { unit: unit.name, township: unit.townshipName },
            args: [input],
          });
          // Each start waits its turn, then for the units' queue: a chunk's starts passing the gate together, from 24
          // townships at once, would put hundreds of first tasks in the queue on one reading.
          const begin = async () => {
            await deps.gate?.wait(() => onChunk?.(started));
            return start();
          };
          await (deps.startSlots ? deps.startSlots.run(begin) : begin());
          fresh.push(orgId);
        } catch (err) {
          // Started already: by an earlier attempt, by the dispatch, or by a verb that got there first.
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }),
    );
    await sql`
      insert into unit_workflows ${sql([...byUnit.keys()].map((orgId) => ({ plan_id: plan.id, org_id: orgId })))}
      on conflict do nothing`;
    // What changed while these started: a close or a new policy signals every unit it found, and these may have been
    // missing when it looked. Told again here, so none runs on unfrozen or on the old policy's rungs.
    const now = await readPlan();
    const missed = now.status !== 'issued' ? closeSignal : JSON.stringify(now.escalation) !== JSON.stringify(plan.escalation) ? rearmSignal : null;
    if (missed) {
      for (const orgId of fresh) {
        await temporal.workflow.getHandle(unitTasksWorkflowId(plan.id, orgId)).signal(missed).catch((err) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
      }
    }
    started += fresh.length;
    onChunk?.(started);
  }
  return started;
}

/**
 * A verb or a change reached a unit whose workflow is not there: start it if it never was (its township's dispatch
 * wrote its rows and has not reached its start yet). Answers false when it was started before: it has finished.
 */
export async function startIfNeverStarted(deps: UnitStartDeps, planId: string, orgId: string): Promise<boolean> {
  if (await unitStarted(deps.sql, planId, orgId)) return false;
  const [dispatched] = await deps.sql`select 1 from tasks where plan_id = ${planId} and org_id = ${orgId} and version > 0 limit 1`;
  if (!dispatched) return false;
  await startUnits({ ...deps, gate: undefined, startSlots: undefined }, planId, [orgId]);
  return true;
}

/**
 * Send a verb or a change to a unit's workflow; if there is none because the unit was dispatched but never started,
 * start it and send again. The API's verbs and the adjustments both go through here.
 */
export async function sendStartingUnit<T>(deps: UnitStartDeps | undefined, planId: string, orgId: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError) || !deps || !(await startIfNeverStarted(deps, planId, orgId))) throw err;
    return await send();
  }
}
