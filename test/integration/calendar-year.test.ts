// Entering next year's holidays after the plan is running, on Temporal's time-skipping test server with the
// real API, real activities and PostgreSQL: the ladder counted 2027 Monday–Friday until then; once the year is
// published, a pending working-day rung moves, an open order's answer deadline moves (the unit is told the
// corrected date) and the summons follows the corrected deadline. Rungs that fired stay fired.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createLogger } from '../../lib/log';
import { buildWorker, type JianjiaWorker } from '../../lib/worker';
import { startDemoStack, type DemoStack } from '../support/demo';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { waitUntil } from '../support/wait';

// A TEST FIXTURE shaped like a State Council notice (元旦 and a Spring Festival week with a make-up Saturday);
// not the real 2027 arrangement, which is not published as this is written.
const fixture2027 = {
  holidays: [
    ...['2027-01-01', '2027-01-02', '2027-01-03'].map((date) => ({ date, name: '元旦' })),
    ...['06', '07', '08', '09', '10', '11', '12', '13', '14'].map((d) => ({ date: `2027-02-${d}`, name: '春节' })),
  ],
  workdays: [{ date: '2027-02-20', name: '春节调休上班' }],
};

/** Beijing wall-clock time as an instant. */
const bj = (local: string) => new Date(`${local}+08:00`);
const iso = (local: string) => bj(local).toISOString();
/** Timers fire on the minute they were set for, give or take the milliseconds a workflow task takes. */
const minute = (d: Date | string) => new Date(d).toISOString().slice(0, 16);
const at = (local: string) => minute(bj(local));

let tenv: TestWorkflowEnvironment;
let s: DemoStack;
let worker: JianjiaWorker;
let running: Promise<void>;
let district: string;
let chair: string;
let planId: string;
/** HS-02: due Mon 25 Jan, ordered on 1 Feb. HS-03: due Thu 4 Feb, warned two working days later. */
const task: Record<'ordered' | 'pending', string> = { ordered: '', pending: '' };

async function advanceTo(local: string) {
  const gap = bj(local).getTime() - (await tenv.currentTimeMs());
  if (gap > 0) await tenv.sleep(gap);
}
async function ok(method: string, url: string, token: string, body?: unknown) {
  const res = await s.call(method, `/api/v1${url}`, { token, body });
  if (res.status !== 200 && res.status !== 201) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  return res.body;
}
const rungs = async (taskId: string) =>
  (await s.db.sql<{ rung: string; firedAt: Date }[]>`select rung, fired_at as "firedAt" from ladder_rungs where task_id = ${taskId} order by fired_at`).map(
    (r) => `${r.rung}@${minute(r.firedAt)}`,
  );
const order = async () => (await s.db.sql<{ id: string; number: string; respondBy: Date }[]>`select id, number, respond_by as "respondBy" from supervision_orders where task_id = ${task.ordered}`)[0];
const summons = async () => (await s.db.sql<{ proposedAt: Date }[]>`select proposed_at as "proposedAt" from summons where task_id = ${task.ordered}`)[0];

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
  district = await s.token('district');
  chair = await s.token('unit-0001');
  const unit = await s.orgId('FY-T01-U001');
  // The default policy (order answered in 5 working days, summons 3 working days on) and, for HS-03, a warning
  // two working days after its deadline: all counted in 2027, which nobody has entered yet.
  const plan = await ok('POST', '/plans', district, {
    year: 2026,
    name: '2026年度年终计划',
    deadline: iso('2027-01-25T18:00:00'),
    indicators: ['HS-02', 'HS-03'],
    deadlines: { 'HS-03': iso('2027-02-04T18:00:00') },
    escalation: { indicators: { 'HS-03': { warnAfter: { workingDays: 2 } } } },
  });
  planId = plan.id;
  expect(plan.provisionalYears).toEqual([2027]);
  await ok('POST', `/plans/${planId}/issue`, district);
  await ok('POST', `/plans/${planId}/dispatch`, await s.token('township-01'), { units: [unit] });
  const items = (await ok('GET', `/tasks?planId=${planId}&unitId=${unit}`, chair)).items as { id: string; indicator: string }[];
  task.ordered = items.find((t) => t.indicator === 'HS-02')!.id;
  task.pending = items.find((t) => t.indicator === 'HS-03')!.id;
}, 300_000);

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await s?.stop();
  await tenv?.teardown();
});

