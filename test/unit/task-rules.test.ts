import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultCatalogue } from '../../indicators';
import { zodFields } from '../../lib/input';
import * as rules from '../../workflows/task-rules';
import {
  actorProblem,
  allowedFrom,
  approvedState,
  extensionProblem,
  fieldsProblem,
  returnProblem,
  scoreProblem,
  transitionProblem,
  valueProblem,
} from '../../workflows/task-rules';

const indicator = (code: string) => defaultCatalogue.indicators.find((i) => i.code === code)!;
const unit = { tier: 'grassroots' as const, orgId: 'u1' };
const township = { tier: 'township' as const, orgId: 't1' };
const district = { tier: 'district' as const, orgId: 'd1' };

describe('values', () => {
  it('a count is a whole number from 0 to 100000', () => {
    const count = indicator('HS-04');
    expect(valueProblem(count, 3)).toBeNull();
    for (const bad of [2.5, 0.5, -1, 1e308, 2 ** 63, Number.NaN]) expect(valueProblem(count, bad)?.field).toBe('value');
  });

  it('yes/no takes 0 or 1; a rate 0 to 100', () => {
    expect(valueProblem(indicator('HS-01'), 1)).toBeNull();
    expect(valueProblem(indicator('HS-01'), 2)?.message).toMatch(/yes\/no/);
    expect(valueProblem(indicator('GF-03'), 92.5)).toBeNull();
    expect(valueProblem(indicator('GF-03'), 100.1)?.message).toMatch(/rate/);
  });

  it('a hand score lies within the indicator’s points', () => {
    expect(scoreProblem(5, 5)).toBeNull();
    expect(scoreProblem(5, 5.5)?.field).toBe('score');
  });
});

describe('who may do what', () => {
  it('only the task’s own org claims and reports', () => {
    expect(actorProblem('report', unit, { townshipDuty: false, orgId: 'u1' })).toBeNull();
    expect(actorProblem('report', { ...unit, orgId: 'u2' }, { townshipDuty: false, orgId: 'u1' })?.kind).toBe('not_allowed');
    expect(actorProblem('report', township, { townshipDuty: false, orgId: 'u1' })?.kind).toBe('not_allowed');
    expect(actorProblem('claim', township, { townshipDuty: true, orgId: 't1' })).toBeNull();
    expect(actorProblem('claim', unit, { townshipDuty: true, orgId: 't1' })?.kind).toBe('not_allowed');
  });

  it('a township neither exits, extends nor evaluates its own duty; the district does', () => {
    for (const verb of ['exit', 'extend', 'evaluate'] as const) {
      expect(actorProblem(verb, township, { townshipDuty: true })?.kind).toBe('not_allowed');
      expect(actorProblem(verb, district, { townshipDuty: true })).toBeNull();
      expect(actorProblem(verb, township, { townshipDuty: false })).toBeNull();
      expect(actorProblem(verb, unit, { townshipDuty: false })?.kind).toBe('not_allowed');
    }
  });
});

describe('transitions', () => {
  it('claim from dispatched, report from claimed or returned, finished tasks take nothing', () => {
    expect(transitionProblem('claim', unit, { state: 'dispatched', townshipDuty: false })).toBeNull();
    expect(transitionProblem('claim', unit, { state: 'claimed', townshipDuty: false })?.kind).toBe('illegal_transition');
    expect(allowedFrom('report', unit, false)).toEqual(['claimed', 'returned']);
    for (const verb of ['exit', 'extend'] as const) {
      expect(transitionProblem(verb, district, { state: 'approved', townshipDuty: false })?.kind).toBe('illegal_transition');
      expect(transitionProblem(verb, district, { state: 'exited', townshipDuty: false })?.kind).toBe('illegal_transition');
    }
  });

  it('the township reviews what was reported; the district confirms reviews and evaluates township duties', () => {
    expect(allowedFrom('evaluate', township, false)).toEqual(['reported']);
    expect(allowedFrom('evaluate', district, false)).toEqual(['reviewed']);
    expect(allowedFrom('evaluate', district, true)).toEqual(['reported']);
    expect(approvedState(township, indicator('GF-01'))).toBe('reviewed');
    expect(approvedState(district, indicator('GF-01'))).toBe('approved');
    expect(approvedState(township, indicator('HS-04'))).toBe('approved');
  });
});

