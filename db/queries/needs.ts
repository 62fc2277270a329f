// Needs and problems (需求上报) and their triage (分析研判). Queries take an explicit place in the tree.
import type { Sql } from '../client';
import { appendAudit } from './audit';
import { writeNotices } from './notices';
import type { Slice } from './standing';

export type NeedState = 'open' | 'needs_info' | 'forwarded' | 'resolved' | 'merged';

export interface NeedRow {
  id: string;
  number: string;
  districtId: string;
  townshipId: string;
  townshipName: string;
  orgId: string;
  orgName: string;
  orgLevel: 'township' | 'grassroots';
  raisedBy: string;
  raisedByLogin: string;
  kind: string;
  planId: string | null;
  indicators: string[];
  category: string | null;
  title: string;
  body: string;
  attachments: string[];
  urgency: string;
  state: NeedState;
  mergedInto: string | null;
  tagIndicators: string[];
  tagCategories: string[];
  tagCauses: string[];
  townshipComment: string | null;
  forwardedAt: Date | null;
  resolution: string | null;
  resolvedAt: Date | null;
  adjustmentId: string | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

const columns = (sql: Sql) => sql`
  n.id, n.number, n.district_id as "districtId", n.township_id as "townshipId", tw.name as "townshipName", n.org_id as "orgId",
  o.name as "orgName", o.level as "orgLevel", n.raised_by as "raisedBy", u.login as "raisedByLogin", n.kind, n.plan_id as "planId",
  n.indicators, n.category, n.title, n.body, n.attachments, n.urgency, n.state, n.merged_into as "mergedInto",
  n.tag_indicators as "tagIndicators", n.tag_categories as "tagCategories", n.tag_causes as "tagCauses",
  n.township_comment as "townshipComment", n.forwarded_at as "forwardedAt", n.resolution, n.resolved_at as "resolvedAt",
  n.adjustment_id as "adjustmentId", n.created_at as "createdAt", n.updated_at as "updatedAt", n.version`;
const from = (sql: Sql) => sql`needs n join orgs o on o.id = n.org_id join orgs tw on tw.id = n.township_id join users u on u.id = n.raised_by`;

/**
 * Which needs a place in the tree sees: a unit its own (and the needs they were merged into), a township those of
 * its units and its own, the district all of its needs.
 */
function needScope(sql: Sql, slice: Slice) {
  if (slice.orgId) {
    return sql`n.district_id = ${slice.districtId} and (n.org_id = ${slice.orgId}
      or exists (select 1 from needs m where m.merged_into = n.id and m.org_id = ${slice.orgId}))`;
  }
  if (slice.townshipId) return sql`n.district_id = ${slice.districtId} and n.township_id = ${slice.townshipId}`;
  return sql`n.district_id = ${slice.districtId}`;
}

export interface NeedFilter {
  state?: NeedState;
  kind?: string;
  indicator?: string;
  townshipId?: string;
  /** Matches the need's category or its tagged categories. */
  category?: string;
  /** The raising unit's type ('township' for a township's own needs) and size class: the district's drill-down. */
  unitType?: string;
  sizeClass?: string;
  limit: number;
  offset?: number;
  /** Oldest first (a triage queue) or newest first. */
  order: 'oldest' | 'newest';
}

/** A page of needs; each row carries `total`, the count of all that match. */
export async function listNeeds(sql: Sql, slice: Slice, f: NeedFilter): Promise<(NeedRow & { total: number })[]> {
  return sql<(NeedRow & { total: number })[]>`
    select ${columns(sql)}, count(*) over ()::int as total from ${from(sql)}
    where ${needScope(sql, slice)}
      ${f.state ? sql`and n.state = ${f.state}` : sql``}
      ${f.kind ? sql`and n.kind = ${f.kind}` : sql``}
      ${f.indicator ? sql`and (${f.indicator} = any(n.indicators) or ${f.indicator} = any(n.tag_indicators))` : sql``}
      ${f.townshipId ? sql`and n.township_id = ${f.townshipId}` : sql``}
      ${f.category ? sql`and (n.category = ${f.category} or ${f.category} = any(n.tag_categories))` : sql``}
      ${f.unitType ? sql`and coalesce(o.unit_type, 'township') = ${f.unitType}` : sql``}
      ${f.sizeClass ? sql`and o.size_class = ${f.sizeClass}` : sql``}
    order by ${f.order === 'oldest' ? sql`n.created_at, n.number` : sql`n.created_at desc, n.number desc`}
    limit ${f.limit} offset ${f.offset ?? 0}`;
}

/** One need if the slice may see it; `lock` takes it for an update. */
export async function findNeed(sql: Sql, slice: Slice, id: string, { lock = false } = {}): Promise<NeedRow | undefined> {
  const [row] = await sql<NeedRow[]>`
    select ${columns(sql)} from ${from(sql)} where n.id = ${id} and ${needScope(sql, slice)} ${lock ? sql`for update of n` : sql``}`;
  return row;
}

export async function needThread(sql: Sql, needId: string) {
  return sql<{ id: string; at: Date; author: string; authorOrg: string | null; kind: string; body: string; attachments: string[] }[]>`
    select m.id::text as id, m.created_at as at, m.author_login as author, ao.name as "authorOrg", m.kind, m.body, m.attachments
    from need_messages m left join orgs ao on ao.id = m.author_org where m.need_id = ${needId} order by m.id`;
}

/** The needs merged into this one. */
export async function mergedNeeds(sql: Sql, needId: string) {
  return sql<{ id: string; number: string; orgName: string; title: string }[]>`
    select n.id, n.number, o.name as "orgName", n.title from needs n join orgs o on o.id = n.org_id where n.merged_into = ${needId} order by n.number`;
}

export async function addNeedMessage(tx: Sql, m: { needId: string; author: { id: string; login: string; orgId: string } | null; kind: 'message' | 'ask' | 'system'; body: string; attachments?: string[] }) {
  await tx`
    insert into need_messages (need_id, author_id, author_login, author_org, kind, body, attachments)
    values (${m.needId}, ${m.author?.id ?? null}, ${m.author?.login ?? 'system'}, ${m.author?.orgId ?? null}, ${m.kind}, ${m.body}, ${m.attachments ?? []}::uuid[])`;
}

/** Needs grouped for the district's analysis, with a weekly count over the last 12 weeks. */
export async function needGroups(sql: Sql, districtId: string, by: 'indicator' | 'category' | 'unitType' | 'sizeClass' | 'township', states: NeedState[]) {
  const key = {
    indicator: sql`unnest(case when cardinality(n.indicators || n.tag_indicators) = 0 then array['(未指明)'] else array(select distinct x from unnest(n.indicators || n.tag_indicators) x) end)`,
    category: sql`unnest(case when n.category is null and cardinality(n.tag_categories) = 0 then array['(未指明)'] else array(select distinct x from unnest(array_remove(array[n.category], null) || n.tag_categories) x) end)`,
    unitType: sql`coalesce(o.unit_type, 'township')`,
    sizeClass: sql`coalesce(o.size_class, '(未知)')`,
    township: sql`tw.name`,
  }[by];
  return sql<{ key: string; count: number; urgent: number; weeks: number[] }[]>`
    with keyed as (
      select ${key} as key, n.urgency, n.created_at from needs n join orgs o on o.id = n.org_id join orgs tw on tw.id = n.township_id
      where n.district_id = ${districtId} and n.state in ${sql(states)}
    )
    select key, count(*)::int as count, count(*) filter (where urgency <> 'normal')::int as urgent,
      array(select count(k2.*)::int from generate_series(11, 0, -1) w
        left join keyed k2 on k2.key = k.key and k2.created_at >= date_trunc('week', now()) - (w * interval '1 week')
          and k2.created_at < date_trunc('week', now()) - ((w - 1) * interval '1 week')
        group by w order by w desc) as weeks
    from keyed k group by key order by count(*) desc, key`;
}

/** A notice about a need to its raiser's org (or, with `admins`, to the district admins). */
export const needNotice = (sql: Sql, need: Pick<NeedRow, 'id' | 'orgId'>, base: string, title: string, body: string, parties: ('unit' | 'admins')[] = ['unit']) =>
  writeNotices(
    sql,
    { eventKey: `need:${need.id}:${title}:${body.length}:${Date.now()}`, kind: 'need', taskId: null, orgId: need.orgId, parties, title, body, link: `${base}/api/v1/needs/${need.id}` },
    { email: false },
  );

/**
 * Resolve needs (and every need merged into them) with a resolution, optionally naming the adjustment that
 * answered them; each raiser gets a notice. Call inside a transaction.
 */
export async function resolveNeeds(
  tx: Sql,
  list: Pick<NeedRow, 'id' | 'number' | 'orgId' | 'title'>[],
  resolution: string,
  adjustment: { id: string; number: string } | null,
  by: { id: string; login: string; orgId: string } | null,
  base: string,
) {
  for (const need of list) {
    const children = await tx<Pick<NeedRow, 'id' | 'number' | 'orgId' | 'title'>[]>`
      select id, number, org_id as "orgId", title from needs where merged_into = ${need.id}`;
    for (const n of [need, ...children]) {
      await tx`update needs set state = 'resolved', resolution = ${resolution}, resolved_at = now(), adjustment_id = ${adjustment?.id ?? null},
        updated_at = now(), version = version + 1 where id = ${n.id}`;
      await appendAudit(tx, { actor: by, action: 'need.resolve', subjectType: 'need', subjectId: n.id, toState: 'resolved', summary: { resolution, adjustment: adjustment?.number ?? null } });
      await needNotice(tx, n, base, `【需求办结】${need.number}`, `${need.title}：${adjustment ? `已通过政策调整${adjustment.number}办结。` : ''}${resolution.slice(0, 300)}`);
    }
    await addNeedMessage(tx, { needId: need.id, author: by, kind: 'system', body: `办结：${resolution}` });
  }
}
