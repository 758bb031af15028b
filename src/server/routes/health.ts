import type { FastifyPluginAsync } from 'fastify';
import { healthSchema, type Health, type ModelInfo } from '../../api/schemas.ts';
import type { ModelMetadata } from '../../models/metadata.ts';
import type { AppContext } from '../context.ts';
import { jsonSchema } from '../json-schema.ts';
import { markRoutesPublic } from '../access.ts';

/** An untrained/placeholder model is one whose metadata records no training, or says placeholder. */
export function isTrained(meta: ModelMetadata): boolean {
  const training = meta.training as { placeholder?: unknown } | undefined;
  return training !== undefined && training.placeholder !== true;
}

export function modelInfo(meta: ModelMetadata, runtime: string): ModelInfo {
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
    markRoutesPublic(app);
    app.get(
      '/healthz',
      {
        schema: {
          summary: 'Liveness and the model being served',
          tags: ['health'],
          response: { 200: jsonSchema(healthSchema) },
        },
      },
      async (): Promise<Health> => {
        // never throws: with Redis away it says so (reachable: false) and the server still answers
        const queue = await ctx.queue.health();
        return {
          status: 'ok',
          model: modelInfo(ctx.segmenter.metadata, ctx.segmenter.runtime),
          videos: { running: queue.running, queued: queue.queued },
          queue,
        };
      },
    );
  };
