import { createRoute, z } from '@hono/zod-openapi';
import { positiveInt, text, wholeNumber } from '../../lib/input';
import { transaction, type Sql } from '../../db/client';
import { appendAudit } from '../../db/queries/audit';
import {
  deactivateUsersOf,
  findOrgInScope,
  insertOrgs,
  listOrgs,
  lockOrg,
  takenCodes,
  updateOrg,
  type Org,
} from '../../db/queries/orgs';
import { orgLights } from '../../db/queries/tasks';
import { sizeClassSchema, unitTypeSchema } from '../../indicators';
import { conflict, forbidden, invalid, notFound } from '../../lib/errors';
import type { CurrentUser } from '../context';
import { requireRole, requireUser } from '../middleware/auth';
import { planInScope } from '../../db/queries/plans';
import { newRouter } from '../router';
import { authErrors, conflictError, idParam, jsonBody, jsonOk, unprocessable, orgLightSchema } from '../schemas';


export const orgSchema = z
  .object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    level: z.enum(['district', 'township', 'grassroots']),
    parentId: z.string().nullable(),
    districtId: z.string(),
    townshipId: z.string().nullable(),
    unitType: z.string().nullable(),
    members: z.number().nullable(),
    femaleMembers: z.number().nullable(),
    sizeClass: z.string().nullable(),
    status: z.enum(['active', 'dissolved', 'merged']),
    mergedInto: z.string().nullable(),
    webhookUrl: z.string().nullable(),
    revision: z.number(),
  })
  .openapi('Org');

const present = (o: Org) => ({ ...o, createdAt: undefined, updatedAt: undefined });

/** District admins manage the whole district; township officers manage the grassroots units of their township. */
function assertManages(user: CurrentUser, org: Org) {
  if (user.role === 'district_admin') return;
  if (user.role === 'township_officer' && org.level === 'grassroots' && org.townshipId === user.orgId) return;
  throw forbidden('you may change only the units of your own township');
}

/** Find in scope, lock, check the revision and the caller's right to manage it; returns the locked row. */
async function lockForChange(tx: Sql, user: CurrentUser, id: string, revision: number): Promise<Org> {
  if (!(await findOrgInScope(tx, user, id))) throw notFound('org');
  const org = (await lockOrg(tx, id))!;
  assertManages(user, org);
  if (org.revision !== revision) throw conflict(`org ${org.code} changed since revision ${revision}; reload it`, { currentRevision: org.revision });
  return org;
}

function assertActive(org: Org) {
  if (org.status !== 'active') throw conflict(`org ${org.code} is ${org.status}`, { status: org.status });
}

const managers = requireRole('district_admin', 'township_officer');
const tagged = { security: [{ bearer: [] }], tags: ['orgs'] };
const revision = positiveInt().openapi({ description: 'the revision the caller read; a stale one is refused with 409' });
const count = wholeNumber(10_000_000);

/** The org tree: districts, townships/streets and grassroots units. */
export const orgs = newRouter();
orgs.use('/orgs', requireUser());
orgs.use('/orgs/*', requireUser());

