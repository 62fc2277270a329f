// The Excel exports on the real stack: a plan dispatched by two townships, tasks claimed, reported and approved
// through the API, one task per township left to climb the guidance ladder to an order and a summons; each
// workbook read back with exceljs as an office's spreadsheet program would, and checked against the JSON API.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { waitUntil } from '../support/wait';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const INDICATORS = ['HS-02', 'GF-02', 'HL-01', 'WN-04', 'HX-02'];
const beijingYear = (at: number) => new Date(at + 8 * 3600_000).getUTCFullYear();

let s: DemoStack;
let worker: { stop(): Promise<void> } | undefined;
let district: string;
let planId: string;
let planName: string;
let t01: string;
let t02: string;
let t01Name: string;
let t02Name: string;
let u1: string;
let u2: string;
let t02u1: string;
let unitsT01: number;
let unitsT02: number;
/** HS-02 of FY-T01-U001, left undone until the ladder orders and summons. */
let lateTaskDeadline: string;

type Cell = ExcelJS.CellValue;
interface Download {
  status: number;
  headers: Headers;
  sheets: Map<string, Cell[][]>;
  error?: { code: string; field?: string };
}

/** GET a workbook as a browser would, and read every sheet back with exceljs (row 1 = headers). */
async function download(path: string, token: string): Promise<Download> {
  const res = await fetch(s.baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) return { status: res.status, headers: res.headers, sheets: new Map(), error: JSON.parse(bytes.toString('utf8')).error };
  const book = new ExcelJS.Workbook();
  // exceljs declares its own Buffer type that Node's Buffer does not satisfy; the runtime takes it.
  await book.xlsx.load(bytes as never);
  const sheets = new Map<string, Cell[][]>();
  book.eachSheet((sheet) => {
    const rows: Cell[][] = [];
    sheet.eachRow((row) => rows.push((row.values as Cell[]).slice(1)));
    sheets.set(sheet.name, rows);
  });
  return { status: res.status, headers: res.headers, sheets };
}

/** A sheet's data rows as objects keyed by the Chinese headers. */
function records(d: Download, sheet: string): Record<string, Cell>[] {
  const rows = d.sheets.get(sheet);
  if (!rows) throw new Error(`no sheet ${sheet}; have ${[...d.sheets.keys()].join(', ')}`);
  const [headers, ...data] = rows;
  return data.map((r) => Object.fromEntries(headers!.map((h, i) => [String(h), r[i] ?? null])));
}

