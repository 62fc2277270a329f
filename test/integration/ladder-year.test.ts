// A whole plan year of the guidance ladder on Temporal's time-skipping test server: real workflow
// code, real activities, real PostgreSQL; months of timers pass in seconds.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { defaultCatalogue } from '../../indicators';
import { loadCalendar } from '../../lib/calendar';
import { createLogger } from '../../lib/log';
import { buildWorker, type JianjiaWorker } from '../../lib/worker';
import {
  claimUpdate,
  closeSignal,
  evaluateUpdate,
  exitUpdate,
  extendUpdate,
  reportUpdate,
  unitTasksWorkflowId,
  type Actor,
  type TaskSpec,
} from '../../workflows/unit-tasks.contract';
import type { unitTasks } from '../../workflows/unit-tasks';
import { startDemoStack, type DemoStack } from '../support/demo';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { waitUntil } from '../support/wait';

// The shipped table ends with the newest published year, and the server's clock starts today, so a
// plan year ahead needs calendar data for a year not yet published. This is a TEST FIXTURE shaped
// like a State Council notice (Spring Festival and National Day with weekend make-up days), not the
// real 2027 arrangement; the real 2024–2026 data is tested in test/unit/calendar.test.ts.
const fixtureCalendar = loadCalendar(
  {
    years: {
      '2027': {
        holidays: [
          '2027-01-01', '2027-01-02', '2027-01-03',
          '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-13', '2027-02-14',
          '2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05', '2027-10-06', '2027-10-07',
        ],
        workdays: ['2027-02-20', '2027-09-26', '2027-10-09'],
      },
    },
  },
  'ladder-year test fixture',
);

/** Beijing wall-clock time as an instant. */
const bj = (local: string) => new Date(`${local}+08:00`);
const iso = (local: string) => bj(local).toISOString();
/** Timers fire on the minute they were set for, give or take the milliseconds a workflow task takes. */
const minute = (d: Date | string) => new Date(d).toISOString().slice(0, 16);
const at = (local: string) => minute(bj(local));
const indicator = (code: string) => defaultCatalogue.indicators.find((i) => i.code === code)!;

let tenv: TestWorkflowEnvironment;
let s: DemoStack;
let worker: JianjiaWorker;
let running: Promise<void>;
let planId: string;
let unitId: string;
const taskIds: Record<string, string> = {};
let chair: Actor;
let officer: Actor;

/** Move the test server's clock to a Beijing wall-clock time, firing every timer on the way. */
async function advanceTo(local: string) {
  const gap = bj(local).getTime() - (await tenv.currentTimeMs());
  if (gap > 0) await tenv.sleep(gap);
}

const handle = () => tenv.client.workflow.getHandle<typeof unitTasks>(unitTasksWorkflowId(planId, unitId));

async function rungs(code: string) {
  return s.db.sql<{ rung: string; deadline: Date; firedAt: Date }[]>`
    select rung, deadline, fired_at as "firedAt" from ladder_rungs where task_id = ${taskIds[code]!} order by fired_at, rung`;
}

/** Who got notices of a task (or of kind) so far: kind → sorted logins. */
async function recipients(code: string) {
  const rows = await s.db.sql<{ kind: string; login: string }[]>`
    select n.kind, u.login from notices n join users u on u.id = n.user_id where n.task_id = ${taskIds[code]!} order by n.kind, u.login`;
  const byKind: Record<string, string[]> = {};
  for (const r of rows) (byKind[r.kind] ??= []).push(r.login);
  return byKind;
}

async function light(code: string) {
  const [row] = await s.db.sql<{ light: string }[]>`select light from tasks where id = ${taskIds[code]!}`;
  return row!.light;
}

const waitFor = (what: string, probe: () => Promise<boolean>) => waitUntil(what, probe, 30_000);

