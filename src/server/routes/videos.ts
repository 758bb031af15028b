import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsync } from 'fastify';
import {
  binarySchema,
  framesFileSchema,
  jobIdParamsSchema,
  jobViewSchema,
  resultQuerySchema,
  videoAcceptedSchema,
  videoUploadSchema,
  type JobView,
  type VideoAccepted,
} from '../../api/schemas.ts';
import type { AppContext } from '../context.ts';
import { badRequest, errorJsonSchema, HttpError, notFound, unsupportedType } from '../http-error.ts';
import { JobQueue } from '../job-queue.ts';
import type { Job } from '../job-store.ts';
import { jsonSchema } from '../json-schema.ts';
import { readSingleFile } from '../multipart.ts';
import { parseRange } from '../range.ts';
import { SNIFF_BYTES, sniffVideo } from '../sniff.ts';
import { checkVideoLimits } from '../video-job.ts';

/** The public view of a job (what GET /api/videos/:id and the SSE events carry). */
export function publicJob(job: Job): JobView {
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    fps: job.fps,
    frames: job.frames,
    width: job.width,
    height: job.height,
    duration: job.duration,
    processingFps: job.processingFps,
    ...(job.error ? { error: job.error } : {}),
    createdAt: new Date(job.createdAt).toISOString(),
    finishedAt: job.finishedAt ? new Date(job.finishedAt).toISOString() : null,
  };
}

const idParams = jsonSchema(jobIdParamsSchema, 'input');
const mp4 = { 'video/mp4': { schema: jsonSchema(binarySchema) } };

type IdRequest = { Params: { id: string } };

