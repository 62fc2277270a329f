import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { DomainError } from '../lib/errors';
import { failureTypes } from '../workflows/unit-tasks.contract';

/** Turn a workflow's refusal into the HTTP answer it stands for; anything else is rethrown. */
export function mapWorkflowFailure(err: unknown): never {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const failure = err.cause;
    const details = (failure.details?.[0] ?? {}) as Record<string, unknown>;
    switch (failure.type) {
      case failureTypes.illegalTransition:
        throw new DomainError('illegal_transition', failure.message, 409, details);
      case failureTypes.stale:
        throw new DomainError('stale', failure.message, 409, details);
      case failureTypes.invalid:
        throw new DomainError('invalid', failure.message, 422, details);
      case failureTypes.notAllowed:
        throw new DomainError('forbidden', failure.message, 403);
      case failureTypes.notFound:
        throw new DomainError('not_found', 'task not found', 404);
      case failureTypes.projectionFailed:
        // Undone in the workflow: the task is as it was. Refused data is the request's fault; an unavailable database is not.
        throw new DomainError(details.permanent ? 'not_written' : 'unavailable', failure.message, details.permanent ? 422 : 503, { state: details.state, version: details.version });
    }
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ActivityFailure) {
    // An activity behind the update gave up: refused data is the request's fault; anything else, try again later.
    const cause = err.cause.cause;
    if (cause instanceof ApplicationFailure && cause.type === 'DataRefused') throw new DomainError('not_written', `the database refused this change: ${cause.message}`, 422);
    throw new DomainError('unavailable', `the cycle service could not complete this change (${cause?.message ?? err.cause.message}); retry with the same Idempotency-Key`, 503);
  }
  if (err instanceof WorkflowNotFoundError) {
    throw new DomainError('not_running', 'this task is not running in the cycle (not yet dispatched, or its plan is closed)', 409);
  }
  throw err;
}

/** Wait for `work` at most `ms`; on timeout throw a 503 telling the caller how to retry safely. */
export async function withinTime<T>(work: Promise<T>, ms: number, retryHint: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DomainError('busy', `the cycle service did not answer within ${ms / 1000} s; ${retryHint}`, 503)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Worth sending again with the same update id, and why: the workflow is at its in-flight update limit (10 by
 * default, e.g. every township dispatching at once), the server aborted the update (its workflow task was lost or
 * timed out under load), the long poll for its outcome ended, or the workflow's last workflow task failed and is
 * being retried (FAILED_PRECONDITION "Workflow Task in failed state": its worker died, or the server restarted,
 * mid-task; Temporal refuses updates until a workflow task completes again). Temporal admits an update id once
 * per run, so a resent update either joins the one under way or returns its outcome.
 */
function busyReason(err: unknown): 'limit' | 'recovering' | null {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return 'limit';
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (e instanceof Error && /Workflow Task in failed state/i.test(e.message)) return 'recovering';
    if (code === 8 || code === 4) return 'limit'; // RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED
    if (e instanceof Error && /RESOURCE_EXHAUSTED|update was aborted|DEADLINE_EXCEEDED/.test(e.message)) return 'limit';
  }
  return null;
}

/**
 * Run `send`, retrying with back-off while the workflow is at its in-flight update limit (e.g. every township
 * dispatching at the same moment) or recovering from a failed workflow task. Past `deadlineMs` the caller gets a
 * 503 to retry.
 */
export async function retryWhileBusy<T>(send: () => Promise<T>, deadlineMs: number): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let wait = 200; ; wait = Math.min(wait * 2, 5000)) {
    try {
      return await send();
    } catch (err) {
      const reason = busyReason(err);
      if (!reason) throw err;
      if (Date.now() + wait > deadline) {
        throw new DomainError(
          'busy',
          reason === 'limit'
            ? 'too many changes to this plan are under way at once; retry shortly with the same Idempotency-Key'
            : 'the cycle service is recovering this task list from an interrupted step; retry shortly with the same Idempotency-Key',
          503,
        );
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/**
 * Send an update and wait for its answer, the one way the API does it: retried with back-off while the workflow is
 * at its in-flight limit, bounded by `ms` (then a 503 saying how to retry safely), and a workflow's refusal mapped to
 * the HTTP answer it stands for.
 */
export async function sendUpdate<T>(send: () => Promise<T>, ms: number, retryHint: string, progress?: () => Promise<Record<string, unknown>>): Promise<T> {
  try {
    return await withinTime(retryWhileBusy(send, ms), ms, retryHint);
  } catch (err) {
    // A 503 says what is done so far when the caller can tell (a dispatch: units dispatched of the township's).
    if (err instanceof DomainError && err.status === 503 && progress) {
      throw new DomainError(err.code, err.message, 503, { ...err.details, progress: await progress().catch(() => null) });
    }
    if (err instanceof DomainError) throw err;
    mapWorkflowFailure(err);
  }
}
