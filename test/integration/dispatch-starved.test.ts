// A township dispatches while the cycle's worker is away (starved, stopped): the call does not hang and is never a
// 500; it answers 503 with what is done so far and how to retry. When a worker is back, the same request with the
// same Idempotency-Key finishes the dispatch, and every unit is dispatched exactly once: one inbox row per
// (unit, indicator), one dispatch entry per task in the audit, one unit workflow per unit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';

let s: DemoStack;
let worker: { stop(): Promise<void> } | undefined;
let district: string;
let officer: string;
let townshipId: string;
let planId: string;
let units: number;

beforeAll(async () => {
  s = await startDemoStack({ DISPATCH_WAIT_MS: '4000' });
  worker = await startWorker(s);
  district = await s.token('district');
  officer = await s.token('township-01');
  townshipId = await s.orgId('FY-T01');
  const [row] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from orgs where township_id = ${townshipId} and level = 'grassroots' and status = 'active'`;
  units = row!.n;
});
afterAll(async () => {
  await worker?.stop();
  await s?.stop();
});

describe('dispatch with the worker starved', () => {
  it('answers 503 with the progress so far, then the same request completes once the worker is back', async () => {
    const plan = await s.call('POST', '/api/v1/plans', { token: district, body: { year: 2026, name: '2026年度分办韧性测试', deadline: '2026-12-18T10:00:00Z', indicators: ['HS-02', 'GF-02', 'HL-02'] } });
    expect(plan.status).toBe(201);
    planId = plan.body.id;
    expect((await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district })).status).toBe(200);
    await worker!.stop();
    worker = undefined;

    const key = 'dispatch-fy-t01-starved';
    const first = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: officer, body: {}, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(first.body.error.message).toContain('same Idempotency-Key');
    expect(first.body.error.progress).toEqual({ units, dispatchedUnits: 0 });

    worker = await startWorker(s);
    let done = first;
    for (let attempt = 0; attempt < 20 && done.status !== 200; attempt++) {
      done = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: officer, body: {}, headers: { 'idempotency-key': key } });
      expect([200, 503]).toContain(done.status);
    }
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ townshipId, dispatchedUnits: units, dispatchedTasks: units * 3 });
    // Asked once more: the stored answer, nothing dispatched again.
    const again = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: officer, body: {}, headers: { 'idempotency-key': key } });
    expect(again.body).toEqual(done.body);
  }, 180_000);

  it('dispatched every unit exactly once', async () => {
    const [tasks] = await s.db.sql<{ rows: number; keys: number; dispatched: number }[]>`
      select count(*)::int as rows, count(distinct (t.org_id, t.indicator))::int as keys, count(*) filter (where t.version = 1 and t.state = 'dispatched')::int as dispatched
      from tasks t join orgs o on o.id = t.org_id where t.plan_id = ${planId} and t.township_id = ${townshipId} and o.level = 'grassroots'`;
    expect(tasks).toEqual({ rows: units * 3, keys: units * 3, dispatched: units * 3 });
    const [audit] = await s.db.sql<{ entries: number; subjects: number }[]>`
      select count(*)::int as entries, count(distinct subject_id)::int as subjects from audit_log
      where action = 'task.dispatch' and subject_id in (select id::text from tasks where plan_id = ${planId} and township_id = ${townshipId})`;
    expect(audit).toEqual({ entries: units * 3, subjects: units * 3 });
    // The chair sees the three tasks in the inbox.
    const inbox = await s.call('GET', `/api/v1/tasks?planId=${planId}`, { token: await s.token('unit-0001') });
    expect(inbox.body.items).toHaveLength(3);
  });
});
