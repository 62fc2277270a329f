// Excel exports of the live index and the work behind it, the form offices pass around: the unit ranking, one
// unit's index explained, a township's task list, and the open orders and summons. Streamed while written;
// scoped like the JSON endpoints (a township officer gets their township, a chair their own unit or a 403).
import { createRoute, z } from '@hono/zod-openapi';
import { categoryCodeSchema, type Catalogue } from '../indicators';
import { lightOrder } from '../db/queries/tasks';
import { taskStates } from './tasks';
import { text } from '../lib/input';
import { districtOrg, openOrderRows, openSummonsRows, taskExportRows } from '../db/queries/exports';
import type { Slice } from '../db/queries/standing';
import { rankedUnits } from '../db/queries/standing';
import { publishedCatalogue } from '../db/queries/unit-index';
import type { Sql } from '../db/client';
import { forbidden, invalid, notFound } from '../lib/errors';
import type { CurrentUser } from './context';
import { requireRole, requireUser } from './middleware/auth';
import { newRouter } from './router';
import { authErrors, idParam, unprocessable } from './schemas';
import { explain } from './index-explanation';
import { sliceFor, standingPlan, type StandingPlan } from './standing-scope';
import {
  addSheet,
  beijing,
  commitRows,
  DATE_TIME,
  lightZh,
  lossReasonZh,
  PERCENT,
  reviewActionZh,
  stateZh,
  streamWorkbook,
  targetSourceZh,
  xlsxOk,
  type Book,
  type Flow,
} from './xlsx';

const tagged = { security: [{ bearer: [] }], tags: ['exports'] };
const townshipQuery = z.object({
  townshipId: z.string().uuid().optional().openapi({ description: 'district staff: one township only; a township officer always gets their own' }),
});

/** The task list's filters (as GET /tasks has them), so an export holds what the screen shows. */
const taskListFilter = {
  state: z.enum(taskStates).optional(),
  light: z.enum(lightOrder).optional(),
  indicator: text('short', { max: 10 }).optional(),
  category: categoryCodeSchema.optional(),
};

/** A file name from its parts, with the characters no file system accepts replaced. */
const fileName = (...parts: string[]) => `${parts.join('-').replace(/[\\/:*?"<>|\r\n]/g, '_')}.xlsx`;
const categoryName = (catalogue: Catalogue, code: string) => catalogue.categories.find((c) => c.code === code)?.name.zh ?? code;
const indicatorNames = (catalogue: Catalogue) => new Map(catalogue.indicators.map((i) => [i.code, i.name.zh]));

/**
 * The caller's slice for an export and the township it names, if any. A chair asking for a township is refused
 * rather than silently given their unit; a township must be one of the district's.
 */
async function exportScope(sql: Sql, user: CurrentUser, plan: StandingPlan, townshipId: string | undefined) {
  if (user.orgLevel === 'grassroots' && townshipId) throw forbidden('a grassroots chair exports their own unit only');
  const slice = sliceFor(user, townshipId);
  const township = slice.townshipId ? await districtOrg(sql, plan.districtId, slice.townshipId, 'township') : undefined;
  if (slice.townshipId && !township) throw invalid('townshipId', 'not a township of this district');
  return { slice, township };
}

/** A cover sheet: what the file is, for whom, as of when. */
function addCover(book: Book, rows: [string, string][]) {
  const sheet = addSheet(book, '说明', [
    { header: '项目', key: 'k', width: 14 },
    { header: '内容', key: 'v', width: 60 },
  ]);
  commitRows(sheet, rows.map(([k, v]) => ({ k, v })));
  sheet.commit();
}
const generatedAt = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

/** Excel exports. */
export const exportsApi = newRouter();
exportsApi.use('/plans/*', requireUser());

