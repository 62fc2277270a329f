import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CalendarDataError, CalendarMissingError, calendar, checkYear, loadCalendar, overlayCalendar, yearTable } from '../../lib/calendar';

const DAY_MS = 24 * 3600 * 1000;
/** An instant written as China Standard Time, e.g. cst('2026-02-13T10:00'). */
const cst = (local: string) => new Date(`${local}:00+08:00`);
/** The UTC+8 date of an instant as YYYY-MM-DD. */
const cstDate = (d: Date) => new Date(d.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('shipped calendar', () => {
  it('covers 2024 to 2026 and nothing else', () => {
    expect(calendar.years()).toEqual([2024, 2025, 2026]);
    expect(calendar.covers(2026)).toBe(true);
    expect(calendar.covers(2023)).toBe(false);
    expect(calendar.covers(2027)).toBe(false);
  });

  it('counts weekends as off and weekdays as on', () => {
    expect(calendar.isWorkingDay('2026-03-06')).toBe(true); // Friday
    expect(calendar.isWorkingDay('2026-03-07')).toBe(false); // Saturday
    expect(calendar.isWorkingDay('2026-03-08')).toBe(false); // Sunday
    expect(calendar.isWorkingDay('2026-03-09')).toBe(true); // Monday
    // Friday 10:00 + 1 working day skips the weekend to Monday 10:00.
    expect(calendar.addWorkingDays(cst('2026-03-06T10:00'), 1)).toEqual(cst('2026-03-09T10:00'));
  });

  it('counts make-up Saturdays and Sundays (调休上班) as working days', () => {
    for (const day of ['2024-02-04', '2024-10-12', '2025-01-26', '2025-10-11', '2026-01-04', '2026-02-14', '2026-02-28', '2026-10-10'])
      expect(calendar.isWorkingDay(day), day).toBe(true);
    // Friday 2026-02-27 + 1 lands on the make-up Saturday 2026-02-28.
    expect(calendar.addWorkingDays(cst('2026-02-27T17:00'), 1)).toEqual(cst('2026-02-28T17:00'));
  });

  it('counts every day of a holiday period as off, weekdays and weekends alike', () => {
    for (let day = '2026-02-15'; day <= '2026-02-23'; day = addDays(day, 1)) expect(calendar.isWorkingDay(day), day).toBe(false);
    for (let day = '2025-10-01'; day <= '2025-10-08'; day = addDays(day, 1)) expect(calendar.isWorkingDay(day), day).toBe(false);
    expect(calendar.isWorkingDay('2026-01-02')).toBe(false); // 元旦 2026, a Friday
    expect(calendar.isWorkingDay('2024-06-10')).toBe(false); // 端午 2024, a Monday
    expect(calendar.isWorkingDay('2025-01-02')).toBe(true); // 元旦 2025 is 1 January only
  });

  it('rejects a malformed date', () => {
    expect(() => calendar.isWorkingDay('2026-02-30')).toThrow(RangeError);
    expect(() => calendar.isWorkingDay('2026-2-3')).toThrow(RangeError);
    expect(() => calendar.addWorkingDays(new Date('nonsense'), 1)).toThrow(RangeError);
    expect(() => calendar.addWorkingDays(cst('2026-03-06T10:00'), 1.5)).toThrow(RangeError);
  });
});

describe('addWorkingDays over holidays', () => {
  it('Spring Festival 2026: issued Fri 2/13 + 5 working days is due Fri 2/27', () => {
    // Sat 2/14 make-up day = 1; 2/15–2/23 off; Tue 2/24 = 2, Wed 2/25 = 3, Thu 2/26 = 4, Fri 2/27 = 5.
    expect(calendar.addWorkingDays(cst('2026-02-13T10:00'), 5)).toEqual(cst('2026-02-27T10:00'));
    // One more would be the make-up Saturday 2/28.
    expect(calendar.addWorkingDays(cst('2026-02-13T10:00'), 6)).toEqual(cst('2026-02-28T10:00'));
  });

  it('National Day 2026: issued Mon 9/28 + 5 working days is due on the make-up Saturday 10/10', () => {
    // Tue 9/29 = 1, Wed 9/30 = 2; 10/1–10/7 off; Thu 10/8 = 3, Fri 10/9 = 4, Sat 10/10 (make-up) = 5.
    expect(calendar.addWorkingDays(cst('2026-09-28T15:30'), 5)).toEqual(cst('2026-10-10T15:30'));
    // Sun 10/11 is an ordinary Sunday: the 6th is Mon 10/12.
    expect(calendar.addWorkingDays(cst('2026-09-28T15:30'), 6)).toEqual(cst('2026-10-12T15:30'));
  });

  it('Spring Festival 2025: issued Fri 1/24 + 3 working days is due Wed 2/5', () => {
    // Sat 1/25 off; Sun 1/26 (make-up) = 1; Mon 1/27 = 2; 1/28–2/4 off; Wed 2/5 = 3.
    expect(calendar.addWorkingDays(cst('2025-01-24T09:00'), 3)).toEqual(cst('2025-02-05T09:00'));
  });

  it('National Day and Mid-Autumn 2025: issued Fri 9/26 + 5 working days is due Fri 10/10', () => {
    // Sat 9/27 off; Sun 9/28 (make-up) = 1; Mon 9/29 = 2; Tue 9/30 = 3; 10/1–10/8 off; Thu 10/9 = 4; Fri 10/10 = 5.
    expect(calendar.addWorkingDays(cst('2025-09-26T11:00'), 5)).toEqual(cst('2025-10-10T11:00'));
    // Sat 10/11 is a make-up day: the 6th.
    expect(calendar.addWorkingDays(cst('2025-09-26T11:00'), 6)).toEqual(cst('2025-10-11T11:00'));
  });

  it('backwards: 3 working days before Fri 2026-10-09 09:00 is Tue 9/29 09:00', () => {
    // Thu 10/8 = 1; 10/1–10/7 off; Wed 9/30 = 2; Tue 9/29 = 3.
    expect(calendar.addWorkingDays(cst('2026-10-09T09:00'), -3)).toEqual(cst('2026-09-29T09:00'));
  });

  it('n = 0 returns the same instant, even on a holiday', () => {
    const from = cst('2026-02-17T08:15');
    const result = calendar.addWorkingDays(from, 0);
    expect(result).toEqual(from);
    expect(result.getTime()).toBe(from.getTime());
  });

  it('does not count the starting date, working day or not', () => {
    expect(calendar.addWorkingDays(cst('2026-02-16T10:00'), 1)).toEqual(cst('2026-02-24T10:00')); // from a holiday
    expect(calendar.addWorkingDays(cst('2026-02-24T10:00'), 1)).toEqual(cst('2026-02-25T10:00')); // from a working day
  });

  it('uses the China Standard Time date, not the UTC date', () => {
    // 2026-02-13T16:30Z is already Saturday 2/14 00:30 in Beijing (a make-up day, not counted as the start):
    // + 1 is Tue 2/24 00:30 Beijing time, not Sat 2/14.
    const from = new Date('2026-02-13T16:30:00Z');
    expect(calendar.addWorkingDays(from, 1)).toEqual(cst('2026-02-24T00:30'));
    // 2026-10-08T15:59Z is Thu 10/8 23:59 in Beijing: - 1 is Wed 9/30 23:59.
    expect(calendar.addWorkingDays(new Date('2026-10-08T15:59:00Z'), -1)).toEqual(cst('2026-09-30T23:59'));
  });
});

describe('uncovered years', () => {
  it('throws CalendarMissingError naming 2027 and 2023', () => {
    const late = thrown(() => calendar.isWorkingDay('2027-01-04'));
    expect(late).toBeInstanceOf(CalendarMissingError);
    expect((late as CalendarMissingError).year).toBe(2027);
    expect((late as Error).message).toContain('no working-day calendar for 2027 (缺少 2027 年节假日安排)');
    expect((late as Error).message).toContain('HOLIDAY_CALENDAR_FILE');

    const early = thrown(() => calendar.addWorkingDays(cst('2023-06-01T10:00'), 1));
    expect(early).toBeInstanceOf(CalendarMissingError);
    expect((early as CalendarMissingError).year).toBe(2023);
  });

  it('throws when the walk crosses from 2026 into 2027', () => {
    // Wed 2026-12-30 + 1 = Thu 12/31 is still inside 2026 …
    expect(calendar.addWorkingDays(cst('2026-12-30T10:00'), 1)).toEqual(cst('2026-12-31T10:00'));
    // … but + 2 must look at 2027-01-01, whose status is unknown until the 2027 notice is added.
    const err = thrown(() => calendar.addWorkingDays(cst('2026-12-30T10:00'), 5));
    expect(err).toBeInstanceOf(CalendarMissingError);
    expect((err as CalendarMissingError).year).toBe(2027);
  });

  it('throws when a backward walk crosses from 2024 into 2023', () => {
    // Wed 2024-01-03 − 1 = Tue 1/2; − 2 passes the 1/1 holiday into 2023.
    expect(calendar.addWorkingDays(cst('2024-01-03T10:00'), -1)).toEqual(cst('2024-01-02T10:00'));
    const err = thrown(() => calendar.addWorkingDays(cst('2024-01-03T10:00'), -2));
    expect((err as CalendarMissingError).year).toBe(2023);
  });
});

describe('loadCalendar with extra data', () => {
  // Test data only: not the real 2027 arrangement, which has not been published.
  const fake2027 = { years: { '2027': { holidays: ['2027-01-01'], workdays: [] } } };

  it('adds a year', () => {
    const cal = loadCalendar(fake2027);
    expect(cal.years()).toEqual([2024, 2025, 2026, 2027]);
    expect(cal.covers(2027)).toBe(true);
    // Thu 12/31 = 1; Fri 2027-01-01 off (fake holiday); weekend; Mon 1/4 = 2 … Thu 1/7 = 5.
    expect(cal.addWorkingDays(cst('2026-12-30T10:00'), 5)).toEqual(cst('2027-01-07T10:00'));
    // The default instance is untouched.
    expect(calendar.covers(2027)).toBe(false);
  });

  it('replaces a shipped year whole', () => {
    const cal = loadCalendar({ years: { '2026': { holidays: ['2026-01-01'], workdays: [] } } });
    expect(cal.isWorkingDay('2026-02-16')).toBe(true);
    expect(cal.isWorkingDay('2026-02-14')).toBe(false);
    expect(cal.isWorkingDay('2025-01-28')).toBe(false); // other years stay as shipped
  });

  const bad = (year: Record<string, unknown>) => ({ years: { '2027': { holidays: ['2027-01-01'], workdays: [], ...year } } });

  it.each([
    ['a date that does not exist', bad({ holidays: ['2027-02-30'] }), /years\.2027\.holidays\[0\].*"2027-02-30" is not a real YYYY-MM-DD date/],
    ['a badly written date', bad({ workdays: ['2027/01/09'] }), /years\.2027\.workdays\[0\].*"2027\/01\/09"/],
    ['a make-up day that is not a weekend day', bad({ workdays: ['2027-01-04'] }), /2027-01-04 is a Monday, not a weekend day/],
    ['a holiday listed twice', bad({ holidays: ['2027-01-01', '2027-01-01'] }), /years\.2027\.holidays\[1\].*2027-01-01 is listed twice in 2027 holidays/],
    ['a date both off and on', bad({ holidays: ['2027-01-02'], workdays: ['2027-01-02'] }), /2027-01-02 is in both holidays and workdays of 2027/],
    ['a date under the wrong year', bad({ holidays: ['2028-01-01'] }), /2028-01-01 is not in 2027/],
    ['a year with no holidays', bad({ holidays: [] }), /years\.2027\.holidays.*lists no holidays/],
    ['a misspelt key', bad({ workday: [] }), /years\.2027.*workday/],
    ['a year key that is not a year', { years: { '27': { holidays: ['2027-01-01'], workdays: [] } } }, /four digits/],
    ['no years at all', { source: 'x' }, /years/],
    ['not an object', 'nonsense', /invalid holiday calendar in extra calendar data/],
  ])('rejects %s', (_what, data, message) => {
    const err = thrown(() => loadCalendar(data));
    expect(err).toBeInstanceOf(CalendarDataError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('provisional view', () => {
  it('counts a year nobody entered Monday–Friday and names it, while covered years keep their holidays', () => {
    const view = calendar.provisional();
    // From Wed 30 Dec 2026: Thu 31 (2026), then Fri 1 Jan 2027 counts (no holidays entered), Mon 4, Tue 5, Wed 6.
    expect(view.addWorkingDays(cst('2026-12-30T10:00'), 5)).toEqual(cst('2027-01-06T10:00'));
    expect([...view.provisionalYears]).toEqual([2027]);
    expect([...view.consulted].sort()).toEqual([2026, 2027]);
    // The strict calendar still refuses to guess.
    expect(thrown(() => calendar.addWorkingDays(cst('2026-12-30T10:00'), 5))).toBeInstanceOf(CalendarMissingError);
  });

  it('records nothing provisional inside the covered years', () => {
    const view = calendar.provisional();
    // Fri 13 Feb 2026 + 5: Sat 14 (make-up), then 24–27 after the Spring Festival.
    expect(view.addWorkingDays(cst('2026-02-13T10:00'), 5)).toEqual(cst('2026-02-27T10:00'));
    expect(view.provisionalYears.size).toBe(0);
  });

  it('takes a stored year over the shipped table, with the names people read', () => {
    const cal = overlayCalendar(calendar, new Map([[2027, yearTable({ holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [] })]]));
    expect(cal.years()).toEqual([2024, 2025, 2026, 2027]);
    expect(cal.isWorkingDay('2027-01-01')).toBe(false);
    expect(cal.year(2027)).toEqual({ holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [] });
    expect(cal.year(2026)!.holidays[0]).toEqual({ date: '2026-01-01', name: '元旦' });
    expect(cal.isWorkingDay('2026-02-16')).toBe(false); // the shipped years stay
  });

  it('checks a year entered through the API entry by entry', () => {
    expect(checkYear('2027', { holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [{ date: '2027-01-01', name: '调休' }, { date: '2026-12-26', name: '调休' }] })).toEqual([
      { path: ['workdays', 0, 'date'], message: '2027-01-01 is in both holidays and workdays of 2027' },
      { path: ['workdays', 0, 'date'], message: 'make-up working day 2027-01-01 is a Friday, not a weekend day' },
      { path: ['workdays', 1, 'date'], message: '2026-12-26 is not in 2027: list it under its own year' },
    ]);
  });
});

describe('HOLIDAY_CALENDAR_FILE', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'calendar-test-'));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is merged over the shipped table by the default instance', async () => {
    const file = path.join(dir, 'good.json');
    writeFileSync(file, JSON.stringify({ years: { '2027': { holidays: ['2027-01-01'], workdays: [] } } }));
    vi.stubEnv('HOLIDAY_CALENDAR_FILE', file);
    vi.resetModules();
    const fresh = await import('../../lib/calendar');
    expect(fresh.calendar.years()).toEqual([2024, 2025, 2026, 2027]);
  });

  it('names the file when it is bad', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ years: { '2027': { holidays: ['2027-01-01'], workdays: ['2027-01-05'] } } }));
    vi.stubEnv('HOLIDAY_CALENDAR_FILE', file);
    vi.resetModules();
    await expect(import('../../lib/calendar')).rejects.toThrow(`HOLIDAY_CALENDAR_FILE ${file}`);
    vi.stubEnv('HOLIDAY_CALENDAR_FILE', path.join(dir, 'missing.json'));
    vi.resetModules();
    await expect(import('../../lib/calendar')).rejects.toThrow(/HOLIDAY_CALENDAR_FILE .*missing\.json: cannot read it as JSON/);
  });
});

