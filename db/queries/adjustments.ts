// 政策调整: which units and tasks a policy adjustment touches, its record, and its progress.
import type { Sql } from '../client';

/** A class of units: every criterion given must hold. */
export interface AdjustmentClass {
  unitTypes?: string[];
  sizeClasses?: string[];
  townshipIds?: string[];
  orgIds?: string[];
}

export type AdjustmentKind = 'target' | 'extend' | 'exempt' | 'support' | 'catalogue';

/** The grassroots units of a district in a class. */
export async function classUnits(sql: Sql, districtId: string, c: AdjustmentClass) {
  return sql<{ id: string; code: string; name: string; townshipId: string }[]>`
    select o.id, o.code, o.name, o.township_id as "townshipId" from orgs o
    where o.district_id = ${districtId} and o.level = 'grassroots' and o.status = 'active'
      ${c.unitTypes?.length ? sql`and o.unit_type in ${sql(c.unitTypes)}` : sql``}
      ${c.sizeClasses?.length ? sql`and o.size_class in ${sql(c.sizeClasses)}` : sql``}
      ${c.townshipIds?.length ? sql`and o.township_id in ${sql(c.townshipIds)}` : sql``}
      ${c.orgIds?.length ? sql`and o.id in ${sql(c.orgIds)}` : sql``}
    order by o.code`;
}

export interface ClassTask {
  id: string;
  orgId: string;
  indicator: string;
  state: string;
  version: number;
  target: number;
  value: number | null;
  points: number | null;
  deadline: Date;
  /** kind catalogue: this task's own new target. */
  newTarget?: number;
}

/**
 * The tasks of those units for these indicators that the adjustment can still change: a target may change on any
 * task not exited (an evaluated one is re-scored); a deadline or an exemption only on work not yet done.
 */
export async function classTasks(sql: Sql, planId: string, orgIds: string[], indicators: string[], kind: AdjustmentKind): Promise<ClassTask[]> {
  if (orgIds.length === 0 || indicators.length === 0 || kind === 'support' || kind === 'catalogue') return [];
  const open = kind === 'target' ? sql`t.state <> 'exited'` : sql`t.state not in ('approved', 'exited')`;
  return sql<ClassTask[]>`
    select t.id, t.org_id as "orgId", t.indicator, t.state, t.version, t.target::float8 as target, t.value::float8 as value,
      t.points::float8 as points, t.deadline
    from tasks t
    where t.plan_id = ${planId} and t.org_id in ${sql(orgIds)} and t.indicator in ${sql(indicators)} and not t.frozen and ${open}
    order by t.org_id, t.indicator`;
}

export interface AdjustmentRow {
  id: string;
  number: string;
  districtId: string;
  planId: string;
  kind: AdjustmentKind;
  class: AdjustmentClass;
  indicators: string[];
  target: number | null;
  deadline: Date | null;
  catalogueVersion: number | null;
  reason: string;
  note: string | null;
  attachments: string[];
  needs: string[];
  state: 'applying' | 'applied';
  totalUnits: number;
  totalTasks: number;
  doneTasks: number;
  skippedTasks: number;
  createdBy: string;
  createdByLogin: string;
  createdAt: Date;
  appliedAt: Date | null;
}

const columns = (sql: Sql) => sql`
  a.id, a.number, a.district_id as "districtId", a.plan_id as "planId", a.kind, a.class, a.indicators, a.target::float8 as target,
  a.deadline, a.catalogue_version as "catalogueVersion", a.reason, a.note, a.attachments, a.needs, a.state, a.total_units as "totalUnits", a.total_tasks as "totalTasks",
  a.done_tasks as "doneTasks", a.skipped_tasks as "skippedTasks", a.created_by as "createdBy", u.login as "createdByLogin",
  a.created_at as "createdAt", a.applied_at as "appliedAt"`;

export async function findAdjustment(sql: Sql, id: string, districtId?: string): Promise<AdjustmentRow | undefined> {
  const [row] = await sql<AdjustmentRow[]>`
    select ${columns(sql)} from adjustments a join users u on u.id = a.created_by
    where a.id = ${id} ${districtId ? sql`and a.district_id = ${districtId}` : sql``}`;
  return row;
}

export async function planAdjustments(sql: Sql, planId: string, districtId: string): Promise<AdjustmentRow[]> {
  return sql<AdjustmentRow[]>`
    select ${columns(sql)} from adjustments a join users u on u.id = a.created_by
    where a.plan_id = ${planId} and a.district_id = ${districtId} order by a.created_at desc`;
}

/** Recount an adjustment's progress from its task rows. */
export async function recountAdjustment(sql: Sql, id: string) {
  const [row] = await sql<{ pending: number; done: number; skipped: number }[]>`
    with c as (select count(*) filter (where status = 'pending')::int as pending, count(*) filter (where status = 'done')::int as done,
                 count(*) filter (where status = 'skipped')::int as skipped from adjustment_tasks where adjustment_id = ${id})
    update adjustments a set done_tasks = c.done, skipped_tasks = c.skipped from c where a.id = ${id}
    returning c.pending, c.done, c.skipped`;
  return row!;
}
