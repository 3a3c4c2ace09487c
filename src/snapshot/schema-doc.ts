/**
 * Renders docs/snapshot-schema.md from the zod schema itself, so the document cannot drift from the
 * code (a test compares them; `npm run docs:schema` rewrites it).
 */
import { z } from 'zod';
import { SNAPSHOT_SCHEMA_VERSION, snapshotSchema } from './schema.ts';

type Json = { [key: string]: unknown };

export function renderSchemaDoc(): string {
  const schema = z.toJSONSchema(snapshotSchema, { io: 'output', unrepresentable: 'any' }) as Json;
  const lines: string[] = [
    '# Snapshot schema',
    '',
    `<!-- Generated from src/snapshot/schema.ts by \`npm run docs:schema\`. Do not edit by hand. -->`,
    '',
    `Schema version: **${SNAPSHOT_SCHEMA_VERSION}** (the \`schemaVersion\` field). A snapshot is one JSON document,`,
    'written to `<out>/snapshots/<id>/snapshot.json`, that holds everything the site shows for one as-of instant.',
    'Published snapshots never change: new fields are added compatibly; anything else bumps the version.',
    '',
    'Rates are fractions from 0 to 1; deltas are percentage points; times are ISO 8601 in UTC.',
    '',
  ];
  const queue: Array<{ title: string; node: Json }> = [{ title: 'Snapshot (top level)', node: schema }];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { title, node } = queue.shift()!;
    if (seen.has(title)) continue;
    seen.add(title);
    const properties = (node.properties ?? {}) as Record<string, Json>;
    const required = new Set((node.required ?? []) as string[]);
    lines.push(`## ${title}`, '');
    if (typeof node.description === 'string') lines.push(node.description, '');
    lines.push('| field | type | required | meaning |', '|---|---|---|---|');
    for (const [name, prop] of Object.entries(properties)) {
      const path = title === 'Snapshot (top level)' ? name : `${title}.${name}`;
      lines.push(`| \`${name}\` | ${typeOf(prop)} | ${required.has(name) ? 'yes' : 'no'} | ${escapeCell(describe(prop))} |`);
      const objectNode = objectOf(prop);
      if (objectNode && Object.keys((objectNode.properties ?? {}) as object).length > 0) queue.push({ title: path, node: objectNode });
    }
    lines.push('');
  }
  return lines.join('\n');
}

function objectOf(node: Json): Json | undefined {
  if (node.type === 'object' && node.properties) return node;
  if (node.type === 'array' && node.items && (node.items as Json).type === 'object') return node.items as Json;
  for (const key of ['anyOf', 'oneOf']) {
    const list = node[key] as Json[] | undefined;
    const found = list?.map(objectOf).find(Boolean);
    if (found) return found;
  }
  return undefined;
}

function typeOf(node: Json): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (Array.isArray(node.enum)) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (Array.isArray(node.anyOf)) return (node.anyOf as Json[]).map(typeOf).join(' or ');
  if (node.type === 'array') {
    if (Array.isArray(node.prefixItems)) return `[${(node.prefixItems as Json[]).map(typeOf).join(', ')}]`;
    return `array of ${node.items ? typeOf(node.items as Json) : 'any'}`;
  }
  if (node.type === 'object') return node.properties ? 'object' : 'map';
  if (Array.isArray(node.type)) return (node.type as string[]).join(' or ');
  if (node.type === 'integer') return 'integer';
  return typeof node.type === 'string' ? node.type : 'any';
}

function describe(node: Json): string {
  if (typeof node.description === 'string') return node.description;
  for (const key of ['anyOf', 'oneOf']) {
    const list = node[key] as Json[] | undefined;
    const found = list?.find((n) => typeof n.description === 'string');
    if (found) return found.description as string;
  }
  if (node.type === 'array' && node.items && typeof (node.items as Json).description === 'string') return (node.items as Json).description as string;
  return '';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
