import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  bandOf,
  bandRank,
  defaultCatalogue,
  isLooser,
  scoreValue,
  targetFor,
  unitIndex,
  type Indicator,
  type IndicatorResult,
} from '../../indicators';

function indicator(code: string): Indicator {
  const found = defaultCatalogue.indicators.find((item) => item.code === code);
  if (!found) throw new Error(`no indicator ${code}`);
  return found;
}

const ALL = defaultCatalogue.indicators.map((item) => item.code);

/** Every indicator scored in full, optionally overriding some codes' results. */
function results(overrides: Record<string, Partial<IndicatorResult>> = {}): IndicatorResult[] {
  return defaultCatalogue.indicators.map((item) => ({ code: item.code, points: item.points, met: true, ...overrides[item.code] }));
}

describe('scoreValue', () => {
  const rate = indicator('GF-03'); // membership rate, 5 points, target 90

  it('gives a rate 70% of its points within 10pp of target (85 vs 90)', () => {
    expect(scoreValue(rate, 90, 85)).toEqual({ points: 3.5, share: 0.7, met: false });
  });

  it('gives a rate 40% of its points within 20pp of target (75 vs 90)', () => {
    expect(scoreValue(rate, 90, 75)).toEqual({ points: 2, share: 0.4, met: false });
  });

  it('gives a rate nothing more than 20pp below target (65 vs 90)', () => {
    expect(scoreValue(rate, 90, 65)).toEqual({ points: 0, share: 0, met: false });
  });

  it('gives a rate full points at or above target, and treats band edges as inside the band', () => {
    expect(scoreValue(rate, 90, 90)).toEqual({ points: 5, share: 1, met: true });
    expect(scoreValue(rate, 90, 97.5)).toEqual({ points: 5, share: 1, met: true });
    expect(scoreValue(rate, 90, 80).share).toBe(0.7);
    expect(scoreValue(rate, 90, 70).share).toBe(0.4);
    expect(scoreValue(rate, 90, 69.99).share).toBe(0);
  });

  it('puts a decimal rate exactly 10pp short in the 70% band despite binary arithmetic (62.4 vs 72.4)', () => {
    expect(72.4 - 62.4).toBeGreaterThan(10); // the float gap that would otherwise drop it to 40%
    expect(scoreValue(rate, 72.4, 62.4).share).toBe(0.7);
  });

  it('uses an indicator’s own bands when it has them', () => {
    const strict: Indicator = { ...rate, scoring: { rule: 'banded_rate', bands: [{ withinPp: 5, share: 0.5 }] } };
    expect(scoreValue(strict, 90, 86).points).toBe(2.5);
    expect(scoreValue(strict, 90, 84).points).toBe(0);
  });

  it('scores a count as min(actual/target, 1) of its points (3 of 4 → 75%)', () => {
    const events = indicator('HL-02'); // 4 points
    expect(scoreValue(events, 4, 3)).toEqual({ points: 3, share: 0.75, met: false });
    expect(scoreValue(events, 4, 9)).toEqual({ points: 4, share: 1, met: true });
    expect(scoreValue(indicator('HS-02'), 3, 1).points).toBe(1.67);
  });

  it('treats a count target of 0 as already met', () => {
    expect(scoreValue(indicator('HL-02'), 0, 0)).toEqual({ points: 4, share: 1, met: true });
  });

  it('scores yes/no as full or nothing', () => {
    const gate = indicator('HS-01'); // 6 points
    expect(scoreValue(gate, 1, 1)).toEqual({ points: 6, share: 1, met: true });
    expect(scoreValue(gate, 1, 0)).toEqual({ points: 0, share: 0, met: false });
    expect(scoreValue(gate, 1, 2).met).toBe(true);
  });

  it('refuses a value that is not a number', () => {
    expect(() => scoreValue(rate, 90, Number.NaN)).toThrow(/GF-03/);
  });
});

