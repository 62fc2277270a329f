// Plans as the API reads them, always within the caller's district.
import type { CurrentUser } from '../../lib/user';
import { notFound } from '../../lib/errors';
import type { Sql } from '../client';

export interface PlanRecord {
  id: string;
  districtId: string;
  year: number;
  name: string;
  deadline: Date;
  catalogueVersion: number;
  indicators: string[];
  targets: Record<string, number>;
  deadlines: Record<string, string>;
  escalation: Record<string, unknown>;
  autoDispatchAfter: string | null;
  status: 'draft' | 'issued' | 'closing' | 'closed';
}

/** The columns of a PlanRecord. */
export const planColumns = (sql: Sql) => sql`
  id, district_id as "districtId", year, name, deadline, catalogue_version as "catalogueVersion", indicators,
  targets, deadlines, escalation, auto_dispatch_after as "autoDispatchAfter", status`;

/** The plan if it belongs to the caller's district; 404 otherwise. */
export async function planInScope(sql: Sql, user: CurrentUser, id: string): Promise<PlanRecord> {
  const [plan] = await sql<PlanRecord[]>`
    select ${planColumns(sql)} from plans where id = ${id} and district_id = ${user.districtId}`;
  if (!plan) throw notFound('plan');
  return plan;
}

/** The caller's district's plans, newest first. */
export async function districtPlans(sql: Sql, user: CurrentUser): Promise<PlanRecord[]> {
  return sql<PlanRecord[]>`select ${planColumns(sql)} from plans where district_id = ${user.districtId} order by created_at desc limit 200`;
}

/** Write a new draft plan of the caller's district; returns its id. Call inside the creating transaction. */
export async function insertPlan(
  tx: Sql,
  user: CurrentUser,
  p: { year: number; name: string; deadline: string; catalogueVersion: number; indicators: string[]; targets?: Record<string, number>; deadlines?: Record<string, string>; escalation?: unknown; autoDispatchAfter?: string },
): Promise<{ id: string }> {
  const [row] = await tx<{ id: string }[]>`
    insert into plans (district_id, year, name, deadline, catalogue_version, indicators, targets, deadlines, escalation, auto_dispatch_after, created_by)
    values (${user.districtId}, ${p.year}, ${p.name}, ${p.deadline}, ${p.catalogueVersion}, ${p.indicators},
      ${tx.json(p.targets ?? {})}, ${tx.json(p.deadlines ?? {})}, ${tx.json((p.escalation ?? {}) as never)},
      ${p.autoDispatchAfter ?? null}, ${user.id})
    returning id`;
  return row!;
}

/** The grassroots units of a township in the caller's district, as dispatch sees them. */
export async function townshipUnits(sql: Sql, user: CurrentUser, townshipId: string) {
  return sql<{ id: string; level: 'grassroots'; unitType: string | null; sizeClass: string | null }[]>`
    select id, level, unit_type as "unitType", size_class as "sizeClass" from orgs
    where township_id = ${townshipId} and level = 'grassroots' and district_id = ${user.districtId}`;
}

/** How many orgs have tasks in a plan (its unit workflows): what a deadline's wave of wake-ups is sized by. */
export async function planUnitCount(sql: Sql, planId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(distinct org_id)::int as n from tasks where plan_id = ${planId}`;
  return row?.n ?? 0;
}
