import { describe, it, expect } from 'vitest';
import {
  CATEGORY_CODES,
  defaultCatalogue,
  describeCatalogueError,
  sizeClassOf,
  validateCatalogue,
  type Catalogue,
  type Indicator,
} from '../../indicators';

const CODES = [
  'HS-01', 'HS-02', 'HS-03', 'HS-04',
  'GF-01', 'GF-02', 'GF-03', 'GF-04', 'GF-05',
  'HL-01', 'HL-02', 'HL-03', 'HL-04', 'HL-05',
  'WN-01', 'WN-02', 'WN-03', 'WN-04',
  'HX-01', 'HX-02', 'HX-03', 'HX-04', 'HX-05',
];
const GATES = ['HS-01', 'GF-01', 'GF-04', 'HX-01', 'HX-04'];

/** An editable copy of the default catalogue, as a district editor would start from. */
function draft(): Catalogue {
  return structuredClone(defaultCatalogue) as Catalogue;
}

function indexOf(catalogue: Catalogue, code: string): number {
  const index = catalogue.indicators.findIndex((indicator) => indicator.code === code);
  if (index < 0) throw new Error(`no indicator ${code}`);
  return index;
}

function at(catalogue: Catalogue, code: string): Indicator {
  return catalogue.indicators[indexOf(catalogue, code)] as Indicator;
}

function errorsOf(input: unknown) {
  const result = validateCatalogue(input);
  if (result.ok) throw new Error('expected the draft to be rejected');
  return result.errors;
}

