import { STATUS_CODES } from 'node:http';
import { errorBodySchema, type ErrorBody } from '../api/schemas.ts';
import { jsonSchema } from './json-schema.ts';

/** An error that maps to one HTTP answer: {"error":{"code","message"}} with this status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, code = 'bad_request') => new HttpError(400, code, message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const tooLarge = (message: string, code = 'too_large') => new HttpError(413, code, message);
export const unsupportedType = (message: string) => new HttpError(415, 'unsupported_media_type', message);
export const undecodable = (message: string) => new HttpError(422, 'undecodable', message);
export const methodNotAllowed = (method: string, path: string, allow: readonly string[]) =>
  new HttpError(
    405,
    'method_not_allowed',
    `${path} does not answer ${method}; it answers ${allow.join(', ')}`,
    {
      allow: allow.join(', '),
    },
  );
export const busy = (message: string, retryAfterSeconds: number) =>
  new HttpError(503, 'busy', message, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });

/** The error body every route answers with, as JSON Schema for the routes' `response` maps. */
export const errorJsonSchema = jsonSchema(errorBodySchema);

/** An error answer for a route's `response` map, saying when the route gives it (for the API document). */
export const errorResponse = (description: string) => ({ ...errorJsonSchema, description });

/** Codes for the statuses Fastify and its plugins raise themselves (others: their HTTP reason, below). */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'too_large',
  415: 'unsupported_media_type',
  416: 'range_not_satisfiable',
  422: 'undecodable',
  429: 'too_many_requests',
  503: 'busy',
};

/** "Request Timeout" -> "request_timeout" */
const snakeCase = (reason: string) => reason.toLowerCase().replace(/[^a-z0-9]+/g, '_');

/** Turns any thrown value into a status, headers and the public error body (5xx hide their details). */
export function toErrorReply(err: unknown): {
  statusCode: number;
  headers: Record<string, string>;
  body: ErrorBody;
} {
  if (err instanceof HttpError) {
    return {
      statusCode: err.statusCode,
      headers: err.headers,
      body: { error: { code: err.code, message: err.message } },
    };
  }
  const e = err as { statusCode?: number; message?: string; code?: string };
  const status =
    typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  if (status >= 500) {
    return {
      statusCode: status,
      headers: {},
      body: { error: { code: 'internal_error', message: 'internal server error' } },
    };
  }
  // the body's code always names the status: e.g. @fastify/static's 403 for a non-canonical path (//x)
  const code = CODE_BY_STATUS[status] ?? snakeCase(STATUS_CODES[status] ?? 'bad_request');
  return { statusCode: status, headers: {}, body: { error: { code, message: e.message ?? code } } };
}
