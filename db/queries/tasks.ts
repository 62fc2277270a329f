import type { CurrentUser } from '../../lib/user';
import type { Sql } from '../client';

export interface TaskRow {
  id: string;
  planId: string;
  orgId: string;
  orgName: string;
  orgCode: string;
  townshipId: string;
  districtId: string;
  indicator: string;
  category: string;
  department: string;
  twoTier: boolean;
  state: string;
  target: number;
  deadline: Date;
  responsible: string | null;
  value: number | null;
  points: number | null;
  maxPoints: number;
  exitReason: string | null;
  light: 'green' | 'blue' | 'yellow' | 'red';
  frozen: boolean;
  version: number;
  updatedAt: Date;
}

const columns = (sql: Sql) => sql`
  t.id, t.plan_id as "planId", t.org_id as "orgId", o.name as "orgName", o.code as "orgCode", t.township_id as "townshipId",
  t.district_id as "districtId", t.indicator, t.category, t.department, t.two_tier as "twoTier", t.state,
  t.target::float8 as target, t.deadline, t.responsible, t.value::float8 as value, t.points::float8 as points,
  t.max_points::float8 as "maxPoints", t.exit_reason as "exitReason", t.light, t.frozen, t.version, t.updated_at as "updatedAt"`;

/** The caller's slice of tasks: the district, one township, or one unit. */
export function taskScope(sql: Sql, user: CurrentUser) {
  switch (user.orgLevel) {
    case 'district':
      return sql`t.district_id = ${user.districtId}`;
    case 'township':
      return sql`t.township_id = ${user.orgId}`;
    case 'grassroots':
      return sql`t.org_id = ${user.orgId}`;
  }
}

export interface TaskFilter {
  planId?: string;
  state?: string;
  indicator?: string;
  category?: string;
  unitId?: string;
  townshipId?: string;
  dueBefore?: string;
  light?: string;
  /** deadline (soonest first, the default) or changed (longest unchanged first: a review queue's oldest report). */
  sort?: 'deadline' | 'changed';
  after?: { at: string; id: string };
  limit: number;
}

const filtered = (sql: Sql, user: CurrentUser, f: Omit<TaskFilter, 'after' | 'limit'>) => sql`
  ${taskScope(sql, user)}
  ${f.planId ? sql`and t.plan_id = ${f.planId}` : sql``}
  ${f.state ? sql`and t.state = ${f.state}` : sql``}
  ${f.indicator ? sql`and t.indicator = ${f.indicator}` : sql``}
  ${f.category ? sql`and t.category = ${f.category}` : sql``}
  ${f.unitId ? sql`and t.org_id = ${f.unitId}` : sql``}
  ${f.townshipId ? sql`and t.township_id = ${f.townshipId}` : sql``}
  ${f.dueBefore ? sql`and t.deadline < ${f.dueBefore}` : sql``}
  ${f.light ? sql`and t.light = ${f.light}` : sql``}`;

/** An inbox page ordered by deadline (or by last change), then id; `after` is the last row of the previous page. */
export async function listTasks(sql: Sql, user: CurrentUser, f: TaskFilter): Promise<TaskRow[]> {
  // Milliseconds, as the cursor carries them: a microsecond key would repeat a row across pages.
  const key = f.sort === 'changed' ? sql`date_trunc('milliseconds', t.updated_at)` : sql`t.deadline`;
  return sql<TaskRow[]>`
    select ${columns(sql)} from tasks t join orgs o on o.id = t.org_id
    where ${filtered(sql, user, f)}
      ${f.after ? sql`and (${key}, t.id) > (${f.after.at}::timestamptz, ${f.after.id}::uuid)` : sql``}
    order by ${key}, t.id
    limit ${f.limit}`;
}

export const lightOrder = ['green', 'blue', 'yellow', 'red'] as const;
export type Light = (typeof lightOrder)[number];
export type LightCounts = Record<Light, number>;

/** The worst light among counts: red over yellow over blue over green. */
export const worstLight = (counts: LightCounts): Light => [...lightOrder].reverse().find((l) => counts[l] > 0) ?? 'green';

