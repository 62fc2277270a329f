import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { auditTrail } from '../db/queries/audit';
import { findTaskInScope, inboxLights, lightOrder, listTasks, taskReports, type TaskRow } from '../db/queries/tasks';
import { categoryCodeSchema } from '../indicators';
import { DomainError, conflict, forbidden, invalid, notFound } from '../lib/errors';
import { catalogueVersion } from '../db/queries/catalogue';
import { instant, planDateProblem, text, wholeNumber, zodFields } from '../lib/input';
import { claimUpdate, evaluateUpdate, exitUpdate, extendUpdate, reportUpdate, unitTasksWorkflowId } from '../workflows/unit-tasks.contract';
import { checkTaskDeadline, deadlineCheck } from './deadlines';
import { escalationSchema } from '../lib/escalation';
import * as rules from '../workflows/task-rules';
import { actorProblem, scoreProblem, valueProblem, type Refusal, type Verb } from '../workflows/task-rules';
import { actorOf } from './actor';
import type { AppDeps, AppEnv, CurrentUser } from './context';
import { sendStartingUnit, unitStartDeps, type UnitStartDeps } from '../activities/unit-start';
import { idempotent, updateIdOf } from './middleware/idempotency';
import { requireRole, requireUser } from './middleware/auth';
import { newRouter } from './router';
import { checkEvidence } from '../db/queries/uploads';
import { authErrors, conflictError, idParam, jsonBody, jsonOk, unprocessable } from './schemas';
import { sendUpdate } from './temporal-errors';

/** A task's states, in the order of the cycle. */
export const taskStates = ['issued', 'dispatched', 'claimed', 'reported', 'returned', 'reviewed', 'approved', 'exited'] as const;
const states = taskStates;

const taskSchema = z
  .object({
    id: z.string(),
    planId: z.string(),
    orgId: z.string(),
    orgName: z.string(),
    orgCode: z.string(),
    townshipId: z.string(),
    indicator: z.string(),
    category: z.string(),
    department: z.string(),
    twoTier: z.boolean(),
    state: z.enum(states),
    target: z.number(),
    deadline: z.string(),
    responsible: z.string().nullable(),
    value: z.number().nullable(),
    points: z.number().nullable(),
    maxPoints: z.number(),
    exitReason: z.string().nullable(),
    light: z.enum(lightOrder).openapi({ description: 'green on track, blue reminded, yellow warned, red a supervision order or summons open' }),
    frozen: z.boolean(),
    version: z.number().openapi({ description: 'send back as If-Match or `version` to refuse a stale action' }),
    changedAt: z.string().openapi({ description: 'when the task last changed (for a reported task: when it was reported)' }),
  })
  .openapi('Task');

const ladderOutlookSchema = z
  .object({
    deadline: z.string(),
    remind: z.string().openapi({ description: '提醒 to the unit' }),
    warn: z.string().openapi({ description: '预警 to the unit and its township' }),
    supervise: z.string().openapi({ description: '督办: a numbered supervision order' }),
    answerBy: z.string().openapi({ description: 'when that order would have to be answered' }),
    summonsAt: z.string().openapi({ description: '约谈, if the order were never answered' }),
    provisional: z.boolean().openapi({ description: 'true when a working day among these was counted Monday–Friday because its year’s holidays are not entered yet' }),
    provisionalYears: z.array(z.number()),
    consultedYears: z.array(z.number()),
  })
  .openapi('LadderOutlook');

const reportSchema = z
  .object({
    seq: z.number(),
    value: z.number(),
    note: z.string().nullable(),
    evidence: z.array(z.string()).openapi({ description: 'upload ids' }),
    final: z.boolean().openapi({ description: 'false: a progress report; true: sent for review' }),
    reportedBy: z.string(),
    reportedAt: z.string(),
  })
  .openapi('TaskReport');

const eventSchema = z
  .object({
    id: z.number(),
    at: z.string(),
    actor: z.string().openapi({ description: 'login of who acted, or `system`' }),
    action: z.string().openapi({ description: 'e.g. task.claim, task.report, task.return (summary.reason, summary.deadline), task.approve' }),
    fromState: z.string().nullable(),
    toState: z.string().nullable(),
    summary: z.record(z.string(), z.unknown()),
  })
  .openapi('TaskEvent');

