// A township's dispatch writes its units' tasks into their inboxes first and starts the units' workflows after,
// paced by the units' queue (at 5,000 units the starts take minutes). A chair who opens the inbox in between and acts
// on a task must not wait for the dispatch to reach the unit: the verb starts the unit's workflow itself. Here the
// dispatch is stopped between its two steps (the rows moved, no workflow started), as a worker killed there leaves it.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalClient } from '../../lib/temporal';
import { unitTasksWorkflowId } from '../../workflows/unit-tasks.contract';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { waitUntil } from '../support/wait';

let s: DemoStack;
let worker: { stop(): Promise<void> } | undefined;
let temporal: Client;
let planId: string;
let unitId: string;
let townshipId: string;

beforeAll(async () => {
  s = await startDemoStack();
  worker = await startWorker(s);
  temporal = temporalClient(s.env);
  const district = await s.token('district');
  const plan = await s.call('POST', '/api/v1/plans', { token: district, body: { year: 2026, name: '2026年度先入收件箱', deadline: '2026-12-18T10:00:00Z', indicators: ['HS-02', 'HL-02'] } });
  expect(plan.status).toBe(201);
  planId = plan.body.id;
  expect((await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district })).status).toBe(200);
  const [chairOrg] = await s.db.sql<{ unitId: string; townshipId: string }[]>`
    select o.id as "unitId", o.township_id as "townshipId" from users u join orgs o on o.id = u.org_id where u.login = 'unit-0001'`;
  ({ unitId, townshipId } = chairOrg!);
  // The dispatch's first step for one unit: its rows in its inbox, its workflow not started.
  const moved = await s.db.sql`update tasks set state = 'dispatched', version = 1 where plan_id = ${planId} and org_id = ${unitId} and version = 0 returning id`;
  expect(moved).toHaveLength(2);
}, 120_000);
afterAll(async () => {
  await temporal?.connection.close();
  await worker?.stop();
  await s?.stop();
});