/** How many of the inbox's tasks (whole filter, every page) show each light. */
export async function inboxLights(sql: Sql, user: CurrentUser, f: Omit<TaskFilter, 'after' | 'limit'>): Promise<LightCounts> {
  const rows = await sql<{ light: Light; n: number }[]>`
    select t.light, count(*)::int as n from tasks t where ${filtered(sql, user, f)} group by t.light`;
  const counts: LightCounts = { green: 0, blue: 0, yellow: 0, red: 0 };
  for (const r of rows) counts[r.light] = r.n;
  return counts;
}

/** One task if it lies in the caller's slice. */
export async function findTaskInScope(sql: Sql, user: CurrentUser, id: string): Promise<TaskRow | undefined> {
  const [row] = await sql<TaskRow[]>`
    select ${columns(sql)} from tasks t join orgs o on o.id = t.org_id where t.id = ${id} and ${taskScope(sql, user)}`;
  return row;
}

export async function taskReports(sql: Sql, taskId: string) {
  return sql`
    select seq, value::float8 as value, note, evidence, final, reported_by as "reportedBy", reported_at as "reportedAt"
    from task_reports where task_id = ${taskId} order by seq`;
}

/** Counts of tasks by state, overall and per township, within the caller's slice. */
export async function planProgress(sql: Sql, user: CurrentUser, planId: string) {
  const rows = await sql<{ townshipId: string; township: string; dispatch: string | null; state: string; n: number }[]>`
    select t.township_id as "townshipId", tw.name as township, pt.status as dispatch, t.state, count(*)::int as n
    from tasks t join orgs tw on tw.id = t.township_id
    left join plan_townships pt on pt.plan_id = t.plan_id and pt.township_id = t.township_id
    where t.plan_id = ${planId} and ${taskScope(sql, user)}
    group by t.township_id, tw.name, tw.code, pt.status, t.state order by tw.code`;
  const overall: Record<string, number> = {};
  const townships = new Map<string, { townshipId: string; name: string; dispatch: string | null; states: Record<string, number>; total: number }>();
  for (const r of rows) {
    overall[r.state] = (overall[r.state] ?? 0) + r.n;
    const t = townships.get(r.townshipId) ?? { townshipId: r.townshipId, name: r.township, dispatch: r.dispatch, states: {}, total: 0 };
    t.states[r.state] = r.n;
    t.total += r.n;
    townships.set(r.townshipId, t);
  }
  return { states: overall, total: Object.values(overall).reduce((a, b) => a + b, 0), townships: [...townships.values()] };
}

/** Each org's light in a plan with counts per colour: a unit's own tasks, a township's whole slice, the district's all. */
export async function orgLights(sql: Sql, planId: string, orgs: { id: string; level: string }[]): Promise<Map<string, { light: Light; counts: LightCounts }>> {
  const ids = (level: string) => orgs.filter((o) => o.level === level).map((o) => o.id);
  const [units, townships, districts] = [ids('grassroots'), ids('township'), ids('district')];
  const rows = await sql<{ orgId: string; light: Light; n: number }[]>`
    select t.org_id as "orgId", t.light, count(*)::int as n from tasks t
    where t.plan_id = ${planId} and ${units.length ? sql`t.org_id in ${sql(units)}` : sql`false`} group by 1, 2
    union all
    select t.township_id, t.light, count(*)::int from tasks t
    where t.plan_id = ${planId} and ${townships.length ? sql`t.township_id in ${sql(townships)}` : sql`false`} group by 1, 2
    union all
    select t.district_id, t.light, count(*)::int from tasks t
    where t.plan_id = ${planId} and ${districts.length ? sql`t.district_id in ${sql(districts)}` : sql`false`} group by 1, 2`;
  const result = new Map(orgs.map((o) => [o.id, { light: 'green' as Light, counts: { green: 0, blue: 0, yellow: 0, red: 0 } as LightCounts }]));
  for (const r of rows) result.get(r.orgId)!.counts[r.light] = r.n;
  for (const v of result.values()) v.light = worstLight(v.counts);
  return result;
}
