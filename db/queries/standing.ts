// Reading the live 建家 index: rankings, roll-ups to township and district, the leaders' screen figures, and
// daily snapshots for trends. Every function takes an explicit slice of the org tree (`Slice`), so callers
// decide scope and these queries never see who is asking.
import type { Band, CategoryCode } from '../../indicators';
import type { Sql } from '../client';

/** A part of one district: all of it, one township, or one unit. */
export type Slice = { districtId: string; townshipId?: string; orgId?: string };

const sliceOf = (sql: Sql, s: Slice, alias: string) => {
  const col = (name: string) => sql(`${alias}.${name}`);
  return sql`${col('district_id')} = ${s.districtId}
    ${s.townshipId ? sql`and ${col('township_id')} = ${s.townshipId}` : sql``}
    ${s.orgId ? sql`and ${col('org_id')} = ${s.orgId}` : sql``}`;
};

export interface RankedUnit {
  orgId: string;
  code: string;
  name: string;
  townshipId: string;
  townshipName: string;
  unitType: string | null;
  sizeClass: string | null;
  categories: Record<CategoryCode, number | null>;
  total: number | null;
  band: Band | null;
  provisional: boolean;
  failedGates: string[];
  coverage: number;
  approvedTasks: number;
  applicableTasks: number;
  notDispatched: number;
  /** Among the district's units with an index (1 = best); null while the unit has none. */
  districtRank: number | null;
  townshipRank: number | null;
}

/** Units ranked in the district and in their township; `slice` picks which rows come back, not whom they rank against. */
export async function rankedUnits(sql: Sql, planId: string, slice: Slice, limit = 10_000): Promise<RankedUnit[]> {
  return sql<RankedUnit[]>`
    with ranked as (
      select ui.*, rank() over (order by ui.total desc nulls last) as d_rank,
        rank() over (partition by ui.township_id order by ui.total desc nulls last) as t_rank
      from unit_index ui where ui.plan_id = ${planId} and ui.district_id = ${slice.districtId}
    )
    select r.org_id as "orgId", o.code, o.name, r.township_id as "townshipId", tw.name as "townshipName", o.unit_type as "unitType",
      o.size_class as "sizeClass", r.categories, r.total::float8 as total, r.band, r.provisional, r.failed_gates as "failedGates",
      r.coverage::float8 as coverage, r.approved_tasks as "approvedTasks", r.applicable_tasks as "applicableTasks",
      r.not_dispatched as "notDispatched",
      case when r.total is null then null else r.d_rank::int end as "districtRank",
      case when r.total is null then null else r.t_rank::int end as "townshipRank"
    from ranked r join orgs o on o.id = r.org_id join orgs tw on tw.id = r.township_id
    where ${sliceOf(sql, slice, 'r')}
    order by r.total desc nulls last, o.code
    limit ${limit}`;
}

/** Mean index and its spread over a set of units. */
export interface Rollup {
  units: number;
  /** Units with an index so far (something evaluated). */
  indexed: number;
  total: number | null;
  categories: Record<CategoryCode, number | null>;
  /** Share 0..1 of the applicable points already evaluated. */
  coverage: number;
  bands: Record<Band, number>;
  /** Units with nothing evaluated yet (provisional) or nothing received (final). */
  unbanded: number;
  approvedTasks: number;
  applicableTasks: number;
  /** Tasks of these units their township has not dispatched. */
  notDispatched: number;
}

interface RollupRow {
  townshipId: string | null;
  units: number;
  indexed: number;
  total: number | null;
  hs: number | null;
  gf: number | null;
  hl: number | null;
  wn: number | null;
  hx: number | null;
  evaluated: number;
  applicable: number;
  b5: number;
  b4: number;
  b3: number;
  b2: number;
  b1: number;
  approvedTasks: number;
  applicableTasks: number;
  notDispatched: number;
}

const round2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
const toRollup = (r: RollupRow): Rollup => ({
  units: r.units,
  indexed: r.indexed,
  total: round2(r.total),
  categories: { HS: round2(r.hs), GF: round2(r.gf), HL: round2(r.hl), WN: round2(r.wn), HX: round2(r.hx) },
  coverage: r.applicable > 0 ? Math.round((r.evaluated / r.applicable) * 1e4) / 1e4 : 0,
  bands: { 五星: r.b5, 四星: r.b4, 三星: r.b3, 合格: r.b2, 不合格: r.b1 },
  unbanded: r.units - r.b5 - r.b4 - r.b3 - r.b2 - r.b1,
  approvedTasks: r.approvedTasks,
  applicableTasks: r.applicableTasks,
  notDispatched: r.notDispatched,
});

/**
 * Roll-ups of a slice: the whole slice, and each township in it. The mean of the unit indices (units with an
 * index only: a pending unit is not a zero), per category and total; the band distribution; point coverage.
 */