exportsApi.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/exports/ranking.xlsx',
    summary: '单位排名 as Excel: every unit of the caller’s part of the district with rank, the five category indices, band and coverage (district staff, township officers)',
    middleware: [requireRole('district_admin', 'department_staff', 'township_officer')] as const,
    request: { params: idParam, query: townshipQuery },
    responses: { 200: xlsxOk('the ranking workbook'), ...authErrors, ...unprocessable },
  }),
  async (c) => {
    const sql = c.var.sql;
    const plan = await standingPlan(sql, c.var.user, c.req.valid('param').id);
    const { slice, township } = await exportScope(sql, c.var.user, plan, c.req.valid('query').townshipId);
    const catalogue = await publishedCatalogue(sql, plan.catalogueVersion);
    // At most one row per unit (5,000 in a large district): the ranking query itself, so ranks agree with the API.
    const units = await rankedUnits(sql, plan.id, slice);
    const scopeName = township?.name ?? '全区';
    return streamWorkbook(c, { name: fileName(plan.name, ...(township ? [township.name] : []), '单位排名'), ascii: 'ranking.xlsx' }, async (book) => {
      const sheet = addSheet(book, '单位排名', [
        { header: '排名', key: 'districtRank', width: 7 },
        { header: '镇街内排名', key: 'townshipRank', width: 10 },
        { header: '单位编码', key: 'code', width: 16 },
        { header: '单位', key: 'name', width: 30 },
        { header: '所属镇街', key: 'townshipName', width: 14 },
        { header: '建家指数', key: 'total', width: 10, numFmt: '0.00' },
        ...catalogue.categories.map((k) => ({ header: `${k.name.zh}指数`, key: k.code, width: 10, numFmt: '0.00' })),
        { header: '等级', key: 'band', width: 10 },
        { header: '口径', key: 'basis', width: 8 },
        { header: '必备项未达标', key: 'failedGates', width: 16 },
        { header: '覆盖率', key: 'coverage', width: 9, numFmt: PERCENT },
        { header: '已通过任务', key: 'approvedTasks', width: 10 },
        { header: '应完成任务', key: 'applicableTasks', width: 10 },
        { header: '未分办任务', key: 'notDispatched', width: 10 },
      ]);
      commitRows(
        sheet,
        units.map((u) => ({
          ...u,
          ...u.categories,
          band: u.band ?? '暂无等级',
          basis: u.provisional ? '暂定' : '最终',
          failedGates: u.failedGates.join('、'),
        })),
      );
      sheet.commit();
      addCover(book, [
        ['计划', plan.name],
        ['范围', scopeName],
        ['导出时间', `${generatedAt()}（北京时间）`],
        ['单位数', String(units.length)],
        ['说明', '年度进行中为暂定指数：未评价的任务不计入（不按零分计），覆盖率为已评价分值占应评价分值的比例；未分办任务不计入单位指数，计入所属镇街。排名为全区排名。'],
      ]);
    });
  },
);

exportsApi.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/units/{orgId}/index.xlsx',
    summary: 'One unit’s 建家 index explained, as Excel: per indicator the target and its source, value, points earned and lost and why, evidence and reviews',
    request: { params: idParam.extend({ orgId: z.string().uuid().openapi({ param: { name: 'orgId', in: 'path' } }) }) },
    responses: { 200: xlsxOk('the explanation workbook'), ...authErrors },
  }),
  async (c) => {
    const sql = c.var.sql;
    const { id, orgId } = c.req.valid('param');
    // explain() narrows a township officer to their township but lets a chair's slice be replaced by the asked
    // unit; a chair reads their own unit only, with the same 404 as a unit that does not exist.
    if (c.var.user.orgLevel === 'grassroots' && orgId !== c.var.user.orgId) throw notFound('unit index');
    const { unit, indicators } = await explain(sql, c.var.user, id, orgId);
    const plan = await standingPlan(sql, c.var.user, id);
    const catalogue = await publishedCatalogue(sql, plan.catalogueVersion);
    return streamWorkbook(c, { name: fileName(plan.name, unit.name, '建家指数说明'), ascii: 'index.xlsx' }, async (book) => {
      const summary = addSheet(book, '指数概况', [
        { header: '项目', key: 'k', width: 16 },
        { header: '数值', key: 'v', width: 40 },
      ]);
      commitRows(summary, [
        { k: '单位', v: unit.name },
        { k: '单位编码', v: unit.code },
        { k: '所属镇街', v: unit.townshipName },
        { k: '建家指数', v: unit.total },
        ...catalogue.categories.map((k) => ({ k: `${k.name.zh}指数`, v: unit.categories[k.code] })),
        { k: '等级', v: unit.band ?? '暂无等级' },
        { k: '口径', v: unit.provisional ? '暂定（未评价的任务不计入）' : '最终' },
        { k: '必备项未达标', v: unit.failedGates.join('、') || '无' },
        { k: '覆盖率', v: `${(unit.coverage * 100).toFixed(1)}%` },
        { k: '全区排名', v: unit.districtRank },
        { k: '镇街内排名', v: unit.townshipRank },
        { k: '导出时间', v: `${generatedAt()}（北京时间）` },
      ]);
      summary.commit();
      const sheet = addSheet(book, '逐项说明', [
        { header: '指标编码', key: 'code', width: 9 },
        { header: '指标', key: 'name', width: 20 },
        { header: '类别', key: 'category', width: 7 },
        { header: '必备项', key: 'gate', width: 7 },
        { header: '状态', key: 'state', width: 16 },
        { header: '目标值', key: 'target', width: 8 },
        { header: '目标来源', key: 'targetSource', width: 12 },
        { header: '上报值', key: 'value', width: 8 },
        { header: '满分', key: 'maxPoints', width: 7 },
        { header: '得分', key: 'earned', width: 7 },
        { header: '失分', key: 'lost', width: 7 },
        { header: '失分原因', key: 'reason', width: 16 },
        { header: '计入指数', key: 'inIndex', width: 8 },
        { header: '退出原因', key: 'exitReason', width: 16 },
        { header: '佐证材料', key: 'evidence', width: 30 },
        { header: '评审记录', key: 'reviews', width: 60 },
      ]);
      commitRows(
        sheet,
        indicators.map((i) => ({
          ...i,
          category: categoryName(catalogue, i.category),
          gate: i.gate ? '是' : '否',
          state: stateZh[i.state] ?? i.state,
          targetSource: targetSourceZh[i.targetSource],
          reason: lossReasonZh[i.reason],
          inIndex: i.inIndex ? '是' : '否',
          evidence: i.evidence.map((e) => e.filename).join('、'),
          reviews: i.reviews
            .map((r) => {
              const at = beijing(r.at)!.toISOString().slice(0, 16).replace('T', ' ');
              return [at, r.by, reviewActionZh[r.action] ?? r.action, r.points === null ? '' : `${r.points}分`, r.reason ?? ''].filter(Boolean).join(' ');
            })
            .join('\n'),
        })),
      );
      sheet.commit();
    });
  },
);

