import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyMultipart from '@fastify/multipart';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { createSegmenter } from '../segment/create-segmenter.ts';
import type { Segmenter } from '../segment/types.ts';
import { addAccessControl, addSecurityHeaders } from './access.ts';
import { parseServerConfig, type ServerConfig, type ServerConfigInput } from './config.ts';
import type { AppContext } from './context.ts';
import { busy, methodNotAllowed, notFound, toErrorReply } from './http-error.ts';
import { createVideoQueue } from './create-video-queue.ts';
import { assertWritableDataDir } from './data-dir.ts';
import { ImagePool } from './image-pool.ts';
import { MAX_MULTIPART_OVERHEAD, refuseOtherBodies } from './multipart.ts';
import { collectOpenApi } from './openapi.ts';
import { docsRoutes } from './routes/docs.ts';
import { healthRoutes } from './routes/health.ts';
import { addWebSockets, liveRoutes } from './routes/live.ts';
import { modelRoutes } from './routes/model.ts';
import { segmentRoutes } from './routes/segment.ts';
import { videoRoutes } from './routes/videos.ts';
import { webRoutes } from './routes/web.ts';
import { videoRuntimeOptions } from '../video/process-video.ts';
import { processVideoJob } from './video-job.ts';
import { addRouteTable, allowedMethods } from './route-table.ts';
import { VideoService } from './video-service.ts';
import { ClientUploads, watchBody, type BodyDeadlines } from './upload-limits.ts';
import { describeValidationError } from './validation-message.ts';

export interface BuildServerOptions {
  config?: ServerConfigInput | ServerConfig;
  /** use this segmenter instead of loading config.modelDir (tests); it is not disposed on close */
  segmenter?: Segmenter;
  /** a pino logger to use; defaults to a new one at config.logLevel */
  logger?: FastifyBaseLogger;
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * How long an early answer waits for the rest of the body it drops: while it keeps coming at a
 * reasonable rate (a client sending many uploads at once may start this one late), half a minute
 * at most.
 */
const drainDeadlines = (idleSeconds: number) => ({
  idleMs: Math.min(idleSeconds * 1000, 10_000),
  minBytesPerSecond: 32 * 1024,
  totalMs: 30_000,
});

/**
 * Before an answer to a request whose body is unread (refused early: 401/403/503, a wrong field, a
 * full budget...), reads and drops up to `maxBytes` of the body within `drainDeadlines`: a client
 * still sending (Node's fetch, browsers) only reads the answer once its body is out, and would
 * otherwise see the socket close under it (EPIPE/ECONNRESET) instead of the 503 + Retry-After. A
 * body that is longer or slower gets `Connection: close`: Node would otherwise wait for the rest of
 * it to reuse the connection, and a client that stalls its body would hold it forever.
 */
async function settleBody(
  req: FastifyRequest,
  reply: FastifyReply,
  drain: { maxBytes: number; deadlines: BodyDeadlines },
): Promise<void> {
  const raw = req.raw;
  if (!raw.complete && !raw.destroyed) {
    await new Promise<void>((done) => {
      const finish = () => {
        watch.stop();
        raw.off('data', onData).off('end', finish).off('close', finish);
        done();
      };
      const watch = watchBody(raw, drain.deadlines, finish);
      const onData = () => {
        if (watch.received > drain.maxBytes) finish();
      };
      // the multipart parser may still be attached (and pausing the stream): detach it, then drain
      raw.unpipe();
      raw.on('data', onData).once('end', finish).once('close', finish);
      raw.resume();
    });
    if (!raw.complete) raw.pause();
  }
  if (!raw.complete) reply.header('connection', 'close');
}

/**
 * From the moment close() starts, every request (one already on an open connection) answers 503
 * `busy` with Retry-After, in the API's error format.
 */
function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  // preClose runs as close() begins, before connections are drained
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw busy('the server is shutting down', 5);
  });
}

/**
 * The whole HTTP application: routes, job store and queue, around one segmenter. Call
 * `app.listen()` to serve, `app.close()` to stop (running videos are re-queued for the next start).
 */
