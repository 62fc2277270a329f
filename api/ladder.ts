import { createRoute, z } from '@hono/zod-openapi';
import { instant, planDateProblem, text } from '../lib/input';
import { transaction } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import { findOrders, findSummons, planYear, recordOrderAnswer, recordSummonsOutcome, type OrderRow, type SummonsRow } from '../db/queries/ladder';
import { conflict, forbidden, invalid, notFound } from '../lib/errors';
import { requireRole, requireUser } from './middleware/auth';
import { newRouter } from './router';
import { checkEvidence } from '../db/queries/uploads';
import { authErrors, conflictError, idParam, jsonBody, jsonOk, unprocessable } from './schemas';

const tagged = { security: [{ bearer: [] }], tags: ['guidance ladder'] };
const page = {
  planId: z.string().uuid().optional(),
  unitId: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
};

const orderSchema = z
  .object({
    id: z.string(),
    number: z.string().openapi({ example: '富工督〔2026〕12号' }),
    taskId: z.string(),
    planId: z.string(),
    orgId: z.string(),
    orgName: z.string(),
    indicator: z.string(),
    issuerOrgId: z.string(),
    issuer: z.string(),
    taskDeadline: z.string(),
    reason: z.string(),
    issuedAt: z.string(),
    respondBy: z.string(),
    status: z.enum(['open', 'answered', 'overdue']),
    response: z.object({ text: z.string(), evidence: z.array(z.string()), at: z.string(), by: z.string() }).nullable(),
  })
  .openapi('SupervisionOrder');

const iso = (d: Date) => new Date(d).toISOString();
const presentOrder = (o: OrderRow) => ({
  id: o.id,
  number: o.number,
  taskId: o.taskId,
  planId: o.planId,
  orgId: o.orgId,
  orgName: o.orgName,
  indicator: o.indicator,
  issuerOrgId: o.issuerOrgId,
  issuer: o.issuer,
  taskDeadline: iso(o.taskDeadline),
  reason: o.reason,
  issuedAt: iso(o.issuedAt),
  respondBy: iso(o.respondBy),
  status: (o.respondedAt ? 'answered' : new Date(o.respondBy).getTime() < Date.now() ? 'overdue' : 'open') as 'open' | 'answered' | 'overdue',
  response: o.respondedAt ? { text: o.responseText!, evidence: o.responseEvidence ?? [], at: iso(o.respondedAt), by: o.respondedBy! } : null,
});

const summonsSchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    orderNumber: z.string(),
    taskId: z.string(),
    planId: z.string(),
    orgId: z.string(),
    orgName: z.string(),
    summoner: z.string(),
    summoned: z.string().openapi({ description: 'the unit (or township) whose chair is summoned' }),
    proposedAt: z.string(),
    place: z.string(),
    createdAt: z.string(),
    outcome: z.object({ text: z.string(), heldAt: z.string().nullable(), at: z.string(), by: z.string() }).nullable(),
  })
  .openapi('Summons');

const presentSummons = (s: SummonsRow) => ({
  id: s.id,
  orderId: s.orderId,
  orderNumber: s.orderNumber,
  taskId: s.taskId,
  planId: s.planId,
  orgId: s.orgId,
  orgName: s.orgName,
  summoner: s.summoner,
  summoned: `${s.orgName}负责人`,
  proposedAt: iso(s.proposedAt),
  place: s.place,
  createdAt: iso(s.createdAt),
  outcome: s.outcomeAt ? { text: s.outcome!, heldAt: s.heldAt ? iso(s.heldAt) : null, at: iso(s.outcomeAt), by: s.outcomeBy! } : null,
});

/** 督办 and 约谈: listing, the unit's answer to an order, the district's record of a summons. */
export const ladder = newRouter();
ladder.use('/supervision-orders', requireUser());
ladder.use('/supervision-orders/*', requireUser());
ladder.use('/summons', requireUser());
ladder.use('/summons/*', requireUser());

ladder.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/supervision-orders',
    summary: 'Supervision orders (督办单) in the caller’s part of the org tree, newest first',
    request: { query: z.object({ ...page, status: z.enum(['open', 'answered', 'overdue']).optional() }) },
    responses: { 200: jsonOk(z.object({ items: z.array(orderSchema) })), ...authErrors },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const sql = c.var.sql;
    const where = sql`true
      ${q.planId ? sql`and t.plan_id = ${q.planId}` : sql``}
      ${q.unitId ? sql`and t.org_id = ${q.unitId}` : sql``}
      ${q.status === 'answered' ? sql`and t.responded_at is not null` : sql``}
      ${q.status === 'open' ? sql`and t.responded_at is null and t.respond_by >= now()` : sql``}
      ${q.status === 'overdue' ? sql`and t.responded_at is null and t.respond_by < now()` : sql``}`;
    const rows = await findOrders(sql, c.var.user, where, q.limit);
    return c.json({ items: rows.map(presentOrder) }, 200);
  },
);

