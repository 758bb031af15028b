import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

const PLACES: Record<string, string> = {
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
  body: 'field',
};

/**
 * Fastify's schema errors (a route's querystring, path or header schema) in words that say what to
 * send: `query parameter 'format' must be one of json, png, overlay (not 'jpg')` instead of Ajv's
 * `querystring/format must be equal to one of the allowed values`. The status stays 400.
 */
export function describeValidationError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const e = errors[0]!;
  const params = e.params as Record<string, unknown>;
  const place = PLACES[dataVar] ?? dataVar;
  const name =
    e.instancePath.replace(/^\//, '').replaceAll('/', '.') ||
    String(params.missingProperty ?? params.additionalProperty ?? '');
  const quoted = `'${name.slice(0, 40)}'`;
  if (e.keyword === 'enum' && Array.isArray(params.allowedValues))
    return new Error(`${place} ${quoted} must be one of ${params.allowedValues.join(', ')}`);
  if (e.keyword === 'required') return new Error(`${place} ${quoted} is required`);
  if (e.keyword === 'additionalProperties') return new Error(`unknown ${place} ${quoted}`);
  return new Error(`${place} ${quoted} ${e.message ?? 'is invalid'}`);
}