export const videoRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const { store, queue, config } = ctx;
    const limits = config.limits;
    const idleMs = limits.bodyTimeoutSeconds * 1000;

    /** open event streams per job id (ctx.eventStreams holds them all) */
    const streamsPerJob = new Map<string, number>();

    const findJob = async (id: string): Promise<Job> => {
      const job = await queue.get(id);
      if (!job) throw notFound(`no video job ${id}`);
      return job;
    };

    app.post(
      '/api/videos',
      {
        schema: {
          summary: 'Upload a video to segment',
          description: `Multipart field \`video\` (MP4, MOV, WebM, AVI or MKV, recognised by content). Answers 202 with the job id at once; processing runs in the background (${config.workers} at a time, ${config.queueSize} may wait).`,
          tags: ['videos'],
          response: {
            202: jsonSchema(videoAcceptedSchema),
            400: errorJsonSchema,
            413: errorJsonSchema,
            415: errorJsonSchema,
            503: errorJsonSchema,
          },
        },
        config: {
          openapi: {
            requestBody: {
              required: true,
              content: { 'multipart/form-data': { schema: jsonSchema(videoUploadSchema) } },
            },
          },
        },
      },
      async (req, reply) => {
        await queue.assertCapacity();
        const tmp = join(store.tmpDir, randomUUID());
        try {
          await readSingleFile(req, { field: 'video', maxBytes: limits.videoBytes, idleMs }, (part) =>
            pipeline(part.file, createWriteStream(tmp)),
          );
          const head = Buffer.alloc(SNIFF_BYTES);
          const fh = await open(tmp);
          const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0).finally(() => fh.close());
          if (bytesRead === 0) throw badRequest('the uploaded file is empty', 'empty_file');
          const type = sniffVideo(head.subarray(0, bytesRead));
          if (!type)
            throw unsupportedType('not a supported video: expected MP4, MOV, WebM, AVI or MKV content');
          // over-limit videos are refused now when the container says so; undecodable ones fail as jobs
          await checkVideoLimits(tmp, limits, { strict: false });
          const id = randomUUID();
          await queue.assertCapacity();
          const input = store.inputPath({ id, inputType: type });
          await mkdir(store.jobDir(id), { recursive: true });
          await rename(tmp, input);
          const { size } = await stat(input);
          // submit checks the capacity again when it records the job: other uploads may have filled
          // the queue meanwhile, and a refused upload (queue full, Redis away) must leave no job behind
          await queue.submit({ id, inputType: type }).catch(async (err: unknown) => {
            await rm(store.jobDir(id), { recursive: true, force: true });
            throw err;
          });
          req.log.info({ job: id, type, bytes: size }, 'video job queued');
          const body: VideoAccepted = { id, status: 'queued' };
          return reply.code(202).header('location', `/api/videos/${id}`).send(body);
        } finally {
          await rm(tmp, { force: true });
        }
      },
    );

    app.get<IdRequest>(
      '/api/videos/:id',
      {
        schema: {
          summary: 'Status of a video job',
          tags: ['videos'],
          params: idParams,
          response: { 200: jsonSchema(jobViewSchema), 404: errorJsonSchema },
        },
      },
      async (req): Promise<JobView> => publicJob(await findJob(req.params.id)),
    );

    app.get<IdRequest>(
      '/api/videos/:id/events',
      {
        schema: {
          summary: 'Server-sent progress events of a video job',
          description:
            'text/event-stream of `progress` events whose data is the job (a JobView, as GET /api/videos/:id). The stream ends after a finished status (done, failed, cancelled); close the EventSource then.',
          tags: ['videos'],
          params: idParams,
          response: { 404: errorJsonSchema, 429: errorJsonSchema },
        },
        config: {
          openapi: {
            responses: {
              '200': {
                description: 'Event stream',
                content: { 'text/event-stream': { schema: { type: 'string' } } },
              },
            },
          },
        },
      },
      async (req, reply) => {
        const id = req.params.id;
        const first = await findJob(id);
        const perJob = streamsPerJob.get(id) ?? 0;
        if (perJob >= limits.eventStreamsPerJob || ctx.eventStreams.size >= limits.eventStreams)
          throw new HttpError(
            429,
            'too_many_requests',
            perJob >= limits.eventStreamsPerJob
              ? `this job already has ${perJob} progress streams open; close one or poll GET /api/videos/${id}`
              : 'too many progress streams are open; poll GET /api/videos/:id instead',
          );
        streamsPerJob.set(id, perJob + 1);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        let ended = false;
        const end = () => {
          if (ended) return;
          ended = true;
          const left = (streamsPerJob.get(id) ?? 1) - 1;
          if (left > 0) streamsPerJob.set(id, left);
          else streamsPerJob.delete(id);
          queue.off('update', onUpdate);
          clearInterval(ping);
          ctx.eventStreams.delete(end);
          res.end();
        };
        const send = (job: Job) => {
          res.write(`event: progress\nid: ${Date.now()}\ndata: ${JSON.stringify(publicJob(job))}\n\n`);
          if (JobQueue.isFinished(job)) end();
        };
        const onUpdate = (job: Job) => {
          if (job.id === id) send(job);
        };
        // a comment line every 15 s keeps proxies from closing an idle stream
        const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
        ctx.eventStreams.add(end);
        queue.on('update', onUpdate);
        req.raw.on('close', end);
        res.write('retry: 2000\n\n');
        send(first);
      },
    );

    app.get<IdRequest & { Querystring: { download?: boolean } }>(
      '/api/videos/:id/result.mp4',
      {
        schema: {
          summary: 'The segmented video (H.264 MP4, polyps overlaid); supports Range requests',
          tags: ['videos'],
          params: idParams,
          querystring: jsonSchema(resultQuerySchema, 'input'),
          response: { 404: errorJsonSchema, 416: errorJsonSchema },
        },
        config: {
          openapi: {
            responses: {
              '200': { description: 'The whole video', content: mp4 },
              '206': { description: 'The requested byte range', content: mp4 },
            },
          },
        },
      },
      async (req, reply) => {
        const job = await findJob(req.params.id);
        if (job.status !== 'done') throw notFound(`the video job is ${job.status}; no result yet`);
        const path = store.resultPath(job.id);
        const { size } = await stat(path).catch(() => {
          throw notFound('the result file is gone');
        });
        reply
          .header('accept-ranges', 'bytes')
          .type('video/mp4')
          .header('cache-control', 'private, max-age=3600');
        if (req.query.download)
          reply.header('content-disposition', `attachment; filename="polypseg-${job.id}.mp4"`);
        const range = parseRange(req.headers.range, size);
        if (range === 'unsatisfiable') {
          reply.header('content-range', `bytes */${size}`);
          throw new HttpError(416, 'range_not_satisfiable', `the video has ${size} bytes`);
        }
        if (range === null) {
          reply.header('content-length', size);
          return reply.send(createReadStream(path));
        }
        reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
          .header('content-length', range.end - range.start + 1);
        return reply.send(createReadStream(path, { start: range.start, end: range.end }));
      },
    );

    app.get<IdRequest>(
      '/api/videos/:id/frames.json',
      {
        schema: {
          summary: 'Per-frame findings of a finished video job',
          description:
            'One entry per frame: {frame, time (s), count (polyps), area (pixels), coverage, score (best polyp score, 0 if none)}.',
          tags: ['videos'],
          params: idParams,
          response: { 404: errorJsonSchema },
        },
        config: {
          openapi: {
            responses: {
              '200': {
                description: 'Per-frame findings',
                content: { 'application/json': { schema: jsonSchema(framesFileSchema) } },
              },
            },
          },
        },
      },
      async (req, reply) => {
        const job = await findJob(req.params.id);
        if (job.status !== 'done') throw notFound(`the video job is ${job.status}; no per-frame results yet`);
        const json = await readFile(store.framesPath(job.id)).catch(() => {
          throw notFound('the per-frame results are gone');
        });
        return reply.type('application/json').send(json);
      },
    );

    app.delete<IdRequest>(
      '/api/videos/:id',
      {
        schema: {
          summary: 'Cancel a video job (if unfinished) and delete it with its files',
          tags: ['videos'],
          params: idParams,
          response: { 204: { type: 'null' }, 404: errorJsonSchema },
        },
      },
      async (req, reply) => {
        const job = await findJob(req.params.id);
        await queue.remove(job.id);
        req.log.info({ job: job.id, was: job.status }, 'video job deleted');
        return reply.code(204).send();
      },
    );
  };
