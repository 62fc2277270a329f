// One rule for text, numbers and instants at every edge: the API's zod schemas, multipart fields and
// headers, and the unit workflow's update validators all use these definitions, so the workflow can
// never accept what PostgreSQL would refuse.
// Pure and deterministic (no Node built-ins, no clock): workflow code imports this module.
import { z } from 'zod';

/** The longest text each kind of field takes, in UTF-16 code units after NFC normalisation. */
export const textMax = {
  /** A person's or an org's name, a plan title, who is responsible. */
  name: 100,
  /** A plan's title. */
  title: 200,
  /** A login, a department, a short code. */
  short: 64,
  /** A search or filter term in a query string. */
  query: 100,
  /** Why a task is returned, exits or is extended. */
  reason: 2000,
  /** A note on a report, a message added to a notice. */
  note: 2000,
  /** An answer to an order, a summons outcome, a catalogue description. */
  long: 4000,
  /** A password (never stored as text, but still text on the wire). */
  secret: 200,
} as const;
export type TextKind = keyof typeof textMax;

// C0 control characters except tab (U+0009), LF (U+000A) and CR (U+000D); U+0000 is reported on its own.
const controls = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const lineBreaks = /[\t\n\r]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a string's characters, or null: NUL, lone surrogates, control characters, line breaks in one-line fields. */
export function textProblem(value: string, options: { multiline?: boolean } = {}): string | null {
  if (value.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (loneSurrogate.test(value)) return 'contains a lone surrogate: not valid Unicode text';
  const control = controls.exec(value);
  if (control) return `contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (!options.multiline && lineBreaks.test(value)) return 'must be a single line (no tab or line break)';
  return null;
}

export interface TextOptions {
  /** Fewest characters after trimming (default 0; names default to 1). */
  min?: number;
  /** Tabs and line breaks allowed (notes, reasons, answers). */
  multiline?: boolean;
  /** Override the kind's maximum. */
  max?: number;
}

/**
 * A text field: refuses NUL, lone surrogates and C0 controls (tab, CR and LF only where multiline),
 * normalises to NFC, trims surrounding white space, and bounds the length by kind.
 */
export function text(kind: TextKind, options: TextOptions = {}) {
  const max = options.max ?? textMax[kind];
  const min = options.min ?? (kind === 'name' || kind === 'title' ? 1 : 0);
  const multiline = options.multiline ?? (kind === 'reason' || kind === 'note' || kind === 'long');
  let schema = z
    .string()
    .superRefine((value, ctx) => {
      const problem = textProblem(value, { multiline });
      if (problem) ctx.addIssue({ code: 'custom', message: problem, abort: true });
    })
    .normalize('NFC');
  if (kind !== 'secret') schema = schema.trim();
  if (min > 0) schema = schema.min(min, min === 1 ? 'must not be empty' : `at least ${min} characters`);
  return schema.max(max, `at most ${max} characters`);
}

/** The same rule for a value outside zod (a header, a multipart file name): the problem, or null. */
export function checkText(value: string, kind: TextKind, options: TextOptions = {}): { value: string } | { problem: string } {
  const result = text(kind, options).safeParse(value);
  return result.success ? { value: result.data } : { problem: result.error.issues[0]!.message };
}

/** `Idempotency-Key`: 1 to 200 letters, digits, `.`, `_`, `:` or `-` (it becomes part of a Temporal update id). */
export const idempotencyKey = z.string().regex(/^[\w.:-]{1,200}$/, 'Idempotency-Key: 1 to 200 letters, digits, . _ : -');

/** Largest count an indicator takes in a year (events, persons, reports): beyond it is a typing slip. */
export const maxCount = 100_000;
/** Largest id-like integer (versions, revisions): PostgreSQL's integer. */
export const maxInt = 2_147_483_647;

/** A whole number from 0 up to `max` (default PostgreSQL's integer). */
export const wholeNumber = (max = maxInt) => z.number().int('must be a whole number').min(0, 'must be 0 or more').max(max, `at most ${max}`);
/** A positive whole number for versions and revisions. */
export const positiveInt = (max = maxInt) => z.number().int('must be a whole number').min(1, 'must be 1 or more').max(max, `at most ${max}`);

/** Earliest and latest instant the API takes at all; plan-bound fields are checked against the plan's year too. */
export const instantBounds = { from: Date.UTC(2000, 0, 1), to: Date.UTC(2101, 0, 1) } as const;

/** An ISO-8601 date-time with its offset, within 2000–2100. */
export const instant = () =>
  z.iso.datetime({ offset: true }).refine((v) => {
    const t = Date.parse(v);
    return t >= instantBounds.from && t < instantBounds.to;
  }, 'must lie between 2000 and 2100');

/** Beijing calendar year of an instant. */
export const beijingYear = (at: number) => new Date(at + 8 * 3600_000).getUTCFullYear();

/** Years before and after the plan's year that its dates may fall in. */
export const planYearWindow = { before: 1, after: 2 } as const;

/**
 * Dates tied to a plan lie from the start of the year before the plan's year to the end of the second
 * year after it (Beijing time): room for long extensions (a unit being restructured), none for a
 * typing slip such as 2405.
 */
export function planDateProblem(iso: string, planYear: number): string | null {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'not a date-time';
  const year = beijingYear(t);
  const from = planYear - planYearWindow.before;
  const to = planYear + planYearWindow.after;
  if (year < from || year > to) return `must lie within ${from}–${to}, around the plan's year ${planYear}`;
  return null;
}
