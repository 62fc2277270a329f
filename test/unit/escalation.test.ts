import { describe, expect, it } from 'vitest';
import { calendar } from '../../lib/calendar';
import { backstopLadder, defaultPolicy, ladderOutlook, escalationSchema, ladderTimes, orderDue, policyFor, spreadLadder, spreadOffsetMs, summonsTime } from '../../lib/escalation';

const cst = (local: string) => new Date(`${local}+08:00`);

describe('escalation policy', () => {
  it('defaults to the brief: remind 5 days before, warn at the deadline, supervise 7 days after, 5 working days to answer', () => {
    expect(policyFor({}, 'HS-01')).toEqual({ remindBefore: 'P5D', warnAfter: 'PT0S', superviseAfter: 'P7D', orderResponse: { workingDays: 5 }, summonsAfter: { workingDays: 3 } });
  });

  it('lets the plan override the defaults and an indicator override the plan', () => {
    const escalation = escalationSchema.parse({ remindBefore: 'P10D', indicators: { 'GF-03': { remindBefore: { workingDays: 2 }, superviseAfter: 'P3D' } } });
    expect(policyFor(escalation, 'HS-01')).toEqual({ ...defaultPolicy, remindBefore: 'P10D' });
    expect(policyFor(escalation, 'GF-03')).toEqual({ ...defaultPolicy, remindBefore: { workingDays: 2 }, superviseAfter: 'P3D' });
  });

  it('refuses what is not a duration or a whole count of working days, naming the path', () => {
    const cases: [unknown, string][] = [
      [{ remindBefore: '5 days' }, 'remindBefore'],
      [{ warnAfter: { workingDays: 1.5 } }, 'warnAfter'],
      [{ orderResponse: { workingDays: -1 } }, 'orderResponse'],
      [{ superviseAfter: { days: 3 } }, 'superviseAfter'],
      [{ remindbefore: 'P5D' }, ''],
      [{ indicators: { 'HS-01': { orderResponse: 'soon' } } }, 'indicators.HS-01.orderResponse'],
    ];
    for (const [input, path] of cases) {
      const result = escalationSchema.safeParse(input);
      expect(result.success, JSON.stringify(input)).toBe(false);
      if (path) expect(result.error!.issues.some((i) => i.path.join('.').startsWith(path)), JSON.stringify(result.error!.issues)).toBe(true);
    }
  });

  it('places the rungs around the deadline in calendar days or working days', () => {
    const deadline = cst('2026-10-09T18:00:00');
    expect(ladderTimes(defaultPolicy, deadline, calendar)).toEqual({
      deadline: deadline.toISOString(),
      remind: cst('2026-10-04T18:00:00').toISOString(),
      warn: deadline.toISOString(),
      supervise: cst('2026-10-16T18:00:00').toISOString(),
    });
    // Three working days before Fri 9 October 2026: the make-up Saturday 10 October is after it;
    // 1–7 October are the holiday, so Thu 8, then Wed 30 and Tue 29 September.
    const working = { ...defaultPolicy, remindBefore: { workingDays: 3 } };
    expect(ladderTimes(working, deadline, calendar).remind).toBe(cst('2026-09-29T18:00:00').toISOString());
  });

  it('gives an order issued before the Spring Festival its five working days after the holiday', () => {
    // Issued Fri 13 Feb 2026: Sat 14 (make-up) is one; 15–23 are off; 24, 25, 26, 27 make five.
    expect(orderDue(defaultPolicy, cst('2026-02-13T10:00:00'), calendar)).toEqual(cst('2026-02-27T10:00:00'));
  });

  it('works out the whole ladder, order answer and summons included, and names the years it had to count Monday–Friday', () => {
    const covered = ladderOutlook(defaultPolicy, cst('2026-11-30T18:00:00'), calendar);
    expect(covered.provisional).toBe(false);
    expect(covered.provisionalYears).toEqual([]);
    // Supervised 7 days after Mon 28 December: the five answer days run into 2027, which the table lacks,
    // so they are counted Monday–Friday: Tue 5 Jan ... the order (Mon 4 Jan) is answered by Mon 11 Jan.
    const late = ladderOutlook(defaultPolicy, cst('2026-12-28T18:00:00'), calendar);
    expect(late.provisional).toBe(true);
    expect(late.provisionalYears).toEqual([2027]);
    expect(late.supervise).toBe(cst('2027-01-04T18:00:00').toISOString());
    expect(late.answerBy).toBe(cst('2027-01-11T18:00:00').toISOString());
    // Three working days after Mon 11 Jan, Monday–Friday: Thu 14 Jan at 09:30.
    expect(late.summonsAt).toBe(cst('2027-01-14T09:30:00').toISOString());
    // Answer due 22 December 2026: the summons 3 working days on is still in 2026 ...
    expect(ladderOutlook(defaultPolicy, cst('2026-12-08T18:00:00'), calendar).provisionalYears).toEqual([]);
    // ... but from an answer due 29 December, the third working day is in 2027.
    expect(ladderOutlook(defaultPolicy, cst('2026-12-15T18:00:00'), calendar).provisionalYears).toEqual([2027]);
    // Calendar-day offsets consult no working days at all.
    const days = ladderOutlook({ ...defaultPolicy, orderResponse: 'P7D', summonsAfter: 'P3D' }, cst('2026-12-28T18:00:00'), calendar);
    expect(days.provisional).toBe(false);
    expect(days.consultedYears).toEqual([]);
  });

  it('marks rung times provisional only when a working-day offset falls in a year without holidays', () => {
    const policy = { ...defaultPolicy, warnAfter: { workingDays: 2 } };
    expect(ladderTimes(policy, cst('2026-11-30T18:00:00'), calendar).provisional).toBeUndefined();
    const times = ladderTimes(policy, cst('2027-01-29T18:00:00'), calendar);
    expect(times.provisional).toBe(true);
    expect(times.warn).toBe(cst('2027-02-02T18:00:00').toISOString());
  });

  it('proposes the summons at 09:30 Beijing time on the day', () => {
    // Answer due Fri 25 Sep 2026 18:00: three working days on are Mon 28, Tue 29, Wed 30 September.
    expect(summonsTime(defaultPolicy, cst('2026-09-25T18:00:00'), calendar)).toEqual(cst('2026-09-30T09:30:00'));
  });
});

