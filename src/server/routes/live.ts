import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { videoRuntimeOptions } from '../../video/process-video.ts';
import { markRoutesPublic, originAllowed } from '../access.ts';
import type { ServerConfig } from '../config.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { LiveHub, maxFrameMessageBytes } from '../live/hub.ts';

/**
 * GET /api/live: live mode's WebSocket (protocol in src/server/live/protocol.ts). The upgrade request
 * goes through the server's access checks like any request (Host), plus an Origin check (a browser
 * always sends one; cross-site pages are refused, 403, before any socket exists). The API token
 * cannot travel in a header here (the browser's WebSocket API sends none) and must stay out of URLs
 * (logs), so the route is public and the session authenticates in-band: its first message is the
 * hello carrying the token; nothing is segmented before it.
 */
/**
 * WebSocket support for the whole server, registered before the access checks: its hooks must see
 * every upgrade request, so that one answered over HTTP (refused, or to a route without a socket)
 * has its socket destroyed instead of left open outside the server's connection handling.
 */
export async function addWebSockets(app: FastifyInstance, config: ServerConfig): Promise<void> {
  await app.register(fastifyWebsocket, {
    // ws refuses a bigger message (close 1009) before buffering it
    options: { maxPayload: maxFrameMessageBytes(config.live.framePixels) },
    // a socket error is the client's doing (oversized or malformed WebSocket frames, a reset): not an
    // error of the server's
    errorHandler(err, socket, req) {
      req.log.info({ err: err.message }, 'live socket closed on a client error');
      socket.terminate();
    },
  });
}

export const liveRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    markRoutesPublic(app);
    const { config } = ctx;
    const hub = new LiveHub({
      segmenter: ctx.segmenter,
      config,
      concurrency: videoRuntimeOptions().inferThreads,
    });
    const origins = new Set(config.allowedOrigins.map((o) => o.toLowerCase()));
    app.get(
      '/api/live',
      {
        websocket: true,
        schema: { hide: true },
        preValidation: async (req) => {
          if (!originAllowed(req, origins))
            throw new HttpError(
              403,
              'origin_not_allowed',
              'cross-site WebSocket refused: the Origin is not this server (see --allowed-origin)',
            );
        },
      },
      (socket, req) => hub.accept(socket, req.log),
    );
  };
