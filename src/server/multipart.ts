import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, HttpError, tooLarge, unsupportedType } from './http-error.ts';
import { watchBody, type BodyDeadlines, type CutoffReason } from './upload-limits.ts';

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** Longest accepted file name (the name is never used; the cap keeps junk out of memory). */
export const MAX_FILENAME_CHARS = 255;
/** Bytes a request may carry besides the file's own: boundaries and part headers. */
export const MAX_MULTIPART_OVERHEAD = 16 * 1024;

const LIMIT_CODES = new Set(['FST_PARTS_LIMIT', 'FST_FILES_LIMIT', 'FST_FIELDS_LIMIT']);

/**
 * Multipart failures as client errors: the parser's own errors (no or wrong boundary, truncated
 * body, malformed part headers) and its limits are the client's doing (400; 413 past the size),
 * while file-system errors from storing the upload stay server errors.
 */
function multipartError(err: unknown, field: string, maxBytes: number): unknown {
  if (err instanceof HttpError) return err;
  const e = err as { code?: string; statusCode?: number; syscall?: string; message?: string };
  if (e?.code === 'FST_REQ_FILE_TOO_LARGE')
    return tooLarge(`the upload is larger than the ${mb(maxBytes)} limit`);
  if (e?.code && LIMIT_CODES.has(e.code))
    return badRequest(`send exactly one file, in the multipart field '${field}', and nothing else`);
  if (e?.syscall) return err;
  if (typeof e?.statusCode === 'number' && e.statusCode < 500) return err;
  return badRequest(
    `the multipart body is malformed or incomplete (${e?.message ?? 'unreadable'})`,
    'bad_multipart',
  );
}

const CUTOFF_MESSAGES: Record<CutoffReason, (d: BodyDeadlines) => string> = {
  idle: (d) => `no data for ${d.idleMs / 1000} s; upload abandoned`,
  slow: (d) => `the upload is slower than ${d.minBytesPerSecond} bytes/s; upload abandoned`,
  total: (d) => `the upload did not complete within ${d.totalMs / 1000} s; upload abandoned`,
};

/** What an upload route says to a body that is not multipart: the type and the field to send. */
const sendMultipart = (field: string, got?: string) =>
  unsupportedType(
    `send multipart/form-data with the file in the field '${field}' (curl -F ${field}=@FILE)` +
      (got ? `; this request sent ${got.split(';')[0]!.slice(0, 60)}` : ''),
  );

/** The multipart file field a route documents in its OpenAPI request body, if it takes one. */
function uploadField(req: FastifyRequest): string | undefined {
  const content = req.routeOptions.config?.openapi?.requestBody?.content as
    Record<string, { schema?: { properties?: Record<string, unknown> } }> | undefined;
  return Object.keys(content?.['multipart/form-data']?.schema?.properties ?? {})[0];
}

/**
 * Refuses every body that is not multipart at once, without parsing it (a stalled body would otherwise
 * hang before any route's own checks), with a 415 that says what to send instead.
 */
export function refuseOtherBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (req, _body, done) => {
    const field = uploadField(req);
    done(
      field
        ? sendMultipart(field, req.headers['content-type'])
        : unsupportedType(`${req.method} ${req.url.split('?')[0]!.slice(0, 100)} takes no request body`),
    );
  });
}

/**
 * Reads a multipart body that must hold exactly one part, a file named `field`, which `consume`
 * reads (into memory or to disk). A second part, a non-file field, an over-long file name or
 * oversized part headers are refused with 400 naming the expected field; a body larger than
 * `maxBytes` with 413. A body that goes silent, trickles below the minimum rate or outlasts its
 * total time (`deadlines`, see `bodyCutoff`) is cut off: the connection is closed, so `consume`'s
 * stream fails and the caller deletes what it wrote.
 */
export async function readSingleFile<T>(
  req: FastifyRequest,
  upload: { field: string; maxBytes: number; deadlines: BodyDeadlines },
  consume: (part: MultipartFile) => Promise<T>,
): Promise<T> {
  const { field, maxBytes, deadlines } = upload;
  if (!req.isMultipart()) throw sendMultipart(field, req.headers['content-type']);
  // a body that stops or trickles holds a connection (and a temp file or buffer): close it
  let cutOff = null as CutoffReason | null;
  const watch = watchBody(req.raw, deadlines, (reason, bytes) => {
    cutOff = reason;
    req.log.info({ reason, bytes }, 'request body stalled; connection closed');
    req.raw.destroy();
  });
  try {
    const parts = req.parts({
      limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1, fieldNameSize: 100, headerPairs: 16 },
    });
    const iterator = parts[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) throw badRequest(`missing file field '${field}'`);
    const part = first.value;
    if (part.type !== 'file' || part.fieldname !== field) {
      if (part.type === 'file') part.file.resume();
      throw badRequest(`expected the file in field '${field}', got '${part.fieldname.slice(0, 100)}'`);
    }
    // busboy makes an application/octet-stream part a file even without a file name
    if (part.filename?.length > MAX_FILENAME_CHARS) {
      part.file.resume();
      throw badRequest(`the file name is longer than ${MAX_FILENAME_CHARS} characters`);
    }
    const value = await consume(part);
    if (part.file.truncated) throw tooLarge(`the upload is larger than the ${mb(maxBytes)} limit`);
    const rest = await iterator.next();
    if (!rest.done)
      throw badRequest(`send exactly one file, in the multipart field '${field}', and nothing else`);
    if (watch.received - part.file.bytesRead > MAX_MULTIPART_OVERHEAD)
      throw badRequest(`the multipart part headers are larger than ${MAX_MULTIPART_OVERHEAD / 1024} KB`);
    return value;
  } catch (err) {
    if (cutOff) throw new HttpError(408, 'body_timeout', CUTOFF_MESSAGES[cutOff](deadlines));
    throw multipartError(err, field, maxBytes);
  } finally {
    watch.stop();
  }
}

export { mb };