describe('a task in the inbox before its unit’s workflow is started', () => {
  it('is claimed at once: the claim starts the unit’s workflow', async () => {
    const handle = temporal.workflow.getHandle(unitTasksWorkflowId(planId, unitId));
    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    // The district's check lists the unit (once, by its first task) and finds no difference to repair.
    const check = await s.call('GET', `/api/v1/plans/${planId}/reconcile`, { token: await s.token('district') });
    expect(check.status).toBe(200);
    expect(check.body.differences).toEqual([]);
    expect(check.body.attention).toHaveLength(1);
    expect(check.body.attention[0].message).toMatch(/not started yet: dispatch the township again/);
    const chair = await s.token('unit-0001');
    const inbox = await s.call('GET', `/api/v1/tasks?planId=${planId}`, { token: chair });
    expect(inbox.body.items.map((t: { state: string }) => t.state)).toEqual(['dispatched', 'dispatched']);
    const task = inbox.body.items.find((t: { indicator: string }) => t.indicator === 'HS-02');
    const claimed = await s.call('POST', `/api/v1/tasks/${task.id}/claim`, { token: chair, body: { responsible: '王小梅', version: task.version } });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    expect(claimed.body).toMatchObject({ state: 'claimed', version: 2, responsible: '王小梅' });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const [recorded] = await s.db.sql`select 1 from unit_workflows where plan_id = ${planId} and org_id = ${unitId}`;
    expect(recorded).toBeDefined();
  });

  it('is not started twice when the township’s dispatch reaches the unit, and the claim stands', async () => {
    const handle = temporal.workflow.getHandle(unitTasksWorkflowId(planId, unitId));
    const runBefore = (await handle.describe()).runId;
    const [officerRow] = await s.db.sql<{ login: string }[]>`select login from users where org_id = ${townshipId} and role = 'township_officer' limit 1`;
    const officer = await s.token(officerRow!.login);
    const dispatched = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: officer, body: {} });
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    expect((await handle.describe()).runId).toBe(runBefore);
    const chair = await s.token('unit-0001');
    const items = (await s.call('GET', `/api/v1/tasks?planId=${planId}`, { token: chair })).body.items;
    expect(items.find((t: { indicator: string }) => t.indicator === 'HS-02')).toMatchObject({ state: 'claimed', version: 2, responsible: '王小梅' });
    // Every unit of the township has its workflow now, each started once.
    const [units] = await s.db.sql<{ n: number }[]>`
      select count(distinct t.org_id)::int as n from tasks t join orgs o on o.id = t.org_id
      where t.plan_id = ${planId} and t.township_id = ${townshipId} and o.level = 'grassroots'`;
    const [started] = await s.db.sql<{ n: number }[]>`
      select count(*)::int as n from unit_workflows w join orgs o on o.id = w.org_id where w.plan_id = ${planId} and o.township_id = ${townshipId}`;
    expect(started!.n).toBe(units!.n);
    const other = await s.db.sql<{ orgId: string }[]>`
      select org_id as "orgId" from unit_workflows w where plan_id = ${planId} and org_id <> ${unitId} limit 1`;
    expect((await temporal.workflow.getHandle(unitTasksWorkflowId(planId, other[0]!.orgId)).describe()).status.name).toBe('RUNNING');
    const check = await s.call('GET', `/api/v1/plans/${planId}/reconcile`, { token: await s.token('district') });
    expect(check.body.attention).toEqual([]);
    expect(check.body.differences).toEqual([]);
    expect(check.body.units).toBe(units!.n);
  });

  it('is claimed and reported on by a chair whose township’s dispatch has not come back to start the unit', async () => {
    // Another unit of another township: rows moved, no workflow; its township has not dispatched again.
    const [otherRow] = await s.db.sql<{ other: string }[]>`
      select o.id as other from orgs o join users u on u.org_id = o.id and u.role = 'grassroots_chair'
      where o.level = 'grassroots' and o.township_id <> ${townshipId} order by o.code limit 1`;
    const other = otherRow!.other;
    await s.db.sql`update tasks set state = 'dispatched', version = 1 where plan_id = ${planId} and org_id = ${other} and version = 0`;
    const [chairRow] = await s.db.sql<{ login: string }[]>`select login from users where org_id = ${other} and role = 'grassroots_chair' limit 1`;
    const chair = await s.token(chairRow!.login);
    const task = (await s.call('GET', `/api/v1/tasks?planId=${planId}`, { token: chair })).body.items.find((t: { indicator: string }) => t.indicator === 'HL-02');
    const claimed = await s.call('POST', `/api/v1/tasks/${task.id}/claim`, { token: chair, body: { responsible: '李强' } });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    const reported = await s.call('POST', `/api/v1/tasks/${task.id}/report`, { token: chair, body: { value: 1, note: '已开展一次' } });
    expect(reported.status, JSON.stringify(reported.body)).toBe(200);
    expect(reported.body).toMatchObject({ state: 'claimed', version: 3, value: 1 });
  });

  it('takes the district’s adjustment: applying it starts the unit and changes the task', async () => {
    const [row] = await s.db.sql<{ id: string }[]>`
      select o.id from orgs o where o.level = 'grassroots' and o.status = 'active' and o.township_id <> ${townshipId}
        and not exists (select 1 from tasks t where t.org_id = o.id and t.plan_id = ${planId} and t.version > 0)
      order by o.code desc limit 1`;
    const third = row!.id;
    await s.db.sql`update tasks set state = 'dispatched', version = 1 where plan_id = ${planId} and org_id = ${third} and version = 0`;
    const district = await s.token('district');
    const posted = await s.call('POST', `/api/v1/plans/${planId}/adjustments`, {
      token: district,
      body: { kind: 'extend', class: { orgIds: [third] }, indicators: ['HS-02'], deadline: '2026-12-28T10:00:00Z', reason: '先入收件箱的单位延期' },
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    await waitUntil('the adjustment to be applied', async () => (await s.call('GET', `/api/v1/adjustments/${posted.body.id}`, { token: district })).body.state === 'applied', 60_000);
    const applied = (await s.call('GET', `/api/v1/adjustments/${posted.body.id}`, { token: district })).body;
    expect(applied.progress).toMatchObject({ units: 1, tasks: 1, done: 1, skipped: 0 });
    expect((await temporal.workflow.getHandle(unitTasksWorkflowId(planId, third)).describe()).status.name).toBe('RUNNING');
    const [task] = await s.db.sql<{ deadline: Date; version: number }[]>`select deadline, version from tasks where plan_id = ${planId} and org_id = ${third} and indicator = 'HS-02'`;
    expect([task!.deadline.toISOString(), task!.version]).toEqual(['2026-12-28T10:00:00.000Z', 2]);
  });
});
