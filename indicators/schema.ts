import { z } from 'zod';
import { text } from '../lib/input';
import { BANDS, CATEGORY_CODES } from './codes';
import { sizeClassSchema } from './size-class';

export { sizeClassSchema, sizeClassOf, type SizeClass } from './size-class';

// Pure data shapes for the 建家 catalogue. No I/O: workflows import this module.
// Objects are strict so a mistyped key in a district edit (e.g. `bySizeclass`) is an error, not a silently ignored override.

/** The five categories (五大指数): 红色 red, 规范 standardised, 活力 vitality, 温暖 warmth, 和谐 harmony. */
export const categoryCodeSchema = z.enum(CATEGORY_CODES);
export type CategoryCode = z.infer<typeof categoryCodeSchema>;
export { CATEGORY_CODES };

export const unitTypeSchema = z.enum(['enterprise', 'joint_regional', 'joint_trade', 'institution', 'new_employment']);
export type UnitType = z.infer<typeof unitTypeSchema>;

/** Whose task an indicator is (界定区、镇（街）、基层三级工会工作职责). */
export const dutySchema = z.enum(['grassroots', 'township']);
export type Duty = z.infer<typeof dutySchema>;

export const measureTypeSchema = z.enum(['boolean', 'rate', 'count']);
export type MeasureType = z.infer<typeof measureTypeSchema>;

export const frequencySchema = z.enum(['yearly', 'half_yearly', 'quarterly', 'monthly']);
export type Frequency = z.infer<typeof frequencySchema>;

/** Index bands, lowest first; the order is the ranking (see bandRank in scoring). */
export const bandSchema = z.enum(BANDS);
export type Band = z.infer<typeof bandSchema>;

export const localisedTextSchema = z.strictObject({
  zh: text('long').min(1, 'Chinese text is required'),
  en: text('long').min(1, 'English text is required'),
});
export type LocalisedText = z.infer<typeof localisedTextSchema>;

export const categorySchema = z.strictObject({
  code: categoryCodeSchema,
  name: localisedTextSchema,
  weight: z.number().nonnegative('a category weight must be ≥ 0'),
});
export type Category = z.infer<typeof categorySchema>;

/** Rate scoring bands used when an indicator does not set its own: 70% within 10pp of target, 40% within 20pp. */
export const DEFAULT_RATE_BANDS: readonly RateBand[] = Object.freeze([
  Object.freeze({ withinPp: 10, share: 0.7 }),
  Object.freeze({ withinPp: 20, share: 0.4 }),
]);

export const rateBandSchema = z.strictObject({
  withinPp: z.number().positive('withinPp must be > 0 percentage points'),
  share: z.number().gt(0, 'a band share must be in (0, 1]').lte(1, 'a band share must be in (0, 1]'),
});
export type RateBand = z.infer<typeof rateBandSchema>;

const rateBandsSchema = z
  .array(rateBandSchema)
  .superRefine((bands, ctx) => {
    bands.forEach((band, i) => {
      const before = bands[i - 1];
      if (!before) return;
      if (!(band.withinPp > before.withinPp))
        ctx.addIssue({ code: 'custom', path: [i, 'withinPp'], message: 'bands must have increasing withinPp' });
      if (!(band.share < before.share))
        ctx.addIssue({ code: 'custom', path: [i, 'share'], message: 'bands must have decreasing shares' });
    });
  })
  .default(() => DEFAULT_RATE_BANDS.map((band) => ({ ...band })));

export const scoringSchema = z.discriminatedUnion('rule', [
  z.strictObject({ rule: z.literal('boolean') }),
  z.strictObject({ rule: z.literal('banded_rate'), bands: rateBandsSchema }),
  z.strictObject({ rule: z.literal('ratio_count') }),
]);
export type Scoring = z.infer<typeof scoringSchema>;
export type ScoringRule = Scoring['rule'];

/** The only scoring rule that fits each kind of measure. */
export const RULE_FOR_MEASURE: Readonly<Record<MeasureType, ScoringRule>> = {
  boolean: 'boolean',
  rate: 'banded_rate',
  count: 'ratio_count',
};

// Range checks depend on the measure type, so they live in the indicator refinement below.
const targetValueSchema = z.number();

/** Targets "not one size for all" (不搞一刀切): a default, refined by unit type and size class, and a township value. */
export const targetsSchema = z.strictObject({
  default: targetValueSchema,
  byUnitType: z.partialRecord(unitTypeSchema, targetValueSchema).optional(),
  bySizeClass: z.partialRecord(sizeClassSchema, targetValueSchema).optional(),
  township: targetValueSchema.optional(),
});
export type Targets = z.infer<typeof targetsSchema>;

export const INDICATOR_CODE_PATTERN = /^(HS|GF|HL|WN|HX)-\d{2}$/;

