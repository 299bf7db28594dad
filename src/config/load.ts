import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, DEVELOPMENT_SECRET_MARKER, type Config } from './schema.ts';

export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));
const ENV_PREFIX = 'BRIDGEKEEPER_';
const ENV_CONFIG_FILE = 'BRIDGEKEEPER_CONFIG';

/** Configuration could not be loaded; `problems` name every bad key by its dotted path. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadedConfig {
  config: Config;
  /** Where the values came from, for the start-up log line. */
  sources: string[];
  /** Unsafe settings in use (development only; production refuses them). */
  warnings: string[];
}

/*
 * - config/default.yaml, then the file named by `file` / BRIDGEKEEPER_CONFIG, then BRIDGEKEEPER_* variables
 *   (`__` separates levels, `_` within a level is camelCase: BRIDGEKEEPER_SERVER__PUBLIC_URL -> server.publicUrl)
 * - validated against the schema; every problem is reported with its dotted path, none silently fixed
 * - unsafe defaults are warnings in development and errors in production
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const sources = [DEFAULT_CONFIG_FILE];
  let raw = readYaml(DEFAULT_CONFIG_FILE);
  const file = options.file ?? env[ENV_CONFIG_FILE];
  if (file) {
    raw = merge(raw, readYaml(file));
    sources.push(file);
  }
  const overlay = environmentOverlay(env);
  if (overlay.names.length > 0) {
    raw = merge(raw, overlay.values);
    sources.push(`environment (${overlay.names.join(', ')})`);
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map(describeIssue));
  const config = parsed.data;

  const unsafe = unsafeSettings(config);
  if (config.environment === 'production' && unsafe.length > 0) {
    throw new ConfigError(unsafe.map((u) => `${u} (not allowed when environment is production)`));
  }
  return { config, sources, warnings: unsafe };
}

function readYaml(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${path}: not valid YAML (${(error as Error).message.split('\n')[0]})`]);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError([`${path}: must be a mapping of keys`]);
  return value as Record<string, unknown>;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${path === '(root)' ? key : `${path}.${key}`}: unknown key`).join('; ');
  }
  return `${path}: ${issue.message}`;
}

/** Recursive merge of plain objects; arrays and scalars of `over` replace those of `base`. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/*
 * Environment values are text; the schema says what each key holds, so "3000" becomes a number only where a
 * number is expected and a secret made of digits stays a string. Arrays and objects are given as JSON.
 * Unknown names are kept, so that validation reports them as unknown keys rather than ignoring a typo.
 */
function environmentOverlay(env: NodeJS.ProcessEnv): { values: Record<string, unknown>; names: string[] } {
  const jsonSchema = z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchema;
  const values: Record<string, unknown> = {};
  const names: string[] = [];
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || name === ENV_CONFIG_FILE || text === undefined) continue;
    names.push(name);
    const path = name.slice(ENV_PREFIX.length).split('__').map(camelCase);
    const leaf = schemaAt(jsonSchema, path);
    let value: unknown = text;
    if (leaf && leaf.type !== 'string') {
      try {
        value = JSON.parse(text);
      } catch {
        // left as text: validation then reports the key's expected type with its dotted path
      }
    }
    let target = values;
    for (const segment of path.slice(0, -1)) {
      target[segment] = isPlainObject(target[segment]) ? target[segment] : {};
      target = target[segment] as Record<string, unknown>;
    }
    target[path.at(-1)!] = value;
  }
  return { values, names };
}

interface JsonSchema { type?: string; properties?: Record<string, JsonSchema> }

function schemaAt(schema: JsonSchema, path: string[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const segment of path) node = node?.properties?.[segment];
  return node;
}

function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function unsafeSettings(config: Config): string[] {
  const unsafe: string[] = [];
  if (config.secrets.cookieKeys.some((k) => k.includes(DEVELOPMENT_SECRET_MARKER))) {
    unsafe.push('secrets.cookieKeys: development key in use');
  }
  if (config.console.clientSecret.includes(DEVELOPMENT_SECRET_MARKER)) unsafe.push('console.clientSecret: development secret in use');
  if (config.secrets.keyEncryptionKey.includes(DEVELOPMENT_SECRET_MARKER)) {
    unsafe.push('secrets.keyEncryptionKey: development key in use');
  }
  if (!config.mongodb.url) unsafe.push(`mongodb.url: empty, using the embedded store in ${config.dataDir}`);
  if (!config.redis.url) unsafe.push('redis.url: empty, short-lived state kept in this process only');
  if (!config.mail.smtp.host) unsafe.push('mail.smtp.host: empty, mail goes to the development outbox');
  if (!config.server.publicUrl.startsWith('https://')) unsafe.push('server.publicUrl: not https');
  if (config.google.clientId && !config.google.issuer.startsWith('https://')) unsafe.push('google.issuer: not https');
  if (config.saml.unsafeMetadataUrls) unsafe.push('saml.unsafeMetadataUrls: metadata fetched over http and from private addresses');
  if (Boolean(config.saml.spPrivateKeyFile) !== Boolean(config.saml.spCertificateFile)) {
    unsafe.push('saml.spPrivateKeyFile and saml.spCertificateFile: give both or neither');
  }
  if (/(^|\/)demo\.yaml$/.test(config.bootstrap.file)) unsafe.push(`bootstrap.file: importing the demo world (${config.bootstrap.file})`);
  return unsafe;
}