exportsApi.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/exports/tasks.xlsx',
    summary:
      '任务清单 as Excel: a township’s tasks, unit by unit, with state, light, target, value, points and deadline (district staff may omit townshipId for the whole district); state, light, indicator and category narrow it as they narrow GET /tasks',
    middleware: [requireRole('district_admin', 'department_staff', 'township_officer')] as const,
    request: { params: idParam, query: townshipQuery.extend(taskListFilter) },
    responses: { 200: xlsxOk('the task list workbook'), ...authErrors, ...unprocessable },
  }),
  async (c) => {
    const sql = c.var.sql;
    const plan = await standingPlan(sql, c.var.user, c.req.valid('param').id);
    const { townshipId, ...filter } = c.req.valid('query');
    const { slice, township } = await exportScope(sql, c.var.user, plan, townshipId);
    const catalogue = await publishedCatalogue(sql, plan.catalogueVersion);
    const names = indicatorNames(catalogue);
    return streamWorkbook(c, { name: fileName(plan.name, township?.name ?? '全区', '任务清单'), ascii: 'tasks.xlsx' }, async (book, flow) => {
      const sheet = addSheet(book, '任务清单', [
        { header: '单位编码', key: 'unitCode', width: 16 },
        { header: '单位', key: 'unitName', width: 30 },
        { header: '所属镇街', key: 'townshipName', width: 14 },
        { header: '指标编码', key: 'indicator', width: 9 },
        { header: '指标', key: 'indicatorName', width: 20 },
        { header: '类别', key: 'category', width: 7 },
        { header: '责任部门', key: 'department', width: 12 },
        { header: '状态', key: 'state', width: 16 },
        { header: '灯', key: 'light', width: 12 },
        { header: '目标值', key: 'target', width: 8 },
        { header: '上报值', key: 'value', width: 8 },
        { header: '得分', key: 'points', width: 7 },
        { header: '满分', key: 'maxPoints', width: 7 },
        { header: '截止时间（北京时间）', key: 'deadline', width: 18, numFmt: DATE_TIME },
        { header: '负责人', key: 'responsible', width: 10 },
        { header: '退出原因', key: 'exitReason', width: 16 },
        { header: '最近更新（北京时间）', key: 'updatedAt', width: 18, numFmt: DATE_TIME },
      ]);
      for await (const rows of taskExportRows(sql, plan.id, slice, filter)) {
        commitRows(
          sheet,
          rows.map((t) => ({
            ...t,
            indicatorName: names.get(t.indicator) ?? t.indicator,
            category: categoryName(catalogue, t.category),
            state: stateZh[t.state] ?? t.state,
            light: lightZh[t.light],
            deadline: beijing(t.deadline),
            updatedAt: beijing(t.updatedAt),
          })),
        );
        await flow(sheet);
      }
      sheet.commit();
    });
  },
);

