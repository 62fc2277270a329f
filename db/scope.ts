// The part of the org tree a user may touch, as one check and one SQL condition that the API and the queries share.
import type { CurrentUser } from '../lib/user';
import type { Sql } from './client';

/** The part of the org tree a user may read: the whole district, one township, or one unit. */
export interface OrgPlace {
  id: string;
  districtId: string;
  townshipId: string | null;
}

/** Whether `org` lies inside the caller's subtree. */
export function inScope(user: CurrentUser, org: OrgPlace): boolean {
  if (org.districtId !== user.districtId) return false;
  switch (user.orgLevel) {
    case 'district':
      return true;
    case 'township':
      return org.townshipId === user.orgId || org.id === user.orgId;
    case 'grassroots':
      return org.id === user.orgId;
  }
}

/** SQL condition on an orgs row aliased `alias` that keeps only the caller's subtree. */
export function orgScopeCondition(sql: Sql, user: CurrentUser, alias = 'o') {
  const col = (name: string) => sql(`${alias}.${name}`);
  switch (user.orgLevel) {
    case 'district':
      return sql`${col('district_id')} = ${user.districtId}`;
    case 'township':
      return sql`(${col('township_id')} = ${user.orgId} or ${col('id')} = ${user.orgId})`;
    case 'grassroots':
      return sql`${col('id')} = ${user.orgId}`;
  }
}
