/**
 * Working days in mainland China: weekends off, statutory holidays (法定节假日) off, and the weekend
 * make-up days (调休上班) on, as the State Council General Office announces them each year.
 *
 * The table ships in lib/calendar/cn-holidays.json; HOLIDAY_CALENDAR_FILE names a JSON file of the same
 * shape whose years replace the shipped ones; years the district stores through the API
 * (db/queries/calendar.ts) replace both. A year missing from all three is never guessed silently: a strict
 * calendar throws CalendarMissingError, and a provisional view (`provisional()`) counts it Monday–Friday
 * and records that it did, so the caller can say the times are provisional.
 *
 * Every calendar date here is a date in China Standard Time (UTC+8, no daylight saving time).
 * Safe for activity code and the API; not for workflow code (it reads a file when HOLIDAY_CALENDAR_FILE is set).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import shipped from './calendar/cn-holidays.json' with { type: 'json' };
import { text } from './input';

/** Thrown for a date in a year the calendar has no holiday arrangement for. */
export class CalendarMissingError extends Error {
  override readonly name = 'CalendarMissingError';
  readonly code = 'calendar_missing';
  constructor(readonly year: number) {
    super(
      `no working-day calendar for ${year} (缺少 ${year} 年节假日安排); add it to lib/calendar/cn-holidays.json or HOLIDAY_CALENDAR_FILE`,
    );
  }
}

/** Thrown for holiday data that is malformed or contradicts itself; the message names the year and date. */
export class CalendarDataError extends Error {
  override readonly name = 'CalendarDataError';
  readonly code = 'bad_calendar';
}

export interface WorkingCalendar {
  /** The covered years, ascending. */
  years(): number[];
  /** The named holidays and make-up working days of a covered year, by date; null for an uncovered year. */
  year(year: number): CalendarYear | null;
  /**
   * A view of the same data that never throws CalendarMissingError: an uncovered year counts Monday–Friday
   * as working days. Every year it consults is recorded in `consulted`, the uncovered ones also in `provisionalYears`.
   */
  provisional(): ProvisionalCalendar;
  /** Whether a YYYY-MM-DD date (China Standard Time) is a working day; throws CalendarMissingError for an uncovered year. */
  isWorkingDay(date: string): boolean;
  /**
   * The instant with the same UTC+8 clock time as `from` on the n-th working day after (n > 0) or the
   * |n|-th working day before (n < 0) `from`'s UTC+8 date; `from`'s own date is never counted.
   * n = 0 returns a copy of `from` and consults no calendar data.
   * Throws CalendarMissingError if `from`'s date or any date walked over lies in an uncovered year.
   */
  addWorkingDays(from: Date, n: number): Date;
  covers(year: number): boolean;
}

export interface ProvisionalCalendar extends WorkingCalendar {
  /** Every year whose days were consulted. */
  readonly consulted: Set<number>;
  /** The consulted years the calendar has no arrangement for (counted Monday–Friday). */
  readonly provisionalYears: Set<number>;
}

/** One named date of a year's arrangement. */
export interface NamedDate {
  date: string;
  name: string;
}

/** A year's arrangement as people read it: its holidays and its make-up working days, each named. */
export interface CalendarYear {
  holidays: NamedDate[];
  workdays: NamedDate[];
}

