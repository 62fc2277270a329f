import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { waitUntil } from '../support/wait';
import { launchBrowser, samplePng, screenshot } from '../support/browser';

// The needs loop in a real browser, against the real API serving the built app with a Temporal worker and
// PostgreSQL behind it: a chair raises a difficulty on the phone, the township sifts and forwards it in the console,
// the district sees the pattern, adjusts the target for the chair's class, and the chair's phone shows the answer.
let s: DemoStack;
let worker: { stop(): Promise<void> };
let browser: Browser;
const contexts: BrowserContext[] = [];
let chairPage: Page;
let officerPage: Page;
let districtPage: Page;
let chair: { login: string; orgId: string; unitType: string; code: string };
let other: { login: string; orgName?: string };
let duplicateNumber: string;
let officer: string;
let planId: string;
let hx01: string;
let needNumber: string;
let adjustmentNumber: string;
const year = new Date().getUTCFullYear() + 1;
const unitTypeLabel: Record<string, string> = { joint_regional: '区域联合工会', joint_trade: '行业联合工会' };

const poll = <T>(read: () => Promise<T> | T, timeout = 20_000) => expect.poll(read, { timeout, interval: 250 });

async function open(viewport: { width: number; height: number }, mobile = false): Promise<Page> {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: s.baseUrl });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

async function login(page: Page, path: string, name: string) {
  await page.goto(path);
  await page.locator('input[name=login]').fill(name);
  await page.locator('input[name=password]').fill('jianjia-demo');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.includes('/login'));
}

/** Pick options in an Element Plus select (single or multiple; its list is teleported to the body). */
async function choose(page: Page, select: string, ...options: string[]) {
  const box = page.locator(select);
  await box.click();
  const list = await box.locator('[aria-controls]').first().getAttribute('aria-controls');
  for (const option of options) await page.locator(`[id="${list}"] .el-select-dropdown__item`, { hasText: option }).first().click();
  if (await page.locator(`[id="${list}"]`).isVisible()) await page.keyboard.press('Escape');
  await page.locator(`[id="${list}"]`).waitFor({ state: 'hidden' });
}

async function ok(method: string, url: string, token: string, body?: unknown, status = 200) {
  const res = await s.call(method, `/api/v1${url}`, { token, body });
  if (res.status !== status) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  return res.body;
}

beforeAll(async () => {
  browser = await launchBrowser();
  s = await startDemoStack();
  worker = await startWorker(s);
  // A joint union made small (18 members) for this story, its township's officer, and a running plan with HX-01.
  // Two joint unions of one township: the second raises a duplicate the township merges.
  const [row, second] = await s.db.sql<{ login: string; orgId: string; unitType: string; code: string; townshipId: string }[]>`
    select u.login, o.id as "orgId", o.unit_type as "unitType", o.code, o.township_id as "townshipId"
    from orgs o join users u on u.org_id = o.id and u.role = 'grassroots_chair'
    where o.unit_type in ('joint_regional', 'joint_trade') and o.status = 'active'
      and o.township_id = (select township_id from orgs where unit_type in ('joint_regional', 'joint_trade') and status = 'active'
                           group by township_id having count(*) >= 2 order by township_id limit 1)
    order by o.code limit 2`;
  chair = row!;
  other = second!;
  await s.db.sql`update orgs set members = 18, female_members = 5 where id = ${chair.orgId}`;
  const [officerRow] = await s.db.sql<{ login: string }[]>`select login from users where org_id = ${row!.townshipId} and role = 'township_officer' order by login limit 1`;
  officer = officerRow!.login;
  const district = await s.token('district');
  const plan = await ok('POST', '/plans', district, { year, name: `${year}年度富工建家工作计划`, deadline: new Date(`${year}-11-30T18:00:00+08:00`).toISOString(), indicators: ['HX-01', 'HS-02'] }, 201);
  planId = plan.id;
  await ok('POST', `/plans/${planId}/issue`, district);
  await ok('POST', `/plans/${planId}/dispatch`, await s.token(officer), {});
  const chairToken = await s.token(chair.login);
  await waitUntil('the chair’s HX-01 task to be dispatched', async () => (await ok('GET', `/tasks?planId=${planId}&indicator=HX-01`, chairToken)).items.length === 1, 60_000);
  // The chair reported no congress this year and both levels approved it: 0 points on a gate, so the unit fails.
  hx01 = (await ok('GET', `/tasks?planId=${planId}&indicator=HX-01`, chairToken)).items[0].id;
  await ok('POST', `/tasks/${hx01}/claim`, chairToken, { responsible: '联合工会主席' });
  const form = new FormData();
  form.set('file', new Blob([Buffer.from('%PDF-1.4\n% 说明\n%%EOF\n')], { type: 'application/pdf' }), '情况说明.pdf');
  const evidence = (await ok('POST', '/uploads', chairToken, form, 201)).id;
  await ok('POST', `/tasks/${hx01}/report`, chairToken, { value: 0, final: true, evidence: [evidence], note: '会员18人，未能单独召开职代会' });
  await ok('POST', `/tasks/${hx01}/evaluate`, await s.token(officer), { decision: 'approve' });
  await ok('POST', `/tasks/${hx01}/evaluate`, district, { decision: 'approve' });
}, 180_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await worker?.stop();
  await s?.stop();
});

