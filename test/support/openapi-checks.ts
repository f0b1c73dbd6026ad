// What the OpenAPI 3.1 JSON Schema leaves unchecked in a document, checked here: its Schema Objects
// are only required to be objects (the official schema does not apply the JSON Schema meta-schema to
// them), $refs are not resolved, and the rules written in prose (templated paths that differ only in
// their parameter names, path parameters matching the template, unique operationIds) are not encoded.
import Ajv2020 from 'ajv/dist/2020.js';

type Json = Record<string, any>;

const BASE = 'https://openapi.local/document.json';
const pointerOf = (path: string[]) => path.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** An Ajv for a document: any of its schemas compiles by pointer, its #/components refs resolved. */
export function documentAjv(document: Json) {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ ...document, $id: BASE }, BASE, undefined, false);
  return {
    ajv,
    /** The validator of the schema at `path` in the document (throws when a $ref does not resolve). */
    compile: (path: string[]) => {
      const validate = ajv.getSchema(`${BASE}#/${pointerOf(path)}`);
      if (!validate) throw new Error(`no schema at /${pointerOf(path)}`);
      return validate;
    },
  };
}

interface Found {
  schemas: string[][];
  examples: Array<{ path: string[]; schemaPath: string[]; example: unknown }>;
  refs: Array<{ path: string[]; ref: string }>;
}

/** Every Schema Object's location (not descending into schemas), every example next to a schema, every $ref. */
function survey(document: Json): Found {
  const found: Found = { schemas: [], examples: [], refs: [] };
  const collectRefs = (node: unknown, path: string[]) => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.refs.push({ path, ref: value });
      else collectRefs(value, [...path, key]);
    }
  };
  const walk = (node: unknown, path: string[]) => {
    if (!node || typeof node !== 'object') return;
    if (path.length === 2 && path[0] === 'components' && path[1] === 'schemas') {
      for (const [name, schema] of Object.entries(node)) {
        found.schemas.push([...path, name]);
        collectRefs(schema, [...path, name]);
      }
      return;
    }
    const record = node as Json;
    if ('schema' in record && 'example' in record) found.examples.push({ path: [...path, 'example'], schemaPath: [...path, 'schema'], example: record.example });
    for (const [key, value] of Object.entries(record)) {
      if (key === 'schema' && value && typeof value === 'object') {
        found.schemas.push([...path, key]);
        collectRefs(value, [...path, key]);
      } else if (key === '$ref' && typeof value === 'string') {
        found.refs.push({ path, ref: value });
      } else if (key !== 'example' && key !== 'examples') {
        walk(value, [...path, key]);
      }
    }
  };
  walk(document, []);
  return found;
}

function resolvePointer(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!node || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

/** Problems in a (schema-valid) OpenAPI 3.1 document, as readable lines; empty when there are none. */
export function documentProblems(document: Json): string[] {
  const problems: string[] = [];
  const { ajv, compile } = documentAjv(document);
  const { schemas, examples, refs } = survey(document);

  for (const { path, ref } of refs) {
    if (resolvePointer(document, ref) === undefined) problems.push(`/${pointerOf(path)}: $ref ${ref} resolves to nothing in the document`);
  }
  for (const path of schemas) {
    const schema = resolvePointer(document, `#/${pointerOf(path)}`);
    if (!ajv.validateSchema(schema as Json)) {
      problems.push(`/${pointerOf(path)}: not a JSON Schema 2020-12 schema: ${ajv.errorsText(ajv.errors)}`);
      continue;
    }
    try {
      compile(path);
    } catch (error) {
      problems.push(`/${pointerOf(path)}: does not compile: ${(error as Error).message}`);
    }
  }
  for (const { path, schemaPath, example } of examples) {
    let validate;
    try {
      validate = compile(schemaPath);
    } catch {
      continue; // reported above
    }
    if (!validate(example)) problems.push(`/${pointerOf(path)}: the example does not match its schema: ${ajv.errorsText(validate.errors)}`);
  }

  const shapes = new Map<string, string>();
  const operationIds = new Map<string, string>();
  for (const [path, item] of Object.entries<Json>(document.paths ?? {})) {
    const shape = path.replace(/\{[^}]+\}/g, '{}');
    const other = shapes.get(shape);
    if (other) problems.push(`${path} and ${other} differ only in parameter names: OpenAPI counts them as the same path`);
    shapes.set(shape, path);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!).sort();
    for (const [method, operation] of Object.entries<Json>(item)) {
      const label = `${method.toUpperCase()} ${path}`;
      const declared = ((operation.parameters ?? []) as Json[]).filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name as string).sort();
      if (JSON.stringify(declared) !== JSON.stringify(templated)) problems.push(`${label}: path parameters ${JSON.stringify(declared)} do not match the template's ${JSON.stringify(templated)}`);
      if (typeof operation.operationId === 'string') {
        const first = operationIds.get(operation.operationId);
        if (first) problems.push(`${label}: operationId ${operation.operationId} is also ${first}'s`);
        operationIds.set(operation.operationId, label);
      }
    }
  }
  return problems;
}
