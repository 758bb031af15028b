import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsync } from 'fastify';
import {
  binarySchema,
  framesFileSchema,
  jobIdParamsSchema,
  jobViewSchema,
  resultQuerySchema,
  VIDEO_MEDIA_TYPES,
  videoAcceptedSchema,
  videoUploadSchema,
  type JobView,
  type VideoAccepted,
} from '../../api/schemas.ts';
import type { AppContext } from '../context.ts';
import { errorResponse, HttpError } from '../http-error.ts';
import { jsonSchema } from '../json-schema.ts';
import { mb, readSingleFile } from '../multipart.ts';
import { uploadBody } from '../openapi.ts';
import { uploadDeadlines } from '../upload-limits.ts';
import { publicJob } from '../video-service.ts';

const idParams = jsonSchema(jobIdParamsSchema, 'input');
const mp4 = { 'video/mp4': { schema: jsonSchema(binarySchema) } };
const noJob = errorResponse('No such job');

type IdRequest = { Params: { id: string } };

/** The video job routes: HTTP in and out, over the job service (`ctx.videos`). */
export const videoRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const { videos, config } = ctx;
    const { limits } = config;
    const deadlines = uploadDeadlines(limits, 'video');

    app.post(
      '/api/videos',
      {
        schema: {
          summary: 'Upload a video to segment',
          description: `Multipart field \`video\` (MP4, MOV, WebM, AVI or MKV, recognised by content). Answers 202 with the job id at once; processing runs in the background (${config.workers} at a time, ${config.queueSize} may wait).`,
          tags: ['videos'],
          response: {
            202: jsonSchema(videoAcceptedSchema),
            400: errorResponse(
              'No `video` file, an empty one (`empty_file`), other parts besides it, or a malformed multipart body',
            ),
            413: errorResponse(
              `The file is over ${mb(limits.videoBytes)}, or the video is longer than ${limits.videoSeconds} s or larger than ${limits.videoWidth}×${limits.videoHeight}`,
            ),
            415: errorResponse(
              'Not multipart/form-data, or the file is not an MP4, MOV, WebM, AVI or MKV video (by content)',
            ),
            503: errorResponse(
              `The video queue is full, this client already has ${limits.uploadsPerClient} uploads in progress, or the server is shutting down; retry after Retry-After seconds`,
            ),
          },
        },
        config: {
          openapi: {
            requestBody: uploadBody(
              jsonSchema(videoUploadSchema),
              'video',
              limits.videoBytes,
              VIDEO_MEDIA_TYPES,
            ),
            responses: {
              '202': { headers: { Location: { description: 'the job', schema: { type: 'string' } } } },
            },
          },
        },
      },
      async (req, reply) => {
        const leave = ctx.uploads.enter(req.ip);
        const job = await videos
          .create((path) =>
            readSingleFile(req, { field: 'video', maxBytes: limits.videoBytes, deadlines }, (part) =>
              pipeline(part.file, createWriteStream(path)),
            ),
          )
          .finally(leave);
        req.log.info({ job: job.id, type: job.type, bytes: job.bytes }, 'video job queued');
        const body: VideoAccepted = { id: job.id, status: 'queued' };
        return reply.code(202).header('location', `/api/videos/${job.id}`).send(body);
      },
    );

    app.get<IdRequest>(
      '/api/videos/:id',
      {
        schema: {
          summary: 'Status of a video job',
          tags: ['videos'],
          params: idParams,
          response: { 200: jsonSchema(jobViewSchema), 404: noJob },
        },
      },
      async (req): Promise<JobView> => publicJob(await videos.get(req.params.id)),
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
          response: {
            404: noJob,
            429: errorResponse(
              `Too many progress streams: ${limits.eventStreamsPerJob} per job, ${limits.eventStreams} in all`,
            ),
          },
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
        const res = reply.raw;
        let ping: NodeJS.Timeout | undefined;
        const stream = await videos.openEvents(req.params.id, {
          send: (job) => res.write(`event: progress\nid: ${Date.now()}\ndata: ${JSON.stringify(job)}\n\n`),
          end: () => {
            clearInterval(ping);
            res.end();
          },
        });
        reply.hijack();
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        // a comment line every 15 s keeps proxies from closing an idle stream
        ping = setInterval(() => res.write(': ping\n\n'), 15_000);
        req.raw.on('close', stream.close);
        res.write('retry: 2000\n\n');
        stream.start();
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
          response: {
            404: errorResponse('No such job, or it has no result (yet)'),
            416: errorResponse('The Range lies beyond the video'),
          },
        },
        config: {
          openapi: {
            responses: {
              '200': { description: 'The whole video', content: mp4 },
              '206': {
                description: 'The requested byte range',
                headers: { 'Content-Range': { schema: { type: 'string' } } },
                content: mp4,
              },
              '416': {
                headers: { 'Content-Range': { description: '`bytes */<size>`', schema: { type: 'string' } } },
              },
            },
          },
        },
      },
      async (req, reply) => {
        const { id } = req.params;
        const video = await videos.result(id, req.headers.range);
        reply
          .header('accept-ranges', 'bytes')
          .type('video/mp4')
          .header('cache-control', 'private, max-age=3600');
        if (req.query.download)
          reply.header('content-disposition', `attachment; filename="polypseg-${id}.mp4"`);
        const { size, range } = video;
        if (range === 'unsatisfiable') {
          reply.header('content-range', `bytes */${size}`);
          throw new HttpError(416, 'range_not_satisfiable', `the video has ${size} bytes`);
        }
        if (range === null) return reply.header('content-length', size).send(video.open());
        return reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
          .header('content-length', range.end - range.start + 1)
          .send(video.open());
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
          response: { 404: errorResponse('No such job, or it has not finished (yet)') },
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
      // the file as the job wrote it (video-job.ts, typed by the same schema): no re-serialising
      async (req, reply) => reply.type('application/json').send(await videos.frames(req.params.id)),
    );

    app.delete<IdRequest>(
      '/api/videos/:id',
      {
        schema: {
          summary: 'Cancel a video job (if unfinished) and delete it with its files',
          tags: ['videos'],
          params: idParams,
          response: { 204: { type: 'null' }, 404: noJob },
        },
      },
      async (req, reply) => {
        const job = await videos.remove(req.params.id);
        req.log.info({ job: job.id, was: job.status }, 'video job deleted');
        return reply.code(204).send();
      },
    );
  };
