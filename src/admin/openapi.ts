import { z } from 'zod';
import type { Operation } from './route.ts';

export const API_PREFIX = '/admin/v1';

export const errorSchema = z.object({
  code: z.string().describe('Stable machine-readable code, e.g. `forbidden`, `user_limit_reached`.'),
  message: z.string().describe('Human-readable explanation.'),
  requestId: z.string().optional().describe('Quote it when asking for support.'),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('Invalid fields, for `invalid_request`.'),
}).describe('Every error response.');

const COMMON_ERRORS: Record<number, string> = {
  400: 'Invalid request (`invalid_request`, with `details`).',
  401: 'Missing or invalid credentials (`unauthenticated`).',
  403: 'Authenticated but not allowed (`forbidden`, `self_modification`, `privilege_escalation`, `last_owner`, ...).',
  404: 'Not found, or belonging to another organisation (`not_found`).',
  409: 'Conflicts with the current state (`conflict`, `user_limit_reached`, `group_limit_reached`, ...).',
  429: 'Too many requests (`too_many_requests`).',
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  const object = jsonSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

/** The OpenAPI 3.1 document of the admin API, generated from the operations' schemas. */
export function buildOpenApi(operations: readonly Operation[], options: { serverUrl: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const status = op.status ?? 200;
    const responses: Record<string, unknown> = {
      [status]: status === 204 || !op.response
        ? { description: 'Done.' }
        : { description: 'Success.', content: { 'application/json': { schema: jsonSchema(op.response) } } },
    };
    for (const code of [400, 401, 403, 404, 409, 429]) {
      if (code === 404 && !op.path.includes('{') && !(op.errors ?? []).includes(404)) continue;
      if (code === 409 && !(op.errors ?? []).includes(409)) continue;
      responses[code] = { description: COMMON_ERRORS[code], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')],
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bridgekeeper admin API',
      version: options.version,
      description: 'Manage an organisation: members, invitations, groups, roles, API keys, settings and the audit log. '
        + 'Authenticate with an access token issued by Bridgekeeper to a first-party app, or an organisation API key '
        + '(`Authorization: Bearer bk_...`). Everything is scoped to the caller\'s organisation.',
    },
    servers: [{ url: options.serverUrl + API_PREFIX }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Access token or API key.' } },
      schemas: { Error: jsonSchema(errorSchema) },
    },
    paths,
  };
}
