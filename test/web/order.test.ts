import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { launchBrowser, screenshot } from '../support/browser';

// The ladder's top rungs seen by a chair on a phone: a task already past its deadline at dispatch climbs at once to
// a supervision order (督办单); the chair reads it, answers it on the phone, and the red light goes.
// Set up through the API (the year test walks those screens); everything asserted is what the phone shows.
let s: DemoStack;
let worker: { stop(): Promise<void> };
let browser: Browser;
let phone: Page;
const year = new Date().getUTCFullYear() + 1;
const poll = <T>(read: () => Promise<T> | T, timeout = 20_000) => expect.poll(read, { timeout, interval: 250 });

beforeAll(async () => {
  browser = await launchBrowser();
  s = await startDemoStack();
  worker = await startWorker(s);
  const district = await s.token('district');
  const plan = await s.call('POST', '/api/v1/plans', {
    token: district,
    body: { year, name: '督办测试计划', deadline: `${year}-11-30T16:00:00.000Z`, indicators: ['HS-02', 'GF-02'], escalation: { warnAfter: 'PT0S', superviseAfter: 'PT0S', orderResponse: 'P7D', summonsAfter: 'P3D' } },
  });
  expect(plan.status).toBe(201);
  expect((await s.call('POST', `/api/v1/plans/${plan.body.id}/issue`, { token: district })).status).toBe(200);
  const unit = await s.orgId('FY-T01-U001');
  const yesterday = new Date(Date.now() - 86_400_000).toISOString();
  const dispatched = await s.call('POST', `/api/v1/plans/${plan.body.id}/dispatch`, { token: await s.token('township-01'), body: { units: [unit], overrides: [{ unitId: unit, indicator: 'HS-02', deadline: yesterday }] } });
  expect(dispatched.status).toBe(200);
  const context = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: s.baseUrl });
  phone = await context.newPage();
  phone.setDefaultTimeout(20_000);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await s?.stop();
});

describe('a supervision order on the phone', () => {
  it('shows the overdue task red with its word, lets the chair answer the order, and the red light goes', async () => {
    await phone.goto('/m/login');
    await phone.locator('input[name=login]').fill('unit-0001');
    await phone.locator('input[name=password]').fill('jianjia-demo');
    await phone.getByRole('button', { name: '登录' }).click();
    await phone.waitForURL((u) => u.pathname === '/m/' || u.pathname === '/m');
    const first = phone.locator('.task').first();
    await poll(async () => {
      await phone.reload();
      return first.locator('.light-badge').textContent();
    }, 30_000).toContain('红·督办/约谈中');
    await poll(() => first.textContent()).toContain('已逾期');
    await screenshot(phone, 'phone-overdue');

    await phone.getByText('督办单', { exact: true }).click();
    const order = phone.locator('.order').first();
    await poll(() => order.textContent()).toMatch(/富工督〔\d{4}〕\d+号/);
    await poll(() => order.textContent()).toContain('待答复');
    await order.locator('textarea').fill('已召开专题会议，本周内完成政治引领活动并补报');
    await order.getByRole('button', { name: '整改答复' }).click();
    await poll(() => order.textContent()).toContain('已召开专题会议');
    await poll(() => order.textContent()).toContain('已答复');
    await screenshot(phone, 'phone-order-answered');

    await phone.getByText('我的任务', { exact: true }).click();
    await poll(() => phone.locator('.task').first().locator('.light-badge').textContent()).not.toContain('红');
    await poll(() => phone.locator('.task').first().locator('.light-badge').textContent()).toContain('黄·已预警');
  }, 120_000);
});