export async function buildServer(options: BuildServerOptions = {}): Promise<FastifyInstance> {
  const config = parseServerConfig(options.config);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: { level: config.logLevel } }),
    // uploads arrive as multipart streams with their own limits; other bodies are tiny
    bodyLimit: 1024 * 1024,
    forceCloseConnections: 'idle',
    // refused by our own hook below instead: Fastify's built-in 503 has a body of its own (not the
    // Error schema the API document promises) and skips the security headers
    return503OnClosing: false,
    // unknown query keys are errors, not silently dropped (Fastify's default removes them)
    ajv: { customOptions: { removeAdditional: false } },
    schemaErrorFormatter: describeValidationError,
  });

  // the data directory first: when it is unusable, say so before spending seconds loading the model
  await assertWritableDataDir(config.dataDir);
  const ownSegmenter = !options.segmenter;
  const segmenter =
    // this segmenter runs the video jobs (images go to the image workers)
    options.segmenter ??
    (await createSegmenter(config.modelDir, { runtime: config.runtime, ...videoRuntimeOptions() }));
  app.log.info(
    { model: segmenter.metadata.name, runtime: segmenter.runtime, inputSize: segmenter.metadata.inputSize },
    'model loaded',
  );
  if (ownSegmenter && segmenter.runtime === 'tfjs' && config.runtime === 'auto')
    app.log.warn(
      'the model has no ONNX export (polypseg export): serving with the slower TF.js runtime, and in-browser mode is off',
    );
  const { queue, files: store } = await createVideoQueue(
    config,
    (files) => (job, run) => processVideoJob(job, { store: files, segmenter, config, log: app.log }, run),
    app.log,
  ).catch(async (err: unknown) => {
    if (ownSegmenter) await segmenter.dispose();
    throw err;
  });
  const ctx: AppContext = {
    config,
    segmenter,
    modelDir: config.modelDir ? resolve(config.modelDir) : null,
    store,
    queue,
    uploads: new ClientUploads(config.limits.uploadsPerClient),
    images: new ImagePool({
      size: config.limits.imageConcurrency,
      maxWaiting: config.limits.imageConcurrency * 4,
      // as many maximum-size uploads in memory as there are workers and waiting places
      uploadBytes: config.limits.imageBytes * config.limits.imageConcurrency * 5,
      // one maximum-size image at a time (or several smaller ones): memory bounded by the pixel limit
      pixelBudget: config.limits.imagePixels,
      // the workers load the model themselves, with the runtime the server ended up using
      workerData: {
        modelDir: config.modelDir,
        runtime: segmenter.runtime === 'tfjs' ? 'tfjs' : 'onnx',
      },
      logger: app.log,
    }),
    videos: new VideoService(queue, store, config.limits),
  };

  // an image upload's worth: enough for every refused image (and any small request) to be answered
  const drain = {
    maxBytes: config.limits.imageBytes + MAX_MULTIPART_OVERHEAD,
    deadlines: drainDeadlines(config.limits.bodyTimeoutSeconds),
  };
  app.setErrorHandler(async (err, req, reply) => {
    const { statusCode, headers, body } = toErrorReply(err);
    await settleBody(req, reply, drain);
    // 503 is a deliberate refusal (busy, queue full), not a server fault: no stack at error level
    if (statusCode >= 500 && statusCode !== 503) req.log.error({ err }, 'request failed');
    else if (statusCode === 503)
      req.log.warn({ status: statusCode, code: body.error.code }, body.error.message);
    else req.log.info({ status: statusCode, code: body.error.code }, body.error.message);
    return reply.code(statusCode).headers(headers).send(body);
  });
  // a known path asked with a method it does not serve is a 405 naming the methods it does (Allow)
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0]!;
    const allow = allowedMethods(app.routeTable(), path);
    const { statusCode, headers, body } = toErrorReply(
      allow.length > 0
        ? methodNotAllowed(req.method, path, allow)
        : notFound(`no route ${req.method} ${path}`),
    );
    req.log.info({ status: statusCode, code: body.error.code }, body.error.message);
    await settleBody(req, reply, drain);
    return reply.code(statusCode).headers(headers).send(body);
  });
  await addWebSockets(app, config);
  refuseWhileClosing(app);
  addSecurityHeaders(app);
  addAccessControl(app, config);
  addRouteTable(app);

  // no route takes JSON or text bodies: such a request is refused (415, saying what to send)
  refuseOtherBodies(app);
  await app.register(fastifyMultipart, { throwFileSizeLimit: true });
  const openapi = collectOpenApi(app, {
    info: {
      title: 'polypseg',
      version: VERSION,
      description: 'Colorectal polyp segmentation of images and videos.',
    },
    bearer: Boolean(config.apiToken),
  });
  await app.register(healthRoutes(ctx));
  await app.register(segmentRoutes(ctx));
  await app.register(videoRoutes(ctx));
  await app.register(modelRoutes(ctx));
  await app.register(liveRoutes(ctx));
  await app.register(docsRoutes(openapi));
  await app.register(webRoutes(config.webDir));

  // results older than the retention are deleted, at start and then periodically
  const retentionMs = config.retentionHours * 3600_000;
  const sweep = async () => {
    const expired = await queue.sweep(Date.now() - retentionMs).catch((err: Error) => {
      app.log.warn({ err: err.message }, 'could not delete expired video jobs; will retry');
      return [];
    });
    for (const id of expired) app.log.info({ job: id }, 'video job expired and deleted');
  };
  const sweeper = setInterval(sweep, Math.min(retentionMs / 4, 10 * 60_000));
  sweeper.unref();

  app.addHook('onReady', async () => {
    await sweep();
    await queue.start();
    if (ownSegmenter) ctx.images.warm();
  });
  app.addHook('preClose', async () => {
    ctx.videos.closeEvents();
  });
  app.addHook('onClose', async () => {
    clearInterval(sweeper);
    await queue.close();
    await ctx.images.close();
    if (ownSegmenter) await segmenter.dispose();
  });
  return app;
}
