import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context';
import { describeZodError } from './errors';

/** A sub-app whose validation failures become a 400 that names the field. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const { message, field } = describeZodError(result.error, result.target === 'json' ? 'body' : result.target);
        return c.json({ error: { code: 'invalid', message, field } }, 400);
      }
    },
  });
}
