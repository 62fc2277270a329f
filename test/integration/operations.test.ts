import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.stop());

describe('operations endpoints', () => {
  it('reports alive on /healthz', async () => {
    const res = await stack.call('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('reports ready when PostgreSQL and Temporal both answer', async () => {
    const res = await stack.call('GET', '/readyz');
    expect(res.body.checks).toEqual({ postgres: 'ok', temporal: 'ok' });
    expect(res.status).toBe(200);
  });

  it('answers 503 naming Temporal when Temporal is unreachable', async () => {
    const broken = await startStack({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    try {
      const res = await broken.call('GET', '/readyz');
      expect(res.status).toBe(503);
      expect(res.body.down).toEqual(['temporal']);
      expect(res.body.checks.postgres).toBe('ok');
    } finally {
      await broken.stop();
    }
  });

  it('gives every response a request id, echoing a sane incoming one', async () => {
    const fresh = await stack.call('GET', '/healthz');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await stack.call('GET', '/healthz', { headers: { 'x-request-id': 'trace-42' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-42');
  });

  it('exposes request counts and latencies in Prometheus text format', async () => {
    await stack.call('GET', '/healthz');
    const res = await stack.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(res.body).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz"\}/);
  });

  it('serves a valid OpenAPI 3 document', async () => {
    const res = await stack.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.info.title).toContain('jianjia');
    expect(Object.keys(res.body.paths)).toContain('/readyz');
  });

  it('serves browsable docs at /docs with their assets from this server', async () => {
    const page = await stack.call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="swagger-ui">');
    // Follow the page's own scripts, as a browser would: the initialiser points the UI at the spec.
    const init = await stack.call('GET', '/docs/init.js');
    expect(init.body).toContain("url: '/openapi.json'");
    const script = await stack.call('GET', '/docs/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
    expect(String(script.body).length).toBeGreaterThan(100_000);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await stack.call('GET', '/api/v1/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('when PostgreSQL is away', () => {
  it('answers 503 with Retry-After and says whether to retry with the same Idempotency-Key, never 500', async () => {
    const { serve } = await import('@hono/node-server');
    const { createApp } = await import('../../api/app');
    const { connect } = await import('../../db/client');
    const { createLogger } = await import('../../lib/log');
    const { temporalClient } = await import('../../lib/temporal');
    // A pool pointed at a port nobody listens on: every query fails to connect, as when the server is down.
    const sql = connect('postgres://jianjia:x@127.0.0.1:1/jianjia', 1);
    const app = createApp({ env: stack.env, sql, temporal: temporalClient(stack.env), log: createLogger('silent', 'api-test') });
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as { port: number };
    try {
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'district', password: 'x' }) });
      expect(login.status).toBe(503);
      expect(login.headers.get('retry-after')).toBe('5');
      const body = (await login.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unavailable');
      expect(body.error.message).toContain('retry with the same Idempotency-Key');
      // A read with a good token: the account is looked up in the database, which is away.
      const { sign } = await import('hono/jwt');
      const now = Math.floor(Date.now() / 1000);
      const token = await sign({ sub: '00000000-0000-4000-8000-000000000000', iat: now, exp: now + 600 }, stack.env.JWT_SECRET, 'HS256');
      const read = await fetch(`http://127.0.0.1:${port}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(read.status).toBe(503);
      expect(((await read.json()) as { error: { message: string } }).error.message).toContain('retry shortly');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sql.end({ timeout: 1 });
    }
  });
});