describe('the spread of a shared deadline’s rungs (LADDER_SPREAD_MS_PER_UNIT)', () => {
  const deadline = cst('2026-10-09T18:00:00');
  const times = ladderTimes(defaultPolicy, deadline, calendar);
  const units = Array.from({ length: 5000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

  it('gives each unit a fixed place within units × ms, spread across the whole window', () => {
    const offsets = units.map((u) => spreadOffsetMs(u, 5000, 30));
    expect(units.map((u) => spreadOffsetMs(u, 5000, 30))).toEqual(offsets);
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(150_000);
    // Every tenth of the 150 s window holds about a tenth of the units: no second crowd.
    const tenths = Array.from({ length: 10 }, (_, k) => offsets.filter((o) => Math.floor(o / 15_000) === k).length);
    for (const n of tenths) expect(n).toBeGreaterThan(400);
    for (const n of tenths) expect(n).toBeLessThan(600);
  });

  it('is off at 0 ms a unit or for a single unit', () => {
    expect(spreadOffsetMs(units[0]!, 5000, 0)).toBe(0);
    expect(spreadOffsetMs(units[0]!, 1, 30)).toBe(0);
    expect(spreadLadder(times, 0)).toEqual(times);
  });

  it('moves the rungs later only, keeps the deadline, and never puts a reminder past the deadline', () => {
    const spread = spreadLadder(times, 90_000);
    expect(spread.deadline).toBe(times.deadline);
    expect(Date.parse(spread.remind) - Date.parse(times.remind)).toBe(90_000);
    expect(Date.parse(spread.warn) - Date.parse(times.warn)).toBe(90_000);
    expect(Date.parse(spread.supervise) - Date.parse(times.supervise)).toBe(90_000);
    const close = { ...times, remind: new Date(deadline.getTime() - 60_000).toISOString() };
    expect(spreadLadder(close, 90_000).remind).toBe(times.deadline);
  });

  it('puts a unit’s reminder and warning still ahead a backstop later when the plan has a shared ladder, and leaves the rest', () => {
    const spread = spreadLadder(times, 90_000);
    const before = Date.parse(times.remind) - 1000;
    const later = backstopLadder(times, spread, 600_000, before);
    expect(Date.parse(later.remind) - Date.parse(spread.remind)).toBe(600_000);
    expect(Date.parse(later.warn) - Date.parse(spread.warn)).toBe(600_000);
    // The supervision order is each unit's own: at its place in the spread, as without a shared ladder.
    expect(later.supervise).toBe(spread.supervise);
    expect(later.deadline).toBe(times.deadline);
    // A reminder already due when the unit starts (a late dispatch) is the unit's to fire at once; the warning ahead waits.
    const between = backstopLadder(times, spread, 600_000, Date.parse(times.remind) + 1000);
    expect(between.remind).toBe(spread.remind);
    expect(Date.parse(between.warn) - Date.parse(spread.warn)).toBe(600_000);
    expect(backstopLadder(times, spread, 0, before)).toEqual(spread);
  });
});
