// The 建家 index, live all year: rankings with their robustness, one unit explained point by point, the leaders'
// one screen in one call, and snapshots for its trend line. Everything is scoped like the rest of the API.
import { createRoute, z } from '@hono/zod-openapi';
import { bandOf, bandSchema, CATEGORY_CODES, reweightedTotal, type Catalogue, type CategoryCode } from '../indicators';
import {
  beijingDay,
  ladderFunnel,
  lightCounts,
  mostOverdue,
  openEscalations,
  placesDaysAgo,
  rankedUnits,
  rollups,
  snapshots,
  takeSnapshot,
  type RankedUnit,
  type Rollup,
  type Slice,
} from '../db/queries/standing';
import { publishedCatalogue } from '../db/queries/unit-index';
import { forbidden, invalid } from '../lib/errors';
import { requireRole, requireUser } from './middleware/auth';
import { newRouter } from './router';
import { authErrors, idParam, jsonOk } from './schemas';
import { sliceFor, standingPlan } from './standing-scope';
import { explain, presentUnit } from './index-explanation';

const tagged = { security: [{ bearer: [] }], tags: ['index'] };
const nullableNumber = z.number().nullable();
const categoriesSchema = z.object({ HS: nullableNumber, GF: nullableNumber, HL: nullableNumber, WN: nullableNumber, HX: nullableNumber }).openapi('CategoryIndices', {
  description: '红色 HS, 规范 GF, 活力 HL, 温暖 WN, 和谐 HX, each 0–100; null while nothing in the category is evaluated',
});
const bandsSchema = z.object({ 五星: z.number(), 四星: z.number(), 三星: z.number(), 合格: z.number(), 不合格: z.number() }).openapi('BandCounts');
const rollupSchema = z
  .object({
    units: z.number(),
    indexed: z.number().openapi({ description: 'units with an index so far' }),
    total: nullableNumber.openapi({ description: 'mean 建家 index of the units with one' }),
    categories: categoriesSchema,
    coverage: z.number().openapi({ description: 'share 0–1 of the applicable points already evaluated' }),
    bands: bandsSchema,
    unbanded: z.number().openapi({ description: 'units with no band yet: nothing evaluated, or nothing received' }),
    approvedTasks: z.number(),
    applicableTasks: z.number(),
    completion: z.number().openapi({ description: 'approved ÷ applicable tasks, 0–1' }),
    band: bandSchema.nullable().openapi({ description: 'the band of the mean index (五星 ≥ 90 … 不合格 < 60); null without one' }),
    notDispatched: z.number().openapi({ description: 'tasks of these units that their township has not dispatched: the township’s omission, not the units’' }),
  })
  .openapi('IndexRollup');
const rankedUnitSchema = z
  .object({
    orgId: z.string(),
    code: z.string(),
    name: z.string(),
    townshipId: z.string(),
    townshipName: z.string(),
    categories: categoriesSchema,
    total: nullableNumber,
    band: bandSchema.nullable(),
    provisional: z.boolean().openapi({ description: 'true during the year: pending tasks are left out, not counted as zero' }),
    failedGates: z.array(z.string()),
    coverage: z.number(),
    approvedTasks: z.number(),
    applicableTasks: z.number(),
    notDispatched: z.number(),
    districtRank: z.number().nullable(),
    townshipRank: z.number().nullable(),
  })
  .openapi('RankedUnit');
const lightsSchema = z.object({ green: z.number(), blue: z.number(), yellow: z.number(), red: z.number() }).openapi('LightCounts');

const withCompletion = (r: Rollup) => ({
  ...r,
  completion: r.applicableTasks > 0 ? Math.round((r.approvedTasks / r.applicableTasks) * 1e4) / 1e4 : 0,
  band: r.total === null ? null : bandOf(r.total),
});

/** The live index. */
export const standing = newRouter();
standing.use('/plans/*', requireUser());

