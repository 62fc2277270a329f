// 需求上报、分析研判: a grassroots unit (or a township for its own duties) raises a need or problem; its township
// replies, asks for more, tags, merges duplicates, resolves it locally or forwards it; the district sees the
// forwarded needs grouped so a pattern shows at a glance. Policy adjustments close them (api/adjustments.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { transaction, type Sql } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import { districtInitial, nextDocumentNumber } from '../db/queries/documents';
import { addNeedMessage, findNeed, listNeeds, mergedNeeds, needGroups, needNotice, needThread, resolveNeeds, type NeedRow, type NeedState } from '../db/queries/needs';
import { checkEvidence } from '../db/queries/uploads';
import { categoryCodeSchema, defaultCatalogue } from '../indicators';
import { conflict, forbidden, invalid, notFound } from '../lib/errors';
import { text } from '../lib/input';
import type { CurrentUser } from './context';
import { linkBase } from './deadlines';
import { AlreadyWritten, effectUuid, idempotent } from './middleware/idempotency';
import { requireRole, requireUser } from './middleware/auth';
import { newRouter } from './router';
import { authErrors, conflictError, idParam, jsonBody, jsonOk, unprocessable } from './schemas';
import { sliceFor } from './standing-scope';

const tagged = { security: [{ bearer: [] }], tags: ['needs'] };
const kinds = ['difficulty', 'support', 'exemption', 'extension', 'suggestion', 'other'] as const;
const states = ['open', 'needs_info', 'forwarded', 'resolved', 'merged'] as const;
const indicatorCode = text('short').pipe(z.string().regex(/^[A-Z]{2}-\d{2}$/, 'an indicator code such as HX-01'));
const attachments = z.array(z.string().uuid()).max(20).optional().openapi({ description: 'ids from POST /api/v1/uploads, of the caller’s own org' });

