import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';
import { waitUntil } from '../support/wait';
import { startWorker } from '../support/stack';

let s: DemoStack;
let worker: { stop(): Promise<void> };
let district: string;
const year = new Date().getUTCFullYear() + 3;

beforeAll(async () => {
  s = await startDemoStack();
  worker = await startWorker(s);
  district = await s.token('district');
});
afterAll(async () => {
  await worker?.stop();
  await s?.stop();
});


describe('policy: automatic dispatch and township duties', () => {
  it('gives a township its own-duty tasks at issue, dispatches units of silent townships after the set time, and has the district evaluate township duties', { timeout: 180_000 }, async () => {
    // Catalogue v2 makes HS-04 (worker-sentiment analysis) the township's own duty.
    const draft = await s.call('POST', '/api/v1/catalogue/draft', { token: district, body: { note: 'HS-04 由镇街承担' } });
    const edited = await s.call('PATCH', '/api/v1/catalogue/draft/indicators/HS-04', { token: district, body: { revision: draft.body.revision, changes: { duty: 'township' } } });
    expect(edited.status).toBe(200);
    const published = await s.call('POST', '/api/v1/catalogue/draft/publish', { token: district, body: { revision: edited.body.revision } });
    expect(published.body.version).toBe(2);

    const plan = await s.call('POST', '/api/v1/plans', {
      token: district,
      body: { year, name: '自动分办测试', deadline: `${year}-11-30T00:00:00Z`, indicators: ['HS-04', 'GF-03'], catalogueVersion: 2, autoDispatchAfter: 'PT3S', escalation: { orderResponse: 'P7D', summonsAfter: 'P3D' } },
    });
    expect(plan.status).toBe(201);
    const issued = await s.call('POST', `/api/v1/plans/${plan.body.id}/issue`, { token: district });
    expect(issued.body.status).toBe('issued');

    // Township duties go to the townships at once.
    const officer = await s.token('township-05');
    await waitUntil('township duty dispatched', async () => {
      const own = await s.call('GET', `/api/v1/tasks?planId=${plan.body.id}&indicator=HS-04&unitId=${await s.orgId('FY-T05')}`, { token: officer });
      return own.body.items[0]?.state === 'dispatched';
    });
    const [units] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from orgs where level = 'grassroots' and status = 'active'`;
    const unitTasks = await s.db.sql<{ n: number }[]>`select count(*)::int as n from tasks t join orgs o on o.id = t.org_id where t.plan_id = ${plan.body.id} and o.level = 'grassroots'`;
    expect(unitTasks[0]!.n).toBe(units!.n); // GF-03 only: HS-04 is nobody's below the township

    // Nobody dispatches: after 3 s the plan does it with the district's defaults.
    await waitUntil('automatic dispatch', async () => {
      const [left] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from tasks where plan_id = ${plan.body.id} and state = 'issued'`;
      return left!.n === 0;
    });
    const [auto] = await s.db.sql<{ n: number }[]>`
      select count(*)::int as n from audit_log a join tasks t on t.id::text = a.subject_id join orgs o on o.id = t.org_id
      where t.plan_id = ${plan.body.id} and o.level = 'grassroots' and a.action = 'task.auto-dispatch' and a.actor_login = 'system'`;
    expect(auto!.n).toBe(units!.n);
    const progress = await s.call('GET', `/api/v1/plans/${plan.body.id}`, { token: district });
    expect(progress.body.progress.townships.every((t: { dispatch: string }) => t.dispatch === 'dispatched')).toBe(true);

    // The township carries out its own duty; the district, not the township, evaluates it.
    const [own] = (await s.call('GET', `/api/v1/tasks?planId=${plan.body.id}&indicator=HS-04&unitId=${await s.orgId('FY-T05')}`, { token: officer })).body.items;
    expect((await s.call('POST', `/api/v1/tasks/${own.id}/claim`, { token: officer, body: { responsible: '镇工会主席' } })).status).toBe(200);
    const form = new FormData();
    form.set('file', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n')], { type: 'application/pdf' }), '研判报告.pdf');
    const upload = await s.call('POST', '/api/v1/uploads', { token: officer, body: form });
    expect((await s.call('POST', `/api/v1/tasks/${own.id}/report`, { token: officer, body: { value: 2, evidence: [upload.body.id], final: true } })).body.state).toBe('reported');
    const self = await s.call('POST', `/api/v1/tasks/${own.id}/evaluate`, { token: officer, body: { decision: 'approve' } });
    expect(self.status).toBe(403);
    const approved = await s.call('POST', `/api/v1/tasks/${own.id}/evaluate`, { token: district, body: { decision: 'approve' } });
    expect(approved.body).toMatchObject({ state: 'approved', points: 5 });
  });
});
