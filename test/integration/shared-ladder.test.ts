// The plan's shared ladder: a deadline's reminders and warnings for every unit, fired at the rule's time by one
// workflow for the whole plan, a township a transaction; each unit's own timer comes LADDER_BACKSTOP_MS later and
// fires only what the shared ladder did not. On the real Temporal dev server and PostgreSQL, with the backstop at
// 8 s so the test can tell the two apart: a rung the shared ladder wrote carries the instant it fired, the same for
// every unit, before any unit's backstop could have come.
import type { Client } from '@temporalio/client';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalClient } from '../../lib/temporal';
import { sharedLadderWorkflowId } from '../../workflows/shared-ladder.contract';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { waitUntil } from '../support/wait';

const BACKSTOP_MS = 8000;

let s: DemoStack;
let worker: { stop(): Promise<void> } | undefined;
let temporal: Client;
let robot: { url: string; hits: { path: string; content: string }[]; server: Server };
let district: string;
let officer: string;
let planId: string;
/** Three units of one township, their chairs' tokens and their one task each. */
let units: { id: string; name: string; chair: string; task: string }[] = [];
/** The widest a unit's place in the spread can be: the plan's units × LADDER_SPREAD_MS_PER_UNIT. */
let spreadMs: number;

const beijingYear = (at: number) => new Date(at + 8 * 3600_000).getUTCFullYear();

async function rungs(taskId: string, rung: string) {
  return s.db.sql<{ deadline: Date; firedAt: Date }[]>`
    select deadline, fired_at as "firedAt" from ladder_rungs where task_id = ${taskId} and rung = ${rung} order by deadline`;
}

