import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

type JsonObject = Record<string, unknown>;

/** z.int()'s implicit bounds, which say nothing a reader needs. */
const SAFE_BOUNDS: Record<string, number> = {
  minimum: Number.MIN_SAFE_INTEGER,
  maximum: Number.MAX_SAFE_INTEGER,
};

/**
 * The plain forms of what zod writes, for Fastify's validator (Ajv) and serialiser
 * (fast-json-stringify) as much as for readers: `T | null` as `type: [T, 'null']` (not anyOf,
 * which fast-json-stringify resolves by validating every value), a tuple of one item type as an
 * array with its length, `additionalProperties: {}` as `true`, no empty `properties`.
 */
function plain(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(plain);
  if (!node || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (SAFE_BOUNDS[key] !== undefined && value === SAFE_BOUNDS[key]) continue;
    out[key] = plain(value);
  }
  const anyOf = out.anyOf as JsonObject[] | undefined;
  if (
    anyOf?.length === 2 &&
    typeof anyOf[0]!.type === 'string' &&
    isDeepStrictEqual(anyOf[1], { type: 'null' })
  ) {
    const { anyOf: _, ...rest } = out;
    return { ...anyOf[0], ...rest, type: [anyOf[0]!.type, 'null'] };
  }
  const items = out.prefixItems as unknown[] | undefined;
  if (items?.length && out.items === false && items.every((s) => isDeepStrictEqual(s, items[0]))) {
    const { prefixItems: _, ...rest } = out;
    return { ...rest, items: items[0] };
  }
  if (isDeepStrictEqual(out.additionalProperties, {})) out.additionalProperties = true;
  if (isDeepStrictEqual(out.properties, {})) delete out.properties;
  return out;
}

/**
 * fast-json-stringify writes an object's required properties first, then the others: so that an
 * answer's fields come in the order its schema lists them, only those before the first optional
 * one are marked required (the rest are still always sent when the type says so).
 */
function inSchemaOrder(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(inSchemaOrder);
  if (!node || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inSchemaOrder(v)]));
  const { properties, required } = out as { properties?: object; required?: string[] };
  if (properties && required) {
    const keys = Object.keys(properties);
    const firstOptional = keys.findIndex((k) => !required.includes(k));
    if (firstOptional >= 0) out.required = keys.slice(0, firstOptional);
    if (firstOptional === 0) delete out.required;
  }
  return out;
}

/**
 * A zod schema as the JSON Schema Fastify validates and serialises with, and the OpenAPI document
 * shows: `input` for what clients send (query, params: defaults are optional there), `output` for
 * what the server answers.
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonObject {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io }) as JsonObject;
  const json = plain(rest);
  return (io === 'output' ? inSchemaOrder(json) : json) as JsonObject;
}
