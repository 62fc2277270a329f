import type { Context, MiddlewareHandler } from 'hono';
import { createHash, randomUUID } from 'node:crypto';
import { DomainError } from '../../lib/errors';
import { idempotencyKey } from '../../lib/input';
import type { AppEnv } from '../context';

declare module 'hono' {
  interface ContextVariableMap {
    /** Stable id for this request's effect, from Idempotency-Key; used as Temporal's update id. */
    effectId: string | undefined;
    /** This request's update id when it has no Idempotency-Key (see updateIdOf). */
    requestUpdateId: string | undefined;
  }
}

/**
 * `Idempotency-Key`: the first request with a key is carried out and its answer kept; a repeat of the
 * same request gets that answer again; the same key on a different request is refused. Two identical
 * requests racing each other both reach Temporal with one update id, and Temporal applies it once.
 */
export function idempotent(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) return next();
    const checked = idempotencyKey.safeParse(key);
    if (!checked.success) throw new DomainError('invalid', checked.error.issues[0]!.message, 400, { field: 'Idempotency-Key' });
    const user = c.var.user;
    const hash = createHash('sha256').update(`${c.req.method} ${c.req.path}\n${await c.req.text()}`).digest('hex');
    const sql = c.var.sql;
    const [seen] = await sql<{ requestHash: string; status: number; body: unknown }[]>`
      select request_hash as "requestHash", status, body from idempotency_keys where user_id = ${user.id} and key = ${key}`;
    if (seen) {
      if (seen.requestHash !== hash) throw new DomainError('idempotency_key_reused', 'Idempotency-Key was already used for a different request', 422, { field: 'Idempotency-Key' });
      c.header('Idempotent-Replayed', 'true');
      return c.json(seen.body as object, seen.status as 200);
    }
    c.set('effectId', `${user.id}:${key}`);
    await next();
    if (c.res.status < 500 && c.res.headers.get('content-type')?.includes('application/json')) {
      const body = await c.res.clone().json();
      await sql`
        insert into idempotency_keys (user_id, key, request_hash, status, body)
        values (${user.id}, ${key}, ${hash}, ${c.res.status}, ${sql.json(body as never)})
        on conflict do nothing`;
    }
  };
}

/**
 * The Temporal update id of this request's change: from its Idempotency-Key, else one drawn for the request and kept
 * for its whole life. The API resends an update the server aborted or could not answer in time; with the same id the
 * resend joins the first or returns its outcome, where a fresh id (the SDK's default) would make it a second change:
 * a report recorded twice, a claim refused as already claimed, a township dispatched again. `part` names one of
 * several changes a request makes (a row of a bulk review, a plan of a calendar's re-arm).
 */
export function updateIdOf(c: Context<AppEnv>, part?: string): string {
  let id = c.get('effectId') ?? c.get('requestUpdateId');
  if (id === undefined) {
    id = `request:${randomUUID()}`;
    c.set('requestUpdateId', id);
  }
  return part === undefined ? id : `${id}:${part}`;
}

/**
 * The id of the row a keyed request creates when it changes the database only (a need, an adjustment, an urge):
 * derived from the Idempotency-Key, so a retry after a crash between the write and the stored answer finds the
 * row the first attempt wrote instead of writing a second. Undefined without a key.
 */
export function effectUuid(c: Context<AppEnv>): string | undefined {
  const effect = c.get('effectId');
  if (effect === undefined) return undefined;
  const h = createHash('sha256').update(`effect\n${effect}`).digest('hex');
  // RFC 9562 layout: version 8 (name-based, custom hash), variant 10.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Thrown inside a transaction whose row the same key already wrote: rolls back what it did (a document number). */
export class AlreadyWritten extends Error {
  constructor(readonly id: string) {
    super(`already written by an earlier attempt: ${id}`);
  }
}
