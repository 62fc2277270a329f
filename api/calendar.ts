// The working-day calendar as data the district maintains (PUT /calendar/{year}), not a file edit. A stored year
// replaces the shipped one; a year nobody entered is provisional (Monday–Friday). Storing or correcting a year
// moves the answer deadlines of open orders at once and re-arms every open task whose ladder counted that year.
import { createRoute, z } from '@hono/zod-openapi';
import { transaction } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import {
  calendarWith,
  markRearmed,
  moveOrderDeadline,
  openOrders,
  openTaskDeadlines,
  saveYear,
  storedYear,
  storedYears,
  unitsWithDeadlines,
} from '../db/queries/calendar';
import { beijingTime, writeNotices } from '../db/queries/notices';
import { calendar as builtIn, calendarYearSchema, checkYear, type CalendarYear, type WorkingCalendar } from '../lib/calendar';
import { escalationSchema, ladderOutlook, orderDue, policyFor } from '../lib/escalation';
import { invalid } from '../lib/errors';
import { rearmUpdate, planCycleWorkflowId } from '../workflows/plan-cycle.contract';
import { actorOf } from './actor';
import { linkBase } from './deadlines';
import { requireRole, requireUser } from './middleware/auth';
import { updateIdOf } from './middleware/idempotency';
import { newRouter } from './router';
import { authErrors, errorSchema, jsonBody, jsonOk, unprocessable } from './schemas';
import { sendUpdate } from './temporal-errors';

const tagged = { security: [{ bearer: [] }], tags: ['calendar'] };
const yearParam = z.object({
  year: z.coerce.number().int().min(2000).max(2100).openapi({ param: { name: 'year', in: 'path' }, example: 2027 }),
});
const namedDate = z.object({ date: z.string().openapi({ example: '2027-02-06' }), name: z.string().openapi({ example: '春节' }) });
const yearSchema = z
  .object({
    year: z.number(),
    status: z.enum(['stored', 'built-in', 'provisional']).openapi({
      description: 'stored: entered through this API; built-in: the shipped table or HOLIDAY_CALENDAR_FILE; provisional: not entered, counted Monday–Friday',
    }),
    holidays: z.array(namedDate),
    workdays: z.array(namedDate).openapi({ description: 'weekend days made working days (调休上班)' }),
    revision: z.number().nullable(),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .openapi('CalendarYear');
const putResultSchema = yearSchema.extend({
  changed: z.boolean().openapi({ description: 'false when the same arrangement was stored already' }),
  movedOrders: z.number().openapi({ description: 'open supervision orders whose answer deadline moved' }),
  rearmedUnits: z.number().openapi({ description: 'unit workflows told to recompute their reminders and escalations' }),
});

const sameDates = (a: CalendarYear, b: CalendarYear) => {
  const key = (y: CalendarYear) => JSON.stringify([y.holidays.map((d) => [d.date, d.name]), y.workdays.map((d) => [d.date, d.name])]);
  const sorted = (y: CalendarYear): CalendarYear => ({
    holidays: [...y.holidays].sort((p, q) => p.date.localeCompare(q.date)),
    workdays: [...y.workdays].sort((p, q) => p.date.localeCompare(q.date)),
  });
  return key(sorted(a)) === key(sorted(b));
};

async function describeYear(sql: Parameters<typeof storedYear>[0], year: number) {
  const stored = await storedYear(sql, year);
  if (stored) {
    return { year, status: 'stored' as const, holidays: stored.holidays, workdays: stored.workdays, revision: stored.revision, updatedAt: new Date(stored.updatedAt).toISOString(), updatedBy: stored.updatedBy };
  }
  const shipped = builtIn.year(year);
  return { year, status: shipped ? ('built-in' as const) : ('provisional' as const), holidays: shipped?.holidays ?? [], workdays: shipped?.workdays ?? [], revision: null, updatedAt: null, updatedBy: null };
}

/**
 * Open tasks whose ladder counts `year`, under the calendar before or after the change, grouped by plan.
 * Those are the units to re-arm; a task whose rungs never touch the year keeps its timers.
 */
async function unitsCountingYear(sql: Parameters<typeof storedYear>[0], year: number, before: WorkingCalendar, after: WorkingCalendar) {
  const keys = (await openTaskDeadlines(sql)).filter((k) => {
    const policy = policyFor(escalationSchema.parse(k.escalation ?? {}), k.indicator);
    const deadline = new Date(k.deadline);
    return ladderOutlook(policy, deadline, before).consultedYears.includes(year) || ladderOutlook(policy, deadline, after).consultedYears.includes(year);
  });
  const byPlan = await unitsWithDeadlines(sql, keys);
  // A unit with an open order whose answer deadline counts the year re-arms too: its workflow holds that deadline.
  for (const order of await openOrders(sql, { lock: false })) {
    const policy = policyFor(escalationSchema.parse(order.escalation ?? {}), order.indicator);
    const counts = (cal: WorkingCalendar) => {
      const view = cal.provisional();
      orderDue(policy, new Date(order.issuedAt), view);
      return view.consulted.has(year);
    };
    const units = byPlan.get(order.planId) ?? [];
    if ((counts(before) || counts(after)) && !units.includes(order.orgId)) byPlan.set(order.planId, [...units, order.orgId]);
  }
  return byPlan;
}

/** The working-day calendar, year by year. */
export const calendarApi = newRouter();
calendarApi.use('/calendar', requireUser());
calendarApi.use('/calendar/*', requireUser());

calendarApi.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/calendar',
    summary: 'Which years the working-day calendar covers, and how (everyone)',
    responses: {
      200: jsonOk(z.object({ items: z.array(z.object({ year: z.number(), status: z.enum(['stored', 'built-in']), updatedAt: z.string().nullable() })) })),
      ...authErrors,
    },
  }),
  async (c) => {
    const stored = await storedYears(c.var.sql);
    const years = new Map<number, { year: number; status: 'stored' | 'built-in'; updatedAt: string | null }>();
    for (const y of builtIn.years()) years.set(y, { year: y, status: 'built-in', updatedAt: null });
    for (const y of stored) years.set(y.year, { year: y.year, status: 'stored', updatedAt: new Date(y.updatedAt).toISOString() });
    return c.json({ items: [...years.values()].sort((a, b) => a.year - b.year) }, 200);
  },
);

