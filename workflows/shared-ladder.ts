// One workflow per plan: the guidance ladder's reminders (提醒) and warnings (预警) for all the plan's units, fired at
// the rule's time by one activity that writes them set-wise, a township a transaction. A district's deadline is
// 5,000 units' rungs at the same moment; woken one unit at a time (a workflow task, mostly a replay from history, and
// a transaction each) the wave took two and a half minutes of both cores. The units' own timers for these rungs stay,
// later by LADDER_BACKSTOP_MS, and fire only what this did not (every write is keyed, so a rung is never written
// twice). The supervision orders stay with the units: each opens a numbered order and watches its answer.
import { ActivityFailure, condition, continueAsNew, log, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ladderChangedSignal, type SharedLadderInput } from './shared-ladder.contract';

// A transient failure retries for about a quarter of an hour; then the pass is tried again ten minutes later (the
// units' backstops fire what is due meanwhile). Data the database refuses for good is set aside inside the activity.
const { sharedRungsNext, fireSharedRungs } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 30 },
});

/** At most this long between looks, even if nothing signals (every change that moves a rung time signals; a safety). */
const longestWaitMs = 24 * 3600_000;

export async function sharedLadder(input: SharedLadderInput): Promise<void> {
  let changed = false;
  setHandler(ladderChangedSignal, () => {
    changed = true;
  });
  let firedUpTo = input.firedUpTo;
  // A few passes, then a fresh run carrying where it got to: the history stays short over a whole year.
  for (let pass = 0; pass < 20; pass++) {
    // Cleared before looking, so a change signalled while the activity reads is looked at again.
    changed = false;
    let next;
    try {
      next = await sharedRungsNext({ planId: input.planId, after: firedUpTo });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.error('shared ladder could not read the next rung time; trying again later', { error: String(err.cause ?? err) });
      await sleep('10 minutes');
      continue;
    }
    if (next.closed) return;
    const wait = next.at === null ? longestWaitMs : Math.min(longestWaitMs, Date.parse(next.at) - Date.now());
    if (wait > 0 && (await condition(() => changed, wait))) continue;
    if (next.at === null || Date.parse(next.at) > Date.now()) continue;
    const at = new Date(Date.now()).toISOString();
    try {
      await fireSharedRungs({ planId: input.planId, at });
      firedUpTo = at;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.error('shared ladder could not fire its rungs; the units fire them, and this tries again later', { at, error: String(err.cause ?? err) });
      await sleep('10 minutes');
    }
  }
  await continueAsNew<typeof sharedLadder>({ planId: input.planId, firedUpTo });
}
