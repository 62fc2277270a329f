// 政策调整: the district changes policy for a class of units in a running plan: a target (looser or stricter;
// evaluated tasks are re-scored), a deadline (the ladder re-arms), an exemption (the tasks exit and the index
// renormalises), or a support note. Previewed first (units, tasks, how their index would move), then applied through
// Temporal by its own workflow, resumably; the needs that asked for it are resolved with its number.
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { transaction, type Sql } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import { classTasks, classUnits, findAdjustment, planAdjustments, type AdjustmentClass, type AdjustmentRow, type ClassTask } from '../db/queries/adjustments';
import { districtInitial, nextDocumentNumber } from '../db/queries/documents';
import { publishedCatalogue } from '../db/queries/unit-index';
import { scoreValue, sizeClassOf, targetFor, unitStanding, type Catalogue, type UnitType } from '../indicators';
import { DomainError, conflict, invalid, notFound } from '../lib/errors';
import { instant, planDateProblem, positiveInt, text } from '../lib/input';
import { coordinatorTaskQueue } from '../lib/temporal';
import { adjustmentWorkflowId } from '../workflows/adjustment.contract';
import type { adjustment } from '../workflows/adjustment';
import { valueProblem } from '../workflows/task-rules';
import type { CurrentUser } from './context';
import { AlreadyWritten, effectUuid, idempotent } from './middleware/idempotency';
import { requireRole, requireUser } from './middleware/auth';
import { newRouter } from './router';
import { authErrors, conflictError, idParam, jsonBody, jsonOk, unprocessable } from './schemas';
import { standingPlan, type StandingPlan } from './standing-scope';

const tagged = { security: [{ bearer: [] }], tags: ['adjustments'] };
const kinds = ['target', 'extend', 'exempt', 'support', 'catalogue'] as const;
const unitTypes = ['enterprise', 'joint_regional', 'joint_trade', 'institution', 'new_employment'] as const;
const sizeClasses = ['micro', 'small', 'medium', 'large'] as const;

const adjustmentBody = z.object({
  kind: z.enum(kinds).openapi({
    description:
      'target: change a target; extend: move deadlines later; exempt: take the indicator out (退出); support: a support note; catalogue: adopt a newer catalogue version’s targets for the tasks not yet evaluated',
  }),
  class: z
    .object({
      unitTypes: z.array(z.enum(unitTypes)).max(5).optional(),
      sizeClasses: z.array(z.enum(sizeClasses)).max(4).optional().openapi({ description: 'micro < 25 members, small < 100, medium < 1,000, large' }),
      townshipIds: z.array(z.string().uuid()).max(100).optional(),
      orgIds: z.array(z.string().uuid()).max(10_000).optional(),
    })
    .default({})
    .openapi({ description: 'which units: every criterion given must hold; kind catalogue may leave it empty for the whole district' }),
  indicators: z.array(text('short').pipe(z.string().regex(/^[A-Z]{2}-\d{2}$/, 'an indicator code such as HX-01'))).max(23).default([]),
  target: z.number().optional().openapi({ description: 'kind target: the new target, in the indicator’s measure' }),
  deadline: instant().optional().openapi({ description: 'kind extend: the new deadline' }),
  reason: text('reason', { min: 1 }),
  note: text('long').optional().openapi({ description: 'kind support: the note the units receive' }),
  needs: z.array(z.string().uuid()).max(500).default([]).openapi({ description: 'the needs this answers: resolved with its number when it is applied' }),
  catalogueVersion: positiveInt().optional().openapi({ description: 'kind catalogue: the published version whose targets the plan adopts' }),
});
type AdjustmentBody = z.infer<typeof adjustmentBody>;

const moveSchema = z.object({
  orgId: z.string(),
  code: z.string(),
  name: z.string(),
  before: z.number().nullable(),
  after: z.number().nullable(),
  bandBefore: z.string().nullable(),
  bandAfter: z.string().nullable(),
});
const previewSchema = z
  .object({
    units: z.number(),
    tasks: z.number().openapi({ description: 'tasks the adjustment would change' }),
    rescored: z.number().openapi({ description: 'evaluated tasks that would be scored again' }),
    index: z.object({ improved: z.number(), worsened: z.number(), unchanged: z.number(), bandChanges: z.number() }),
    moves: z.array(moveSchema).openapi({ description: 'the units whose index would move most, largest first (at most 50)' }),
  })
  .openapi('AdjustmentPreview');
