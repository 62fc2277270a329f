import { createRoute, z } from '@hono/zod-openapi';
import { text } from '../lib/input';
import { findLogin } from '../db/queries/users';
import { unauthenticated } from '../lib/errors';
import { hashPassword, verifyPassword } from '../lib/password';
import { issueToken, requireUser } from './middleware/auth';
import { newRouter } from './router';
import { authErrors, errorSchema, jsonBody, jsonOk } from './schemas';

const userSchema = z
  .object({
    id: z.string(),
    login: z.string(),
    displayName: z.string(),
    role: z.enum(['district_admin', 'department_staff', 'township_officer', 'grassroots_chair']),
    orgId: z.string(),
    orgLevel: z.enum(['district', 'township', 'grassroots']),
    districtId: z.string(),
    townshipId: z.string().nullable(),
    department: z.string().nullable(),
  })
  .openapi('User');

// Unknown logins still cost one hash, so response time does not reveal which logins exist.
const decoyHash = hashPassword('not-a-real-password');

/** Log in, and who am I. */
export const auth = newRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/login',
      tags: ['auth'],
      summary: 'Exchange a login and password for a signed, expiring token',
      request: jsonBody(z.object({ login: text('short', { min: 1 }), password: text('secret', { min: 1 }) })),
      responses: {
        200: jsonOk(z.object({ token: z.string(), expiresAt: z.string(), user: userSchema }), 'logged in'),
        400: { description: 'malformed', content: { 'application/json': { schema: errorSchema } } },
        401: { description: 'login or password wrong, or account inactive', content: { 'application/json': { schema: errorSchema } } },
      },
    }),
    async (c) => {
      const { login, password } = c.req.valid('json');
      const row = await findLogin(c.var.sql, login.trim().toLowerCase());
      const ok = row ? await verifyPassword(password, row.passwordHash) : (await verifyPassword(password, await decoyHash), false);
      if (!row || !ok) throw unauthenticated('login or password is wrong');
      if (!row.active || row.orgStatus !== 'active') throw unauthenticated('this account is no longer active');
      const { passwordHash: _h, active: _a, orgStatus: _s, ...user } = row;
      const { env } = c.var.deps;
      const issued = await issueToken(user.id, env.JWT_SECRET, env.TOKEN_TTL_SECONDS);
      return c.json({ ...issued, user }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/me',
      tags: ['auth'],
      summary: 'The caller, their role and their place in the org tree',
      security: [{ bearer: [] }],
      middleware: [requireUser()] as const,
      responses: { 200: jsonOk(userSchema), 401: authErrors[401] },
    }),
    (c) => c.json(c.var.user, 200),
  );