const needSchema = z
  .object({
    id: z.string(),
    number: z.string().openapi({ example: '富工需〔2026〕3号' }),
    townshipId: z.string(),
    townshipName: z.string(),
    orgId: z.string(),
    orgName: z.string(),
    raisedBy: z.string(),
    kind: z.enum(kinds),
    planId: z.string().nullable(),
    indicators: z.array(z.string()),
    category: z.string().nullable(),
    title: z.string(),
    body: z.string(),
    attachments: z.array(z.string()),
    urgency: z.enum(['normal', 'urgent', 'critical']),
    state: z.enum(states),
    mergedInto: z.string().nullable(),
    tags: z.object({ indicators: z.array(z.string()), categories: z.array(z.string()), causes: z.array(z.string()) }),
    townshipComment: z.string().nullable(),
    forwardedAt: z.string().nullable(),
    resolution: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    adjustmentId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Need');
const detailSchema = needSchema
  .extend({
    thread: z.array(z.object({ id: z.string(), at: z.string(), author: z.string(), authorOrg: z.string().nullable(), kind: z.enum(['message', 'ask', 'system']), body: z.string(), attachments: z.array(z.string()) })),
    merged: z.array(z.object({ id: z.string(), number: z.string(), orgName: z.string(), title: z.string() })).openapi({ description: 'needs merged into this one; their raisers follow this one' }),
  })
  .openapi('NeedDetail');

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const present = (n: NeedRow) => ({
  id: n.id,
  number: n.number,
  townshipId: n.townshipId,
  townshipName: n.townshipName,
  orgId: n.orgId,
  orgName: n.orgName,
  raisedBy: n.raisedByLogin,
  kind: n.kind as (typeof kinds)[number],
  planId: n.planId,
  indicators: n.indicators,
  category: n.category,
  title: n.title,
  body: n.body,
  attachments: n.attachments,
  urgency: n.urgency as 'normal' | 'urgent' | 'critical',
  state: n.state,
  mergedInto: n.mergedInto,
  tags: { indicators: n.tagIndicators, categories: n.tagCategories, causes: n.tagCauses },
  townshipComment: n.townshipComment,
  forwardedAt: iso(n.forwardedAt),
  resolution: n.resolution,
  resolvedAt: iso(n.resolvedAt),
  adjustmentId: n.adjustmentId,
  createdAt: iso(n.createdAt)!,
  updatedAt: iso(n.updatedAt)!,
});

async function detail(sql: Sql, n: NeedRow) {
  const [thread, merged] = await Promise.all([needThread(sql, n.id), mergedNeeds(sql, n.id)]);
  return { ...present(n), thread: thread.map((m) => ({ ...m, at: iso(m.at)!, kind: m.kind as 'message' | 'ask' | 'system' })), merged };
}

/** The need as it now stands, for the answer to a verb the caller just made. */
const reread = async (sql: Sql, user: CurrentUser, id: string) => detail(sql, (await findNeed(sql, sliceFor(user), id))!);

/** The need, locked, if the caller may see it; 404 otherwise (the same as a need that does not exist). */
async function needFor(tx: Sql, user: CurrentUser, id: string) {
  const need = await findNeed(tx, sliceFor(user), id, { lock: true });
  if (!need) throw notFound('need');
  return need;
}

/** Whether the caller triages this need: its township's officer (not for the township's own needs), or the district admin. */
function mayTriage(user: CurrentUser, need: NeedRow) {
  if (user.role === 'district_admin') return true;
  return user.role === 'township_officer' && need.townshipId === user.orgId && need.orgId !== user.orgId;
}

const live: NeedState[] = ['open', 'needs_info', 'forwarded'];
/** Needs and problems, and their triage. */
export const needs = newRouter();
needs.use('/needs', requireUser());
needs.use('/needs/*', requireUser());

needs.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/needs',
    summary: '需求上报: raise a need or problem (a grassroots chair for their unit; a township officer for the township’s own duties)',
    middleware: [requireRole('grassroots_chair', 'township_officer'), idempotent()] as const,
    request: {
      ...jsonBody(
        z.object({
          kind: z.enum(kinds).openapi({ description: 'difficulty meeting a target, request for support, for an exemption or an extension, a suggestion, other' }),
          planId: z.string().uuid().optional(),
          indicators: z.array(indicatorCode).max(23).optional(),
          category: categoryCodeSchema.optional(),
          title: text('title'),
          body: text('long', { min: 1 }),
          attachments,
          urgency: z.enum(['normal', 'urgent', 'critical']).default('normal'),
        }),
      ),
    },
    responses: { 201: jsonOk(detailSchema, 'raised'), ...authErrors, ...unprocessable },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const user = c.var.user;
    const sql = c.var.sql;
    if (body.planId) {
      const [plan] = await sql<{ indicators: string[] }[]>`select indicators from plans where id = ${body.planId} and district_id = ${user.districtId}`;
      if (!plan) throw invalid('planId', 'no such plan in your district');
      body.indicators?.forEach((code, n) => {
        if (!plan.indicators.includes(code)) throw invalid(`indicators[${n}]`, `${code} is not in this plan`);
      });
    } else {
      body.indicators?.forEach((code, n) => {
        if (!defaultCatalogue.indicators.some((i) => i.code === code)) throw invalid(`indicators[${n}]`, `${code} is not an indicator`);
      });
    }
    await checkEvidence(sql, body.attachments, user.orgId, 'attachments');
    // With an Idempotency-Key the need's id comes from it: a retry after a crash finds the need instead of raising it twice.
    const keyed = effectUuid(c);
    const id = await transaction(sql, async (tx) => {
      const [org] = await tx<{ townshipId: string; districtName: string }[]>`
        select o.township_id as "townshipId", d.name as "districtName" from orgs o join orgs d on d.id = o.district_id where o.id = ${user.orgId}`;
      const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
      const number = `${districtInitial(org!.districtName)}工需〔${year}〕${await nextDocumentNumber(tx, user.districtId, 'need', year)}号`;
      // A township's need about its own duties has nobody to sift it but the district: it goes there at once.
      const ownDuty = user.orgLevel === 'township';
      const [row] = await tx<{ id: string }[]>`
        insert into needs (id, number, district_id, township_id, org_id, raised_by, kind, plan_id, indicators, category, title, body, attachments, urgency, state, forwarded_at)
        values (${keyed ?? tx`gen_random_uuid()`}, ${number}, ${user.districtId}, ${org!.townshipId}, ${user.orgId}, ${user.id}, ${body.kind}, ${body.planId ?? null},
          ${body.indicators ?? []}, ${body.category ?? null}, ${body.title}, ${body.body}, ${body.attachments ?? []}::uuid[], ${body.urgency},
          ${ownDuty ? 'forwarded' : 'open'}, ${ownDuty ? new Date() : null})
        on conflict (id) do nothing
        returning id`;
      if (!row) throw new AlreadyWritten(keyed!);
      await appendAudit(tx, { actor: user, action: 'need.raise', subjectType: 'need', subjectId: row!.id, toState: ownDuty ? 'forwarded' : 'open', summary: { number, kind: body.kind, indicators: body.indicators ?? [] } });
      return row.id;
    }).catch((err) => {
      if (err instanceof AlreadyWritten) return err.id;
      throw err;
    });
    return c.json(await reread(c.var.sql, user, id), 201);
  },
);

