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
