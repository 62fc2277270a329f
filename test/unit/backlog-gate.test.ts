// The pacing of a dispatch's starts by the units' queue backlog, on a fake clock: who waits, for how long, and how
// many times the server is asked.
import { describe, expect, it } from 'vitest';
import { backlogGate, type Backlog } from '../../lib/backlog-gate';

/** A clock that moves only when someone sleeps, and a backlog that is whatever `ages` says at that moment. */
function world(ageAt: (ms: number) => number | Error) {
  let t = 0;
  const reads: number[] = [];
  const read = async (): Promise<Backlog> => {
    reads.push(t);
    const age = ageAt(t);
    if (age instanceof Error) throw age;
    return { count: age > 0 ? 100 : 0, ageMs: age };
  };
  const clock = {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
  return { read, clock, reads };
}

describe('the dispatch backlog gate', () => {
  it('lets starts through at once while the oldest waiting task is younger than the limit', async () => {
    const w = world(() => 2000);
    const gate = backlogGate(w.read, { maxAgeMs: 3000, pollMs: 500, maxWaitMs: 15_000, ...w.clock });
    expect(await gate.wait()).toEqual({ waitedMs: 0, gaveUp: false });
    expect(w.reads).toEqual([0]);
  });

  it('holds starts while the backlog is older than the limit, and lets them through as it drains', async () => {
    // The workers catch up: the oldest task is 8 s old at first and 0.5 s younger every 500 ms.
    const w = world((ms) => Math.max(0, 8000 - ms));
    const gate = backlogGate(w.read, { maxAgeMs: 3000, pollMs: 500, maxWaitMs: 15_000, ...w.clock });
    const seen: number[] = [];
    const result = await gate.wait((b) => seen.push(b.ageMs));
    expect(result).toEqual({ waitedMs: 5000, gaveUp: false });
    expect(seen).toEqual([8000, 7500, 7000, 6500, 6000, 5500, 5000, 4500, 4000, 3500]);
  });

  it('gives up after the longest wait when no worker takes the queue’s tasks, so the dispatch goes on', async () => {
    const w = world((ms) => 60_000 + ms);
    const gate = backlogGate(w.read, { maxAgeMs: 3000, pollMs: 500, maxWaitMs: 15_000, ...w.clock });
    expect(await gate.wait()).toEqual({ waitedMs: 15_000, gaveUp: true });
  });

  it('does not hold a dispatch when the backlog cannot be read', async () => {
    const w = world(() => new Error('describeTaskQueue: unavailable'));
    const gate = backlogGate(w.read, { maxAgeMs: 3000, pollMs: 500, maxWaitMs: 15_000, ...w.clock });
    expect(await gate.wait()).toEqual({ waitedMs: 0, gaveUp: false });
  });

  it('is off at a limit of 0: the server is not asked', async () => {
    const w = world(() => 60_000);
    const gate = backlogGate(w.read, { maxAgeMs: 0, pollMs: 500, maxWaitMs: 15_000, ...w.clock });
    expect(await gate.wait()).toEqual({ waitedMs: 0, gaveUp: false });
    expect(w.reads).toEqual([]);
  });

  it('shares one reading among the dispatches waiting at the same moment', async () => {
    const w = world(() => 1000);
    const gate = backlogGate(w.read, { maxAgeMs: 3000, pollMs: 500, maxWaitMs: 15_000, ...w.clock });
    await Promise.all(Array.from({ length: 24 }, () => gate.wait()));
    expect(w.reads).toHaveLength(1);
  });
});
