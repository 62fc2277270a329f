import { createRoute, z } from '@hono/zod-openapi';
import { instant, planDateProblem, positiveInt, text } from '../lib/input';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { districtDeadline, districtTarget } from '../activities/plan';
import { transaction, type Sql } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import { catalogueVersion, currentCatalogue } from '../db/queries/catalogue';
import { planProgress } from '../db/queries/tasks';
import { isLooser, type Indicator } from '../indicators';
import { parseIsoDuration } from '../lib/duration';
import { escalationSchema } from '../lib/escalation';
import { planAttributes } from '../lib/search-attributes';
import { coordinatorTaskQueue } from '../lib/temporal';
import { checkEscalation, deadlineCheck, noteProvisional, planProvisionalYears } from './deadlines';
import { districtPlans, insertPlan, planInScope, townshipUnits, type PlanRecord } from '../db/queries/plans';
import { conflict, forbidden, invalid } from '../lib/errors';
import { valueProblem } from '../workflows/task-rules';
import { closeUpdate, dispatchUpdate, planCycleWorkflowId, type UnitOverride } from '../workflows/plan-cycle.contract';
import type { planCycle } from '../workflows/plan-cycle';
import { idempotent, updateIdOf } from './middleware/idempotency';
import { requireRole, requireUser } from './middleware/auth';
import { newRouter } from './router';
import { actorOf } from './actor';
import { authErrors, conflictError, idParam, jsonBody, jsonOk, unprocessable } from './schemas';
import { sendUpdate } from './temporal-errors';

const isoDateTime = instant();
/** An indicator code as a key or list entry. */
const code = text('short', { min: 1, max: 10 });
const planSchema = z
  .object({
    id: z.string(),
    year: z.number(),
    name: z.string(),
    deadline: z.string(),
    catalogueVersion: z.number(),
    indicators: z.array(z.string()),
    targets: z.record(z.string(), z.number()),
    deadlines: z.record(z.string(), z.string()),
    escalation: z.record(z.string(), z.unknown()),
    autoDispatchAfter: z.string().nullable(),
    status: z.enum(['draft', 'issued', 'closing', 'closed']),
    provisionalYears: z.array(z.number()).openapi({
      description: 'years the guidance ladder counts Monday–Friday because their holidays are not entered yet (PUT /calendar/{year}); its times there are provisional',
    }),
  })
  .openapi('Plan');

const stateCounts = z.record(z.string(), z.number()).openapi({ description: 'tasks per state' });
const progressSchema = z.object({
  states: stateCounts,
  total: z.number(),
  townships: z.array(
    z.object({
      townshipId: z.string(),
      name: z.string(),
      dispatch: z.string().nullable().openapi({ description: 'the township’s dispatch of this plan: pending, dispatched, …; null before issue' }),
      states: stateCounts,
      total: z.number(),
    }),
  ),
});


/** Plans as the API shows them, each with the years its ladder counts provisionally. */
async function presentPlans(sql: Sql, plans: PlanRecord[]) {
  const provisional = await planProvisionalYears(sql, (await deadlineCheck(sql)).calendar, plans);
  return plans.map((p) => {
    const { districtId: _d, ...rest } = p;
    return { ...rest, deadline: new Date(p.deadline).toISOString(), provisionalYears: provisional.get(p.id) ?? [] };
  });
}
const presentPlan = async (sql: Sql, plan: PlanRecord) => (await presentPlans(sql, [plan]))[0]!;

/** A target fits the indicator's measure by the same rule as a reported value (workflows/task-rules.ts). */
function checkTarget(indicator: Indicator, value: number, field: string) {
  const problem = valueProblem(indicator, value, field);
  if (problem) throw invalid(field, problem.message.slice(field.length + 2));
}

const districtAdmin = requireRole('district_admin');
const tagged = { security: [{ bearer: [] }], tags: ['plans'] };
const updateTimeoutMs = 60_000;

/** Yearly plans: create, issue (下达), dispatch (分办), progress, close with results and commendations. */
export const plans = newRouter();
plans.use('/plans', requireUser());
plans.use('/plans/*', requireUser());