standing.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/ranking',
    summary: 'Units by 建家 index with district and township rank, within the caller’s part of the tree; `robustness=true` adds the ±20% weight check',
    request: {
      params: idParam,
      query: z.object({
        townshipId: z.string().uuid().optional().openapi({ description: 'district staff: one township’s units' }),
        robustness: z.enum(['true', 'false']).optional(),
      }),
    },
    responses: {
      200: jsonOk(
        z.object({
          items: z.array(rankedUnitSchema),
          robustness: z
            .array(
              z.object({
                category: z.enum(CATEGORY_CODES),
                change: z.number().openapi({ description: '+0.2 or −0.2: the category’s weight moved by this share' }),
                unitsChangingBand: z.number(),
                largestRankMove: z.number(),
              }),
            )
            .nullable()
            .openapi({ description: 'one-at-a-time ±20% of each category weight over the whole district (OECD/JRC uncertainty analysis); null unless asked' }),
        }),
      ),
      ...authErrors,
    },
  }),
  async (c) => {
    const sql = c.var.sql;
    const plan = await standingPlan(sql, c.var.user, c.req.valid('param').id);
    const query = c.req.valid('query');
    const slice = sliceFor(c.var.user, query.townshipId);
    const items = await rankedUnits(sql, plan.id, slice);
    const robustness = query.robustness === 'true' ? robustnessOf(await publishedCatalogue(sql, plan.catalogueVersion), await rankedUnits(sql, plan.id, { districtId: plan.districtId })) : null;
    return c.json({ items: items.map(presentUnit), robustness }, 200);
  },
);

/** How the district ranking moves when each category weight moves by ±20%, one at a time. */
function robustnessOf(catalogue: Catalogue, units: RankedUnit[]) {
  const indexed = units.filter((u) => u.total !== null);
  const ranks = (totals: number[]) => {
    const order = totals.map((t, i) => [t, i] as const).sort((a, b) => b[0] - a[0]);
    const rank = new Array<number>(totals.length);
    order.forEach(([t, i], pos) => (rank[i] = pos > 0 && order[pos - 1]![0] === t ? rank[order[pos - 1]![1]]! : pos + 1));
    return rank;
  };
  const baseTotals = indexed.map((u) => reweightedTotal(catalogue, u.categories, {}) ?? 0);
  const baseRanks = ranks(baseTotals);
  const out = [];
  for (const category of CATEGORY_CODES) {
    for (const change of [0.2, -0.2]) {
      const totals = indexed.map((u) => reweightedTotal(catalogue, u.categories, { [category]: 1 + change }) ?? 0);
      const moved = ranks(totals);
      let unitsChangingBand = 0;
      let largestRankMove = 0;
      indexed.forEach((u, i) => {
        // A failed gate keeps a unit 不合格 whatever the weights; only the others can change band.
        if (u.failedGates.length === 0 && bandOf(totals[i]!) !== bandOf(baseTotals[i]!)) unitsChangingBand += 1;
        largestRankMove = Math.max(largestRankMove, Math.abs(moved[i]! - baseRanks[i]!));
      });
      out.push({ category, change, unitsChangingBand, largestRankMove });
    }
  }
  return out;
}

const lossReason = z.enum(['none', 'below_target', 'gate_failed', 'returned', 'not_reported', 'pending', 'exited', 'not_dispatched']);
const explanationSchema = z
  .object({
    unit: rankedUnitSchema,
    indicators: z.array(
      z.object({
        taskId: z.string(),
        code: z.string(),
        name: z.string(),
        category: z.string(),
        gate: z.boolean(),
        state: z.string(),
        target: z.number(),
        targetSource: z.enum(['default', 'unit_type', 'size_class', 'district_plan', 'township_override']).openapi({
          description: 'where the target came from: the catalogue default, its unit-type or size-class value, the district’s plan, or the township’s stricter override',
        }),
        value: nullableNumber.openapi({ description: 'the last reported value' }),
        points: nullableNumber.openapi({ description: 'points awarded at review' }),
        maxPoints: z.number(),
        earned: z.number(),
        lost: z.number().openapi({ description: 'earned + lost = maxPoints, always' }),
        reason: lossReason.openapi({ description: 'why points were lost; `pending` during the year for work not yet due or under review (not counted in the index)' }),
        inIndex: z.boolean(),
        exitReason: z.string().nullable(),
        evidence: z.array(z.object({ id: z.string(), filename: z.string(), contentType: z.string() })),
        reviews: z.array(z.object({ at: z.string(), by: z.string(), action: z.string(), reason: z.string().nullable(), points: nullableNumber })),
      }),
    ),
  })
  .openapi('IndexExplanation');

