import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { launchBrowser, samplePng, screenshot } from '../support/browser';
import { waitUntil } from '../support/wait';
import { DEMO_PASSWORD } from '../../db/demo/load';

// 任务总览 in the console: a plan dispatched by two townships, one unit in each left to climb the guidance ladder to
// red, one task reported with a photo. The district filters by light and township, the filter outlives a reload,
// a row opens the task with its evidence and ladder, and the Excel export holds the filtered rows.
let s: DemoStack;
let worker: { stop(): Promise<void> };
let browser: Browser;
const contexts: BrowserContext[] = [];
let planId: string;
const INDICATORS = ['HS-02', 'GF-02', 'HL-01'];
const poll = <T>(read: () => Promise<T> | T, timeout = 20_000) => expect.poll(read, { timeout, interval: 250 });
const beijingYear = (at: number) => new Date(at + 8 * 3600_000).getUTCFullYear();

async function open(login: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: s.baseUrl });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto('/login');
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

async function choose(page: Page, select: string, option: string) {
  const box = page.locator(select);
  await box.click();
  const list = await box.locator('[aria-controls]').first().getAttribute('aria-controls');
  await page.locator(`[id="${list}"] .el-select-dropdown__item`, { hasText: option }).first().click();
  await page.locator(`[id="${list}"]`).waitFor({ state: 'hidden' });
}

/** A downloaded workbook's first sheet as objects keyed by its header row. */
async function sheetRows(download: Download, sheetName: string): Promise<Record<string, unknown>[]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(readFileSync((await download.path())!) as never);
  const sheet = book.getWorksheet(sheetName)!;
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  const [headers, ...data] = rows;
  return data.map((r) => Object.fromEntries(headers!.map((h, i) => [String(h), r[i] ?? null])));
}

