import { describe, expect, it } from 'vitest';
import { checkText, instant, planDateProblem, text, textProblem, wholeNumber } from '../../lib/input';

describe('the text rule', () => {
  it('refuses NUL, lone surrogates and control characters, naming what is wrong', () => {
    expect(textProblem('dis\u0000trict')).toMatch(/NUL/);
    expect(textProblem('\ud800x')).toMatch(/lone surrogate/);
    expect(textProblem('x\udc00')).toMatch(/lone surrogate/);
    expect(textProblem('bell\u0007')).toMatch(/U\+0007/);
    expect(textProblem('esc\u001b[31m')).toMatch(/U\+001B/);
    expect(textProblem('del\u007f')).toMatch(/U\+007F/);
  });

  it('keeps tab, CR and LF only in multi-line fields, and takes emoji, right-to-left marks and CJK', () => {
    expect(textProblem('a\tb\r\nc', { multiline: true })).toBeNull();
    expect(textProblem('a\nb')).toMatch(/single line/);
    expect(textProblem('张主席 👍\u200f')).toBeNull();
  });

  it('normalises to NFC, trims names and bounds length by kind', () => {
    expect(text('name').parse('  e\u0301cole ')).toBe('\u00e9cole');
    expect(text('name').safeParse('   ').success).toBe(false);
    expect(text('name').safeParse('x'.repeat(101)).success).toBe(false);
    expect(text('reason', { min: 2 }).safeParse('好').success).toBe(false);
    expect(text('reason', { min: 2 }).parse(' 入会率口径\n不对 ')).toBe('入会率口径\n不对');
    expect(checkText('a\u0000', 'short')).toEqual({ problem: 'contains a NUL character (U+0000)' });
  });
});

describe('numbers and dates', () => {
  it('takes whole non-negative numbers up to the bound', () => {
    const n = wholeNumber(100);
    expect([0, 1, 100].map((v) => n.safeParse(v).success)).toEqual([true, true, true]);
    expect([-1, 0.5, 101, 2 ** 63, 1e308].map((v) => n.safeParse(v).success)).toEqual([false, false, false, false, false]);
  });

  it('takes instants between 2000 and 2100, and plan dates within a year of the plan', () => {
    expect(instant().safeParse('2405-01-01T00:00:00Z').success).toBe(false);
    expect(instant().safeParse('2027-06-01T10:00:00+08:00').success).toBe(true);
    expect(planDateProblem('2027-06-01T10:00:00+08:00', 2027)).toBeNull();
    expect(planDateProblem('2029-12-31T23:00:00+08:00', 2027)).toBeNull();
    expect(planDateProblem('2030-01-01T00:00:00+08:00', 2027)).toMatch(/2026–2029/);
    expect(planDateProblem('2025-12-31T23:59:00+08:00', 2027)).toMatch(/2026–2029/);
  });
});
