import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startDemoStack, type DemoStack } from '../support/demo';
import { launchBrowser, screenshot } from '../support/browser';
import { DEMO_PASSWORD } from '../../db/demo/load';

// The district's administration in the console: the working-day calendar, moving and merging units, the
// spreadsheet import with its per-row report, a unit's robot address, and editing accounts. Real API serving
// the built app, real PostgreSQL; every assertion is about what the page shows.
let s: DemoStack;
let browser: Browser;
let page: Page;
const poll = <T>(read: () => Promise<T> | T, timeout = 20_000) => expect.poll(read, { timeout, interval: 250 });

/** Pick an option in an Element Plus select (its list is teleported to the body). */
async function choose(select: string, option: string) {
  const box = page.locator(select);
  await box.click();
  const list = await box.locator('[aria-controls]').first().getAttribute('aria-controls');
  await page.locator(`[id="${list}"] .el-select-dropdown__item`, { hasText: option }).first().click();
  await page.locator(`[id="${list}"]`).waitFor({ state: 'hidden' });
}

/** Type a date into an Element Plus date input, as a person does from the notice on their desk. */
async function typeDate(input: ReturnType<Page['locator']>, date: string) {
  await input.click();
  await input.fill(date);
  await input.press('Enter');
}

async function searchUnits(q: string) {
  const box = page.getByPlaceholder('编码或名称');
  await box.fill(q);
  await box.press('Enter');
}

beforeAll(async () => {
  browser = await launchBrowser();
  s = await startDemoStack();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: s.baseUrl });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto('/login');
  await page.locator('input[name=login]').fill('district');
  await page.locator('input[name=password]').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL('**/plans');
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe('the working-day calendar', () => {
  const year = 2027;
  const yearItem = () => page.locator(`[data-test=years] li[data-year="${year}"]`);

  it('enters 2027’s Spring Festival and a make-up working day, and the year is no longer provisional', async () => {
    await page.getByRole('menuitem', { name: '工作日历' }).click();
    await page.waitForURL('**/calendar');
    await poll(() => yearItem().textContent()).toContain('暂定（未录入）');
    await yearItem().click();
    await poll(() => page.locator('[data-test=year-status]').textContent()).toBe('暂定（未录入）');
    await poll(() => page.locator('.el-alert', { hasText: '本年度节假日尚未录入' }).count()).toBe(1);

    // The eight days of 春节 as one range, then the Saturday worked in their place as a single row.
    const holidays = page.locator('[data-test=holidays]');
    const range = holidays.locator('.adders .el-range-editor');
    await range.locator('input').first().fill(`${year}-02-06`);
    await range.locator('input').nth(1).fill(`${year}-02-13`);
    await range.locator('input').nth(1).press('Enter');
    await holidays.locator('.adders input[placeholder="如 春节"]').fill('春节');
    await holidays.getByRole('button', { name: '添加区间' }).click();
    await poll(() => holidays.locator('.el-table__body tr').count()).toBe(8);
    const workdays = page.locator('[data-test=workdays]');
    await workdays.getByRole('button', { name: '添加一天' }).click();
    const first = workdays.locator('.el-table__body tr').first();
    await typeDate(first.locator('.el-date-editor input'), `${year}-02-20`);
    await first.locator('input[placeholder="如 春节"]').fill('春节调休上班');
    await page.locator('[data-test=save]').click();

    await poll(() => page.locator('[data-test=year-status]').textContent()).toBe('已录入');
    await poll(() => yearItem().textContent()).toContain('已录入');
    await poll(() => page.locator('.el-alert', { hasText: '本年度节假日尚未录入' }).count()).toBe(0);
    await poll(() => page.locator('.toolbar .hint').textContent()).toContain('district');
    await screenshot(page, 'calendar', true);
  });

  it('shows the API’s refusal beside the row it names and keeps the stored year as it was', async () => {
    const workdays = page.locator('[data-test=workdays]');
    await workdays.getByRole('button', { name: '添加一天' }).click();
    const second = workdays.locator('.el-table__body tr').nth(1);
    await typeDate(second.locator('.el-date-editor input'), `${year}-02-17`); // a Wednesday: not a make-up day
    await page.locator('[data-test=save]').click();
    await poll(() => second.locator('[data-test=row-error]').textContent()).toContain(`调休上班日 ${year}-02-17 须是周六或周日`);
    expect(await workdays.locator('.el-table__body tr').first().locator('[data-test=row-error]').count()).toBe(0);
    await screenshot(page, 'calendar-row-error', true);

    await page.reload();
    await page.locator(`[data-test=years] li[data-year="${year}"]`).click();
    await poll(() => page.locator('[data-test=workdays] .el-table__body tr').count()).toBe(1);
    await poll(() => page.locator('[data-test=holidays] .el-table__body tr').count()).toBe(8);
    expect(await page.locator('[data-test=holidays] .el-table__body tr').first().locator('input').nth(1).inputValue()).toBe('春节');
  });
});