ladder.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/supervision-orders/{id}',
    summary: 'One supervision order',
    request: { params: idParam },
    responses: { 200: jsonOk(orderSchema), ...authErrors },
  }),
  async (c) => {
    const [row] = await findOrders(c.var.sql, c.var.user, c.var.sql`t.id = ${c.req.valid('param').id}`, 1);
    if (!row) throw notFound('supervision order');
    return c.json(presentOrder(row), 200);
  },
);

ladder.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/supervision-orders/{id}/respond',
    summary: 'The ordered unit answers a supervision order (整改答复); the task’s red light clears unless a summons is open',
    middleware: [requireRole('grassroots_chair', 'township_officer')] as const,
    request: {
      params: idParam,
      ...jsonBody(
        z.object({
          text: text('long', { min: 2 }),
          evidence: z.array(z.string().uuid()).max(50).optional().openapi({ description: 'ids from POST /api/v1/uploads' }),
        }),
      ),
    },
    responses: { 200: jsonOk(orderSchema, 'the answered order'), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const user = c.var.user;
    const sql = c.var.sql;
    const [order] = await findOrders(sql, user, sql`t.id = ${c.req.valid('param').id}`, 1);
    if (!order) throw notFound('supervision order');
    if (order.orgId !== user.orgId) throw forbidden('only the org the order is addressed to answers it');
    await checkEvidence(sql, body.evidence, order.orgId);
    await transaction(sql, async (tx) => {
      if (!(await recordOrderAnswer(tx, order, body.text, body.evidence ?? [], user.login))) throw conflict(`order ${order.number} is already answered`, { state: 'answered' });
      await appendAudit(tx, { actor: user, action: 'order.respond', subjectType: 'task', subjectId: order.taskId, summary: { orderId: order.id, number: order.number, evidence: body.evidence?.length ?? 0 } });
    });
    const [fresh] = await findOrders(sql, user, sql`t.id = ${order.id}`, 1);
    return c.json(presentOrder(fresh!), 200);
  },
);

ladder.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/summons',
    summary: 'Summons (约谈) in the caller’s part of the org tree, newest first',
    request: { query: z.object({ ...page, status: z.enum(['open', 'recorded']).optional() }) },
    responses: { 200: jsonOk(z.object({ items: z.array(summonsSchema) })), ...authErrors },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const sql = c.var.sql;
    const where = sql`true
      ${q.planId ? sql`and t.plan_id = ${q.planId}` : sql``}
      ${q.unitId ? sql`and t.org_id = ${q.unitId}` : sql``}
      ${q.status === 'open' ? sql`and t.outcome_at is null` : sql``}
      ${q.status === 'recorded' ? sql`and t.outcome_at is not null` : sql``}`;
    const rows = await findSummons(sql, c.var.user, where, q.limit);
    return c.json({ items: rows.map(presentSummons) }, 200);
  },
);

ladder.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/summons/{id}/outcome',
    summary: 'The district records how a summons went; the task’s red light clears unless an order is still unanswered',
    middleware: [requireRole('district_admin')] as const,
    request: {
      params: idParam,
      ...jsonBody(
        z.object({
          outcome: text('long', { min: 2 }),
          heldAt: instant().optional().openapi({ description: 'when the talk took place' }),
        }),
      ),
    },
    responses: { 200: jsonOk(summonsSchema, 'the summons with its outcome'), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const sql = c.var.sql;
    const user = c.var.user;
    const [summons] = await findSummons(sql, user, sql`t.id = ${c.req.valid('param').id}`, 1);
    if (!summons) throw notFound('summons');
    if (body.heldAt !== undefined) {
      const outside = planDateProblem(body.heldAt, await planYear(sql, summons.planId));
      if (outside) throw invalid('heldAt', outside);
    }
    await transaction(sql, async (tx) => {
      if (!(await recordSummonsOutcome(tx, summons, body.outcome, body.heldAt ?? null, user.login))) throw conflict('this summons already has its outcome recorded', { state: 'recorded' });
      await appendAudit(tx, { actor: user, action: 'summons.outcome', subjectType: 'task', subjectId: summons.taskId, summary: { summonsId: summons.id } });
    });
    const [fresh] = await findSummons(sql, user, sql`t.id = ${summons.id}`, 1);
    return c.json(presentSummons(fresh!), 200);
  },
);
