import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalogue } from '../../indicators';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';

let s: DemoStack;
let worker: { stop(): Promise<void> };
let district: string;
let planId: string;
const year = new Date().getUTCFullYear() + 1;
const planDeadline = `${year}-11-30T16:00:00.000Z`;
// Future years have no working-day calendar yet: give the ladder calendar-day offsets only.
const calendarDays = { orderResponse: 'P7D', summonsAfter: 'P3D' };

beforeAll(async () => {
  s = await startDemoStack();
  worker = await startWorker(s);
  district = await s.token('district');
});
afterAll(async () => {
  await worker?.stop();
  await s?.stop();
});

type Task = { id: string; indicator: string; state: string; version: number; target: number; deadline: string; points: number | null; twoTier: boolean };

async function inbox(token: string, query: string): Promise<Task[]> {
  const all: Task[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { items: Task[]; nextCursor: string | null } } = await s.call('GET', `/api/v1/tasks?${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(res.status).toBe(200);
    all.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return all;
}

async function evidence(token: string) {
  const form = new FormData();
  form.set('file', new Blob([Buffer.from('%PDF-1.4\n% minutes of the workers congress\n%%EOF\n')], { type: 'application/pdf' }), '会议纪要.pdf');
  const res = await s.call('POST', '/api/v1/uploads', { token, body: form });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** A value meeting (or, with `short`, missing) the target, in the indicator's measure. */
function valueFor(code: string, target: number, short = false) {
  const indicator = defaultCatalogue.indicators.find((i) => i.code === code)!;
  if (indicator.measure.type === 'boolean') return short ? 0 : 1;
  if (indicator.measure.type === 'rate') return short ? Math.max(0, target - 15) : Math.min(100, target + 2);
  return short ? Math.floor(target / 2) : target + 1;
}

describe('a plan year through every verb', () => {
  it('creates and issues a plan: every unit gets one task per indicator, waiting for its township', async () => {
    const bad = await s.call('POST', '/api/v1/plans', { token: district, body: { year, name: '测试', deadline: planDeadline, indicators: ['HS-01', 'XX-99'] } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('indicators[1]');

    const created = await s.call('POST', '/api/v1/plans', { token: district, body: { year, name: `${year}年度富工建家计划`, deadline: planDeadline, escalation: calendarDays } });
    expect(created.status).toBe(201);
    expect(created.body.indicators).toHaveLength(23);
    planId = created.body.id;
    const listed = await s.call('GET', '/api/v1/plans', { token: await s.token('unit-0005') });
    expect(listed.body.items.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([[planId, 'draft']]);
    const issued = await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district });
    expect(issued.status).toBe(200);
    expect(issued.body.status).toBe('issued');
    const again = await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district });
    expect(again.status).toBe(409);

    const plan = await s.call('GET', `/api/v1/plans/${planId}`, { token: district });
    const [counted] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from orgs where level = 'grassroots' and status = 'active'`;
    const units = counted!.n;
    expect(plan.body.progress.total).toBe(units * 23);
    expect(plan.body.progress.states).toEqual({ issued: units * 23 });
    expect(plan.body.progress.townships).toHaveLength(24);
  });

  it('lets townships dispatch with stricter targets, earlier deadlines and not-applicable, and refuses looser ones naming the field', async () => {
    const t1 = await s.token('township-01');
    const u1 = await s.orgId('FY-T01-U001');
    const u2 = await s.orgId('FY-T01-U002');
    const looser = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: t1, body: { units: [u1], overrides: [{ unitId: u1, indicator: 'GF-03', target: 50 }] } });
    expect(looser.status).toBe(422);
    expect(looser.body.error.field).toBe('overrides[0].target');
    const later = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: t1, body: { units: [u1], overrides: [{ unitId: u1, indicator: 'HS-02', deadline: `${year + 1}-01-31T00:00:00Z` }] } });
    expect(later.status).toBe(422);
    expect(later.body.error.field).toBe('overrides[0].deadline');
    expect((await inbox(district, `planId=${planId}&state=dispatched`)).length).toBe(0);

    const earlier = `${year}-10-31T16:00:00.000Z`;
    const res = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, {
      token: t1,
      body: {
        units: [u1, u2],
        overrides: [
          { unitId: u1, indicator: 'GF-03', target: 95 },
          { unitId: u1, indicator: 'HS-02', deadline: earlier },
          { unitId: u2, indicator: 'HL-05', notApplicable: true },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dispatchedUnits: 2, dispatchedTasks: 46 });

    const chairTasks = await inbox(await s.token('unit-0001'), `planId=${planId}`);
    expect(chairTasks).toHaveLength(23);
    expect(chairTasks.find((t) => t.indicator === 'GF-03')!.target).toBe(95);
    expect(chairTasks.find((t) => t.indicator === 'HS-02')!.deadline).toBe(earlier);
    expect(chairTasks.every((t) => t.state === 'dispatched')).toBe(true);
    const u2Tasks = await inbox(await s.token('unit-0002'), `planId=${planId}&indicator=HL-05`);
    expect(u2Tasks[0]!.state).toBe('exited');

    const t2 = await s.token('township-02');
    const u3 = await s.orgId('FY-T02-U001');
    const second = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: t2, body: { units: [u3] } });
    expect(second.body).toMatchObject({ dispatchedUnits: 1, dispatchedTasks: 23 });
    const repeat = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: t2, body: { units: [u3] } });
    expect(repeat.body).toMatchObject({ dispatchedUnits: 0, alreadyDispatchedUnits: 1 });
  });

  it('carries unit 1 through claim, progress and final reports, a return for rework, township approval and district confirmation', async () => {
    const chair = await s.token('unit-0001');
    const officer = await s.token('township-01');
    const file = await evidence(chair);
    const tasks = await inbox(chair, `planId=${planId}`);
    for (const t of tasks) {
      const claimed = await s.call('POST', `/api/v1/tasks/${t.id}/claim`, { token: chair, body: { responsible: '王小梅', version: t.version } });
      expect(claimed.status, t.indicator).toBe(200);
      expect(claimed.body.state).toBe('claimed');
    }
    const hs02 = tasks.find((t) => t.indicator === 'HS-02')!;
    const progress = await s.call('POST', `/api/v1/tasks/${hs02.id}/report`, { token: chair, body: { value: 2, note: '上半年两场', evidence: [file] } });
    expect(progress.body.state).toBe('claimed');
    for (const t of tasks) {
      const r = await s.call('POST', `/api/v1/tasks/${t.id}/report`, { token: chair, body: { value: valueFor(t.indicator, t.target), evidence: [file], final: true } });
      expect(r.status, `${t.indicator}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.state).toBe('reported');
    }

    // Return one for rework with a new deadline; the unit reports again.
    const hl02 = tasks.find((t) => t.indicator === 'HL-02')!;
    const noReason = await s.call('POST', `/api/v1/tasks/${hl02.id}/evaluate`, { token: officer, body: { decision: 'return' } });
    expect(noReason.status).toBe(422);
    expect(noReason.body.error.field).toBe('reason');
    const newDeadline = `${year}-12-15T16:00:00.000Z`;
    const returned = await s.call('POST', `/api/v1/tasks/${hl02.id}/evaluate`, { token: officer, body: { decision: 'return', reason: '缺少活动照片', deadline: newDeadline } });
    expect(returned.body).toMatchObject({ state: 'returned', deadline: newDeadline });
    const again = await s.call('POST', `/api/v1/tasks/${hl02.id}/report`, { token: chair, body: { value: 6, evidence: [file], final: true } });
    expect(again.body.state).toBe('reported');

    for (const t of tasks) {
      const r = await s.call('POST', `/api/v1/tasks/${t.id}/evaluate`, { token: officer, body: { decision: 'approve' } });
      expect(r.status, t.indicator).toBe(200);
      expect(r.body.state).toBe(t.twoTier ? 'reviewed' : 'approved');
    }
    const reviewed = (await inbox(district, `planId=${planId}&state=reviewed`)).filter((t) => tasks.some((x) => x.id === t.id));
    expect(reviewed.map((t) => t.indicator).sort()).toEqual(['GF-01', 'GF-04', 'HS-01', 'HX-01', 'HX-04']);
    const twice = await s.call('POST', `/api/v1/tasks/${reviewed[0]!.id}/evaluate`, { token: officer, body: { decision: 'approve' } });
    expect(twice.status).toBe(409);
    expect(twice.body.error.state).toBe('reviewed');
    for (const t of reviewed) {
      const r = await s.call('POST', `/api/v1/tasks/${t.id}/evaluate`, { token: district, body: { decision: 'approve' } });
      expect(r.body.state).toBe('approved');
    }
    const done = await inbox(chair, `planId=${planId}`);
    expect(done.every((t) => t.state === 'approved')).toBe(true);
    expect(done.reduce((sum, t) => sum + (t.points ?? 0), 0)).toBe(100);

    const detail = await s.call('GET', `/api/v1/tasks/${hl02.id}`, { token: officer });
    expect(detail.body.reports.map((r: { final: boolean }) => r.final)).toEqual([true, true]);
    expect(detail.body.history.map((h: { action: string }) => h.action)).toEqual(['task.dispatch', 'task.claim', 'task.report', 'task.return', 'task.report', 'task.approve']);
    expect(detail.body.history[3]).toMatchObject({ actor: 'township-01', fromState: 'reported', toState: 'returned' });
  });

  it('refuses illegal, stale, duplicate and unauthorised actions and changes nothing', async () => {
    const chair3 = await s.token('unit-0003');
    const [task] = await inbox(await s.token('township-02'), `planId=${planId}&indicator=WN-01&unitId=${await s.orgId('FY-T02-U001')}`);
    const [owner] = await s.db.sql<{ login: string }[]>`select u.login from users u join tasks t on t.org_id = u.org_id where t.id = ${task!.id}`;
    const chairOf = await s.token(owner!.login);
    const before = await s.call('GET', `/api/v1/tasks/${task!.id}`, { token: chairOf });

    expect((await s.call('POST', `/api/v1/tasks/${task!.id}/claim`, { token: chair3, body: { responsible: '外人' } })).status).toBe(404);
    expect((await s.call('POST', `/api/v1/tasks/${task!.id}/evaluate`, { token: chairOf, body: { decision: 'approve' } })).status).toBe(403);
    const early = await s.call('POST', `/api/v1/tasks/${task!.id}/report`, { token: chairOf, body: { value: 100, final: true } });
    expect(early.status, JSON.stringify(early.body)).toBe(409);
    expect(early.body.error.state).toBe('dispatched');
    const stale = await s.call('POST', `/api/v1/tasks/${task!.id}/claim`, { token: chairOf, body: { responsible: '李' }, headers: { 'if-match': `"${before.body.version + 5}"` } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('stale');
    const after = await s.call('GET', `/api/v1/tasks/${task!.id}`, { token: chairOf });
    expect(after.body.version).toBe(before.body.version);
    expect(after.body.history).toEqual(before.body.history);

    // The same request twice with one Idempotency-Key applies once; a different request with it is refused.
    await s.call('POST', `/api/v1/tasks/${task!.id}/claim`, { token: chairOf, body: { responsible: '李' } });
    const key = { 'idempotency-key': 'report-wn01-1' };
    const first = await s.call('POST', `/api/v1/tasks/${task!.id}/report`, { token: chairOf, body: { value: 40 }, headers: key });
    const second = await s.call('POST', `/api/v1/tasks/${task!.id}/report`, { token: chairOf, body: { value: 40 }, headers: key });
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const other = await s.call('POST', `/api/v1/tasks/${task!.id}/report`, { token: chairOf, body: { value: 41 }, headers: key });
    expect(other.status).toBe(422);
    const reports = await s.call('GET', `/api/v1/tasks/${task!.id}`, { token: chairOf });
    expect(reports.body.reports).toHaveLength(1);
  });

  it('exits a task, then closes the plan with scores, a commendation list and frozen open tasks', async () => {
    const [u3task] = await inbox(district, `planId=${planId}&unitId=${await s.orgId('FY-T02-U001')}&indicator=HX-05`);
    const exit = await s.call('POST', `/api/v1/tasks/${u3task!.id}/exit`, { token: district, body: { reason: '企业改制，豁免本年度' } });
    expect(exit.body).toMatchObject({ state: 'exited', exitReason: '企业改制，豁免本年度' });
    expect((await s.call('POST', `/api/v1/tasks/${u3task!.id}/exit`, { token: district, body: { reason: '再次' } })).status).toBe(409);

    const closed = await s.call('POST', `/api/v1/plans/${planId}/close`, { token: district });
    expect(closed.status).toBe(200);
    expect(closed.body.commended).toBeGreaterThanOrEqual(1);
    const lists = await s.call('GET', `/api/v1/plans/${planId}/commendations`, { token: await s.token('unit-0002') });
    expect(lists.body.commended[0]).toMatchObject({ code: 'FY-T01-U001', band: '五星', total: 100 });
    const results = await s.call('GET', `/api/v1/plans/${planId}/results`, { token: district });
    expect(results.body.items[0]).toMatchObject({ code: 'FY-T01-U001', rank: 1, band: '五星' });
    expect(results.body.items.find((r: { code: string }) => r.code === 'FY-T01-U002').band).toBe('不合格');

    const open = await inbox(await s.token('unit-0002'), `planId=${planId}&state=dispatched`);
    expect(open.length).toBeGreaterThan(0);
    const frozen = await s.call('POST', `/api/v1/tasks/${open[0]!.id}/claim`, { token: await s.token('unit-0002'), body: { responsible: '迟到' } });
    expect(frozen.status).toBe(409);
    expect((await s.call('POST', `/api/v1/plans/${planId}/close`, { token: district })).status).toBe(409);
  });

  it('de-lists a unit commended last cycle that falls below the bar in the next (能进能出)', async () => {
    const next = await s.call('POST', '/api/v1/plans', { token: district, body: { year: year + 1, name: '次年计划', deadline: `${year + 1}-11-30T16:00:00.000Z`, indicators: ['HS-02'], escalation: calendarDays } });
    expect((await s.call('POST', `/api/v1/plans/${next.body.id}/issue`, { token: district })).status).toBe(200);
    // Unit 1 receives its task and does nothing: it scores 0. No other unit receives one (their townships do
    // not dispatch): they are not assessed, and none of them is de-listed for it.
    const u1 = await s.orgId('FY-T01-U001');
    expect((await s.call('POST', `/api/v1/plans/${next.body.id}/dispatch`, { token: await s.token('township-01'), body: { units: [u1] } })).status).toBe(200);
    const closed = await s.call('POST', `/api/v1/plans/${next.body.id}/close`, { token: district });
    expect(closed.body.delisted).toBe(1);
    const lists = await s.call('GET', `/api/v1/plans/${next.body.id}/commendations`, { token: district });
    expect(lists.body.commended).toEqual([]);
    expect(lists.body.delisted).toEqual([expect.objectContaining({ code: 'FY-T01-U001', band: '不合格' })]);
    expect(lists.body.delisted[0].reason).toMatch(/五星/);
  });
});