describe('units and accounts', () => {
  it('moves a unit to another township, where that township’s list shows it', async () => {
    await page.goto('/units');
    await searchUnits('FY-T01-U003');
    const row = page.locator('[data-test=units] .el-table__row', { hasText: 'FY-T01-U003' });
    await poll(() => row.textContent()).toContain('富春街道');
    await row.getByRole('button', { name: '调整镇街' }).click();
    await choose('[data-test=move-to]', '春江街道');
    await page.locator('[data-test=confirm-change]').click();
    await poll(() => page.locator('.el-message', { hasText: '已调入 春江街道' }).count()).toBe(1);

    await choose('[data-test=township-filter]', '春江街道');
    await poll(() => page.locator('[data-test=units] .el-table__row', { hasText: 'FY-T01-U003' }).textContent()).toContain('春江街道');
    await choose('[data-test=township-filter]', '富春街道');
    await poll(() => page.locator('[data-test=units] .el-table__row', { hasText: 'FY-T01-U003' }).count()).toBe(0);
  });

  it('merges a unit into another: it leaves the list and its chair’s account is closed', async () => {
    const [chair] = await s.db.sql<{ login: string }[]>`select login from users where org_id = ${await s.orgId('FY-T01-U004')} and role = 'grassroots_chair'`;
    await searchUnits('FY-T01-U004');
    const row = page.locator('[data-test=units] .el-table__row', { hasText: 'FY-T01-U004' });
    await row.getByRole('button', { name: '合并' }).click();
    const dialog = page.locator('.el-dialog', { hasText: '并入其他单位' });
    await dialog.locator('[data-test=merge-into] input').fill('U005');
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'FY-T01-U005' }).first().click();
    await dialog.locator('[data-test=confirm-change]').click();
    await poll(() => page.locator('.el-message', { hasText: '已并入' }).count()).toBe(1);
    await poll(() => page.locator('[data-test=units] .el-table__row', { hasText: 'FY-T01-U004' }).count()).toBe(0);

    await page.getByRole('tab', { name: '账号' }).click();
    await poll(() => page.locator('[data-test=accounts] .el-table__row', { hasText: chair!.login }).textContent()).toContain('已停用');
    await page.getByRole('tab', { name: '基层单位' }).click();
  });

  it('imports a sheet with one bad row: nothing is imported and the row’s problem is listed; then the good rows only', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('单位');
    sheet.addRow(['编码', '名称', '类型', '所属镇街', '会员数', '女会员数']);
    sheet.addRow(['FY-T02-U801', '春江新材料公司工会', '企业工会', '春江街道', 40, 12]);
    sheet.addRow(['FY-T02-U802', '春江物流公司工会', '企业工会', '春江街道', '很多', 3]);
    sheet.addRow(['FY-T02-U803', '春江印务公司工会', '企业工会', '春江街道', 25, 9]);
    const file = { name: '新增单位.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: Buffer.from(await book.xlsx.writeBuffer()) };

    await choose('[data-test=township-filter]', '春江街道');
    await page.locator('[data-test=import] input[type=file]').setInputFiles(file);
    await poll(() => page.locator('[data-test=import-error]').textContent()).toContain('未导入任何数据');
    const problems = page.locator('[data-test=import-rows] .el-table__row');
    await poll(() => problems.count()).toBe(1);
    expect(await problems.first().locator('td').first().textContent()).toBe('3');
    expect(await problems.first().textContent()).toContain('members');
    await screenshot(page, 'units-import-errors');
    await searchUnits('FY-T02-U80');
    await poll(() => page.locator('[data-test=units] .el-table__row').count()).toBe(0);

    await page.locator('[data-test=valid-only]').click();
    await page.locator('[data-test=import] input[type=file]').setInputFiles(file);
    await poll(() => page.locator('[data-test=import-done]').textContent()).toContain('已导入 2 个单位，跳过 1 行');
    await poll(() => page.locator('[data-test=import-rows] .el-table__row').count()).toBe(1);
    await poll(() => page.locator('[data-test=units] .el-table__row').count()).toBe(2);
    expect(await page.locator('[data-test=units]').textContent()).toContain('春江新材料公司工会');
  });

  it('sets a unit’s robot address in its edit form, refusing one that is not http(s) beside the field', async () => {
    await choose('[data-test=township-filter]', '富春街道');
    await searchUnits('FY-T01-U006');
    const row = page.locator('[data-test=units] .el-table__row', { hasText: 'FY-T01-U006' });
    await row.getByRole('button', { name: '编辑' }).click();
    const dialog = page.locator('.el-dialog', { hasText: '编辑单位' });
    const field = dialog.locator('[data-test=webhook]');
    await field.locator('input').fill('ftp://robot.example.com/send');
    await dialog.getByRole('button', { name: '保存' }).click();
    await poll(() => field.locator('.el-form-item__error').textContent()).toContain('https://');
    await field.locator('input').fill('https://oapi.dingtalk.com/robot/send?access_token=abc123');
    await dialog.getByRole('button', { name: '保存' }).click();
    await poll(() => row.textContent()).toContain('已设置（oapi.dingtalk.com）');
    await row.getByRole('button', { name: '编辑' }).click();
    expect(await field.locator('input').inputValue()).toBe('https://oapi.dingtalk.com/robot/send?access_token=abc123');
    await dialog.getByRole('button', { name: '取消' }).click();
  });

  it('edits an account: a new name and a reset password the person can log in with', async () => {
    await page.getByRole('tab', { name: '账号' }).click();
    const row = page.locator('[data-test=accounts] .el-table__row', { hasText: 'unit-0010' });
    await row.getByRole('button', { name: '编辑' }).click();
    const dialog = page.locator('.el-dialog', { hasText: '编辑账号 unit-0010' });
    await dialog.locator('.el-form-item', { hasText: '姓名' }).locator('input').fill('王晓梅');
    await dialog.locator('.el-form-item', { hasText: '重置密码' }).locator('input').fill('short');
    await dialog.locator('[data-test=save-account]').click();
    await poll(() => dialog.locator('.el-form-item', { hasText: '重置密码' }).locator('.el-form-item__error').textContent()).toContain('至少 10 个字');
    await dialog.locator('.el-form-item', { hasText: '重置密码' }).locator('input').fill('a-new-secret-2027');
    await dialog.locator('[data-test=save-account]').click();
    await poll(() => row.textContent()).toContain('王晓梅');
    const login = await s.call('POST', '/api/v1/auth/login', { body: { login: 'unit-0010', password: 'a-new-secret-2027' } });
    expect(login.status).toBe(200);
    expect(login.body.user.displayName).toBe('王晓梅');
  });
});
