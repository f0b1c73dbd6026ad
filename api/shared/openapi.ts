// The OpenAPI 3.1 document of a service, generated from the same route table and zod schemas that
// route and validate requests, so the documentation cannot drift from what the code accepts.
import { z } from 'zod';
import type { AnyRoute, ResponseSpec } from './route.js';

export interface OpenApiInput {
  title: string;
  version: string;
  description?: string;
  routes: Array<Pick<AnyRoute, 'method' | 'path' | 'summary' | 'access'> & Partial<AnyRoute>>;
}

const errorSchema = {
  type: 'object',
  required: ['message', 'error'],
  properties: {
    message: { type: 'string', description: 'What went wrong, for people' },
    error: { type: 'string', description: 'Stable code, for programs (e.g. validation_failed, conflict)' },
    details: { type: 'object', additionalProperties: true, description: 'e.g. { fields: { email: ["..."] } } for 422' },
  },
  additionalProperties: true,
} as const;

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** `/api/media/file/:id` → `/api/media/file/{id}` */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}').replace(/\/\*\*$/, '/{path}');
}

/** Requests are documented as accepted (input), responses as sent (output). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query', examples: Record<string, string> = {}) {
  if (!schema) return [];
  const object = jsonSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    ...(typeof property.description === 'string' && { description: property.description }),
    schema: property,
    ...(examples[name] !== undefined && { example: examples[name] }),
  }));
}

function responsesOf(route: OpenApiInput['routes'][number]) {
  const responses: Record<string, unknown> = {};
  const declared: Record<number, ResponseSpec> = route.responses ?? { 200: { description: 'Success' } };
  for (const [status, spec] of Object.entries(declared)) {
    responses[status] = {
      description: spec.description,
      ...(spec.schema && { content: { 'application/json': { schema: jsonSchema(spec.schema, 'output') } } }),
    };
  }
  if (route.body || route.query || route.params) {
    responses['400'] ??= errorResponse('Malformed request (e.g. invalid JSON)');
    responses['422'] ??= errorResponse('Invalid fields, listed in details.fields');
  }
  if (route.access !== 'public') responses['401'] ??= errorResponse('No valid access token');
  if (route.access === 'staff' || route.access === 'admin') responses['403'] ??= errorResponse(`Needs the ${route.access} role`);
  if (route.params) responses['404'] ??= errorResponse('Absent, or not yours');
  responses['503'] ??= errorResponse('A dependency (database, Temporal) is unavailable; retry later');
  return responses;
}

export function buildOpenApiDocument(input: OpenApiInput): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of input.routes) {
    const operation: Record<string, unknown> = {
      summary: route.summary,
      ...(route.description && { description: route.description }),
      operationId: `${route.method.toLowerCase()}${openApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: route.access === 'public' ? [] : route.access === 'optional' ? [{}, { bearer: [] }] : [{ bearer: [] }],
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query', route.example?.query)],
      responses: responsesOf(route),
    };
    if (route.body && !route.rawBody) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.body), ...(route.example?.body && { example: route.example.body }) } },
      };
    } else if (route.body && route.rawBody) {
      operation.requestBody = { required: true, content: { 'multipart/form-data': { schema: jsonSchema(route.body) } } };
    }
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: input.title, version: input.version, ...(input.description && { description: input.description }) },
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from POST /api/auth/login' },
      },
    },
  };
}
