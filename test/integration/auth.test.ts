import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';

let s: DemoStack;
beforeAll(async () => {
  s = await startDemoStack();
});
afterAll(async () => s?.stop());

describe('login and who am I', () => {
  it('logs a demo user in and returns a token that expires', async () => {
    const res = await s.call('POST', '/api/v1/auth/login', { body: { login: 'township-03', password: 'jianjia-demo' } });
    expect(res.status).toBe(200);
    expect(res.body.token.split('.')).toHaveLength(3);
    expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(res.body.user).toMatchObject({ login: 'township-03', role: 'township_officer', orgLevel: 'township' });
  });

  it('tells the caller who they are and where they sit in the tree', async () => {
    const res = await s.call('GET', '/api/v1/me', { token: await s.token('unit-0001') });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ login: 'unit-0001', role: 'grassroots_chair', orgLevel: 'grassroots', townshipId: await s.orgId('FY-T01') });
  });

  it('answers a wrong password and an unknown login alike, with 401', async () => {
    const wrong = await s.call('POST', '/api/v1/auth/login', { body: { login: 'district', password: 'guess-guess' } });
    const unknown = await s.call('POST', '/api/v1/auth/login', { body: { login: 'nobody-here', password: 'guess-guess' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it('rejects a login body without a password, naming the field', async () => {
    const res = await s.call('POST', '/api/v1/auth/login', { body: { login: 'district' } });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('body.password');
  });

  it('refuses expired and forged tokens with 401 and says why', async () => {
    const expired = await s.call('GET', '/api/v1/me', { token: await s.expiredToken('district') });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired/);
    const forged = await s.call('GET', '/api/v1/me', { token: await s.forgedToken('district') });
    expect(forged.status).toBe(401);
    expect(forged.body.error.message).toMatch(/invalid/);
  });

  it('cuts off a deactivated account at once, even with a token issued before', async () => {
    const admin = await s.token('district');
    const victim = await s.token('unit-0002');
    const [u] = await s.db.sql<{ id: string }[]>`select id from users where login = 'unit-0002'`;
    const off = await s.call('PATCH', `/api/v1/users/${u!.id}`, { token: admin, body: { active: false } });
    expect(off.status).toBe(200);
    expect((await s.call('GET', '/api/v1/me', { token: victim })).status).toBe(401);
    const relogin = await s.call('POST', '/api/v1/auth/login', { body: { login: 'unit-0002', password: 'jianjia-demo' } });
    expect(relogin.status).toBe(401);
  });

  it('stores passwords only as slow salted hashes', async () => {
    const [row] = await s.db.sql<{ hash: string }[]>`select password_hash as hash from users where login = 'district'`;
    expect(row!.hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row!.hash).not.toContain('jianjia-demo');
  });
});
