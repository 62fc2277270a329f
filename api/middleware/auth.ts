import type { MiddlewareHandler } from 'hono';
import { sign, verify } from 'hono/jwt';
import { JwtTokenExpired } from 'hono/utils/jwt/types';
import { forbidden, unauthenticated } from '../../lib/errors';
import type { Sql } from '../../db/client';
import { findActiveUser } from '../../db/queries/users';
import type { AppEnv, CurrentUser } from '../context';

/** Sign a login token carrying only the user id; roles and orgs are read fresh on every request. */
export async function issueToken(userId: string, secret: string, ttlSeconds: number, now = Date.now()) {
  const iat = Math.floor(now / 1000);
  const exp = iat + ttlSeconds;
  const token = await sign({ sub: userId, iat, exp }, secret, 'HS256');
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

async function userFromToken(sql: Sql, header: string | undefined, secret: string): Promise<CurrentUser> {
  const match = header && /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthenticated();
  let payload: Record<string, unknown>;
  try {
    payload = await verify(match[1], secret, 'HS256');
  } catch (err) {
    if (err instanceof JwtTokenExpired) throw unauthenticated('token expired; log in again');
    throw unauthenticated('token is invalid; log in again');
  }
  if (typeof payload.sub !== 'string') throw unauthenticated('token is invalid; log in again');
  // A deactivated user, or one whose org was dissolved, loses access at once, not at token expiry.
  const user = await findActiveUser(sql, payload.sub);
  if (!user) throw unauthenticated('this account is no longer active');
  return user;
}

/** Every /api/v1 route except login: prove who is asking. */
export function requireUser(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Sub-apps sharing a path prefix each declare it; the user is loaded once per request.
    if (c.get('user')) return next();
    c.set('user', await userFromToken(c.var.sql, c.req.header('authorization'), c.var.deps.env.JWT_SECRET));
    await next();
  };
}

/** Only these roles may use the route. */
export function requireRole(...roles: CurrentUser['role'][]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roles.includes(c.var.user.role)) throw forbidden(`only ${roles.join(' or ')} may do this`);
    await next();
  };
}
