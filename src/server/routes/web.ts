import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { markRoutesPublic } from '../access.ts';

/** Serves the built page (web/dist); Vite's hashed assets are cached for good, index.html never. */
export const webRoutes =
  (webDir: string): FastifyPluginAsync =>
  async (app) => {
    markRoutesPublic(app);
    const root = resolve(webDir);
    if (!existsSync(join(root, 'index.html'))) {
      app.log.warn({ webDir: root }, 'web app not built: run `npm run build:web`');
      app.get('/', async (_req, reply) =>
        reply
          .type('text/html; charset=utf-8')
          .send(
            '<!doctype html><meta charset="utf-8"><title>polypseg</title><h1>polypseg</h1><p>The web app is not built. Run <code>npm run build:web</code> and restart, or use the <a href="/api/docs">HTTP API</a>.</p>',
          ),
      );
      return;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      setHeaders(reply, path) {
        reply.header(
          'cache-control',
          path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  };
