// The working-day calendar as data the district maintains: a plan whose ladder runs into a year nobody has
// entered is accepted and marked provisional, the admins hear of it once, and bad calendars are refused whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';

let s: DemoStack;
let district: string;

beforeAll(async () => {
  s = await startDemoStack();
  district = await s.token('district');
});
afterAll(async () => {
  await s?.stop();
});

/** Beijing wall-clock time as an ISO instant. */
const bj = (local: string) => new Date(`${local}+08:00`).toISOString();
const calendarNotices = async (token: string) =>
  ((await s.call('GET', '/api/v1/notices', { token })).body.items as { kind: string; title: string; body: string; link: string }[]).filter((n) => n.kind === 'calendar');
const storedRows = async () => (await s.db.sql<{ n: number }[]>`select count(*)::int as n from calendar_years`)[0]!.n;
const calendarAudits = async () => (await s.db.sql<{ n: number }[]>`select count(*)::int as n from audit_log where subject_type = 'calendar'`)[0]!.n;

describe('a year whose holidays are not entered yet', () => {
  it('accepts a year-end plan with a deadline in late January 2027, shows 2027 as provisional and tells the district admins once', async () => {
    const plan = await s.call('POST', '/api/v1/plans', {
      token: district,
      body: { year: 2026, name: '2026年度年终冲刺计划', deadline: bj('2027-01-22T18:00:00'), indicators: ['HS-02', 'GF-03'] },
    });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    expect(plan.body.provisionalYears).toEqual([2027]);
    expect((await s.call('GET', `/api/v1/plans/${plan.body.id}`, { token: district })).body.provisionalYears).toEqual([2027]);
    expect((await s.call('GET', '/api/v1/calendar/2027', { token: district })).body).toMatchObject({ year: 2027, status: 'provisional', holidays: [], workdays: [] });

    const [notice, ...more] = await calendarNotices(district);
    expect(more).toEqual([]);
    expect(notice!.body).toContain('2027 年节假日安排尚未录入，督办时限暂按周一至周五计算');
    expect(notice!.link).toMatch(/\/api\/v1\/calendar\/2027$/);
    // Only the district admins hear of it: the department staff and the townships do not.
    expect(await calendarNotices(await s.token('dept-org'))).toEqual([]);
    expect(await calendarNotices(await s.token('township-01'))).toEqual([]);

    // A second plan in the same provisional year adds no second notice.
    const again = await s.call('POST', '/api/v1/plans', { token: district, body: { year: 2026, name: '第二个计划', deadline: bj('2027-01-29T18:00:00'), indicators: ['HS-03'] } });
    expect(again.status).toBe(201);
    expect(await calendarNotices(district)).toHaveLength(1);
  });

  it('shows the shipped years as built-in and a year stored through the API as stored', async () => {
    const list = await s.call('GET', '/api/v1/calendar', { token: await s.token('unit-0001') });
    expect(list.status).toBe(200);
    expect(list.body.items.map((y: { year: number; status: string }) => `${y.year}:${y.status}`)).toEqual(['2024:built-in', '2025:built-in', '2026:built-in']);
    const y2026 = (await s.call('GET', '/api/v1/calendar/2026', { token: await s.token('unit-0001') })).body;
    expect(y2026.status).toBe('built-in');
    expect(y2026.holidays[0]).toEqual({ date: '2026-01-01', name: '元旦' });
    expect(y2026.workdays).toContainEqual({ date: '2026-02-14', name: '春节调休上班' });
  });
});

describe('entering a year', () => {
  const good = {
    holidays: [
      { date: '2027-01-01', name: '元旦' },
      { date: '2027-02-06', name: '春节' },
      { date: '2027-02-07', name: '春节' },
    ],
    workdays: [{ date: '2027-02-20', name: '春节调休上班' }],
  };

  it('refuses bad calendars with the field named, storing nothing', async () => {
    const cases: [unknown, number, string][] = [
      [{ ...good, holidays: [...good.holidays, { date: '2026-12-31', name: '元旦' }] }, 422, 'holidays[3].date'],
      [{ ...good, workdays: [{ date: '2027-02-06', name: '调休' }] }, 422, 'workdays[0].date'],
      [{ ...good, holidays: [{ date: '2027-01-01', name: '  ' }] }, 400, 'body.holidays.0.name'],
      [{ ...good, holidays: [{ date: '2027-01-01' }] }, 400, 'body.holidays.0.name'],
      [{ ...good, holidays: [{ date: '2027-02-30', name: '春节' }] }, 400, 'body.holidays.0.date'],
      [{ ...good, workdays: [{ date: '2027-02-22', name: '周一不能调休' }] }, 422, 'workdays[0].date'],
      [{ holidays: [], workdays: [] }, 400, 'body.holidays'],
    ];
    for (const [body, status, field] of cases) {
      const res = await s.call('PUT', '/api/v1/calendar/2027', { token: district, body });
      expect([res.status, res.body.error?.field], JSON.stringify(res.body)).toEqual([status, field]);
    }
    const outside = await s.call('PUT', '/api/v1/calendar/1999', { token: district, body: good });
    expect(outside.status).toBe(400);
    expect(outside.body.error.field).toBe('param.year');
    for (const login of ['township-01', 'unit-0001', 'dept-org']) {
      const res = await s.call('PUT', '/api/v1/calendar/2027', { token: await s.token(login), body: good });
      expect(res.status).toBe(403);
    }
    expect(await storedRows()).toBe(0);
    expect(await calendarAudits()).toBe(0);
  });

  it('stores a good year once: the plan is no longer provisional, and the same calendar again changes nothing', async () => {
    const first = await s.call('PUT', '/api/v1/calendar/2027', { token: district, body: good });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ year: 2027, status: 'stored', revision: 1, changed: true, updatedBy: 'district' });
    expect(first.body.holidays).toEqual(good.holidays);
    const plans = (await s.call('GET', '/api/v1/plans', { token: district })).body.items as { provisionalYears: number[] }[];
    expect(plans.every((p) => p.provisionalYears.length === 0)).toBe(true);

    const second = await s.call('PUT', '/api/v1/calendar/2027', { token: district, body: { holidays: [...good.holidays].reverse(), workdays: good.workdays } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ revision: 1, changed: false, movedOrders: 0, rearmedUnits: 0 });
    expect(await storedRows()).toBe(1);
    expect(await calendarAudits()).toBe(1);
  });
});
