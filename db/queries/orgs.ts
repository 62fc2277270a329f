import type { CurrentUser } from '../../lib/user';
import { orgScopeCondition } from '../scope';
import type { Sql } from '../client';

export interface Org {
  id: string;
  code: string;
  name: string;
  level: 'district' | 'township' | 'grassroots';
  parentId: string | null;
  districtId: string;
  townshipId: string | null;
  unitType: string | null;
  members: number | null;
  femaleMembers: number | null;
  sizeClass: string | null;
  status: 'active' | 'dissolved' | 'merged';
  mergedInto: string | null;
  webhookUrl: string | null;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

const columns = (sql: Sql) => sql`
  o.id, o.code, o.name, o.level, o.parent_id as "parentId", o.district_id as "districtId",
  o.township_id as "townshipId", o.unit_type as "unitType", o.members, o.female_members as "femaleMembers",
  o.size_class as "sizeClass", o.status, o.merged_into as "mergedInto", o.webhook_url as "webhookUrl",
  o.revision, o.created_at as "createdAt", o.updated_at as "updatedAt"`;

export interface OrgFilter {
  level?: Org['level'];
  townshipId?: string;
  unitType?: string;
  sizeClass?: string;
  status?: Org['status'] | 'any';
  q?: string;
  after?: string;
  limit: number;
}

/** Orgs inside the caller's subtree, ordered by code, `limit` at a time after the cursor code. */
export async function listOrgs(sql: Sql, user: CurrentUser, f: OrgFilter): Promise<Org[]> {
  const like = f.q ? `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  return sql<Org[]>`
    select ${columns(sql)} from orgs o
    where ${orgScopeCondition(sql, user)}
      ${f.level ? sql`and o.level = ${f.level}` : sql``}
      ${f.townshipId ? sql`and o.township_id = ${f.townshipId}` : sql``}
      ${f.unitType ? sql`and o.unit_type = ${f.unitType}` : sql``}
      ${f.sizeClass ? sql`and o.size_class = ${f.sizeClass}` : sql``}
      ${f.status === 'any' ? sql`` : sql`and o.status = ${f.status ?? 'active'}`}
      ${like ? sql`and (o.code ilike ${like} or o.name ilike ${like})` : sql``}
      ${f.after ? sql`and o.code > ${f.after}` : sql``}
    order by o.code
    limit ${f.limit}`;
}

/** One org if it lies inside the caller's subtree; undefined otherwise, whether or not it exists. */
export async function findOrgInScope(sql: Sql, user: CurrentUser, id: string): Promise<Org | undefined> {
  const [row] = await sql<Org[]>`select ${columns(sql)} from orgs o where o.id = ${id} and ${orgScopeCondition(sql, user)}`;
  return row;
}

/** Lock an org row for a change, re-reading it inside the transaction. */
export async function lockOrg(sql: Sql, id: string): Promise<Org | undefined> {
  const [row] = await sql<Org[]>`select ${columns(sql)} from orgs o where o.id = ${id} for update`;
  return row;
}

export interface NewOrg {
  code: string;
  name: string;
  level: 'township' | 'grassroots';
  parentId: string;
  districtId: string;
  townshipId: string | null;
  unitType: string | null;
  members: number | null;
  femaleMembers: number | null;
}

/** Insert orgs; a township's township_id is its own id. Returns the new rows. */
export async function insertOrgs(sql: Sql, orgs: NewOrg[]): Promise<Org[]> {
  if (orgs.length === 0) return [];
  const inserted = await sql<{ id: string }[]>`
    insert into orgs ${sql(
      orgs.map((o) => ({
        code: o.code,
        name: o.name,
        level: o.level,
        parent_id: o.parentId,
        district_id: o.districtId,
        township_id: o.townshipId,
        unit_type: o.unitType,
        members: o.members,
        female_members: o.femaleMembers,
      })),
    )}
    returning id`;
  const ids = inserted.map((r) => r.id);
  await sql`update orgs set township_id = id where id in ${sql(ids)} and level = 'township'`;
  return sql<Org[]>`select ${columns(sql)} from orgs o where o.id in ${sql(ids)} order by o.code`;
}

/** Apply a change and bump the revision. */
export async function updateOrg(sql: Sql, id: string, changes: Record<string, unknown>): Promise<Org> {
  await sql`update orgs set ${sql(changes)}, revision = revision + 1, updated_at = now() where id = ${id}`;
  const [row] = await sql<Org[]>`select ${columns(sql)} from orgs o where o.id = ${id}`;
  return row!;
}

/** Accounts of a unit that has left the programme can no longer log in. */
export async function deactivateUsersOf(sql: Sql, orgId: string): Promise<number> {
  const rows = await sql`update users set active = false where org_id = ${orgId} and active returning id`;
  return rows.length;
}

/** Codes among `codes` already taken. */
export async function takenCodes(sql: Sql, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const rows = await sql<{ code: string }[]>`select code from orgs where lower(code) in ${sql(codes.map((c) => c.toLowerCase()))}`;
  return new Set(rows.map((r) => r.code.toLowerCase()));
}

/** The townships of a district, for resolving township names and codes in an import. */
export async function townshipsOf(sql: Sql, districtId: string) {
  return sql<{ id: string; code: string; name: string }[]>`
    select id, code, name from orgs where district_id = ${districtId} and level = 'township' and status = 'active'`;
}
