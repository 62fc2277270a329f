import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';
import { waitUntil } from '../support/wait';
import { spawnWorker } from '../support/stack';

// The worker runs as its own process so it can be killed the way a crash or a power cut would.
let s: DemoStack;
let worker: ChildProcess;
let planId: string;
let district: string;
const year = new Date().getUTCFullYear() + 2;
const thisYear = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = async (query: Promise<{ n: number }[]>) => (await query)[0]!.n;
/** Track which of a batch of requests have been answered, to show a crash hit work still in flight. */
function tracked<T>(calls: Promise<T>[]) {
  let answered = 0;
  const all = calls.map((c) => c.finally(() => (answered += 1)));
  return { all, answered: () => answered, total: calls.length };
}
function kill(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  return exited;
}

beforeAll(async () => {
  s = await startDemoStack();
  worker = spawnWorker(s);
  district = await s.token('district');
});
afterAll(async () => {
  if (worker.exitCode === null) await kill(worker);
  await s?.stop();
});

describe('killing the worker', () => {
  it('in the middle of dispatch leaves exactly one task per (plan, unit, indicator), all dispatched once', { timeout: 300_000 }, async () => {
    const created = await s.call('POST', '/api/v1/plans', { token: district, body: { year, name: '耐久性测试', deadline: `${year}-11-30T00:00:00Z`, escalation: { orderResponse: 'P7D', summonsAfter: 'P3D' } } });
    planId = created.body.id;
    const issued = await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district });
    expect(issued.status).toBe(200);
    const townships = await s.db.sql<{ id: string }[]>`select id from orgs where level = 'township' order by code`;
    const units = await count(s.db.sql<{ n: number }[]>`select count(*)::int as n from orgs where level = 'grassroots' and status = 'active'`);

    const dispatched = () => count(s.db.sql<{ n: number }[]>`select count(*)::int as n from tasks where plan_id = ${planId} and version > 0`);
    const calls = tracked(
      townships.map((t, n) =>
        s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: district, body: { townshipId: t.id }, headers: { 'idempotency-key': `dispatch-${n}` } }),
      ),
    );
    await waitUntil('dispatch under way', async () => (await dispatched()) >= 23 * 20);
    await kill(worker);
    const atKill = await dispatched();
    const answeredAtKill = calls.answered();
    // The crash hit work in flight: tasks were half dispatched and townships were still waiting for their answer.
    expect(atKill).toBeGreaterThanOrEqual(23 * 20);
    expect(atKill).toBeLessThan(units * 23);
    expect(answeredAtKill).toBeLessThan(calls.total);
    console.log(`dispatch crash: ${atKill} of ${units * 23} tasks dispatched, ${calls.total - answeredAtKill} of ${calls.total} township dispatches unanswered when the worker died`);
    await sleep(1000);
    worker = spawnWorker(s);

    const answers = await Promise.all(calls.all);
    for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(200);
    const rows = await s.db.sql<{ n: number; distinct: number; dispatched: number }[]>`
      select count(*)::int as n, count(distinct (org_id, indicator))::int as distinct,
        count(*) filter (where state = 'dispatched' and version = 1)::int as dispatched
      from tasks where plan_id = ${planId}`;
    expect(rows[0]).toEqual({ n: units * 23, distinct: units * 23, dispatched: units * 23 });
    const audits = await count(s.db.sql<{ n: number }[]>`
      select count(*)::int as n from audit_log a join tasks t on t.id::text = a.subject_id
      where t.plan_id = ${planId} and a.action = 'task.dispatch'`);
    expect(audits).toBe(units * 23);
    const temporalCount = await countUnitWorkflows(planId);
    expect(temporalCount).toBe(units);
  });

  it('during a burst of reports loses no acknowledged report and duplicates none', { timeout: 300_000 }, async () => {
    const chairs = ['unit-0001', 'unit-0002', 'unit-0003'];
    const jobs: { token: string; taskId: string; value: number; key: string }[] = [];
    for (const login of chairs) {
      const token = await s.token(login);
      const inbox = await s.call('GET', `/api/v1/tasks?planId=${planId}&category=HL&limit=50`, { token });
      for (const t of inbox.body.items) {
        const claimed = await s.call('POST', `/api/v1/tasks/${t.id}/claim`, { token, body: { responsible: '负责人' } });
        expect(claimed.status).toBe(200);
        // Distinct values, each valid for its measure (HL-01 is yes/no).
        jobs.push({ token, taskId: t.id, value: t.indicator === 'HL-01' ? 1 : 10 + jobs.length, key: `burst-${t.id}` });
      }
    }
    const reportsIn = () => count(s.db.sql<{ n: number }[]>`select count(*)::int as n from task_reports r join tasks t on t.id = r.task_id where t.plan_id = ${planId}`);
    const send = (j: (typeof jobs)[number]) =>
      s.call('POST', `/api/v1/tasks/${j.taskId}/report`, { token: j.token, body: { value: j.value }, headers: { 'idempotency-key': j.key } });
    const first = tracked(jobs.map(send));
    // Looked at often: the 15 reports can all be answered within one 200 ms poll, and the kill must land mid-burst.
    await waitUntil('some reports in', async () => (await reportsIn()) >= 3, 120_000, 10);
    await kill(worker);
    const storedAtKill = await reportsIn();
    const answeredAtKill = first.answered();
    // The crash hit a burst in flight: some reports were stored, and some were still unanswered.
    expect(storedAtKill).toBeGreaterThanOrEqual(3);
    expect(answeredAtKill).toBeLessThan(jobs.length);
    console.log(`report crash: ${storedAtKill} of ${jobs.length} reports stored, ${jobs.length - answeredAtKill} unanswered when the worker died`);
    await sleep(1000);
    worker = spawnWorker(s);
    const answers = await Promise.all(first.all);

    // What was acknowledged is stored; what was not is retried with the same key, as a client would.
    for (const [n, a] of answers.entries()) {
      let answer = a;
      while (answer.status !== 200) {
        expect([503]).toContain(answer.status);
        answer = await send(jobs[n]!);
      }
      expect(answer.body.value).toBe(jobs[n]!.value);
    }
    const stored = await s.db.sql<{ taskId: string; n: number; value: number }[]>`
      select task_id as "taskId", count(*)::int as n, max(value)::float8 as value from task_reports
      where task_id in ${s.db.sql(jobs.map((j) => j.taskId))} group by task_id`;
    expect(stored).toHaveLength(jobs.length);
    for (const row of stored) {
      expect(row.n).toBe(1);
      expect(row.value).toBe(jobs.find((j) => j.taskId === row.taskId)!.value);
    }
  });

  it('while the ladder fires loses no rung, opens one numbered order per task and notifies each person once', { timeout: 300_000 }, async () => {
    const created = await s.call('POST', '/api/v1/plans', {
      token: district,
      // This year's plan: its tasks can be an hour late now (dates lie within the plan's window of years).
      body: { year: thisYear, name: '督办耐久性测试', deadline: `${thisYear + 1}-06-30T00:00:00Z`, indicators: ['HS-01', 'HS-03'], escalation: { remindBefore: 'P1D', warnAfter: 'PT0S', superviseAfter: 'PT1S', orderResponse: 'P7D', summonsAfter: 'P3D' } },
    });
    const plan = created.body.id;
    expect((await s.call('POST', `/api/v1/plans/${plan}/issue`, { token: district })).status).toBe(200);
    // Every unit of a township an hour late on both tasks: three rungs per task fall due at once.
    const units = await s.db.sql<{ id: string }[]>`select o.id from orgs o join orgs t on t.id = o.township_id where t.code = 'FY-T02' and o.level = 'grassroots' and o.status = 'active'`;
    const late = new Date(Date.now() - 3600_000).toISOString();
    const overrides = units.flatMap((u) => ['HS-01', 'HS-03'].map((indicator) => ({ unitId: u.id, indicator, deadline: late })));
    const officer = await s.token('township-02');
    const dispatching = s.call('POST', `/api/v1/plans/${plan}/dispatch`, { token: officer, body: { overrides }, headers: { 'idempotency-key': 'ladder-crash' } });
    const orders = () => count(s.db.sql<{ n: number }[]>`select count(*)::int as n from supervision_orders where plan_id = ${plan}`);
    const rungsFired = () => count(s.db.sql<{ n: number }[]>`select count(*)::int as n from ladder_rungs r join tasks t on t.id = r.task_id where t.plan_id = ${plan}`);
    await waitUntil('the first orders', async () => (await orders()) >= 1);
    await kill(worker);
    const atKill = await orders();
    const rungsAtKill = await rungsFired();
    // The crash hit the ladder mid-way: some rungs had fired, others had not.
    expect(rungsAtKill).toBeGreaterThan(0);
    expect(rungsAtKill).toBeLessThan(units.length * 2 * 3);
    console.log(`ladder crash: ${rungsAtKill} of ${units.length * 2 * 3} rungs and ${atKill} of ${units.length * 2} orders when the worker died`);
    await sleep(1000);
    worker = spawnWorker(s);
    expect((await dispatching).status).toBe(200);

    const tasks = units.length * 2;
    await waitUntil('an order for every task', async () => (await orders()) === tasks, 120_000);
    expect(atKill).toBeLessThan(tasks);
    const rungs = await s.db.sql<{ rung: string; n: number }[]>`
      select r.rung, count(*)::int as n from ladder_rungs r join tasks t on t.id = r.task_id where t.plan_id = ${plan} group by 1 order by 1`;
    expect(rungs).toEqual([
      { rung: 'remind', n: tasks },
      { rung: 'supervise', n: tasks },
      { rung: 'warn', n: tasks },
    ]);
    // Numbered without gaps or repeats across the crash (numbers run per district and year, across plans).
    const numbers = await s.db.sql<{ seq: number }[]>`
      select substring(number from '〕([0-9]+)号')::int as seq from supervision_orders where plan_id = ${plan} order by 1`;
    const first = numbers[0]!.seq;
    expect(numbers.map((n) => n.seq)).toEqual(Array.from({ length: tasks }, (_, i) => first + i));
    // Each rung reached the unit's chair once: one notice per task, rung and person.
    const perChair = await s.db.sql<{ n: number; distinct: number }[]>`
      select count(*)::int as n, count(distinct (n.task_id, n.kind, n.user_id))::int as distinct
      from notices n join tasks t on t.id = n.task_id join users u on u.id = n.user_id
      where t.plan_id = ${plan} and u.org_id = t.org_id`;
    expect(perChair[0]).toEqual({ n: tasks * 3, distinct: tasks * 3 });
    const lights = await s.db.sql<{ light: string }[]>`select distinct light from tasks where plan_id = ${plan} and version > 0`;
    expect(lights).toEqual([{ light: 'red' }]);
  });
});

/** How many unit-tasks workflows Temporal holds for the plan. */
async function countUnitWorkflows(plan: string) {
  const { Client, Connection } = await import('@temporalio/client');
  const client = new Client({ connection: await Connection.connect({ address: s.env.TEMPORAL_ADDRESS }) });
  let n = 0;
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'unitTasks'` })) if (wf.workflowId.startsWith(`plan-${plan}-unit-`)) n++;
  await client.connection.close();
  return n;
}