exportsApi.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/plans/{id}/exports/escalations.xlsx',
    summary: '督办约谈 as Excel: the supervision orders still waiting for an answer and the summons without a recorded outcome, within the caller’s part of the district',
    request: { params: idParam, query: townshipQuery },
    responses: { 200: xlsxOk('the escalations workbook'), ...authErrors, ...unprocessable },
  }),
  async (c) => {
    const sql = c.var.sql;
    const user = c.var.user;
    const plan = await standingPlan(sql, user, c.req.valid('param').id);
    const { slice, township } = await exportScope(sql, user, plan, c.req.valid('query').townshipId);
    const unit = slice.orgId ? await districtOrg(sql, plan.districtId, slice.orgId, 'grassroots') : undefined;
    const names = indicatorNames(await publishedCatalogue(sql, plan.catalogueVersion));
    const scopeName = unit?.name ?? township?.name ?? '全区';
    return streamWorkbook(c, { name: fileName(plan.name, scopeName, '督办约谈'), ascii: 'escalations.xlsx' }, async (book, flow) => {
      await writeOrders(book, flow, sql, plan.id, slice, names);
      await writeSummons(book, flow, sql, plan.id, slice, names);
    });
  },
);

async function writeOrders(book: Book, flow: Flow, sql: Sql, planId: string, slice: Slice, names: Map<string, string>) {
  const sheet = addSheet(book, '督办单', [
    { header: '文号', key: 'number', width: 20 },
    { header: '单位编码', key: 'unitCode', width: 16 },
    { header: '单位', key: 'unitName', width: 30 },
    { header: '所属镇街', key: 'townshipName', width: 14 },
    { header: '指标', key: 'indicator', width: 20 },
    { header: '督办事由', key: 'reason', width: 24 },
    { header: '签发单位', key: 'issuer', width: 16 },
    { header: '任务截止（北京时间）', key: 'taskDeadline', width: 18, numFmt: DATE_TIME },
    { header: '下发时间（北京时间）', key: 'issuedAt', width: 18, numFmt: DATE_TIME },
    { header: '答复期限（北京时间）', key: 'respondBy', width: 18, numFmt: DATE_TIME },
    { header: '状态', key: 'status', width: 12 },
  ]);
  const now = Date.now();
  for await (const rows of openOrderRows(sql, planId, slice)) {
    commitRows(
      sheet,
      rows.map((o) => ({
        ...o,
        indicator: `${o.indicator} ${names.get(o.indicator) ?? ''}`.trim(),
        taskDeadline: beijing(o.taskDeadline),
        issuedAt: beijing(o.issuedAt),
        respondBy: beijing(o.respondBy),
        status: new Date(o.respondBy).getTime() < now ? '红灯 逾期未答复' : '红灯 待答复',
      })),
    );
    await flow(sheet);
  }
  sheet.commit();
}

async function writeSummons(book: Book, flow: Flow, sql: Sql, planId: string, slice: Slice, names: Map<string, string>) {
  const sheet = addSheet(book, '约谈', [
    { header: '督办文号', key: 'orderNumber', width: 20 },
    { header: '单位编码', key: 'unitCode', width: 16 },
    { header: '单位', key: 'unitName', width: 30 },
    { header: '所属镇街', key: 'townshipName', width: 14 },
    { header: '指标', key: 'indicator', width: 20 },
    { header: '约谈单位', key: 'summoner', width: 16 },
    { header: '拟约谈时间（北京时间）', key: 'proposedAt', width: 20, numFmt: DATE_TIME },
    { header: '地点', key: 'place', width: 16 },
    { header: '发起时间（北京时间）', key: 'createdAt', width: 18, numFmt: DATE_TIME },
    { header: '状态', key: 'status', width: 14 },
  ]);
  for await (const rows of openSummonsRows(sql, planId, slice)) {
    commitRows(
      sheet,
      rows.map((s) => ({
        ...s,
        indicator: `${s.indicator} ${names.get(s.indicator) ?? ''}`.trim(),
        proposedAt: beijing(s.proposedAt),
        createdAt: beijing(s.createdAt),
        status: s.heldAt ? '已约谈 待记录结果' : '红灯 待约谈',
      })),
    );
    await flow(sheet);
  }
  sheet.commit();
}
