import type { FastifyPluginAsync } from 'fastify';
import type { ModelMetadata } from '../../models/metadata.ts';
import type { AppContext } from '../context.ts';

export const modelInfoSchema = {
  type: 'object',
  required: ['name', 'inputSize', 'architecture', 'metrics', 'trained'],
  properties: {
    name: { type: 'string' },
    inputSize: { type: 'integer' },
    architecture: { type: 'object', additionalProperties: true },
    metrics: {
      type: 'object',
      additionalProperties: true,
      description: 'evaluation metrics recorded with the model ({} if none)',
    },
    trained: { type: 'boolean', description: 'false for an untrained or placeholder model' },
    parameters: { type: 'integer' },
    threshold: { type: 'number' },
    tta: { type: 'boolean', description: 'still images are segmented with flip test-time augmentation' },
    runtime: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

/** An untrained/placeholder model is one whose metadata records no training, or says placeholder. */
export function isTrained(meta: ModelMetadata): boolean {
  const training = meta.training as { placeholder?: unknown } | undefined;
  return training !== undefined && training.placeholder !== true;
}

export function modelInfo(meta: ModelMetadata, runtime: string) {
  return {
    name: meta.name,
    inputSize: meta.inputSize,
    architecture: meta.architecture,
    metrics: meta.metrics ?? {},
    trained: isTrained(meta),
    parameters: meta.parameters,
    threshold: meta.threshold,
    tta: meta.tta,
    runtime,
    createdAt: meta.createdAt,
  };
}

export const healthRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          summary: 'Liveness and the model being served',
          tags: ['health'],
          response: {
            200: {
              type: 'object',
              required: ['status', 'model'],
              properties: {
                status: { type: 'string', enum: ['ok'] },
                model: modelInfoSchema,
                videos: {
                  type: 'object',
                  properties: { running: { type: 'integer' }, queued: { type: 'integer' } },
                },
                queue: {
                  type: 'object',
                  description: 'the video queue: backend, Redis reachability, depth and live workers',
                  properties: {
                    backend: { type: 'string', enum: ['embedded', 'redis'] },
                    redis: {
                      type: 'object',
                      properties: { url: { type: 'string' }, reachable: { type: 'boolean' } },
                    },
                    running: { type: 'integer' },
                    queued: { type: 'integer', description: 'videos waiting for a worker' },
                    workers: { type: 'integer', description: 'worker processes (Redis) or slots (embedded)' },
                  },
                },
              },
            },
          },
        },
      },
      async () => {
        // never throws: with Redis away it says so (reachable: false) and the server still answers
        const queue = await ctx.queue.health();
        return {
          status: 'ok' as const,
          model: modelInfo(ctx.segmenter.metadata, ctx.segmenter.runtime),
          videos: { running: queue.running, queued: queue.queued },
          queue,
        };
      },
    );
  };