// A failed step leaves a picture of each page as it was.
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const [name, page] of Object.entries({ chair: chairPage, officer: officerPage, district: districtPage })) if (page) await screenshot(page, `failed-needs-${name}`, true).catch(() => {});
});

describe('the needs loop in the browser', () => {
  it('a chair on a 375 px phone raises a difficulty with HX-01 and a photo and gets its number', async () => {
    chairPage = await open({ width: 375, height: 812 }, true);
    await login(chairPage, '/m/login', chair.login);
    await chairPage.locator('[data-test=needs-tab]').click();
    await chairPage.waitForURL('**/m/needs');
    await poll(() => chairPage.locator('.van-empty').count()).toBe(1);
    await chairPage.locator('[data-test=raise]').click();
    await chairPage.waitForURL('**/m/needs/new');
    await chairPage.locator('[data-test=indicators]').click();
    await chairPage.locator('[data-code="HX-01"]').click();
    await chairPage.locator('.van-popup .van-nav-bar__right').click();
    await poll(() => chairPage.locator('[data-test=indicators] input').inputValue()).toBe('HX-01 职代会召开');
    await chairPage.locator('input[name=title]').fill('小微联合工会难以单独召开职代会');
    await chairPage.locator('textarea[name=body]').fill('本单位会员仅18人，单独召开职工代表大会难度大，建议允许以区域联合形式召开。');
    await chairPage.locator('.van-radio', { hasText: '紧急' }).click();
    await chairPage.locator('input[type=file]').setInputFiles({ name: '会议室.png', mimeType: 'image/png', buffer: await samplePng() });
    await poll(() => chairPage.locator('.van-uploader__preview').count()).toBe(1);
    await poll(() => chairPage.locator('.van-uploader__mask').count()).toBe(0);
    await screenshot(chairPage, 'phone-need-new', true);
    await chairPage.locator('[data-test=submit-need]').click();
    await chairPage.waitForURL(/\/m\/needs\/[0-9a-f-]{36}$/);
    await poll(() => chairPage.locator('[data-test=need-number]').textContent()).toMatch(/富工需〔\d{4}〕\d+号/);
    needNumber = /富工需〔\d{4}〕\d+号/.exec((await chairPage.locator('[data-test=need-number]').textContent())!)![0];
    await poll(() => chairPage.locator('[data-test=need-state]').textContent()).toBe('待研判');
    // The photo is shown as the chair took it.
    await poll(() => chairPage.locator('[data-test=need-files] img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(64);
    await poll(() => chairPage.locator('.van-toast:visible').count()).toBe(0);
    await screenshot(chairPage, 'phone-need', true);
    await chairPage.goto('/m/needs');
    await poll(() => chairPage.locator('.need').first().textContent()).toContain(needNumber);
    await poll(() => chairPage.locator('.need').first().textContent()).toContain('待研判');
  }, 120_000);

  it('the township officer merges a duplicate into it and asks for more; the chair answers on the phone', async () => {
    duplicateNumber = (await ok('POST', '/needs', await s.token(other.login), { kind: 'difficulty', indicators: ['HX-01'], title: '联合工会职代会难以召开', body: '会员少，单独召开职代会有困难。' }, 201)).number;
    officerPage = await open({ width: 1440, height: 900 });
    await login(officerPage, '/login', officer);
    await officerPage.getByRole('menuitem', { name: '需求研判' }).click();
    await officerPage.waitForURL('**/needs');
    const rows = officerPage.locator('[data-test=needs-table] .el-table__body-wrapper .el-table__row');
    const row = rows.filter({ hasText: needNumber });
    await poll(() => row.count()).toBe(1);
    await poll(() => row.textContent()).toContain('紧急');
    await poll(() => row.textContent()).toContain('待研判');
    await poll(() => rows.count()).toBe(2);
    // Select the chair's need first: it is the one the duplicate is merged into.
    await row.locator('.el-checkbox').click();
    await rows.filter({ hasText: duplicateNumber }).locator('.el-checkbox').click();
    await officerPage.locator('[data-test=merge]').click();
    await poll(() => officerPage.locator('.el-dialog .el-radio.is-checked').textContent()).toContain(needNumber);
    await officerPage.locator('[data-test=confirm-merge]').click();
    await poll(() => rows.count()).toBe(1);
    await poll(() => officerPage.locator('.el-message--success').first().textContent()).toContain('已合并 1 条');

    await row.locator('[data-test=open-need]').click();
    const drawer = officerPage.locator('.el-drawer');
    await poll(() => drawer.textContent()).toContain('本单位会员仅18人');
    await poll(() => drawer.textContent()).toContain(`已合并的需求：${duplicateNumber}`);
    await drawer.locator('textarea[data-test=reply-text]').fill('请说明本年度会员人数，是否已与周边单位协商联合召开。');
    await drawer.locator('[data-test=ask]').click();
    await poll(() => drawer.locator('[data-test=drawer-state]').textContent()).toBe('待补充');

    await chairPage.goto('/m/needs');
    await poll(() => chairPage.locator('.need').first().textContent()).toContain('待补充');
    await chairPage.locator('.need').first().click();
    await poll(() => chairPage.locator('[data-test=ask]').textContent()).toContain('请您补充情况');
    await poll(() => chairPage.locator('.message.ask').textContent()).toContain('请说明本年度会员人数');
    await chairPage.locator('textarea[name=reply]').fill('会员18人，已与邻近联合工会初步协商。');
    await chairPage.locator('[data-test=send-reply]').click();
    await poll(() => chairPage.locator('[data-test=need-state]').textContent()).toBe('待研判');
    await poll(() => chairPage.locator('.van-toast:visible').count()).toBe(0);
    await screenshot(chairPage, 'phone-need-thread', true);
  }, 120_000);

  it('the township officer sees the answer in the queue, tags the need and forwards it to the district', async () => {
    await officerPage.reload();
    const row = officerPage.locator('[data-test=needs-table] .el-table__body-wrapper .el-table__row', { hasText: needNumber });
    await poll(() => row.textContent()).toContain('待研判');
    await row.locator('[data-test=open-need]').click();
    const drawer = officerPage.locator('.el-drawer');
    await poll(() => drawer.locator('.el-timeline').textContent()).toContain('会员18人，已与邻近联合工会初步协商。');
    await drawer.locator('label.el-checkbox', { has: officerPage.locator('input[value="HX"]') }).click();
    const causes = drawer.locator('[data-test=tag-causes]');
    await causes.click();
    await officerPage.keyboard.type('单位规模小');
    await officerPage.keyboard.press('Enter');
    // Close the list by clicking elsewhere in the drawer (Escape would close the drawer too).
    await drawer.locator('.el-drawer__header').click();
    await poll(() => causes.textContent()).toContain('单位规模小');
    await drawer.locator('[data-test=save-tags]').click();
    await poll(() => officerPage.locator('.el-message--success').count()).toBeGreaterThan(0);
    await drawer.locator('textarea[data-test=forward-comment]').fill('辖区小微联合工会普遍反映，建议区总对25人以下联合工会调整职代会指标。');
    await screenshot(officerPage, 'triage-need');
    await drawer.locator('[data-test=forward]').click();
    await poll(() => drawer.locator('[data-test=drawer-state]').textContent()).toBe('已转报区总');
    await poll(() => drawer.locator('.el-timeline').textContent()).toContain('已转报区总工会');
    await officerPage.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    await poll(() => row.textContent()).toContain('已转报区总');
    await screenshot(officerPage, 'triage-queue');
    // What the page did is what the API now holds.
    const need = (await ok('GET', `/needs?state=forwarded`, await s.token(officer))).items.find((n: { number: string }) => n.number === needNumber);
    expect(need.tags).toEqual({ indicators: ['HX-01'], categories: ['HX'], causes: ['单位规模小'] });
  }, 120_000);

  it('the district sees it in the analysis view, previews a looser HX-01 target for the chair’s class, applies it and watches it finish', async () => {
    districtPage = await open({ width: 1440, height: 900 });
    await login(districtPage, '/login', 'district');
    await districtPage.getByRole('menuitem', { name: '需求', exact: true }).click();
    await districtPage.waitForURL('**/analysis');
    const group = districtPage.locator('[data-test=groups] .el-table__row', { hasText: 'HX-01' });
    await poll(() => group.textContent()).toContain('职代会召开');
    await poll(() => group.locator('td').nth(1).textContent()).toBe('1');
    await group.click();
    const drill = districtPage.locator('[data-test=drill]');
    await poll(() => drill.locator('.el-table__body-wrapper .el-table__row').count()).toBe(1);
    await poll(() => drill.textContent()).toContain(needNumber);
    await screenshot(districtPage, 'needs-analysis', true);
    await drill.locator('.el-table__body-wrapper .el-checkbox').first().click();
    await drill.locator('[data-test=adjust]').click();
    await districtPage.waitForURL('**/analysis/adjust?**');

    // The linked need and HX-01 come with it from the analysis.
    await poll(() => districtPage.locator('[data-test=needs]').textContent()).toContain(needNumber);
    await poll(() => districtPage.locator('[data-test=indicators]').textContent()).toContain('HX-01');
    await districtPage.locator('[data-test=target] input').fill('0');
    await districtPage.locator('textarea[data-test=reason]').fill('25人以下联合工会以区域联合职代会完成，不再单独考核召开次数');
    // No class named: the API's refusal is shown beside the class.
    await districtPage.locator('[data-test=preview]').click();
    await poll(() => districtPage.locator('.class-item > .el-form-item__content > .el-form-item__error').textContent()).toContain('请选择适用范围');
    await choose(districtPage, '[data-test=class-unitTypes]', unitTypeLabel[chair.unitType]!);
    await choose(districtPage, '[data-test=class-sizeClasses]', '25人以下');
    await districtPage.locator('[data-test=preview]').click();
    const result = districtPage.locator('[data-test=preview-result]');
    await poll(() => result.locator('[data-test=preview-tasks] .el-statistic__content').textContent()).toMatch(/^[1-9]/);
    await poll(() => result.locator('[data-test=preview-improved] .el-statistic__content').textContent()).toBe('1');
    await poll(() => districtPage.locator('.class-item .el-form-item__error').count()).toBe(0);
    // The chair's unit fails today on the HX-01 gate; the preview says its index would rise.
    const move = result.locator('[data-test=moves] .el-table__row', { hasText: chair.code });
    await poll(() => move.textContent()).toContain('不合格');
    const tasks = Number(await result.locator('[data-test=preview-tasks] .el-statistic__content').textContent());
    await screenshot(districtPage, 'adjustment-preview', true);

    await districtPage.locator('[data-test=apply]').click();
    await districtPage.locator('.el-message-box').getByRole('button', { name: /确定|OK/ }).click();
    const progress = districtPage.locator('[data-test=progress]');
    await poll(() => progress.textContent(), 60_000).toContain('已应用');
    await poll(() => progress.locator('[data-test=progress-text]').textContent()).toContain(`${tasks} / ${tasks} 项任务`);
    await poll(() => progress.locator('.el-progress__text, .el-progress-bar__innerText').first().textContent()).toContain('100%');
    adjustmentNumber = /富工调〔\d{4}〕\d+号/.exec((await progress.textContent())!)![0];
    await poll(() => districtPage.locator('[data-test=history] .el-table__row', { hasText: adjustmentNumber }).textContent()).toContain('已应用');
    // Applied once: the same form cannot be applied again by a second click.
    expect(await districtPage.locator('[data-test=apply]').isDisabled()).toBe(true);
    await screenshot(districtPage, 'adjustment-editor', true);
  }, 180_000);

  it('the chair’s phone shows the need resolved with the adjustment’s number, the notice of what changed, and the new target', async () => {
    await chairPage.goto('/m/notices');
    const changed = chairPage.locator('.notice', { hasText: `【政策调整】${adjustmentNumber}` });
    await poll(() => changed.textContent()).toContain('HX-01目标值调整为0');
    const closed = chairPage.locator('.notice', { hasText: `【需求办结】${needNumber}` });
    await poll(() => closed.textContent()).toContain(adjustmentNumber);
    await screenshot(chairPage, 'phone-need-notices');
    await closed.click();
    await chairPage.waitForURL(/\/m\/needs\/[0-9a-f-]{36}$/);
    await poll(() => chairPage.locator('[data-test=need-state]').textContent()).toBe('已办结');
    await poll(() => chairPage.locator('[data-test=adjustment]').textContent()).toContain(adjustmentNumber);
    await poll(() => chairPage.locator('[data-test=resolution]').textContent()).toContain('HX-01目标值调整为0');
    await expect(chairPage.locator('[data-test=send-reply]').count()).resolves.toBe(0);
    await screenshot(chairPage, 'phone-need-resolved', true);
    await chairPage.goto(`/m/tasks/${hx01}`);
    await poll(() => chairPage.locator('[data-test=target]').textContent()).toContain('≥ 0');
    await poll(() => chairPage.locator('.van-cell', { hasText: '得分' }).textContent()).toContain('5 / 5');

    // The duplicate's raiser follows the merged need and sees it answered too.
    const phone = await open({ width: 375, height: 812 }, true);
    await login(phone, '/m/login', other.login);
    await phone.goto('/m/needs');
    const mine = phone.locator('.need', { hasText: duplicateNumber });
    await poll(() => mine.textContent()).toContain('已办结');
    await mine.click();
    await poll(() => phone.locator('[data-test=merged]').textContent()).toContain(`本需求已合并至 ${needNumber}`);
    await poll(() => phone.locator('[data-test=adjustment]').textContent()).toContain(adjustmentNumber);
  }, 120_000);
});
