import { Connection, Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { waitUntil } from '../support/wait';
import { coordinatorTaskQueue } from '../../lib/temporal';

let s: DemoStack;
let worker: { stop(): Promise<void> };
let connection: Connection;
let client: Client;
const year = new Date().getUTCFullYear() + 4;

beforeAll(async () => {
  s = await startDemoStack();
  worker = await startWorker(s);
  connection = await Connection.connect({ address: s.env.TEMPORAL_ADDRESS });
  client = new Client({ connection, namespace: s.env.TEMPORAL_NAMESPACE });
});
afterAll(async () => {
  await connection?.close();
  await worker?.stop();
  await s?.stop();
});

/** What an operator's filter in the Web UI returns: the workflows of this run's task queues (units, coordinators) matching `query`. */
async function list(query: string) {
  const found = [];
  const queues = `TaskQueue IN ('${s.env.TEMPORAL_TASK_QUEUE}', '${coordinatorTaskQueue(s.env.TEMPORAL_TASK_QUEUE)}')`;
  for await (const wf of client.workflow.list({ query: `${queues} AND ${query}` })) found.push(wf);
  return found;
}

describe('operators find workflows by township and unit in Temporal visibility', () => {
  it('tags the plan workflow with plan and year, and each unit workflow with township, unit code and type, with the unit’s Chinese name in the memo', { timeout: 120_000 }, async () => {
    const district = await s.token('district');
    const plan = await s.call('POST', '/api/v1/plans', {
      token: district,
      body: { year, name: '可见性测试计划', deadline: `${year}-11-30T00:00:00Z`, indicators: ['GF-03'] },
    });
    expect(plan.status).toBe(201);
    expect((await s.call('POST', `/api/v1/plans/${plan.body.id}/issue`, { token: district })).body.status).toBe('issued');
    const dispatched = await s.call('POST', `/api/v1/plans/${plan.body.id}/dispatch`, { token: await s.token('township-03'), body: {} });
    expect(dispatched.status).toBe(200);

    const units = await s.db.sql<{ code: string; name: string; unitType: string }[]>`
      select o.code, o.name, o.unit_type as "unitType" from orgs o join orgs t on t.id = o.township_id
      where t.code = 'FY-T03' and o.level = 'grassroots' and o.status = 'active' order by o.code`;
    expect(units.length).toBeGreaterThan(0);

    // Visibility is eventually consistent: poll until every unit of township 03 is listed by its township code.
    let byTownship: Awaited<ReturnType<typeof list>> = [];
    await waitUntil('unit workflows listed by township code', async () => {
      byTownship = await list(`JianjiaTownshipCode = 'FY-T03' AND JianjiaPlanId = '${plan.body.id}'`);
      return byTownship.length === units.length;
    });
    expect(byTownship.every((wf) => wf.type === 'unitTasks')).toBe(true);
    const seen = byTownship
      .map((wf) => ({ code: wf.typedSearchAttributes.get({ name: 'JianjiaUnitCode', type: 'KEYWORD' }), name: wf.memo?.unit, township: wf.memo?.township }))
      .sort((a, b) => String(a.code).localeCompare(String(b.code)));
    expect(seen).toEqual(units.map((u) => ({ code: u.code, name: u.name, township: expect.any(String) })));
    const [township] = await s.db.sql<{ name: string }[]>`select name from orgs where code = 'FY-T03'`;
    expect(seen.every((u) => u.township === township!.name)).toBe(true);

    // Under `npm run test:cluster` the cluster's Temporal Web UI runs too: its server lists the same workflows
    // for the same filter an operator types into the UI.
    const ui = process.env.TEMPORAL_UI_URL;
    if (ui) {
      const query = `TaskQueue = '${s.env.TEMPORAL_TASK_QUEUE}' AND JianjiaTownshipCode = 'FY-T03' AND JianjiaPlanId = '${plan.body.id}'`;
      const res = await fetch(`${ui}/api/v1/namespaces/${s.env.TEMPORAL_NAMESPACE}/workflows?query=${encodeURIComponent(query)}`);
      expect(res.status).toBe(200);
      const listed = (await res.json()) as { executions?: { execution: { workflowId: string } }[] };
      expect((listed.executions ?? []).map((e) => e.execution.workflowId).sort()).toEqual(byTownship.map((wf) => wf.workflowId).sort());
    }

    // One unit by its code and type, as an operator narrowing the list would.
    const first = units[0]!;
    const one = await list(`JianjiaUnitCode = '${first.code}' AND JianjiaUnitType = '${first.unitType}' AND JianjiaYear = ${year}`);
    expect(one.map((wf) => wf.memo?.unit)).toEqual([first.name]);

    // Another township's units are not in township 03's list, and were not dispatched.
    expect(await list(`JianjiaTownshipCode = 'FY-T04' AND JianjiaPlanId = '${plan.body.id}'`)).toEqual([]);

    // The plan's own workflow: by plan id and year, with the plan's name in the memo.
    let planWorkflows: Awaited<ReturnType<typeof list>> = [];
    await waitUntil('plan workflow listed', async () => {
      planWorkflows = await list(`WorkflowType = 'planCycle' AND JianjiaPlanId = '${plan.body.id}' AND JianjiaYear = ${year}`);
      return planWorkflows.length === 1;
    });
    expect(planWorkflows[0]!.memo).toEqual({ plan: '可见性测试计划' });
  });
});
