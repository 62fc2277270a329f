import type { MiddlewareHandler } from 'hono';
import { randomUUID } from 'node:crypto';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AppDeps, AppEnv } from '../context';

/**
 * Gives each request an id (echoed as X-Request-Id), a child logger carrying it,
 * one JSON log line when it ends, and Prometheus counts and latencies by route.
 */
export function requestLog(deps: AppDeps, registry: Registry): MiddlewareHandler<AppEnv> {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    const log = deps.log.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    c.set('deps', deps);
    c.set('sql', deps.sql);
    c.set('temporal', deps.temporal);
    const started = process.hrtime.bigint();
    await next();
    c.header('X-Request-Id', requestId);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // The matched pattern, not the raw path, keeps the label set small.
    const route = c.req.routePath || 'unmatched';
    requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    latency.observe({ method: c.req.method, route }, seconds);
    const level = c.res.status >= 500 ? 'error' : 'info';
    log[level]({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 1000), user: c.get('user')?.login }, 'request');
  };
}