plans.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/plans',
    summary: 'Create a yearly plan (district admin)',
    middleware: [districtAdmin] as const,
    request: jsonBody(
      z.object({
        year: z.number().int().min(2000).max(2100),
        name: text('title'),
        deadline: isoDateTime.openapi({ description: 'default deadline of every task' }),
        indicators: z.array(code).min(1).max(100).optional().openapi({ description: 'indicator codes; all of the catalogue when absent' }),
        catalogueVersion: positiveInt().optional(),
        targets: z.record(code, z.number()).optional().openapi({ description: 'district-wide target per indicator code, for every unit' }),
        deadlines: z.record(code, isoDateTime).optional().openapi({ description: 'deadline per indicator code' }),
        escalation: escalationSchema.optional().openapi({
          description:
            'guidance ladder: remindBefore, warnAfter, superviseAfter (from the task deadline), orderResponse (from the order) and summonsAfter (from the overdue answer), each an ISO-8601 duration or {"workingDays": n}; `indicators` overrides them per indicator code. Defaults: P5D, PT0S, P7D, {"workingDays":5}, {"workingDays":3}',
        }),
        autoDispatchAfter: text('short').optional().openapi({ description: 'ISO-8601 duration after issue when townships that have not dispatched get the defaults, e.g. P7D' }),
      }),
    ),
    responses: { 201: jsonOk(planSchema, 'created'), ...authErrors, ...unprocessable },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const sql = c.var.sql;
    const version = body.catalogueVersion ? await catalogueVersion(sql, body.catalogueVersion) : await currentCatalogue(sql);
    if (!version || version.status !== 'published') throw invalid('catalogueVersion', 'no such published catalogue version');
    const byCode = new Map(version.body.indicators.map((i) => [i.code, i]));
    const codes = body.indicators ?? version.body.indicators.map((i) => i.code);
    codes.forEach((code, n) => {
      if (!byCode.has(code)) throw invalid(`indicators[${n}]`, `${code} is not in catalogue version ${version.version}`);
    });
    if (new Set(codes).size !== codes.length) throw invalid('indicators', 'an indicator is listed twice');
    for (const [code, value] of Object.entries(body.targets ?? {})) {
      if (!codes.includes(code)) throw invalid(`targets.${code}`, 'not an indicator of this plan');
      checkTarget(byCode.get(code)!, value, `targets.${code}`);
    }
    for (const code of Object.keys(body.deadlines ?? {})) if (!codes.includes(code)) throw invalid(`deadlines.${code}`, 'not an indicator of this plan');
    for (const [field, value] of [['deadline', body.deadline], ...Object.entries(body.deadlines ?? {}).map(([k, v]) => [`deadlines.${k}`, v])] as [string, string][]) {
      const problem = planDateProblem(value, body.year);
      if (problem) throw invalid(field, problem);
    }
    if (body.autoDispatchAfter !== undefined && parseIsoDuration(body.autoDispatchAfter) === null) throw invalid('autoDispatchAfter', 'an ISO-8601 duration such as P7D or PT1H');
    const check = await deadlineCheck(sql);
    checkEscalation(check, body.escalation ?? {}, codes, body.deadline, body.deadlines ?? {});
    const created = await transaction(sql, async (tx) => {
      const row = await insertPlan(tx, c.var.user, { ...body, catalogueVersion: version.version, indicators: codes });
      await appendAudit(tx, { actor: c.var.user, action: 'plan.create', subjectType: 'plan', subjectId: row!.id, toState: 'draft', summary: { year: body.year, indicators: codes.length } });
      await noteProvisional(c, check, tx);
      return row!;
    });
    return c.json(await presentPlan(sql, await planInScope(sql, c.var.user, created.id)), 201);
  },
);

plans.openapi(
  createRoute({ ...tagged, method: 'get', path: '/plans', summary: 'Plans of the caller’s district, newest first', responses: { 200: jsonOk(z.object({ items: z.array(planSchema) })), ...authErrors } }),
  async (c) => {
    const sql = c.var.sql;
    const items = await districtPlans(sql, c.var.user);
    return c.json({ items: await presentPlans(sql, items) }, 200);
  },
);

