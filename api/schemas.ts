import { z } from '@hono/zod-openapi';
import { lightOrder } from '../db/queries/tasks';

/** The error body every endpoint answers with on failure. */
export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).passthrough(),
  })
  .openapi('Error');

const errorContent = { 'application/json': { schema: errorSchema } };

/** Standard failure responses for an authenticated route. */
export const authErrors = {
  400: { description: 'malformed request; `field` names what is wrong', content: errorContent },
  401: { description: 'no token, or an expired or forged one', content: errorContent },
  403: { description: 'the caller’s role may not do this', content: errorContent },
  404: { description: 'not found, or outside the caller’s part of the org tree', content: errorContent },
} as const;

export const conflictError = { 409: { description: 'the thing changed since the caller read it, or the move is not allowed now', content: errorContent } } as const;
export const unprocessable = { 422: { description: 'well-formed but not acceptable; `field` names what', content: errorContent } } as const;

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  body: { required: true, description, content: { 'application/json': { schema } } },
});
export const jsonOk = <T extends z.ZodType>(schema: T, description = 'OK') => ({ description, content: { 'application/json': { schema } } });

export const uuid = z.string().uuid();
export const idParam = z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) });

/** An org's light: the worst colour among its tasks, with the count of each. */
export const orgLightSchema = z
  .object({
    light: z.enum(lightOrder),
    counts: z.object({ green: z.number(), blue: z.number(), yellow: z.number(), red: z.number() }),
  })
  .openapi('OrgLight');