beforeAll(async () => {
  browser = await launchBrowser();
  s = await startDemoStack();
  worker = await startWorker(s);
  const district = await s.token('district');
  const planDeadline = new Date(Date.now() + 30 * 60_000);
  const created = await s.call('POST', '/api/v1/plans', {
    token: district,
    body: {
      year: beijingYear(planDeadline.getTime()),
      name: `${beijingYear(planDeadline.getTime())}年度富工建家计划`,
      deadline: planDeadline.toISOString(),
      indicators: INDICATORS,
      escalation: { remindBefore: 'PT8S', warnAfter: 'PT0S', superviseAfter: 'PT4S', orderResponse: 'PT4S', summonsAfter: 'P3D' },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  planId = created.body.id;
  expect((await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district })).status).toBe(200);
  // Each township dispatches all its units; one unit each gets an HS-02 deadline seconds away and goes red.
  const late = new Date(Date.now() + 10_000).toISOString();
  for (const [login, unit] of [['township-01', 'FY-T01-U001'], ['township-02', 'FY-T02-U001']] as const) {
    const res = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: await s.token(login), body: { overrides: [{ unitId: await s.orgId(unit), indicator: 'HS-02', deadline: late }] } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  // FY-T01-U002 reports GF-02 with a photo, waiting for review.
  const chair = await s.token('unit-0002');
  const mine = await s.call('GET', `/api/v1/tasks?planId=${planId}&indicator=GF-02`, { token: chair });
  const task = mine.body.items[0];
  expect((await s.call('POST', `/api/v1/tasks/${task.id}/claim`, { token: chair, body: { responsible: '李四' } })).status).toBe(200);
  const form = new FormData();
  form.set('file', new Blob([await samplePng()], { type: 'image/png' }), '会议照片.png');
  const upload = await s.call('POST', '/api/v1/uploads', { token: chair, body: form });
  const reported = await s.call('POST', `/api/v1/tasks/${task.id}/report`, { token: chair, body: { value: 1, note: '已召开职代会', evidence: [upload.body.id], final: true } });
  expect(reported.status, JSON.stringify(reported.body)).toBe(200);
  await waitUntil(
    'both late HS-02 tasks red',
    async () => (await s.call('GET', `/api/v1/tasks?planId=${planId}&light=red`, { token: district })).body.items.length === 2,
    60_000,
  );
}, 150_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await worker?.stop();
  await s?.stop();
});

describe('the task overview', () => {
  let district: Page;

  it('pages on the server, filters by light and township, shows the light counts as badges with words, and keeps the filter across a reload', async () => {
    district = await open('district');
    await district.getByRole('menuitem', { name: '任务总览' }).click();
    await district.waitForURL('**/tasks');
    const rows = district.locator('.rows .el-table__row');
    await poll(() => district.locator('[data-test=shown]').textContent()).toMatch(/已显示 50 条，共 \d+ 条/);
    // Paged on the server: the next 50 come on request.
    await district.locator('[data-test=more]').click();
    await poll(() => district.locator('[data-test=shown]').textContent()).toMatch(/已显示 100 条，共 \d+ 条/);
    await poll(() => rows.count()).toBe(100);
    const counts = district.locator('[data-test=light-counts]');
    await poll(() => counts.locator('button[data-light=red]').textContent()).toMatch(/红·督办\/约谈中\s*2/);

    await choose(district, '[data-test=light]', '红');
    await choose(district, '[data-test=township]', '春江街道');
    await poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('FY-T02-U001');
    expect(await rows.first().textContent()).toContain('红·督办/约谈中');
    expect(await rows.first().textContent()).toContain('春江街道');
    await poll(() => counts.locator('button[data-light=red]').textContent()).toMatch(/红·督办\/约谈中\s*1/);
    await poll(() => counts.locator('button[data-light=green]').textContent()).toMatch(/绿·正常推进\s*0/);

    await district.reload();
    await poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('FY-T02-U001');
    await poll(() => district.locator('[data-test=township]').textContent()).toContain('春江街道');
    await poll(() => district.locator('[data-test=light]').textContent()).toContain('红');
    await screenshot(district, 'task-overview');
  });

  it('opens a red task with its ladder and history, and a reported one with its photo and its unit’s index workbook', async () => {
    const rows = district.locator('.rows .el-table__row');
    await rows.first().click();
    const drawer = district.locator('.el-drawer:visible');
    await poll(() => drawer.locator('[data-test=history]').textContent()).toContain('发出督办单');
    expect(await drawer.textContent()).toContain('督办答复期限');
    await district.keyboard.press('Escape');

    await district.getByRole('button', { name: '重置' }).click();
    await choose(district, '[data-test=state]', '待审核');
    await poll(() => rows.count()).toBe(1);
    await rows.first().click();
    const photo = district.locator('.el-drawer:visible img[alt="附件1"]');
    await poll(() => photo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(64);
    await poll(() => district.locator('.el-drawer:visible').textContent()).toContain('已召开职代会');
    await screenshot(district, 'task-overview-detail');
    const [index] = await Promise.all([district.waitForEvent('download'), district.locator('.el-drawer:visible').getByRole('button', { name: '本单位建家指数说明（Excel）' }).click()]);
    const summary = await sheetRows(index, '指数概况');
    expect(summary.find((r) => r['项目'] === '单位编码')?.['数值']).toBe('FY-T01-U002');
    await district.keyboard.press('Escape');
  });

  it('exports the filtered list to Excel, and the file holds the rows on the screen', async () => {
    await district.getByRole('button', { name: '重置' }).click();
    await choose(district, '[data-test=light]', '红');
    await poll(() => district.locator('.rows .el-table__row').count()).toBe(2);
    const [download] = await Promise.all([district.waitForEvent('download'), district.locator('[data-test=export]').click()]);
    expect(download.suggestedFilename()).toMatch(/全区-任务清单\.xlsx$/);
    const rows = await sheetRows(download, '任务清单');
    expect(rows.map((r) => r['单位编码']).sort()).toEqual(['FY-T01-U001', 'FY-T02-U001']);
    expect(rows[0]).toMatchObject({ 指标编码: 'HS-02', 状态: '待认领' });
    expect(String(rows[0]!['灯'])).toContain('红灯');
  });

  it('gives a township officer their own township’s tasks, with no township filter, and the plan page its exports', async () => {
    const officer = await open('township-02');
    await officer.goto('/tasks');
    const [units] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from orgs where township_id = ${await s.orgId('FY-T02')} and level = 'grassroots' and status = 'active'`;
    await poll(() => officer.locator('[data-test=shown]').textContent()).toContain(`共 ${units!.n * INDICATORS.length} 条`);
    expect(await officer.locator('[data-test=township]').count()).toBe(0);
    // By deadline, the township's own late task comes first; the other township's never shows.
    expect(await officer.locator('.rows .el-table__row').first().textContent()).toContain('FY-T02-U001');
    expect(await officer.locator('.rows').textContent()).not.toContain('FY-T01-');

    await district.goto(`/plans/${planId}`);
    const [ranking] = await Promise.all([district.waitForEvent('download'), district.locator('[data-test=export-ranking]').click()]);
    const ranked = await sheetRows(ranking, '单位排名');
    expect(ranked.find((r) => r['单位编码'] === 'FY-T01-U001')).toBeDefined();
    const [escalations] = await Promise.all([district.waitForEvent('download'), district.locator('[data-test=export-escalations]').click()]);
    expect((await sheetRows(escalations, '督办单')).map((r) => r['单位编码']).sort()).toEqual(['FY-T01-U001', 'FY-T02-U001']);
  });

  it('records how a summons went on 督办与约谈, and the row shows it', async () => {
    await waitUntil('a summons for each late unit', async () => (await s.call('GET', `/api/v1/summons?planId=${planId}`, { token: await s.token('district') })).body.items.length === 2, 60_000);
    const [unit] = await s.db.sql<{ name: string }[]>`select name from orgs where code = 'FY-T02-U001'`;
    await district.getByRole('menuitem', { name: '督办与约谈' }).click();
    const row = district.locator('.el-table__row', { hasText: unit!.name }).filter({ has: district.getByRole('button', { name: '记录结果' }) });
    await row.getByRole('button', { name: '记录结果' }).click();
    const dialog = district.locator('.el-dialog', { hasText: '记录约谈结果' });
    await dialog.locator('textarea').fill('已约谈单位主席，承诺两周内完成政治引领活动');
    await dialog.getByRole('button', { name: '保存' }).click();
    await poll(() => district.locator('.el-table__row', { hasText: '承诺两周内完成' }).count()).toBe(1);
    expect(await district.locator('.el-table__row', { hasText: '承诺两周内完成' }).textContent()).toContain('已记录');
  });
});