needs.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/needs',
    summary: 'Needs in the caller’s part of the tree: a chair their own, a township its units’, the district all (state=forwarded is its queue)',
    request: {
      query: z.object({
        state: z.enum(states).optional(),
        kind: z.enum(kinds).optional(),
        indicator: indicatorCode.optional(),
        townshipId: z.string().uuid().optional(),
        category: categoryCodeSchema.optional(),
        unitType: z.enum(['enterprise', 'joint_regional', 'joint_trade', 'institution', 'new_employment', 'township']).optional().openapi({ description: 'the raising unit’s type; township for a township’s own needs' }),
        sizeClass: z.enum(['micro', 'small', 'medium', 'large']).optional(),
        order: z.enum(['oldest', 'newest']).default('newest'),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
    },
    responses: { 200: jsonOk(z.object({ items: z.array(needSchema), total: z.number().openapi({ description: 'needs matching the filter, across all pages' }) })), ...authErrors },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const rows = await listNeeds(c.var.sql, sliceFor(c.var.user), q);
    // A page past the end has no row to carry the total: count again only then.
    const total = rows[0]?.total ?? (q.offset > 0 ? ((await listNeeds(c.var.sql, sliceFor(c.var.user), { ...q, limit: 1, offset: 0 }))[0]?.total ?? 0) : 0);
    return c.json({ items: rows.map(present), total }, 200);
  },
);

needs.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/needs/analysis',
    summary: '分析研判 at the district: needs grouped by indicator, category, unit type, size class or township, with counts and a 12-week trend',
    middleware: [requireRole('district_admin', 'department_staff')] as const,
    request: {
      query: z.object({
        by: z.enum(['indicator', 'category', 'unitType', 'sizeClass', 'township']).default('indicator'),
        state: z.enum(['forwarded', 'all']).default('forwarded').openapi({ description: 'forwarded (the district’s queue) or every need not merged' }),
      }),
    },
    responses: {
      200: jsonOk(z.object({ by: z.string(), groups: z.array(z.object({ key: z.string(), count: z.number(), urgent: z.number(), weeks: z.array(z.number()).openapi({ description: 'needs raised in each of the last 12 weeks, oldest first' }) })) })),
      ...authErrors,
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const wanted: NeedState[] = q.state === 'forwarded' ? ['forwarded'] : ['open', 'needs_info', 'forwarded', 'resolved'];
    return c.json({ by: q.by, groups: await needGroups(c.var.sql, c.var.user.districtId, q.by, wanted) }, 200);
  },
);

needs.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/needs/{id}',
    summary: 'One need with its thread and the needs merged into it',
    request: { params: idParam },
    responses: { 200: jsonOk(detailSchema), ...authErrors },
  }),
  async (c) => {
    const need = await findNeed(c.var.sql, sliceFor(c.var.user), c.req.valid('param').id);
    if (!need) throw notFound('need');
    return c.json(await detail(c.var.sql, need), 200);
  },
);

