import type { FastifyPluginAsync } from 'fastify';
import {
  binarySchema,
  IMAGE_MEDIA_TYPES,
  imageUploadSchema,
  segmentQuerySchema,
  segmentResponseSchema,
  type SegmentQuery,
  type SegmentResponse,
} from '../../api/schemas.ts';
import type { AppContext } from '../context.ts';
import { errorResponse } from '../http-error.ts';
import { checkUploadedImage } from '../image-input.ts';
import { jsonSchema } from '../json-schema.ts';
import { mb, readSingleFile } from '../multipart.ts';
import { uploadBody } from '../openapi.ts';
import { parseSegmentQuery } from '../segment-query.ts';
import { uploadDeadlines } from '../upload-limits.ts';

const segmentation = jsonSchema(segmentResponseSchema);

/** Reads a stream into one buffer, telling `add` each chunk's size first (which may refuse it). */
async function collect(stream: AsyncIterable<Buffer>, add: (bytes: number) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    add(chunk.length);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export const segmentRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const { limits } = ctx.config;
    const deadlines = uploadDeadlines(limits, 'image');
    app.post<{ Querystring: SegmentQuery }>(
      '/api/segment',
      {
        schema: {
          summary: 'Segment polyps in one image',
          description:
            'Multipart field `image` (JPEG, PNG, WebP, BMP or TIFF, recognised by content). The mask has the size of the input.',
          tags: ['images'],
          querystring: jsonSchema(segmentQuerySchema, 'input'),
          response: {
            200: segmentation,
            400: errorResponse(
              'No `image` file, an empty one (`empty_file`), other parts besides it, a malformed multipart body, or an unknown or invalid query parameter',
            ),
            413: errorResponse(
              `The file is over ${mb(limits.imageBytes)}, or the image declares more than ${limits.imagePixels.toLocaleString('en-US')} pixels`,
            ),
            415: errorResponse(
              'Not multipart/form-data, or the file is not a JPEG, PNG, WebP, BMP or TIFF image (by content)',
            ),
            422: errorResponse('The image is corrupt or truncated'),
            503: errorResponse(
              `The image workers are full, this client already has ${limits.uploadsPerClient} uploads in progress, or the server is shutting down; retry after Retry-After seconds`,
            ),
          },
        },
        config: {
          openapi: {
            requestBody: uploadBody(
              jsonSchema(imageUploadSchema),
              'image',
              limits.imageBytes,
              IMAGE_MEDIA_TYPES,
            ),
            responses: {
              '200': {
                description:
                  'The segmentation (format=json), the mask (format=png) or the overlay (format=overlay)',
                content: {
                  'application/json': { schema: segmentation },
                  'image/png': { schema: jsonSchema(binarySchema) },
                },
              },
            },
          },
        },
      },
      async (req, reply) => {
        // no worker is taken before the body is complete: only its bytes are counted as they arrive
        const leave = ctx.uploads.enter(req.ip);
        const held = ctx.images.receive();
        try {
          const bytes = await readSingleFile(
            req,
            { field: 'image', maxBytes: limits.imageBytes, deadlines },
            (part) => collect(part.file, held.add),
          ).finally(leave);
          // refuse bad files before queueing for a worker; the worker decodes
          const declared = await checkUploadedImage(bytes, limits.imagePixels);
          const { threshold, minArea, tta, format } = parseSegmentQuery(req.url);
          // weighed by its declared pixels: large images take turns, small ones share the workers
          const result = await ctx.images.run({
            bytes,
            pixels: declared.width * declared.height,
            maxPixels: limits.imagePixels,
            options: { threshold, minArea, tta },
            format,
          });
          reply.header('server-timing', `segment;dur=${result.segmentMs.toFixed(1)}`);
          req.log.info(
            {
              width: result.width,
              height: result.height,
              polyps: result.polyps.length,
              ms: Math.round(result.segmentMs),
            },
            'segmented image',
          );
          const png = Buffer.from(result.png.buffer, result.png.byteOffset, result.png.byteLength);
          if (format !== 'json') return reply.type('image/png').send(png);
          const { width, height, coverage, polyps } = result;
          const body: SegmentResponse = { width, height, coverage, polyps, mask: png.toString('base64') };
          return body;
        } finally {
          held.release();
        }
      },
    );
  };