const taskDetailSchema = taskSchema.extend({ reports: z.array(reportSchema), history: z.array(eventSchema) }).openapi('TaskDetail');

const isoOf = (d: unknown) => new Date(d as string).toISOString();
const presentReport = (r: Record<string, unknown>) => ({
  seq: Number(r.seq),
  value: Number(r.value),
  note: (r.note as string | null) ?? null,
  evidence: (r.evidence as string[] | null) ?? [],
  final: Boolean(r.final),
  reportedBy: String(r.reportedBy),
  reportedAt: isoOf(r.reportedAt),
});
const presentEvent = (e: Record<string, unknown>) => ({
  id: Number(e.id),
  at: isoOf(e.at),
  actor: String(e.actor),
  action: String(e.action),
  fromState: (e.fromState as string | null) ?? null,
  toState: (e.toState as string | null) ?? null,
  summary: (e.summary as Record<string, unknown> | null) ?? {},
});

const present = (t: TaskRow) => {
  const { districtId: _d, updatedAt, ...rest } = t;
  return { ...rest, state: t.state as (typeof states)[number], deadline: new Date(t.deadline).toISOString(), changedAt: new Date(updatedAt).toISOString() };
};

type Sort = 'deadline' | 'changed';
const encodeCursor = (t: TaskRow, sort: Sort) =>
  Buffer.from(`${sort}|${new Date(sort === 'changed' ? t.updatedAt : t.deadline).toISOString()}|${t.id}`).toString('base64url');
function decodeCursor(cursor: string, sort: Sort) {
  const [kind, at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (kind !== sort || !at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id)) throw invalid('cursor', 'not a cursor this API gave out for this sort');
  return { at, id };
}

