// Deadlines a request sets (a plan's, a dispatch override's, a return's, an extension's) and the ladder they
// give. Nothing is refused for want of a calendar: a year whose holidays are not entered is counted
// Monday–Friday, and the district admins hear once per year that it is provisional.
import type { Context } from 'hono';
import type { Sql } from '../db/client';
import { currentCalendar, noteProvisionalYears } from '../db/queries/calendar';
import type { WorkingCalendar } from '../lib/calendar';
import { escalationSchema, ladderOutlook, policyFor, type Escalation, type LadderOutlook } from '../lib/escalation';
import type { AppEnv } from './context';
import { invalid } from '../lib/errors';

/** The calendar one request works with, and the years its deadlines had to count Monday–Friday. */
export interface DeadlineCheck {
  calendar: WorkingCalendar;
  provisionalYears: Set<number>;
  /** The ladder a deadline gets under `escalation`; remembers provisional years for `noteProvisional`. */
  outlook(escalation: Escalation, indicator: string, deadline: string): LadderOutlook;
}

export async function deadlineCheck(sql: Sql): Promise<DeadlineCheck> {
  const calendar = await currentCalendar(sql);
  const provisionalYears = new Set<number>();
  return {
    calendar,
    provisionalYears,
    outlook(escalation, indicator, deadline) {
      const o = ladderOutlook(policyFor(escalation, indicator), new Date(deadline), calendar);
      for (const y of o.provisionalYears) provisionalYears.add(y);
      return o;
    },
  };
}

/** Where notice links point: PUBLIC_URL, else the origin the caller reached. */
export const linkBase = (c: Context<AppEnv>) => (c.var.deps.env.PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/$/, '');

/** Tell the caller's district admins of each provisional year the request's deadlines fell in (once per year). */
export async function noteProvisional(c: Context<AppEnv>, check: DeadlineCheck, sql: Sql = c.var.sql) {
  if (check.provisionalYears.size === 0) return;
  await noteProvisionalYears(sql, c.var.user.districtId, check.provisionalYears, linkBase(c), { email: Boolean(c.var.deps.env.SMTP_URL) });
}

/** One deadline of a task in a plan: its ladder outlook, with the admins told of a provisional year. */
export async function checkTaskDeadline(c: Context<AppEnv>, planId: string, indicator: string, deadline: string): Promise<LadderOutlook> {
  const sql = c.var.sql;
  const [plan] = await sql<{ escalation: unknown }[]>`select escalation from plans where id = ${planId}`;
  const check = await deadlineCheck(sql);
  const outlook = check.outlook(escalationSchema.parse(plan?.escalation ?? {}), indicator, deadline);
  await noteProvisional(c, check);
  return outlook;
}

/**
 * The years a plan's ladder counts Monday–Friday: over its indicators' deadlines and every open task's own
 * deadline (overrides, returns, extensions). Closed plans have none left to worry about.
 */
export async function planProvisionalYears(
  sql: Sql,
  calendar: WorkingCalendar,
  plans: { id: string; status: string; deadline: Date | string; indicators: string[]; deadlines: Record<string, string>; escalation: unknown }[],
): Promise<Map<string, number[]>> {
  const open = plans.filter((p) => p.status === 'draft' || p.status === 'issued');
  const result = new Map<string, number[]>(plans.map((p) => [p.id, []]));
  if (open.length === 0) return result;
  const taskDeadlines = await sql<{ planId: string; indicator: string; deadline: Date }[]>`
    select distinct plan_id as "planId", indicator, deadline from tasks
    where plan_id in ${sql(open.map((p) => p.id))} and state not in ('approved', 'exited') and not frozen`;
  for (const p of open) {
    const escalation = escalationSchema.parse(p.escalation ?? {});
    const years = new Set<number>();
    const add = (indicator: string, deadline: string) => {
      for (const y of ladderOutlook(policyFor(escalation, indicator), new Date(deadline), calendar).provisionalYears) years.add(y);
    };
    for (const code of p.indicators) add(code, p.deadlines[code] ?? new Date(p.deadline).toISOString());
    for (const t of taskDeadlines) if (t.planId === p.id) add(t.indicator, new Date(t.deadline).toISOString());
    result.set(p.id, [...years].sort((a, b) => a - b));
  }
  return result;
}

/**
 * The ladder policy must name only the plan's indicators. Every deadline's ladder is worked out now, so the
 * years it has to count Monday–Friday (holidays not entered yet) are known and the admins can be told.
 */
export function checkEscalation(check: DeadlineCheck, escalation: Escalation, codes: string[], deadline: string, deadlines: Record<string, string>) {
  for (const code of Object.keys(escalation.indicators ?? {})) {
    if (!codes.includes(code)) throw invalid(`escalation.indicators.${code}`, 'not an indicator of this plan');
  }
  for (const code of codes) check.outlook(escalation, code, deadlines[code] ?? deadline);
}
