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

/** app.onError: domain errors keep their status; anything unexpected is a logged 500 with no internals. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof DomainError) {
    return c.json<ErrorBody>({ error: { code: err.code, message: err.message, ...err.details } }, err.status);
  }
  if (err instanceof ZodError) {
    const { message, field } = describeZodError(err, 'body');
    return c.json<ErrorBody>({ error: { code: 'invalid', message, field } }, 400);
  }
  if (err instanceof HTTPException) {
    return c.json<ErrorBody>({ error: { code: 'http_error', message: err.message || 'bad request' } }, err.status);
  }
  c.get('log')?.error({ err }, 'unhandled error');
  return c.json<ErrorBody>({ error: { code: 'internal', message: 'internal error; the request id is in X-Request-Id' } }, 500);
}
