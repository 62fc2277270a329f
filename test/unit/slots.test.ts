import { describe, expect, it } from 'vitest';
import { slots } from '../../lib/slots';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('slots', () => {
  it('runs at most its width at once and the rest in the order they came', async () => {
    const s = slots(2);
    const release: (() => void)[] = [];
    const started: number[] = [];
    const done = [1, 2, 3, 4, 5].map((n) =>
      s.run(async () => {
        started.push(n);
        await new Promise<void>((r) => release.push(r));
        return n * 10;
      }),
    );
    await tick();
    expect(started).toEqual([1, 2]);
    expect([s.busy, s.waiting]).toEqual([2, 3]);
    release.shift()!();
    await tick();
    await tick();
    expect(started).toEqual([1, 2, 3]);
    while (started.length < 5 || release.length > 0) {
      release.shift()?.();
      await tick();
      await tick();
    }
    expect(await Promise.all(done)).toEqual([10, 20, 30, 40, 50]);
    expect([s.busy, s.waiting]).toEqual([0, 0]);
  });

  it('frees the slot of a call that fails, and passes the failure on', async () => {
    const s = slots(1);
    await expect(s.run(async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await s.run(async () => 'next')).toBe('next');
    expect(s.busy).toBe(0);
  });

  it('refuses a width that is not a whole number of at least 1', () => {
    expect(() => slots(0)).toThrow(/width/);
    expect(() => slots(1.5)).toThrow(/width/);
  });
});
