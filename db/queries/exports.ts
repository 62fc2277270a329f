// Rows for the Excel exports, read with a cursor so a district's 115,000 tasks never sit in memory at once.
// Each function takes an explicit slice of the org tree, like db/queries/standing.ts: callers decide scope.
import type { Sql } from '../client';
import type { Slice } from './standing';

/** Rows per cursor batch: small enough to keep memory flat, large enough to keep round trips few. */
const BATCH = 1000;

const sliceWhere = (sql: Sql, s: Slice, alias: string) => {
  const col = (name: string) => sql(`${alias}.${name}`);
  return sql`${col('district_id')} = ${s.districtId}
    ${s.townshipId ? sql`and ${col('township_id')} = ${s.townshipId}` : sql``}
    ${s.orgId ? sql`and ${col('org_id')} = ${s.orgId}` : sql``}`;
};

/** An org of the district by id and level (a township for a file name or a filter), or undefined. */
export async function districtOrg(sql: Sql, districtId: string, id: string, level: 'township' | 'grassroots') {
  const [row] = await sql<{ id: string; code: string; name: string }[]>`
    select id, code, name from orgs where id = ${id} and district_id = ${districtId} and level = ${level}`;
  return row;
}

export interface TaskExportRow {
  unitCode: string;
  unitName: string;
  townshipName: string;
  indicator: string;
  category: string;
  department: string;
  state: string;
  light: 'green' | 'blue' | 'yellow' | 'red';
  target: number;
  value: number | null;
  points: number | null;
  maxPoints: number;
  deadline: Date;
  responsible: string | null;
  exitReason: string | null;
  updatedAt: Date;
}

/** The task list's own filters, as GET /tasks takes them, narrowing an export to what the person is looking at. */
export interface TaskExportFilter {
  state?: string;
  light?: string;
  indicator?: string;
  category?: string;
}

/** A slice's tasks in a plan, unit by unit (by code) and indicator by indicator, in batches. */
export function taskExportRows(sql: Sql, planId: string, slice: Slice, f: TaskExportFilter = {}): AsyncIterable<TaskExportRow[]> {
  return sql<TaskExportRow[]>`
    select o.code as "unitCode", o.name as "unitName", tw.name as "townshipName", t.indicator, t.category, t.department,
      t.state, t.light, t.target::float8 as target, t.value::float8 as value, t.points::float8 as points,
      t.max_points::float8 as "maxPoints", t.deadline, t.responsible, t.exit_reason as "exitReason", t.updated_at as "updatedAt"
    from tasks t join orgs o on o.id = t.org_id join orgs tw on tw.id = t.township_id
    where t.plan_id = ${planId} and ${sliceWhere(sql, slice, 't')}
      ${f.state ? sql`and t.state = ${f.state}` : sql``}
      ${f.light ? sql`and t.light = ${f.light}` : sql``}
      ${f.indicator ? sql`and t.indicator = ${f.indicator}` : sql``}
      ${f.category ? sql`and t.category = ${f.category}` : sql``}
    order by tw.code, o.code, t.indicator`.cursor(BATCH);
}

export interface OrderExportRow {
  number: string;
  unitCode: string;
  unitName: string;
  townshipName: string;
  indicator: string;
  reason: string;
  issuer: string;
  taskDeadline: Date;
  issuedAt: Date;
  respondBy: Date;
}

/** A slice's supervision orders in a plan still waiting for an answer, oldest first. */
export function openOrderRows(sql: Sql, planId: string, slice: Slice): AsyncIterable<OrderExportRow[]> {
  return sql<OrderExportRow[]>`
    select t.number, o.code as "unitCode", o.name as "unitName", tw.name as "townshipName", k.indicator, t.reason,
      i.name as issuer, t.task_deadline as "taskDeadline", t.issued_at as "issuedAt", t.respond_by as "respondBy"
    from supervision_orders t join tasks k on k.id = t.task_id join orgs o on o.id = t.org_id
      join orgs tw on tw.id = t.township_id join orgs i on i.id = t.issuer_org_id
    where t.plan_id = ${planId} and t.responded_at is null and ${sliceWhere(sql, slice, 't')}
    order by t.issued_at, t.number`.cursor(BATCH);
}

export interface SummonsExportRow {
  orderNumber: string;
  unitCode: string;
  unitName: string;
  townshipName: string;
  indicator: string;
  summoner: string;
  proposedAt: Date;
  place: string;
  createdAt: Date;
  heldAt: Date | null;
}

/** A slice's summons in a plan whose outcome is not recorded yet, oldest first. */
export function openSummonsRows(sql: Sql, planId: string, slice: Slice): AsyncIterable<SummonsExportRow[]> {
  return sql<SummonsExportRow[]>`
    select so.number as "orderNumber", o.code as "unitCode", o.name as "unitName", tw.name as "townshipName", k.indicator,
      r.name as summoner, t.proposed_at as "proposedAt", t.place, t.created_at as "createdAt", t.held_at as "heldAt"
    from summons t join supervision_orders so on so.id = t.order_id join tasks k on k.id = t.task_id
      join orgs o on o.id = t.org_id join orgs tw on tw.id = t.township_id join orgs r on r.id = t.summoner_org_id
    where t.plan_id = ${planId} and t.outcome is null and ${sliceWhere(sql, slice, 't')}
    order by t.created_at, so.number`.cursor(BATCH);
}
