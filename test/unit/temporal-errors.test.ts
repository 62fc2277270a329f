import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { retryWhileBusy } from '../../api/temporal-errors';
import { DomainError } from '../../lib/errors';

// The shape the Temporal client gives an update refused while the workflow's last workflow task failed (its worker
// was killed, or the server restarted, mid-task): a ServiceError around gRPC status 9. Seen in `npm run chaos`,
// where it used to reach the caller as a 500.
const failedTask = () =>
  new ServiceError('Workflow Update failed', {
    cause: Object.assign(new Error('9 FAILED_PRECONDITION: Unable to perform workflow execution update due to Workflow Task in failed state.'), { code: 9 }),
  });

describe('retryWhileBusy', () => {
  it('sends an update again while the workflow task is in failed state, and returns its answer once it is taken', async () => {
    let calls = 0;
    const answer = await retryWhileBusy(async () => {
      calls += 1;
      if (calls < 3) throw failedTask();
      return 'claimed';
    }, 10_000);
    expect(answer).toBe('claimed');
    expect(calls).toBe(3);
  });

  it('answers 503 (retry with the same key), never an unexplained error, when the workflow task stays failed past the deadline', async () => {
    const err = await retryWhileBusy(async () => {
      throw failedTask();
    }, 300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).status).toBe(503);
    expect((err as DomainError).message).toContain('retry shortly with the same Idempotency-Key');
  });

  it('passes any other refusal through untouched, at once', async () => {
    let calls = 0;
    const other = new ServiceError('Workflow Update failed', { cause: Object.assign(new Error('9 FAILED_PRECONDITION: workflow execution already completed'), { code: 9 }) });
    const err = await retryWhileBusy(async () => {
      calls += 1;
      throw other;
    }, 10_000).catch((e: unknown) => e);
    expect(err).toBe(other);
    expect(calls).toBe(1);
  });
});
