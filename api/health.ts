import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Connection } from '@temporalio/client';
import type { AppEnv } from './context';

const checkTimeoutMs = 2000;

// Readiness asks Temporal once and takes the answer: a connection without the client's retry interceptor, so no
// retry is still pending when the answer is given (or when the process shuts down right after). One per address.
const probes = new Map<string, Connection>();
function probeFor(address: string): Connection {
  let probe = probes.get(address);
  if (!probe) probes.set(address, (probe = Connection.lazy({ address, interceptors: [] })));
  return probe;
}

/** Race a check against a timeout so a hung dependency still yields an answer. */
async function check(run: () => Promise<unknown>, timeoutMs = checkTimeoutMs): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

const readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  down: z.array(z.enum(['postgres', 'temporal'])),
  checks: z.object({ postgres: z.string(), temporal: z.string() }),
});

/** Liveness and readiness probes. */
export const health = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['operations'],
      summary: 'The process is alive',
      responses: { 200: { description: 'alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['operations'],
      summary: 'PostgreSQL and Temporal both answer',
      responses: {
        200: { description: 'ready', content: { 'application/json': { schema: readiness } } },
        503: { description: 'a dependency is down; `down` names it', content: { 'application/json': { schema: readiness } } },
      },
    }),
    async (c) => {
      const { sql, env } = c.var.deps;
      const [postgres, temporalCheck] = await Promise.all([
        check(() => sql`select 1`),
        check(() => probeFor(env.TEMPORAL_ADDRESS).workflowService.describeNamespace({ namespace: env.TEMPORAL_NAMESPACE })),
      ]);
      const down = [...(postgres === 'ok' ? [] : ['postgres' as const]), ...(temporalCheck === 'ok' ? [] : ['temporal' as const])];
      const body = { status: down.length ? ('unavailable' as const) : ('ready' as const), down, checks: { postgres, temporal: temporalCheck } };
      return down.length ? c.json(body, 503) : c.json(body, 200);
    },
  );