export async function rollups(sql: Sql, planId: string, slice: Slice): Promise<{ overall: Rollup; townships: Map<string, Rollup> }> {

  const rows = await sql<RollupRow[]>`
    select grouping(ui.township_id) as g, ui.township_id as "townshipId", count(*)::int as units, count(ui.total)::int as indexed,
      avg(ui.total)::float8 as total, avg(ui.hs)::float8 as hs, avg(ui.gf)::float8 as gf, avg(ui.hl)::float8 as hl, avg(ui.wn)::float8 as wn, avg(ui.hx)::float8 as hx,
      coalesce(sum(ui.evaluated_points), 0)::float8 as evaluated, coalesce(sum(ui.applicable_points), 0)::float8 as applicable,
      count(*) filter (where ui.band = '五星')::int as b5, count(*) filter (where ui.band = '四星')::int as b4,
      count(*) filter (where ui.band = '三星')::int as b3, count(*) filter (where ui.band = '合格')::int as b2,
      count(*) filter (where ui.band = '不合格')::int as b1,
      coalesce(sum(ui.approved_tasks), 0)::int as "approvedTasks", coalesce(sum(ui.applicable_tasks), 0)::int as "applicableTasks",
      coalesce(sum(ui.not_dispatched), 0)::int as "notDispatched"
    from unit_index ui where ui.plan_id = ${planId} and ${sliceOf(sql, slice, 'ui')}
    group by rollup (ui.township_id)`;
  const empty: RollupRow = { townshipId: null, units: 0, indexed: 0, total: null, hs: null, gf: null, hl: null, wn: null, hx: null, evaluated: 0, applicable: 0, b5: 0, b4: 0, b3: 0, b2: 0, b1: 0, approvedTasks: 0, applicableTasks: 0, notDispatched: 0 };
  const overall = rows.find((r) => (r as unknown as { g: number }).g === 1) ?? empty;
  const townships = new Map(rows.filter((r) => (r as unknown as { g: number }).g === 0).map((r) => [r.townshipId!, toRollup(r)]));
  return { overall: toRollup(overall), townships };
}

/** Task lights of a slice, per township: non-green counted, green the rest of the applicable tasks. */
export async function lightCounts(sql: Sql, planId: string, slice: Slice) {
  return sql<{ townshipId: string; light: 'blue' | 'yellow' | 'red'; n: number }[]>`
    select t.township_id as "townshipId", t.light, count(*)::int as n from tasks t
    where t.plan_id = ${planId} and t.light <> 'green' and ${sliceOf(sql, slice, 't')}
    group by 1, 2`;
}

/** Open escalations of a slice: orders waiting for an answer, answers overdue, summons without an outcome. */
export async function openEscalations(sql: Sql, planId: string, slice: Slice) {
  const [row] = await sql<{ openOrders: number; overdueAnswers: number; pendingSummons: number }[]>`
    select
      (select count(*)::int from supervision_orders t where t.plan_id = ${planId} and ${sliceOf(sql, slice, 't')}
         and t.responded_at is null and t.respond_by >= now()) as "openOrders",
      (select count(*)::int from supervision_orders t where t.plan_id = ${planId} and ${sliceOf(sql, slice, 't')}
         and t.responded_at is null and t.respond_by < now()) as "overdueAnswers",
      (select count(*)::int from summons t where t.plan_id = ${planId} and ${sliceOf(sql, slice, 't')} and t.outcome_at is null) as "pendingSummons"`;
  return row!;
}

/** The guidance ladder's funnel: how many tasks were reminded, warned, ordered, summoned (any deadline). */
export async function ladderFunnel(sql: Sql, planId: string, slice: Slice) {
  const [row] = await sql<{ reminded: number; warned: number; ordered: number; summoned: number }[]>`
    select
      count(distinct r.task_id) filter (where r.rung = 'remind')::int as reminded,
      count(distinct r.task_id) filter (where r.rung = 'warn')::int as warned,
      count(distinct r.task_id) filter (where r.rung = 'supervise')::int as ordered,
      (select count(distinct s.task_id)::int from summons s where s.plan_id = ${planId} and ${sliceOf(sql, slice, 's')}) as summoned
    from ladder_rungs r
    where r.plan_id = ${planId} and ${sliceOf(sql, slice, 'r')}`;
  return row!;
}

/** The units furthest past a deadline with work still theirs to do (grouped by unit first, named after). */
export async function mostOverdue(sql: Sql, planId: string, slice: Slice, limit = 10) {
  return sql<{ orgId: string; code: string; name: string; townshipName: string; oldestDeadline: Date; overdueTasks: number; light: string }[]>`
    with late as (
      select t.org_id, min(t.deadline) as oldest, count(*)::int as n,
        min(case t.light when 'red' then 0 when 'yellow' then 1 when 'blue' then 2 else 3 end) as worst
      from tasks t
      where t.plan_id = ${planId} and t.state in ('dispatched', 'claimed', 'returned') and t.deadline < now() and ${sliceOf(sql, slice, 't')}
      group by t.org_id
    )
    select l.org_id as "orgId", o.code, o.name, tw.name as "townshipName", l.oldest as "oldestDeadline", l.n as "overdueTasks",
      (array['red', 'yellow', 'blue', 'green'])[l.worst + 1] as light
    from late l join orgs o on o.id = l.org_id join orgs tw on tw.id = o.township_id
    order by l.oldest, l.n desc, o.code
    limit ${limit}`;
}

