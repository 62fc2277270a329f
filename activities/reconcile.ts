// A way back for a projection out of step with its workflow: ask each unit workflow for its tasks
// (tasksQuery), compare with the PostgreSQL rows, report every difference, and, when asked, rewrite
// the rows from the workflow, which is the source of truth. Idempotent: a second run finds nothing.
import { ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { transaction, type Sql } from '../db/client';
import { tasksQuery, unitTasksWorkflowId, type TaskStatus } from '../workflows/unit-tasks.contract';

/** The fields the projection mirrors from the workflow. */
const mirrored = ['state', 'version', 'responsible', 'value', 'points', 'deadline', 'exitReason'] as const;
type Field = (typeof mirrored)[number];

export interface Difference {
  planId: string;
  orgId: string;
  taskId: string;
  indicator: string;
  field: Field | 'row' | 'workflow';
  workflow: unknown;
  database: unknown;
}

export interface ReconcileReport {
  plans: number;
  units: number;
  tasks: number;
  differences: Difference[];
  /** Tasks whose workflow says a change could not be written nor undone. */
  attention: { planId: string; taskId: string; message: string }[];
  repaired: number;
  /** Rows the database would not take from the workflow: a person must look at them. */
  unrepaired: { planId: string; taskId: string; error: string }[];
}

interface Row {
  id: string;
  planId: string;
  orgId: string;
  indicator: string;
  state: string;
  version: number;
  responsible: string | null;
  value: number | null;
  points: number | null;
  deadline: Date;
  exitReason: string | null;
}

const normalise = (field: Field, v: unknown) => (field === 'deadline' && v !== null && v !== undefined ? new Date(v as string).toISOString() : v === undefined ? null : v);

/**
 * Compare the unit workflows of issued plans (or one plan) with their rows; with `repair`, write
 * each differing row as the workflow has it, with an audit entry.
 */
export async function reconcileTasks(deps: { sql: Sql; temporal: Client }, options: { planId?: string; districtId?: string; repair: boolean; concurrency?: number }): Promise<ReconcileReport> {
  const { sql, temporal } = deps;
  const plans = await sql<{ id: string }[]>`
    select id from plans where status = 'issued'
      ${options.planId ? sql`and id = ${options.planId}` : sql``}
      ${options.districtId ? sql`and district_id = ${options.districtId}` : sql``}
    order by created_at`;
  const report: ReconcileReport = { plans: plans.length, units: 0, tasks: 0, differences: [], attention: [], repaired: 0, unrepaired: [] };
  for (const plan of plans) {
    // Only started units have a workflow: rows still at version 0 wait for their township, and a unit whose rows its
    // township's dispatch has moved waits for that dispatch (or a chair's verb) to start it.
    const rows = await sql<Row[]>`
      select id, plan_id as "planId", org_id as "orgId", indicator, state, version, responsible, value::float8 as value, points::float8 as points, deadline, exit_reason as "exitReason"
      from tasks t where plan_id = ${plan.id} and version > 0
        and exists (select 1 from unit_workflows w where w.plan_id = t.plan_id and w.org_id = t.org_id)
      order by org_id, indicator`;
    // Units in their inboxes whose workflow was never started: their township's dispatch is still starting units, or
    // stopped before it got to them (dispatching the township again starts them; so does a chair's verb).
    const waiting = await sql<{ id: string }[]>`
      select distinct on (t.org_id) t.id from tasks t
      where t.plan_id = ${plan.id} and t.version > 0
        and not exists (select 1 from unit_workflows w where w.plan_id = t.plan_id and w.org_id = t.org_id)
      order by t.org_id, t.indicator`;
    for (const w of waiting) {
      report.attention.push({ planId: plan.id, taskId: w.id, message: 'dispatched, but its unit’s workflow is not started yet: dispatch the township again to start it' });
    }
    const byUnit = new Map<string, Row[]>();
    for (const r of rows) byUnit.set(r.orgId, [...(byUnit.get(r.orgId) ?? []), r]);
    const units = [...byUnit.entries()];
    const step = options.concurrency ?? 20;
    for (let i = 0; i < units.length; i += step) {
      await Promise.all(units.slice(i, i + step).map(([orgId, unitRows]) => reconcileUnit(deps, plan.id, orgId, unitRows, options.repair, report)));
    }
    report.units += units.length;
    report.tasks += rows.length;
  }
  return report;
}

/**
 * A unit workflow's tasks, or null when it does not exist. A query the server could not answer just now (the
 * worker that held the workflow died, the server is taking its shards back after a restart: a ServiceError such as
 * UNAVAILABLE or DEADLINE_EXCEEDED) is asked again after 1, 2, 4 and 8 s before the check gives up.
 */
async function queryTasks(temporal: Client, planId: string, orgId: string): Promise<TaskStatus[] | null> {
  const handle = temporal.workflow.getHandle(unitTasksWorkflowId(planId, orgId));
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle.query(tasksQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      if (!(err instanceof ServiceError) || attempt >= queryAttempts) throw err;
      await new Promise((r) => setTimeout(r, 1000 * 2 ** (attempt - 1)));
    }
  }
}
const queryAttempts = 5;

async function reconcileUnit(deps: { sql: Sql; temporal: Client }, planId: string, orgId: string, rows: Row[], repair: boolean, report: ReconcileReport) {
  const statuses = await queryTasks(deps.temporal, planId, orgId);
  if (statuses === null) {
    for (const r of rows) report.differences.push({ planId, orgId, taskId: r.id, indicator: r.indicator, field: 'workflow', workflow: null, database: r.state });
    return;
  }
  const byId = new Map(statuses.map((s) => [s.taskId, s]));
  for (const row of rows) {
    const wf = byId.get(row.id);
    if (!wf) {
      report.differences.push({ planId, orgId, taskId: row.id, indicator: row.indicator, field: 'row', workflow: null, database: row.state });
      continue;
    }
    if (wf.attention) report.attention.push({ planId, taskId: row.id, message: wf.attention });
    const differing = mirrored.filter((f) => normalise(f, wf[f]) !== normalise(f, row[f]));
    for (const f of differing) report.differences.push({ planId, orgId, taskId: row.id, indicator: row.indicator, field: f, workflow: normalise(f, wf[f]), database: normalise(f, row[f]) });
    if (repair && differing.length > 0) {
      try {
        await repairRow(deps.sql, row, wf, differing);
        report.repaired += 1;
      } catch (err) {
        // The database refuses the workflow's own data: say so and go on with the other tasks.
        report.unrepaired.push({ planId, taskId: row.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}

/** Rewrite one row as its workflow has it, with an audit entry naming what changed. */
async function repairRow(sql: Sql, row: Row, wf: TaskStatus, differing: Field[]) {
  await transaction(sql, async (tx) => {
    await tx`
      update tasks set state = ${wf.state}, version = ${wf.version}, responsible = ${wf.responsible}, value = ${wf.value},
        points = ${wf.points}, deadline = ${wf.deadline}, exit_reason = ${wf.exitReason}, updated_at = now()
      where id = ${row.id}`;
    await tx`select refresh_task_light(${row.id})`;
    const summary = Object.fromEntries(differing.map((f) => [f, { database: normalise(f, row[f]), workflow: normalise(f, wf[f]) }]));
    await tx`
      insert into audit_log (actor_login, action, subject_type, subject_id, from_state, to_state, summary)
      values ('system', 'task.reconcile', 'task', ${row.id}, ${row.state}, ${wf.state}, ${tx.json(summary as never)})`;
  });
}