beforeAll(async () => {
  tenv = await createTimeSkippingEnv();
  s = await startDemoStack({ TEMPORAL_ADDRESS: tenv.address, TEMPORAL_SEARCH_ATTRIBUTES: 'off' });
  unitId = await s.orgId('FY-T01-U001');
  const users = await s.db.sql<{ id: string; login: string }[]>`select id, login from users where login in ('unit-0001', 'township-01')`;
  const id = (login: string) => users.find((u) => u.login === login)!.id;
  chair = { id: id('unit-0001'), login: 'unit-0001', tier: 'grassroots' };
  officer = { id: id('township-01'), login: 'township-01', tier: 'township' };

  // Working days for the rung before the deadline and for answering orders; HS-01 gets six days.
  const escalation = {
    remindBefore: { workingDays: 3 },
    warnAfter: 'PT0S',
    superviseAfter: 'P7D',
    orderResponse: { workingDays: 5 },
    indicators: { 'HS-01': { orderResponse: { workingDays: 6 } } },
  };
  const deadlines: Record<string, string> = {
    'HS-01': iso('2027-02-01T18:00:00'), // left alone: every rung, across the Spring Festival
    'HS-04': iso('2027-03-31T18:00:00'), // approved one second before its warning
    'GF-03': iso('2027-04-30T18:00:00'), // returned for rework with a new deadline
    'GF-02': iso('2027-05-31T18:00:00'), // exited before any rung
    'HL-02': iso('2027-07-30T18:00:00'), // extended after its reminder
    'HS-03': iso('2027-09-24T18:00:00'), // ordered across National Day, answered in time
  };
  const [plan] = await s.db.sql<{ id: string }[]>`
    insert into plans (district_id, year, name, deadline, catalogue_version, indicators, escalation, status)
    select district_id, 2027, '时间跳跃测试计划', ${iso('2027-11-30T18:00:00')}, 1, ${Object.keys(deadlines)}, ${s.db.sql.json(escalation)}, 'issued'
    from orgs where id = ${unitId} returning id`;
  planId = plan!.id;
  const specs: TaskSpec[] = [];
  for (const [code, deadline] of Object.entries(deadlines)) {
    const i = indicator(code);
    const [task] = await s.db.sql<{ id: string }[]>`
      insert into tasks (plan_id, org_id, township_id, district_id, indicator, category, department, two_tier, state, target, deadline, max_points, version)
      select ${planId}, id, township_id, district_id, ${code}, ${i.category}, ${i.department}, ${i.twoTier}, 'dispatched', 1, ${deadline}, ${i.points}, 1
      from orgs where id = ${unitId} returning id`;
    taskIds[code] = task!.id;
    specs.push({ taskId: task!.id, indicator: i, target: 1, deadline, townshipDuty: false });
  }

  worker = await buildWorker({
    connection: tenv.nativeConnection,
    namespace: 'default',
    taskQueue: s.env.TEMPORAL_TASK_QUEUE,
    deps: { sql: s.db.sql, temporal: tenv.client, log: createLogger('warn', 'worker-test'), env: s.env, calendar: fixtureCalendar },
    workflowBundle: { codePath: inject('workflowBundle') },
  });
  running = worker.run();
  // No precomputed ladder: the workflow asks the ladderSchedule activity, which uses the calendar.
  await tenv.client.workflow.start<typeof unitTasks>('unitTasks', {
    taskQueue: s.env.TEMPORAL_TASK_QUEUE,
    workflowId: unitTasksWorkflowId(planId, unitId),
    args: [{ planId, orgId: unitId, tasks: specs }],
  });
}, 300_000);

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await s?.stop();
  await tenv?.teardown();
});