calendarApi.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/calendar/{year}',
    summary: 'One year’s holidays and make-up working days; `provisional` when nobody has entered them (everyone)',
    request: { params: yearParam },
    responses: { 200: jsonOk(yearSchema), ...authErrors },
  }),
  async (c) => c.json(await describeYear(c.var.sql, c.req.valid('param').year), 200),
);

calendarApi.openapi(
  createRoute({
    ...tagged,
    method: 'put',
    path: '/calendar/{year}',
    summary:
      'Enter or correct a year’s holidays and make-up working days (district admin). Open orders’ answer deadlines move at once (the unit is told); every open task whose ladder counts the year re-arms. The same arrangement again changes nothing.',
    middleware: [requireRole('district_admin')] as const,
    request: { params: yearParam, ...jsonBody(calendarYearSchema) },
    responses: {
      200: jsonOk(putResultSchema),
      ...authErrors,
      ...unprocessable,
      503: { description: 'the calendar is saved but some units could not be told yet (the cycle service is away): send the same calendar again', content: { 'application/json': { schema: errorSchema } } },
    },
  }),
  async (c) => {
    const { year } = c.req.valid('param');
    const body = c.req.valid('json');
    const user = c.var.user;
    const sql = c.var.sql;
    const problem = checkYear(String(year), body)[0];
    if (problem) {
      const [list, index, field] = problem.path;
      throw invalid(`${list}[${index}].${field}`, problem.message);
    }
    const base = linkBase(c);
    const channels = { email: Boolean(c.var.deps.env.SMTP_URL) };
    const saved = await transaction(sql, async (tx) => {
      // One writer per year at a time; the row lock also orders this against order answers.
      await tx`select pg_advisory_xact_lock(hashtext('calendar-year'), ${year})`;
      const previous = await storedYear(tx, year);
      if (previous && sameDates(previous, body)) {
        return { changed: false, revision: previous.revision, pending: previous.rearmedRevision < previous.revision, movedOrders: 0 };
      }
      const stored = await storedYears(tx);
      const before = calendarWith(builtIn, stored);
      const after = calendarWith(builtIn, [...stored.filter((y) => y.year !== year), { ...body, year, revision: 0, rearmedRevision: 0, updatedAt: new Date(), updatedBy: user.login }]);
      const revision = await saveYear(tx, year, body, user.login);
      await appendAudit(tx, {
        actor: user,
        action: 'calendar.publish',
        subjectType: 'calendar',
        subjectId: String(year),
        summary: { revision, holidays: body.holidays.length, workdays: body.workdays.length, previously: previous ? 'stored' : builtIn.covers(year) ? 'built-in' : 'provisional' },
      });
      // Orders already issued: their answer deadline follows the corrected calendar, and the unit hears of it.
      let movedOrders = 0;
      for (const order of await openOrders(tx, { lock: true })) {
        const policy = policyFor(escalationSchema.parse(order.escalation ?? {}), order.indicator);
        const respondBy = orderDue(policy, new Date(order.issuedAt), after.provisional());
        if (respondBy.getTime() === new Date(order.respondBy).getTime()) continue;
        await moveOrderDeadline(tx, order, respondBy, year, user);
        await writeNotices(
          tx,
          {
            eventKey: `order-due:${order.id}:${respondBy.toISOString()}`,
            kind: 'supervise',
            taskId: order.taskId,
            orgId: order.orgId,
            parties: ['unit', 'township'],
            title: `【督办时限更正】${order.number}`,
            body: `${year} 年节假日安排已录入，督办单${order.number}的答复期限由${beijingTime(order.respondBy)}更正为${beijingTime(respondBy)}。`,
            link: `${base}/api/v1/tasks/${order.taskId}`,
          },
          channels,
        );
        movedOrders += 1;
      }
      return { changed: true, revision, pending: true, movedOrders, before, after };
    });

    let rearmedUnits = 0;
    if (saved.pending) {
      const stored = await storedYears(sql);
      const after = calendarWith(builtIn, stored);
      const before = 'before' in saved ? saved.before! : after;
      const byPlan = await unitsCountingYear(sql, year, before, after);
      for (const [planId, units] of byPlan) {
        const handle = c.var.temporal.workflow.getHandle(planCycleWorkflowId(planId));
        const result = await sendUpdate(
          () => handle.executeUpdate(rearmUpdate, { args: [{ actor: actorOf(user), units }], updateId: updateIdOf(c, planId) }),
          120_000,
          'the calendar is saved; send the same calendar again to re-arm the units that did not hear of it',
        );
        rearmedUnits += result.units;
      }
      await markRearmed(sql, year, saved.revision);
    }
    return c.json({ ...(await describeYear(sql, year)), changed: saved.changed, movedOrders: saved.movedOrders, rearmedUnits }, 200);
  },
);