/** The version the caller read: If-Match or the body's `version`. */
function expectedVersion(c: Context<AppEnv>, body: { version?: number }): number | undefined {
  const header = c.req.header('if-match')?.replace(/^W\//, '').replace(/"/g, '');
  if (header !== undefined && header !== '' && header !== '*') {
    if (!/^\d+$/.test(header)) throw invalid('If-Match', 'the task version you read, e.g. "3"');
    return Number(header);
  }
  return body.version;
}

/** A task rule's refusal as the HTTP answer the workflow's refusal would get. */
function refusalError(problem: Refusal): DomainError {
  if (problem.kind === 'not_allowed') return forbidden(problem.message);
  if (problem.kind === 'illegal_transition') return conflict(problem.message);
  return invalid(problem.field ?? 'body', problem.message.replace(/^[\w.\[\]]+: /, ''));
}

const throwIf = (problem: Refusal | null) => {
  if (problem) throw refusalError(problem);
};

/** A township's own duty: its org is the township itself. */
const isTownshipDuty = (task: TaskRow) => task.orgId === task.townshipId;

/** Who may use which verb on which task (role and department here, the shared task rules for the rest); the workflow then decides whether the move is legal now. */
function assertMay(user: CurrentUser, verb: Verb, task: TaskRow) {
  throwIf(actorProblem(verb, actorOf(user), { townshipDuty: isTownshipDuty(task), orgId: task.orgId }));
  const ownDuty = task.orgId === user.orgId;
  switch (verb) {
    case 'claim':
    case 'report':
      if (!ownDuty) throw forbidden(`only the unit responsible may ${verb} this task`);
      return;
    case 'evaluate':
      if (user.role === 'grassroots_chair') throw forbidden('a unit cannot evaluate tasks');
      if (user.role === 'department_staff' && task.department !== user.department) throw forbidden(`${task.indicator} is owned by ${task.department}`);
      return;
    case 'exit':
      if (user.role !== 'township_officer' && user.role !== 'district_admin') throw forbidden('only a township officer or the district admin takes a task out');
      return;
    case 'extend':
      if (user.role !== 'township_officer' && user.role !== 'district_admin') throw forbidden('only a township officer or the district admin extends a deadline');
      return;
  }
}

async function loadForAction(c: Context<AppEnv>, id: string, verb: Verb) {
  const user = c.var.user;
  const task = await findTaskInScope(c.var.sql, user, id);
  if (!task) throw notFound('task');
  assertMay(user, verb, task);
  const [plan] = await c.var.sql<{ status: string; year: number; catalogueVersion: number }[]>`
    select status, year, catalogue_version as "catalogueVersion" from plans where id = ${task.planId}`;
  if (plan!.status !== 'issued' || task.frozen) throw conflict(`the plan is ${plan!.status}; its tasks are frozen`, { state: task.state });
  if (task.state === 'issued') throw conflict('the task is waiting for its township to dispatch it', { state: task.state, version: task.version });
  return { ...task, year: plan!.year, catalogueVersion: plan!.catalogueVersion };
}

/** The task's indicator as its plan's catalogue version defines it. */
async function indicatorOf(c: Context<AppEnv>, task: { catalogueVersion: number; indicator: string }) {
  const catalogue = await catalogueVersion(c.var.sql, task.catalogueVersion);
  return catalogue!.body.indicators.find((i) => i.code === task.indicator)!;
}

/** Dates a verb sets lie within a year of the plan's year. */
function checkPlanDate(value: string | undefined, year: number, field: string) {
  if (value === undefined) return;
  const problem = planDateProblem(value, year);
  if (problem) throw invalid(field, problem);
}

/** How this API process starts a unit's workflow: made once, with the same settings as the worker's dispatch. */
const starters = new WeakMap<AppDeps, UnitStartDeps>();
/**
 * Send a verb; if the unit's workflow is not there because its township's dispatch has written the unit's tasks into
 * its inbox but not yet started it (it starts units paced by the units' queue), start it here and send again.
 */
function startingUnit<T>(c: Context<AppEnv>, task: { planId: string; orgId: string }, send: () => Promise<T>): Promise<T> {
  const deps = c.var.deps;
  if (!starters.has(deps)) starters.set(deps, unitStartDeps(deps));
  return sendStartingUnit(starters.get(deps), task.planId, task.orgId, send);
}

/** Send the verb to the unit's workflow, wait for it to land in PostgreSQL, and answer with the task as it now is. */
async function act(c: Context<AppEnv>, task: TaskRow, send: (handle: ReturnType<Context<AppEnv>['var']['temporal']['workflow']['getHandle']>, updateId: string) => Promise<unknown>) {
  const handle = c.var.temporal.workflow.getHandle(unitTasksWorkflowId(task.planId, task.orgId));
  const updateId = updateIdOf(c);
  await sendUpdate(() => startingUnit(c, task, () => send(handle, updateId)), 30_000, 'retry with the same Idempotency-Key; it will apply at most once');
  const fresh = (await findTaskInScope(c.var.sql, c.var.user, task.id))!;
  c.header('ETag', `"${fresh.version}"`);
  return c.json(present(fresh), 200);
}

const tagged = { security: [{ bearer: [] }], tags: ['tasks'] };
// The verbs' fields as zod schemas, built from the rules the unit workflow's validators check.
const claimFields = zodFields(rules.claimFields);
const reportFields = zodFields(rules.reportFields);
const evaluateFields = zodFields(rules.evaluateFields);
const exitFields = zodFields(rules.exitFields);
const extendFields = zodFields(rules.extendFields);
const version = wholeNumber().optional().openapi({ description: 'the task version you read (or send If-Match); a stale one is refused with 409' });

/** One evaluation, as POST /tasks/{id}/evaluate and each row of POST /tasks/evaluate take it. */
const evaluateBody = z.object({
  ...evaluateFields,
  score: evaluateFields.score.openapi({ description: 'points awarded, 0 to the indicator’s points; computed from the scoring rule when absent' }),
  version,
});

function evaluateInput(c: Context<AppEnv>, task: TaskRow, body: z.infer<typeof evaluateBody>, expected: number | undefined) {
  return { taskId: task.id, actor: actorOf(c.var.user), expectedVersion: expected, decision: body.decision, score: body.score, reason: body.reason, deadline: body.deadline ? new Date(body.deadline).toISOString() : undefined };
}

/** A row's refusal as the single-task endpoint would have answered it; a field is named within the row. */
function rowFailure(taskId: string, err: unknown, row: number) {
  if (!(err instanceof DomainError)) throw err;
  const field = typeof err.details?.field === 'string' ? err.details.field : undefined;
  const rowField = field === undefined ? undefined : field.startsWith('items[') ? field : `items[${row}].${field}`;
  return { taskId, status: err.status, error: { code: err.code, message: err.message, ...(rowField ? { field: rowField } : {}) } };
}
const verbResponses = { 200: jsonOk(taskSchema, 'the task after the action'), ...authErrors, ...conflictError, ...unprocessable };

/** Tasks: each user's inbox, one task with its history, and the verbs 领办 反馈 评价 退出. */
export const tasks = newRouter();
tasks.use('/tasks', requireUser());
tasks.use('/tasks/*', requireUser());

tasks.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/tasks',
    summary: 'The caller’s inbox: the tasks they may see, by deadline (or last change), with filters and cursor paging',
    request: {
      query: z.object({
        planId: z.string().uuid().optional(),
        state: z.enum(states).optional(),
        indicator: text('short', { max: 10 }).optional(),
        category: categoryCodeSchema.optional(),
        unitId: z.string().uuid().optional(),
        townshipId: z.string().uuid().optional(),
        dueBefore: instant().optional(),
        light: z.enum(lightOrder).optional(),
        sort: z.enum(['deadline', 'changed']).default('deadline').openapi({ description: 'deadline: soonest first; changed: longest unchanged first (a review queue, oldest report first)' }),
        cursor: text('short', { max: 200 }).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
    },
    responses: {
      200: jsonOk(
        z.object({
          items: z.array(taskSchema),
          nextCursor: z.string().nullable(),
          lights: z.record(z.enum(lightOrder), z.number()).openapi({ description: 'tasks per light over the whole filter, not just this page' }),
        }),
      ),
      ...authErrors,
    },
  }),
  async (c) => {
    const { cursor, limit, sort, ...filter } = c.req.valid('query');
    const [rows, lights] = await Promise.all([
      listTasks(c.var.sql, c.var.user, { ...filter, sort, after: cursor ? decodeCursor(cursor, sort) : undefined, limit: limit + 1 }),
      inboxLights(c.var.sql, c.var.user, filter),
    ]);
    const page = rows.slice(0, limit);
    return c.json({ items: page.map(present), nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!, sort) : null, lights }, 200);
  },
);

