import { createRoute, z } from '@hono/zod-openapi';
import { text } from '../lib/input';
import { randomUUID } from 'node:crypto';
import { transaction } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import { writeNotices } from '../db/queries/notices';
import { lightOrder, orgLights, taskScope, worstLight } from '../db/queries/tasks';
import { escalationSchema } from '../lib/escalation';
import { conflict, forbidden } from '../lib/errors';
import { rearmUpdate, planCycleWorkflowId } from '../workflows/plan-cycle.contract';
import { actorOf } from './actor';
import { effectUuid, idempotent, updateIdOf } from './middleware/idempotency';
import { requireRole, requireUser } from './middleware/auth';
import { deadlineCheck, noteProvisional } from './deadlines';
import { planInScope } from '../db/queries/plans';
import { checkEscalation } from './deadlines';
import { newRouter } from './router';
import { authErrors, conflictError, idParam, jsonBody, jsonOk, unprocessable, orgLightSchema } from './schemas';
import { sendUpdate } from './temporal-errors';

const tagged = { security: [{ bearer: [] }], tags: ['guidance ladder'] };

/** A plan's ladder: its policy, lights for the leaders' screen, and 催办 to every late unit at once. */
export const planLadder = newRouter();
planLadder.use('/plans/*', requireUser());

planLadder.openapi(
  createRoute({
    ...tagged,
    method: 'put',
    path: '/plans/{id}/escalation',
    summary: 'Change the guidance-ladder policy; every open task re-arms its reminders and escalations (district admin)',
    middleware: [requireRole('district_admin')] as const,
    request: { params: idParam, ...jsonBody(escalationSchema) },
    responses: { 200: jsonOk(z.object({ escalation: z.record(z.string(), z.unknown()), rearmedUnits: z.number() })), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const escalation = c.req.valid('json');
    const sql = c.var.sql;
    const user = c.var.user;
    const plan = await planInScope(sql, user, c.req.valid('param').id);
    if (plan.status === 'closing' || plan.status === 'closed') throw conflict(`the plan is ${plan.status}`, { state: plan.status });
    const check = await deadlineCheck(sql);
    checkEscalation(check, escalation, plan.indicators, new Date(plan.deadline).toISOString(), plan.deadlines);
    // Tasks whose deadline moved (dispatch overrides, returns, extensions) get the new policy too.
    const open = await sql<{ indicator: string; deadline: Date }[]>`
      select distinct indicator, deadline from tasks where plan_id = ${plan.id} and state not in ('issued', 'approved', 'exited')`;
    for (const t of open) check.outlook(escalation, t.indicator, new Date(t.deadline).toISOString());
    await transaction(sql, async (tx) => {
      await tx`update plans set escalation = ${tx.json(escalation as never)} where id = ${plan.id}`;
      await appendAudit(tx, { actor: user, action: 'plan.escalation', subjectType: 'plan', subjectId: plan.id, summary: { from: plan.escalation, to: escalation } });
      await noteProvisional(c, check, tx);
    });
    if (plan.status === 'draft') return c.json({ escalation, rearmedUnits: 0 }, 200);
    const handle = c.var.temporal.workflow.getHandle(planCycleWorkflowId(plan.id));
    const updateId = updateIdOf(c);
    const result = await sendUpdate(
      () => handle.executeUpdate(rearmUpdate, { args: [{ actor: actorOf(user) }], updateId }),
      120_000,
      'the policy is saved; send it again to re-arm the units that did not hear of it',
    );
    return c.json({ escalation, rearmedUnits: result.units }, 200);
  },
);

planLadder.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/lights',
    summary: 'Lights for the leaders’ screen: the caller’s whole slice, each township, and the units of one township (townshipId) or of the caller’s township',
    request: { params: idParam, query: z.object({ townshipId: z.string().uuid().optional() }) },
    responses: {
      200: jsonOk(
        z.object({
          overall: orgLightSchema,
          townships: z.array(z.object({ id: z.string(), name: z.string(), light: orgLightSchema })),
          units: z.array(z.object({ id: z.string(), name: z.string(), light: orgLightSchema })),
        }),
      ),
      ...authErrors,
    },
  }),
  async (c) => {
    const sql = c.var.sql;
    const user = c.var.user;
    const plan = await planInScope(sql, user, c.req.valid('param').id);
    const townshipId = user.orgLevel === 'district' ? c.req.valid('query').townshipId : user.townshipId;
    const townships = user.orgLevel === 'grassroots' ? [] : await sql<{ id: string; name: string; level: string }[]>`
      select id, name, level from orgs
      where district_id = ${user.districtId} and level = 'township' ${user.orgLevel === 'township' ? sql`and id = ${user.orgId}` : sql``}
      order by code`;
    const units = await sql<{ id: string; name: string; level: string }[]>`
      select id, name, level from orgs
      where district_id = ${user.districtId} and level = 'grassroots'
        and ${user.orgLevel === 'grassroots' ? sql`id = ${user.orgId}` : townshipId ? sql`township_id = ${townshipId}` : sql`false`}
        and exists (select 1 from tasks where plan_id = ${plan.id} and org_id = orgs.id)
      order by code`;
    const lights = await orgLights(sql, plan.id, [...townships, ...units]);
    const counts = await sql<{ light: (typeof lightOrder)[number]; n: number }[]>`
      select t.light, count(*)::int as n from tasks t where t.plan_id = ${plan.id} and ${taskScope(sql, user)} group by 1`;
    const overall = { green: 0, blue: 0, yellow: 0, red: 0 };
    for (const r of counts) overall[r.light] = r.n;
    const row = (o: { id: string; name: string }) => ({ id: o.id, name: o.name, light: lights.get(o.id)! });
    return c.json({ overall: { light: worstLight(overall), counts: overall }, townships: townships.map(row), units: units.map(row) }, 200);
  },
);

