// Applies one policy adjustment to the running unit workflows, a batch of tasks at a time. Each batch is an
// activity that sends every task its update with an update id of the adjustment and task, and records each task
// done in the database; a worker killed mid-batch leaves the rest pending, and the retried batch skips what is
// done (and Temporal drops an update id it has seen). The history grows by one activity per batch.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AdjustmentInput, AdjustmentResult } from './adjustment.contract';

const { applyAdjustmentBatch, finishAdjustment } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 50 },
});

export async function adjustment(input: AdjustmentInput): Promise<AdjustmentResult> {
  for (;;) {
    const { remaining } = await applyAdjustmentBatch({ adjustmentId: input.adjustmentId });
    if (remaining === 0) break;
  }
  return finishAdjustment({ adjustmentId: input.adjustmentId });
}
