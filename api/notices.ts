import { createRoute, z } from '@hono/zod-openapi';
import { notFound } from '../lib/errors';
import { requireRole, requireUser } from './middleware/auth';
import { newRouter } from './router';
import { authErrors, idParam, jsonOk } from './schemas';

const noticeSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['remind', 'warn', 'supervise', 'summons', 'urge', 'calendar', 'need']),
    taskId: z.string().nullable(),
    title: z.string(),
    body: z.string(),
    link: z.string().nullable(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('Notice');

const deliverySchema = z
  .object({
    id: z.string().openapi({ description: 'the stable notice id receivers see (X-Jianjia-Notice-Id)' }),
    orgId: z.string(),
    orgName: z.string(),
    channel: z.enum(['webhook', 'email']),
    target: z.string(),
    subject: z.string(),
    status: z.enum(['pending', 'delivered', 'dead']),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('NoticeDelivery');

const tagged = { security: [{ bearer: [] }], tags: ['notices'] };
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The caller's own notices, and (district admin) the state of outside delivery. */
export const notices = newRouter();
for (const path of ['/notices', '/notices/*', '/notice-deliveries', '/notice-deliveries/*']) notices.use(path, requireUser());

notices.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/notices',
    summary: 'The caller’s notices, newest first',
    request: {
      query: z.object({
        unread: z.enum(['true', 'false']).optional().openapi({ description: 'true: only notices not yet read' }),
        kind: z.enum(['remind', 'warn', 'supervise', 'summons', 'urge']).optional(),
        before: z.string().uuid().optional().openapi({ description: 'the last id of the previous page' }),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: { 200: jsonOk(z.object({ items: z.array(noticeSchema), unread: z.number() })), ...authErrors },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const sql = c.var.sql;
    const me = c.var.user.id;
    const [rows, [count]] = await Promise.all([
      sql<{ id: string; kind: 'remind'; taskId: string | null; title: string; body: string; link: string | null; createdAt: Date; readAt: Date | null }[]>`
        select n.id, n.kind, n.task_id as "taskId", n.title, n.body, n.link, n.created_at as "createdAt", n.read_at as "readAt"
        from notices n
        where n.user_id = ${me}
          ${q.unread === 'true' ? sql`and n.read_at is null` : sql``}
          ${q.unread === 'false' ? sql`and n.read_at is not null` : sql``}
          ${q.kind ? sql`and n.kind = ${q.kind}` : sql``}
          ${q.before ? sql`and (n.created_at, n.id) < (select created_at, id from notices where id = ${q.before} and user_id = ${me})` : sql``}
        order by n.created_at desc, n.id desc limit ${q.limit}`,
      sql<{ n: number }[]>`select count(*)::int as n from notices where user_id = ${me} and read_at is null`,
    ]);
    return c.json({ items: rows.map((r) => ({ ...r, createdAt: iso(r.createdAt)!, readAt: iso(r.readAt) })), unread: count!.n }, 200);
  },
);

notices.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/notices/{id}/read',
    summary: 'Mark one of the caller’s notices read (again is harmless)',
    request: { params: idParam },
    responses: { 200: jsonOk(z.object({ id: z.string(), readAt: z.string() })), ...authErrors },
  }),
  async (c) => {
    const [row] = await c.var.sql<{ id: string; readAt: Date }[]>`
      update notices set read_at = coalesce(read_at, now()) where id = ${c.req.valid('param').id} and user_id = ${c.var.user.id}
      returning id, read_at as "readAt"`;
    if (!row) throw notFound('notice');
    return c.json({ id: row.id, readAt: iso(row.readAt)! }, 200);
  },
);

notices.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/notices/read-all',
    summary: 'Mark all of the caller’s notices read',
    responses: { 200: jsonOk(z.object({ marked: z.number() })), ...authErrors },
  }),
  async (c) => {
    const rows = await c.var.sql`update notices set read_at = now() where user_id = ${c.var.user.id} and read_at is null returning id`;
    return c.json({ marked: rows.length }, 200);
  },
);

const districtAdmin = requireRole('district_admin');

notices.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/notice-deliveries',
    summary: 'Webhook and e-mail deliveries of the district, newest first; `status=dead` lists those that gave up (district admin)',
    middleware: [districtAdmin] as const,
    request: {
      query: z.object({
        status: z.enum(['pending', 'delivered', 'dead']).optional(),
        channel: z.enum(['webhook', 'email']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
    },
    responses: { 200: jsonOk(z.object({ items: z.array(deliverySchema) })), ...authErrors },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const sql = c.var.sql;
    const rows = await sql<{ id: string; orgId: string; orgName: string; channel: 'webhook'; target: string; subject: string; status: 'pending'; attempts: number; nextAttemptAt: Date; lastError: string | null; deliveredAt: Date | null; createdAt: Date }[]>`
      select d.id, d.org_id as "orgId", o.name as "orgName", d.channel, d.target, d.subject, d.status, d.attempts,
        d.next_attempt_at as "nextAttemptAt", d.last_error as "lastError", d.delivered_at as "deliveredAt", d.created_at as "createdAt"
      from notice_deliveries d join orgs o on o.id = d.org_id
      where d.district_id = ${c.var.user.districtId}
        ${q.status ? sql`and d.status = ${q.status}` : sql``}
        ${q.channel ? sql`and d.channel = ${q.channel}` : sql``}
      order by d.created_at desc, d.id limit ${q.limit}`;
    return c.json(
      {
        items: rows.map((r) => ({
          ...r,
          nextAttemptAt: r.status === 'pending' ? iso(r.nextAttemptAt) : null,
          deliveredAt: iso(r.deliveredAt),
          createdAt: iso(r.createdAt)!,
        })),
      },
      200,
    );
  },
);

notices.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/notice-deliveries/{id}/retry',
    summary: 'Send a dead delivery again from the first attempt, e.g. after the receiving robot was repaired (district admin)',
    middleware: [districtAdmin] as const,
    request: { params: idParam },
    responses: { 200: jsonOk(z.object({ id: z.string(), status: z.literal('pending') })), ...authErrors },
  }),
  async (c) => {
    const [row] = await c.var.sql<{ id: string }[]>`
      update notice_deliveries d set status = 'pending', attempts = 0, next_attempt_at = now(), throttled_since = null
      where d.id = ${c.req.valid('param').id} and d.district_id = ${c.var.user.districtId} and d.status = 'dead'
      returning d.id`;
    if (!row) throw notFound('dead delivery');
    return c.json({ id: row.id, status: 'pending' as const }, 200);
  },
);
