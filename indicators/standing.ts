// Where a unit stands in a plan, live all year and final at close, from the same function: the 建家 index over
// the tasks evaluated so far (provisional), or over every task the unit received (final). A task the unit never
// received (its township never dispatched it) is never the unit's failure: it is left out and counted against
// the township instead. Pure: safe for activities, the API and workflow code alike.
import type { Band, Catalogue, CategoryCode, Indicator } from './schema';
import { CATEGORY_CODES } from './schema';
import { unitIndex, type IndicatorResult } from './scoring';

/** One task as the index sees it. */
export interface TaskForIndex {
  code: string;
  /** issued = never dispatched to the unit; approved = evaluated; exited = out of the programme. */
  state: string;
  points: number | null;
}

export interface UnitStanding {
  categories: Record<CategoryCode, number | null>;
  /** The 建家 index 0–100; null while nothing is evaluated (provisional) or nothing was received (final). */
  total: number | null;
  band: Band | null;
  /** True during the year: unevaluated tasks are pending, not zero. */
  provisional: boolean;
  failedGates: string[];
  /** Share 0..1 of the unit's applicable points already evaluated. */
  coverage: number;
  applicablePoints: number;
  evaluatedPoints: number;
  applicableTasks: number;
  approvedTasks: number;
  /** Tasks the unit never received because its township did not dispatch them. */
  notDispatched: number;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * A unit's standing. Provisional: the index over the evaluated (approved) tasks only, each category over its
 * evaluated indicators, so a pending task never counts as zero. Final (at close): over every task the unit
 * received and that did not exit; an unevaluated one earns nothing, as the year is over.
 */
export function unitStanding(catalogue: Catalogue, tasks: readonly TaskForIndex[], { final }: { final: boolean }): UnitStanding {
  const byCode = new Map(catalogue.indicators.map((i) => [i.code, i]));
  const known = tasks.filter((t) => byCode.has(t.code));
  const received = known.filter((t) => t.state !== 'issued');
  const applicable = received.filter((t) => t.state !== 'exited');
  const evaluated = applicable.filter((t) => t.state === 'approved');
  const pointsOf = (list: readonly TaskForIndex[]) => list.reduce((sum, t) => sum + byCode.get(t.code)!.points, 0);
  const results: IndicatorResult[] = evaluated.map((t) => {
    const points = Number(t.points ?? 0);
    return { code: t.code, points, met: points >= byCode.get(t.code)!.points };
  });
  const scope = final ? applicable : evaluated;
  const applicablePoints = pointsOf(applicable);
  const evaluatedPoints = pointsOf(evaluated);
  const base = {
    provisional: !final,
    coverage: applicablePoints > 0 ? round4(evaluatedPoints / applicablePoints) : 0,
    applicablePoints,
    evaluatedPoints,
    applicableTasks: applicable.length,
    approvedTasks: evaluated.length,
    notDispatched: known.length - received.length,
  };
  if (scope.length === 0) {
    const categories = Object.fromEntries(CATEGORY_CODES.map((c) => [c, null])) as Record<CategoryCode, number | null>;
    return { ...base, categories, total: null, band: null, failedGates: [] };
  }
  const index = unitIndex(catalogue, results, scope.map((t) => t.code));
  return { ...base, categories: index.categories, total: index.total, band: index.band, failedGates: index.failedGates };
}

/** Why a task did not earn all its points. */
export type LossReason = 'none' | 'below_target' | 'gate_failed' | 'returned' | 'not_reported' | 'pending' | 'exited' | 'not_dispatched';

/** One task's points, what it lost, and why. `earned + lost = maxPoints`, always. */
export interface TaskPoints {
  maxPoints: number;
  earned: number;
  lost: number;
  reason: LossReason;
  /** Whether the task counts in the unit's index now (evaluated, or at close every received task). */
  inIndex: boolean;
}

/** What a task stands at, for the explanation: its state, its approved points, and whether its deadline passed. */
export interface TaskForExplanation {
  state: string;
  points: number | null;
  deadlinePassed: boolean;
}

/**
 * The points of one task and the reason for any it lost. Pending work (not yet due, or reported and awaiting
 * review) is listed as lost with reason `pending` during the year, so earned + lost always makes the maximum.
 */
export function taskPoints(indicator: Indicator, task: TaskForExplanation, { final }: { final: boolean }): TaskPoints {
  const maxPoints = indicator.points;
  const lose = (reason: LossReason, earned = 0, inIndex = final): TaskPoints => {
    const e = round4(Math.min(Math.max(earned, 0), maxPoints));
    return { maxPoints, earned: e, lost: round4(maxPoints - e), reason: e === maxPoints ? 'none' : reason, inIndex };
  };
  switch (task.state) {
    case 'issued':
      return lose('not_dispatched', 0, false);
    case 'exited':
      return lose('exited', 0, false);
    case 'approved': {
      const earned = Number(task.points ?? 0);
      return lose(indicator.gate && earned < maxPoints ? 'gate_failed' : 'below_target', earned, true);
    }
    case 'returned':
      return lose('returned');
    case 'reported':
    case 'reviewed':
      return lose(final ? 'not_reported' : 'pending');
    default:
      // dispatched or claimed: nothing final reported yet.
      return lose(final || task.deadlinePassed ? 'not_reported' : 'pending');
  }
}

/** The index with each category's weight scaled: the ±20% one-at-a-time robustness check of a ranking. */
export function reweightedTotal(catalogue: Catalogue, categories: Record<CategoryCode, number | null>, scale: Partial<Record<CategoryCode, number>>): number | null {
  let weighted = 0;
  let weights = 0;
  for (const c of catalogue.categories) {
    const value = categories[c.code];
    if (value === null || value === undefined) continue;
    const w = c.weight * (scale[c.code] ?? 1);
    weighted += w * value;
    weights += w;
  }
  return weights > 0 ? Math.round((weighted / weights) * 100) / 100 : null;
}