tasks.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/tasks/{id}',
    summary: 'One task with its reports and its full history',
    request: { params: idParam },
    responses: {
      200: jsonOk(
        taskDetailSchema.extend({
          ladder: ladderOutlookSchema.nullable().openapi({ description: 'when the guidance ladder presses this task if it is not done; null once approved or exited' }),
        }),
      ),
      ...authErrors,
    },
  }),
  async (c) => {
    const sql = c.var.sql;
    const task = await findTaskInScope(sql, c.var.user, c.req.valid('param').id);
    if (!task) throw notFound('task');
    const [reports, history, check, [plan]] = await Promise.all([
      taskReports(sql, task.id),
      auditTrail(sql, 'task', task.id),
      deadlineCheck(sql),
      sql<{ escalation: unknown }[]>`select escalation from plans where id = ${task.planId}`,
    ]);
    const done = task.state === 'approved' || task.state === 'exited';
    const ladder = done ? null : check.outlook(escalationSchema.parse(plan?.escalation ?? {}), task.indicator, new Date(task.deadline).toISOString());
    c.header('ETag', `"${task.version}"`);
    return c.json({ ...present(task), reports: reports.map(presentReport), history: history.map(presentEvent), ladder }, 200);
  },
);

tasks.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/tasks/{id}/claim',
    summary: '领办: the unit claims its task and names who is responsible',
    middleware: [requireRole('grassroots_chair', 'township_officer'), idempotent()] as const,
    request: { params: idParam, ...jsonBody(z.object({ ...claimFields, version })) },
    responses: verbResponses,
  }),
  async (c) => {
    const body = c.req.valid('json');
    const task = await loadForAction(c, c.req.valid('param').id, 'claim');
    const input = { taskId: task.id, actor: actorOf(c.var.user), expectedVersion: expectedVersion(c, body), responsible: body.responsible };
    return act(c, task, (h, updateId) => h.executeUpdate(claimUpdate, { args: [input], updateId }));
  },
);

