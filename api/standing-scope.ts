// Which plan and which part of the org tree an index request may read.
import type { Sql } from '../db/client';
import type { Slice } from '../db/queries/standing';
import { forbidden, notFound } from '../lib/errors';
import type { CurrentUser } from './context';

export interface StandingPlan {
  id: string;
  districtId: string;
  name: string;
  year: number;
  status: string;
  catalogueVersion: number;
  targets: Record<string, number>;
  /** The catalogue version whose target rules the tasks follow now, when the plan adopted a newer one. */
  targetsVersion: number | null;
}

/** The plan, if it is the caller's district's; 404 otherwise. */
export async function standingPlan(sql: Sql, user: CurrentUser, id: string): Promise<StandingPlan> {
  const [plan] = await sql<StandingPlan[]>`
    select id, district_id as "districtId", name, year, status, catalogue_version as "catalogueVersion", targets, targets_version as "targetsVersion"
    from plans where id = ${id} and district_id = ${user.districtId}`;
  if (!plan) throw notFound('plan');
  return plan;
}

/** The caller's slice: the district (or one of its townships when asked), their township, or their unit. */
export function sliceFor(user: CurrentUser, townshipId?: string): Slice {
  switch (user.orgLevel) {
    case 'district':
      return { districtId: user.districtId, townshipId };
    case 'township':
      if (townshipId && townshipId !== user.orgId) throw forbidden('a township officer sees their own township');
      return { districtId: user.districtId, townshipId: user.orgId };
    case 'grassroots':
      return { districtId: user.districtId, orgId: user.orgId };
  }
}