describe('a plan year of the guidance ladder (time-skipping server)', () => {
  it('climbs every rung of a neglected task in order, to the right people, across the Spring Festival', async () => {
    // 3 working days before Mon 1 Feb: Fri 29, Thu 28, Wed 27 January.
    await advanceTo('2027-01-27T18:00:30');
    await waitFor('the reminder', async () => (await rungs('HS-01')).length === 1);
    const [remind] = await rungs('HS-01');
    expect([remind!.rung, minute(remind!.firedAt)]).toEqual(['remind', at('2027-01-27T18:00:00')]);
    expect(await light('HS-01')).toBe('blue');
    expect(await recipients('HS-01')).toEqual({ remind: ['unit-0001'] });

    await advanceTo('2027-02-01T18:00:30');
    await waitFor('the warning', async () => (await rungs('HS-01')).length === 2);
    expect(await light('HS-01')).toBe('yellow');
    expect((await recipients('HS-01')).warn).toEqual(['township-01', 'unit-0001']);

    // Seven days after the deadline falls on Mon 8 Feb, inside the holiday (6–14 Feb).
    await advanceTo('2027-02-08T18:00:30');
    await waitFor('the supervision order', async () => (await rungs('HS-01')).length === 3);
    expect(await light('HS-01')).toBe('red');
    expect((await recipients('HS-01')).supervise).toEqual(['dept-org', 'township-01', 'unit-0001']);
    const [order] = await s.db.sql<{ number: string; issuedAt: Date; respondBy: Date; issuer: string }[]>`
      select o.number, o.issued_at as "issuedAt", o.respond_by as "respondBy", i.code as issuer
      from supervision_orders o join orgs i on i.id = o.issuer_org_id where o.task_id = ${taskIds['HS-01']!}`;
    // Six working days from the holiday: 15–19 Feb are five, the make-up Saturday 20 Feb is the sixth.
    expect({ ...order, issuedAt: minute(order!.issuedAt), respondBy: minute(order!.respondBy) }).toEqual({
      number: '富工督〔2027〕1号',
      issuedAt: at('2027-02-08T18:00:00'),
      respondBy: at('2027-02-20T18:00:00'),
      issuer: 'FY-T01',
    });
    const [text] = await s.db.sql<{ body: string; link: string }[]>`
      select body, link from notices where task_id = ${taskIds['HS-01']!} and kind = 'supervise' limit 1`;
    expect(text!.body).toContain('HS-01');
    expect(text!.body).toContain('富工督〔2027〕1号');
    expect(text!.link).toMatch(new RegExp(`/api/v1/tasks/${taskIds['HS-01']}$`));

    // Unanswered by Saturday 20 Feb 18:00: summons, proposed three working days on (22, 23, 24 Feb) at 09:30.
    await advanceTo('2027-02-19T18:00:00');
    expect((await recipients('HS-01')).summons).toBeUndefined();
    await advanceTo('2027-02-20T18:00:30');
    await waitFor('the summons', async () => (await s.db.sql`select 1 from summons where task_id = ${taskIds['HS-01']!}`).length === 1);
    const [summons] = await s.db.sql<{ proposedAt: Date; createdAt: Date }[]>`
      select proposed_at as "proposedAt", created_at as "createdAt" from summons where task_id = ${taskIds['HS-01']!}`;
    expect(summons!.proposedAt).toEqual(bj('2027-02-24T09:30:00'));
    expect(minute(summons!.createdAt)).toBe(at('2027-02-20T18:00:00'));
    expect((await recipients('HS-01')).summons).toEqual(['township-01', 'unit-0001']);
    expect((await rungs('HS-01')).map((r) => r.rung)).toEqual(['remind', 'warn', 'supervise']);
  }, 120_000);

  it('never warns a task approved one second before its warning', async () => {
    await advanceTo('2027-03-31T17:59:58');
    await waitFor('the reminder', async () => (await rungs('HS-04')).length === 1);
    await handle().executeUpdate(claimUpdate, { args: [{ taskId: taskIds['HS-04']!, actor: chair, responsible: '张主席' }] });
    await handle().executeUpdate(reportUpdate, { args: [{ taskId: taskIds['HS-04']!, actor: chair, value: 2, evidence: [randomUUID()], final: true }] });
    await advanceTo('2027-03-31T17:59:59');
    const approved = await handle().executeUpdate(evaluateUpdate, { args: [{ taskId: taskIds['HS-04']!, actor: officer, decision: 'approve' }] });
    expect(approved.state).toBe('approved');
    await advanceTo('2027-04-20T00:00:00');
    expect((await rungs('HS-04')).map((r) => r.rung)).toEqual(['remind']);
    expect(Object.keys(await recipients('HS-04'))).toEqual(['remind']);
    expect(await light('HS-04')).toBe('green');
  }, 120_000);

  it('re-arms after a return for rework with a new deadline, and never fires for an exited task', async () => {
    // Reminded on Tue 27 April (3 working days before Fri 30 April), reported the next day.
    await advanceTo('2027-04-28T10:00:00');
    await waitFor('the reminder', async () => (await rungs('GF-03')).length === 1);
    await handle().executeUpdate(claimUpdate, { args: [{ taskId: taskIds['GF-03']!, actor: chair, responsible: '李委员' }] });
    await handle().executeUpdate(reportUpdate, { args: [{ taskId: taskIds['GF-03']!, actor: chair, value: 80, evidence: [randomUUID()], final: true }] });
    await handle().executeUpdate(exitUpdate, { args: [{ taskId: taskIds['GF-02']!, actor: officer, reason: '单位无下属配套组织需求' }] });
    // Reported tasks wait on the township: no warning at the old deadline.
    await advanceTo('2027-05-10T10:00:00');
    expect((await rungs('GF-03')).map((r) => r.rung)).toEqual(['remind']);
    const newDeadline = iso('2027-06-15T18:00:00');
    await handle().executeUpdate(evaluateUpdate, { args: [{ taskId: taskIds['GF-03']!, actor: officer, decision: 'return', reason: '入会率统计口径不对', deadline: newDeadline }] });
    expect(await light('GF-03')).toBe('green');
    // New deadline Tue 15 June: reminder Thu 10 June, warning 15 June, order 22 June.
    await advanceTo('2027-06-22T18:00:30');
    await waitFor('the new deadline’s order', async () => (await rungs('GF-03')).length === 4);
    const fired = (await rungs('GF-03')).map((r) => [r.rung, r.deadline.toISOString(), minute(r.firedAt)]);
    expect(fired).toEqual([
      ['remind', iso('2027-04-30T18:00:00'), at('2027-04-27T18:00:00')],
      ['remind', newDeadline, at('2027-06-10T18:00:00')],
      ['warn', newDeadline, at('2027-06-15T18:00:00')],
      ['supervise', newDeadline, at('2027-06-22T18:00:00')],
    ]);
    expect(await rungs('GF-02')).toEqual([]);
    expect(await recipients('GF-02')).toEqual({});
  }, 120_000);

  it('re-arms after an extension: the old deadline’s rungs stop, the new one’s start', async () => {
    await advanceTo('2027-07-28T10:00:00');
    await waitFor('the reminder', async () => (await rungs('HL-02')).length === 1);
    expect(await light('HL-02')).toBe('blue');
    const extended = iso('2027-08-31T18:00:00');
    await handle().executeUpdate(extendUpdate, { args: [{ taskId: taskIds['HL-02']!, actor: officer, deadline: extended, reason: '台风影响活动延期' }] });
    await waitFor('the light to reset', async () => (await light('HL-02')) === 'green');
    // The old deadline (30 July) passes quietly; the new reminder comes 3 working days before Tue 31 Aug.
    await advanceTo('2027-08-27T10:00:00');
    await waitFor('the new reminder', async () => (await rungs('HL-02')).length === 2);
    expect((await rungs('HL-02')).map((r) => [r.rung, r.deadline.toISOString(), minute(r.firedAt)])).toEqual([
      ['remind', iso('2027-07-30T18:00:00'), at('2027-07-27T18:00:00')],
      ['remind', extended, at('2027-08-26T18:00:00')],
    ]);
    await handle().executeUpdate(claimUpdate, { args: [{ taskId: taskIds['HL-02']!, actor: chair, responsible: '王干事' }] });
    await handle().executeUpdate(reportUpdate, { args: [{ taskId: taskIds['HL-02']!, actor: chair, value: 5, evidence: [randomUUID()], final: true }] });
    await handle().executeUpdate(evaluateUpdate, { args: [{ taskId: taskIds['HL-02']!, actor: officer, decision: 'approve' }] });
    await advanceTo('2027-09-15T00:00:00');
    expect((await rungs('HL-02')).map((r) => r.rung)).toEqual(['remind', 'remind']);
  }, 120_000);

  it('counts the order’s answer time across National Day and its make-up Saturday; an answer in time means no summons', async () => {
    await advanceTo('2027-10-01T18:00:30');
    await waitFor('the order', async () => (await rungs('HS-03')).length === 3);
    const [order] = await s.db.sql<{ id: string; respondBy: Date }[]>`
      select id, respond_by as "respondBy" from supervision_orders where task_id = ${taskIds['HS-03']!}`;
    // From Fri 1 Oct (holiday to 7 Oct): Fri 8, Sat 9 (make-up), Mon 11, Tue 12, Wed 13 October.
    expect(minute(order!.respondBy)).toBe(at('2027-10-13T18:00:00'));
    expect(await light('HS-03')).toBe('red');
    await advanceTo('2027-10-05T10:00:00');
    const answered = await s.call('POST', `/api/v1/supervision-orders/${order!.id}/respond`, { token: await s.token('unit-0001'), body: { text: '已召开支委会，整改完毕' } });
    expect(answered.status).toBe(200);
    expect(await light('HS-03')).toBe('yellow');
    await advanceTo('2027-10-20T00:00:00');
    expect(await s.db.sql`select 1 from summons where task_id = ${taskIds['HS-03']!}`).toHaveLength(0);
  }, 120_000);

  it('stops at close: the workflow finishes and the year’s record holds exactly what fired', async () => {
    await advanceTo('2027-11-30T18:00:00');
    await handle().signal(closeSignal);
    await handle().result();
    const summary = await s.db.sql<{ indicator: string; rung: string; n: number }[]>`
      select t.indicator, r.rung, count(*)::int as n from ladder_rungs r join tasks t on t.id = r.task_id
      where t.plan_id = ${planId} group by 1, 2 order by 1, 2`;
    expect(summary.map((r) => `${r.indicator}:${r.rung}:${r.n}`)).toEqual([
      'GF-03:remind:2',
      'GF-03:supervise:1',
      'GF-03:warn:1',
      'HL-02:remind:2',
      'HS-01:remind:1',
      'HS-01:supervise:1',
      'HS-01:warn:1',
      'HS-03:remind:1',
      'HS-03:supervise:1',
      'HS-03:warn:1',
      'HS-04:remind:1',
    ]);
    // Orders are numbered in the order they were issued, without gaps.
    const numbers = await s.db.sql<{ number: string }[]>`select number from supervision_orders where plan_id = ${planId} order by issued_at`;
    expect(numbers.map((n) => n.number)).toEqual(['富工督〔2027〕1号', '富工督〔2027〕2号', '富工督〔2027〕3号']);
  }, 120_000);
});
