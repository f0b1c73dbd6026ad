// The OpenAPI 3.1 document of a service, generated from the same route table and zod schemas that
// route and validate requests, so the documentation cannot drift from what the code accepts.
// Schemas given an id (`schema.meta({ id: 'Patient' })`) become components/schemas entries.
import { z } from 'zod';
import type { AnyRoute, ResponseSpec } from './route.js';

export interface OpenApiInput {
  title: string;
  version: string;
  description?: string;
  routes: Array<Pick<AnyRoute, 'method' | 'path' | 'summary' | 'access'> & Partial<AnyRoute>>;
}

type Json = Record<string, unknown>;

/** The body of every error answer (api/shared/errors.ts). */
const errorSchema = {
  type: 'object',
  required: ['message', 'error'],
  properties: {
    message: { type: 'string', description: 'What went wrong, for people' },
    error: { type: 'string', description: 'Stable code, for programs (e.g. validation_failed, conflict)' },
    details: { type: 'object', additionalProperties: true, description: 'e.g. { fields: { email: ["..."] } } for 422' },
  },
  additionalProperties: true,
  description: 'Some errors add top-level fields, e.g. `conflicts` (409 on booking) or `used` and `quota` (413 over quota)',
} as const;

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
const errorResponse = (description: string) => ({ description, content: errorContent });

/** `/api/media/file/:id` → `/api/media/file/{id}` */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}').replace(/\/\*\*$/, '/{path}');
}

/**
 * Converts zod schemas, moving the named ones (zod's `$defs`, which would point at the document's
 * root once embedded) into components/schemas. Requests are documented as accepted (input), responses
 * as sent (output); a named schema that differs between the two gets an `Input` twin.
 */
