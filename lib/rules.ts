// The input rules themselves, free of zod: what a text, a number, an instant or an id must be. The unit workflow
// checks its verbs' fields with these (checkFields); the API builds its zod schemas from the same rules
// (lib/input.ts), so the workflow can never accept what the API or PostgreSQL would refuse.
// Why no zod here: each workflow in a worker thread evaluates the modules it imports for itself; with zod among them a
// workflow instance cost 785 KiB and 13 ms of CPU to create or replay, without it 48 KiB and 1.1 ms (bench:instance).
// Pure and deterministic (no Node built-ins, no clock): workflow code imports this module.

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

export interface TextOptions {
  /** Fewest characters after trimming (default 0; names default to 1). */
  min?: number;
  /** Tabs and line breaks allowed (notes, reasons, answers). */
  multiline?: boolean;
  /** Override the kind's maximum. */
  max?: number;
}

/** A text rule with its defaults filled in: what both the zod schema and checkFields apply. */
export function textRule(kind: TextKind, options: TextOptions = {}) {
  return {
    max: options.max ?? textMax[kind],
    min: options.min ?? (kind === 'name' || kind === 'title' ? 1 : 0),
    multiline: options.multiline ?? (kind === 'reason' || kind === 'note' || kind === 'long'),
    // A password keeps its surrounding spaces; every other text loses them.
    trim: kind !== 'secret',
  };
}

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

/** The length bounds of a text after normalising, as messages: shared by the zod schema and checkFields. */
export const textLengthMessages = {
  min: (min: number) => (min === 1 ? 'must not be empty' : `at least ${min} characters`),
  max: (max: number) => `at most ${max} characters`,
};

/** Largest count an indicator takes in a year (events, persons, reports): beyond it is a typing slip. */
export const maxCount = 100_000;
/** Largest id-like integer (versions, revisions): PostgreSQL's integer. */
export const maxInt = 2_147_483_647;

/** Earliest and latest instant the API takes at all; plan-bound fields are checked against the plan's year too. */
export const instantBounds = { from: Date.UTC(2000, 0, 1), to: Date.UTC(2101, 0, 1) } as const;
export const instantBoundsMessage = 'must lie between 2000 and 2100';

// An ISO-8601 date-time to the second (any fraction of it) with an offset, Z or ±hh:mm.
const instantShape = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** What is wrong with an instant, or null: not ISO-8601 with an offset, not a real date or time, outside 2000–2100. */
export function instantProblem(value: string): string | null {
  const m = instantShape.exec(value);
  if (!m) return 'must be an ISO-8601 date-time with its offset, e.g. 2026-06-30T18:00:00+08:00';
  // An offset of Z leaves its two groups empty: Number(undefined ?? 0).
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = m.slice(1).map((x) => Number(x ?? 0));
  const days = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > days || hour! > 23 || minute! > 59 || second! > 59 || offsetHours! > 23 || offsetMinutes! > 59) {
    return 'not a real date and time';
  }
  const t = Date.parse(value);
  return t >= instantBounds.from && t < instantBounds.to ? null : instantBoundsMessage;
}

/** An id as the API hands them out (RFC 9562 UUID). */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

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

// ---- Fields: one rule each, read by the API's zod schemas (lib/input.ts zodField) and by checkFields ----

export type FieldRule = (
  | { type: 'text'; kind: TextKind; options?: TextOptions }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'boolean' }
  | { type: 'choice'; values: readonly [string, ...string[]] }
  | { type: 'ids'; max: number }
  | { type: 'instant' }
) & { optional?: boolean };

export type FieldRules = Record<string, FieldRule>;

/** What is wrong with one value under its rule, or null. */
export function fieldProblem(rule: FieldRule, value: unknown): string | null {
  if (value === undefined) return rule.optional ? null : 'required';
  switch (rule.type) {
    case 'text': {
      if (typeof value !== 'string') return 'must be text';
      const r = textRule(rule.kind, rule.options);
      const problem = textProblem(value, r);
      if (problem) return problem;
      const normal = value.normalize('NFC');
      const length = (r.trim ? normal.trim() : normal).length;
      if (length < r.min) return textLengthMessages.min(r.min);
      return length > r.max ? textLengthMessages.max(r.max) : null;
    }
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (rule.min !== undefined && value < rule.min) return `must be ${rule.min} or more`;
      return rule.max !== undefined && value > rule.max ? `at most ${rule.max}` : null;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'choice':
      return typeof value === 'string' && rule.values.includes(value) ? null : `must be one of ${rule.values.join(', ')}`;
    case 'ids':
      if (!Array.isArray(value)) return 'must be a list of ids';
      if (value.length > rule.max) return `at most ${rule.max} ids`;
      return value.every((id) => typeof id === 'string' && uuidPattern.test(id)) ? null : 'must be a list of ids (UUIDs)';
    case 'instant':
      return typeof value === 'string' ? instantProblem(value) : 'must be an ISO-8601 date-time';
  }
}

/** The first field of `input` its rule refuses, with the message, or null; fields without a rule are ignored. */
export function checkFields(rules: FieldRules, input: Record<string, unknown>): { field: string; message: string } | null {
  for (const [field, rule] of Object.entries(rules)) {
    const message = fieldProblem(rule, input[field]);
    if (message) return { field, message };
  }
  return null;
}