describe('targetFor', () => {
  const events = indicator('HS-02'); // default 4, micro 2, small 3, new_employment 2

  it('lets the size class win over the unit type, and the unit type over the default', () => {
    expect(targetFor(events, { level: 'grassroots', unitType: 'new_employment', sizeClass: 'small' })).toBe(3);
    expect(targetFor(events, { level: 'grassroots', unitType: 'new_employment', sizeClass: 'medium' })).toBe(2);
    expect(targetFor(events, { level: 'grassroots', unitType: 'enterprise', sizeClass: 'micro' })).toBe(2);
    expect(targetFor(events, { level: 'grassroots', unitType: 'enterprise', sizeClass: 'large' })).toBe(4);
    expect(targetFor(events, { level: 'grassroots' })).toBe(4);
  });

  it('uses the township target for a township, falling back to the default', () => {
    const own: Indicator = { ...events, duty: 'township', targets: { ...events.targets, township: 8 } };
    expect(targetFor(own, { level: 'township', sizeClass: 'micro' })).toBe(8);
    expect(targetFor(events, { level: 'township', sizeClass: 'micro' })).toBe(4);
  });
});

describe('isLooser', () => {
  it('calls a lower target looser for every rule, and an equal or higher one not', () => {
    for (const code of ['HS-01', 'GF-03', 'HL-02']) {
      const item = indicator(code);
      expect(isLooser(item, 0, 1)).toBe(true);
      expect(isLooser(item, 1, 1)).toBe(false);
      expect(isLooser(item, 2, 1)).toBe(false);
    }
  });
});

describe('bandOf and bandRank', () => {
  it('draws the band edges at 90, 80, 70 and 60', () => {
    const totals = [100, 90, 89.99, 80, 79.99, 70, 69.99, 60, 59.99, 0];
    expect(totals.map(bandOf)).toEqual(['五星', '五星', '四星', '四星', '三星', '三星', '合格', '合格', '不合格', '不合格']);
  });

  it('ranks the bands from 不合格 up to 五星', () => {
    const sorted = (['三星', '五星', '不合格', '四星', '合格'] as const).slice().sort((a, b) => bandRank[a] - bandRank[b]);
    expect(sorted).toEqual(['不合格', '合格', '三星', '四星', '五星']);
  });
});

describe('unitIndex', () => {
  it('gives a unit that met everything 100 in every category and 五星', () => {
    expect(unitIndex(defaultCatalogue, results(), ALL)).toEqual({
      categories: { HS: 100, GF: 100, HL: 100, WN: 100, HX: 100 },
      total: 100,
      band: '五星',
      failedGates: [],
    });
  });

  it('makes a unit with a failed gate 不合格 even with a high total', () => {
    const index = unitIndex(defaultCatalogue, results({ 'HS-01': { points: 0, met: false } }), ALL);
    expect(index.categories.HS).toBe(70);
    expect(index.total).toBe(94);
    expect(index.band).toBe('不合格');
    expect(index.failedGates).toEqual(['HS-01']);
  });

  it('counts a gate with no result yet as failed, and its points as not earned', () => {
    const index = unitIndex(defaultCatalogue, results().filter((result) => result.code !== 'GF-04'), ALL);
    expect(index.failedGates).toEqual(['GF-04']);
    expect(index.categories.GF).toBe(77.27);
  });

  it('leaves out a category with nothing applicable and renormalises the other weights', () => {
    const applicable = ALL.filter((code) => !code.startsWith('WN'));
    const zeroVitality = Object.fromEntries(ALL.filter((code) => code.startsWith('HL')).map((code) => [code, { points: 0, met: false }]));
    const index = unitIndex(defaultCatalogue, results(zeroVitality), applicable);
    expect(index.categories).toEqual({ HS: 100, GF: 100, HL: 0, WN: null, HX: 100 });
    // (20 + 22 + 22) × 100 / (20 + 22 + 20 + 22); without renormalising it would be 64 and only 合格.
    expect(index.total).toBe(76.19);
    expect(index.band).toBe('三星');
  });

  it('ignores results and gates of indicators that do not apply', () => {
    const applicable = ALL.filter((code) => code !== 'HX-04');
    const index = unitIndex(defaultCatalogue, results({ 'HX-04': { points: 0, met: false } }), applicable);
    expect(index).toMatchObject({ total: 100, band: '五星', failedGates: [] });
  });

  it('weighs categories by the catalogue weights, not by their points', () => {
    const catalogue = structuredClone(defaultCatalogue);
    for (const category of catalogue.categories) category.weight = category.code === 'HS' ? 60 : 10;
    const index = unitIndex(catalogue, results({ 'HS-02': { points: 0, met: false } }), ALL);
    expect(index.categories.HS).toBe(75);
    expect(index.total).toBe(85); // (60 × 75 + 40 × 100) / 100
  });

  it('scores a unit with nothing applicable 0 with no categories', () => {
    expect(unitIndex(defaultCatalogue, results(), [])).toEqual({
      categories: { HS: null, GF: null, HL: null, WN: null, HX: null },
      total: 0,
      band: '不合格',
      failedGates: [],
    });
  });
});