function schemaConverter(components: Record<string, unknown>) {
  return (schema: z.ZodType, io: 'input' | 'output' = 'input'): Json => {
    const { $schema: _dialect, $defs: defs = {}, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json & { $defs?: Record<string, Json> };
    const names = new Map<string, string>();
    for (const [name, definition] of Object.entries(defs)) {
      const chosen = [name, `${name}Input`].find((candidate) => !(candidate in components) || sameJson(components[candidate], definition));
      if (!chosen) throw new Error(`OpenAPI: two different schemas are both named ${name}`);
      names.set(name, chosen);
    }
    const rewrite = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(rewrite);
      if (!node || typeof node !== 'object') return node;
      return Object.fromEntries(
        Object.entries(node).map(([key, value]) =>
          key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')
            ? [key, `#/components/schemas/${names.get(value.slice('#/$defs/'.length)) ?? value}`]
            : [key, rewrite(value)],
        ),
      );
    };
    for (const [name, definition] of Object.entries(defs)) components[names.get(name)!] = rewrite(definition);
    return rewrite(rest) as Json;
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * OpenAPI counts templated paths that differ only in their parameter names as one path
 * (`/share/{file_id}` and `/share/{token}`). Such routes share one template whose parameter is named
 * after all of theirs (`/share/{file_id_or_token}`); each operation says what it means there.
 */
function templatesOf(routes: OpenApiInput['routes']): Map<string, { template: string; renamed: Map<string, string> }> {
  const shapes = new Map<string, string[][]>();
  for (const route of routes) {
    const names = [...openApiPath(route.path).matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    const shape = openApiPath(route.path).replace(/\{\w+\}/g, '{}');
    const known = shapes.get(shape) ?? [];
    if (!known.some((other) => sameJson(other, names))) known.push(names);
    shapes.set(shape, known);
  }
  const templates = new Map<string, { template: string; renamed: Map<string, string> }>();
  for (const route of routes) {
    const own = openApiPath(route.path);
    const variants = shapes.get(own.replace(/\{\w+\}/g, '{}'))!;
    const renamed = new Map<string, string>();
    let position = 0;
    const template = own.replace(/\{(\w+)\}/g, (_, name: string) => {
      const joint = [...new Set(variants.map((names) => names[position]!))].join('_or_');
      position++;
      if (joint !== name) renamed.set(name, joint);
      return `{${joint}}`;
    });
    templates.set(`${route.method} ${route.path}`, { template, renamed });
  }
  return templates;
}

type SchemaConverter = ReturnType<typeof schemaConverter>;
type DocumentedRoute = OpenApiInput['routes'][number];

/** A route's path or query parameters, from its schema; `renamed` maps a path parameter to its template's name. */
function parametersOf(
  jsonSchema: SchemaConverter,
  schema: z.ZodType | undefined,
  location: 'path' | 'query',
  examples: Record<string, unknown> = {},
  renamed = new Map<string, string>(),
) {
  if (!schema) return [];
  const object = jsonSchema(schema) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const description = [renamed.has(name) && `The ${name.replaceAll('_', ' ')}`, typeof property.description === 'string' && property.description].filter(Boolean).join(': ');
    return {
      name: renamed.get(name) ?? name,
      in: location,
      required: location === 'path' || (object.required ?? []).includes(name),
      ...(description && { description }),
      schema: property,
      ...(examples[name] !== undefined && { example: examples[name] }),
    };
  });
}

/** The responses a route declares, plus the errors its access and input can give. */
function responsesOf(jsonSchema: SchemaConverter, route: DocumentedRoute) {
  const responses: Record<string, unknown> = {};
  const declared: Record<number, ResponseSpec> = route.responses ?? { 200: { description: 'Success' } };
  for (const [status, spec] of Object.entries(declared)) {
    const json = spec.schema ? { 'application/json': { schema: jsonSchema(spec.schema, 'output') } } : Number(status) >= 400 ? errorContent : undefined;
    const text = spec.mediaTypes?.length ? Object.fromEntries(spec.mediaTypes.map((type) => [type, { schema: { type: 'string' } }])) : undefined;
    const content = json || text ? { ...json, ...text } : undefined;
    responses[status] = { description: spec.description, ...(content && { content }) };
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

/** A JSON body, or a multipart form whose example names each file part's name and type. */
function requestBodyOf(jsonSchema: SchemaConverter, route: DocumentedRoute) {
  if (!route.body) return undefined;
  const schema = jsonSchema(route.body);
  const example = route.example;
  if (!route.rawBody) return { required: true, content: { 'application/json': { schema, ...(example?.body && { example: example.body }) } } };
  const files = Object.entries(example?.files ?? {});
  const multipart: Json = { schema };
  if (example?.body || files.length) {
    multipart.example = { ...example?.body, ...Object.fromEntries(files.map(([field, file]) => [field, file.content])) };
  }
  if (files.length) {
    // A file part's name and type are its headers, not its value.
    multipart.encoding = Object.fromEntries(
      files.map(([field, file]) => [
        field,
        {
          contentType: file.type,
          headers: { 'Content-Disposition': { schema: { type: 'string' }, example: `form-data; name="${field}"; filename="${file.name}"` } },
        },
      ]),
    );
  }
  return { required: true, content: { 'multipart/form-data': multipart } };
}

/** `GET /api/media/file/{id}` → `getApiMediaFileId` */
function operationIdOf(route: DocumentedRoute): string {
  return `${route.method.toLowerCase()}${openApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;
}

function operationOf(jsonSchema: SchemaConverter, route: DocumentedRoute, renamed: Map<string, string>): Record<string, unknown> {
  const operation: Record<string, unknown> = {
    summary: route.summary,
    ...(route.description && { description: route.description }),
    operationId: operationIdOf(route),
    security: route.access === 'public' ? [] : route.access === 'optional' ? [{}, { bearer: [] }] : [{ bearer: [] }],
    parameters: [...parametersOf(jsonSchema, route.params, 'path', route.example?.params, renamed), ...parametersOf(jsonSchema, route.query, 'query', route.example?.query)],
    responses: responsesOf(jsonSchema, route),
  };
  const requestBody = requestBodyOf(jsonSchema, route);
  if (requestBody) operation.requestBody = requestBody;
  return operation;
}

export function buildOpenApiDocument(input: OpenApiInput): Record<string, unknown> {
  // Converting a route's schemas fills `schemas` with the named ones it meets.
  const schemas: Record<string, unknown> = { Error: errorSchema };
  const jsonSchema = schemaConverter(schemas);
  const templates = templatesOf(input.routes);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of input.routes) {
    const { template, renamed } = templates.get(`${route.method} ${route.path}`)!;
    (paths[template] ??= {})[route.method.toLowerCase()] = operationOf(jsonSchema, route, renamed);
  }
  return {
    openapi: '3.1.0',
    info: { title: input.title, version: input.version, ...(input.description && { description: input.description }) },
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from POST /api/auth/login' },
      },
    },
  };
}
