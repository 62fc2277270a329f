import { createRoute, z } from '@hono/zod-openapi';
import { text } from '../lib/input';
import { transaction } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import { findOrgInScope } from '../db/queries/orgs';
import { conflict, invalid, notFound } from '../lib/errors';
import { hashPassword } from '../lib/password';
import { requireRole, requireUser } from './middleware/auth';
import { newRouter } from './router';
import { orgScopeCondition } from '../db/scope';
import { authErrors, conflictError, idParam, jsonBody, jsonOk, unprocessable } from './schemas';

const roles = ['district_admin', 'department_staff', 'township_officer', 'grassroots_chair'] as const;
/** Which level of org each role belongs to. */
const levelOfRole = { district_admin: 'district', department_staff: 'district', township_officer: 'township', grassroots_chair: 'grassroots' } as const;

const accountSchema = z
  .object({
    id: z.string(),
    login: z.string(),
    displayName: z.string(),
    role: z.enum(roles),
    orgId: z.string(),
    orgName: z.string(),
    department: z.string().nullable(),
    email: z.string().nullable(),
    active: z.boolean(),
  })
  .openapi('Account');

const password = text('secret', { min: 10 });
const tagged = { security: [{ bearer: [] }], tags: ['users'] };

/** User accounts: district admins manage them; township officers may list those in their township. */
export const users = newRouter();
users.use('/users', requireUser());
users.use('/users/*', requireUser());

users.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/users',
    summary: 'Accounts in the caller’s part of the tree',
    middleware: [requireRole('district_admin', 'township_officer')] as const,
    request: {
      query: z.object({
        orgId: z.string().uuid().optional(),
        role: z.enum(roles).optional(),
        cursor: text('short').optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
    },
    responses: { 200: jsonOk(z.object({ items: z.array(accountSchema), nextCursor: z.string().nullable() })), ...authErrors },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const sql = c.var.sql;
    const rows = await sql<z.infer<typeof accountSchema>[]>`
      select u.id, u.login, u.display_name as "displayName", u.role, u.org_id as "orgId", o.name as "orgName",
        u.department, u.email, u.active
      from users u join orgs o on o.id = u.org_id
      where ${orgScopeCondition(sql, c.var.user)}
        ${q.orgId ? sql`and u.org_id = ${q.orgId}` : sql``}
        ${q.role ? sql`and u.role = ${q.role}` : sql``}
        ${q.cursor ? sql`and u.login > ${q.cursor}` : sql``}
      order by u.login limit ${q.limit + 1}`;
    const page = rows.slice(0, q.limit);
    return c.json({ items: page, nextCursor: rows.length > q.limit ? page.at(-1)!.login : null }, 200);
  },
);

users.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/users',
    summary: 'Create an account (district admin)',
    middleware: [requireRole('district_admin')] as const,
    request: jsonBody(
      z.object({
        login: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'lower-case letters, digits, dot, dash or underscore; 2 to 64'),
        displayName: text('name'),
        role: z.enum(roles),
        orgId: z.string().uuid(),
        department: text('short', { min: 1, max: 50 }).optional(),
        email: z.email().optional(),
        password,
      }),
    ),
    responses: { 201: jsonOk(accountSchema, 'created'), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const org = await findOrgInScope(c.var.sql, c.var.user, body.orgId);
    if (!org || org.status !== 'active') throw invalid('orgId', 'no such active org in your district');
    if (org.level !== levelOfRole[body.role]) throw invalid('role', `a ${body.role} belongs to a ${levelOfRole[body.role]} org, not a ${org.level} one`);
    if ((body.role === 'department_staff') !== (body.department !== undefined)) throw invalid('department', 'department staff name their department; other roles have none');
    const hash = await hashPassword(body.password);
    const created = await transaction(c.var.sql, async (tx) => {
      const [row] = await tx<{ id: string }[]>`
        insert into users (login, display_name, role, org_id, department, email, password_hash)
        values (${body.login}, ${body.displayName}, ${body.role}, ${org.id}, ${body.department ?? null}, ${body.email ?? null}, ${hash})
        on conflict (login) do nothing returning id`;
      if (!row) throw conflict(`login ${body.login} is already used`, { field: 'login' });
      await appendAudit(tx, { actor: c.var.user, action: 'user.create', subjectType: 'user', subjectId: row.id, summary: { login: body.login, role: body.role, org: org.code } });
      return row;
    });
    return c.json({ id: created.id, login: body.login, displayName: body.displayName, role: body.role, orgId: org.id, orgName: org.name, department: body.department ?? null, email: body.email ?? null, active: true }, 201);
  },
);

users.openapi(
  createRoute({
    ...tagged,
    method: 'patch',
    path: '/users/{id}',
    summary: 'Rename, deactivate, reactivate or reset the password of an account (district admin)',
    middleware: [requireRole('district_admin')] as const,
    request: {
      params: idParam,
      ...jsonBody(
        z.object({
          displayName: text('name').optional(),
          email: z.email().nullable().optional(),
          active: z.boolean().optional(),
          password: password.optional(),
        }),
      ),
    },
    responses: { 200: jsonOk(accountSchema), ...authErrors, ...unprocessable },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const sql = c.var.sql;
    if (id === c.var.user.id && body.active === false) throw invalid('active', 'you cannot deactivate your own account');
    const changes = Object.fromEntries(
      Object.entries({
        display_name: body.displayName,
        email: body.email,
        active: body.active,
        password_hash: body.password ? await hashPassword(body.password) : undefined,
      }).filter(([, v]) => v !== undefined),
    );
    if (Object.keys(changes).length === 0) throw invalid('body', 'nothing to change');
    const updated = await transaction(sql, async (tx) => {
      const [row] = await tx<z.infer<typeof accountSchema>[]>`
        update users u set ${tx(changes)} from orgs o
        where u.id = ${id} and o.id = u.org_id and ${orgScopeCondition(tx, c.var.user)}
        returning u.id, u.login, u.display_name as "displayName", u.role, u.org_id as "orgId", o.name as "orgName", u.department, u.email, u.active`;
      if (!row) throw notFound('user');
      await appendAudit(tx, { actor: c.var.user, action: 'user.edit', subjectType: 'user', subjectId: id, summary: { fields: Object.keys(changes).map((k) => (k === 'password_hash' ? 'password' : k)) } });
      return row;
    });
    return c.json(updated, 200);
  },
);