const adjustmentSchema = z
  .object({
    id: z.string(),
    number: z.string().openapi({ example: '富工调〔2026〕1号' }),
    planId: z.string(),
    kind: z.enum(kinds),
    class: z.record(z.string(), z.array(z.string())),
    indicators: z.array(z.string()),
    target: z.number().nullable(),
    deadline: z.string().nullable(),
    reason: z.string(),
    note: z.string().nullable(),
    needs: z.array(z.string()),
    catalogueVersion: z.number().nullable().openapi({ description: 'kind catalogue: the version adopted' }),
    state: z.enum(['applying', 'applied']),
    progress: z.object({ units: z.number(), tasks: z.number(), done: z.number(), skipped: z.number() }),
    createdBy: z.string(),
    createdAt: z.string(),
    appliedAt: z.string().nullable(),
  })
  .openapi('Adjustment');

const present = (a: AdjustmentRow) => ({
  id: a.id,
  number: a.number,
  planId: a.planId,
  kind: a.kind,
  class: a.class as Record<string, string[]>,
  indicators: a.indicators,
  target: a.target,
  deadline: a.deadline ? new Date(a.deadline).toISOString() : null,
  reason: a.reason,
  note: a.note,
  needs: a.needs,
  catalogueVersion: a.catalogueVersion,
  state: a.state,
  progress: { units: a.totalUnits, tasks: a.totalTasks, done: a.doneTasks, skipped: a.skippedTasks },
  createdBy: a.createdByLogin,
  createdAt: new Date(a.createdAt).toISOString(),
  appliedAt: a.appliedAt ? new Date(a.appliedAt).toISOString() : null,
});

/** Check an adjustment against its plan; returns the units and tasks it touches. Nothing is written. */
async function scope(sql: Sql, user: CurrentUser, plan: StandingPlan, body: AdjustmentBody, catalogue: Catalogue) {
  if (plan.status !== 'issued') throw conflict(`the plan is ${plan.status}: adjustments reach running plans only`, { state: plan.status });
  const c: AdjustmentClass = body.class;
  if (body.kind !== 'catalogue' && ![c.unitTypes, c.sizeClasses, c.townshipIds, c.orgIds].some((x) => x && x.length > 0)) {
    throw invalid('class', 'name the class: unit types, size classes, townships or units');
  }
  const [planRow] = await sql<{ indicators: string[] }[]>`select indicators from plans where id = ${plan.id}`;
  const byCode = new Map(catalogue.indicators.map((i) => [i.code, i]));
  if (body.kind !== 'support' && body.kind !== 'catalogue' && body.indicators.length === 0) throw invalid('indicators', 'name the indicators it changes');
  body.indicators.forEach((code, n) => {
    if (!planRow!.indicators.includes(code) || !byCode.has(code)) throw invalid(`indicators[${n}]`, `${code} is not in this plan`);
  });
  if (body.kind === 'target') {
    if (body.target === undefined) throw invalid('target', 'give the new target');
    for (const code of body.indicators) {
      const problem = valueProblem(byCode.get(code)!, body.target, 'target');
      if (problem) throw invalid('target', problem.message.replace(/^target: /, ''));
    }
  }
  if (body.kind === 'extend') {
    if (!body.deadline) throw invalid('deadline', 'give the new deadline');
    const problem = planDateProblem(body.deadline, plan.year);
    if (problem) throw invalid('deadline', problem);
    if (Date.parse(body.deadline) <= Date.now()) throw invalid('deadline', 'the new deadline must be in the future');
  }
  if (body.kind === 'support' && !body.note) throw invalid('note', 'write the support note the units receive');
  if (body.needs.length > 0) {
    const found = await sql<{ id: string }[]>`select id from needs where id in ${sql(body.needs)} and district_id = ${user.districtId} and state not in ('resolved', 'merged')`;
    const ok = new Set(found.map((f) => f.id));
    body.needs.forEach((id, n) => {
      if (!ok.has(id)) throw invalid(`needs[${n}]`, 'no such open need in your district');
    });
  }
  const units = await classUnits(sql, user.districtId, c);
  if (units.length === 0) throw invalid('class', 'no unit of the district is in this class');
  if (body.kind === 'catalogue') {
    const adopted = await adoptionTasks(sql, plan, body, catalogue, units.map((u) => u.id), planRow!.indicators);
    return { units, tasks: adopted, byCode };
  }
  let tasks = await classTasks(sql, plan.id, units.map((u) => u.id), body.indicators, body.kind);
  // An extension only moves deadlines later.
  if (body.kind === 'extend') tasks = tasks.filter((t) => new Date(t.deadline).getTime() < Date.parse(body.deadline!));
  return { units, tasks, byCode };
}