standing.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/units/{orgId}/index',
    summary: 'One unit’s index explained: per indicator the target and its source, the value, the points earned and lost and why, the evidence and the review decisions',
    request: { params: idParam.extend({ orgId: z.string().uuid().openapi({ param: { name: 'orgId', in: 'path' } }) }) },
    responses: { 200: jsonOk(explanationSchema), ...authErrors },
  }),
  async (c) => c.json(await explain(c.var.sql, c.var.user, c.req.valid('param').id, c.req.valid('param').orgId), 200),
);

const scopeQuery = z.object({
  scope: z
    .string()
    .regex(/^(district|township:[0-9a-f-]{36})$/, 'district, or township:{id}')
    .optional()
    .openapi({ description: 'district (district staff), or township:{id}; a township officer sees their own township' }),
});
const screenSchema = z
  .object({
    scope: z.object({ kind: z.enum(['district', 'township']), id: z.string(), name: z.string() }),
    plan: z.object({ id: z.string(), name: z.string(), year: z.number(), status: z.string() }),
    headline: rollupSchema,
    lights: lightsSchema,
    escalations: z.object({ openOrders: z.number(), overdueAnswers: z.number(), pendingSummons: z.number() }),
    funnel: z.object({ reminded: z.number(), warned: z.number(), ordered: z.number(), summoned: z.number() }).openapi({ description: '提醒 → 预警 → 督办 → 约谈: tasks that reached each rung' }),
    townships: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        rank: z.number().nullable(),
        rankChange: z.number().nullable().openapi({ description: 'places gained (+) or lost (−) since the snapshot a week ago; null without one' }),
        index: rollupSchema,
        lights: lightsSchema,
        worstLight: z.enum(['green', 'blue', 'yellow', 'red']),
      }),
    ),
    topUnits: z.array(rankedUnitSchema).openapi({ description: 'the ten best units of the scope' }),
    trend: z.array(z.object({ day: z.string(), total: nullableNumber, categories: categoriesSchema, coverage: z.number() })),
    mostOverdue: z.array(
      z.object({ orgId: z.string(), code: z.string(), name: z.string(), townshipName: z.string(), oldestDeadline: z.string(), daysOverdue: z.number(), overdueTasks: z.number(), light: z.string() }),
    ),
  })
  .openapi('Screen');

