// The shared ladder's contract: one workflow per plan that fires the reminders and warnings of all the plan's units
// at their rule's time, set-wise (workflows/shared-ladder.ts).
import { defineSignal } from '@temporalio/workflow';

export interface SharedLadderInput {
  planId: string;
  /** Rung times up to this instant are done: fired by this workflow, or by the units themselves before it existed. */
  firedUpTo: string;
}

export interface SharedRungsNext {
  /** The plan is closing or closed: nothing more to fire. */
  closed: boolean;
  /** The earliest reminder or warning time after `after` among the plan's open tasks; null when there is none. */
  at: string | null;
}

export interface SharedRungsFired {
  /** Rungs written now (a rung a unit wrote first is not counted). */
  fired: number;
  /** Townships whose rungs went in one transaction each. */
  townships: number;
  /** Units whose rungs the database refused for good together: each of their rungs was then tried alone. */
  refusedUnits: number;
}

export const sharedLadderWorkflowId = (planId: string) => `ladder-${planId}`;

/** A rung time may have moved earlier (a deadline extended or returned, a new policy) or the plan closed: look again. */
export const ladderChangedSignal = defineSignal('ladderChanged');
