import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { launchBrowser, samplePng, screenshot } from '../support/browser';
import ExcelJS from 'exceljs';
import { takeSnapshot } from '../../db/queries/standing';

// The year in a real browser: headless Chromium against the real API serving the built app, with a real
// Temporal worker and PostgreSQL behind it. Every assertion is about what the page shows a person.
let s: DemoStack;
let worker: { stop(): Promise<void> };
let browser: Browser;
const contexts: BrowserContext[] = [];
let district: Page;
let officer: Page;
let chair: Page;
let planUrl: string;
const year = new Date().getUTCFullYear() + 1;
const shanghaiDay = (offsetDays: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + offsetDays * 86_400_000));

/** What the page shows, asked again until it matches: a real stack answers in its own time. */
const poll = <T>(read: () => Promise<T> | T, timeout = 20_000) => expect.poll(read, { timeout, interval: 250 });

async function open(viewport: { width: number; height: number }, mobile = false): Promise<Page> {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: s.baseUrl });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

async function consoleLogin(page: Page, login: string) {
  await page.goto('/login');
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('jianjia-demo');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Pick an option in an Element Plus select (its list is teleported to the body). */
async function choose(page: Page, select: string, option: string) {
  const box = page.locator(select);
  await box.click();
  // The open list is the one this select controls (another select's list may still be fading out).
  const list = await box.locator('[aria-controls]').first().getAttribute('aria-controls');
  await page.locator(`[id="${list}"] .el-select-dropdown__item`, { hasText: option }).first().click();
  await page.locator(`[id="${list}"]`).waitFor({ state: 'hidden' });
}

async function apiReport(login: string, indicator: string, value: number, file: { name: string; type: string; bytes: Buffer }) {
  const token = await s.token(login);
  const task = (await s.call('GET', `/api/v1/tasks?indicator=${indicator}&limit=1`, { token })).body.items[0];
  expect((await s.call('POST', `/api/v1/tasks/${task.id}/claim`, { token, body: { responsible: '李四' } })).status).toBe(200);
  const form = new FormData();
  form.set('file', new Blob([file.bytes], { type: file.type }), file.name);
  const upload = await s.call('POST', '/api/v1/uploads', { token, body: form });
  const done = await s.call('POST', `/api/v1/tasks/${task.id}/report`, { token, body: { value, evidence: [upload.body.id], final: true } });
  expect(done.status).toBe(200);
}

beforeAll(async () => {
  browser = await launchBrowser(); // fails here, with what to install, when there is no Chromium
  s = await startDemoStack();
  worker = await startWorker(s);
}, 120_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await worker?.stop();
  await s?.stop();
});