tasks.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/tasks/{id}/report',
    summary: '反馈: report the measured value with evidence; progress reports may come before the final one',
    middleware: [requireRole('grassroots_chair', 'township_officer'), idempotent()] as const,
    request: {
      params: idParam,
      ...jsonBody(
        z.object({
          value: reportFields.value.openapi({ description: 'yes/no: 1 or 0; rate: percent 0–100; count: a whole number this year, at most 100000' }),
          note: reportFields.note,
          evidence: reportFields.evidence.openapi({ description: 'ids from POST /api/v1/uploads' }),
          final: reportFields.final.default(false),
          version,
        }),
      ),
    },
    responses: verbResponses,
  }),
  async (c) => {
    const body = c.req.valid('json');
    const task = await loadForAction(c, c.req.valid('param').id, 'report');
    throwIf(valueProblem(await indicatorOf(c, task), body.value));
    await checkEvidence(c.var.sql, body.evidence, task.orgId);
    const input = { taskId: task.id, actor: actorOf(c.var.user), expectedVersion: expectedVersion(c, body), value: body.value, note: body.note, evidence: body.evidence, final: body.final };
    return act(c, task, (h, updateId) => h.executeUpdate(reportUpdate, { args: [input], updateId }));
  },
);

tasks.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/tasks/{id}/evaluate',
    summary: '评价: approve (with an optional score) or return for rework with a reason and maybe a new deadline; the district confirms two-tier indicators',
    middleware: [requireRole('township_officer', 'district_admin', 'department_staff'), idempotent()] as const,
    request: {
      params: idParam,
      ...jsonBody(evaluateBody),
    },
    responses: verbResponses,
  }),
  async (c) => {
    const body = c.req.valid('json');
    const task = await loadForAction(c, c.req.valid('param').id, 'evaluate');
    if (body.decision === 'approve' && body.score !== undefined) throwIf(scoreProblem(task.maxPoints, body.score));
    if (body.decision === 'return' && body.deadline) {
      checkPlanDate(body.deadline, task.year, 'deadline');
      await checkTaskDeadline(c, task.planId, task.indicator, body.deadline);
    }
    const input = evaluateInput(c, task, body, expectedVersion(c, body));
    return act(c, task, (h, updateId) => h.executeUpdate(evaluateUpdate, { args: [input], updateId }));
  },
);

const bulkResultSchema = z
  .object({
    taskId: z.string(),
    status: z.number().openapi({ description: 'what this row alone would have answered: 200, or the 4xx of its refusal' }),
    task: taskSchema.optional().openapi({ description: 'the task after the action (status 200)' }),
    error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).optional().openapi({ description: 'why this row was refused; `field` is e.g. items[3].deadline' }),
  })
  .openapi('BulkEvaluateResult');

/** Rows for one unit go to its workflow one after another; this many units at a time. */
const bulkParallelUnits = 8;

