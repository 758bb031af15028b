import { z } from 'zod';
import { badRequest } from './http-error.ts';

/** A query value as a finite number (Fastify's schema coercion lets '1e400' through as Infinity). */
const finite = z.string().min(1, 'a number is required').pipe(z.coerce.number('must be a number'));

/** POST /api/segment's query: each key at most once, numbers finite and in range, nothing else. */
export const segmentQuerySchema = z.strictObject({
  format: z.enum(['json', 'png', 'overlay']).default('json'),
  threshold: finite.pipe(z.number().min(0).max(1)).optional(),
  minArea: finite.pipe(z.number().int().min(0).max(1e9)).optional(),
  tta: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
export type SegmentQuery = z.infer<typeof segmentQuerySchema>;

/** Parses the raw query string of a request URL; any problem is a 400 naming the parameter. */
export function parseSegmentQuery(url: string): SegmentQuery {
  const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in raw) throw badRequest(`query parameter '${key.slice(0, 40)}' is given more than once`);
    raw[key] = value;
  }
  const result = segmentQuerySchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'unrecognized_keys')
      throw badRequest(`unknown query parameter '${issue.keys[0]!.slice(0, 40)}'`);
    throw badRequest(`query parameter '${String(issue.path[0]).slice(0, 40)}': ${issue.message}`);
  }
  return result.data;
}
