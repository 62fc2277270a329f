// The guidance ladder's policy (提醒、预警、督办、约谈): when each rung fires relative to a task's deadline,
// and how long a unit has to answer a supervision order. Pure: the calendar is passed in.
import { z } from 'zod';
import type { WorkingCalendar } from './calendar';
import { parseIsoDuration } from './duration';
import { text } from './input';

/** An offset is an ISO-8601 duration ("P5D", "PT30S") or a count of working days. */
export type Offset = string | { workingDays: number };

export interface LadderPolicy {
  /** Before the deadline: 提醒 to the unit. */
  remindBefore: Offset;
  /** After the deadline: 预警 to the unit and its township. */
  warnAfter: Offset;
  /** After the deadline: 督办, a numbered supervision order. */
  superviseAfter: Offset;
  /** After the order: the time the unit has to answer it before 约谈. */
  orderResponse: Offset;
  /** After an unanswered order: the day proposed for the summons (at 09:30 Beijing time). */
  summonsAfter: Offset;
}

/**
 * The brief's defaults: remind 5 days before, warn at the deadline, supervise 7 days after, 5 working days to
 * answer; the summons is proposed for 3 working days after the answer was due.
 */
export const defaultPolicy: LadderPolicy = { remindBefore: 'P5D', warnAfter: 'PT0S', superviseAfter: 'P7D', orderResponse: { workingDays: 5 }, summonsAfter: { workingDays: 3 } };

const offset = z.union([
  text('short').refine((s) => parseIsoDuration(s) !== null, 'an ISO-8601 duration such as P5D or PT30S'),
  z.object({ workingDays: z.number().int('a whole number of working days').min(0).max(250) }).strict(),
]);
const partialPolicy = z
  .object({ remindBefore: offset, warnAfter: offset, superviseAfter: offset, orderResponse: offset, summonsAfter: offset })
  .partial()
  .strict();

/** A plan's `escalation`: plan-wide settings and per-indicator overrides. */
export const escalationSchema = partialPolicy.extend({ indicators: z.record(text('short', { min: 1, max: 10 }), partialPolicy).optional() }).strict();
export type Escalation = z.infer<typeof escalationSchema>;

/** The policy that applies to one indicator: defaults, then the plan's settings, then the indicator's own. */
export function policyFor(escalation: Escalation, indicator: string): LadderPolicy {
  const { indicators, ...plan } = escalation;
  return { ...defaultPolicy, ...plan, ...(indicators?.[indicator] ?? {}) };
}

/** Move an instant by an offset, forwards (+1) or backwards (-1). */
export function shift(at: Date, by: Offset, direction: 1 | -1, calendar: WorkingCalendar): Date {
  if (typeof by === 'string') return new Date(at.getTime() + direction * parseIsoDuration(by)!);
  return calendar.addWorkingDays(at, direction * by.workingDays);
}

/** When a task's three deadline-relative rungs fire. */
export interface LadderTimes {
  deadline: string;
  remind: string;
  warn: string;
  supervise: string;
  /** Some working day among these was counted Monday–Friday: the year's holidays were not entered yet. */
  provisional?: boolean;
}

export function ladderTimes(policy: LadderPolicy, deadline: Date, calendar: WorkingCalendar): LadderTimes {
  const cal = calendar.provisional();
  const times: LadderTimes = {
    deadline: deadline.toISOString(),
    remind: shift(deadline, policy.remindBefore, -1, cal).toISOString(),
    warn: shift(deadline, policy.warnAfter, 1, cal).toISOString(),
    supervise: shift(deadline, policy.superviseAfter, 1, cal).toISOString(),
  };
  if (cal.provisionalYears.size > 0) times.provisional = true;
  return times;
}

/**
 * A unit's place in a wave's spread (LADDER_SPREAD_MS_PER_UNIT): a fixed offset in [0, units × perUnitMs) derived
 * from the unit's id, the same at every computation, so one unit's rungs stay together while a district's wake-ups
 * for a shared deadline arrive over the spread instead of all at once (a chair's verb queues behind them).
 */
