import { createReadStream, statSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { binarySchema, modelDocumentSchema, type ModelDocument } from '../../api/schemas.ts';
import { onnxExportPath } from '../../segment/create-segmenter.ts';
import type { AppContext } from '../context.ts';
import { errorResponse, notFound } from '../http-error.ts';
import { jsonSchema } from '../json-schema.ts';

/** The model for the page's in-browser mode: its metadata and the ONNX file. */
export const modelRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    /** the served model's ONNX file, named by its metadata; null without one */
    const onnxFile = (): string | null =>
      ctx.modelDir ? onnxExportPath(ctx.modelDir, ctx.segmenter.metadata) : null;

    app.get(
      '/api/model',
      {
        schema: {
          summary: "The served model's full metadata (polypseg.json)",
          description:
            'Everything a client needs to run model.onnx itself: input size, normalisation, threshold, output channels.',
          tags: ['model'],
          response: { 200: jsonSchema(modelDocumentSchema) },
        },
      },
      async (): Promise<ModelDocument> => ({
        ...ctx.segmenter.metadata,
        onnxUrl: onnxFile() ? '/api/model.onnx' : null,
      }),
    );

    app.get(
      '/api/model.onnx',
      {
        schema: {
          summary: 'The served model as ONNX (for onnxruntime-web in the page)',
          tags: ['model'],
          response: { 404: errorResponse('This model has no ONNX export') },
        },
        config: {
          openapi: {
            responses: {
              '200': {
                description: 'ONNX model',
                content: { 'application/octet-stream': { schema: jsonSchema(binarySchema) } },
              },
            },
          },
        },
      },
      async (_req, reply) => {
        const path = onnxFile();
        if (!path) throw notFound('this model has no ONNX export');
        const { size, mtimeMs } = statSync(path);
        return reply
          .type('application/octet-stream')
          .header('content-length', size)
          .header('etag', `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`)
          .header('cache-control', 'no-cache')
          .send(createReadStream(path));
      },
    );
  };
