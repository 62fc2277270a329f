import type { AppDeps } from './context';
import { createApp, openApiHead } from './app';
import { completeErrorResponses } from './openapi-errors';
import { parseEnv } from '../lib/env';

/**
 * The API's OpenAPI document without servers behind it: the app is built with dependencies no route is
 * called with, and asked for its document. The web app's typed client is generated from this.
 */
export function openApiDocument() {
  const env = parseEnv({ DATABASE_URL: 'postgres://unused@127.0.0.1/unused', JWT_SECRET: 'x'.repeat(32) });
  const app = createApp({ env, sql: null, temporal: null, log: null } as unknown as AppDeps);
  return completeErrorResponses(app.getOpenAPIDocument(openApiHead()));
}
