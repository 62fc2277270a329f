// One rule for text, numbers and instants at every edge, as zod schemas: the API's request bodies, multipart fields
// and headers. The rules themselves live in lib/rules.ts, which the unit workflow's update validators read without
// zod (workflow code must not import this module), so the workflow can never accept what PostgreSQL would refuse.
import { z } from 'zod';
import { instantProblem, maxInt, textLengthMessages, textProblem, textRule, uuidPattern, type FieldRule, type FieldRules, type TextKind, type TextOptions } from './rules';

export {
  beijingYear,
  checkFields,
  instantBounds,
  instantProblem,
  maxCount,
  maxInt,
  planDateProblem,
  planYearWindow,
  textMax,
  textProblem,
  type FieldRule,
  type FieldRules,
  type TextKind,
  type TextOptions,
} from './rules';

/**
 * A text field: refuses NUL, lone surrogates and C0 controls (tab, CR and LF only where multiline),
 * normalises to NFC, trims surrounding white space, and bounds the length by kind.
 */
export function text(kind: TextKind, options: TextOptions = {}) {
  const { max, min, multiline, trim } = textRule(kind, options);
  let schema = z
    .string()
    .superRefine((value, ctx) => {
      const problem = textProblem(value, { multiline });
      if (problem) ctx.addIssue({ code: 'custom', message: problem, abort: true });
    })
    .normalize('NFC');
  if (trim) schema = schema.trim();
  if (min > 0) schema = schema.min(min, textLengthMessages.min(min));
  return schema.max(max, textLengthMessages.max(max));
}

/** The same rule for a value outside zod (a header, a multipart file name): the problem, or null. */
export function checkText(value: string, kind: TextKind, options: TextOptions = {}): { value: string } | { problem: string } {
  const result = text(kind, options).safeParse(value);
  return result.success ? { value: result.data } : { problem: result.error.issues[0]!.message };
}

/** `Idempotency-Key`: 1 to 200 letters, digits, `.`, `_`, `:` or `-` (it becomes part of a Temporal update id). */
export const idempotencyKey = z.string().regex(/^[\w.:-]{1,200}$/, 'Idempotency-Key: 1 to 200 letters, digits, . _ : -');

/** A whole number from 0 up to `max` (default PostgreSQL's integer). */
export const wholeNumber = (max = maxInt) => z.number().int('must be a whole number').min(0, 'must be 0 or more').max(max, `at most ${max}`);
/** A positive whole number for versions and revisions. */
export const positiveInt = (max = maxInt) => z.number().int('must be a whole number').min(1, 'must be 1 or more').max(max, `at most ${max}`);

/** An ISO-8601 date-time with its offset, within 2000–2100 (zod's format for the API document, then our rule). */
export const instant = () =>
  z.iso.datetime({ offset: true }).superRefine((value, ctx) => {
    const problem = instantProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

type Base<R extends FieldRule> = R extends { type: 'text' }
  ? ReturnType<typeof text>
  : R extends { type: 'number' }
    ? z.ZodNumber
    : R extends { type: 'boolean' }
      ? z.ZodBoolean
      : R extends { type: 'choice'; values: infer V extends readonly [string, ...string[]] }
        ? z.ZodEnum<{ [K in V[number]]: K }>
        : R extends { type: 'ids' }
          ? z.ZodArray<z.ZodString>
          : ReturnType<typeof instant>;
/** The zod type of a field rule. */
export type ZodOf<R extends FieldRule> = R extends { optional: true } ? z.ZodOptional<Base<R>> : Base<R>;

/** The zod schema of one field rule: what the API parses with, from the rule the workflow checks with. */
export function zodField<R extends FieldRule>(rule: R): ZodOf<R> {
  const schema = (() => {
    switch (rule.type) {
      case 'text':
        return text(rule.kind, rule.options);
      case 'number': {
        let n = z.number();
        if (rule.min !== undefined) n = n.min(rule.min);
        if (rule.max !== undefined) n = n.max(rule.max);
        return n;
      }
      case 'boolean':
        return z.boolean();
      case 'choice':
        return z.enum(rule.values);
      case 'ids':
        return z.array(z.string().regex(uuidPattern, 'must be an id (UUID)')).max(rule.max);
      case 'instant':
        return instant();
    }
  })();
  return (rule.optional ? schema.optional() : schema) as ZodOf<R>;
}

/** The zod schemas of a set of field rules, field by field (spread them into a z.object). */
export function zodFields<R extends FieldRules>(rules: R): { [K in keyof R]: ZodOf<R[K]> } {
  return Object.fromEntries(Object.entries(rules).map(([field, rule]) => [field, zodField(rule)])) as { [K in keyof R]: ZodOf<R[K]> };
}
