import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '../../lib/errors';
import type { AppEnv } from '../context';
import { handleError } from '../errors';

/** Largest JSON body any endpoint takes: a dispatch with thousands of overrides fits comfortably. */
export const jsonMaxBytes = 1024 * 1024;

/**
 * Every body but a multipart upload is JSON: another content type is a 415, a body over
 * jsonMaxBytes a 413, both answered before the body is read.
 */
export function jsonBodies(multipartPaths: RegExp): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: jsonMaxBytes,
    onError: (c) => {
      const res = handleError(new DomainError('too_large', `body: larger than ${jsonMaxBytes} bytes`, 413, { field: 'body' }), c);
      res.headers.set('connection', 'close');
      return res;
    },
  });
  return async (c, next) => {
    if (!['POST', 'PUT', 'PATCH'].includes(c.req.method) || multipartPaths.test(c.req.path)) return next();
    const type = c.req.header('content-type');
    if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
      throw new DomainError('unsupported_media_type', `Content-Type: send application/json, not ${type.slice(0, 100)}`, 415, { field: 'Content-Type' });
    }
    return limit(c, next);
  };
}
