import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { errorBodySchema } from '../http-error.ts';
import { checkUploadedImage } from '../image-input.ts';
import { readSingleFile } from '../multipart.ts';
import { parseSegmentQuery } from '../segment-query.ts';

const polypSchema = {
  type: 'object',
  required: ['area', 'bbox', 'score'],
  properties: {
    area: { type: 'integer', description: 'pixels' },
    bbox: {
      type: 'array',
      items: { type: 'integer' },
      minItems: 4,
      maxItems: 4,
      description: '[x, y, width, height]',
    },
    score: { type: 'number', description: 'mean probability inside the region' },
  },
} as const;

const segmentationSchema = {
  type: 'object',
  required: ['width', 'height', 'coverage', 'polyps', 'mask'],
  properties: {
    width: { type: 'integer' },
    height: { type: 'integer' },
    coverage: { type: 'number', description: 'fraction of pixels that are polyp' },
    polyps: { type: 'array', items: polypSchema },
    mask: { type: 'string', description: 'base64 PNG, 0/255, same size as the input' },
  },
} as const;

export const segmentRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const { limits } = ctx.config;
    const idleMs = limits.bodyTimeoutSeconds * 1000;
    app.post<{
      Querystring: {
        format: 'json' | 'png' | 'overlay';
        threshold?: number;
        minArea?: number;
        tta?: boolean;
      };
    }>(
      '/api/segment',
      {
        schema: {
          summary: 'Segment polyps in one image',
          description:
            'Multipart field `image` (JPEG, PNG, WebP, BMP or TIFF, recognised by content). The mask has the size of the input.',
          tags: ['images'],
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              format: {
                type: 'string',
                enum: ['json', 'png', 'overlay'],
                default: 'json',
                description:
                  'json: the result with a base64 mask PNG; png: the 0/255 mask PNG; overlay: a PNG of the mask drawn on the image',
              },
              threshold: {
                type: 'number',
                minimum: 0,
                maximum: 1,
                description: "probability threshold (default: the model's)",
              },
              minArea: {
                type: 'integer',
                minimum: 0,
                maximum: 1e9,
                description:
                  "drop regions smaller than this many pixels (default: the model's minRegionFraction of the image, ≈ 8×8 px at 622×529)",
              },
              tta: {
                type: 'boolean',
                description: "flip test-time augmentation (3× the work; default: the model's tta setting)",
              },
            },
          },
          response: {
            200: segmentationSchema,
            400: errorBodySchema,
            401: errorBodySchema,
            403: errorBodySchema,
            413: errorBodySchema,
            415: errorBodySchema,
            422: errorBodySchema,
            503: errorBodySchema,
          },
        },
        config: {
          openapi: {
            requestBody: {
              required: true,
              content: {
                'multipart/form-data': {
                  schema: {
                    type: 'object',
                    required: ['image'],
                    properties: { image: { type: 'string', format: 'binary' } },
                  },
                },
              },
            },
            responses: {
              '200': {
                description:
                  'The segmentation (format=json), the mask (format=png) or the overlay (format=overlay)',
                content: {
                  'application/json': { schema: segmentationSchema },
                  'image/png': { schema: { type: 'string', format: 'binary' } },
                },
              },
            },
          },
        },
      },
      async (req, reply) => {
        // counted from the first byte, so buffered uploads are bounded too (503 beyond the waiting room)
        const release = ctx.images.admit();
        try {
          const bytes = await readSingleFile(
            req,
            { field: 'image', maxBytes: limits.imageBytes, idleMs },
            (part) => part.toBuffer(),
          );
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
          return { width, height, coverage, polyps, mask: png.toString('base64') };
        } finally {
          release();
        }
      },
    );
  };
