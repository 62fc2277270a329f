// `npm run gen:api`: regenerate web/src/api/schema.d.ts from the API's OpenAPI document.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateApiTypes, schemaFile } from './lib/api-types';

const root = path.resolve(import.meta.dirname, '..');
writeFileSync(path.join(root, schemaFile), await generateApiTypes());
process.stdout.write(`wrote ${schemaFile}\n`);
