import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import { openApiDocument } from '../../api/openapi-document';

export const schemaFile = 'web/src/api/schema.d.ts';

/** The web client's types, generated from the API's own OpenAPI document. */
export async function generateApiTypes(): Promise<string> {
  const ast = await openapiTS(openApiDocument() as unknown as OpenAPI3, { alphabetize: false });
  return `// Generated from the API's OpenAPI document by \`npm run gen:api\`; do not edit.\n// test/unit/web-api-types.test.ts fails when this file and the API differ.\n\n${astToString(ast)}`;
}
