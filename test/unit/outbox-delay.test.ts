// While the database is away the outbox pollers back off instead of failing a poll (and logging a line) every
// interval; once it answers they poll at the normal interval again.
import { describe, expect, it } from 'vitest';
import { pollDelay, throttleDelayMs } from '../../lib/outbox';

describe('the outbox poll delay', () => {
  it('is the poll interval while polls succeed', () => {
    expect(pollDelay(1000, 0)).toBe(1000);
    expect(pollDelay(50, 0)).toBe(50);
  });

  it('doubles with each failed poll in a row and stops at 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((n) => pollDelay(50, n))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect([1, 2, 3].map((n) => pollDelay(1000, n))).toEqual([2000, 4000, 5000]);
  });

  it('never polls faster than the interval an operator set above 5 s', () => {
    expect(pollDelay(30_000, 3)).toBe(30_000);
  });

describe('the wait after a robot throttles', () => {
  it('is the throttle window and up to half of it again, so the messages it refused do not all come back at once', () => {
    expect(throttleDelayMs(60_000, 0)).toBe(60_000);
    expect(throttleDelayMs(60_000, 0.5)).toBe(75_000);
    expect(throttleDelayMs(60_000, 0.999)).toBeLessThan(90_000);
  });
});
});