orgs.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/orgs',
    summary: 'Orgs in the caller’s part of the tree, by code, with cursor paging',
    request: {
      query: z.object({
        level: z.enum(['district', 'township', 'grassroots']).optional(),
        townshipId: z.string().uuid().optional(),
        unitType: unitTypeSchema.optional(),
        sizeClass: sizeClassSchema.optional(),
        status: z.enum(['active', 'dissolved', 'merged', 'any']).optional(),
        q: text('query').optional().openapi({ description: 'part of the code or name' }),
        planId: z.string().uuid().optional().openapi({ description: 'add each org’s light in this plan: the worst of its tasks, with counts per colour' }),
        cursor: text('query').optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
    },
    responses: {
      200: jsonOk(z.object({ items: z.array(orgSchema.extend({ light: orgLightSchema.optional() })), nextCursor: z.string().nullable() })),
      ...authErrors,
    },
  }),
  async (c) => {
    const { cursor, limit, planId, ...filter } = c.req.valid('query');
    const rows = await listOrgs(c.var.sql, c.var.user, { ...filter, after: cursor, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const lights = planId ? await orgLights(c.var.sql, (await planInScope(c.var.sql, c.var.user, planId)).id, page) : null;
    return c.json(
      { items: page.map((o) => ({ ...present(o), ...(lights ? { light: lights.get(o.id)! } : {}) })), nextCursor: rows.length > limit ? page.at(-1)!.code : null },
      200,
    );
  },
);

orgs.openapi(
  createRoute({ ...tagged, method: 'get', path: '/orgs/{id}', summary: 'One org', request: { params: idParam }, responses: { 200: jsonOk(orgSchema), ...authErrors } }),
  async (c) => {
    const org = await findOrgInScope(c.var.sql, c.var.user, c.req.valid('param').id);
    if (!org) throw notFound('org');
    return c.json(present(org), 200);
  },
);

orgs.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/orgs',
    summary: 'Create a township (district admin) or a grassroots unit (district admin, or the township’s officer)',
    middleware: [managers] as const,
    request: jsonBody(
      z.object({
        code: z.string().regex(/^[A-Za-z0-9-]{2,40}$/, 'letters, digits and dashes, 2 to 40'),
        name: text('name'),
        level: z.enum(['township', 'grassroots']),
        parentId: z.string().uuid().optional().openapi({ description: 'the township of a grassroots unit' }),
        unitType: unitTypeSchema.optional(),
        members: count.optional(),
        femaleMembers: count.optional(),
      }),
    ),
    responses: { 201: jsonOk(orgSchema, 'created'), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const user = c.var.user;
    const created = await transaction(c.var.sql, async (tx) => {
      let parent: Org | undefined;
      if (body.level === 'township') {
        if (user.role !== 'district_admin') throw forbidden('only a district admin may create a township');
        for (const field of ['unitType', 'members', 'femaleMembers'] as const) {
          if (body[field] !== undefined) throw invalid(field, 'only grassroots units have a type and member counts; a township has none');
        }
        parent = await findOrgInScope(tx, user, user.districtId);
      } else {
        if (!body.parentId) throw invalid('parentId', 'a grassroots unit needs its township');
        if (!body.unitType) throw invalid('unitType', 'a grassroots unit needs a type');
        if (body.members === undefined) throw invalid('members', 'a grassroots unit needs its member count');
        // Checked before the lookup, so the answer is the same whether or not that township exists.
        if (user.role === 'township_officer' && body.parentId !== user.orgId) throw forbidden('you may add units only to your own township');
        parent = await findOrgInScope(tx, user, body.parentId);
        if (!parent || parent.level !== 'township') throw invalid('parentId', 'no such township in your part of the tree');
      }
      if ((body.femaleMembers ?? 0) > (body.members ?? 0)) throw invalid('femaleMembers', 'cannot exceed members');
      if ((await takenCodes(tx, [body.code])).size) throw conflict(`code ${body.code} is already used`, { field: 'code' });
      const [org] = await insertOrgs(tx, [
        {
          code: body.code,
          name: body.name,
          level: body.level,
          parentId: parent!.id,
          districtId: user.districtId,
          townshipId: body.level === 'grassroots' ? parent!.id : null,
          unitType: body.level === 'grassroots' ? body.unitType! : null,
          members: body.members ?? null,
          femaleMembers: body.femaleMembers ?? (body.level === 'grassroots' ? 0 : null),
        },
      ]);
      await appendAudit(tx, { actor: user, action: 'org.create', subjectType: 'org', subjectId: org!.id, toState: 'active', summary: { code: org!.code, level: org!.level } });
      return org!;
    });
    return c.json(present(created), 201);
  },
);

