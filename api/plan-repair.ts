import { createRoute, z } from '@hono/zod-openapi';
import { reconcileTasks } from '../activities/reconcile';
import { appendAudit } from '../db/queries/audit';
import { requireRole, requireUser } from './middleware/auth';
import { planInScope } from '../db/queries/plans';
import { newRouter } from './router';
import { authErrors, idParam, jsonOk } from './schemas';

const tagged = { security: [{ bearer: [] }], tags: ['repair'] };
const districtAdmin = requireRole('district_admin');

const reportSchema = z
  .object({
    units: z.number(),
    tasks: z.number(),
    differences: z.array(
      z.object({ taskId: z.string(), orgId: z.string(), indicator: z.string(), field: z.string(), workflow: z.unknown(), database: z.unknown() }),
    ),
    attention: z.array(z.object({ taskId: z.string(), message: z.string() })),
    repaired: z.number(),
    unrepaired: z.array(z.object({ taskId: z.string(), error: z.string() })),
  })
  .openapi('ReconcileReport');

const failureSchema = z
  .object({
    id: z.string(),
    taskId: z.string().nullable(),
    orderId: z.string().nullable(),
    indicator: z.string().nullable(),
    orgName: z.string().nullable(),
    rung: z.enum(['remind', 'warn', 'supervise', 'summons']),
    deadline: z.string().nullable(),
    error: z.string(),
    failedAt: z.string(),
  })
  .openapi('LadderFailure');

const present = (r: Awaited<ReturnType<typeof reconcileTasks>>) => ({
  units: r.units,
  tasks: r.tasks,
  differences: r.differences.map(({ planId: _p, ...d }) => d),
  attention: r.attention.map(({ planId: _p, ...a }) => a),
  repaired: r.repaired,
  unrepaired: r.unrepaired.map(({ planId: _p, ...u }) => u),
});

/** The district admin's view of what is out of step: projection differences, and rungs that failed for good. */
export const planRepair = newRouter();
planRepair.use('/plans/*', requireUser());

planRepair.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/reconcile',
    summary: 'Compare every unit workflow’s tasks with the database and list the differences, and tasks needing attention (district admin)',
    middleware: [districtAdmin] as const,
    request: { params: idParam },
    responses: { 200: jsonOk(reportSchema), ...authErrors },
  }),
  async (c) => {
    const plan = await planInScope(c.var.sql, c.var.user, c.req.valid('param').id);
    return c.json(present(await reconcileTasks({ sql: c.var.sql, temporal: c.var.temporal }, { planId: plan.id, repair: false })), 200);
  },
);

planRepair.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/plans/{id}/reconcile',
    summary: 'Repair the database from the unit workflows: every differing task row is rewritten as its workflow has it (district admin; idempotent)',
    middleware: [districtAdmin] as const,
    request: { params: idParam },
    responses: { 200: jsonOk(reportSchema, 'the differences found, and how many rows were rewritten'), ...authErrors },
  }),
  async (c) => {
    const plan = await planInScope(c.var.sql, c.var.user, c.req.valid('param').id);
    const report = await reconcileTasks({ sql: c.var.sql, temporal: c.var.temporal }, { planId: plan.id, repair: true });
    if (report.repaired > 0) {
      await appendAudit(c.var.sql, { actor: c.var.user, action: 'plan.reconcile', subjectType: 'plan', subjectId: plan.id, summary: { repaired: report.repaired, differences: report.differences.length } });
    }
    return c.json(present(report), 200);
  },
);

planRepair.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/ladder-failures',
    summary: 'Reminders, warnings, orders and summons that failed for good and were not sent (district admin)',
    middleware: [districtAdmin] as const,
    request: { params: idParam },
    responses: { 200: jsonOk(z.object({ items: z.array(failureSchema) })), ...authErrors },
  }),
  async (c) => {
    const plan = await planInScope(c.var.sql, c.var.user, c.req.valid('param').id);
    const rows = await c.var.sql<{ id: string; taskId: string | null; orderId: string | null; indicator: string | null; orgName: string | null; rung: 'remind'; deadline: Date | null; error: string; failedAt: Date }[]>`
      select f.id, f.task_id as "taskId", f.order_id as "orderId", t.indicator, o.name as "orgName", f.rung, f.deadline, f.error, f.failed_at as "failedAt"
      from ladder_failures f left join tasks t on t.id = f.task_id left join orgs o on o.id = t.org_id
      where f.plan_id = ${plan.id} order by f.failed_at desc limit 500`;
    return c.json({ items: rows.map((r) => ({ ...r, deadline: r.deadline ? new Date(r.deadline).toISOString() : null, failedAt: new Date(r.failedAt).toISOString() })) }, 200);
  },
);
