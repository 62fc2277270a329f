import { calendar as defaultCalendar, overlayCalendar, yearTable, type CalendarYear, type WorkingCalendar, type YearTable } from '../../lib/calendar';
import type { Sql } from '../client';
import { writeNotices, type Channels } from './notices';

export interface StoredYear extends CalendarYear {
  year: number;
  revision: number;
  rearmedRevision: number;
  updatedAt: Date;
  updatedBy: string;
}

/** Every year the district stored through the API. */
export async function storedYears(sql: Sql): Promise<StoredYear[]> {
  return sql<StoredYear[]>`
    select year, holidays, workdays, revision, rearmed_revision as "rearmedRevision", updated_at as "updatedAt", updated_by as "updatedBy"
    from calendar_years order by year`;
}

export async function storedYear(sql: Sql, year: number): Promise<StoredYear | null> {
  const [row] = await sql<StoredYear[]>`
    select year, holidays, workdays, revision, rearmed_revision as "rearmedRevision", updated_at as "updatedAt", updated_by as "updatedBy"
    from calendar_years where year = ${year}`;
  return row ?? null;
}

/** The stored years laid over `base` (the shipped table and HOLIDAY_CALENDAR_FILE unless a test brings its own). */
export function calendarWith(base: WorkingCalendar, years: StoredYear[]): WorkingCalendar {
  return overlayCalendar(base, new Map<number, YearTable>(years.map((y) => [y.year, yearTable(y)])));
}

/** The working-day calendar as it stands now: a few small rows, read on each use so every process agrees. */
export async function currentCalendar(sql: Sql, base: WorkingCalendar = defaultCalendar): Promise<WorkingCalendar> {
  return calendarWith(base, await storedYears(sql));
}

/** Store a year's arrangement (sorted by date); returns the new revision. Call inside the change's transaction. */
export async function saveYear(tx: Sql, year: number, body: CalendarYear, by: string): Promise<number> {
  const byDate = (a: { date: string }, b: { date: string }) => a.date.localeCompare(b.date);
  const holidays = [...body.holidays].sort(byDate);
  const workdays = [...body.workdays].sort(byDate);
  const [row] = await tx<{ revision: number }[]>`
    insert into calendar_years (year, holidays, workdays, updated_by)
    values (${year}, ${tx.json(holidays as never)}, ${tx.json(workdays as never)}, ${by})
    on conflict (year) do update set holidays = excluded.holidays, workdays = excluded.workdays,
      revision = calendar_years.revision + 1, updated_at = now(), updated_by = excluded.updated_by
    returning revision`;
  return row!.revision;
}

/** Record that every open task has heard of `revision` (a later identical PUT then has nothing left to do). */
export async function markRearmed(sql: Sql, year: number, revision: number) {
  await sql`update calendar_years set rearmed_revision = greatest(rearmed_revision, ${revision}) where year = ${year}`;
}

/**
 * Tell a district's admins, once per year, that the ladder counts `year` Monday–Friday until its holidays
 * are entered. Idempotent: the notice lands once per (year, admin) however often it is written.
 */
export async function noteProvisionalYears(sql: Sql, districtId: string, years: Iterable<number>, linkBase: string, channels: Channels) {
  for (const year of years) {
    await writeNotices(
      sql,
      {
        eventKey: `calendar-provisional:${year}:${districtId}`,
        kind: 'calendar',
        taskId: null,
        orgId: districtId,
        parties: ['admins'],
        title: `【工作日历】${year} 年节假日安排待录入`,
        body: `${year} 年节假日安排尚未录入，督办时限暂按周一至周五计算。请在国务院办公厅公布安排后录入，已设定的时限将自动重算。`,
        link: `${linkBase}/api/v1/calendar/${year}`,
      },
      channels,
    );
  }
}

/** An order still waiting for its answer (not answered, no summons yet) in a running plan. */
export interface OpenOrder {
  id: string;
  number: string;
  taskId: string;
  planId: string;
  orgId: string;
  indicator: string;
  escalation: unknown;
  issuedAt: Date;
  respondBy: Date;
}

export async function openOrders(sql: Sql, { lock }: { lock: boolean }): Promise<OpenOrder[]> {
  return sql<OpenOrder[]>`
    select o.id, o.number, o.task_id as "taskId", o.plan_id as "planId", o.org_id as "orgId", t.indicator, p.escalation,
      o.issued_at as "issuedAt", o.respond_by as "respondBy"
    from supervision_orders o join tasks t on t.id = o.task_id join plans p on p.id = o.plan_id
    where o.responded_at is null and p.status = 'issued' and not exists (select 1 from summons s where s.order_id = o.id)
    ${lock ? sql`for update of o` : sql``}`;
}

/** Move an order's answer deadline (a corrected calendar), with its audit entry. */
export async function moveOrderDeadline(tx: Sql, order: OpenOrder, respondBy: Date, year: number, by: { id: string; login: string }) {
  await tx`update supervision_orders set respond_by = ${respondBy} where id = ${order.id}`;
  await tx`
    insert into audit_log (actor_id, actor_login, action, subject_type, subject_id, summary)
    values (${by.id}, ${by.login}, 'order.respond-by', 'task', ${order.taskId},
      ${tx.json({ orderId: order.id, number: order.number, from: new Date(order.respondBy).toISOString(), to: respondBy.toISOString(), calendarYear: year } as never)})`;
}

/** The distinct deadlines of tasks the ladder still presses or waits on, in running plans, with their plan's policy. */
export async function openTaskDeadlines(sql: Sql) {
  return sql<{ planId: string; indicator: string; deadline: Date; escalation: unknown }[]>`
    select distinct t.plan_id as "planId", t.indicator, t.deadline, p.escalation
    from tasks t join plans p on p.id = t.plan_id
    where p.status = 'issued' and t.version > 0 and not t.frozen and t.state not in ('approved', 'exited')`;
}

/** Units (per plan) holding an open task with one of these (plan, indicator, deadline). */
export async function unitsWithDeadlines(sql: Sql, keys: { planId: string; indicator: string; deadline: Date }[]): Promise<Map<string, string[]>> {
  const byPlan = new Map<string, string[]>();
  if (keys.length === 0) return byPlan;
  const rows = await sql<{ planId: string; orgId: string }[]>`
    select distinct t.plan_id as "planId", t.org_id as "orgId"
    from tasks t join jsonb_to_recordset(${sql.json(keys.map((k) => ({ plan_id: k.planId, indicator: k.indicator, deadline: new Date(k.deadline).toISOString() })) as never)})
      as k(plan_id uuid, indicator text, deadline timestamptz)
      on t.plan_id = k.plan_id and t.indicator = k.indicator and t.deadline = k.deadline
    where t.version > 0 and not t.frozen and t.state not in ('approved', 'exited')
    order by 1, 2`;
  for (const r of rows) byPlan.set(r.planId, [...(byPlan.get(r.planId) ?? []), r.orgId]);
  return byPlan;
}
