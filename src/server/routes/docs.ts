import type { FastifyPluginAsync } from 'fastify';
import { renderDocsPage, type OpenApiDocument } from '../openapi.ts';

/** /api/openapi.json and the human-readable page at /api/docs. */
export const docsRoutes =
  (document: () => OpenApiDocument): FastifyPluginAsync =>
  async (app) => {
    app.get('/api/openapi.json', async () => document());
    app.get('/api/docs', async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(renderDocsPage(document())),
    );
  };
