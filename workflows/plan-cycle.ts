// One workflow per plan: 下达 (issue) to every township, 分办 (dispatch) per township, optional
// automatic dispatch for townships that do not act in time, and close (freeze, score, commend).
import { ApplicationFailure, allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  closeUpdate,
  dispatchUpdate,
  phaseQuery,
  rearmUpdate,
  type CloseResult,
  type DispatchInput,
  type PlanCycleInput,
  type PlanPhase,
} from './plan-cycle.contract';
import { failureTypes, type Actor } from './unit-tasks.contract';

// Data the database refuses fails at once (non-retryable); anything else retries for about a quarter of an hour, then
// the update (dispatch, close, re-arm) fails and the API answers 503, or, for issue, the plan workflow fails visibly.
const { issuePlan, pendingTownships, closePlan, rearmUnits } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 30 },
});
// Dispatching a large township starts hundreds of workflows; progress is heartbeated so a
// killed worker is noticed within the heartbeat timeout and the retry resumes where it was.
const { dispatchUnits } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 30 },
});

export async function planCycle(input: PlanCycleInput): Promise<CloseResult> {
  let phase: PlanPhase = 'issuing';
  let result: CloseResult | undefined;
  // Townships dispatch in parallel (their rows are disjoint); close waits until none is running.
  let dispatching = 0;

  setHandler(phaseQuery, () => phase);

  const dispatch = async (request: DispatchInput) => {
    dispatching += 1;
    try {
      return await dispatchUnits({ planId: input.planId, ...request });
    } finally {
      dispatching -= 1;
    }
  };

  setHandler(dispatchUpdate, async (request) => {
    await condition(() => phase !== 'issuing');
    return dispatch(request);
  }, {
    validator: (_request: DispatchInput) => {
      if (phase === 'closing' || phase === 'closed') {
        throw ApplicationFailure.create({ type: failureTypes.illegalTransition, message: `the plan is ${phase}`, nonRetryable: true, details: [{ state: phase }] });
      }
    },
  });

  setHandler(closeUpdate, async ({ actor }) => {
    await condition(() => phase === 'issued');
    phase = 'closing';
    await condition(() => dispatching === 0);
    try {
      result = await closePlan({ planId: input.planId, actor });
    } catch (err) {
      // Out of retries: the plan stays open so the district can close it again (closing is idempotent).
      phase = 'issued';
      throw err;
    }
    phase = 'closed';
    return result;
  }, {
    validator: (_request: { actor: Actor }) => {
      if (phase === 'closing' || phase === 'closed') {
        throw ApplicationFailure.create({ type: failureTypes.illegalTransition, message: `the plan is already ${phase}`, nonRetryable: true, details: [{ state: phase }] });
      }
    },
  });

  setHandler(rearmUpdate, async (request) => {
    // Units dispatched after this read the new policy themselves; wait for running dispatches first.
    await condition(() => phase !== 'issuing' && dispatching === 0);
    // Histories recorded before `units` existed carry none: every unit, as then.
    return rearmUnits({ planId: input.planId, units: request?.units });
  }, {
    validator: (_request: { actor: Actor; units?: string[] }) => {
      if (phase === 'closing' || phase === 'closed') {
        throw ApplicationFailure.create({ type: failureTypes.illegalTransition, message: `the plan is ${phase}`, nonRetryable: true, details: [{ state: phase }] });
      }
    },
  });

  const issued = await issuePlan({ planId: input.planId });
  // A township's own duties go straight to the township: there is nobody below to split them to.
  for (const townshipId of issued.townshipDuties) {
    await dispatchUnits({ planId: input.planId, townshipId, overrides: [], actor: null, townshipDuty: true });
  }
  phase = 'issued';

  if (input.autoDispatchAfterMs !== undefined) {
    // Whichever comes first: the time limit, or the plan closing.
    const closedFirst = await condition(() => phase !== 'issued', input.autoDispatchAfterMs);
    if (!closedFirst) {
      const late = await pendingTownships({ planId: input.planId });
      if (phase === 'issued') await Promise.all(late.map((townshipId) => dispatch({ townshipId, overrides: [], actor: null })));
    }
  }

  await condition(() => phase === 'closed');
  await condition(allHandlersFinished);
  return result!;
}
