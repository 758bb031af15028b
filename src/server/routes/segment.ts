import type { FastifyPluginAsync } from 'fastify';
import { encodeMaskPng, encodePng } from '../../data/decode.ts';
import { overlayMask } from '../../segment/overlay.ts';
import type { AppContext } from '../context.ts';
import { errorBodySchema } from '../http-error.ts';
import { readUploadedImage } from '../image-input.ts';
import { filePart, partToBuffer } from '../multipart.ts';

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
        const part = await filePart(req, 'image', limits.imageBytes);
        const bytes = await partToBuffer(part, limits.imageBytes);
        const image = await readUploadedImage(bytes, limits.imagePixels);
        const started = performance.now();
        const { threshold, minArea, tta } = req.query;
        const result = await ctx.imageLimiter.run(() =>
          ctx.segmenter.segment(image, { threshold, minArea, tta }),
        );
        const ms = performance.now() - started;
        reply.header('server-timing', `segment;dur=${ms.toFixed(1)}`);
        req.log.info(
          { width: image.width, height: image.height, polyps: result.polyps.length, ms: Math.round(ms) },
          'segmented image',
        );
        const format = req.query.format;
        if (format === 'png') return reply.type('image/png').send(await encodeMaskPng(result.mask));
        if (format === 'overlay')
          return reply
            .type('image/png')
            .send(await encodePng(overlayMask(image, result.mask, { outline: true })));
        return {
          width: result.width,
          height: result.height,
          coverage: result.coverage,
          polyps: result.polyps,
          mask: (await encodeMaskPng(result.mask)).toString('base64'),
        };
      },
    );
  };
