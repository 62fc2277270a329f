// A workflow for test/unit/time-skipping-server.test.ts: takes Updates, then sleeps a month of workflow time.
import { defineUpdate, setHandler, sleep } from '@temporalio/workflow';

/** Adds `by` to the probe's counter and returns the new count. */
export const bumpUpdate = defineUpdate<number, [by: number]>('bump');

export interface ProbeResult {
  bumps: number;
  /** Workflow time that passed between start and completion, in milliseconds. */
  elapsedMs: number;
}

export async function timeSkippingProbe(sleepFor: string = '30 days'): Promise<ProbeResult> {
  const startedAt = Date.now();
  let bumps = 0;
  setHandler(bumpUpdate, (by) => {
    bumps += by;
    return bumps;
  });
  await sleep(sleepFor);
  return { bumps, elapsedMs: Date.now() - startedAt };
}
