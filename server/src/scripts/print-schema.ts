/** Writes schema.graphql (sorted) from the Pothos schema. A test fails when the committed file is stale. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSortedSchema } from '../graphql/schema.js';

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schema.graphql');
writeFileSync(target, printSortedSchema());
console.log(`Wrote ${path.relative(process.cwd(), target)}`);
