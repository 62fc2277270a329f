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