export function spreadOffsetMs(unitId: string, units: number, perUnitMs: number): number {
  if (perUnitMs <= 0 || units <= 1) return 0;
  let hash = 2166136261;
  for (let i = 0; i < unitId.length; i++) hash = Math.imul(hash ^ unitId.charCodeAt(i), 16777619);
  // Ids that differ only in their last characters must still land far apart: mix every bit into the top ones.
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash = (hash ^ (hash >>> 16)) >>> 0;
  return Math.floor((hash / 2 ** 32) * units * perUnitMs);
}

/** The rungs `offsetMs` later, never earlier than the rule; a reminder never past the deadline; the deadline as it is. */
export function spreadLadder(times: LadderTimes, offsetMs: number): LadderTimes {
  if (offsetMs <= 0) return times;
  const later = (iso: string) => new Date(Date.parse(iso) + offsetMs).toISOString();
  const remind = Math.min(Date.parse(times.remind) + offsetMs, Math.max(Date.parse(times.remind), Date.parse(times.deadline)));
  return { ...times, remind: new Date(remind).toISOString(), warn: later(times.warn), supervise: later(times.supervise) };
}

/**
 * A unit's own times for the reminder and warning when its plan has a shared ladder (LADDER_BACKSTOP_MS): the shared
 * ladder fires them for every unit at the rule's time, and the unit's timer comes `backstopMs` after its spread time
 * only to fire what the shared one did not. A time already past at `now` stays as it is (the unit fires it itself,
 * at once), and so does the supervision order, which each unit opens. `rule` is the unspread times, `spread` the
 * unit's place in the spread applied to them.
 */
export function backstopLadder(rule: LadderTimes, spread: LadderTimes, backstopMs: number, now: number): LadderTimes {
  if (backstopMs <= 0) return spread;
  const times = { ...spread };
  for (const rung of sharedRungs) if (Date.parse(rule[rung]) > now) times[rung] = new Date(Date.parse(spread[rung]) + backstopMs).toISOString();
  return times;
}

/** The rungs a plan's shared ladder fires for all its units; the supervision order stays with each unit. */
export const sharedRungs = ['remind', 'warn'] as const;

/** When an order issued at `issuedAt` must be answered. */
export const orderDue = (policy: LadderPolicy, issuedAt: Date, calendar: WorkingCalendar) => shift(issuedAt, policy.orderResponse, 1, calendar);

/** The proposed time of a summons decided at `at`: `summonsAfter` later, at 09:30 Beijing time that day. */
export function summonsTime(policy: LadderPolicy, at: Date, calendar: WorkingCalendar): Date {
  const day = shift(at, policy.summonsAfter, 1, calendar);
  const beijingDate = new Date(day.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  return new Date(`${beijingDate}T09:30:00+08:00`);
}

/** Everything the ladder will compute for a deadline if the unit never answers, as people are shown it. */
export interface LadderOutlook extends LadderTimes {
  /** When an order issued at the supervise rung must be answered. */
  answerBy: string;
  /** When the summons would be held if that answer never came. */
  summonsAt: string;
  provisional: boolean;
  /** Years counted Monday–Friday because their holidays are not entered yet. */
  provisionalYears: number[];
  /** Every year whose working days these times depend on. */
  consultedYears: number[];
}

/**
 * The whole ladder for a deadline, order answer and summons included. Never refuses: a year whose holidays
 * are not entered is counted Monday–Friday and named in `provisionalYears`.
 */
export function ladderOutlook(policy: LadderPolicy, deadline: Date, calendar: WorkingCalendar): LadderOutlook {
  const cal = calendar.provisional();
  const times = ladderTimes(policy, deadline, cal);
  const answerBy = orderDue(policy, new Date(times.supervise), cal);
  const summonsAt = summonsTime(policy, answerBy, cal);
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return {
    ...times,
    answerBy: answerBy.toISOString(),
    summonsAt: summonsAt.toISOString(),
    provisional: cal.provisionalYears.size > 0,
    provisionalYears: sorted(cal.provisionalYears),
    consultedYears: sorted(cal.consulted),
  };
}
