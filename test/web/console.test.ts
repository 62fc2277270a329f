import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startDemoStack, type DemoStack } from '../support/demo';
import { launchBrowser, screenshot } from '../support/browser';

// The district's console screens beyond the year's walk: the catalogue draft editor (a refusal shown on the field,
// validation, publish), units, and the English catalogue. Real API serving the built app, real PostgreSQL.
let s: DemoStack;
let browser: Browser;
let page: Page;
const poll = <T>(read: () => Promise<T> | T, timeout = 20_000) => expect.poll(read, { timeout, interval: 250 });

beforeAll(async () => {
  browser = await launchBrowser();
  s = await startDemoStack();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: s.baseUrl });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto('/login');
  await page.locator('input[name=login]').fill('district');
  await page.locator('input[name=password]').fill('jianjia-demo');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL('**/plans');
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe('the district console', () => {
  it('edits the catalogue draft: a refused value is shown beside its field, then it validates and publishes version 2', async () => {
    await page.goto('/catalogue');
    await page.getByRole('button', { name: '从现行版本新建草稿' }).click();
    await poll(() => page.locator('.el-tag', { hasText: '草稿' }).count()).toBe(1);
    const row = page.locator('.el-table__row', { hasText: 'HL-02' });
    await row.getByRole('button', { name: '编辑' }).click();
    const dialog = page.locator('.el-dialog', { hasText: '编辑 HL-02' });
    await dialog.locator('.el-form-item', { hasText: '分值' }).locator('input').fill('0');
    await dialog.getByRole('button', { name: '保存' }).click();
    await poll(() => dialog.locator('.el-form-item', { hasText: '分值' }).locator('.el-form-item__error').textContent()).toContain('须大于 0');
    await screenshot(page, 'catalogue-editor-error');
    await dialog.locator('.el-form-item', { hasText: '分值' }).locator('input').fill('6');
    await dialog.locator('.el-form-item', { hasText: '中文名称' }).locator('input').fill('文体活动场次（含线上）');
    await dialog.getByRole('button', { name: '保存' }).click();
    await poll(() => row.textContent()).toContain('文体活动场次（含线上）');
    await page.getByRole('button', { name: '校验' }).click();
    await poll(() => page.locator('.el-alert', { hasText: '校验通过' }).count()).toBe(1);
    await page.getByRole('button', { name: '发布' }).click();
    // The district chooses whether running plans adopt the new targets; here it keeps them as issued.
    await poll(() => page.locator('.el-message-box').textContent()).toContain('运行中的计划是否对尚未评价的任务采用新版目标值');
    await page.locator('.el-message-box').getByRole('button', { name: '仅发布，运行中的计划不变' }).click();
    await poll(() => page.locator('.el-message').textContent()).toContain('已发布第 2 版');
    await poll(() => page.locator('.hint').textContent()).toContain('第 2 版');
    await poll(() => page.locator('.el-table__row', { hasText: 'HL-02' }).textContent()).toContain('文体活动场次（含线上）');
  });

  it('adds a unit to a township, refusing a duplicate code beside the code field', async () => {
    await page.goto('/units');
    await page.getByRole('button', { name: '新增单位' }).click();
    const dialog = page.locator('.el-dialog', { hasText: '新增单位' });
    await dialog.locator('.el-form-item', { hasText: '编码' }).locator('input').fill('FY-T01-U001');
    await dialog.locator('.el-form-item', { hasText: '名称' }).locator('input').fill('新建的工会');
    await dialog.locator('.el-form-item', { hasText: '会员数' }).locator('input').fill('30');
    await dialog.locator('.el-form-item', { hasText: '镇街' }).locator('.el-select').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '富春街道' }).first().click();
    // The township shows as chosen and its list has closed (until then the list lies over the dialog's buttons).
    await poll(() => dialog.locator('.el-form-item', { hasText: '镇街' }).locator('.el-select').textContent()).toContain('富春街道');
    await poll(() => page.locator('.el-select-dropdown__item:visible').count()).toBe(0);
    await dialog.getByRole('button', { name: '保存' }).click();
    await poll(() => dialog.locator('.el-form-item', { hasText: '编码' }).locator('.el-form-item__error').textContent()).toContain('FY-T01-U001 已被使用');
    await screenshot(page, 'units-duplicate-code');
    await dialog.locator('.el-form-item', { hasText: '编码' }).locator('input').fill('FY-T01-U901');
    await dialog.getByRole('button', { name: '保存' }).click();
    await page.locator('.el-input input[placeholder="编码或名称"]').fill('U901');
    await page.locator('.el-input input[placeholder="编码或名称"]').press('Enter');
    await poll(() => page.locator('.el-table__row', { hasText: 'FY-T01-U901' }).count()).toBe(1);
    await poll(() => page.locator('.el-table__row', { hasText: 'FY-T01-U901' }).textContent()).toContain('新建的工会');
  });

  it('switches the main screens to English and back', async () => {
    await page.goto('/review');
    await page.getByRole('button', { name: 'English' }).click();
    await poll(() => page.locator('.el-menu').textContent()).toContain('Review');
    await poll(() => page.locator('h2').textContent()).toBe('Review queue');
    await page.getByRole('button', { name: '中文' }).click();
    await poll(() => page.locator('h2').textContent()).toBe('审核队列');
  });
});
