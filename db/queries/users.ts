import type { CurrentUser } from '../../lib/user';
import type { Sql } from '../client';

interface UserRow {
  id: string;
  login: string;
  displayName: string;
  role: CurrentUser['role'];
  orgId: string;
  orgLevel: CurrentUser['orgLevel'];
  districtId: string;
  townshipId: string | null;
  department: string | null;
}

const userColumns = (sql: Sql) => sql`
  u.id, u.login, u.display_name as "displayName", u.role, u.org_id as "orgId", o.level as "orgLevel",
  o.district_id as "districtId", o.township_id as "townshipId", u.department`;

/** The user behind a token, if still active and their organisation still exists. */
export async function findActiveUser(sql: Sql, id: string): Promise<CurrentUser | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await sql<UserRow[]>`
    select ${userColumns(sql)} from users u join orgs o on o.id = u.org_id
    where u.id = ${id} and u.active and o.status = 'active'`;
  return row;
}

/** A login's stored hash, for checking a password. */
export async function findLogin(sql: Sql, login: string) {
  const [row] = await sql<(UserRow & { passwordHash: string; active: boolean; orgStatus: string })[]>`
    select ${userColumns(sql)}, u.password_hash as "passwordHash", u.active, o.status as "orgStatus"
    from users u join orgs o on o.id = u.org_id where u.login = ${login}`;
  return row;
}
