import { sign } from 'hono/jwt';
import { DEMO_PASSWORD, loadDemoData } from '../../db/demo/load';
import { startStack, type Stack, type StackOptions } from './stack';

export interface DemoStack extends Stack {
  /** A real token for a demo login, obtained through POST /api/v1/auth/login (cached). */
  token(login: string): Promise<string>;
  /** The id of a demo org by code. */
  orgId(code: string): Promise<string>;
  /** A correctly signed token that expired an hour ago. */
  expiredToken(login: string): Promise<string>;
  /** A token with a valid shape, signed with the wrong key. */
  forgedToken(login: string): Promise<string>;
}

/** The real API on a fresh database holding the Fuyang demo district. */
export async function startDemoStack(overrides: Partial<Record<string, string>> = {}, options: StackOptions = {}): Promise<DemoStack> {
  const stack = await startStack(overrides, options);
  await loadDemoData(stack.db.sql);
  const tokens = new Map<string, string>();
  const userId = async (login: string) => {
    const [row] = await stack.db.sql<{ id: string }[]>`select id from users where login = ${login}`;
    if (!row) throw new Error(`no demo user ${login}`);
    return row.id;
  };
  return {
    ...stack,
    async token(login) {
      const cached = tokens.get(login);
      if (cached) return cached;
      const res = await stack.call('POST', '/api/v1/auth/login', { body: { login, password: DEMO_PASSWORD } });
      if (res.status !== 200) throw new Error(`login ${login} failed: ${res.status} ${JSON.stringify(res.body)}`);
      tokens.set(login, res.body.token);
      return res.body.token;
    },
    async orgId(code) {
      const [row] = await stack.db.sql<{ id: string }[]>`select id from orgs where code = ${code}`;
      if (!row) throw new Error(`no demo org ${code}`);
      return row.id;
    },
    async expiredToken(login) {
      const now = Math.floor(Date.now() / 1000);
      return sign({ sub: await userId(login), iat: now - 7200, exp: now - 3600 }, stack.env.JWT_SECRET, 'HS256');
    },
    async forgedToken(login) {
      const now = Math.floor(Date.now() / 1000);
      return sign({ sub: await userId(login), iat: now, exp: now + 3600 }, 'an-attacker-guessed-this-secret-0123456789', 'HS256');
    },
  };
}
