import { transaction, type Sql } from '../db/client';
import { refreshUnitIndex } from '../db/queries/unit-index';
import type { TaskState } from '../workflows/unit-tasks.contract';

/** One change of one task, as the workflow decided it. */
export interface TaskChange {
  planId: string;
  taskId: string;
  version: number;
  state: TaskState;
  responsible: string | null;
  value: number | null;
  points: number | null;
  /** Absent in changes recorded before targets could move by policy: the row keeps its target. */
  target?: number;
  deadline: string;
  exitReason: string | null;
  report?: { seq: number; value: number; note?: string; evidence?: string[]; final: boolean; by: string; at: string };
  audit: { actorId: string | null; actorLogin: string; action: string; fromState: string; toState: string; summary: Record<string, unknown> };
}

/**
 * Write a task change to PostgreSQL. Idempotent: the row only moves forward in version, the report
 * and the audit entry are keyed, so a retried activity (or one that ran twice) writes each thing once.
 * Answers whether this write moved the task's deadline (an extension, a return with a new deadline).
 */
export async function projectTask(sql: Sql, change: TaskChange): Promise<{ deadlineMoved: boolean }> {
  return transaction(sql, async (tx) => {
    const [moved] = await tx<{ deadlineMoved: boolean }[]>`
      update tasks t set state = ${change.state}, responsible = ${change.responsible}, value = ${change.value},
        points = ${change.points}, target = coalesce(${change.target ?? null}::numeric, t.target), deadline = ${change.deadline}, exit_reason = ${change.exitReason},
        version = ${change.version}, updated_at = now()
      from (select id, deadline from tasks where id = ${change.taskId}) was
      where t.id = was.id and t.version < ${change.version}
      returning t.deadline is distinct from was.deadline as "deadlineMoved"`;
    await tx`select refresh_task_light(${change.taskId})`;
    // The unit's 建家 index moves in the same transaction as its task, so nobody reads one without the other.
    const [task] = await tx<{ orgId: string }[]>`select org_id as "orgId" from tasks where id = ${change.taskId}`;
    if (task) await refreshUnitIndex(tx, change.planId, [task.orgId]);
    if (change.report) {
      const r = change.report;
      await tx`
        insert into task_reports (task_id, seq, value, note, evidence, final, reported_by, reported_at)
        values (${change.taskId}, ${r.seq}, ${r.value}, ${r.note ?? null}, ${r.evidence ?? []}::uuid[], ${r.final}, ${r.by}, ${r.at})
        on conflict (task_id, seq) do nothing`;
    }
    const a = change.audit;
    await tx`
      insert into audit_log (actor_id, actor_login, action, subject_type, subject_id, from_state, to_state, summary, event_key)
      values (${a.actorId}, ${a.actorLogin}, ${a.action}, 'task', ${change.taskId}, ${a.fromState}, ${a.toState},
        ${tx.json(a.summary as never)}, ${`task:${change.taskId}:${change.version}`})
      on conflict (event_key) where event_key is not null do nothing`;
    return { deadlineMoved: moved?.deadlineMoved ?? false };
  });
}