export const indicatorSchema = z
  .strictObject({
    code: z.string().regex(INDICATOR_CODE_PATTERN, 'code must be a category code, a dash and two digits, e.g. HL-03'),
    category: categoryCodeSchema,
    name: localisedTextSchema,
    description: localisedTextSchema,
    department: text('short', { max: 50 }).min(1, 'the owning department is required'),
    duty: dutySchema,
    measure: z.strictObject({ type: measureTypeSchema, unit: localisedTextSchema }),
    scoring: scoringSchema,
    targets: targetsSchema,
    points: z.number().positive('points must be > 0').max(100, 'points must be ≤ 100'),
    gate: z.boolean(),
    evidence: z.strictObject({ required: z.boolean(), kinds: z.array(text('short', { min: 1 })).max(20) }),
    frequency: frequencySchema,
    twoTier: z.boolean(),
  })
  .superRefine((indicator, ctx) => {
    const prefix = indicator.code.slice(0, 2);
    if (INDICATOR_CODE_PATTERN.test(indicator.code) && prefix !== indicator.category)
      ctx.addIssue({ code: 'custom', path: ['code'], message: `code prefix ${prefix} must equal the category ${indicator.category}` });

    const expectedRule = RULE_FOR_MEASURE[indicator.measure.type];
    if (expectedRule && indicator.scoring.rule !== expectedRule)
      ctx.addIssue({
        code: 'custom',
        path: ['scoring', 'rule'],
        message: `a ${indicator.measure.type} measure must be scored by the ${expectedRule} rule, not ${indicator.scoring.rule}`,
      });

    for (const [path, value] of targetEntries(indicator.targets)) {
      const problem = targetProblem(indicator.measure.type, value);
      if (problem) ctx.addIssue({ code: 'custom', path: ['targets', ...path], message: problem });
    }

    if (indicator.evidence.required && indicator.evidence.kinds.length === 0)
      ctx.addIssue({ code: 'custom', path: ['evidence', 'kinds'], message: 'required evidence must name at least one kind' });
  });
export type Indicator = z.infer<typeof indicatorSchema>;

function targetEntries(targets: Targets): [path: string[], value: number][] {
  const entries: [string[], number][] = [[['default'], targets.default]];
  for (const [key, value] of Object.entries(targets.byUnitType ?? {})) entries.push([['byUnitType', key], value]);
  for (const [key, value] of Object.entries(targets.bySizeClass ?? {})) entries.push([['bySizeClass', key], value]);
  if (targets.township !== undefined) entries.push([['township'], targets.township]);
  return entries;
}

function targetProblem(type: MeasureType, value: number): string | undefined {
  switch (type) {
    case 'boolean':
      return value === 1 ? undefined : 'a boolean target must be 1 (yes)';
    case 'rate':
      return value >= 0 && value <= 100 ? undefined : 'a rate target must be between 0 and 100';
    case 'count':
      return Number.isInteger(value) && value >= 0 ? undefined : 'a count target must be a whole number ≥ 0';
    default:
      return undefined; // an unknown measure type is already reported on measure.type
  }
}

export const catalogueSchema = z
  .strictObject({
    categories: z.array(categorySchema),
    indicators: z.array(indicatorSchema),
  })
  .superRefine((catalogue, ctx) => {
    const seenCategories = new Map<string, number>();
    catalogue.categories.forEach((category, i) => {
      const first = seenCategories.get(category.code);
      if (first === undefined) seenCategories.set(category.code, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['categories', i, 'code'],
          message: `category ${category.code} appears more than once (first at categories[${first}])`,
        });
    });
    for (const code of CATEGORY_CODES)
      if (!seenCategories.has(code)) ctx.addIssue({ code: 'custom', path: ['categories'], message: `category ${code} is missing` });
    if (catalogue.categories.length > 0 && catalogue.categories.every((category) => category.weight === 0))
      ctx.addIssue({ code: 'custom', path: ['categories'], message: 'at least one category weight must be > 0' });

    const seenCodes = new Map<string, number>();
    catalogue.indicators.forEach((indicator, i) => {
      const first = seenCodes.get(indicator.code);
      if (first === undefined) seenCodes.set(indicator.code, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['indicators', i, 'code'],
          message: `duplicate indicator code ${indicator.code} (first at indicators[${first}])`,
        });
    });
    for (const code of CATEGORY_CODES)
      if (!catalogue.indicators.some((indicator) => indicator.category === code))
        ctx.addIssue({ code: 'custom', path: ['indicators'], message: `category ${code} has no indicators` });
  });
export type Catalogue = z.infer<typeof catalogueSchema>;

/** One problem in a catalogue draft, addressed so an editor can point at the field. */
export type CatalogueError = { path: string; indicator?: string; message: string };

export type CatalogueValidation = { ok: true; catalogue: Catalogue } | { ok: false; errors: CatalogueError[] };

/** Validate a catalogue draft; on failure list every problem with its path and indicator code. */
export function validateCatalogue(input: unknown): CatalogueValidation {
  const result = catalogueSchema.safeParse(input);
  if (result.success) return { ok: true, catalogue: result.data };
  const errors = result.error.issues.map((issue): CatalogueError => {
    const indicator = indicatorCodeAt(input, issue.path);
    const error: CatalogueError = { path: formatPath(issue.path), message: issue.message };
    return indicator === undefined ? error : { ...error, indicator };
  });
  return { ok: false, errors };
}

/** One line for a person, e.g. "HL-03: targets.default: a rate target must be between 0 and 100". */
export function describeCatalogueError(error: CatalogueError): string {
  if (error.indicator === undefined) return `${error.path || 'catalogue'}: ${error.message}`;
  const within = error.path.replace(/^indicators\[\d+\]\.?/, '');
  return within ? `${error.indicator}: ${within}: ${error.message}` : `${error.indicator}: ${error.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

// Reads the code from the raw input, since the failing draft never became a Catalogue.
function indicatorCodeAt(input: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'indicators' || typeof path[1] !== 'number') return undefined;
  if (typeof input !== 'object' || input === null) return undefined;
  const indicators = (input as { indicators?: unknown }).indicators;
  if (!Array.isArray(indicators)) return undefined;
  const item: unknown = indicators[path[1]];
  if (typeof item !== 'object' || item === null) return undefined;
  const code = (item as { code?: unknown }).code;
  return typeof code === 'string' && code.length > 0 ? code : undefined;
}