tasks.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/tasks/evaluate',
    summary: '批量评价: approve or return many tasks in one request; each row succeeds or fails on its own',
    description:
      'Rows are checked and applied independently with the same rules as POST /tasks/{id}/evaluate; the answer lists every row in the order sent. ' +
      'With an Idempotency-Key a retried request applies each row at most once and gets the first answer again.',
    middleware: [requireRole('township_officer', 'district_admin', 'department_staff'), idempotent()] as const,
    request: { ...jsonBody(z.object({ items: z.array(evaluateBody.extend({ taskId: z.string().uuid() })).min(1).max(500) })) },
    responses: {
      200: jsonOk(z.object({ results: z.array(bulkResultSchema), succeeded: z.number(), failed: z.number() }), 'one result per row, in the order sent'),
      ...authErrors,
      ...unprocessable,
    },
  }),
  async (c) => {
    const { items } = c.req.valid('json');
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      if (seen.has(item.taskId)) throw invalid(`items[${i}].taskId`, `the same task as items[${seen.get(item.taskId)}]`);
      seen.set(item.taskId, i);
    });
    const results: z.infer<typeof bulkResultSchema>[] = new Array(items.length);
    const byUnit = new Map<string, number[]>();
    const tasksByRow = new Map<number, TaskRow>();
    // Checks first: rows refused here never reach a workflow.
    await Promise.all(
      items.map(async (item, i) => {
        try {
          const task = await loadForAction(c, item.taskId, 'evaluate');
          if (item.decision === 'approve' && item.score !== undefined) throwIf(scoreProblem(task.maxPoints, item.score));
          if (item.decision === 'return' && item.deadline) {
            checkPlanDate(item.deadline, task.year, 'deadline');
            await checkTaskDeadline(c, task.planId, task.indicator, item.deadline);
          }
          tasksByRow.set(i, task);
          const key = unitTasksWorkflowId(task.planId, task.orgId);
          byUnit.set(key, [...(byUnit.get(key) ?? []), i]);
        } catch (err) {
          results[i] = rowFailure(item.taskId, err, i);
        }
      }),
    );
    const queues = [...byUnit.entries()];
    const runUnit = async ([workflowId, rows]: [string, number[]]) => {
      const handle = c.var.temporal.workflow.getHandle(workflowId);
      for (const i of rows) {
        const item = items[i]!;
        const task = tasksByRow.get(i)!;
        const updateId = updateIdOf(c, task.id);
        try {
          const input = evaluateInput(c, task, item, item.version);
          await sendUpdate(() => startingUnit(c, task, () => handle.executeUpdate(evaluateUpdate, { args: [input], updateId })), 30_000, 'retry with the same Idempotency-Key; each row applies at most once');
          const fresh = (await findTaskInScope(c.var.sql, c.var.user, task.id))!;
          results[i] = { taskId: task.id, status: 200, task: present(fresh) };
        } catch (err) {
          results[i] = rowFailure(task.id, err, i);
        }
      }
    };
    for (let start = 0; start < queues.length; start += bulkParallelUnits) await Promise.all(queues.slice(start, start + bulkParallelUnits).map(runUnit));
    const succeeded = results.filter((r) => r.status === 200).length;
    return c.json({ results, succeeded, failed: results.length - succeeded }, 200);
  },
);

tasks.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/tasks/{id}/exit',
    summary: '退出: take a task out of the programme (not applicable, unit dissolved or merged, exemption)',
    middleware: [requireRole('township_officer', 'district_admin'), idempotent()] as const,
    request: { params: idParam, ...jsonBody(z.object({ ...exitFields, version })) },
    responses: verbResponses,
  }),
  async (c) => {
    const body = c.req.valid('json');
    const task = await loadForAction(c, c.req.valid('param').id, 'exit');
    const input = { taskId: task.id, actor: actorOf(c.var.user), expectedVersion: expectedVersion(c, body), reason: body.reason };
    return act(c, task, (h, updateId) => h.executeUpdate(exitUpdate, { args: [input], updateId }));
  },
);

tasks.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/tasks/{id}/extend',
    summary: '延期: move a task’s deadline later; the reminders and escalations re-arm for the new deadline',
    middleware: [requireRole('township_officer', 'district_admin'), idempotent()] as const,
    request: {
      params: idParam,
      ...jsonBody(z.object({ ...extendFields, version })),
    },
    responses: verbResponses,
  }),
  async (c) => {
    const body = c.req.valid('json');
    const task = await loadForAction(c, c.req.valid('param').id, 'extend');
    checkPlanDate(body.deadline, task.year, 'deadline');
    await checkTaskDeadline(c, task.planId, task.indicator, body.deadline);
    const input = { taskId: task.id, actor: actorOf(c.var.user), expectedVersion: expectedVersion(c, body), deadline: new Date(body.deadline).toISOString(), reason: body.reason };
    return act(c, task, (h, updateId) => h.executeUpdate(extendUpdate, { args: [input], updateId }));
  },
);
