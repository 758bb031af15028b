import { basename } from 'node:path';
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

/** How many images the model was trained on, and from which dataset folders (kvasir-seg, ...). */
function trainedOn(meta: ModelMetadata): ModelInfo['trainedOn'] {
  const training = meta.training as
    { trainImages?: unknown; config?: { data?: { dir?: string; sources?: { dir?: string }[] } } } | undefined;
  if (typeof training?.trainImages !== 'number') return undefined;
  const data = training.config?.data;
  const dirs = (data?.sources?.length ? data.sources.map((s) => s.dir) : [data?.dir]).filter(
    (d): d is string => typeof d === 'string',
  );
  return { images: training.trainImages, datasets: [...new Set(dirs.map((d) => basename(d)))] };
}

export function modelInfo(meta: ModelMetadata, runtime: string): ModelInfo {
  return {
    name: meta.name,
    inputSize: meta.inputSize,
    architecture: meta.architecture,
    metrics: meta.metrics ?? {},
    trained: isTrained(meta),
    trainedOn: trainedOn(meta),
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
