import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { transaction, type Sql } from '../db/client';
import { catalogueVersion } from '../db/queries/catalogue';
import { targetFor, type Indicator, type SizeClass, type UnitType } from '../indicators';
import type { BacklogGate } from '../lib/backlog-gate';
import { startUnits, unstartedUnits, type UnitStartDeps } from './unit-start';
import { ensureSharedLadder, tellSharedLadder } from './shared-ladder';
import { refreshUnitIndex } from '../db/queries/unit-index';
import type { DispatchInput, DispatchResult } from '../workflows/plan-cycle.contract';
import { rearmSignal, unitTasksWorkflowId } from '../workflows/unit-tasks.contract';

interface PlanRow {
  id: string;
  districtId: string;
  year: number;
  deadline: Date;
  catalogueVersion: number;
  indicators: string[];
  targets: Record<string, number>;
  deadlines: Record<string, string>;
  escalation: unknown;
  status: string;
}

async function loadPlan(sql: Sql, planId: string) {
  const [plan] = await sql<PlanRow[]>`
    select id, district_id as "districtId", year, deadline, catalogue_version as "catalogueVersion", indicators, targets, deadlines, escalation, status
    from plans where id = ${planId}`;
  if (!plan) throw new Error(`plan ${planId} not found`);
  const catalogue = await catalogueVersion(sql, plan.catalogueVersion);
  const byCode = new Map(catalogue!.body.indicators.map((i) => [i.code, i]));
  const indicators = plan.indicators.map((code) => byCode.get(code)!);
  return { plan, indicators };
}

/** The district's target for a unit: the plan's override, else the catalogue's rule for its level, type and size. */
export function districtTarget(plan: PlanRow, indicator: Indicator, unit: { level: 'township' | 'grassroots'; unitType: string | null; sizeClass: string | null }) {
  return plan.targets[indicator.code] ?? targetFor(indicator, { level: unit.level, unitType: (unit.unitType ?? undefined) as UnitType | undefined, sizeClass: (unit.sizeClass ?? undefined) as SizeClass | undefined });
}

export const districtDeadline = (plan: PlanRow, code: string) => new Date(plan.deadlines[code] ?? plan.deadline).toISOString();

