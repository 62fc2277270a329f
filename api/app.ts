import { Registry, collectDefaultMetrics } from 'prom-client';
import type { AppDeps } from './context';
import { docs } from './docs';
import { handleError } from './errors';
import { health } from './health';
import { requestLog } from './middleware/request-log';
import { jsonBodies } from './middleware/json-body';
import { completeErrorResponses } from './openapi-errors';
import { newRouter } from './router';
import { v1 } from './v1';
import { webApp } from './web';

/** The document's head; the paths come from the routes' zod schemas. */
export const openApiHead = (publicUrl?: string) => ({
  openapi: '3.0.3' as const,
  info: {
    title: 'jianjia 建家 API',
    version: '1',
    description: '富工建家: district → township → grassroots union task cycle, guidance ladder and 建家 index.',
  },
  servers: [{ url: publicUrl ?? '/' }],
});

/** The whole HTTP surface, built from its dependencies so tests can run it against real servers. */
export function createApp(deps: AppDeps) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const app = newRouter();
  app.use('*', requestLog(deps, registry));
  app.onError(handleError);
  app.use('/api/v1/*', jsonBodies(/^\/api\/v1\/(uploads|orgs\/import)$/));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.route('/', health);
  app.route('/api/v1', v1());
  app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }));
  let document: ReturnType<typeof app.getOpenAPIDocument> | undefined;
  app.get('/openapi.json', (c) => {
    document ??= completeErrorResponses(app.getOpenAPIDocument(openApiHead(deps.env.PUBLIC_URL)));
    return c.json(document);
  });
  app.route('/', docs);
  app.route('/', webApp());
  return app;
}
