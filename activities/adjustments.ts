// Applying a policy adjustment to the running unit workflows, a batch at a time, resumably: each task's row in
// adjustment_tasks says whether it is done, and each update carries the id `adj:{adjustment}:{task}`, so a batch
// retried after a crash neither skips a task nor applies one twice.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { transaction, type Sql } from '../db/client';
import { classUnits, findAdjustment, recountAdjustment, type AdjustmentRow } from '../db/queries/adjustments';
import { resolveNeeds } from '../db/queries/needs';
import { writeNotices } from '../db/queries/notices';
import { extendUpdate, exitUpdate, retargetUpdate, unitTasksWorkflowId, type Actor } from '../workflows/unit-tasks.contract';
import { sendStartingUnit, type UnitStartDeps } from './unit-start';

export interface AdjustmentDeps {
  sql: Sql;
  temporal: Client;
  publicUrl: string;
  /** To start a unit its township's dispatch has written into the inboxes but not started yet. */
  starts?: UnitStartDeps;
}

/** Units handled at once: enough to keep the worker busy, few enough not to crowd Temporal. */
const concurrency = 10;
const batchTasks = 200;

/** The district admin who made the adjustment, as the unit workflows see them. */
const actorOf = (adj: AdjustmentRow): Actor => ({ id: adj.createdBy, login: adj.createdByLogin, tier: 'district' });

/** Send one task its change; the answer is what the task's row records. */
async function applyToTask(deps: AdjustmentDeps, adj: AdjustmentRow, actor: Actor, t: { taskId: string; orgId: string; version: number; target: number | null }): Promise<{ status: 'done' | 'skipped'; detail: string | null }> {
  // A catalogue adoption gives each task its own target (it depends on the unit); a target change one for all.
  const target = adj.kind === 'catalogue' ? t.target : adj.target;
  const retargets = adj.kind === 'target' || adj.kind === 'catalogue';
  if (t.version === 0) {
    // Not dispatched yet: its township's dispatch reads the row, so a new target is written there; other changes
    // are the township's to make when it dispatches.
    if (!retargets) return { status: 'skipped', detail: 'not dispatched yet' };
    const moved = await deps.sql`update tasks set target = ${target} where id = ${t.taskId} and version = 0 returning id`;
    return moved.length > 0 ? { status: 'done', detail: 'target set before dispatch' } : { status: 'skipped', detail: 'dispatched meanwhile; retried' };
  }
  const handle = deps.temporal.workflow.getHandle(unitTasksWorkflowId(adj.planId, t.orgId));
  const updateId = `adj:${adj.id}:${t.taskId}`;
  const send = async () => {
    if (retargets) await handle.executeUpdate(retargetUpdate, { args: [{ taskId: t.taskId, actor, target: target!, adjustment: adj.number }], updateId });
    else if (adj.kind === 'extend') await handle.executeUpdate(extendUpdate, { args: [{ taskId: t.taskId, actor, deadline: new Date(adj.deadline!).toISOString(), reason: `${adj.number}：${adj.reason}` }], updateId });
    else await handle.executeUpdate(exitUpdate, { args: [{ taskId: t.taskId, actor, reason: `${adj.number}：${adj.reason}` }], updateId });
  };
  try {
    // A unit dispatched but not started yet (its township's dispatch is still starting units) is started first.
    await sendStartingUnit(deps.starts, adj.planId, t.orgId, send);
    return { status: 'done', detail: null };
  } catch (err) {
    // The task refused the change (it moved on: approved, exited, a later deadline already): recorded, not retried.
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return { status: 'skipped', detail: err.cause.message.slice(0, 500) };
    if (err instanceof WorkflowNotFoundError) return { status: 'skipped', detail: 'the unit’s workflow has finished (plan closed)' };
    throw err;
  }
}