plans.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}',
    summary: 'A plan and its progress: task counts by state, overall and per township (within the caller’s part of the tree)',
    request: { params: idParam },
    responses: { 200: jsonOk(planSchema.extend({ progress: progressSchema }).openapi('PlanWithProgress')), ...authErrors },
  }),
  async (c) => {
    const plan = await planInScope(c.var.sql, c.var.user, c.req.valid('param').id);
    return c.json({ ...(await presentPlan(c.var.sql, plan)), progress: await planProgress(c.var.sql, c.var.user, plan.id) }, 200);
  },
);

plans.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/plans/{id}/issue',
    summary: '下达: send the plan to every township (district admin)',
    middleware: [districtAdmin] as const,
    request: { params: idParam },
    responses: { 200: jsonOk(planSchema, 'issued'), 202: jsonOk(planSchema, 'issuing; the tasks are still being written'), ...authErrors, ...conflictError },
  }),
  async (c) => {
    const sql = c.var.sql;
    const plan = await planInScope(sql, c.var.user, c.req.valid('param').id);
    if (plan.status !== 'draft') throw conflict(`the plan is already ${plan.status}`, { state: plan.status });
    try {
      await c.var.temporal.workflow.start<typeof planCycle>('planCycle', {
        taskQueue: coordinatorTaskQueue(c.var.deps.env.TEMPORAL_TASK_QUEUE),
        workflowId: planCycleWorkflowId(plan.id),
        // What the Temporal Web UI shows and filters by: plan id and year, and the plan's name.
        ...(c.var.deps.env.TEMPORAL_SEARCH_ATTRIBUTES === 'on' ? { typedSearchAttributes: planAttributes(plan) } : {}),
        memo: { plan: plan.name },
        args: [{ planId: plan.id, autoDispatchAfterMs: plan.autoDispatchAfter ? parseIsoDuration(plan.autoDispatchAfter)! : undefined }],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw conflict('the plan is already being issued', { state: 'issuing' });
      throw err;
    }
    // The workflow writes the tasks; wait a little so small plans answer "issued" at once.
    for (let i = 0; i < 100; i++) {
      const now = await planInScope(sql, c.var.user, plan.id);
      if (now.status !== 'draft') return c.json(await presentPlan(sql, now), 200);
      await new Promise((r) => setTimeout(r, 200));
    }
    return c.json(await presentPlan(sql, plan), 202);
  },
);

plans.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/plans/{id}/dispatch',
    summary: '分办: a township splits the plan to its grassroots units, optionally a subset, with per-unit overrides',
    middleware: [requireRole('township_officer', 'district_admin'), idempotent()] as const,
    request: {
      params: idParam,
      ...jsonBody(
        z.object({
          townshipId: z.string().uuid().optional().openapi({ description: 'district admin only: which township to dispatch for' }),
          units: z.array(z.string().uuid()).min(1).max(5000).optional(),
          overrides: z
            .array(
              z.object({
                unitId: z.string().uuid(),
                indicator: code,
                target: z.number().optional().openapi({ description: 'stricter than the district’s, never looser' }),
                deadline: isoDateTime.optional().openapi({ description: 'earlier than the district’s, never later' }),
                notApplicable: z.boolean().optional(),
              }),
            )
            .max(5000)
            .optional(),
        }),
      ),
    },
    responses: {
      200: jsonOk(z.object({ townshipId: z.string(), dispatchedUnits: z.number(), dispatchedTasks: z.number(), alreadyDispatchedUnits: z.number() }).openapi('DispatchResult'), 'dispatched: every task is in its unit’s inbox (it can be acted on at once) and every unit’s workflow is started; units dispatched before are counted apart'),
      ...authErrors,
      ...conflictError,
      ...unprocessable,
    },
  }),
  async (c) => {
    const user = c.var.user;
    const body = c.req.valid('json');
    const sql = c.var.sql;
    const plan = await planInScope(sql, user, c.req.valid('param').id);
    if (plan.status !== 'issued') throw conflict(`the plan is ${plan.status}; only an issued plan is dispatched`, { state: plan.status });
    const townshipId = user.role === 'township_officer' ? user.orgId : body.townshipId;
    if (user.role === 'township_officer' && body.townshipId && body.townshipId !== user.orgId) throw forbidden('you dispatch for your own township only');
    if (!townshipId) throw invalid('townshipId', 'name the township to dispatch for');
    const units = await townshipUnits(sql, user, townshipId);
    if (units.length === 0 && user.role === 'district_admin') throw invalid('townshipId', 'no such township in your district');
    const unitById = new Map(units.map((u) => [u.id, u]));
    body.units?.forEach((id, n) => {
      if (!unitById.has(id)) throw invalid(`units[${n}]`, 'not a unit of this township');
    });
    const catalogue = (await catalogueVersion(sql, plan.catalogueVersion))!.body;
    const byCode = new Map(catalogue.indicators.map((i) => [i.code, i]));
    const escalation = escalationSchema.parse(plan.escalation);
    const check = await deadlineCheck(sql);
    const overrides: UnitOverride[] = (body.overrides ?? []).map((o, n) => {
      const field = `overrides[${n}]`;
      const unit = unitById.get(o.unitId);
      if (!unit) throw invalid(`${field}.unitId`, 'not a unit of this township');
      const indicator = byCode.get(o.indicator);
      if (!indicator || !plan.indicators.includes(o.indicator)) throw invalid(`${field}.indicator`, `${o.indicator} is not in this plan`);
      if (o.target !== undefined) {
        checkTarget(indicator, o.target, `${field}.target`);
        const base = districtTarget(plan, indicator, unit);
        if (isLooser(indicator, o.target, base)) throw invalid(`${field}.target`, `${o.target} is looser than the district's target ${base} for ${o.indicator}`);
      }
      if (o.deadline !== undefined) {
        const outside = planDateProblem(o.deadline, plan.year);
        if (outside) throw invalid(`${field}.deadline`, outside);
        const base = districtDeadline(plan, o.indicator);
        if (Date.parse(o.deadline) > Date.parse(base)) throw invalid(`${field}.deadline`, `later than the district's deadline ${base} for ${o.indicator}`);
        check.outlook(escalation, o.indicator, o.deadline);
      }
      return { unitId: o.unitId, indicator: o.indicator, target: o.target, deadline: o.deadline, notApplicable: o.notApplicable };
    });
    const handle = c.var.temporal.workflow.getHandle(planCycleWorkflowId(plan.id));
    const result = await sendUpdate(
      () => handle.executeUpdate(dispatchUpdate, { args: [{ townshipId, unitIds: body.units, overrides, actor: actorOf(user) }], updateId: updateIdOf(c) }),
      c.var.deps.env.DISPATCH_WAIT_MS,
      'the dispatch goes on; retry with the same Idempotency-Key for its result (units already dispatched are not dispatched twice)',
      () => dispatchProgress(sql, plan.id, townshipId),
    );
    await noteProvisional(c, check);
    return c.json(result, 200);
  },
);