/** Beijing's calendar day now, for snapshot keys. */
export const beijingDay = (at = new Date()) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

/**
 * Take (or retake) a plan's snapshot for a day: the district and every township, with the townships' places.
 * Idempotent per (plan, day, scope).
 */
export async function takeSnapshot(sql: Sql, planId: string, day = beijingDay()): Promise<number> {
  const [plan] = await sql<{ districtId: string }[]>`select district_id as "districtId" from plans where id = ${planId}`;
  if (!plan) return 0;
  const { overall, townships } = await rollups(sql, planId, { districtId: plan.districtId });
  const ordered = [...townships.entries()].filter(([, r]) => r.total !== null).sort((a, b) => b[1].total! - a[1].total!);
  const place = new Map(ordered.map(([id], i) => [id, i + 1]));
  const rows = [
    { plan_id: planId, day, scope: 'district', total: overall.total, categories: overall.categories, coverage: overall.coverage, units: overall.units, rank: null },
    ...[...townships.entries()].map(([id, r]) => ({ plan_id: planId, day, scope: id, total: r.total, categories: r.categories, coverage: r.coverage, units: r.units, rank: place.get(id) ?? null })),
  ];
  await sql`
    insert into index_snapshots ${sql(rows)}
    on conflict (plan_id, day, scope) do update set total = excluded.total, categories = excluded.categories,
      coverage = excluded.coverage, units = excluded.units, rank = excluded.rank, taken_at = now()`;
  return rows.length;
}

/** A scope's snapshots, oldest first. */
export async function snapshots(sql: Sql, planId: string, scope: string) {
  return sql<{ day: string; total: number | null; categories: Record<CategoryCode, number | null>; coverage: number; rank: number | null }[]>`
    select to_char(day, 'YYYY-MM-DD') as day, total::float8 as total, categories, coverage::float8 as coverage, rank
    from index_snapshots where plan_id = ${planId} and scope = ${scope} order by day`;
}

/** Each township's place on the newest snapshot at least `days` old. */
export async function placesDaysAgo(sql: Sql, planId: string, days: number): Promise<Map<string, number>> {
  const rows = await sql<{ scope: string; rank: number | null }[]>`
    select scope, rank from index_snapshots
    where plan_id = ${planId} and scope <> 'district'
      and day = (select max(day) from index_snapshots where plan_id = ${planId} and day <= (now() at time zone 'Asia/Shanghai')::date - ${days}::int)`;
  return new Map(rows.filter((r) => r.rank !== null).map((r) => [r.scope, r.rank!]));
}

/** Plans running now whose snapshot for today is missing. */
export async function plansWithoutSnapshot(sql: Sql, day = beijingDay()) {
  return sql<{ id: string }[]>`
    select p.id from plans p where p.status = 'issued'
      and not exists (select 1 from index_snapshots s where s.plan_id = p.id and s.day = ${day} and s.scope = 'district')`;
}

export interface ExplainedTask {
  id: string;
  indicator: string;
  state: string;
  target: number;
  value: number | null;
  points: number | null;
  deadline: Date;
  exitReason: string | null;
  evidence: { id: string; filename: string; contentType: string }[];
  reviews: { at: Date; by: string; action: string; summary: Record<string, unknown> }[];
}

/** One unit's tasks in a plan with their final evidence and every review decision, for the explanation. */
export async function explainedTasks(sql: Sql, planId: string, orgId: string): Promise<ExplainedTask[]> {
  return sql<ExplainedTask[]>`
    select t.id, t.indicator, t.state, t.target::float8 as target, t.value::float8 as value, t.points::float8 as points,
      t.deadline, t.exit_reason as "exitReason",
      coalesce((select json_agg(json_build_object('id', u.id, 'filename', u.filename, 'contentType', u.content_type) order by u.created_at)
        from task_reports r cross join lateral unnest(r.evidence) e(id) join uploads u on u.id = e.id
        where r.task_id = t.id), '[]') as evidence,
      coalesce((select json_agg(json_build_object('at', a.at, 'by', a.actor_login, 'action', a.action, 'summary', a.summary) order by a.id)
        from audit_log a where a.subject_type = 'task' and a.subject_id = t.id::text
          and a.action in ('task.approve', 'task.review', 'task.return', 'task.exit')), '[]') as reviews
    from tasks t where t.plan_id = ${planId} and t.org_id = ${orgId}
    order by t.indicator`;
}