describe('addWorkingDays properties', () => {
  // Start instants from 2024-02-01 to 2026-11-30 (Beijing time): far enough from the edges of the covered
  // years that 15 working days back or forward (under four weeks, holidays included) stay inside 2024–2026.
  const first = cst('2024-02-01T00:00').getTime();
  const last = cst('2026-11-30T23:59').getTime();
  const instant = fc.integer({ min: first, max: last }).map((t) => new Date(t));
  const n = fc.integer({ min: 1, max: 15 });

  /** Working days strictly between two YYYY-MM-DD dates. */
  const workingBetween = (a: string, b: string) => {
    let count = 0;
    for (let day = addDays(a, 1); day < b; day = addDays(day, 1)) if (calendar.isWorkingDay(day)) count++;
    return count;
  };

  it('lands on a later working day, at the same clock time, with n − 1 working days in between', () => {
    fc.assert(
      fc.property(instant, n, (d, k) => {
        const due = calendar.addWorkingDays(d, k);
        expect(due.getTime()).toBeGreaterThan(d.getTime());
        expect((due.getTime() - d.getTime()) % DAY_MS).toBe(0);
        expect(calendar.isWorkingDay(cstDate(due))).toBe(true);
        expect(workingBetween(cstDate(d), cstDate(due))).toBe(k - 1);
      }),
      { numRuns: 300 },
    );
  });

  it('going back lands on an earlier working day with n − 1 working days in between', () => {
    fc.assert(
      fc.property(instant, n, (d, k) => {
        const back = calendar.addWorkingDays(d, -k);
        expect(back.getTime()).toBeLessThan(d.getTime());
        expect((d.getTime() - back.getTime()) % DAY_MS).toBe(0);
        expect(calendar.isWorkingDay(cstDate(back))).toBe(true);
        expect(workingBetween(cstDate(back), cstDate(d))).toBe(k - 1);
      }),
      { numRuns: 300 },
    );
  });

  // Forward then back is not the identity: the walk back from the due date ends on the last working day
  // on or before d's date. So it returns d exactly when d's date is a working day; otherwise it lands
  // before d (same clock time) on the latest working day before d, with no working day in between.
  it('forward then back returns d on a working day, else the last working day before d', () => {
    fc.assert(
      fc.property(instant, n, (d, k) => {
        const round = calendar.addWorkingDays(calendar.addWorkingDays(d, k), -k);
        if (calendar.isWorkingDay(cstDate(d))) {
          expect(round).toEqual(d);
        } else {
          expect(round.getTime()).toBeLessThan(d.getTime());
          expect((d.getTime() - round.getTime()) % DAY_MS).toBe(0);
          expect(calendar.isWorkingDay(cstDate(round))).toBe(true);
          expect(workingBetween(cstDate(round), cstDate(d))).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  // Symmetrically, back then forward returns d on a working day, else the first working day after d.
  it('back then forward returns d on a working day, else the first working day after d', () => {
    fc.assert(
      fc.property(instant, n, (d, k) => {
        const round = calendar.addWorkingDays(calendar.addWorkingDays(d, -k), k);
        expect(round).toEqual(calendar.isWorkingDay(cstDate(d)) ? d : calendar.addWorkingDays(d, 1));
      }),
      { numRuns: 300 },
    );
  });
});