describe('fields and dates', () => {
  it('refuses hostile text in every verb’s text fields, naming the field', () => {
    expect(fieldsProblem('claim', { responsible: '张\u0000三' })?.field).toBe('responsible');
    expect(fieldsProblem('claim', { responsible: '\ud800x' })?.field).toBe('responsible');
    expect(fieldsProblem('report', { value: 1, note: 'a\u0001', final: false })?.field).toBe('note');
    expect(fieldsProblem('exit', { reason: 'x' })?.field).toBe('reason');
    expect(fieldsProblem('extend', { reason: '台风影响', deadline: '2405-01-01T00:00:00Z' })?.field).toBe('deadline');
    expect(fieldsProblem('evaluate', { decision: 'return', reason: 'ok\u0000' })?.field).toBe('reason');
    expect(fieldsProblem('claim', { responsible: ' 张主席 ' })).toBeNull();
  });

  it('the workflow’s checks (no zod) and the API’s zod schemas, built from the same rules, agree field by field', () => {
    const long = (n: number) => '长'.repeat(n);
    const id = '8f14e45f-ceea-4e7a-9f3b-2c1d5e6a7b8c';
    const texts = ['张主席', ' 张主席 ', '', '  ', '好', '入会率', 'a\u0000', '\ud800x', 'a\u0001', 'a\nb', 'e\u0301cole', long(100), long(101), long(2000), long(2001), 7, null, true];
    const corpus: Record<rules.Verb, Record<string, unknown>[]> = {
      claim: [...texts.map((responsible) => ({ responsible })), {}],
      report: [
        { value: 1, final: true },
        { value: 1, final: false, note: '进度过半', evidence: [id] },
        { value: '1', final: true },
        { value: Number.NaN, final: true },
        { value: Number.POSITIVE_INFINITY, final: true },
        { value: 1 },
        { value: 1, final: 'yes' },
        { value: 1, final: true, evidence: ['not-an-id'] },
        { value: 1, final: true, evidence: Array.from({ length: 51 }, () => id) },
        { value: 1, final: true, evidence: id },
        ...texts.map((note) => ({ value: 3, final: false, note })),
      ],
      evaluate: [
        { decision: 'approve' },
        { decision: 'approve', score: 3.5 },
        { decision: 'approve', score: -1 },
        { decision: 'approve', score: 1001 },
        { decision: 'maybe' },
        {},
        { decision: 'return', reason: '口径不对', deadline: '2027-06-30T18:00:00+08:00' },
        { decision: 'return', reason: '口径不对', deadline: '2027-06-31T18:00:00+08:00' },
        { decision: 'return', reason: '口径不对', deadline: '2027-06-30 18:00' },
        { decision: 'return', reason: '口径不对', deadline: '2405-01-01T00:00:00Z' },
        { decision: 'return', reason: '口径不对', deadline: '1999-12-31T23:59:59Z' },
        ...texts.map((reason) => ({ decision: 'return', reason })),
      ],
      exit: texts.map((reason) => ({ reason })),
      extend: [
        { reason: '台风影响', deadline: '2027-07-15T00:00:00.000Z' },
        { reason: '台风影响', deadline: '2027-07-15T00:00Z' },
        { reason: '台风影响', deadline: '2027-07-15T00:00:00+0800' },
        { reason: '台风影响', deadline: '2028-02-29T08:00:00.123456789+08:00' },
        { reason: '台风影响', deadline: '2027-07-15T00:00:60Z' },
        { reason: '台风影响', deadline: '2027-07-15T00:00:00+24:00' },
        { reason: '台风影响', deadline: '2027-07-15t00:00:00Z' },
        { reason: '台风影响', deadline: '2027-02-29T00:00:00Z' },
        { reason: '台风影响', deadline: '2027-07-15T25:00:00Z' },
        { reason: '台风影响', deadline: '2027-07-15' },
        { reason: '台风影响' },
        ...texts.map((reason) => ({ reason, deadline: '2027-07-15T00:00:00Z' })),
      ],
    };
    const fieldRules = { claim: rules.claimFields, report: rules.reportFields, evaluate: rules.evaluateFields, exit: rules.exitFields, extend: rules.extendFields };
    let accepted = 0;
    let refused = 0;
    for (const [verb, inputs] of Object.entries(corpus) as [rules.Verb, Record<string, unknown>[]][]) {
      const api = z.object(zodFields(fieldRules[verb]));
      for (const input of inputs) {
        const parsed = api.safeParse(input);
        const refusal = fieldsProblem(verb, input);
        const said = `${verb} ${JSON.stringify(input).slice(0, 80)}`;
        // Whatever the API lets through, the workflow takes; whatever the API refuses, the workflow refuses too, at the same field.
        expect(refusal === null, said).toBe(parsed.success);
        if (parsed.success) accepted++;
        else {
          refused++;
          expect(refusal!.field, said).toBe(String(parsed.error.issues[0]!.path[0]));
        }
      }
    }
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(40);
  });

  it('a return needs a reason and a future deadline in the plan’s window; an extension moves later', () => {
    const ctx = { now: Date.parse('2027-05-05T00:00:00Z'), deadline: '2027-04-30T10:00:00.000Z', year: 2027 };
    expect(returnProblem({}, ctx)?.field).toBe('reason');
    expect(returnProblem({ reason: '口径不对', deadline: '2027-05-01T00:00:00Z' }, ctx)?.message).toMatch(/future/);
    expect(returnProblem({ reason: '口径不对', deadline: '2030-06-01T00:00:00Z' }, ctx)?.message).toMatch(/2026–2029/);
    expect(returnProblem({ reason: '口径不对', deadline: '2027-06-15T10:00:00Z' }, ctx)).toBeNull();
    expect(extensionProblem('2027-04-01T00:00:00Z', ctx)?.message).toMatch(/later/);
    expect(extensionProblem('2027-08-31T10:00:00Z', ctx)).toBeNull();
  });
});