describe('a plan year in the browser', () => {
  it('serves the app at / and keeps the API, its docs and a wrong API path as they were', async () => {
    const page = await s.call('GET', '/review');
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<div id="app">');
    expect((await s.call('GET', '/m/tasks/x')).body).toContain('/assets/');
    expect((await s.call('GET', '/openapi.json')).body.openapi).toBe('3.0.3');
    expect((await s.call('GET', '/docs')).status).toBe(200);
    const missing = await s.call('GET', '/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect((await s.call('GET', '/assets/none.js')).status).toBe(404);
    expect((await s.call('GET', '/assets/..%2f..%2fpackage.json')).status).toBe(404);
    expect((await s.call('GET', '/%E0%A4%A')).status).toBe(404);
  });

  it('the district creates a plan with its escalation policy and issues it', async () => {
    district = await open({ width: 1440, height: 900 });
    await consoleLogin(district, 'district');
    await district.waitForURL('**/plans');
    await district.locator('[data-test=new-plan]').click();
    await district.waitForURL('**/plans/new');
    await district.locator('input[name=name]').fill(`${year}年度富工建家工作计划`);
    await district.locator('[data-test=rung-orderResponse] input').fill('7');
    await choose(district, '[data-test=unit-orderResponse]', '自然日');
    await district.locator('[data-test=rung-summonsAfter] input').fill('3');
    await choose(district, '[data-test=unit-summonsAfter]', '自然日');
    await poll(() => district.locator('.el-checkbox.is-checked').count()).toBe(23);
    await screenshot(district, 'plan-editor', true);
    await district.locator('[data-test=create-plan]').click();
    await district.waitForURL(/\/plans\/[0-9a-f-]{36}$/);
    planUrl = new URL(district.url()).pathname;
    await poll(() => district.locator('[data-test=plan-status]').textContent()).toBe('草稿');
    await district.locator('[data-test=issue]').click();
    await poll(() => district.locator('[data-test=plan-status]').textContent()).toBe('已下达');
    await poll(() => district.locator('[data-test=progress] .el-table__row').count()).toBe(24);
    await screenshot(district, 'plan-progress');
  }, 120_000);

  it('a township officer dispatches to two units with an earlier deadline for one indicator, after the API refused a looser target beside its row', async () => {
    officer = await open({ width: 1440, height: 900 });
    await consoleLogin(officer, 'township-01');
    await officer.goto('/dispatch');
    for (const code of ['FY-T01-U001', 'FY-T01-U002']) await officer.locator('.el-table__row', { hasText: code }).locator('.el-checkbox').click();
    const overrides = officer.locator('.el-card', { hasText: '单位个性化要求' }).locator('.el-table__row');
    // A sheet of requirements: two rows for GF-03 (a target looser than the district's) and one the page refuses itself.
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('要求');
    sheet.addRows([['单位编码', '指标', '目标', '截止日期', '不适用'], ['FY-T01-U001', 'GF-03', 50], ['FY-T01-U002', 'GF-03', 50], ['FY-T09-U999', 'XX-01', 1]]);
    const xlsx = Buffer.from(await book.xlsx.writeBuffer());
    await officer.locator('[data-test=override-file]').setInputFiles({ name: '分办要求.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx });
    await poll(() => overrides.count()).toBe(2);
    await poll(() => officer.locator('[data-test=sheet-errors]').textContent()).toContain('第 4 行');
    await officer.locator('[data-test=dispatch-selected]').click();
    await poll(() => overrides.first().locator('[data-test=override-error]').textContent()).toContain('更宽松：镇街只能提高要求');
    await poll(() => officer.locator('[data-test=dispatch-result]').count()).toBe(0);
    await overrides.first().getByRole('button', { name: '删除' }).click();
    await overrides.first().getByRole('button', { name: '删除' }).click();
    await poll(() => overrides.count()).toBe(0);
    await choose(officer, '[data-test=override-indicator]', 'HS-02');
    await officer.getByText('更早截止', { exact: true }).click();
    const picker = officer.locator('.el-date-editor input');
    await picker.fill(shanghaiDay(2));
    await picker.press('Enter');
    await officer.locator('[data-test=add-override]').click();
    await poll(() => overrides.count()).toBe(2);
    await screenshot(officer, 'dispatch');
    await officer.locator('[data-test=dispatch-selected]').click();
    await poll(() => officer.locator('[data-test=dispatch-result]').textContent(), 60_000).toContain('已分办 2 个单位、46 项任务');
  }, 120_000);

  it('a chair on a 375 px phone sees the tasks by deadline with lights, the ladder’s reminder, claims and reports with a photo', async () => {
    chair = await open({ width: 375, height: 812 }, true);
    await chair.goto('/m/login');
    await chair.locator('input[name=login]').fill('unit-0001');
    await chair.locator('input[name=password]').fill('jianjia-demo');
    await chair.getByRole('button', { name: '登录' }).click();
    await chair.waitForURL((u) => u.pathname === '/m/' || u.pathname === '/m');
    // HS-02 is due in two days: first in the list, and its reminder rung has already fired.
    await poll(() => chair.locator('.task').first().getAttribute('data-indicator')).toBe('HS-02');
    await expect
      .poll(async () => {
        await chair.reload();
        return chair.locator('.van-badge').first().textContent();
      }, { timeout: 30_000, interval: 1000 })
      .toMatch(/^[1-9]/);
    const first = chair.locator('.task').first();
    await poll(() => first.locator('.light-badge').textContent()).toContain('蓝');
    await poll(() => first.textContent()).toContain('政治引领活动');
    await screenshot(chair, 'phone-tasks');
    await chair.locator('[data-test=notices]').click();
    await poll(() => chair.locator('.notice').first().textContent()).toContain('提醒');

    await chair.goto('/m/');
    await chair.locator('.task').first().click();
    await chair.locator('input[name=responsible]').fill('王建国');
    await chair.locator('[data-test=claim]').click();
    await poll(() => chair.locator('[data-test=state]').textContent()).toContain('已领办');
    await chair.locator('input[name=value]').fill('6');
    await chair.locator('textarea[name=note]').fill('开展了6次政治引领活动');
    await chair.locator('input[type=file]').setInputFiles({ name: '活动现场.png', mimeType: 'image/png', buffer: await samplePng() });
    await poll(() => chair.locator('.van-uploader__preview').count()).toBe(1);
    await poll(() => chair.locator('.van-uploader__mask').count()).toBe(0);
    await chair.locator('[data-test=report]').click();
    await poll(() => chair.locator('[data-test=state]').textContent()).toContain('待审核');
    await poll(() => chair.getByText('开展了6次政治引领活动').count()).toBeGreaterThan(0);
    await poll(() => chair.locator('.van-toast:visible').count()).toBe(0);
    await screenshot(chair, 'phone-task', true);
  }, 120_000);

  it('the officer sees the queue oldest first with the photo, returns one with a reason, and the chair reads it', async () => {
    await apiReport('unit-0001', 'GF-02', 1, { name: '制度.pdf', type: 'application/pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF\n') });
    await apiReport('unit-0002', 'HS-03', 2, { name: '推优材料.pdf', type: 'application/pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF\n') });
    await officer.goto('/review');
    const rows = officer.locator('.el-table__body-wrapper .el-table__row');
    await poll(() => rows.count()).toBe(3);
    await poll(() => rows.first().textContent()).toContain('HS-02');
    await rows.first().getByRole('button', { name: '佐证' }).click();
    await poll(() => officer.locator('.el-drawer img').count()).toBe(1);
    await poll(() => officer.locator('.el-drawer img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(64);
    await screenshot(officer, 'review-evidence');
    await officer.keyboard.press('Escape');
    await rows.first().getByRole('button', { name: '退回' }).click();
    await choose(officer, '.el-dialog .el-select', '照片不清晰，请重新上传');
    await screenshot(officer, 'review-return');
    await officer.locator('[data-test=confirm]').click();
    await poll(() => rows.count()).toBe(2);

    await chair.reload();
    await poll(() => chair.locator('[data-test=state]').textContent()).toContain('已退回');
    await poll(() => chair.locator('[data-test=return-reason]').textContent()).toContain('照片不清晰，请重新上传');
    await screenshot(chair, 'phone-returned');
    // The chair reports again with a clearer photo; the connection drops at the first try and nothing typed is lost.
    await chair.locator('input[name=value]').fill('6');
    await chair.locator('input[type=file]').setInputFiles({ name: '活动现场2.png', mimeType: 'image/png', buffer: await samplePng() });
    await poll(() => chair.locator('.van-uploader__preview').count()).toBe(1);
    await poll(() => chair.locator('.van-uploader__mask').count()).toBe(0);
    await chair.locator('textarea[name=note]').fill('已补充清晰照片');
    await chair.context().setOffline(true);
    await chair.locator('[data-test=report]').click();
    await poll(() => chair.locator('.offline').textContent()).toContain('网络连接已断开');
    expect(await chair.locator('textarea[name=note]').inputValue()).toBe('已补充清晰照片');
    expect(await chair.locator('input[name=value]').inputValue()).toBe('6');
    await chair.context().setOffline(false);
    await chair.locator('[data-test=report]').click();
    await poll(() => chair.locator('[data-test=state]').textContent()).toContain('待审核');
    await poll(() => chair.getByText('已补充清晰照片').count()).toBeGreaterThan(0);
  }, 120_000);

  it('the officer is offered a reload when someone else changed a task, then approves the rest in one bulk action', async () => {
    await officer.goto('/review');
    const rows = officer.locator('.el-table__body-wrapper .el-table__row');
    await poll(() => rows.count()).toBe(3);
    await screenshot(officer, 'review-queue');
    // A colleague of the township (another session) approves GF-02 while this page still shows the old list.
    const token = await s.token('township-01');
    const gf02 = (await s.call('GET', `/api/v1/tasks?indicator=GF-02&unitId=${await s.orgId('FY-T01-U001')}&limit=1`, { token })).body.items[0];
    expect((await s.call('POST', `/api/v1/tasks/${gf02.id}/evaluate`, { token, body: { decision: 'approve' } })).status).toBe(200);
    await rows.filter({ hasText: 'GF-02' }).getByRole('button', { name: '通过' }).click();
    await officer.locator('[data-test=confirm]').click();
    await poll(() => officer.locator('.el-message-box').textContent()).toContain('该任务已被他人修改');
    await officer.locator('.el-message-box .el-button--primary').click();
    await poll(() => rows.count()).toBe(2);
    await officer.locator('.el-table__header-wrapper .el-checkbox').click();
    await officer.locator('[data-test=bulk-approve]').click();
    await officer.locator('[data-test=confirm]').click();
    await poll(() => officer.locator('.el-message').textContent()).toContain('2 条成功，0 条未成功');
    await poll(() => rows.count()).toBe(0);
    await chair.reload();
    await poll(() => chair.locator('[data-test=state]').textContent()).toContain('已通过');
  }, 120_000);

  it('the leaders’ screen shows the live index during the year; after the close it drills down to the unit, the indicator, its evidence and the points it lost', async () => {
    const planId = planUrl.split('/').pop()!;
    const [t01] = await s.db.sql<{ id: string; name: string }[]>`select id, name from orgs where code = 'FY-T01'`;
    const [u001] = await s.db.sql<{ name: string }[]>`select name from orgs where code = 'FY-T01-U001'`;
    // Last week's snapshot (the worker takes one a day) put this township third; it is first now.
    await takeSnapshot(s.db.sql, planId, shanghaiDay(-8));
    await s.db.sql`update index_snapshots set rank = 3 where plan_id = ${planId} and scope = ${t01!.id}`;

    const screen = await open({ width: 1920, height: 1080 });
    await consoleLogin(screen, 'district');
    await screen.goto(planUrl); // the plan last opened is the one the screen shows
    await screen.goto('/screen');
    // During the year the index is live: the approved work counts, the rest waits.
    await poll(() => screen.locator('[data-test=index]').textContent()).toMatch(/^\d+\.\d$/);
    await poll(() => screen.locator('.headline h3').textContent()).toContain('年度进行中');
    await poll(() => screen.locator('[data-test=lights]').textContent()).toContain('蓝·已提醒');
    await poll(() => screen.locator('.town').count()).toBe(24);
    await poll(() => screen.locator('[data-test=trend] canvas').count()).toBe(1);

    await district.goto(planUrl);
    await district.locator('[data-test=close]').click();
    await district.locator('.el-message-box .el-button--primary').click();
    await poll(() => district.locator('[data-test=plan-status]').textContent(), 90_000).toBe('已结束');

    await screen.reload();
    await poll(() => screen.locator('.headline h3').textContent()).toContain('年度已结算');
    await poll(() => screen.locator('[data-test=index]').textContent()).toMatch(/^\d+\.\d$/);
    await poll(() => screen.locator('[data-test=bands]').textContent()).toContain('不合格');
    await screenshot(screen, 'leaders-screen');
    // district → township: its place and how it moved since last week
    await screen.locator('.town', { hasText: t01!.name }).click();
    await poll(() => screen.locator('[data-test=drill]').textContent()).toContain('上升 2 位');
    // → unit: its index explained, indicator by indicator
    await screen.locator('[data-test=drill] tr', { hasText: u001!.name }).click();
    await poll(() => screen.locator('[data-test=drill] h3').textContent()).toContain('建家指数');
    const hs02 = screen.locator('[data-test=drill] tr[data-indicator=HS-02]');
    await poll(() => hs02.textContent()).toContain('已通过');
    // A task never reported after the close lost all its points, and says so.
    const gf01 = screen.locator('[data-test=drill] tr[data-indicator=GF-01]');
    await poll(() => gf01.textContent()).toContain('未反馈');
    await poll(() => gf01.locator('td.lost').textContent()).toMatch(/^-\d+/);
    await screenshot(screen, 'leaders-drill');
    // The unit's explanation as a workbook, from the same panel.
    const [download] = await Promise.all([screen.waitForEvent('download'), screen.locator('[data-test=unit-index-xlsx]').click()]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(await download.path());
    expect(book.worksheets.map((w) => w.name)).toContain('指数概况');
    // → indicator: the review decisions with the return reason, the reports and the chair's photos
    await hs02.click();
    await poll(() => screen.locator('[data-test=drill-reason]').textContent()).toContain('失分原因');
    await poll(() => screen.locator('[data-test=drill-review]').count()).toBe(2);
    await poll(() => screen.locator('[data-test=drill-review]').first().textContent()).toContain('照片不清晰，请重新上传');
    await poll(() => screen.locator('[data-test=drill-report]').count()).toBe(2);
    await poll(() => screen.locator('[data-test=drill] img').count()).toBe(2);
    await screenshot(screen, 'leaders-evidence');
    // The crumbs lead back up.
    await screen.locator('[data-test=drill] .crumbs a', { hasText: t01!.name }).click();
    await poll(() => screen.locator('[data-test=drill] tr', { hasText: u001!.name }).count()).toBe(1);
  }, 180_000);
});