describe('scoring properties', () => {
  const anyIndicator = fc.constantFrom(...defaultCatalogue.indicators);
  const targetFitting = (item: Indicator) =>
    item.measure.type === 'boolean'
      ? fc.constant(1)
      : item.measure.type === 'rate'
        ? fc.double({ min: 0, max: 100, noNaN: true })
        : fc.integer({ min: 0, max: 50 });
  // Whole numbers too, so yes/no (0, 1, 2…) and counts are hit exactly, not only by chance.
  const anyValue = fc.oneof(fc.integer({ min: -5, max: 120 }), fc.double({ min: -50, max: 1000, noNaN: true }));
  const anyBands = fc
    .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 4 })
    .chain((widths) =>
      fc
        .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: widths.length, maxLength: widths.length })
        .map((shares) => {
          const up = [...widths].sort((a, b) => a - b);
          const down = [...shares].sort((a, b) => b - a);
          return up.map((withinPp, i) => ({ withinPp, share: (down[i] ?? 1) / 100 }));
        }),
    );
  // Default indicators plus rate indicators with arbitrary valid bands.
  const anyScoredIndicator = fc.oneof(
    anyIndicator,
    anyBands.map((bands): Indicator => ({ ...indicator('GF-03'), scoring: { rule: 'banded_rate', bands } })),
  );

  it('never awards negative points or more than the indicator is worth', () => {
    fc.assert(
      fc.property(
        anyScoredIndicator.chain((item) => fc.tuple(fc.constant(item), targetFitting(item), anyValue)),
        ([item, target, value]) => {
          const score = scoreValue(item, target, value);
          expect(score.points).toBeGreaterThanOrEqual(0);
          expect(score.points).toBeLessThanOrEqual(item.points);
          expect(score.share).toBeGreaterThanOrEqual(0);
          expect(score.share).toBeLessThanOrEqual(1);
          if (score.met) expect(score.points).toBe(item.points);
        },
      ),
    );
  });

  it('never scores a higher value lower, for every rule', () => {
    fc.assert(
      fc.property(
        anyScoredIndicator.chain((item) => fc.tuple(fc.constant(item), targetFitting(item), anyValue, anyValue)),
        ([item, target, a, b]) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const lower = scoreValue(item, target, low);
          const higher = scoreValue(item, target, high);
          expect(higher.points).toBeGreaterThanOrEqual(lower.points);
          expect(higher.share).toBeGreaterThanOrEqual(lower.share);
        },
      ),
    );
  });

  it('keeps every category index and the total within 0..100, with the band following the gates and total', () => {
    const anyResult = (code: string) =>
      fc.record({ code: fc.constant(code), points: fc.double({ min: -10, max: 20, noNaN: true }), met: fc.boolean() });
    fc.assert(
      fc.property(fc.subarray(ALL), fc.tuple(...ALL.map(anyResult)), fc.subarray(ALL), (applicable, all, reported) => {
        const given = all.filter((result) => reported.includes(result.code));
        const index = unitIndex(defaultCatalogue, given, applicable);
        expect(index.total).toBeGreaterThanOrEqual(0);
        expect(index.total).toBeLessThanOrEqual(100);
        for (const value of Object.values(index.categories))
          if (value !== null) expect(value >= 0 && value <= 100).toBe(true);
        expect(index.band).toBe(index.failedGates.length > 0 ? '不合格' : bandOf(index.total));
      }),
    );
  });
});