describe('publishing a year the ladder counted provisionally (time-skipping server)', () => {
  it('counts 2027 Monday–Friday until it is entered, and says so on the task', async () => {
    const pending = (await ok('GET', `/tasks/${task.pending}`, chair)).ladder;
    // Thu 4 Feb + two working days, Monday–Friday: Fri 5, Mon 8 February.
    expect([pending.warn, pending.provisional, pending.provisionalYears]).toEqual([iso('2027-02-08T18:00:00'), true, [2027]]);

    // HS-02 is supervised 7 days after Mon 25 Jan; five provisional working days to answer: Mon 8 Feb.
    await advanceTo('2027-02-01T18:01:00');
    await waitUntil('the supervision order', async () => (await order()) !== undefined, 30_000);
    expect(minute((await order())!.respondBy)).toBe(at('2027-02-08T18:00:00'));
  });

  it('moves the open order’s answer deadline and the pending warning when 2027 is published, telling the unit the corrected date', async () => {
    const published = await ok('PUT', '/calendar/2027', district, fixture2027);
    expect(published).toMatchObject({ changed: true, movedOrders: 1, status: 'stored' });
    expect(published.rearmedUnits).toBe(1);

    // Answer days: Tue 2 – Fri 5 Feb are four; 6–14 Feb are the Spring Festival; Mon 15 Feb is the fifth.
    const moved = (await order())!;
    expect(minute(moved.respondBy)).toBe(at('2027-02-15T18:00:00'));
    const notices = (await ok('GET', '/notices', chair)).items as { title: string; body: string }[];
    const correction = notices.find((n) => n.title.includes('督办时限更正'));
    expect(correction?.title).toBe(`【督办时限更正】${moved.number}`);
    expect(correction?.body).toContain('更正为2027-02-15 18:00');

    const pending = (await ok('GET', `/tasks/${task.pending}`, chair)).ladder;
    // Fri 5 Feb, then the holiday, then Mon 15 Feb.
    expect([pending.warn, pending.provisional]).toEqual([iso('2027-02-15T18:00:00'), false]);
    expect((await ok('GET', `/plans/${planId}`, district)).provisionalYears).toEqual([]);

    // The same calendar again changes nothing: no second audit entry, nothing moves, nobody re-armed.
    const again = await ok('PUT', '/calendar/2027', district, fixture2027);
    expect(again).toMatchObject({ changed: false, movedOrders: 0, rearmedUnits: 0, revision: published.revision });
    const [audits] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from audit_log where subject_type = 'calendar'`;
    expect(audits!.n).toBe(1);
  });

  it('fires nothing at the provisional times, then the warning and the summons at the corrected ones', async () => {
    const firedBefore = await rungs(task.ordered);
    expect(firedBefore).toEqual([`remind@${at('2027-01-20T18:00:00')}`, `warn@${at('2027-01-25T18:00:00')}`, `supervise@${at('2027-02-01T18:00:00')}`]);

    // The old provisional times pass: no warning for HS-03, no summons for the order answered by 15 Feb.
    await advanceTo('2027-02-09T12:00:00');
    expect((await rungs(task.pending)).filter((r) => r.startsWith('warn'))).toEqual([]);
    expect(await summons()).toBeUndefined();

    await advanceTo('2027-02-15T18:01:00');
    await waitUntil('the warning at the corrected time', async () => (await rungs(task.pending)).some((r) => r.startsWith('warn')), 30_000);
    expect((await rungs(task.pending)).filter((r) => r.startsWith('warn'))).toEqual([`warn@${at('2027-02-15T18:00:00')}`]);
    await waitUntil('the summons after the corrected answer deadline', async () => (await summons()) !== undefined, 30_000);
    // Three working days after Mon 15 Feb: Thu 18 Feb, at 09:30.
    expect((await summons())!.proposedAt.toISOString()).toBe(iso('2027-02-18T09:30:00'));
    // The rungs fired before the correction are still on record, once each.
    expect((await rungs(task.ordered)).slice(0, 3)).toEqual(firedBefore);
  });
});