needs.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/needs/{id}/messages',
    summary: 'Reply in the thread; `ask: true` (township or district) asks the raiser for more, and their next reply puts it back in the queue',
    request: { params: idParam, ...jsonBody(z.object({ body: text('long', { min: 1 }), attachments, ask: z.boolean().default(false) })) },
    responses: { 200: jsonOk(detailSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const user = c.var.user;
    const sql = c.var.sql;
    await checkEvidence(sql, body.attachments, user.orgId, 'attachments');
    const base = linkBase(c);
    const need = await transaction(sql, async (tx) => {
      const need = await needFor(tx, user, c.req.valid('param').id);
      if (!live.includes(need.state)) throw conflict(`the need is ${need.state}`, { state: need.state });
      const raiser = need.orgId === user.orgId;
      if (body.ask && !mayTriage(user, need)) throw forbidden('only the township sifting this need, or the district, asks for more');
      // Department staff join the thread once the need reaches the district.
      const department = user.role === 'department_staff' && need.state === 'forwarded';
      if (!raiser && !mayTriage(user, need) && !department) throw forbidden('you may not reply to this need');
      await addNeedMessage(tx, { needId: need.id, author: { id: user.id, login: user.login, orgId: user.orgId }, kind: body.ask ? 'ask' : 'message', body: body.body, attachments: body.attachments });
      let state: NeedState = need.state;
      if (body.ask) state = 'needs_info';
      else if (raiser && need.state === 'needs_info') state = need.forwardedAt ? 'forwarded' : 'open';
      await tx`update needs set state = ${state}, updated_at = now(), version = version + 1 where id = ${need.id}`;
      await appendAudit(tx, { actor: user, action: body.ask ? 'need.ask' : 'need.message', subjectType: 'need', subjectId: need.id, fromState: need.state, toState: state, summary: {} });
      if (!raiser) await needNotice(tx, need, base, `【需求回复】${need.number}`, `${need.title}：${body.ask ? '请补充情况：' : ''}${body.body.slice(0, 200)}`);
      return need;
    });
    return c.json(await reread(c.var.sql, user, need.id), 200);
  },
);

needs.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/needs/{id}/tag',
    summary: 'Tag a need with the indicators, categories and causes it concerns (its township, or the district)',
    request: {
      params: idParam,
      ...jsonBody(
        z.object({
          indicators: z.array(indicatorCode).max(23).default([]),
          categories: z.array(categoryCodeSchema).max(5).default([]),
          causes: z.array(text('name', { max: 40 })).max(10).default([]).openapi({ description: 'short cause labels, e.g. 单位规模小, 人员不足' }),
        }),
      ),
    },
    responses: { 200: jsonOk(detailSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const user = c.var.user;
    body.indicators.forEach((code, n) => {
      if (!defaultCatalogue.indicators.some((i) => i.code === code)) throw invalid(`indicators[${n}]`, `${code} is not an indicator`);
    });
    const need = await transaction(c.var.sql, async (tx) => {
      const need = await needFor(tx, user, c.req.valid('param').id);
      if (!mayTriage(user, need)) throw forbidden('only the township sifting this need, or the district, tags it');
      if (need.state === 'merged') throw conflict('the need was merged; tag the one it was merged into', { state: need.state });
      const uniq = <T>(xs: T[]) => [...new Set(xs)];
      await tx`update needs set tag_indicators = ${uniq(body.indicators)}, tag_categories = ${uniq(body.categories)}, tag_causes = ${uniq(body.causes)},
        updated_at = now(), version = version + 1 where id = ${need.id}`;
      await appendAudit(tx, { actor: user, action: 'need.tag', subjectType: 'need', subjectId: need.id, summary: body });
      return need;
    });
    return c.json(await reread(c.var.sql, user, need.id), 200);
  },
);