orgs.openapi(
  createRoute({
    ...tagged,
    method: 'patch',
    path: '/orgs/{id}',
    summary: 'Edit an org’s name, type, member counts or webhook',
    middleware: [managers] as const,
    request: {
      params: idParam,
      ...jsonBody(
        z.object({
          revision,
          name: text('name').optional(),
          unitType: unitTypeSchema.optional(),
          members: count.optional(),
          femaleMembers: count.optional(),
          webhookUrl: z.url({ protocol: /^https?$/ }).nullable().optional(),
        }),
      ),
    },
    responses: { 200: jsonOk(orgSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const { revision: rev, ...changes } = c.req.valid('json');
    const updated = await transaction(c.var.sql, async (tx) => {
      const org = await lockForChange(tx, c.var.user, id, rev);
      assertActive(org);
      if (org.level !== 'grassroots' && (changes.unitType !== undefined || changes.members !== undefined || changes.femaleMembers !== undefined)) {
        throw invalid('unitType', 'only grassroots units have a type and member counts');
      }
      const members = changes.members ?? org.members ?? 0;
      const female = changes.femaleMembers ?? org.femaleMembers ?? 0;
      if (org.level === 'grassroots' && female > members) throw invalid('femaleMembers', `cannot exceed members (${members})`);
      const columns = Object.fromEntries(
        Object.entries({ name: changes.name, unit_type: changes.unitType, members: changes.members, female_members: changes.femaleMembers, webhook_url: changes.webhookUrl }).filter(([, v]) => v !== undefined),
      );
      if (Object.keys(columns).length === 0) throw invalid('body', 'nothing to change');
      const row = await updateOrg(tx, id, columns);
      await appendAudit(tx, { actor: c.var.user, action: 'org.edit', subjectType: 'org', subjectId: id, summary: { fields: Object.keys(columns) } });
      return row;
    });
    return c.json(present(updated), 200);
  },
);

orgs.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/orgs/{id}/move',
    summary: 'Move a grassroots unit to another township (district admin)',
    middleware: [requireRole('district_admin')] as const,
    request: { params: idParam, ...jsonBody(z.object({ revision, townshipId: z.string().uuid() })) },
    responses: { 200: jsonOk(orgSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const { revision: rev, townshipId } = c.req.valid('json');
    const moved = await transaction(c.var.sql, async (tx) => {
      const org = await lockForChange(tx, c.var.user, id, rev);
      assertActive(org);
      if (org.level !== 'grassroots') throw invalid('id', 'only grassroots units move between townships');
      const target = await findOrgInScope(tx, c.var.user, townshipId);
      if (!target || target.level !== 'township' || target.status !== 'active') throw invalid('townshipId', 'no such active township in your district');
      const row = await updateOrg(tx, id, { parent_id: target.id, township_id: target.id });
      await appendAudit(tx, { actor: c.var.user, action: 'org.move', subjectType: 'org', subjectId: id, summary: { from: org.townshipId, to: target.id } });
      return row;
    });
    return c.json(present(moved), 200);
  },
);

orgs.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/orgs/{id}/merge',
    summary: 'Merge a grassroots unit into another; its accounts are closed',
    middleware: [managers] as const,
    request: { params: idParam, ...jsonBody(z.object({ revision, intoId: z.string().uuid() })) },
    responses: { 200: jsonOk(orgSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const { revision: rev, intoId } = c.req.valid('json');
    if (intoId === id) throw invalid('intoId', 'a unit cannot merge into itself');
    const merged = await transaction(c.var.sql, async (tx) => {
      const org = await lockForChange(tx, c.var.user, id, rev);
      assertActive(org);
      const into = await findOrgInScope(tx, c.var.user, intoId);
      if (!into || into.level !== 'grassroots' || into.status !== 'active') throw invalid('intoId', 'no such active grassroots unit in your part of the tree');
      if (org.level !== 'grassroots') throw invalid('id', 'only grassroots units merge');
      const row = await updateOrg(tx, id, { status: 'merged', merged_into: into.id });
      const closed = await deactivateUsersOf(tx, id);
      await appendAudit(tx, { actor: c.var.user, action: 'org.merge', subjectType: 'org', subjectId: id, fromState: 'active', toState: 'merged', summary: { into: into.code, closedAccounts: closed } });
      return row;
    });
    return c.json(present(merged), 200);
  },
);

orgs.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/orgs/{id}/dissolve',
    summary: 'Dissolve a grassroots unit; its accounts are closed',
    middleware: [managers] as const,
    request: { params: idParam, ...jsonBody(z.object({ revision, reason: text('reason', { min: 2, max: 500 }) })) },
    responses: { 200: jsonOk(orgSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const { revision: rev, reason } = c.req.valid('json');
    const dissolved = await transaction(c.var.sql, async (tx) => {
      const org = await lockForChange(tx, c.var.user, id, rev);
      assertActive(org);
      if (org.level !== 'grassroots') throw invalid('id', 'only grassroots units are dissolved here');
      const row = await updateOrg(tx, id, { status: 'dissolved' });
      const closed = await deactivateUsersOf(tx, id);
      await appendAudit(tx, { actor: c.var.user, action: 'org.dissolve', subjectType: 'org', subjectId: id, fromState: 'active', toState: 'dissolved', summary: { reason, closedAccounts: closed } });
      return row;
    });
    return c.json(present(dissolved), 200);
  },
);
