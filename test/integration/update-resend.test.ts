// A change whose answer is lost on the way back from Temporal (the update was applied, but the call ended in
// DEADLINE_EXCEEDED, as when the server is slow or a connection drops) is sent again by the API. Sent again with the
// same update id it joins the first and returns its outcome; with a fresh id it would be a second change. The chair
// sends no Idempotency-Key here, as a phone on a good connection does not have to: one progress report is recorded
// once, and a claim answers 200, not "already claimed".
import { InterceptingCall, status, type Interceptor } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';

/** When armed, the next UpdateWorkflowExecution reaches the server, but its answer is replaced by DEADLINE_EXCEEDED. */
const lose = { armed: false, lost: 0 };
const loseNextUpdateAnswer: Interceptor = (options, nextCall) => {
  if (!lose.armed || !options.method_definition.path.endsWith('/UpdateWorkflowExecution')) return new InterceptingCall(nextCall(options));
  lose.armed = false;
  return new InterceptingCall(nextCall(options), {
    start(metadata, _listener, next) {
      next(metadata, {
        // The answer goes on (grpc-js holds a call's status until its message has passed), but the status that follows
        // it says the call failed, and a failed call's message is thrown away.
        onReceiveStatus(received, forward) {
          lose.lost += 1;
          forward({ ...received, code: status.DEADLINE_EXCEEDED, details: 'the answer was lost on the way back (test)' });
        },
      });
    },
  });
};

let s: DemoStack;
let worker: { stop(): Promise<void> } | undefined;
let chair: string;
let tasks: { id: string; indicator: string; version: number }[];

beforeAll(async () => {
  s = await startDemoStack({}, { temporalInterceptors: [loseNextUpdateAnswer] });
  worker = await startWorker(s);
  const district = await s.token('district');
  const officer = await s.token('township-01');
  chair = await s.token('unit-0001');
  const plan = await s.call('POST', '/api/v1/plans', { token: district, body: { year: 2026, name: '2026年度重发测试', deadline: '2026-12-18T10:00:00Z', indicators: ['HS-02', 'HL-02'] } });
  expect(plan.status).toBe(201);
  expect((await s.call('POST', `/api/v1/plans/${plan.body.id}/issue`, { token: district })).status).toBe(200);
  expect((await s.call('POST', `/api/v1/plans/${plan.body.id}/dispatch`, { token: officer, body: {} })).status).toBe(200);
  tasks = (await s.call('GET', `/api/v1/tasks?planId=${plan.body.id}`, { token: chair })).body.items;
  expect(tasks).toHaveLength(2);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await s?.stop();
});

describe('a change whose answer was lost', () => {
  it('is a claim once: the resent claim answers 200 with the claimed task', async () => {
    const task = tasks.find((t) => t.indicator === 'HS-02')!;
    lose.armed = true;
    const claimed = await s.call('POST', `/api/v1/tasks/${task.id}/claim`, { token: chair, body: { responsible: '王小梅', version: task.version } });
    expect(lose.lost).toBe(1);
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    expect(claimed.body).toMatchObject({ state: 'claimed', version: task.version + 1, responsible: '王小梅' });
  });

  it('is one progress report, not two', async () => {
    const task = tasks.find((t) => t.indicator === 'HS-02')!;
    lose.armed = true;
    const progress = await s.call('POST', `/api/v1/tasks/${task.id}/report`, { token: chair, body: { value: 2, note: '上半年两场' } });
    expect(lose.lost).toBe(2);
    expect(progress.status, JSON.stringify(progress.body)).toBe(200);
    expect(progress.body).toMatchObject({ state: 'claimed', version: task.version + 2, value: 2 });
    const detail = await s.call('GET', `/api/v1/tasks/${task.id}`, { token: chair });
    expect(detail.body.reports).toHaveLength(1);
    expect(detail.body.history.filter((e: { action: string }) => e.action === 'task.progress')).toHaveLength(1);
  });
});
