import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateApiTypes, schemaFile } from '../../scripts/lib/api-types';

describe('the web app’s typed client', () => {
  it('matches the API’s OpenAPI document (run `npm run gen:api` after changing a route)', async () => {
    const committed = readFileSync(path.resolve(__dirname, '../..', schemaFile), 'utf8');
    const fresh = await generateApiTypes();
    expect(committed === fresh, `${schemaFile} is out of date with the API: run \`npm run gen:api\` and commit it`).toBe(true);
  });
});
