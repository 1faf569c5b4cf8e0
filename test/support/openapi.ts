/**
 * Checks real account API responses against docs/api/openapi.json, so the document cannot
 * drift from the server. A small JSON Schema checker for the keywords the document uses:
 * $ref (local), type (one or a list), properties, required, additionalProperties, items,
 * enum, minimum, maximum.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

type Schema = Record<string, unknown>;

const DOC_PATH = path.join(import.meta.dirname, '..', '..', 'docs', 'api', 'openapi.json');
export const openApi = JSON.parse(readFileSync(DOC_PATH, 'utf8')) as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
};

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  const target = openApi.components.schemas[name];
  if (!target) throw new Error(`openapi.json: unknown $ref ${ref}`);
  return target;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function checkSchema(schemaIn: Schema, value: unknown, at = '$'): string[] {
  const schema = resolve(schemaIn);
  const problems: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      return [`${at}: expected ${types.join(' or ')}, got ${actual}`];
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} is not in the enum`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${at}: below minimum`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${at}: above maximum`);
  }
  if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in record)) problems.push(`${at}: missing required "${name}"`);
    }
    for (const [name, item] of Object.entries(record)) {
      if (properties[name]) problems.push(...checkSchema(properties[name], item, `${at}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: unexpected property "${name}"`);
      else if (typeof schema.additionalProperties === 'object') {
        problems.push(...checkSchema(schema.additionalProperties as Schema, item, `${at}.${name}`));
      }
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      problems.push(...checkSchema(schema.items as Schema, item, `${at}[${i}]`));
    });
  }
  return problems;
}

/** The documented path template that `url` (e.g. /api/v1/members/abc) matches. */
function templateOf(url: string): string | undefined {
  const pathname = new URL(url, 'http://x').pathname.replace(/^\/api\/v1/, '');
  return Object.keys(openApi.paths).find((template) => {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return pattern.test(pathname);
  });
}

/**
 * Problems with one response: the operation and status must be documented, and a JSON body
 * must match the documented schema. Empty means it conforms.
 */
export function checkResponse(method: string, url: string, status: number, body: unknown): string[] {
  const template = templateOf(url);
  if (template === undefined) return [`${url}: path not documented`];
  const operation = openApi.paths[template]![method.toLowerCase()];
  if (!operation) return [`${method} ${template}: operation not documented`];
  const response = operation.responses[String(status)];
  if (!response) return [`${method} ${template}: status ${status} not documented`];
  const schema = response.content?.['application/json']?.schema;
  if (schema === undefined)
    return body === undefined ? [] : [`${method} ${template} ${status}: body not documented`];
  return checkSchema(schema, body);
}