standing.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/screen',
    summary: '一屏掌控: everything the leaders’ screen shows, in one call (district staff; a township officer for their own township)',
    middleware: [requireRole('district_admin', 'department_staff', 'township_officer')] as const,
    request: { params: idParam, query: scopeQuery },
    responses: { 200: jsonOk(screenSchema), ...authErrors },
  }),
  async (c) => {
    const sql = c.var.sql;
    const user = c.var.user;
    const plan = await standingPlan(sql, user, c.req.valid('param').id);
    const requested = c.req.valid('query').scope ?? (user.orgLevel === 'township' ? `township:${user.orgId}` : 'district');
    const townshipId = requested.startsWith('township:') ? requested.slice('township:'.length) : undefined;
    if (user.orgLevel === 'township' && townshipId !== user.orgId) throw forbidden('a township officer sees their own township’s screen');
    const slice: Slice = { districtId: plan.districtId, townshipId };
    const [scopeOrg] = await sql<{ id: string; name: string; level: string }[]>`
      select id, name, level from orgs where id = ${townshipId ?? plan.districtId} and district_id = ${plan.districtId}`;
    if (!scopeOrg || (townshipId && scopeOrg.level !== 'township')) throw invalid('scope', 'not a township of this district');

    const [{ overall, townships }, lights, escalations, funnel, top, trend, overdue, lastWeek, names] = await Promise.all([
      rollups(sql, plan.id, slice),
      lightCounts(sql, plan.id, slice),
      openEscalations(sql, plan.id, slice),
      ladderFunnel(sql, plan.id, slice),
      rankedUnits(sql, plan.id, slice, 10),
      snapshots(sql, plan.id, townshipId ?? 'district'),
      mostOverdue(sql, plan.id, slice, 10),
      placesDaysAgo(sql, plan.id, 7),
      sql<{ id: string; name: string; code: string }[]>`select id, name, code from orgs where district_id = ${plan.districtId} and level = 'township' order by code`,
    ]);
    const lightsOf = (filter: (t: string) => boolean, applicable: number) => {
      const counts = { green: 0, blue: 0, yellow: 0, red: 0 };
      for (const l of lights) if (filter(l.townshipId)) counts[l.light] += l.n;
      counts.green = Math.max(applicable - counts.blue - counts.yellow - counts.red, 0);
      return counts;
    };
    const worst = (l: { blue: number; yellow: number; red: number }) => (l.red > 0 ? 'red' : l.yellow > 0 ? 'yellow' : l.blue > 0 ? 'blue' : 'green') as 'green' | 'blue' | 'yellow' | 'red';
    const ranked = [...townships.entries()].filter(([, r]) => r.total !== null).sort((a, b) => b[1].total! - a[1].total!);
    const place = new Map(ranked.map(([id], i) => [id, i + 1]));
    const townshipRows = names
      .filter((t) => townships.has(t.id) && (!townshipId || t.id === townshipId))
      .map((t) => {
        const index = townships.get(t.id)!;
        const l = lightsOf((id) => id === t.id, index.applicableTasks);
        const rank = place.get(t.id) ?? null;
        const before = lastWeek.get(t.id);
        return { id: t.id, name: t.name, rank, rankChange: rank !== null && before !== undefined ? before - rank : null, index: withCompletion(index), lights: l, worstLight: worst(l) };
      })
      .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
    const nowMs = Date.now();
    return c.json(
      {
        scope: { kind: townshipId ? ('township' as const) : ('district' as const), id: scopeOrg.id, name: scopeOrg.name },
        plan: { id: plan.id, name: plan.name, year: plan.year, status: plan.status },
        headline: withCompletion(overall),
        lights: lightsOf(() => true, overall.applicableTasks),
        escalations,
        funnel,
        townships: townshipRows,
        topUnits: top.map(presentUnit),
        trend: trend.map(({ rank: _r, ...rest }) => rest),
        mostOverdue: overdue.map((o) => ({
          ...o,
          oldestDeadline: new Date(o.oldestDeadline).toISOString(),
          daysOverdue: Math.floor((nowMs - new Date(o.oldestDeadline).getTime()) / 86_400_000),
        })),
      },
      200,
    );
  },
);

standing.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/plans/{id}/snapshots',
    summary: 'Take today’s snapshot of the district’s and every township’s index now (district admin); the worker takes one every day by itself',
    middleware: [requireRole('district_admin')] as const,
    request: { params: idParam },
    responses: { 200: jsonOk(z.object({ day: z.string(), scopes: z.number() })), ...authErrors },
  }),
  async (c) => {
    const plan = await standingPlan(c.var.sql, c.var.user, c.req.valid('param').id);
    const day = beijingDay();
    return c.json({ day, scopes: await takeSnapshot(c.var.sql, plan.id, day) }, 200);
  },
);

