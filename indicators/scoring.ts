import { BANDS, CATEGORY_CODES } from './codes';
import type {
  Band,
  Catalogue,
  CategoryCode,
  Indicator,
  SizeClass,
  UnitType,
} from './schema';

// Method, following composite-indicator practice (OECD/JRC Handbook on Constructing Composite Indicators):
//   normalise: each indicator's raw value becomes a share 0..1 of its points (scoreValue), so rates,
//              counts and yes/no items are comparable;
//   weight:    within a category, indicators weigh by their points; categories weigh by explicit,
//              catalogue-versioned weights, renormalised over the categories that apply to the unit;
//   aggregate: linear weighted means, giving five 0–100 category indices and one total 建家指数.
// Gates (必备) are applied after aggregation: the total stays an honest measure of performance, while a
// failed gate vetoes the band, because no score elsewhere can make up for it (non-compensatory).
// Everything here is pure and deterministic, so an index can be recomputed for any catalogue version.

/** Where a task lands: a township's own duty, or a grassroots unit of some type and size. */
export type UnitProfile = { level: 'township' | 'grassroots'; unitType?: UnitType; sizeClass?: SizeClass };

/** The outcome of scoring one reported value against its target. */
export type IndicatorScore = { points: number; share: number; met: boolean };

/** One evaluated task of a unit, as fed to the index. */
export type IndicatorResult = { code: string; points: number; met: boolean };

/** A unit's five category indices (null when nothing in the category applies), total, band and failed gates. */
export type UnitIndex = {
  categories: Record<CategoryCode, number | null>;
  total: number;
  band: Band;
  failedGates: string[];
};

/** The target that applies to a unit: township value for townships; size class, then unit type, then default. */
export function targetFor(indicator: Indicator, unit: UnitProfile): number {
  const { targets } = indicator;
  if (unit.level === 'township') return targets.township ?? targets.default;
  const bySize = unit.sizeClass === undefined ? undefined : targets.bySizeClass?.[unit.sizeClass];
  const byType = unit.unitType === undefined ? undefined : targets.byUnitType?.[unit.unitType];
  return bySize ?? byType ?? targets.default;
}

/** Whether an override target `candidate` would be easier to meet than `base`. */
export function isLooser(indicator: Indicator, candidate: number, base: number): boolean {
  switch (indicator.scoring.rule) {
    // Yes/no (1 required vs 0), rates and counts all get harder as the number rises.
    case 'boolean':
    case 'banded_rate':
    case 'ratio_count':
      return candidate < base;
  }
}

/** Score a reported value against a target by the indicator's rule. */
/** What scoring reads of an indicator. */
export type ScoredIndicator = Pick<Indicator, 'code' | 'scoring' | 'points'>;

export function scoreValue(indicator: ScoredIndicator, target: number, value: number): IndicatorScore {
  if (!Number.isFinite(value)) throw new RangeError(`${indicator.code}: value must be a finite number, got ${value}`);
  if (!Number.isFinite(target)) throw new RangeError(`${indicator.code}: target must be a finite number, got ${target}`);
  const share = shareOf(indicator, target, value);
  // Capped so rounding can never award more than the indicator is worth.
  const points = Math.min(round2(share * indicator.points), indicator.points);
  return { points, share, met: share === 1 };
}

function shareOf(indicator: ScoredIndicator, target: number, value: number): number {
  const { scoring } = indicator;
  switch (scoring.rule) {
    case 'boolean':
      return value >= 1 ? 1 : 0;
    case 'banded_rate': {
      if (value >= target) return 1;
      // Rounded to a millionth of a point so decimal rates (62.4 vs 72.4) land in the band a person expects.
      const gapPp = Math.round((target - value) * 1e6) / 1e6;
      return scoring.bands.find((band) => gapPp <= band.withinPp)?.share ?? 0;
    }
    case 'ratio_count':
      if (target <= 0) return 1;
      return Math.min(Math.max(value / target, 0), 1);
  }
}

/** The band a total index falls in: ≥90 五星, ≥80 四星, ≥70 三星, ≥60 合格, else 不合格. */
export function bandOf(total: number): Band {
  if (total >= 90) return '五星';
  if (total >= 80) return '四星';
  if (total >= 70) return '三星';
  if (total >= 60) return '合格';
  return '不合格';
}

/** Rank of each band for sorting and comparison: 不合格 0 < 合格 1 < 三星 2 < 四星 3 < 五星 4. */
export const bandRank: Readonly<Record<Band, number>> = Object.freeze(
  Object.fromEntries(BANDS.map((band, rank) => [band, rank])) as Record<Band, number>,
);

/** A unit's category indices, total 建家指数, band and failed gates from its evaluated tasks. */
export function unitIndex(
  catalogue: Catalogue,
  results: readonly IndicatorResult[],
  applicable: readonly string[],
): UnitIndex {
  const resultByCode = new Map(results.map((result) => [result.code, result]));
  const applies = new Set(applicable);
  const inScope = catalogue.indicators.filter((indicator) => applies.has(indicator.code));

  const categories = {} as Record<CategoryCode, number | null>;
  let weighted = 0;
  let weightSum = 0;
  let plainSum = 0;
  let counted = 0;
  for (const code of CATEGORY_CODES) {
    const members = inScope.filter((indicator) => indicator.category === code);
    if (members.length === 0) {
      categories[code] = null; // left out; the remaining categories' weights are renormalised below
      continue;
    }
    let earned = 0;
    let available = 0;
    for (const indicator of members) {
      available += indicator.points;
      earned += earnedPoints(indicator, resultByCode.get(indicator.code));
    }
    const index = (100 * earned) / available;
    const weight = catalogue.categories.find((category) => category.code === code)?.weight ?? 0;
    categories[code] = round2(index);
    weighted += weight * index;
    weightSum += weight;
    plainSum += index;
    counted += 1;
  }

  // If every applicable category weighs 0, fall back to their plain mean rather than divide by zero.
  // With nothing applicable at all there is nothing to commend: the total is 0.
  const rawTotal = weightSum > 0 ? weighted / weightSum : counted > 0 ? plainSum / counted : 0;
  const total = round2(rawTotal);
  const failedGates = inScope
    .filter((indicator) => indicator.gate && resultByCode.get(indicator.code)?.met !== true)
    .map((indicator) => indicator.code);
  return { categories, total, band: failedGates.length > 0 ? '不合格' : bandOf(total), failedGates };
}

// A task with no result yet earns nothing; a result outside 0..points (a manual score) is clamped.
function earnedPoints(indicator: Indicator, result: IndicatorResult | undefined): number {
  if (result === undefined) return 0;
  if (!Number.isFinite(result.points))
    throw new RangeError(`${indicator.code}: result points must be a finite number, got ${result.points}`);
  return Math.min(Math.max(result.points, 0), indicator.points);
}

// Half-up to 2 decimals; toPrecision first absorbs binary noise so 1.005 rounds to 1.01, not 1.
function round2(x: number): number {
  return Math.round(Number((x * 100).toPrecision(12))) / 100;
}
