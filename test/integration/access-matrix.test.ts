import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';

// Every authenticated endpoint, with a request that would otherwise be acceptable, and what each
// kind of caller who must be refused gets. Callers: a grassroots chair of FY-T01-U001 ('chair'),
// the officer of township 02 ('otherOfficer', outside township 01), department staff ('dept').
type Caller = 'chair' | 'otherOfficer' | 'dept';
interface Row {
  method: string;
  path: string; // OpenAPI template
  url: (ids: Ids) => string;
  body?: (ids: Ids) => unknown;
  refused: Partial<Record<Caller, 403 | 404>>;
}
interface Ids {
  unitInT01: string;
  otherUnitInT01: string;
  t01: string;
  t02: string;
  chairUser: string;
  plan: string;
  /** A task of FY-T01-U002 for an indicator that 组织部 (dept-org) does not own. */
  task: string;
  upload: string;
  order: string;
  summons: string;
  /** A notice addressed to FY-T01-U002's chair. */
  notice: string;
  deadDelivery: string;
  /** A need raised by FY-T01-U002, open in township 01's queue. */
  need: string;
}

const rows: Row[] = [
  { method: 'GET', path: '/api/v1/me', url: () => '/api/v1/me', refused: {} },
  { method: 'GET', path: '/api/v1/catalogue', url: () => '/api/v1/catalogue', refused: {} },
  { method: 'GET', path: '/api/v1/catalogue/versions', url: () => '/api/v1/catalogue/versions', refused: {} },
  { method: 'GET', path: '/api/v1/catalogue/versions/{version}', url: () => '/api/v1/catalogue/versions/1', refused: {} },
  { method: 'POST', path: '/api/v1/catalogue/draft', url: () => '/api/v1/catalogue/draft', body: () => ({}), refused: { chair: 403, otherOfficer: 403 } },
  { method: 'GET', path: '/api/v1/catalogue/draft', url: () => '/api/v1/catalogue/draft', refused: { chair: 403, otherOfficer: 403 } },
  { method: 'PUT', path: '/api/v1/catalogue/draft', url: () => '/api/v1/catalogue/draft', body: () => ({ revision: 1, catalogue: { categories: [], indicators: [] } }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'PATCH', path: '/api/v1/catalogue/draft/indicators/{code}', url: () => '/api/v1/catalogue/draft/indicators/HS-01', body: () => ({ revision: 1, changes: { points: 5 } }), refused: { chair: 403, otherOfficer: 403 } },
  { method: 'POST', path: '/api/v1/catalogue/draft/validate', url: () => '/api/v1/catalogue/draft/validate', refused: { chair: 403, otherOfficer: 403 } },
  { method: 'POST', path: '/api/v1/catalogue/draft/publish', url: () => '/api/v1/catalogue/draft/publish', body: () => ({ revision: 1 }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'DELETE', path: '/api/v1/catalogue/draft', url: () => '/api/v1/catalogue/draft', refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/orgs', url: () => '/api/v1/orgs', refused: {} },
  { method: 'GET', path: '/api/v1/orgs/{id}', url: (i) => `/api/v1/orgs/${i.otherUnitInT01}`, refused: { chair: 404, otherOfficer: 404 } },
  { method: 'POST', path: '/api/v1/orgs', url: () => '/api/v1/orgs', body: (i) => ({ code: 'FY-T01-X001', name: '新工会', level: 'grassroots', parentId: i.t01, unitType: 'enterprise', members: 30 }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'PATCH', path: '/api/v1/orgs/{id}', url: (i) => `/api/v1/orgs/${i.otherUnitInT01}`, body: () => ({ revision: 1, name: '改名' }), refused: { chair: 403, otherOfficer: 404, dept: 403 } },
  { method: 'POST', path: '/api/v1/orgs/{id}/move', url: (i) => `/api/v1/orgs/${i.otherUnitInT01}/move`, body: (i) => ({ revision: 1, townshipId: i.t02 }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'POST', path: '/api/v1/orgs/{id}/merge', url: (i) => `/api/v1/orgs/${i.otherUnitInT01}/merge`, body: (i) => ({ revision: 1, intoId: i.unitInT01 }), refused: { chair: 403, otherOfficer: 404, dept: 403 } },
  { method: 'POST', path: '/api/v1/orgs/{id}/dissolve', url: (i) => `/api/v1/orgs/${i.unitInT01}/dissolve`, body: () => ({ revision: 1, reason: '测试注销' }), refused: { chair: 403, otherOfficer: 404, dept: 403 } },
  { method: 'POST', path: '/api/v1/orgs/import', url: () => '/api/v1/orgs/import', body: () => csvUpload(), refused: { chair: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/users', url: () => '/api/v1/users', refused: { chair: 403, dept: 403 } },
  { method: 'POST', path: '/api/v1/users', url: () => '/api/v1/users', body: (i) => ({ login: 'newbie', displayName: '新人', role: 'grassroots_chair', orgId: i.unitInT01, password: 'long-enough-password' }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'PATCH', path: '/api/v1/users/{id}', url: (i) => `/api/v1/users/${i.chairUser}`, body: () => ({ active: false }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  // Any caller may upload (to their own org). The upload reads use an id that exists nowhere, so only the 401s and
  // "changes nothing" are checked here; who sees an existing upload is tested in uploads.test.ts.
  { method: 'POST', path: '/api/v1/uploads', url: () => '/api/v1/uploads', body: () => { const f = new FormData(); f.set('file', new Blob(['%PDF-1.4\n%%EOF\n']), 'evidence.pdf'); return f; }, refused: {} },
  { method: 'GET', path: '/api/v1/uploads/{id}', url: (i) => `/api/v1/uploads/${i.upload}`, refused: { chair: 404, otherOfficer: 404 } },
  { method: 'GET', path: '/api/v1/uploads/{id}/content', url: (i) => `/api/v1/uploads/${i.upload}/content`, refused: { chair: 404, otherOfficer: 404 } },
  { method: 'POST', path: '/api/v1/plans', url: () => '/api/v1/plans', body: () => ({ year: 2031, name: '计划', deadline: '2031-11-30T00:00:00Z', escalation: { orderResponse: 'P7D', summonsAfter: 'P3D' } }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/plans', url: () => '/api/v1/plans', refused: {} },
  { method: 'GET', path: '/api/v1/plans/{id}', url: (i) => `/api/v1/plans/${i.plan}`, refused: {} },
  { method: 'POST', path: '/api/v1/plans/{id}/issue', url: (i) => `/api/v1/plans/${i.plan}/issue`, refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'POST', path: '/api/v1/plans/{id}/dispatch', url: (i) => `/api/v1/plans/${i.plan}/dispatch`, body: () => ({}), refused: { chair: 403, dept: 403 } },
  { method: 'POST', path: '/api/v1/plans/{id}/close', url: (i) => `/api/v1/plans/${i.plan}/close`, refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/plans/{id}/results', url: (i) => `/api/v1/plans/${i.plan}/results`, refused: {} },
  { method: 'GET', path: '/api/v1/plans/{id}/commendations', url: (i) => `/api/v1/plans/${i.plan}/commendations`, refused: {} },
  { method: 'GET', path: '/api/v1/tasks', url: () => '/api/v1/tasks', refused: {} },
  { method: 'GET', path: '/api/v1/tasks/{id}', url: (i) => `/api/v1/tasks/${i.task}`, refused: { chair: 404, otherOfficer: 404 } },
  { method: 'POST', path: '/api/v1/tasks/{id}/claim', url: (i) => `/api/v1/tasks/${i.task}/claim`, body: () => ({ responsible: '某人' }), refused: { chair: 404, otherOfficer: 404, dept: 403 } },
  { method: 'POST', path: '/api/v1/tasks/{id}/report', url: (i) => `/api/v1/tasks/${i.task}/report`, body: () => ({ value: 1, final: true }), refused: { chair: 404, otherOfficer: 404, dept: 403 } },
  { method: 'POST', path: '/api/v1/tasks/{id}/evaluate', url: (i) => `/api/v1/tasks/${i.task}/evaluate`, body: () => ({ decision: 'approve' }), refused: { chair: 403, otherOfficer: 404, dept: 403 } },
  // Officers and department staff may call it; each row outside their subtree or department is refused on its own (below).
  { method: 'POST', path: '/api/v1/tasks/evaluate', url: () => '/api/v1/tasks/evaluate', body: (i) => ({ items: [{ taskId: i.task, decision: 'approve' }] }), refused: { chair: 403 } },
  { method: 'POST', path: '/api/v1/tasks/{id}/exit', url: (i) => `/api/v1/tasks/${i.task}/exit`, body: () => ({ reason: '不适用' }), refused: { chair: 403, otherOfficer: 404, dept: 403 } },
  { method: 'POST', path: '/api/v1/tasks/{id}/extend', url: (i) => `/api/v1/tasks/${i.task}/extend`, body: () => ({ deadline: '2031-12-20T00:00:00Z', reason: '延期测试' }), refused: { chair: 403, otherOfficer: 404, dept: 403 } },
  { method: 'PUT', path: '/api/v1/plans/{id}/escalation', url: (i) => `/api/v1/plans/${i.plan}/escalation`, body: () => ({ orderResponse: 'P7D', summonsAfter: 'P3D' }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/plans/{id}/lights', url: (i) => `/api/v1/plans/${i.plan}/lights`, refused: {} },
  { method: 'POST', path: '/api/v1/plans/{id}/urge', url: (i) => `/api/v1/plans/${i.plan}/urge`, body: () => ({}), refused: { chair: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/plans/{id}/exports/ranking.xlsx', url: (i) => `/api/v1/plans/${i.plan}/exports/ranking.xlsx?townshipId=${i.t01}`, refused: { chair: 403, otherOfficer: 403 } },
  { method: 'GET', path: '/api/v1/plans/{id}/units/{orgId}/index.xlsx', url: (i) => `/api/v1/plans/${i.plan}/units/${i.otherUnitInT01}/index.xlsx`, refused: { chair: 404, otherOfficer: 404 } },
  { method: 'GET', path: '/api/v1/plans/{id}/exports/tasks.xlsx', url: (i) => `/api/v1/plans/${i.plan}/exports/tasks.xlsx?townshipId=${i.t01}`, refused: { chair: 403, otherOfficer: 403 } },
  { method: 'GET', path: '/api/v1/plans/{id}/exports/escalations.xlsx', url: (i) => `/api/v1/plans/${i.plan}/exports/escalations.xlsx?townshipId=${i.t01}`, refused: { chair: 403, otherOfficer: 403 } },
  { method: 'GET', path: '/api/v1/calendar', url: () => '/api/v1/calendar', refused: {} },
  { method: 'GET', path: '/api/v1/calendar/{year}', url: () => '/api/v1/calendar/2027', refused: {} },
  { method: 'PUT', path: '/api/v1/calendar/{year}', url: () => '/api/v1/calendar/2027', body: () => ({ holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [] }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/plans/{id}/ranking', url: (i) => `/api/v1/plans/${i.plan}/ranking`, refused: {} },
  { method: 'GET', path: '/api/v1/plans/{id}/units/{orgId}/index', url: (i) => `/api/v1/plans/${i.plan}/units/${i.otherUnitInT01}/index`, refused: { chair: 404, otherOfficer: 404 } },
  { method: 'GET', path: '/api/v1/plans/{id}/screen', url: (i) => `/api/v1/plans/${i.plan}/screen?scope=township:${i.t01}`, refused: { chair: 403, otherOfficer: 403 } },
  { method: 'POST', path: '/api/v1/plans/{id}/snapshots', url: (i) => `/api/v1/plans/${i.plan}/snapshots`, refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'POST', path: '/api/v1/needs', url: () => '/api/v1/needs', body: () => ({ kind: 'other', title: '标题', body: '内容' }), refused: { dept: 403 } },
  { method: 'GET', path: '/api/v1/needs', url: () => '/api/v1/needs', refused: {} },
  { method: 'GET', path: '/api/v1/needs/analysis', url: () => '/api/v1/needs/analysis', refused: { chair: 403, otherOfficer: 403 } },
  { method: 'GET', path: '/api/v1/needs/{id}', url: (i) => `/api/v1/needs/${i.need}`, refused: { chair: 404, otherOfficer: 404 } },
  { method: 'POST', path: '/api/v1/needs/{id}/messages', url: (i) => `/api/v1/needs/${i.need}/messages`, body: () => ({ body: '回复' }), refused: { chair: 404, otherOfficer: 404, dept: 403 } },
  { method: 'POST', path: '/api/v1/needs/{id}/tag', url: (i) => `/api/v1/needs/${i.need}/tag`, body: () => ({ causes: ['x'] }), refused: { chair: 404, otherOfficer: 404, dept: 403 } },
  { method: 'POST', path: '/api/v1/needs/{id}/merge', url: (i) => `/api/v1/needs/${i.need}/merge`, body: (i) => ({ into: i.need }), refused: { chair: 403, otherOfficer: 404, dept: 403 } },
  { method: 'POST', path: '/api/v1/needs/{id}/forward', url: (i) => `/api/v1/needs/${i.need}/forward`, body: () => ({ comment: '转报' }), refused: { chair: 403, otherOfficer: 404, dept: 403 } },
  { method: 'POST', path: '/api/v1/needs/{id}/resolve', url: (i) => `/api/v1/needs/${i.need}/resolve`, body: () => ({ resolution: '办结' }), refused: { chair: 403, otherOfficer: 404, dept: 403 } },
  { method: 'GET', path: '/api/v1/plans/{id}/reconcile', url: (i) => `/api/v1/plans/${i.plan}/reconcile`, refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'POST', path: '/api/v1/plans/{id}/reconcile', url: (i) => `/api/v1/plans/${i.plan}/reconcile`, refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/plans/{id}/ladder-failures', url: (i) => `/api/v1/plans/${i.plan}/ladder-failures`, refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'POST', path: '/api/v1/plans/{id}/adjustments/preview', url: (i) => `/api/v1/plans/${i.plan}/adjustments/preview`, body: () => ({ kind: 'support', class: { sizeClasses: ['micro'] }, reason: '支持', note: '支持举措' }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'POST', path: '/api/v1/plans/{id}/adjustments', url: (i) => `/api/v1/plans/${i.plan}/adjustments`, body: () => ({ kind: 'support', class: { sizeClasses: ['micro'] }, reason: '支持', note: '支持举措' }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/plans/{id}/adjustments', url: (i) => `/api/v1/plans/${i.plan}/adjustments`, refused: { chair: 403, otherOfficer: 403 } },
  { method: 'GET', path: '/api/v1/adjustments/{id}', url: () => '/api/v1/adjustments/00000000-0000-4000-8000-000000000000', refused: {} },
  { method: 'POST', path: '/api/v1/adjustments/{id}/apply', url: () => '/api/v1/adjustments/00000000-0000-4000-8000-000000000000/apply', refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/supervision-orders', url: () => '/api/v1/supervision-orders', refused: {} },
  { method: 'GET', path: '/api/v1/supervision-orders/{id}', url: (i) => `/api/v1/supervision-orders/${i.order}`, refused: { chair: 404, otherOfficer: 404 } },
  { method: 'POST', path: '/api/v1/supervision-orders/{id}/respond', url: (i) => `/api/v1/supervision-orders/${i.order}/respond`, body: () => ({ text: '已整改完成' }), refused: { chair: 404, otherOfficer: 404, dept: 403 } },
  { method: 'GET', path: '/api/v1/summons', url: () => '/api/v1/summons', refused: {} },
  { method: 'POST', path: '/api/v1/summons/{id}/outcome', url: (i) => `/api/v1/summons/${i.summons}/outcome`, body: () => ({ outcome: '已约谈，限期整改' }), refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'GET', path: '/api/v1/notices', url: () => '/api/v1/notices', refused: {} },
  { method: 'POST', path: '/api/v1/notices/{id}/read', url: (i) => `/api/v1/notices/${i.notice}/read`, refused: { chair: 404, otherOfficer: 404, dept: 404 } },
  { method: 'POST', path: '/api/v1/notices/read-all', url: () => '/api/v1/notices/read-all', refused: {} },
  { method: 'GET', path: '/api/v1/notice-deliveries', url: () => '/api/v1/notice-deliveries', refused: { chair: 403, otherOfficer: 403, dept: 403 } },
  { method: 'POST', path: '/api/v1/notice-deliveries/{id}/retry', url: (i) => `/api/v1/notice-deliveries/${i.deadDelivery}/retry`, refused: { chair: 403, otherOfficer: 403, dept: 403 } },
];

function csvUpload() {
  const form = new FormData();
  form.set('file', new Blob(['code,name,type,township,members,female_members\nFY-T01-X002,某工会,企业工会,富春街道,30,3\n'], { type: 'text/csv' }), 'u.csv');
  return form;
}

const logins: Record<Caller, string> = { chair: 'unit-0001', otherOfficer: 'township-02', dept: 'dept-org' };
let s: DemoStack;
let ids: Ids;

beforeAll(async () => {
  s = await startDemoStack();
  const [chairUser] = await s.db.sql<{ id: string }[]>`select id from users where login = 'unit-0001'`;
  ids = {
    unitInT01: await s.orgId('FY-T01-U001'),
    otherUnitInT01: await s.orgId('FY-T01-U002'),
    t01: await s.orgId('FY-T01'),
    t02: await s.orgId('FY-T02'),
    chairUser: chairUser!.id,
    ...(await fixturePlan()),
  };
  // A draft must exist so catalogue-draft refusals are about the caller, not a missing draft.
  await s.call('POST', '/api/v1/catalogue/draft', { token: await s.token('district'), body: {} });
});
afterAll(async () => s?.stop());

/**
 * An issued plan with one dispatched task of FY-T01-U002, and an upload of that unit, written
 * directly: every refusal happens before Temporal is asked anything, so no worker is needed here.
 */
async function fixturePlan() {
  const sql = s.db.sql;
  const unit = await s.orgId('FY-T01-U002');
  const [plan] = await sql<{ id: string }[]>`
    insert into plans (district_id, year, name, deadline, catalogue_version, indicators, status)
    select district_id, 2031, '权限测试计划', '2031-11-30T00:00:00Z', 1, array['GF-04'], 'issued' from orgs where id = ${unit}
    returning id`;
  const [task] = await sql<{ id: string }[]>`
    insert into tasks (plan_id, org_id, township_id, district_id, indicator, category, department, two_tier, state, target, deadline, max_points, version)
    select ${plan!.id}, id, township_id, district_id, 'GF-04', 'GF', '财务部', true, 'dispatched', 1, '2031-11-30T00:00:00Z', 5, 1 from orgs where id = ${unit}
    returning id`;
  const [user] = await sql<{ id: string }[]>`select id from users where org_id = ${unit}`;
  const [upload] = await sql<{ id: string }[]>`
    insert into uploads (sha256, size, content_type, filename, org_id, uploaded_by)
    values (repeat('0', 64), 0, 'application/pdf', 'x.pdf', ${unit}, ${user!.id}) returning id`;
  const [order] = await sql<{ id: string }[]>`
    insert into supervision_orders (number, task_id, plan_id, org_id, township_id, district_id, issuer_org_id, task_deadline, reason, issued_at, respond_by)
    select '富工督〔2031〕1号', t.id, t.plan_id, t.org_id, t.township_id, t.district_id, t.township_id, t.deadline, '逾期未完成', now(), now() + interval '5 days'
    from tasks t where t.id = ${task!.id} returning id`;
  const [summons] = await sql<{ id: string }[]>`
    insert into summons (order_id, task_id, plan_id, org_id, township_id, district_id, summoner_org_id, proposed_at, place, created_at)
    select o.id, o.task_id, o.plan_id, o.org_id, o.township_id, o.district_id, o.district_id, now() + interval '3 days', '会议室', now()
    from supervision_orders o where o.id = ${order!.id} returning id`;
  const [notice] = await sql<{ id: string }[]>`
    insert into notices (event_key, user_id, org_id, kind, task_id, title, body)
    values ('matrix', ${user!.id}, ${unit}, 'warn', ${task!.id}, '【预警】', '测试') returning id`;
  const [delivery] = await sql<{ id: string }[]>`
    insert into notice_deliveries (event_key, org_id, district_id, channel, target, subject, content, status, attempts)
    select 'matrix', id, district_id, 'webhook', 'http://127.0.0.1:9/robot', '【预警】', '测试', 'dead', 8 from orgs where id = ${unit} returning id`;
  const [need] = await sql<{ id: string }[]>`
    insert into needs (number, district_id, township_id, org_id, raised_by, kind, title, body, urgency)
    select '富工需〔2031〕1号', district_id, township_id, id, ${user!.id}, 'other', '权限测试', '内容', 'normal' from orgs where id = ${unit} returning id`;
  return { plan: plan!.id, task: task!.id, upload: upload!.id, order: order!.id, summons: summons!.id, notice: notice!.id, deadDelivery: delivery!.id, need: need!.id };
}

/** Everything a refused call might have touched. */
async function fingerprint() {
  const [row] = await s.db.sql`
    select (select count(*) from audit_log)::int as audit,
      (select md5(string_agg(o::text, '' order by id)) from orgs o) as orgs,
      (select md5(string_agg(u::text, '' order by id)) from users u) as users,
      (select md5(string_agg(c::text, '' order by version)) from catalogue_versions c) as catalogue,
      (select md5(string_agg(t::text, '' order by id)) from tasks t) as tasks,
      (select md5(string_agg(p::text, '' order by id)) from plans p) as plans,
      (select count(*) from uploads)::int as uploads,
      (select md5(string_agg(x::text, '' order by id)) from supervision_orders x) as orders,
      (select md5(string_agg(x::text, '' order by id)) from summons x) as summons,
      (select md5(string_agg(x::text, '' order by id)) from notices x) as notices,
      (select md5(string_agg(x::text, '' order by id)) from notice_deliveries x) as deliveries,
      (select md5(string_agg(x::text, '' order by id)) from needs x) as needs,
      (select count(*) from need_messages)::int as "needMessages",
      (select count(*) from adjustments)::int as adjustments`;
  return row;
}

describe('access-control matrix', () => {
  it('covers every /api/v1 endpoint in the OpenAPI document', async () => {
    const doc = (await s.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/api/v1/') && p !== '/api/v1/auth/login')
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(rows.map((r) => `${r.method} ${r.path}`).sort()).toEqual(documented);
  });

  it.each(rows.map((r) => [`${r.method} ${r.path}`, r] as const))('%s refuses no token, an expired token and a forged token with 401', async (_, row) => {
    const before = await fingerprint();
    for (const token of [undefined, await s.expiredToken('district'), await s.forgedToken('district')]) {
      const res = await s.call(row.method, row.url(ids), { token, body: row.body?.(ids) });
      expect(res.status, `token ${token ? token.slice(0, 10) : 'none'}`).toBe(401);
    }
    expect(await fingerprint()).toEqual(before);
  });

  it.each(rows.filter((r) => Object.keys(r.refused).length).map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s refuses callers outside their role or subtree and changes nothing',
    async (_, row) => {
      const before = await fingerprint();
      for (const [caller, status] of Object.entries(row.refused) as [Caller, number][]) {
        const res = await s.call(row.method, row.url(ids), { token: await s.token(logins[caller]), body: row.body?.(ids) });
        expect(res.status, `${caller} (${logins[caller]})`).toBe(status);
        // A refusal from outside the subtree must not reveal whether the thing exists.
        if (status === 404) expect(res.body.error.message).not.toMatch(/FY-|工会/);
      }
      expect(await fingerprint()).toEqual(before);
    },
  );

  it('tells a 404 for a unit outside the subtree apart from nothing: same answer as a unit that does not exist', async () => {
    const officer = await s.token('township-02');
    const hidden = await s.call('GET', `/api/v1/orgs/${ids.otherUnitInT01}`, { token: officer });
    const missing = await s.call('GET', '/api/v1/orgs/00000000-0000-4000-8000-000000000000', { token: officer });
    expect(hidden.status).toBe(missing.status);
    expect(hidden.body).toEqual(missing.body);
  });

  it('POST /api/v1/tasks/evaluate refuses each row outside the caller’s subtree or department, as the single-task verb would, and changes nothing', async () => {
    const before = await fingerprint();
    const expected: Record<'otherOfficer' | 'dept', number> = { otherOfficer: 404, dept: 403 };
    for (const [caller, status] of Object.entries(expected) as ['otherOfficer' | 'dept', number][]) {
      const res = await s.call('POST', '/api/v1/tasks/evaluate', { token: await s.token(logins[caller]), body: { items: [{ taskId: ids.task, decision: 'approve' }] } });
      expect(res.status, caller).toBe(200);
      expect(res.body, caller).toMatchObject({ succeeded: 0, failed: 1, results: [{ taskId: ids.task, status }] });
      if (status === 404) expect(res.body.results[0].error.message).not.toMatch(/FY-|工会/);
    }
    expect(await fingerprint()).toEqual(before);
  });
});
