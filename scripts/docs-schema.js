// `npm run docs:schema`: regenerate docs/snapshot-schema.md from the code's own schema.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSchemaDoc } from '../src/snapshot/schema-doc.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(path.join(root, 'docs', 'snapshot-schema.md'), renderSchemaDoc());
console.log('wrote docs/snapshot-schema.md');