planLadder.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/plans/{id}/urge',
    summary: '催办: one reminder to every unit in the caller’s scope with a task past its deadline (township officer, district admin)',
    middleware: [requireRole('township_officer', 'district_admin'), idempotent()] as const,
    request: { params: idParam, ...jsonBody(z.object({ message: text('note', { max: 500 }).optional().openapi({ description: 'added to the reminder text' }) })) },
    responses: { 200: jsonOk(z.object({ units: z.number(), tasks: z.number(), recipients: z.number() })), ...authErrors, ...conflictError },
  }),
  async (c) => {
    const sql = c.var.sql;
    const user = c.var.user;
    const plan = await planInScope(sql, user, c.req.valid('param').id);
    if (plan.status !== 'issued') throw conflict(`the plan is ${plan.status}; only an issued plan's units are urged`, { state: plan.status });
    if (user.orgLevel === 'grassroots') throw forbidden('a unit cannot urge others');
    const { message } = c.req.valid('json');
    const late = await sql<{ orgId: string; orgName: string; indicators: string[] }[]>`
      select t.org_id as "orgId", o.name as "orgName", array_agg(t.indicator order by t.deadline, t.indicator) as indicators
      from tasks t join orgs o on o.id = t.org_id
      where t.plan_id = ${plan.id} and ${taskScope(sql, user)} and t.org_id <> ${user.orgId}
        and t.state in ('dispatched', 'claimed', 'returned') and t.deadline < now()
      group by t.org_id, o.name, o.code order by o.code`;
    // Keyed: a retry after a crash writes the same notices again, which are then kept once.
    const urgeId = effectUuid(c) ?? randomUUID();
    const base = (c.var.deps.env.PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/$/, '');
    const recipients = await transaction(sql, async (tx) => {
      let reached = 0;
      for (const unit of late) {
        reached += await writeNotices(
          tx,
          {
            eventKey: `urge:${urgeId}:${unit.orgId}`,
            kind: 'urge',
            taskId: null,
            orgId: unit.orgId,
            parties: ['unit'],
            title: `【催办】${plan.name}`,
            body: `${unit.orgName}：${unit.indicators.join('、')}共${unit.indicators.length}项任务已过截止时间仍未完成，请抓紧办理并上报。${message ? `（${message}）` : ''}`,
            link: `${base}/api/v1/tasks?planId=${plan.id}&unitId=${unit.orgId}`,
          },
          { email: Boolean(c.var.deps.env.SMTP_URL) },
        );
      }
      await appendAudit(tx, { actor: user, action: 'plan.urge', subjectType: 'plan', subjectId: plan.id, summary: { urgeId, units: late.length, recipients: reached }, eventKey: `urge:${urgeId}` });
      return reached;
    });
    return c.json({ units: late.length, tasks: late.reduce((n, u) => n + u.indicators.length, 0), recipients }, 200);
  },
);
