// A deadline extension for one township, applied as a policy adjustment through the real API on Temporal's
// time-skipping test server: the ladder of that township's tasks re-arms, so the warning that would have fired at
// the old deadline does not, and fires at the new one; another township's tasks keep the old deadline.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createLogger } from '../../lib/log';
import { buildWorker, type JianjiaWorker } from '../../lib/worker';
import { startDemoStack, type DemoStack } from '../support/demo';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { waitUntil } from '../support/wait';

const bj = (local: string) => new Date(`${local}+08:00`);
const minute = (d: Date | string) => new Date(d).toISOString().slice(0, 16);

let tenv: TestWorkflowEnvironment;
let s: DemoStack;
let worker: JianjiaWorker;
let running: Promise<void>;
let planId: string;
let extended: string;
let kept: string;

async function advanceTo(local: string) {
  const gap = bj(local).getTime() - (await tenv.currentTimeMs());
  if (gap > 0) await tenv.sleep(gap);
}
async function ok(method: string, url: string, token: string, body?: unknown) {
  const res = await s.call(method, `/api/v1${url}`, { token, body });
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  return res.body;
}
const warnings = async (taskId: string) =>
  (await s.db.sql<{ firedAt: Date }[]>`select fired_at as "firedAt" from ladder_rungs where task_id = ${taskId} and rung = 'warn'`).map((r) => minute(r.firedAt));

beforeAll(async () => {
  tenv = await createTimeSkippingEnv();
  s = await startDemoStack({ TEMPORAL_ADDRESS: tenv.address, TEMPORAL_SEARCH_ATTRIBUTES: 'off' });
  worker = await buildWorker({
    connection: tenv.nativeConnection,
    namespace: 'default',
    taskQueue: s.env.TEMPORAL_TASK_QUEUE,
    deps: { sql: s.db.sql, temporal: tenv.client, log: createLogger('warn', 'worker-test'), env: s.env },
    workflowBundle: { codePath: inject('workflowBundle') },
  });
  running = worker.run();
  const district = await s.token('district');
  const plan = await ok('POST', '/plans', district, { year: 2026, name: '延期调整测试', deadline: bj('2026-12-10T18:00:00').toISOString(), indicators: ['HS-02'] });
  planId = plan.id;
  await ok('POST', `/plans/${planId}/issue`, district);
  const u1 = await s.orgId('FY-T01-U001');
  const u2 = await s.orgId('FY-T02-U001');
  await ok('POST', `/plans/${planId}/dispatch`, await s.token('township-01'), { units: [u1] });
  await ok('POST', `/plans/${planId}/dispatch`, await s.token('township-02'), { units: [u2] });
  extended = (await ok('GET', `/tasks?planId=${planId}&unitId=${u1}`, district)).items[0].id;
  kept = (await ok('GET', `/tasks?planId=${planId}&unitId=${u2}`, district)).items[0].id;
}, 300_000);

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await s?.stop();
  await tenv?.teardown();
});

describe('a deadline extension for one township (time-skipping server)', () => {
  it('re-arms that township’s ladder: no warning at the old deadline, one at the new; the other township keeps its own', async () => {
    const district = await s.token('district');
    const adjustment = await ok('POST', `/plans/${planId}/adjustments`, district, {
      kind: 'extend',
      class: { townshipIds: [await s.orgId('FY-T01')] },
      indicators: ['HS-02'],
      deadline: bj('2026-12-24T18:00:00').toISOString(),
      reason: '富春街道汛期抢险，延期两周',
    });
    await waitUntil('the extension to be applied', async () => (await ok('GET', `/adjustments/${adjustment.id}`, district)).state === 'applied', 60_000);
    expect((await ok('GET', `/tasks/${extended}`, district)).deadline).toBe(bj('2026-12-24T18:00:00').toISOString());

    await advanceTo('2026-12-10T18:01:00');
    await waitUntil('the warning of the township that was not extended', async () => (await warnings(kept)).length === 1, 30_000);
    expect(await warnings(kept)).toEqual([minute(bj('2026-12-10T18:00:00'))]);
    expect(await warnings(extended)).toEqual([]);

    await advanceTo('2026-12-24T18:01:00');
    await waitUntil('the warning at the new deadline', async () => (await warnings(extended)).length === 1, 30_000);
    expect(await warnings(extended)).toEqual([minute(bj('2026-12-24T18:00:00'))]);
    const history = (await ok('GET', `/tasks/${extended}`, district)).history as { action: string; summary: { reason?: string } }[];
    expect(history.find((h) => h.action === 'task.extend')?.summary.reason).toContain(adjustment.number);
  });
});