/** Apply the next batch of pending tasks; returns how many are still pending. */
export async function applyAdjustmentBatch(deps: AdjustmentDeps, input: { adjustmentId: string }): Promise<{ remaining: number }> {
  const adj = await findAdjustment(deps.sql, input.adjustmentId);
  if (!adj) throw ApplicationFailure.nonRetryable(`adjustment ${input.adjustmentId} not found`);
  const actor = actorOf(adj);
  const pending = await deps.sql<{ taskId: string; orgId: string; version: number; target: number | null }[]>`
    select a.task_id as "taskId", a.org_id as "orgId", t.version, a.target::float8 as target from adjustment_tasks a join tasks t on t.id = a.task_id
    where a.adjustment_id = ${adj.id} and a.status = 'pending' order by a.org_id, a.task_id limit ${batchTasks}`;
  const byUnit = new Map<string, (typeof pending)[number][]>();
  for (const t of pending) byUnit.set(t.orgId, [...(byUnit.get(t.orgId) ?? []), t]);
  const units = [...byUnit.values()];
  let handled = 0;
  const worker = async () => {
    for (let list = units.shift(); list; list = units.shift()) {
      // One unit's tasks one after another: they are one workflow.
      for (const t of list) {
        const outcome = await applyToTask(deps, adj, actor, t);
        await deps.sql`update adjustment_tasks set status = ${outcome.status}, detail = ${outcome.detail} where adjustment_id = ${adj.id} and task_id = ${t.taskId}`;
        Context.current().heartbeat(++handled);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { remaining: (await recountAdjustment(deps.sql, adj.id)).pending };
}

/** Mark the adjustment applied, resolve the needs that asked for it, and tell the units of the class. */
export async function finishAdjustment(deps: AdjustmentDeps, input: { adjustmentId: string }): Promise<{ done: number; skipped: number }> {
  const adj = await findAdjustment(deps.sql, input.adjustmentId);
  if (!adj) throw ApplicationFailure.nonRetryable(`adjustment ${input.adjustmentId} not found`);
  const counts = await recountAdjustment(deps.sql, adj.id);
  await transaction(deps.sql, async (tx) => {
    const [claimed] = await tx<{ id: string }[]>`update adjustments set state = 'applied', applied_at = now() where id = ${adj.id} and state = 'applying' returning id`;
    if (!claimed) return; // finished by an earlier attempt
    const what = describe(adj);
    if (adj.kind === 'catalogue') await tx`update plans set targets_version = ${adj.catalogueVersion} where id = ${adj.planId} and coalesce(targets_version, 0) < ${adj.catalogueVersion}`;
    if (adj.needs.length > 0) {
      const needs = await tx<{ id: string; number: string; orgId: string; title: string }[]>`
        select id, number, org_id as "orgId", title from needs where id in ${tx(adj.needs)} and state not in ('resolved', 'merged')`;
      await resolveNeeds(tx, needs, `${what}（${adj.reason}）`, { id: adj.id, number: adj.number }, null, deps.publicUrl);
    }
    // Every unit of the class hears what changed for it (and, for a support note, the note itself); a catalogue
    // adoption tells only the units whose targets changed.
    const told =
      adj.kind === 'catalogue'
        ? await tx<{ id: string }[]>`select distinct org_id as id from adjustment_tasks where adjustment_id = ${adj.id} and status = 'done'`
        : await classUnits(tx, adj.districtId, adj.class);
    for (const unit of told) {
      await writeNotices(
        tx,
        {
          eventKey: `adjustment:${adj.id}:${unit.id}`,
          kind: 'need',
          taskId: null,
          orgId: unit.id,
          parties: ['unit'],
          title: `【政策调整】${adj.number}`,
          body: `${what}。${adj.note ? `${adj.note}` : adj.reason}`.slice(0, 1000),
          link: `${deps.publicUrl}/api/v1/adjustments/${adj.id}`,
        },
        { email: false },
      );
    }
    await tx`
      insert into audit_log (actor_id, actor_login, action, subject_type, subject_id, summary, event_key)
      values (${adj.createdBy}, ${adj.createdByLogin}, 'adjustment.applied', 'adjustment', ${adj.id},
        ${tx.json({ done: counts.done, skipped: counts.skipped } as never)}, ${`adjustment:${adj.id}:applied`})
      on conflict (event_key) where event_key is not null do nothing`;
  });
  return { done: counts.done, skipped: counts.skipped };
}

/** What an adjustment changes, in the words of a notice. */
export function describe(adj: Pick<AdjustmentRow, 'kind' | 'indicators' | 'target' | 'deadline' | 'catalogueVersion'>): string {
  const codes = adj.indicators.join('、');
  const beijing = (d: Date) => new Date(new Date(d).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
  switch (adj.kind) {
    case 'target':
      return `${codes}目标值调整为${adj.target}`;
    case 'extend':
      return `${codes}截止时间延至${beijing(adj.deadline!)}`;
    case 'exempt':
      return `${codes}本年度免于考核`;
    case 'support':
      return '区总工会发布支持举措';
    case 'catalogue':
      return `尚未评价的任务改按指标目录第${adj.catalogueVersion}版的目标值执行`;
  }
}
