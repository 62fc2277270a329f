import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { DomainError } from '../lib/errors';
import type { AppEnv } from './context';

/** The one error body every endpoint answers with. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; [k: string]: unknown };
}

/** Turn a zod failure into a message that names the field, e.g. `body.year: expected a number`. */
export function describeZodError(err: ZodError, where: string): { message: string; field: string } {
  const first = err.issues[0];
  const field = [where, ...(first?.path ?? [])].filter((p) => p !== '').join('.');
  const message = err.issues
    .slice(0, 5)
    .map((i) => `${[where, ...i.path].filter((p) => p !== '').join('.')}: ${i.message}`)
    .join('; ');
  return { message, field };
}

/** The SQLSTATE of a PostgreSQL error that got this far, if it is one. */
const sqlState = (err: unknown) => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && (err as { severity?: unknown }).severity !== undefined ? code : undefined;
};

/** Connection failures of postgres.js and Node, and PostgreSQL's "connection exception" and shutdown states. */
const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);
/** Whether a failure means a server we depend on is away for now (PostgreSQL down or restarting, Temporal unreachable). */
function unavailable(err: unknown): 'database' | 'cycle service' | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (unavailableCodes.has(code) || /^08/.test(code) || /^57P0[123]$/.test(code))) return 'database';
    // gRPC UNAVAILABLE from Temporal's client.
    if (code === 14 || (e instanceof Error && /\b14 UNAVAILABLE\b/.test(e.message))) return 'cycle service';
  }
  return null;
}

/**
 * app.onError: domain errors keep their status; anything unexpected is a logged 500 with no internals.
 * Server-side failures carry the request id in the body (every answer has it in X-Request-Id).
 */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId');
  if (err instanceof DomainError) {
    // The request id goes with failures the caller cannot fix by changing the request (and with refused writes), for support.
    const withId = err.status >= 500 || err.code === 'not_written' ? { requestId } : {};
    if (err.status === 503) c.header('Retry-After', '5');
    return c.json<ErrorBody>({ error: { code: err.code, message: err.message, ...err.details, ...withId } }, err.status);
  }
  // A value the input rules should have refused reached PostgreSQL: still the caller's 4xx, never a 500.
  const state = sqlState(err);
  if (state?.startsWith('22')) {
    c.get('log')?.warn({ err }, 'database refused a value the input rules let through');
    return c.json<ErrorBody>({ error: { code: 'invalid', message: `a value was refused by the database (SQLSTATE ${state}); request id ${requestId}`, requestId } }, 400);
  }
  if (err instanceof ZodError) {
    const { message, field } = describeZodError(err, 'body');
    return c.json<ErrorBody>({ error: { code: 'invalid', message, field } }, 400);
  }
  if (err instanceof HTTPException) {
    return c.json<ErrorBody>({ error: { code: 'http_error', message: err.message || 'bad request' } }, err.status);
  }
  const away = unavailable(err);
  if (away) {
    c.get('log')?.warn({ err }, `${away} unavailable`);
    c.header('Retry-After', '5');
    const changes = c.req.method !== 'GET' && c.req.method !== 'HEAD';
    const advice = changes
      ? 'it may or may not have been applied: retry with the same Idempotency-Key, which returns the first result if it was'
      : 'retry shortly';
    return c.json<ErrorBody>({ error: { code: 'unavailable', message: `the ${away} is unavailable right now; ${advice} (request id ${requestId})`, requestId } }, 503);
  }
  c.get('log')?.error({ err }, 'unhandled error');
  return c.json<ErrorBody>({ error: { code: 'internal', message: `internal error; request id ${requestId}`, requestId } }, 500);
}
