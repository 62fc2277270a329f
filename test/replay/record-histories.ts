// `npm run record-histories`: a whole demo plan year through the real API, on Temporal's time-skipping
// test server with real PostgreSQL, then the plan and unit workflows' histories written to
// test/replay/histories/ as fixtures for test/replay/replay.test.ts (and the plan's shared ladder, when the code
// recording it has one).
//
// Run it on purpose only: the fixtures are the record of what RUNNING workflows look like. Re-record
// after a release has shipped a workflow change (so the new shape is covered too), never to make a
// failing replay pass: a failing replay means the change needs `patched()`.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, inject } from 'vitest';
import { loadCalendar } from '../../lib/calendar';
import { createLogger } from '../../lib/log';
import { buildWorker, type JianjiaWorker } from '../../lib/worker';
import { planCycleWorkflowId } from '../../workflows/plan-cycle.contract';
import { sharedLadderWorkflowId } from '../../workflows/shared-ladder.contract';
import { unitTasksWorkflowId } from '../../workflows/unit-tasks.contract';
import { startDemoStack, type DemoStack } from '../support/demo';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { waitUntil } from '../support/wait';
import calendarFixture from './calendar-2027.json' with { type: 'json' };
import { historyToFixture } from './history-file';

// HISTORY_SET=<name> writes to histories/<name>/, leaving the sets recorded by older code in place: each set is the
// shape of workflows some release started, and all of them keep replaying.
const outDir = path.resolve(__dirname, 'histories', process.env.HISTORY_SET ?? '');
/** Also drive the failure paths added in issue 10 (a refused projection, a rung refused for good): needs that code. */
const withFailures = process.env.HISTORY_FAILURES === '1';
/** Beijing wall-clock time as an ISO instant. */
const iso = (local: string) => new Date(`${local}+08:00`).toISOString();

let tenv: TestWorkflowEnvironment;
let s: DemoStack;
let worker: JianjiaWorker;
let running: Promise<void>;

beforeAll(async () => {
  if (!process.env.HOLIDAY_CALENDAR_FILE) throw new Error('run with `npm run record-histories` (it sets HOLIDAY_CALENDAR_FILE for the API)');
  tenv = await createTimeSkippingEnv();
  s = await startDemoStack({ TEMPORAL_ADDRESS: tenv.address, TEMPORAL_SEARCH_ATTRIBUTES: 'off' });
  worker = await buildWorker({
    connection: tenv.nativeConnection,
    namespace: 'default',
    taskQueue: s.env.TEMPORAL_TASK_QUEUE,
    deps: { sql: s.db.sql, temporal: tenv.client, log: createLogger('warn', 'record'), env: s.env, calendar: loadCalendar(calendarFixture, 'test/replay/calendar-2027.json') },
    workflowBundle: { codePath: inject('workflowBundle') },
  });
  running = worker.run();
}, 300_000);

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await s?.stop();
  await tenv?.teardown();
});

/** Move the server's clock to a Beijing wall-clock time, firing every timer on the way. */
async function advanceTo(local: string) {
  const gap = new Date(`${local}+08:00`).getTime() - (await tenv.currentTimeMs());
  if (gap > 0) await tenv.sleep(gap);
}

