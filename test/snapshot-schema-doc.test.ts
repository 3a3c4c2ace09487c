/** docs/snapshot-schema.md is generated from the code's schema and must match it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSchemaDoc } from '../src/snapshot/schema-doc.ts';
import { SNAPSHOT_SCHEMA_VERSION, snapshotSchema } from '../src/snapshot/schema.ts';
import { VERSION } from '../src/version.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('snapshot schema documentation', () => {
  it('is current: regenerate with `npm run docs:schema` after changing src/snapshot/schema.ts', () => {
    const onDisk = readFileSync(path.join(ROOT, 'docs', 'snapshot-schema.md'), 'utf8');
    expect(onDisk).toBe(renderSchemaDoc());
  });

  it('documents every top-level field and the version', () => {
    const doc = renderSchemaDoc();
    expect(doc).toContain(`Schema version: **${SNAPSHOT_SCHEMA_VERSION}**`);
    for (const field of Object.keys(snapshotSchema.shape)) expect(doc, field).toContain(`| \`${field}\` |`);
  });

  it('stamps snapshots with the package version', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
