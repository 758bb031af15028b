import type { FastifyPluginAsync } from 'fastify';
import { renderDocsPage, type OpenApiDocument } from '../openapi.ts';
import { markRoutesPublic } from '../access.ts';

/** /api/openapi.json and the human-readable page at /api/docs. */
export const docsRoutes =
  (document: () => OpenApiDocument): FastifyPluginAsync =>
  async (app) => {
    markRoutesPublic(app);
    app.get('/api/openapi.json', async () => document());
    app.get('/api/docs', async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(renderDocsPage(document())),
    );
  };