/**
 * A newer catalogue's targets for the tasks not yet evaluated: a task whose target follows the catalogue's rules
 * for its unit (default, unit type, size class) takes the new version's value for that unit; a target the district
 * set in its plan, or a township made stricter, stays as it is. Points and weights stay the plan's.
 */
async function adoptionTasks(sql: Sql, plan: StandingPlan, body: AdjustmentBody, current: Catalogue, orgIds: string[], planIndicators: string[]): Promise<ClassTask[]> {
  if (body.catalogueVersion === undefined) throw invalid('catalogueVersion', 'name the published version to adopt');
  const [version] = await sql<{ status: string }[]>`select status from catalogue_versions where version = ${body.catalogueVersion}`;
  if (!version || version.status !== 'published') throw invalid('catalogueVersion', 'no such published catalogue version');
  // The version the plan follows, or is already adopting.
  const [row] = await sql<{ adopting: number | null }[]>`select max(catalogue_version) as adopting from adjustments where plan_id = ${plan.id} and kind = 'catalogue'`;
  const followed = Math.max(plan.targetsVersion ?? plan.catalogueVersion, row?.adopting ?? 0);
  if (body.catalogueVersion <= followed) throw invalid('catalogueVersion', `the plan already follows version ${followed}; adopt a newer one`);
  const before = new Map((plan.targetsVersion ? await publishedCatalogue(sql, plan.targetsVersion) : current).indicators.map((i) => [i.code, i]));
  const after = new Map((await publishedCatalogue(sql, body.catalogueVersion)).indicators.map((i) => [i.code, i]));
  const codes = body.indicators.length > 0 ? body.indicators : planIndicators.filter((code) => plan.targets[code] === undefined);
  if (codes.length === 0) return [];
  const rows = await sql<(ClassTask & { level: 'grassroots' | 'township'; unitType: string | null; members: number | null })[]>`
    select t.id, t.org_id as "orgId", t.indicator, t.state, t.version, t.target::float8 as target, t.value::float8 as value,
      t.points::float8 as points, t.deadline, o.level, o.unit_type as "unitType", o.members
    from tasks t join orgs o on o.id = t.org_id
    where t.plan_id = ${plan.id} and t.org_id in ${sql(orgIds)} and t.indicator in ${sql(codes)}
      and not t.frozen and t.state not in ('approved', 'reviewed', 'exited')
    order by t.org_id, t.indicator`;
  const out: ClassTask[] = [];
  for (const { level, unitType, members, ...task } of rows) {
    const old = before.get(task.indicator);
    const next = after.get(task.indicator);
    if (!old || !next || plan.targets[task.indicator] !== undefined) continue;
    const profile = { level, unitType: (unitType ?? undefined) as UnitType | undefined, sizeClass: members === null ? undefined : sizeClassOf(members) };
    if (task.target !== targetFor(old, profile)) continue; // a township's stricter target
    const target = targetFor(next, profile);
    if (target !== task.target) out.push({ ...task, newTarget: target });
  }
  return out;
}

/** How each unit's live index would move. */
async function preview(sql: Sql, plan: StandingPlan, body: AdjustmentBody, catalogue: Catalogue, units: { id: string; code: string; name: string }[], changed: ClassTask[], byCode: Map<string, Catalogue['indicators'][number]>) {
  const changedIds = new Set(changed.map((t) => t.id));
  const all = await sql<{ id: string; orgId: string; indicator: string; state: string; points: number | null; value: number | null }[]>`
    select t.id, t.org_id as "orgId", t.indicator, t.state, t.points::float8 as points, t.value::float8 as value
    from tasks t where t.plan_id = ${plan.id} and t.org_id in ${sql(units.map((u) => u.id))}`;
  const byUnit = new Map<string, (typeof all)[number][]>();
  for (const t of all) byUnit.set(t.orgId, [...(byUnit.get(t.orgId) ?? []), t]);
  let rescored = 0;
  const moves = units.map((u) => {
    const tasks = byUnit.get(u.id) ?? [];
    const before = unitStanding(catalogue, tasks.map((t) => ({ code: t.indicator, state: t.state, points: t.points })), { final: false });
    const after = unitStanding(
      catalogue,
      tasks.map((t) => {
        if (!changedIds.has(t.id)) return { code: t.indicator, state: t.state, points: t.points };
        if (body.kind === 'exempt') return { code: t.indicator, state: 'exited', points: null };
        if (body.kind === 'target' && t.state === 'approved' && t.value !== null) {
          rescored += 1;
          return { code: t.indicator, state: t.state, points: scoreValue(byCode.get(t.indicator)!, body.target!, t.value).points };
        }
        return { code: t.indicator, state: t.state, points: t.points };
      }),
      { final: false },
    );
    return { orgId: u.id, code: u.code, name: u.name, before: before.total, after: after.total, bandBefore: before.band, bandAfter: after.band };
  });
  const delta = (m: (typeof moves)[number]) => (m.after ?? 0) - (m.before ?? 0);
  return {
    rescored,
    index: {
      improved: moves.filter((m) => delta(m) > 0).length,
      worsened: moves.filter((m) => delta(m) < 0).length,
      unchanged: moves.filter((m) => delta(m) === 0).length,
      bandChanges: moves.filter((m) => m.bandBefore !== m.bandAfter).length,
    },
    moves: moves.filter((m) => delta(m) !== 0 || m.bandBefore !== m.bandAfter).sort((a, b) => Math.abs(delta(b)) - Math.abs(delta(a))).slice(0, 50),
  };
}