const chunk = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Run `work` on every item, at most `width` at once; the first failure fails the whole (after the running ones end). */
async function inTurns<T>(items: T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  const results = await Promise.allSettled(lanes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** 下达: write one task per (unit, indicator) in state `issued`, and a waiting row per township. Idempotent. */
export async function issuePlan(sql: Sql, planId: string): Promise<{ tasks: number; townshipDuties: string[] }> {
  const { plan, indicators } = await loadPlan(sql, planId);
  const orgs = await sql<{ id: string; level: 'township' | 'grassroots'; townshipId: string; unitType: string | null; sizeClass: string | null }[]>`
    select id, level, township_id as "townshipId", unit_type as "unitType", size_class as "sizeClass"
    from orgs where district_id = ${plan.districtId} and status = 'active' and level in ('township', 'grassroots')`;
  const rows = orgs.flatMap((org) =>
    indicators
      .filter((i) => (org.level === 'township') === (i.duty === 'township'))
      .map((i) => ({
        plan_id: plan.id,
        org_id: org.id,
        township_id: org.townshipId,
        district_id: plan.districtId,
        indicator: i.code,
        category: i.category,
        department: i.department,
        two_tier: i.twoTier,
        target: districtTarget(plan, i, org),
        deadline: districtDeadline(plan, i.code),
        max_points: i.points,
      })),
  );
  // Rows go in as columns (one array parameter per column, not one parameter per value), a few chunks at a time.
  // (Booleans travel as 0/1: postgres.js would send a JS boolean array as a single boolean.)
  let written = 0;
  await inTurns(chunk(rows, 5000), 3, async (part) => {
    const column = <K extends keyof (typeof part)[number]>(key: K) => part.map((r) => r[key]);
    const inserted = await sql`
      insert into tasks (plan_id, org_id, township_id, district_id, indicator, category, department, two_tier, target, deadline, max_points)
      select plan_id, org_id, township_id, district_id, indicator, category, department, two_tier <> 0, target, deadline, max_points
      from unnest(${column('plan_id')}::uuid[], ${column('org_id')}::uuid[], ${column('township_id')}::uuid[],
        ${column('district_id')}::uuid[], ${column('indicator')}::text[], ${column('category')}::text[], ${column('department')}::text[],
        ${part.map((r) => (r.two_tier ? 1 : 0))}::int[], ${column('target')}::numeric[], ${column('deadline')}::timestamptz[], ${column('max_points')}::numeric[])
        as v(plan_id, org_id, township_id, district_id, indicator, category, department, two_tier, target, deadline, max_points)
      on conflict (plan_id, org_id, indicator) do nothing returning id`;
    written += inserted.length;
    Context.current().heartbeat(written);
  });
  // Fresh planner statistics for what the dispatch reads: the tasks table just grew by a district's year (115,000 rows
  // at 5,000 units), and the org tree may have been imported minutes ago, before autovacuum looked at it. With stale
  // ones (orgs "14 grassroots units" when there were 5,000) every chunk of the dispatch joined all the district's units
  // to their tasks to find 25 units' (35 ms a chunk alone, 61-83 ms under the dispatch's load; 3 ms with fresh ones).
  // `analyze` samples a bounded number of rows, so it costs about the same at a province's size.
  if (written > 0) await sql`analyze tasks, orgs`;
  // Every unit is in the index from the start: pending, with all its tasks counted as not yet dispatched.
  await inTurns(chunk(orgs.filter((o) => o.level === 'grassroots').map((o) => o.id), 1000), 2, async (part) => {
    await refreshUnitIndex(sql, plan.id, part);
    Context.current().heartbeat(written);
  });
  await transaction(sql, async (tx) => {
    await tx`
      insert into plan_townships (plan_id, township_id)
      select ${plan.id}, id from orgs where district_id = ${plan.districtId} and level = 'township' and status = 'active'
      on conflict do nothing`;
    await tx`update plans set status = 'issued', issued_at = now() where id = ${plan.id} and status = 'draft'`;
    await tx`
      insert into audit_log (actor_login, action, subject_type, subject_id, from_state, to_state, summary, event_key)
      values ('system', 'plan.issue', 'plan', ${plan.id}, 'draft', 'issued', ${tx.json({ tasks: rows.length } as never)}, ${`plan:${plan.id}:issue`})
      on conflict (event_key) where event_key is not null do nothing`;
  });
  const townshipDuties = [...new Set(rows.filter((r) => r.org_id === r.township_id).map((r) => r.org_id))];
  return { tasks: rows.length, townshipDuties };
}

/** Townships that still have units waiting for dispatch. */
export async function pendingTownships(sql: Sql, planId: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select distinct t.township_id as id from tasks t join orgs o on o.id = t.org_id
    where t.plan_id = ${planId} and t.state = 'issued' and o.level = 'grassroots' order by 1`;
  return rows.map((r) => r.id);
}

/**
 * 分办: write each waiting unit's tasks into its inbox (the rows move from version 0, with the township's overrides),
 * then start the units' workflows from those rows, paced by the units' queue. A chair who acts on a task before its
 * unit's start comes starts it there and then (`startIfNeverStarted`), so a task in an inbox can always be acted on.
 * Safe to run again after any crash: rows only move from version 0, and the starts pick up every unit of the
 * township whose rows moved and whose workflow was never started, whichever attempt moved them.
 */
export async function dispatchUnits(
  deps: UnitStartDeps,
  input: DispatchInput & { planId: string; townshipDuty?: boolean },
): Promise<DispatchResult> {
  const { sql } = deps;
  const { plan } = await loadPlan(sql, input.planId);
  // The plan's shared ladder first, so every unit started below gets its own reminder and warning as the backstop.
  const spread = deps.spread;
  await ensureSharedLadder(
    { sql, temporal: deps.temporal, taskQueue: deps.taskQueue, backstopMs: spread?.shared ? (spread.backstopMs ?? 0) : 0, searchAttributes: deps.searchAttributes, shared: (id) => spread?.shared?.(id) ?? Promise.resolve(false) },
    plan.id,
  );
  const waiting = await sql<{ id: string; orgId: string; indicator: string; target: string; deadline: Date }[]>`
    select t.id, t.org_id as "orgId", t.indicator, t.target, t.deadline from tasks t join orgs o on o.id = t.org_id
    where t.plan_id = ${plan.id} and t.township_id = ${input.townshipId} and o.level = ${input.townshipDuty ? 'township' : 'grassroots'} and t.version = 0
      and o.status = 'active' ${input.unitIds ? sql`and t.org_id in ${sql(input.unitIds)}` : sql``}
    order by o.code, t.indicator`;
  const byUnit = new Map<string, (typeof waiting)[number][]>();
  for (const t of waiting) byUnit.set(t.orgId, [...(byUnit.get(t.orgId) ?? []), t]);
  const requested = input.unitIds ? new Set(input.unitIds).size : undefined;
  const overrides = new Map(input.overrides.map((o) => [`${o.unitId}:${o.indicator}`, o]));

  let dispatchedUnits = 0;
  let dispatchedTasks = 0;
  // First the inboxes: one statement per 50 units, with the live index and the audit lines in the same transaction.
  for (const group of chunk([...byUnit.entries()], 50)) {
    const rows = group.flatMap(([orgId, tasks]) =>
      tasks.map((t) => {
        const o = overrides.get(`${orgId}:${t.indicator}`);
        return {
          id: t.id,
          state: o?.notApplicable ? 'exited' : 'dispatched',
          target: o?.target ?? Number(t.target),
          deadline: o?.deadline ? new Date(o.deadline).toISOString() : new Date(t.deadline).toISOString(),
          exitReason: o?.notApplicable ? '不适用 (镇派 not applicable)' : null,
        };
      }),
    );
    await transaction(sql, async (tx) => {
      // Rows move only from version 0, so a retry changes nothing twice.
      const moved = await tx<{ id: string; state: string; target: string; deadline: Date }[]>`
        update tasks t set state = v.state, target = v.target, deadline = v.deadline, exit_reason = v.exit_reason,
          version = 1, updated_at = now()
        from unnest(${rows.map((x) => x.id)}::uuid[], ${rows.map((x) => x.state)}::text[],
          ${rows.map((x) => x.target)}::numeric[], ${rows.map((x) => x.deadline)}::timestamptz[],
          ${rows.map((x) => x.exitReason)}::text[]) as v(id, state, target, deadline, exit_reason)
        where t.id = v.id and t.version = 0
        returning t.id, t.state, t.target, t.deadline`;
      if (moved.length === 0) return;
      // The units enter the live index now: pending, nothing evaluated yet.
      await refreshUnitIndex(tx, plan.id, group.map(([orgId]) => orgId));
      // A rung that fired before the rows moved (a retried dispatch) set its light against the old deadline.
      await tx`
        select refresh_task_lights(array(select distinct task_id from ladder_rungs where task_id in ${tx(moved.map((m) => m.id))}))`;
      await tx`
        insert into audit_log ${tx(
          moved.map((m) => ({
            actor_id: input.actor?.id ?? null,
            actor_login: input.actor?.login ?? 'system',
            action: input.actor ? 'task.dispatch' : 'task.auto-dispatch',
            subject_type: 'task',
            subject_id: m.id,
            from_state: 'issued',
            to_state: m.state,
            summary: { target: Number(m.target), deadline: new Date(m.deadline).toISOString() },
            event_key: `task:${m.id}:1`,
          })),
        )}
        on conflict (event_key) where event_key is not null do nothing`;
    });
    dispatchedUnits += group.length;
    dispatchedTasks += rows.length;
    Context.current().heartbeat({ dispatchedUnits });
  }
  // Every task in its inbox: the township has dispatched.
  if (!input.townshipDuty) {
    await sql`
      update plan_townships set status = 'dispatched', dispatched_at = now(), dispatched_by = ${input.actor?.login ?? 'system'}
      where plan_id = ${plan.id} and township_id = ${input.townshipId} and status = 'issued'
        and not exists (select 1 from tasks where plan_id = ${plan.id} and township_id = ${input.townshipId} and version = 0)`;
  }
  // A township that set its own deadlines moved them from the ones the plan's shared ladder reads: it looks again
  // before the units start (their own reminders and warnings still ahead are backstops; it must fire them). Told on
  // every attempt, so a retry after a lost one tells it too.
  if (input.overrides.some((o) => o.deadline)) await tellSharedLadder(deps.temporal, plan.id);
  // Then the workflows: every unit of the township whose rows moved and whose workflow was never started (this
  // attempt's, and any an earlier attempt moved before it died). The units' queue sets the pace.
  const unstarted = await unstartedUnits(sql, plan.id, input.townshipId, input.townshipDuty ?? false);
  await startUnits(deps, plan.id, unstarted, (started) => Context.current().heartbeat({ dispatchedUnits, started }));
  if (input.townshipDuty) return { townshipId: input.townshipId, dispatchedUnits, dispatchedTasks, alreadyDispatchedUnits: 0 };
  return {
    townshipId: input.townshipId,
    dispatchedUnits,
    dispatchedTasks,
    alreadyDispatchedUnits: requested !== undefined ? requested - byUnit.size : 0,
  };
}

/** Tell every dispatched unit of the plan to recompute its ladder (the policy changed). Safe to repeat. */
export async function rearmUnits(deps: { sql: Sql; temporal: Client; gate?: BacklogGate }, planId: string, only?: string[]): Promise<{ units: number }> {
  const units = await deps.sql<{ orgId: string }[]>`
    select distinct org_id as "orgId" from tasks where plan_id = ${planId} and version > 0
      ${only ? deps.sql`and org_id in ${deps.sql(only.length > 0 ? only : ['00000000-0000-0000-0000-000000000000'])}` : deps.sql``}
    order by 1`;
  let told = 0;
  for (const group of chunk(units, 50)) {
    // Each signal is a workflow task in the units' queue, and the chairs' verbs queue behind them: paced as a dispatch.
    await deps.gate?.wait(() => Context.current().heartbeat(told));
    await Promise.all(
      group.map(async ({ orgId }) => {
        try {
          await deps.temporal.workflow.getHandle(unitTasksWorkflowId(planId, orgId)).signal(rearmSignal);
          told += 1;
        } catch (err) {
          // A unit whose workflow already finished has nothing left to re-arm.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }),
    );
    Context.current().heartbeat(told);
  }
  return { units: told };
}