/** How far a township's dispatch has come: its units, and those whose tasks have reached their inboxes. */
async function dispatchProgress(sql: Sql, planId: string, townshipId: string) {
  const [row] = await sql<{ units: number; dispatchedUnits: number }[]>`
    select count(distinct t.org_id)::int as units, count(distinct t.org_id) filter (where t.version > 0)::int as "dispatchedUnits"
    from tasks t join orgs o on o.id = t.org_id
    where t.plan_id = ${planId} and t.township_id = ${townshipId} and o.level = 'grassroots'`;
  return row ?? { units: 0, dispatchedUnits: 0 };
}

plans.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/plans/{id}/close',
    summary: 'Close the cycle: freeze open tasks, score every unit, list commendations and de-listings (district admin)',
    middleware: [districtAdmin, idempotent()] as const,
    request: { params: idParam },
    responses: { 200: jsonOk(z.record(z.string(), z.unknown()), 'closed'), ...authErrors, ...conflictError },
  }),
  async (c) => {
    const plan = await planInScope(c.var.sql, c.var.user, c.req.valid('param').id);
    if (plan.status !== 'issued') throw conflict(`the plan is ${plan.status}; only an issued plan is closed`, { state: plan.status });
    const handle = c.var.temporal.workflow.getHandle(planCycleWorkflowId(plan.id));
    const result = await sendUpdate(
      () => handle.executeUpdate(closeUpdate, { args: [{ actor: actorOf(c.var.user) }], updateId: updateIdOf(c) }),
      updateTimeoutMs * 5,
      'retry with the same Idempotency-Key',
    );
    return c.json(result, 200);
  },
);