async function ok(method: string, url: string, login: string, body?: unknown, status = 200) {
  const res = await s.call(method, `/api/v1${url}`, { token: await s.token(login), body });
  if (res.status !== status) throw new Error(`${method} ${url} as ${login}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body;
}

async function upload(login: string) {
  const form = new FormData();
  form.set('file', new Blob([Buffer.from('%PDF-1.4\n% evidence\n%%EOF\n')], { type: 'application/pdf' }), '佐证材料.pdf');
  return (await ok('POST', '/uploads', login, form, 201)).id as string;
}

async function rungCount(taskId: string) {
  const [row] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from ladder_rungs where task_id = ${taskId}`;
  return row!.n;
}

it('records a whole plan year of the plan and unit workflows', { timeout: 900_000 }, async () => {
  // Catalogue v2: WN-04 becomes the township's own duty, so a township-duty workflow runs too.
  const draft = await ok('POST', '/catalogue/draft', 'district', { note: 'WN-04 由镇街承担' }, 201);
  const edited = await ok('PATCH', '/catalogue/draft/indicators/WN-04', 'district', { revision: draft.revision, changes: { duty: 'township' } });
  await ok('POST', '/catalogue/draft/publish', 'district', { revision: edited.revision }, 201);

  const escalation = {
    remindBefore: { workingDays: 3 },
    warnAfter: 'PT0S',
    superviseAfter: 'P7D',
    orderResponse: { workingDays: 5 },
    indicators: { 'HS-01': { orderResponse: { workingDays: 6 } } },
  };
  const plan = await ok('POST', '/plans', 'district', {
    year: 2027,
    name: '2027年度富工建家计划（回放样本）',
    deadline: iso('2027-11-30T18:00:00'),
    indicators: ['HS-01', 'HS-04', 'GF-03', 'GF-01', 'GF-02', 'HL-02', 'HS-03', 'WN-04'],
    catalogueVersion: 2,
    deadlines: {
      'HS-01': iso('2027-02-01T18:00:00'), // left alone: every rung, summons, outcome
      'HS-04': iso('2027-03-31T18:00:00'), // progress report, final report, approval
      'GF-03': iso('2027-04-30T18:00:00'), // returned with a new deadline, re-reported, approved
      'GF-01': iso('2027-05-31T18:00:00'), // two-tier: township review, district confirmation
      'GF-02': iso('2027-05-31T18:00:00'), // exited
      'HL-02': iso('2027-07-30T18:00:00'), // extended after its reminder
      'HS-03': iso('2027-09-24T18:00:00'), // ordered, answered in time
    },
    escalation,
    // Armed at issue, cancelled by close: the plan workflow's auto-dispatch timer is in the history.
    autoDispatchAfter: 'P400D',
  }, 201);
  const planId = plan.id as string;
  await ok('POST', `/plans/${planId}/issue`, 'district');

  const u1 = await s.orgId('FY-T01-U001');
  const u2 = await s.orgId('FY-T01-U002');
  const t1 = await s.orgId('FY-T01');
  await ok('POST', `/plans/${planId}/dispatch`, 'township-01', {
    units: [u1, u2],
    overrides: [
      { unitId: u1, indicator: 'HS-04', target: 3 },
      { unitId: u1, indicator: 'GF-01', deadline: iso('2027-05-20T18:00:00') },
      { unitId: u2, indicator: 'GF-02', notApplicable: true },
    ],
  });
  const tasks = await s.db.sql<{ id: string; orgId: string; indicator: string }[]>`
    select id, org_id as "orgId", indicator from tasks where plan_id = ${planId} and org_id in (${u1}, ${t1})`;
  const task = (code: string, org = u1) => tasks.find((t) => t.indicator === code && t.orgId === org)!.id;

  // HS-01 neglected: remind, warn, supervision order (across the Spring Festival), summons, outcome.
  await advanceTo('2027-01-27T18:00:30');
  await waitUntil('HS-01 reminder', async () => (await rungCount(task('HS-01'))) >= 1, 30_000);
  await advanceTo('2027-02-01T18:00:30');
  await waitUntil('HS-01 warning', async () => (await rungCount(task('HS-01'))) >= 2, 30_000);
  await advanceTo('2027-02-08T18:00:30');
  await waitUntil('HS-01 order', async () => (await rungCount(task('HS-01'))) >= 3, 30_000);
  await advanceTo('2027-02-20T18:00:30');
  await waitUntil('HS-01 summons', async () => (await s.db.sql`select 1 from summons where task_id = ${task('HS-01')}`).length === 1, 30_000);
  const [summons] = await s.db.sql<{ id: string }[]>`select id from summons where task_id = ${task('HS-01')}`;
  await ok('POST', `/summons/${summons!.id}/outcome`, 'district', { outcome: '主席到会说明情况，承诺月底前完成', heldAt: iso('2027-02-24T09:30:00') });

  // HS-04: claim, progress report, final report with evidence, approval (stricter target 3).
  await advanceTo('2027-03-10T10:00:00');
  if (withFailures) {
    // The database refuses this claim's projection: the workflow undoes it (patch projection-refused-undo).
    await s.db.sql.unsafe(`alter table tasks add constraint record_refuses_name check (responsible is distinct from '数据库拒收')`);
    await ok('POST', `/tasks/${task('HS-04')}/claim`, 'unit-0001', { responsible: '数据库拒收' }, 422);
    await s.db.sql.unsafe('alter table tasks drop constraint record_refuses_name');
  }
  await ok('POST', `/tasks/${task('HS-04')}/claim`, 'unit-0001', { responsible: '张主席' });
  await ok('POST', `/tasks/${task('HS-04')}/report`, 'unit-0001', { value: 1, note: '上半年第一份研判报告', final: false });
  await ok('POST', `/tasks/${task('HS-04')}/report`, 'unit-0001', { value: 3, evidence: [await upload('unit-0001')], final: true });
  await ok('POST', `/tasks/${task('HS-04')}/evaluate`, 'township-01', { decision: 'approve' });

  // GF-03 reminded, claimed and reported; GF-02 exited.
  await advanceTo('2027-04-28T10:00:00');
  await waitUntil('GF-03 reminder', async () => (await rungCount(task('GF-03'))) >= 1, 30_000);
  await ok('POST', `/tasks/${task('GF-03')}/claim`, 'unit-0001', { responsible: '李委员' });
  await ok('POST', `/tasks/${task('GF-03')}/report`, 'unit-0001', { value: 80, evidence: [await upload('unit-0001')], final: true });
  await ok('POST', `/tasks/${task('GF-02')}/exit`, 'township-01', { reason: '单位无下属配套组织需求' });

  // GF-03 returned for rework with a new deadline; then the district changes the policy (re-arm).
  await advanceTo('2027-05-05T10:00:00');
  await ok('POST', `/tasks/${task('GF-03')}/evaluate`, 'township-01', { decision: 'return', reason: '入会率统计口径不对', deadline: iso('2027-06-15T18:00:00') });
  await advanceTo('2027-05-06T10:00:00');
  await ok('PUT', `/plans/${planId}/escalation`, 'district', { ...escalation, summonsAfter: { workingDays: 2 } });

  // GF-01 two-tier: the township reviews, the district confirms.
  await advanceTo('2027-05-10T10:00:00');
  await ok('POST', `/tasks/${task('GF-01')}/claim`, 'unit-0001', { responsible: '王主席' });
  await ok('POST', `/tasks/${task('GF-01')}/report`, 'unit-0001', { value: 1, evidence: [await upload('unit-0001')], final: true });
  const reviewed = await ok('POST', `/tasks/${task('GF-01')}/evaluate`, 'township-01', { decision: 'approve' });
  expect(reviewed.state).toBe('reviewed');
  const confirmed = await ok('POST', `/tasks/${task('GF-01')}/evaluate`, 'district', { decision: 'approve' });
  expect(confirmed.state).toBe('approved');

  // GF-03 re-reported and approved.
  await advanceTo('2027-06-01T10:00:00');
  await ok('POST', `/tasks/${task('GF-03')}/report`, 'unit-0001', { value: 92, evidence: [await upload('unit-0001')], final: true });
  await ok('POST', `/tasks/${task('GF-03')}/evaluate`, 'township-01', { decision: 'approve' });

  // HL-02 reminded, extended, then done.
  await advanceTo('2027-07-28T10:00:00');
  await waitUntil('HL-02 reminder', async () => (await rungCount(task('HL-02'))) >= 1, 30_000);
  await ok('POST', `/tasks/${task('HL-02')}/extend`, 'township-01', { deadline: iso('2027-08-31T18:00:00'), reason: '台风影响活动延期' });
  await advanceTo('2027-08-27T10:00:00');
  await waitUntil('HL-02 new reminder', async () => (await rungCount(task('HL-02'))) >= 2, 30_000);
  await ok('POST', `/tasks/${task('HL-02')}/claim`, 'unit-0001', { responsible: '王干事' });
  await ok('POST', `/tasks/${task('HL-02')}/report`, 'unit-0001', { value: 5, evidence: [await upload('unit-0001')], final: true });
  await ok('POST', `/tasks/${task('HL-02')}/evaluate`, 'township-01', { decision: 'approve' });

  // HS-03 ordered across National Day and answered in time: no summons. With failures, its warning is refused for good.
  if (withFailures) await s.db.sql.unsafe(`alter table ladder_rungs add constraint record_refuses_warning check (task_id <> '${task('HS-03')}' or rung <> 'warn')`);
  await advanceTo('2027-10-01T18:00:30');
  await waitUntil('HS-03 order', async () => (await rungCount(task('HS-03'))) >= (withFailures ? 2 : 3), 30_000);
  if (withFailures) await s.db.sql.unsafe('alter table ladder_rungs drop constraint record_refuses_warning');
  await advanceTo('2027-10-05T10:00:00');
  const [order] = await s.db.sql<{ id: string }[]>`select id from supervision_orders where task_id = ${task('HS-03')}`;
  await ok('POST', `/supervision-orders/${order!.id}/respond`, 'unit-0001', { text: '已召开支委会，整改完毕' });

  // The township's own duty, evaluated by the district.
  await advanceTo('2027-10-10T10:00:00');
  await ok('POST', `/tasks/${task('WN-04', t1)}/claim`, 'township-01', { responsible: '镇女职委主任' });
  await ok('POST', `/tasks/${task('WN-04', t1)}/report`, 'township-01', { value: 1, evidence: [await upload('township-01')], final: true });
  await ok('POST', `/tasks/${task('WN-04', t1)}/evaluate`, 'district', { decision: 'approve' });

  // Past the order's answer time, then close the year.
  await advanceTo('2027-10-20T10:00:00');
  await advanceTo('2027-11-30T18:00:00');
  await ok('POST', `/plans/${planId}/close`, 'district');
  const workflows = {
    'plan-cycle': planCycleWorkflowId(planId),
    'unit-tasks-worked': unitTasksWorkflowId(planId, u1),
    'unit-tasks-neglected': unitTasksWorkflowId(planId, u2),
    'unit-tasks-township-duty': unitTasksWorkflowId(planId, t1),
    // Plans dispatched since the shared ladder (issue 14, eleventh pass) have one; its last run is what is recorded.
    'shared-ladder': sharedLadderWorkflowId(planId),
  };
  for (const id of Object.values(workflows)) await tenv.client.workflow.getHandle(id).result();
  const [summonsCount] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from summons where plan_id = ${planId}`;
  expect(summonsCount!.n).toBeGreaterThan(1);

  mkdirSync(outDir, { recursive: true });
  for (const [name, workflowId] of Object.entries(workflows)) {
    const history = await tenv.client.workflow.getHandle(workflowId).fetchHistory();
    writeFileSync(path.join(outDir, `${name}.json`), historyToFixture(history));
    console.log(`recorded ${name}: ${history.events?.length} events`);
  }
});
