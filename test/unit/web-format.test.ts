import { describe, expect, it } from 'vitest';
import { deadlineIso, formatDate, formatDateTime, formatDeadline } from '../../web/src/shared/format';

// The web app shows every date in Asia/Shanghai, whatever zone the browser (or this test) runs in.
describe('dates in the web app', () => {
  it('shows a deadline, the first instant after its last day, as that last day', () => {
    expect(formatDeadline('2027-11-30T16:00:00.000Z')).toBe('2027-11-30');
    expect(formatDeadline('2027-11-30T16:00:00.001Z')).toBe('2027-12-01');
  });

  it('sends a picked day as the end of that day in Shanghai, and reads it back as the same day', () => {
    expect(deadlineIso('2027-11-30')).toBe('2027-11-30T16:00:00.000Z');
    expect(formatDeadline(deadlineIso('2028-02-29'))).toBe('2028-02-29');
  });

  it('formats instants in Shanghai time', () => {
    expect(formatDate('2026-12-31T16:30:00Z')).toBe('2027-01-01');
    expect(formatDateTime('2026-12-31T16:30:00Z')).toBe('2027-01-01 00:30');
    expect(formatDateTime(null)).toBe('');
  });
});