/** Policy adjustments. */
export const adjustments = newRouter();
adjustments.use('/plans/*', requireUser());
adjustments.use('/adjustments/*', requireUser());

adjustments.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/plans/{id}/adjustments/preview',
    summary: 'Preview a policy adjustment: how many units and tasks it touches and how their index would move (district admin); nothing is written',
    middleware: [requireRole('district_admin')] as const,
    request: { params: idParam, ...jsonBody(adjustmentBody) },
    responses: { 200: jsonOk(previewSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const sql = c.var.sql;
    const body = c.req.valid('json');
    const plan = await standingPlan(sql, c.var.user, c.req.valid('param').id);
    const catalogue = await publishedCatalogue(sql, plan.catalogueVersion);
    const { units, tasks, byCode } = await scope(sql, c.var.user, plan, body, catalogue);
    const p = await preview(sql, plan, body, catalogue, units, tasks, byCode);
    return c.json({ units: units.length, tasks: tasks.length, ...p }, 200);
  },
);

/** Check an adjustment and record it with its number and the tasks it touches; applying it is the workflow's. */
/** Record an adjustment; `keyed` (from an Idempotency-Key) is its id, and a retry with it finds the one already recorded. */
async function recordAdjustment(sql: Sql, user: CurrentUser, plan: StandingPlan, body: AdjustmentBody, keyed?: string): Promise<string> {
  if (keyed) {
    const [done] = await sql<{ id: string }[]>`select id from adjustments where id = ${keyed}`;
    if (done) return done.id;
  }
  const catalogue = await publishedCatalogue(sql, plan.catalogueVersion);
  const { units, tasks } = await scope(sql, user, plan, body, catalogue);
  return transaction(sql, async (tx) => {
    const [district] = await tx<{ name: string }[]>`select name from orgs where id = ${user.districtId}`;
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
    const number = `${districtInitial(district!.name)}工调〔${year}〕${await nextDocumentNumber(tx, user.districtId, 'adjustment', year)}号`;
    const [row] = await tx<{ id: string }[]>`
      insert into adjustments (id, number, district_id, plan_id, kind, class, indicators, target, deadline, reason, note, needs, total_units, total_tasks, created_by, catalogue_version)
      values (${keyed ?? tx`gen_random_uuid()`}, ${number}, ${user.districtId}, ${plan.id}, ${body.kind}, ${tx.json(body.class as never)}, ${body.indicators}, ${body.target ?? null},
        ${body.deadline ?? null}, ${body.reason}, ${body.note ?? null}, ${body.needs}::uuid[], ${units.length}, ${tasks.length}, ${user.id},
        ${body.kind === 'catalogue' ? body.catalogueVersion! : null})
      on conflict (id) do nothing
      returning id`;
    // The same key racing: the other attempt recorded it first; this one gives its number back.
    if (!row) throw new AlreadyWritten(keyed!);
    for (let i = 0; i < tasks.length; i += 5000) {
      await tx`insert into adjustment_tasks ${tx(tasks.slice(i, i + 5000).map((t) => ({ adjustment_id: row!.id, task_id: t.id, org_id: t.orgId, target: t.newTarget ?? null })))}`;
    }
    await appendAudit(tx, { actor: user, action: 'adjustment.create', subjectType: 'adjustment', subjectId: row!.id, summary: { number, kind: body.kind, units: units.length, tasks: tasks.length, needs: body.needs.length } });
    return row.id;
  }).catch((err) => {
    if (err instanceof AlreadyWritten) return err.id;
    throw err;
  });
}

