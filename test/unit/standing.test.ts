import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalogue, reweightedTotal, taskPoints, unitStanding, type TaskForIndex } from '../../indicators';

const indicators = defaultCatalogue.indicators;
const states = ['issued', 'dispatched', 'claimed', 'reported', 'returned', 'reviewed', 'approved', 'exited'] as const;
const taskArb = fc.record({
  code: fc.constantFrom(...indicators.map((i) => i.code)),
  state: fc.constantFrom(...states),
  // Approved points are anything a reviewer could award, including out-of-range manual scores.
  points: fc.option(fc.double({ min: -2, max: 12, noNaN: true }), { nil: null }),
});
/** At most one task per indicator, as in a plan. */
const unitArb = fc.uniqueArray(taskArb, { selector: (t) => t.code, maxLength: indicators.length });

describe('points earned and lost', () => {
  it('add up to the indicator’s maximum for every state and any awarded points, in the year and at close', () => {
    fc.assert(
      fc.property(fc.constantFrom(...indicators), fc.constantFrom(...states), fc.option(fc.double({ min: -5, max: 20, noNaN: true }), { nil: null }), fc.boolean(), fc.boolean(), (indicator, state, points, deadlinePassed, final) => {
        const p = taskPoints(indicator, { state, points, deadlinePassed }, { final });
        expect(p.earned + p.lost).toBeCloseTo(indicator.points, 6);
        expect(p.earned).toBeGreaterThanOrEqual(0);
        expect(p.lost).toBeGreaterThanOrEqual(0);
        expect(p.reason === 'none').toBe(p.lost === 0);
      }),
      { seed: 20261122, numRuns: 2000 },
    );
  });

  it('names the reason a person would give', () => {
    const gate = indicators.find((i) => i.gate)!;
    const plain = indicators.find((i) => !i.gate)!;
    const at = (indicator: typeof gate, state: string, points: number | null, deadlinePassed = false, final = false) => taskPoints(indicator, { state, points, deadlinePassed }, { final }).reason;
    expect(at(plain, 'approved', plain.points / 2)).toBe('below_target');
    expect(at(gate, 'approved', 0)).toBe('gate_failed');
    expect(at(plain, 'approved', plain.points)).toBe('none');
    expect(at(plain, 'returned', null)).toBe('returned');
    expect(at(plain, 'claimed', null, true)).toBe('not_reported');
    expect(at(plain, 'claimed', null, false)).toBe('pending');
    expect(at(plain, 'reported', null, true)).toBe('pending'); // waiting on its reviewers, not on the unit
    expect(at(plain, 'reported', null, false, true)).toBe('not_reported');
    expect(at(plain, 'exited', null)).toBe('exited');
    expect(at(plain, 'issued', null)).toBe('not_dispatched');
  });
});

describe('a unit’s standing', () => {
  const pending = (t: TaskForIndex) => ['dispatched', 'claimed', 'reported', 'returned', 'reviewed'].includes(t.state);

  it('never counts an unevaluated task as zero during the year: adding pending tasks changes only the coverage', () => {
    fc.assert(
      fc.property(unitArb, (tasks) => {
        const evaluatedOnly = tasks.filter((t) => !pending(t));
        const live = unitStanding(defaultCatalogue, tasks, { final: false });
        const without = unitStanding(defaultCatalogue, evaluatedOnly, { final: false });
        expect([live.total, live.band, live.categories, live.failedGates]).toEqual([without.total, without.band, without.categories, without.failedGates]);
        expect(live.coverage).toBeLessThanOrEqual(1);
        if (!tasks.some((t) => t.state === 'approved')) expect([live.total, live.band]).toEqual([null, null]);
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('leaves tasks the unit never received out of its index, at close too, and counts them', () => {
    fc.assert(
      fc.property(unitArb, (tasks) => {
        const received = tasks.filter((t) => t.state !== 'issued');
        for (const final of [false, true]) {
          const all = unitStanding(defaultCatalogue, tasks, { final });
          const only = unitStanding(defaultCatalogue, received, { final });
          expect([all.total, all.band, all.categories]).toEqual([only.total, only.band, only.categories]);
          expect(all.notDispatched).toBe(tasks.length - received.length);
        }
        if (received.filter((t) => t.state !== 'exited').length === 0) expect(unitStanding(defaultCatalogue, tasks, { final: true }).band).toBeNull();
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  it('is the same in the year and at close once every task is evaluated', () => {
    fc.assert(
      fc.property(unitArb, (tasks) => {
        const done = tasks.map((t) => (t.state === 'exited' || t.state === 'issued' ? t : { ...t, state: 'approved', points: t.points ?? 0 }));
        const live = unitStanding(defaultCatalogue, done, { final: false });
        const final = unitStanding(defaultCatalogue, done, { final: true });
        expect([final.total, final.band, final.categories]).toEqual([live.total, live.band, live.categories]);
        if (live.total !== null) expect(Math.abs(reweightedTotal(defaultCatalogue, live.categories, {})! - live.total)).toBeLessThanOrEqual(0.02);
      }),
      { seed: 13, numRuns: 500 },
    );
  });
});