needs.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/needs/{id}/merge',
    summary: 'Merge this need into another of the same township (a duplicate); its raiser then follows the other one',
    middleware: [requireRole('township_officer', 'district_admin')] as const,
    request: { params: idParam, ...jsonBody(z.object({ into: z.string().uuid() })) },
    responses: { 200: jsonOk(detailSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const { into } = c.req.valid('json');
    const user = c.var.user;
    const target = await transaction(c.var.sql, async (tx) => {
      const need = await needFor(tx, user, c.req.valid('param').id);
      if (into === need.id) throw invalid('into', 'a need cannot be merged into itself');
      const target = await findNeed(tx, sliceFor(user), into, { lock: true });
      if (!target) throw invalid('into', 'no such need in your part of the tree');
      if (!mayTriage(user, need) || !mayTriage(user, target)) throw forbidden('only the township sifting both needs, or the district, merges them');
      if (!live.includes(need.state)) throw conflict(`the need is ${need.state}`, { state: need.state });
      if (!live.includes(target.state)) throw invalid('into', `that need is ${target.state}`);
      if (need.townshipId !== target.townshipId && user.role !== 'district_admin') throw invalid('into', 'a need of another township');
      await tx`update needs set state = 'merged', merged_into = ${target.id}, updated_at = now(), version = version + 1 where id = ${need.id}`;
      // Needs merged into this one follow it to the new one.
      await tx`update needs set merged_into = ${target.id}, updated_at = now(), version = version + 1 where merged_into = ${need.id}`;
      await tx`update needs set indicators = (select array(select distinct x from unnest(indicators || ${need.indicators}::text[]) x)), updated_at = now(), version = version + 1 where id = ${target.id}`;
      await addNeedMessage(tx, { needId: target.id, author: null, kind: 'system', body: `${need.number}（${need.orgName}）合并至本需求。` });
      await addNeedMessage(tx, { needId: need.id, author: null, kind: 'system', body: `本需求已合并至${target.number}，请在该需求中跟进。` });
      await appendAudit(tx, { actor: user, action: 'need.merge', subjectType: 'need', subjectId: need.id, fromState: need.state, toState: 'merged', summary: { into: target.id, number: target.number } });
      return target;
    });
    return c.json(await reread(c.var.sql, user, target.id), 200);
  },
);

needs.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/needs/{id}/forward',
    summary: 'Forward a need to the district with the township’s comment',
    middleware: [requireRole('township_officer')] as const,
    request: { params: idParam, ...jsonBody(z.object({ comment: text('long', { min: 1 }) })) },
    responses: { 200: jsonOk(detailSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const { comment } = c.req.valid('json');
    const user = c.var.user;
    const base = linkBase(c);
    const need = await transaction(c.var.sql, async (tx) => {
      const need = await needFor(tx, user, c.req.valid('param').id);
      if (!mayTriage(user, need)) throw forbidden('only the township sifting this need forwards it');
      if (need.state !== 'open' && need.state !== 'needs_info') throw conflict(`cannot forward a need that is ${need.state}`, { state: need.state });
      await tx`update needs set state = 'forwarded', township_comment = ${comment}, forwarded_at = now(), updated_at = now(), version = version + 1 where id = ${need.id}`;
      await addNeedMessage(tx, { needId: need.id, author: { id: user.id, login: user.login, orgId: user.orgId }, kind: 'message', body: `已转报区总工会：${comment}` });
      await appendAudit(tx, { actor: user, action: 'need.forward', subjectType: 'need', subjectId: need.id, fromState: need.state, toState: 'forwarded', summary: { comment } });
      await needNotice(tx, need, base, `【需求转报】${need.number}`, `${need.townshipName}转报：${need.title}。${comment.slice(0, 200)}`, ['admins']);
      return need;
    });
    return c.json(await reread(c.var.sql, user, need.id), 200);
  },
);

needs.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/needs/{id}/resolve',
    summary: 'Resolve a need with an answer: the township locally, or the district; needs merged into it are resolved with it and every raiser is told',
    middleware: [requireRole('township_officer', 'district_admin')] as const,
    request: { params: idParam, ...jsonBody(z.object({ resolution: text('long', { min: 1 }) })) },
    responses: { 200: jsonOk(detailSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const { resolution } = c.req.valid('json');
    const user = c.var.user;
    const base = linkBase(c);
    const need = await transaction(c.var.sql, async (tx) => {
      const need = await needFor(tx, user, c.req.valid('param').id);
      if (!mayTriage(user, need)) throw forbidden('only the township sifting this need, or the district, resolves it');
      if (user.role === 'township_officer' && need.state === 'forwarded') throw conflict('the need is with the district now', { state: need.state });
      if (!live.includes(need.state)) throw conflict(`the need is ${need.state}`, { state: need.state });
      await resolveNeeds(tx, [need], resolution, null, { id: user.id, login: user.login, orgId: user.orgId }, base);
      return need;
    });
    return c.json(await reread(c.var.sql, user, need.id), 200);
  },
);