type Starter = { var: { temporal: import('@temporalio/client').Client; deps: { env: { TEMPORAL_TASK_QUEUE: string } } } };

/**
 * A newly published catalogue adopted by the district's running plans: one adjustment of kind catalogue per plan,
 * applied like any other, so the tasks not yet evaluated take the new version's targets.
 */
export async function adoptInRunningPlans(c: Starter, sql: Sql, user: CurrentUser, version: number, reason: string) {
  const plans = await sql<{ id: string }[]>`
    select p.id from plans p where p.district_id = ${user.districtId} and p.status = 'issued'
      and greatest(coalesce(p.targets_version, p.catalogue_version), (select max(a.catalogue_version) from adjustments a where a.plan_id = p.id)) < ${version}
    order by p.created_at`;
  const out: { planId: string; adjustmentId: string; number: string; tasks: number }[] = [];
  for (const { id: planId } of plans) {
    const plan = await standingPlan(sql, user, planId);
    const id = await recordAdjustment(sql, user, plan, { kind: 'catalogue', class: {}, indicators: [], reason, needs: [], catalogueVersion: version });
    await startApplying(c, id);
    const row = (await findAdjustment(sql, id, user.districtId))!;
    out.push({ planId, adjustmentId: id, number: row.number, tasks: row.totalTasks });
  }
  return out;
}

/** Start (or find) the workflow that applies an adjustment. */
async function startApplying(c: Starter, id: string) {
  try {
    await c.var.temporal.workflow.start<typeof adjustment>('adjustment', { taskQueue: coordinatorTaskQueue(c.var.deps.env.TEMPORAL_TASK_QUEUE), workflowId: adjustmentWorkflowId(id), args: [{ adjustmentId: id }] });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      throw new DomainError('busy', `the adjustment is saved but could not be started (${(err as Error).message}); POST /api/v1/adjustments/${id}/apply to start it`, 503);
    }
  }
}

adjustments.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/plans/{id}/adjustments',
    summary: 'Apply a policy adjustment (district admin): recorded with a number, then applied to every task it touches through Temporal; follow its progress on GET /adjustments/{id}',
    middleware: [requireRole('district_admin'), idempotent()] as const,
    request: { params: idParam, ...jsonBody(adjustmentBody) },
    responses: { 202: jsonOk(adjustmentSchema, 'recorded; being applied'), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const plan = await standingPlan(c.var.sql, c.var.user, c.req.valid('param').id);
    const id = await recordAdjustment(c.var.sql, c.var.user, plan, body, effectUuid(c));
    const recorded = (await findAdjustment(c.var.sql, id, c.var.user.districtId))!;
    // A keyed retry of one already applied starts nothing again.
    if (recorded.state === 'applying') await startApplying(c, id);
    return c.json(present(recorded), 202);
  },
);

adjustments.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/adjustments',
    summary: 'A plan’s policy adjustments, newest first (district staff)',
    middleware: [requireRole('district_admin', 'department_staff')] as const,
    request: { params: idParam },
    responses: { 200: jsonOk(z.object({ items: z.array(adjustmentSchema) })), ...authErrors },
  }),
  async (c) => {
    const plan = await standingPlan(c.var.sql, c.var.user, c.req.valid('param').id);
    return c.json({ items: (await planAdjustments(c.var.sql, plan.id, c.var.user.districtId)).map(present) }, 200);
  },
);

adjustments.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/adjustments/{id}',
    summary: 'One policy adjustment and its progress: tasks done and skipped of the total',
    request: { params: idParam },
    responses: { 200: jsonOk(adjustmentSchema), ...authErrors },
  }),
  async (c) => {
    const found = await findAdjustment(c.var.sql, c.req.valid('param').id, c.var.user.districtId);
    if (!found) throw notFound('adjustment');
    return c.json(present(found), 200);
  },
);

adjustments.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/adjustments/{id}/apply',
    summary: 'Start applying an adjustment whose start was cut short (district admin); harmless when it is already running or applied',
    middleware: [requireRole('district_admin')] as const,
    request: { params: idParam },
    responses: { 202: jsonOk(adjustmentSchema), ...authErrors },
  }),
  async (c) => {
    const found = await findAdjustment(c.var.sql, c.req.valid('param').id, c.var.user.districtId);
    if (!found) throw notFound('adjustment');
    if (found.state === 'applying') await startApplying(c, found.id);
    return c.json(present(found), 202);
  },
);

