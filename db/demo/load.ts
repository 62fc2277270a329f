import { hashPassword } from '../../lib/password';
import type { Sql } from '../client';
import { DEMO_DISTRICT_CODE, demoOrgs, demoUsers } from './fuyang';

/** The one password every demo login shares. It exists only in demo data. */
export const DEMO_PASSWORD = 'jianjia-demo';

/** Load the demo district once: a second call finds it and changes nothing. */
export async function loadDemoData(sql: Sql): Promise<{ created: boolean; orgs: number; users: number }> {
  // One hash shared by the demo logins: they share one published password anyway,
  // and hashing ~300 times with scrypt would add half a minute to the first start.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(727275)`;
    const [existing] = await tx`select 1 from orgs where code = ${DEMO_DISTRICT_CODE}`;
    if (existing) return { created: false, orgs: 0, users: 0 };
    const { district, townships, units } = demoOrgs();
    // A district is its own district: the id is drawn first so the row can point at itself.
    const [root] = await tx<{ id: string }[]>`
      insert into orgs (id, code, name, level, district_id)
      select id, ${district.code}, ${district.name}, 'district', id from (select gen_random_uuid() as id) fresh
      returning id`;
    const ids = new Map<string, string>([[district.code, root!.id]]);
    const townshipRows = await tx<{ id: string; code: string }[]>`
      insert into orgs ${tx(townships.map((t) => ({ code: t.code, name: t.name, level: 'township', parent_id: root!.id, district_id: root!.id })))}
      returning id, code`;
    await tx`update orgs set township_id = id where level = 'township' and district_id = ${root!.id}`;
    for (const t of townshipRows) ids.set(t.code, t.id);
    const unitRows = await tx<{ id: string; code: string }[]>`
      insert into orgs ${tx(
        units.map((u) => ({
          code: u.code,
          name: u.name,
          level: 'grassroots',
          parent_id: ids.get(u.parentCode!)!,
          district_id: root!.id,
          township_id: ids.get(u.parentCode!)!,
          unit_type: u.unitType,
          members: u.members,
          female_members: u.femaleMembers,
        })),
      )}
      returning id, code`;
    for (const u of unitRows) ids.set(u.code, u.id);
    const users = demoUsers().map((u) => ({
      login: u.login,
      display_name: u.displayName,
      role: u.role,
      org_id: ids.get(u.orgCode)!,
      department: u.department,
      password_hash: passwordHash,
    }));
    await tx`insert into users ${tx(users)}`;
    return { created: true, orgs: ids.size, users: users.length };
  });
}