async function setWebhook(orgId: string, webhookUrl: string) {
  const org = await s.call('GET', `/api/v1/orgs/${orgId}`, { token: district });
  const res = await s.call('PATCH', `/api/v1/orgs/${orgId}`, { token: district, body: { revision: org.body.revision, webhookUrl } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function extend(taskId: string, deadline: string) {
  const task = await s.call('GET', `/api/v1/tasks/${taskId}`, { token: officer });
  const res = await s.call('POST', `/api/v1/tasks/${taskId}/extend`, { token: officer, body: { deadline, reason: '共享阶梯测试延期', version: task.body.version } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

beforeAll(async () => {
  s = await startDemoStack({ LADDER_BACKSTOP_MS: String(BACKSTOP_MS), NOTICE_POLL_MS: '100' });
  worker = await startWorker(s, { outbox: true });
  temporal = temporalClient(s.env);
  district = await s.token('district');
  officer = await s.token('township-01');
  const hits: { path: string; content: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', content: JSON.parse(Buffer.concat(chunks).toString('utf8')).text.content });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  robot = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
  const rows = await s.db.sql<{ id: string; name: string; login: string; townshipId: string }[]>`
    select o.id, o.name, u.login, o.township_id as "townshipId" from users u join orgs o on o.id = u.org_id
    where u.login in ('unit-0001', 'unit-0002', 'unit-0003') order by u.login`;
  const [township] = await s.db.sql<{ orgId: string }[]>`select org_id as "orgId" from users where login = 'township-01'`;
  expect(rows.map((r) => r.townshipId)).toEqual([township!.orgId, township!.orgId, township!.orgId]);
  for (const r of rows) {
    units.push({ id: r.id, name: r.name, chair: await s.token(r.login), task: '' });
    await setWebhook(r.id, `${robot.url}/robot/${r.login}`);
  }
  await setWebhook(township!.orgId, `${robot.url}/robot/township-01`);
}, 120_000);

afterAll(async () => {
  await temporal?.connection.close();
  await worker?.stop();
  robot?.server.closeAllConnections();
  robot?.server.close();
  await s?.stop();
});

describe('the plan’s shared ladder', () => {
  it('warns every unit still working on a task at the deadline, in one go, and the township’s robot hears of them in one message', { timeout: 120_000 }, async () => {
    const planDeadline = new Date(Date.now() + 10 * 60_000);
    const created = await s.call('POST', '/api/v1/plans', {
      token: district,
      body: {
        year: beijingYear(planDeadline.getTime()),
        name: '共享阶梯测试',
        deadline: planDeadline.toISOString(),
        indicators: ['HX-04'],
        escalation: { remindBefore: 'PT8S', warnAfter: 'PT0S', superviseAfter: 'P30D', orderResponse: 'P7D', summonsAfter: 'P3D' },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    planId = created.body.id;
    expect((await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district })).status).toBe(200);
    const deadline = new Date(Date.now() + 20_000).toISOString();
    const dispatched = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, {
      token: officer,
      body: { units: units.map((u) => u.id), overrides: units.map((u) => ({ unitId: u.id, indicator: 'HX-04', deadline })) },
    });
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    const [size] = await s.db.sql<{ n: number }[]>`select count(distinct org_id)::int as n from tasks where plan_id = ${planId}`;
    spreadMs = size!.n * s.env.LADDER_SPREAD_MS_PER_UNIT;
    for (const u of units) u.task = (await s.call('GET', `/api/v1/tasks?planId=${planId}`, { token: u.chair })).body.items[0].id;
    // The third unit's chair reports before the reminder: that unit hears of neither.
    const claimed = await s.call('POST', `/api/v1/tasks/${units[2]!.task}/claim`, { token: units[2]!.chair, body: { responsible: '工会主席' } });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    const reported = await s.call('POST', `/api/v1/tasks/${units[2]!.task}/report`, { token: units[2]!.chair, body: { value: 1, final: true } });
    expect(reported.status, JSON.stringify(reported.body)).toBe(200);
    expect((await temporal.workflow.getHandle(sharedLadderWorkflowId(planId)).describe()).status.name).toBe('RUNNING');

    await waitUntil('both warnings recorded', async () => (await rungs(units[0]!.task, 'warn')).length + (await rungs(units[1]!.task, 'warn')).length === 2, 45_000);
    const warned = [...(await rungs(units[0]!.task, 'warn')), ...(await rungs(units[1]!.task, 'warn'))];
    const reminded = [...(await rungs(units[0]!.task, 'remind')), ...(await rungs(units[1]!.task, 'remind'))];
    // One instant for both units, at the deadline or just after, before either unit's own timer could come.
    expect(new Set(warned.map((r) => r.firedAt.getTime())).size).toBe(1);
    expect(warned[0]!.firedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(deadline));
    expect(warned[0]!.firedAt.getTime()).toBeLessThan(Date.parse(deadline) + BACKSTOP_MS);
    expect(reminded).toHaveLength(2);
    expect(new Set(reminded.map((r) => r.firedAt.getTime())).size).toBe(1);
    expect(reminded[0]!.firedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(deadline) - 8000);
    expect(reminded[0]!.firedAt.getTime()).toBeLessThan(Date.parse(deadline) - 8000 + BACKSTOP_MS);
    expect(await rungs(units[2]!.task, 'remind')).toEqual([]);
    expect(await rungs(units[2]!.task, 'warn')).toEqual([]);

    // The robots: each working unit's hears the reminder and the warning; the township's one warning naming both.
    await waitUntil('the warning messages sent', async () => robot.hits.filter((h) => h.content.startsWith('【预警】')).length >= 3, 20_000);
    const township = robot.hits.filter((h) => h.path === '/robot/township-01');
    expect(township).toHaveLength(1);
    expect(township[0]!.content).toContain('2 个单位');
    for (const [i, u] of units.entries()) {
      const theirs = robot.hits.filter((h) => h.path === `/robot/unit-000${i + 1}`).map((h) => h.content.slice(0, 4));
      expect(theirs.sort()).toEqual(i < 2 ? ['【提醒】', '【预警】'] : []);
      // In the app, the chair's notices about the task.
      const notices = (await s.call('GET', '/api/v1/notices?limit=50', { token: u.chair })).body.items.filter((n: { taskId: string }) => n.taskId === u.task);
      expect(notices.map((n: { kind: string }) => n.kind).sort()).toEqual(i < 2 ? ['remind', 'warn'] : []);
    }

    // The units' own timers come after the backstop and their places in the spread, find everything fired, and
    // write and send nothing again.
    const hitsBefore = robot.hits.length;
    await new Promise((r) => setTimeout(r, Date.parse(deadline) + BACKSTOP_MS + spreadMs + 3000 - Date.now()));
    for (const u of units.slice(0, 2)) {
      expect(await rungs(u.task, 'warn')).toHaveLength(1);
      expect(await rungs(u.task, 'remind')).toHaveLength(1);
    }
    const [notices] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from notices where task_id in ${s.db.sql(units.map((u) => u.task))}`;
    // Two units × (reminder to the chair, warning to the chair and the township's officer).
    expect(notices!.n).toBe(6);
    expect(robot.hits.length).toBe(hitsBefore);
  });

  it('is woken by a deadline moved to a time it was not waiting for, and warns at the new deadline', { timeout: 90_000 }, async () => {
    const task = units[0]!.task;
    const deadline = new Date(Date.now() + 15_000).toISOString();
    await extend(task, deadline);
    await waitUntil('the warning for the new deadline', async () => (await rungs(task, 'warn')).length === 2, 45_000);
    const [, warned] = await rungs(task, 'warn');
    expect(warned!.deadline.toISOString()).toBe(deadline);
    expect(warned!.firedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(deadline));
    expect(warned!.firedAt.getTime()).toBeLessThan(Date.parse(deadline) + BACKSTOP_MS);
  });

  it('when the shared ladder is gone, each unit’s own timer still warns, after the backstop', { timeout: 90_000 }, async () => {
    await temporal.workflow.getHandle(sharedLadderWorkflowId(planId)).terminate('the test takes the shared ladder away');
    const task = units[1]!.task;
    const deadline = new Date(Date.now() + 10_000).toISOString();
    await extend(task, deadline);
    await waitUntil('the unit’s own warning', async () => (await rungs(task, 'warn')).length === 2, BACKSTOP_MS + spreadMs + 40_000);
    const [, warned] = await rungs(task, 'warn');
    expect(warned!.deadline.toISOString()).toBe(deadline);
    expect(warned!.firedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(deadline) + BACKSTOP_MS);
    const notices = (await s.call('GET', '/api/v1/notices?limit=50', { token: units[1]!.chair })).body.items.filter((n: { taskId: string; kind: string }) => n.taskId === task && n.kind === 'warn');
    expect(notices).toHaveLength(2);
  });
});
