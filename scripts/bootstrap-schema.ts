// Writes config/bootstrap.schema.json from the zod schema in src/cli/bootstrap/schema.ts (a test keeps it in step).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bootstrapJsonSchemaText } from '../src/cli/bootstrap/schema.ts';

const target = fileURLToPath(new URL('../config/bootstrap.schema.json', import.meta.url));
writeFileSync(target, bootstrapJsonSchemaText());
console.log(`wrote ${target}`);
