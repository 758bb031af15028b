import { z } from 'zod';
import { segmentQuerySchema, type SegmentQuery } from '../api/schemas.ts';
import { badRequest } from './http-error.ts';

/** A query value as a finite number (Fastify's schema coercion lets '1e400' through as Infinity). */
const finite = z.string().min(1, 'a number is required').pipe(z.coerce.number('must be a number'));
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** The same field read from query-string text: numbers and booleans arrive as words. */
function fromText(field: z.ZodType): z.ZodType {
  if (field instanceof z.ZodOptional) return fromText(field.unwrap() as z.ZodType).optional();
  if (field instanceof z.ZodDefault)
    return fromText(field.unwrap() as z.ZodType).default(field.def.defaultValue as never);
  if (field instanceof z.ZodNumber) return finite.pipe(field);
  if (field instanceof z.ZodBoolean) return flag;
  return field;
}

/**
 * POST /api/segment's query as text, derived from the API's typed schema (src/api/schemas.ts): each
 * key at most once, numbers finite and in range, nothing else.
 */
const segmentQueryText = z.strictObject(
  Object.fromEntries(Object.entries(segmentQuerySchema.shape).map(([key, field]) => [key, fromText(field)])),
) as unknown as z.ZodType<SegmentQuery>;

/** Parses the raw query string of a request URL; any problem is a 400 naming the parameter. */
export function parseSegmentQuery(url: string): SegmentQuery {
  const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in raw) throw badRequest(`query parameter '${key.slice(0, 40)}' is given more than once`);
    raw[key] = value;
  }
  const result = segmentQueryText.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'unrecognized_keys')
      throw badRequest(`unknown query parameter '${issue.keys[0]!.slice(0, 40)}'`);
    throw badRequest(`query parameter '${String(issue.path[0]).slice(0, 40)}': ${issue.message}`);
  }
  return result.data;
}
