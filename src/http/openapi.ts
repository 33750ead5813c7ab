import { z } from 'zod';
import type { AnyRoute } from './route.js';

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  return rest;
}

function parameters(where: 'path' | 'query', schema: z.ZodType | undefined): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', description: 'A reference to the problem in this reference (`/docs/problems#<code>`).' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'Stable dotted code, e.g. `sales.seat_unavailable`. Match on this.' },
    detail: { type: 'string', description: 'For people; may change.' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['in', 'field', 'code', 'message'],
        properties: {
          in: { enum: ['body', 'query', 'params', 'header'] },
          field: { type: 'string' },
          code: { type: 'string' },
          message: { type: 'string', description: 'For developers; clients word it from code and the rule below.' },
          origin: {
            type: 'string',
            description: 'With minimum/maximum: what was measured (string, number, array, date).',
          },
          minimum: { type: 'number' },
          maximum: { type: 'number' },
          inclusive: { const: false, description: 'Present when the bound itself is not allowed.' },
          format: { type: 'string', description: 'The expected format (email, uuid, datetime, …).' },
          expected: { type: 'string', description: 'The expected type.' },
          missing: { const: true, description: 'The value was not sent.' },
        },
      },
    },
  },
};

export function buildOpenApi(routes: readonly AnyRoute[], info: { version: string; serverUrl: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, JsonSchema> = {
      [route.response.status]: {
        description: route.response.description ?? 'OK',
        ...(route.response.schema
          ? { content: { 'application/json': { schema: jsonSchema(route.response.schema, 'output') } } }
          : {}),
      },
      default: {
        description: `A problem${route.errors?.length ? `: ${route.errors.join(', ')}` : ''}`,
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    };
    const mutating = route.method !== 'get';
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method}${path.replace(/[{}]/g, '').replace(/(^|[/_-])(\w)/g, (_m, _s, c: string) => c.toUpperCase())}`,
      ...(route.access === 'public' ? { security: [] } : {}),
      parameters: [
        ...parameters('path', route.params),
        ...parameters('query', route.query),
        ...(mutating && route.idempotency !== 'off'
          ? [
              {
                name: 'Idempotency-Key',
                in: 'header',
                required: route.idempotency === 'required' || route.idempotency === 'natural-required',
                description:
                  route.idempotency === 'natural'
                    ? 'A fresh UUID per logical attempt; the operation is idempotent by itself, so a retry gets the same outcome (with 200 where the first answer was 201).'
                    : 'A fresh UUID per logical attempt; a retry with the same key returns the first answer.',
                schema: { type: 'string', minLength: 8, maxLength: 255 },
              },
            ]
          : []),
      ],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: route.upload
                ? Object.fromEntries(
                    route.upload.types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
                  )
                : { 'application/json': { schema: jsonSchema(route.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Fairdrop API',
      version: info.version,
      description: 'Fair ticket drops. Errors are RFC 9457 problem documents with a stable `code`.',
    },
    servers: [{ url: info.serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The token from /v1/auth/login or /v1/auth/register.' },
      },
      schemas: { Problem: problem },
    },
    paths,
  };
}