const DAY_MS = 24 * 3600 * 1000;
const CST_OFFSET_MS = 8 * 3600 * 1000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Days since 1970-01-01 of a well-formed, real YYYY-MM-DD date; null otherwise. */
function dayNumber(date: string): number | null {
  const m = DATE_RE.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

/** 0 = Sunday … 6 = Saturday. */
const weekdayOf = (day: number) => new Date(day * DAY_MS).getUTCDay();
const yearOf = (day: number) => new Date(day * DAY_MS).getUTCFullYear();
/** The UTC+8 calendar day of an instant, as days since 1970-01-01. */
const cstDayOf = (instant: Date) => Math.floor((instant.getTime() + CST_OFFSET_MS) / DAY_MS);

const dateString = z.string({ error: 'must be a YYYY-MM-DD string' }).refine((s) => dayNumber(s) !== null, {
  error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 20))} is not a real YYYY-MM-DD date`,
});

/** A holiday's or make-up day's name as people write it: one line, at most 40 characters (the API's text rule). */
const holidayName = text('name', { max: 40 });
/** In a file a date may stand alone; through the API every date carries its name. */
const namedDate = z.strictObject({ date: dateString, name: holidayName });
const fileEntry = z.union([dateString, namedDate]);

const yearSchema = z.strictObject({
  notice: z.string().optional(),
  holidays: z.array(fileEntry).min(1, 'lists no holidays: add a year only from its published notice'),
  workdays: z.array(fileEntry),
});

type YearData = { holidays: (string | NamedDate)[]; workdays: (string | NamedDate)[] };
const dateOf = (e: string | NamedDate) => (typeof e === 'string' ? e : e.date);

/** The body of `PUT /calendar/{year}`: each date named; `checkYear` then checks it against the year. */
export const calendarYearSchema = z.strictObject({
  holidays: z.array(namedDate).min(1, 'list the year’s holidays: add a year only from its published notice').max(120),
  workdays: z.array(namedDate).max(60),
});

/**
 * What zod's shapes cannot say of one year: dates in that year, no repeats, no date both a holiday and a
 * working day, make-up days on weekends. Returns each problem with the path of the entry it concerns.
 */
export function checkYear(key: string, year: YearData): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const complain = (list: 'holidays' | 'workdays', index: number, message: string) => problems.push({ path: [list, index, 'date'], message });
  const seen = new Map<string, 'holidays' | 'workdays'>();
  for (const list of ['holidays', 'workdays'] as const) {
    year[list].forEach((entry, index) => {
      const date = dateOf(entry);
      const day = dayNumber(date);
      if (day === null) return; // already reported as not a real date
      if (date.slice(0, 4) !== key) complain(list, index, `${date} is not in ${key}: list it under its own year`);
      const earlier = seen.get(date);
      if (earlier === list) complain(list, index, `${date} is listed twice in ${key} ${list}`);
      else if (earlier) complain(list, index, `${date} is in both holidays and workdays of ${key}`);
      seen.set(date, list);
      const weekday = weekdayOf(day);
      if (list === 'workdays' && weekday !== 0 && weekday !== 6)
        complain(list, index, `make-up working day ${date} is a ${WEEKDAYS[weekday]}, not a weekend day`);
    });
  }
  return problems;
}

function checkYears(years: Record<string, YearData>, ctx: z.RefinementCtx): void {
  for (const [key, year] of Object.entries(years)) {
    if (!/^\d{4}$/.test(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `year key ${JSON.stringify(key)} must be four digits, e.g. "2027"` });
      continue;
    }
    for (const p of checkYear(key, year)) ctx.addIssue({ code: 'custom', path: [key, ...p.path.slice(0, 2)], message: p.message });
  }
}

const calendarSchema = z.looseObject(
  {
    source: z.string().optional(),
    years: z
      .record(z.string(), yearSchema, { error: 'must be an object keyed by year: { "2027": { "holidays": [...], "workdays": [...] } }' })
      .superRefine(checkYears),
  },
  { error: 'must be a JSON object with "years"' },
);

/** One year's arrangement, ready for day arithmetic, with the names people read. */
export interface YearTable {
  holidays: Set<number>;
  workdays: Set<number>;
  named: CalendarYear;
}

/** A year's table from its named dates (already checked with `checkYear`). */
export function yearTable(year: YearData): YearTable {
  const name = (e: string | NamedDate) => (typeof e === 'string' ? '' : e.name);
  const named = (list: (string | NamedDate)[]) =>
    list.map((e) => ({ date: dateOf(e), name: name(e) })).sort((a, b) => a.date.localeCompare(b.date));
  return {
    holidays: new Set(year.holidays.map((e) => dayNumber(dateOf(e))!)),
    workdays: new Set(year.workdays.map((e) => dayNumber(dateOf(e))!)),
    named: { holidays: named(year.holidays), workdays: named(year.workdays) },
  };
}

/** Validate calendar data; `origin` names where it came from in the error. */
function parseCalendarData(data: unknown, origin: string): Map<number, YearTable> {
  const result = calendarSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const where = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
      return `${where || '(top level)'}: ${issue.message}`;
    });
    throw new CalendarDataError(`invalid holiday calendar in ${origin}: ${lines.join('; ')}`);
  }
  const tables = new Map<number, YearTable>();
  for (const [key, year] of Object.entries(result.data.years)) tables.set(Number(key), yearTable(year));
  return tables;
}

/**
 * Day arithmetic over `tables`. With `track`, an uncovered year counts Monday–Friday and every year
 * consulted is recorded; without it, an uncovered year throws CalendarMissingError.
 */
function buildCalendar(tables: Map<number, YearTable>, track?: { consulted: Set<number>; provisionalYears: Set<number> }): WorkingCalendar {
  const covered = [...tables.keys()].sort((a, b) => a - b);

  const isWorking = (day: number): boolean => {
    const year = yearOf(day);
    const table = tables.get(year);
    track?.consulted.add(year);
    const weekday = weekdayOf(day);
    if (!table) {
      if (!track) throw new CalendarMissingError(year);
      track.provisionalYears.add(year);
      return weekday !== 0 && weekday !== 6;
    }
    if (table.workdays.has(day)) return true;
    return weekday !== 0 && weekday !== 6 && !table.holidays.has(day);
  };

  const self: WorkingCalendar = {
    years: () => [...covered],
    covers: (year) => tables.has(year),
    year: (year) => tables.get(year)?.named ?? null,
    provisional() {
      // A provisional view keeps recording into its own sets when asked again.
      if (track) return self as ProvisionalCalendar;
      const seen = { consulted: new Set<number>(), provisionalYears: new Set<number>() };
      return Object.assign(buildCalendar(tables, seen), seen);
    },
    isWorkingDay(date) {
      const day = dayNumber(date);
      if (day === null) throw new RangeError(`isWorkingDay: ${JSON.stringify(date)} is not a real YYYY-MM-DD date`);
      return isWorking(day);
    },
    addWorkingDays(from, n) {
      if (!(from instanceof Date) || Number.isNaN(from.getTime())) throw new RangeError('addWorkingDays: from is not a valid Date');
      if (!Number.isSafeInteger(n)) throw new RangeError(`addWorkingDays: n must be an integer, got ${n}`);
      if (n === 0) return new Date(from.getTime());
      const start = cstDayOf(from);
      const startYear = yearOf(start);
      if (!tables.has(startYear)) {
        if (!track) throw new CalendarMissingError(startYear);
        track.consulted.add(startYear);
        track.provisionalYears.add(startYear);
      }
      const step = Math.sign(n);
      let day = start;
      for (let left = Math.abs(n); left > 0; ) {
        day += step;
        if (isWorking(day)) left--;
      }
      // UTC+8 has no daylight saving time, so whole days keep the clock time.
      return new Date(from.getTime() + (day - start) * DAY_MS);
    },
  };
  if (track) Object.assign(self, track);
  return self;
}

/**
 * A calendar from the shipped table, with `extra` (same shape: `{ years: { "2027": { holidays, workdays } } }`)
 * merged over it: a year in `extra` replaces the shipped year whole. Throws CalendarDataError for bad data.
 */
export function loadCalendar(extra?: unknown, extraOrigin = 'extra calendar data'): WorkingCalendar {
  const tables = parseCalendarData(shipped, 'lib/calendar/cn-holidays.json');
  if (extra !== undefined) for (const [year, table] of parseCalendarData(extra, extraOrigin)) tables.set(year, table);
  return buildCalendar(tables);
}

/** `base` with `years` laid over it: a year given here replaces the base's year whole. */
export function overlayCalendar(base: WorkingCalendar, years: Map<number, YearTable>): WorkingCalendar {
  if (years.size === 0) return base;
  const tables = new Map<number, YearTable>();
  for (const y of base.years()) tables.set(y, yearTable(base.year(y)!));
  for (const [y, t] of years) tables.set(y, t);
  return buildCalendar(tables);
}

/** The shipped table merged with HOLIDAY_CALENDAR_FILE when that is set; errors name the file. */
function loadDefault(): WorkingCalendar {
  const file = process.env.HOLIDAY_CALENDAR_FILE;
  if (!file) return loadCalendar();
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CalendarDataError(`HOLIDAY_CALENDAR_FILE ${file}: cannot read it as JSON: ${(err as Error).message}`);
  }
  return loadCalendar(data, `HOLIDAY_CALENDAR_FILE ${file}`);
}

/** The default calendar: the shipped table, with HOLIDAY_CALENDAR_FILE merged over it when set. */
export const calendar: WorkingCalendar = loadDefault();
