// Which failures an activity retries. PostgreSQL data and constraint errors (SQLSTATE classes 22 and
// 23) come back the same on every try: they fail at once, non-retryable, so nothing retries for ever.
// Connection loss, serialization failures and deadlocks (classes 08, 40, 53, 57) keep retrying, up to
// the cap each workflow sets in its retry policy.
import { ApplicationFailure } from '@temporalio/activity';

/** Failure type of an activity whose write the database refused for good. */
export const dataRefused = 'DataRefused';

/** The SQLSTATE of a postgres.js error, if it is one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Data exception (22) or integrity constraint violation (23): the same request fails the same way again. */
export function isPermanentDbError(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/** The error as a non-retryable ApplicationFailure when it is permanent; otherwise as it was. */
export function classify(err: unknown): unknown {
  if (err instanceof ApplicationFailure || !isPermanentDbError(err)) return err;
  const e = err as Error & { code: string; column_name?: string; constraint_name?: string };
  const where = e.constraint_name ? ` (constraint ${e.constraint_name})` : e.column_name ? ` (column ${e.column_name})` : '';
  return ApplicationFailure.create({ type: dataRefused, message: `${e.message}${where} [SQLSTATE ${e.code}]`, nonRetryable: true, details: [{ sqlState: e.code }] });
}

/** Run an activity body, turning permanent database errors into non-retryable failures. */
export async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw classify(err);
  }
}