describe('default catalogue', () => {
  it('holds exactly the 23 indicators of the brief, in order', () => {
    expect(defaultCatalogue.indicators.map((indicator) => indicator.code)).toEqual(CODES);
  });

  it('has each of the five categories exactly once, with at least one indicator each', () => {
    expect(defaultCatalogue.categories.map((category) => category.code)).toEqual(['HS', 'GF', 'HL', 'WN', 'HX']);
    for (const code of CATEGORY_CODES)
      expect(defaultCatalogue.indicators.some((indicator) => indicator.category === code)).toBe(true);
  });

  it('awards 100 points in all', () => {
    expect(defaultCatalogue.indicators.reduce((sum, indicator) => sum + indicator.points, 0)).toBe(100);
  });

  it('weighs each category by its share of the points, summing to 100', () => {
    const weights = Object.fromEntries(defaultCatalogue.categories.map((category) => [category.code, category.weight]));
    expect(weights).toEqual({ HS: 20, GF: 22, HL: 20, WN: 16, HX: 22 });
  });

  it('marks exactly the five gate indicators as gates, and only they need district confirmation', () => {
    expect(defaultCatalogue.indicators.filter((indicator) => indicator.gate).map((indicator) => indicator.code)).toEqual(GATES);
    expect(defaultCatalogue.indicators.filter((indicator) => indicator.twoTier).map((indicator) => indicator.code)).toEqual(GATES);
  });

  it('keeps the default targets and points of the brief', () => {
    const c = defaultCatalogue;
    expect(at(c, 'GF-03').targets.default).toBe(90);
    expect(at(c, 'GF-05').targets.default).toBe(95);
    expect(at(c, 'WN-01').targets.default).toBe(100);
    expect(at(c, 'HS-02').targets.default).toBe(4);
    expect(at(c, 'HS-01').points).toBe(6);
    expect(at(c, 'WN-04').points).toBe(3);
    expect(at(c, 'HX-01').measure.type).toBe('count');
    expect(at(c, 'HX-04').measure.type).toBe('boolean');
  });

  it('makes every indicator a grassroots duty with an owning department and a Chinese description', () => {
    for (const indicator of defaultCatalogue.indicators) {
      expect(indicator.duty).toBe('grassroots');
      expect(indicator.department).toMatch(/部|办/);
      expect(indicator.description.zh).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('lowers targets for small and hard-to-organise units, never raising one above its default', () => {
    expect(at(defaultCatalogue, 'HS-02').targets.bySizeClass?.micro).toBe(2);
    expect(at(defaultCatalogue, 'HL-02').targets.bySizeClass?.micro).toBe(2);
    expect(at(defaultCatalogue, 'HX-02').targets.bySizeClass?.micro).toBe(2);
    expect(at(defaultCatalogue, 'HX-02').targets.byUnitType?.new_employment).toBe(2);
    let overrides = 0;
    for (const { targets } of defaultCatalogue.indicators)
      for (const value of [...Object.values(targets.byUnitType ?? {}), ...Object.values(targets.bySizeClass ?? {})]) {
        overrides += 1;
        expect(value).toBeLessThanOrEqual(targets.default);
      }
    expect(overrides).toBeGreaterThanOrEqual(5);
  });

  it('is frozen, so one caller cannot change the catalogue under another', () => {
    expect(() => {
      (at(defaultCatalogue, 'GF-03').targets as { default: number }).default = 10;
    }).toThrow(TypeError);
    expect(at(defaultCatalogue, 'GF-03').targets.default).toBe(90);
  });
});

describe('validateCatalogue', () => {
  it('accepts the default catalogue unchanged', () => {
    const result = validateCatalogue(draft());
    expect(result).toEqual({ ok: true, catalogue: defaultCatalogue });
  });

  it('rejects a rate target of 150, naming the indicator and the path', () => {
    const input = draft();
    const index = indexOf(input, 'HL-03');
    at(input, 'HL-03').targets.default = 150;
    const errors = errorsOf(input);
    expect(errors).toEqual([
      { path: `indicators[${index}].targets.default`, indicator: 'HL-03', message: 'a rate target must be between 0 and 100' },
    ]);
    expect(describeCatalogueError(errors[0] as (typeof errors)[number])).toBe(
      'HL-03: targets.default: a rate target must be between 0 and 100',
    );
  });

  it('rejects an out-of-range override target by size class', () => {
    const input = draft();
    at(input, 'GF-03').targets.bySizeClass = { micro: -5 };
    expect(errorsOf(input)).toEqual([
      expect.objectContaining({ indicator: 'GF-03', path: expect.stringMatching(/\.targets\.bySizeClass\.micro$/) }),
    ]);
  });

  it('rejects duplicate indicator codes, pointing at the second one', () => {
    const input = draft();
    const second = indexOf(input, 'HL-03');
    at(input, 'HL-03').code = 'HL-02';
    const errors = errorsOf(input);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: `indicators[${second}].code`, indicator: 'HL-02' });
    expect(errors[0]?.message).toMatch(/duplicate indicator code HL-02/);
  });

  it('rejects a catalogue with a category missing', () => {
    const input = draft();
    input.categories = input.categories.filter((category) => category.code !== 'WN');
    expect(errorsOf(input)).toEqual([{ path: 'categories', message: 'category WN is missing' }]);
  });

  it('rejects a category listed twice', () => {
    const input = draft();
    input.categories.push(structuredClone(input.categories[0] as Catalogue['categories'][number]));
    expect(errorsOf(input)[0]).toMatchObject({ path: 'categories[5].code' });
  });

  it('rejects a category with no indicators', () => {
    const input = draft();
    input.indicators = input.indicators.filter((indicator) => indicator.category !== 'WN');
    expect(errorsOf(input)).toEqual([{ path: 'indicators', message: 'category WN has no indicators' }]);
  });

  it('rejects a code whose prefix is not its category', () => {
    const input = draft();
    at(input, 'HL-05').code = 'HX-09';
    expect(errorsOf(input)).toEqual([expect.objectContaining({ indicator: 'HX-09', message: expect.stringMatching(/prefix HX/) })]);
  });

  it('rejects a measure scored by the wrong rule', () => {
    const input = draft();
    at(input, 'GF-03').scoring = { rule: 'ratio_count' };
    expect(errorsOf(input)).toEqual([
      expect.objectContaining({ indicator: 'GF-03', path: expect.stringMatching(/\.scoring\.rule$/) }),
    ]);
  });

  it('rejects a boolean target other than 1 and a fractional count target', () => {
    const input = draft();
    at(input, 'GF-01').targets.default = 2;
    at(input, 'HL-02').targets.default = 2.5;
    const messages = errorsOf(input).map(describeCatalogueError);
    expect(messages).toEqual([
      'GF-01: targets.default: a boolean target must be 1 (yes)',
      'HL-02: targets.default: a count target must be a whole number ≥ 0',
    ]);
  });

  it('rejects bands that do not widen and fall', () => {
    const input = draft();
    at(input, 'GF-03').scoring = { rule: 'banded_rate', bands: [{ withinPp: 10, share: 0.4 }, { withinPp: 5, share: 0.7 }] };
    const messages = errorsOf(input).map((error) => error.message);
    expect(messages).toEqual(['bands must have increasing withinPp', 'bands must have decreasing shares']);
  });

  it('rejects zero points and a mistyped key rather than ignoring them', () => {
    const input = draft() as unknown as { indicators: Record<string, unknown>[] };
    (input.indicators[0] as Record<string, unknown>).points = 0;
    (input.indicators[1]?.targets as Record<string, unknown>).bySizeclass = { micro: 1 };
    const paths = errorsOf(input).map((error) => error.path);
    expect(paths).toEqual(['indicators[0].points', 'indicators[1].targets']);
  });

  it('fills in the default rate bands when a rate indicator omits them', () => {
    const input = draft() as unknown as { indicators: { code: string; scoring: unknown }[] };
    const gf03 = input.indicators.find((indicator) => indicator.code === 'GF-03');
    if (gf03) gf03.scoring = { rule: 'banded_rate' };
    const result = validateCatalogue(input);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(at(result.catalogue, 'GF-03').scoring).toEqual({
      rule: 'banded_rate',
      bands: [{ withinPp: 10, share: 0.7 }, { withinPp: 20, share: 0.4 }],
    });
  });

  it('accepts an indicator that is the township’s own duty with a township target', () => {
    const input = draft();
    Object.assign(at(input, 'HS-04'), { duty: 'township', targets: { default: 2, township: 4 } });
    expect(validateCatalogue(input).ok).toBe(true);
  });
});

describe('sizeClassOf', () => {
  it('uses the same thresholds as the database: micro <25, small <100, medium <1000, large', () => {
    expect([0, 24, 25, 99, 100, 999, 1000, 50_000].map(sizeClassOf)).toEqual([
      'micro', 'micro', 'small', 'small', 'medium', 'medium', 'large', 'large',
    ]);
  });

  it('refuses a negative or missing member count', () => {
    expect(() => sizeClassOf(-1)).toThrow(RangeError);
    expect(() => sizeClassOf(Number.NaN)).toThrow(RangeError);
  });
});