const expectedDisposition = (ascii: string, name: string) => `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;

async function evidence(token: string) {
  const form = new FormData();
  form.set('file', new Blob([Buffer.from('%PDF-1.4\n% 活动记录\n%%EOF\n')], { type: 'application/pdf' }), '活动记录.pdf');
  const res = await s.call('POST', '/api/v1/uploads', { token, body: form });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** Claim, report `values[code]` with evidence, and have the township approve, every listed task of a chair's unit. */
async function complete(chairLogin: string, officerLogin: string, values: Record<string, number>) {
  const chair = await s.token(chairLogin);
  const officer = await s.token(officerLogin);
  const file = await evidence(chair);
  const mine = await s.call('GET', `/api/v1/tasks?planId=${planId}&limit=100`, { token: chair });
  for (const [code, value] of Object.entries(values)) {
    const task = mine.body.items.find((t: { indicator: string }) => t.indicator === code);
    expect((await s.call('POST', `/api/v1/tasks/${task.id}/claim`, { token: chair, body: { responsible: '张三' } })).status).toBe(200);
    const reported = await s.call('POST', `/api/v1/tasks/${task.id}/report`, { token: chair, body: { value, evidence: [file], final: true } });
    expect(reported.status, JSON.stringify(reported.body)).toBe(200);
    const approved = await s.call('POST', `/api/v1/tasks/${task.id}/evaluate`, { token: officer, body: { decision: 'approve' } });
    expect(approved.body.state, JSON.stringify(approved.body)).toBe('approved');
  }
}

beforeAll(async () => {
  s = await startDemoStack();
  worker = await startWorker(s);
  district = await s.token('district');
  t01 = await s.orgId('FY-T01');
  t02 = await s.orgId('FY-T02');
  u1 = await s.orgId('FY-T01-U001');
  u2 = await s.orgId('FY-T01-U002');
  t02u1 = await s.orgId('FY-T02-U001');
  const names = await s.db.sql<{ id: string; name: string; units: number }[]>`
    select t.id, t.name, (select count(*)::int from orgs u where u.township_id = t.id and u.level = 'grassroots' and u.status = 'active') as units
    from orgs t where t.id in (${t01}, ${t02})`;
  const byId = new Map(names.map((n) => [n.id, n]));
  t01Name = byId.get(t01)!.name;
  t02Name = byId.get(t02)!.name;
  unitsT01 = byId.get(t01)!.units;
  unitsT02 = byId.get(t02)!.units;

  // The plan's own deadline is far enough that no other task climbs the ladder during the test.
  const planDeadline = new Date(Date.now() + 30 * 60_000);
  planName = `${beijingYear(planDeadline.getTime())}年度富工建家计划`;
  const created = await s.call('POST', '/api/v1/plans', {
    token: district,
    body: {
      year: beijingYear(planDeadline.getTime()),
      name: planName,
      deadline: planDeadline.toISOString(),
      indicators: INDICATORS,
      escalation: { remindBefore: 'PT8S', warnAfter: 'PT0S', superviseAfter: 'PT4S', orderResponse: 'PT4S', summonsAfter: 'P3D' },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  planId = created.body.id;
  expect((await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district })).status).toBe(200);

  // Both townships dispatch all their units; one unit each gets an HS-02 deadline seconds away.
  lateTaskDeadline = new Date(Date.now() + 15_000).toISOString();
  for (const [login, late] of [['township-01', u1], ['township-02', t02u1]] as const) {
    const res = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, {
      token: await s.token(login),
      body: { overrides: [{ unitId: late, indicator: 'HS-02', deadline: lateTaskDeadline }] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  // Unit 1 does everything but HS-02; unit 2 everything, HX-02 short of its target of 4; one unit of township 02 a little.
  await complete('unit-0001', 'township-01', { 'GF-02': 1, 'HL-01': 1, 'WN-04': 1, 'HX-02': 5 });
  await complete('unit-0002', 'township-01', { 'HS-02': 5, 'GF-02': 1, 'HL-01': 1, 'WN-04': 1, 'HX-02': 2 });
  const [t02chair] = await s.db.sql<{ login: string }[]>`select login from users where org_id = ${t02u1}`;
  await complete(t02chair!.login, 'township-02', { 'GF-02': 1 });

  await waitUntil(
    'a summons in each township for the late HS-02',
    async () => (await s.call('GET', `/api/v1/summons?planId=${planId}`, { token: district })).body.items.length === 2,
    60_000,
  );
}, 150_000);

afterAll(async () => {
  await worker?.stop();
  await s?.stop();
});

describe('Excel exports', () => {
  it('are described in the OpenAPI document as spreadsheet downloads with a Content-Disposition', async () => {
    const doc = (await s.call('GET', '/openapi.json')).body;
    for (const path of ['/plans/{id}/exports/ranking.xlsx', '/plans/{id}/units/{orgId}/index.xlsx', '/plans/{id}/exports/tasks.xlsx', '/plans/{id}/exports/escalations.xlsx']) {
      const ok = doc.paths[`/api/v1${path}`].get.responses['200'];
      expect(Object.keys(ok.content), path).toEqual([XLSX]);
      expect(ok.content[XLSX].schema).toMatchObject({ type: 'string', format: 'binary' });
      expect(ok.headers['Content-Disposition'], path).toBeDefined();
    }
  });

  it('exports the district ranking with category indices, band and coverage, as the ranking API has it', async () => {
    const json = await s.call('GET', `/api/v1/plans/${planId}/ranking`, { token: district });
    expect(json.status).toBe(200);
    const d = await download(`/api/v1/plans/${planId}/exports/ranking.xlsx`, district);
    expect(d.status).toBe(200);
    expect(d.headers.get('content-type')).toBe(XLSX);
    expect(d.headers.get('content-disposition')).toBe(expectedDisposition('ranking.xlsx', `${planName}-单位排名.xlsx`));
    expect(d.sheets.get('单位排名')![0]).toEqual([
      '排名', '镇街内排名', '单位编码', '单位', '所属镇街', '建家指数', '红色指数', '规范指数', '活力指数', '温暖指数', '和谐指数',
      '等级', '口径', '必备项未达标', '覆盖率', '已通过任务', '应完成任务', '未分办任务',
    ]);
    const rows = records(d, '单位排名');
    // Every unit of the district is in the index from issue on, in the API's order; those of the townships that
    // never dispatched come last, with no index and their tasks counted as not dispatched.
    const [all] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from orgs where level = 'grassroots' and status = 'active'`;
    expect(rows).toHaveLength(all!.n);
    expect(rows.filter((r) => r['所属镇街'] === t01Name || r['所属镇街'] === t02Name)).toHaveLength(unitsT01 + unitsT02);
    expect(rows.slice(unitsT01 + unitsT02).every((r) => r['建家指数'] === null || r['建家指数'] === undefined || r['建家指数'] === '')).toBe(true);
    expect(rows.map((r) => r['单位编码'])).toEqual(json.body.items.map((u: { code: string }) => u.code));
    for (const [i, u] of json.body.items.slice(0, 3).entries()) {
      expect(rows[i]).toMatchObject({ 排名: u.districtRank, 单位: u.name, 建家指数: u.total, 红色指数: u.categories.HS, 规范指数: u.categories.GF, 覆盖率: u.coverage, 口径: '暂定' });
    }
    // Unit 2 lost points on HX-02 only; unit 1 has not reported HS-02, which is pending, not zero.
    const unit2 = rows.find((r) => r['单位编码'] === 'FY-T01-U002')!;
    expect(unit2['和谐指数']).toBeLessThan(100);
    expect(unit2['覆盖率']).toBe(1);
    const unit1 = rows.find((r) => r['单位编码'] === 'FY-T01-U001')!;
    expect(unit1).toMatchObject({ 建家指数: 100, 红色指数: null, 等级: '五星', 已通过任务: 4, 应完成任务: 5 });
    expect(unit1['覆盖率']).toBeLessThan(1);
    // A unit with nothing evaluated has no band and no index.
    expect(rows.at(-1)).toMatchObject({ 建家指数: null, 等级: '暂无等级', 排名: null });
    expect(records(d, '说明').find((r) => r['项目'] === '范围')!['内容']).toBe('全区');
  });

  it('gives a township officer their township only, refuses another township and refuses a chair', async () => {
    const officer = await s.token('township-01');
    const d = await download(`/api/v1/plans/${planId}/exports/ranking.xlsx`, officer);
    expect(d.status).toBe(200);
    expect(d.headers.get('content-disposition')).toBe(expectedDisposition('ranking.xlsx', `${planName}-${t01Name}-单位排名.xlsx`));
    const rows = records(d, '单位排名');
    expect(rows).toHaveLength(unitsT01);
    expect(new Set(rows.map((r) => r['所属镇街']))).toEqual(new Set([t01Name]));
    expect(rows.map((r) => r['镇街内排名']).filter((r) => r !== null)[0]).toBe(1);

    expect((await download(`/api/v1/plans/${planId}/exports/ranking.xlsx?townshipId=${t02}`, officer)).status).toBe(403);
    expect((await download(`/api/v1/plans/${planId}/exports/ranking.xlsx`, await s.token('unit-0001'))).status).toBe(403);
    const notTownship = await download(`/api/v1/plans/${planId}/exports/ranking.xlsx?townshipId=${u1}`, district);
    expect(notTownship.status).toBe(422);
    expect(notTownship.error!.field).toBe('townshipId');
  });

  it('exports a township’s task list with states and lights in Chinese and deadlines on Beijing’s clock', async () => {
    const officer = await s.token('township-01');
    const d = await download(`/api/v1/plans/${planId}/exports/tasks.xlsx`, officer);
    expect(d.status).toBe(200);
    expect(d.headers.get('content-disposition')).toBe(expectedDisposition('tasks.xlsx', `${planName}-${t01Name}-任务清单.xlsx`));
    expect(d.sheets.get('任务清单')![0]).toEqual([
      '单位编码', '单位', '所属镇街', '指标编码', '指标', '类别', '责任部门', '状态', '灯', '目标值', '上报值', '得分', '满分',
      '截止时间（北京时间）', '负责人', '退出原因', '最近更新（北京时间）',
    ]);
    const rows = records(d, '任务清单');
    expect(rows).toHaveLength(unitsT01 * INDICATORS.length);
    expect(new Set(rows.map((r) => r['所属镇街']))).toEqual(new Set([t01Name]));

    const late = rows.find((r) => r['单位编码'] === 'FY-T01-U001' && r['指标编码'] === 'HS-02')!;
    expect(late).toMatchObject({ 指标: '政治引领活动', 类别: '红色', 状态: '待认领', 灯: '红灯 督办中', 得分: null });
    // The deadline cell shows Beijing's wall clock: exceljs reads an Excel date back as that clock in UTC fields.
    expect((late['截止时间（北京时间）'] as Date).toISOString()).toBe(new Date(Date.parse(lateTaskDeadline) + 8 * 3600_000).toISOString());
    const short = rows.find((r) => r['单位编码'] === 'FY-T01-U002' && r['指标编码'] === 'HX-02')!;
    expect(short).toMatchObject({ 状态: '已通过', 灯: '绿灯 正常', 上报值: 2, 负责人: '张三' });
    expect(short['得分']).toBeLessThan(short['满分'] as number);
    expect(rows.filter((r) => r['状态'] === '已通过')).toHaveLength(9);

    // District staff: one township on request, the whole plan without.
    const other = records(await download(`/api/v1/plans/${planId}/exports/tasks.xlsx?townshipId=${t02}`, district), '任务清单');
    expect(other).toHaveLength(unitsT02 * INDICATORS.length);
    expect(new Set(other.map((r) => r['所属镇街']))).toEqual(new Set([t02Name]));
    const all = await download(`/api/v1/plans/${planId}/exports/tasks.xlsx`, await s.token('dept-org'));
    const [count] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from tasks where plan_id = ${planId}`;
    expect(records(all, '任务清单')).toHaveLength(count!.n);
    expect(records(all, '任务清单').filter((r) => r['状态'] === '待分办').length).toBe(count!.n - (unitsT01 + unitsT02) * INDICATORS.length);

    expect((await download(`/api/v1/plans/${planId}/exports/tasks.xlsx?townshipId=${t01}`, await s.token('township-02'))).status).toBe(403);
    expect((await download(`/api/v1/plans/${planId}/exports/tasks.xlsx`, await s.token('unit-0001'))).status).toBe(403);
  });


  it('narrows the task list to the filters of the task overview, as GET /tasks narrows the screen', async () => {
    const path = `/api/v1/plans/${planId}/exports/tasks.xlsx?light=red&category=HS`;
    const red = records(await download(path, district), '任务清单');
    const listed = await s.call('GET', `/api/v1/tasks?planId=${planId}&light=red&category=HS&limit=500`, { token: district });
    expect(red.map((r) => r['单位编码']).sort()).toEqual(listed.body.items.map((t: { orgCode: string }) => t.orgCode).sort());
    expect(red.map((r) => r['单位编码']).sort()).toEqual(['FY-T01-U001', 'FY-T02-U001']);
    const approved = records(await download(`/api/v1/plans/${planId}/exports/tasks.xlsx?state=approved&indicator=GF-02&townshipId=${t01}`, district), '任务清单');
    expect(approved.map((r) => r['单位编码']).sort()).toEqual(['FY-T01-U001', 'FY-T01-U002']);
    const refused = await download(`/api/v1/plans/${planId}/exports/tasks.xlsx?light=purple`, district);
    expect(refused.status).toBe(400);
    expect(refused.error?.field).toBe('query.light');
  });
  it('explains one unit point by point: earned plus lost is the maximum, and each loss has its reason', async () => {
    const chair2 = await s.token('unit-0002');
    const d = await download(`/api/v1/plans/${planId}/units/${u2}/index.xlsx`, chair2);
    expect(d.status).toBe(200);
    const [unitName] = await s.db.sql<{ name: string }[]>`select name from orgs where id = ${u2}`;
    expect(d.headers.get('content-disposition')).toBe(expectedDisposition('index.xlsx', `${planName}-${unitName!.name}-建家指数说明.xlsx`));
    const json = await s.call('GET', `/api/v1/plans/${planId}/units/${u2}/index`, { token: chair2 });
    const summary = new Map(records(d, '指数概况').map((r) => [r['项目'], r['数值']]));
    expect(summary.get('建家指数')).toBe(json.body.unit.total);
    expect(summary.get('等级')).toBe(json.body.unit.band);
    expect(summary.get('覆盖率')).toBe('100.0%');

    const rows = records(d, '逐项说明');
    expect(rows).toHaveLength(INDICATORS.length);
    for (const r of rows) expect((r['得分'] as number) + (r['失分'] as number)).toBeCloseTo(r['满分'] as number, 4);
    expect(rows.find((r) => r['指标编码'] === 'HX-02')).toMatchObject({ 失分原因: '未达目标', 上报值: 2, 目标值: 4, 状态: '已通过', 计入指数: '是', 佐证材料: '活动记录.pdf' });
    expect(rows.find((r) => r['指标编码'] === 'GF-02')).toMatchObject({ 失分原因: '未失分', 目标来源: '指标默认值' });
    expect(String(rows.find((r) => r['指标编码'] === 'GF-02')!['评审记录'])).toMatch(/township-01 通过/);

    // Unit 1's undone HS-02: not yet due counts as pending; past its deadline it is 未上报.
    const one = records(await download(`/api/v1/plans/${planId}/units/${u1}/index.xlsx`, district), '逐项说明');
    expect(one.find((r) => r['指标编码'] === 'HS-02')).toMatchObject({ 失分原因: '未上报', 状态: '待认领' });

    expect((await download(`/api/v1/plans/${planId}/units/${u2}/index.xlsx`, await s.token('unit-0001'))).status).toBe(404);
    expect((await download(`/api/v1/plans/${planId}/units/${u2}/index.xlsx`, await s.token('township-02'))).status).toBe(404);
  });

  it('exports the open orders and summons: the district all of them, a township officer and a chair their own', async () => {
    const d = await download(`/api/v1/plans/${planId}/exports/escalations.xlsx`, district);
    expect(d.status).toBe(200);
    expect(d.headers.get('content-disposition')).toBe(expectedDisposition('escalations.xlsx', `${planName}-全区-督办约谈.xlsx`));
    const orders = records(d, '督办单');
    const summons = records(d, '约谈');
    expect(orders.map((o) => o['所属镇街']).sort()).toEqual([t01Name, t02Name].sort());
    expect(summons).toHaveLength(2);
    const api = (await s.call('GET', `/api/v1/supervision-orders?planId=${planId}`, { token: district })).body.items;
    const first = orders.find((o) => o['单位编码'] === 'FY-T01-U001')!;
    const order = api.find((o: { orgId: string }) => o.orgId === u1);
    expect(first).toMatchObject({ 文号: order.number, 指标: 'HS-02 政治引领活动', 状态: '红灯 逾期未答复' });
    expect((first['答复期限（北京时间）'] as Date).toISOString()).toBe(new Date(Date.parse(order.respondBy) + 8 * 3600_000).toISOString());
    expect(summons.find((x) => x['单位编码'] === 'FY-T01-U001')).toMatchObject({ 督办文号: order.number, 状态: '红灯 待约谈' });

    const township = await download(`/api/v1/plans/${planId}/exports/escalations.xlsx`, await s.token('township-02'));
    expect(records(township, '督办单').map((o) => o['所属镇街'])).toEqual([t02Name]);
    expect(records(township, '约谈').map((o) => o['所属镇街'])).toEqual([t02Name]);

    const chair = await download(`/api/v1/plans/${planId}/exports/escalations.xlsx`, await s.token('unit-0001'));
    expect(records(chair, '督办单').map((o) => o['单位编码'])).toEqual(['FY-T01-U001']);
    const chair2 = await download(`/api/v1/plans/${planId}/exports/escalations.xlsx`, await s.token('unit-0002'));
    expect(records(chair2, '督办单')).toEqual([]);
    expect((await download(`/api/v1/plans/${planId}/exports/escalations.xlsx?townshipId=${t01}`, await s.token('unit-0001'))).status).toBe(403);
  });
});
