import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_CONFIG_FILE } from './load.ts';
import { configSchema } from './schema.ts';

interface Node { type?: string; description?: string; enum?: unknown[]; properties?: Record<string, Node>; items?: Node }

/** The configuration reference as a Markdown table, from the schema's descriptions and default.yaml. */
export function configReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input' }) as Node;
  const defaults = parseYaml(readFileSync(DEFAULT_CONFIG_FILE, 'utf8')) as Record<string, unknown>;
  const rows = ['| key | environment variable | type | default | description |', '|---|---|---|---|---|'];
  walk(schema, [], defaults, rows);
  return rows.join('\n');
}

function walk(node: Node, path: string[], defaults: unknown, rows: string[]): void {
  if (node.properties) {
    for (const [key, child] of Object.entries(node.properties)) {
      walk(child, [...path, key], (defaults as Record<string, unknown> | undefined)?.[key], rows);
    }
    return;
  }
  const env = `BRIDGEKEEPER_${path.map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('__')}`;
  const type = node.enum ? node.enum.map((v) => `\`${String(v)}\``).join(' \\| ') : node.type === 'array' ? `${node.items?.type ?? 'value'}[]` : node.type ?? 'value';
  rows.push(`| \`${path.join('.')}\` | \`${env}\` | ${type} | \`${JSON.stringify(defaults)}\` | ${node.description ?? ''} |`);
}
