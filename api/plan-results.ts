import { createRoute, z } from '@hono/zod-openapi';
import { orgScopeCondition } from '../db/scope';
import { requireUser } from './middleware/auth';
import { planInScope } from '../db/queries/plans';
import { newRouter } from './router';
import { authErrors, idParam, jsonOk } from './schemas';

const tagged = { security: [{ bearer: [] }], tags: ['plans'] };

/** What a closed plan produced: each unit's score, and the commendation and de-listing lists. */
export const planResults = newRouter();
planResults.use('/plans/*', requireUser());

planResults.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/results',
    summary: 'Each unit’s 建家 index, category indices, band and rank, within the caller’s part of the tree',
    request: { params: idParam },
    responses: {
      200: jsonOk(
        z.object({
          items: z.array(
            z
              .object({
                orgId: z.string(),
                code: z.string(),
                name: z.string(),
                townshipId: z.string().nullable(),
                total: z.number().openapi({ description: 'the 建家 index, 0 to 100' }),
                categories: z.record(z.string(), z.number().nullable()).openapi({ description: 'index per category code; null where no indicator of the category applies to the unit' }),
                band: z.string(),
                failedGates: z.array(z.string()),
                rank: z.number(),
              })
              .openapi('UnitResult'),
          ),
        }),
      ),
      ...authErrors,
    },
  }),
  async (c) => {
    const sql = c.var.sql;
    const plan = await planInScope(sql, c.var.user, c.req.valid('param').id);
    const items = await sql<{ orgId: string; code: string; name: string; townshipId: string | null; total: number; categories: Record<string, number | null>; band: string; failedGates: string[]; rank: number }[]>`
      select r.org_id as "orgId", o.code, o.name, o.township_id as "townshipId", r.total::float8 as total, r.categories,
        r.band, r.failed_gates as "failedGates", r.rank
      from plan_results r join orgs o on o.id = r.org_id
      where r.plan_id = ${plan.id} and ${orgScopeCondition(sql, c.var.user)} order by r.rank`;
    return c.json({ items }, 200);
  },
);

planResults.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/commendations',
    summary: '表彰 and 退出: units commended at close, and units de-listed because they fell below the bar',
    request: { params: idParam },
    responses: { 200: jsonOk(z.object({ commended: z.array(z.record(z.string(), z.unknown())), delisted: z.array(z.record(z.string(), z.unknown())) })), ...authErrors },
  }),
  async (c) => {
    const sql = c.var.sql;
    const plan = await planInScope(sql, c.var.user, c.req.valid('param').id);
    // Commendations are published honours: everyone in the district sees the whole list.
    const rows = await sql<{ kind: string }[]>`
      select c.kind, c.org_id as "orgId", o.code, o.name, c.band, c.reason, r.total::float8 as total, r.rank
      from commendations c join orgs o on o.id = c.org_id
      left join plan_results r on r.plan_id = c.plan_id and r.org_id = c.org_id
      where c.plan_id = ${plan.id} order by r.rank nulls last, o.code`;
    return c.json({ commended: rows.filter((r) => r.kind === 'commended'), delisted: rows.filter((r) => r.kind === 'delisted') }, 200);
  },
);
