// The OpenAPI description lists every status an operation can answer, each with the shared error
// body. Routes declare their own answers; this fills in the ones that come from the layers every
// route shares (validation, authentication, roles, lookups, body checks, Temporal), so the document
// and the behaviour cannot drift apart route by route.
import type { OpenAPIHono } from '@hono/zod-openapi';

type OpenAPIObject = ReturnType<OpenAPIHono['getOpenAPIDocument']>;

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

/** Operations that wait on a workflow, and may answer 503 when Temporal is busy or away. */
const temporalBacked = [
  /^\/api\/v1\/plans\/\{id\}\/(issue|dispatch|close|escalation)$/,
  /^\/api\/v1\/tasks\/\{id\}\/(claim|report|evaluate|exit|extend)$/,
  /^\/api\/v1\/plans\/\{id\}\/reconcile$/,
  /^\/readyz$/,
];

const descriptions: Record<string, string> = {
  '400': 'malformed request (bad JSON, a field of the wrong type or with forbidden characters); `field` names it',
  '401': 'no token, or an expired or forged one',
  '403': 'the caller’s role may not do this, or not to this part of the org tree',
  '404': 'not found, or outside the caller’s part of the org tree',
  '409': 'the thing changed since the caller read it, or the move is not allowed now',
  '413': 'the body is too large',
  '415': 'the body is not application/json (or multipart/form-data where a file is sent)',
  '422': 'well-formed but not acceptable; `field` names what',
  '503': 'the task-cycle service did not answer in time or refused for now; retry with the same Idempotency-Key',
};

/** Add the shared error statuses each operation can answer, keeping what a route already declares. */
export function completeErrorResponses(doc: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op = item[method];
      if (!op) continue;
      const statuses = new Set<string>(['400']);
      const secured = (op.security ?? doc.security ?? []).length > 0;
      if (secured) ['401', '403'].forEach((s) => statuses.add(s));
      if (path.includes('{')) statuses.add('404');
      const hasQuery = (op.parameters ?? []).some((p) => 'in' in p && p.in === 'query');
      if (hasQuery || op.requestBody) statuses.add('422');
      if (method !== 'get') {
        statuses.add('409');
        statuses.add('413');
        statuses.add('415');
      }
      if (temporalBacked.some((re) => re.test(path))) statuses.add('503');
      op.responses ??= {};
      for (const status of statuses) op.responses[status] ??= { description: descriptions[status]!, content: errorContent };
      // Node's HTTP server answers this itself, with no body, before any route runs.
      op.responses['431'] ??= { description: 'the request line or headers exceed 16 KB (e.g. a very long query string); no body' };
    }
  }
  return doc;
}
