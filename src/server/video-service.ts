import { randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FINISHED_STATUSES, type JobView } from '../api/schemas.ts';
import type { ServerConfig } from './config.ts';
import { badRequest, HttpError, notFound, unsupportedType } from './http-error.ts';
import type { JobFiles } from './job-files.ts';
import type { Job } from './job-store.ts';
import { parseRange, type ByteRange } from './range.ts';
import { SNIFF_BYTES, sniffVideo, type VideoType } from './sniff.ts';
import { checkVideoLimits } from './video-job.ts';
import type { VideoQueue } from './video-queue.ts';

/** The public view of a job (what GET /api/videos/:id and the progress events carry). */
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

/** Where a progress stream's events go; `end` is called once, when the stream is over. */
export interface JobEventSink {
  send(job: JobView): void;
  end(): void;
}

/** A reserved progress stream: `start` sends the job and follows it, `close` (idempotent) ends it. */
export interface JobEventStream {
  start(): void;
  close(): void;
}

/** A finished job's result video: its size, the byte range asked for, and its bytes. */
export interface ResultVideo {
  size: number;
  /** null: the whole file; 'unsatisfiable': the Range header asks for bytes past the end */
  range: ByteRange | null | 'unsatisfiable';
  open(): ReadStream;
}

/**
 * What the video routes do, without HTTP: accepting an upload as a job (or refusing it and leaving
 * nothing behind), reading, following and deleting jobs, and serving their results. Jobs are kept
 * and run behind the `VideoQueue` seam (embedded or Redis); their files are where `JobFiles` says.
 * Failures are `HttpError`s, which the routes' error handler answers.
 */
export class VideoService {
  /** open progress streams, each by its close function; per job in `streamsPerJob` */
  private readonly streams = new Set<() => void>();
  private readonly streamsPerJob = new Map<string, number>();

  constructor(
    private readonly queue: VideoQueue,
    private readonly files: JobFiles,
    private readonly limits: ServerConfig['limits'],
  ) {}

  /**
   * A new job from an upload: `receive` writes the uploaded file to the path it is given. Refused
   * before anything is read when the queue is full (503), then for an empty (400), unrecognised
   * (415) or over-limit (413) video; a refusal deletes the upload and leaves no job behind.
   */
  async create(
    receive: (path: string) => Promise<unknown>,
  ): Promise<{ id: string; type: VideoType; bytes: number }> {
    await this.queue.assertCapacity();
    const tmp = join(this.files.tmpDir, randomUUID());
    try {
      await receive(tmp);
      const head = Buffer.alloc(SNIFF_BYTES);
      const fh = await open(tmp);
      const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0).finally(() => fh.close());
      if (bytesRead === 0) throw badRequest('the uploaded file is empty', 'empty_file');
      const type = sniffVideo(head.subarray(0, bytesRead));
      if (!type) throw unsupportedType('not a supported video: expected MP4, MOV, WebM, AVI or MKV content');
      // over-limit videos are refused now when the container says so; undecodable ones fail as jobs
      await checkVideoLimits(tmp, type, this.limits, { strict: false });
      const id = randomUUID();
      await this.queue.assertCapacity();
      const input = this.files.inputPath({ id, inputType: type });
      await mkdir(this.files.jobDir(id), { recursive: true });
      await rename(tmp, input);
      const { size } = await stat(input);
      // submit checks the capacity again when it records the job: other uploads may have filled
      // the queue meanwhile, and a refused upload (queue full, Redis away) must leave no job behind
      await this.queue.submit({ id, inputType: type }).catch(async (err: unknown) => {
        await rm(this.files.jobDir(id), { recursive: true, force: true });
        throw err;
      });
      return { id, type, bytes: size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** The job, or 404. */
  async get(id: string): Promise<Job> {
    const job = await this.queue.get(id);
    if (!job) throw notFound(`no video job ${id}`);
    return job;
  }

  /** Cancels the job wherever it runs and deletes it with its files; returns it as it was. */
  async remove(id: string): Promise<Job> {
    const job = await this.get(id);
    await this.queue.remove(job.id);
    return job;
  }

  /** A done job's result video (404 before it is done or once its file is gone). */
  async result(id: string, rangeHeader: string | undefined): Promise<ResultVideo> {
    const job = await this.get(id);
    if (job.status !== 'done') throw notFound(`the video job is ${job.status}; no result yet`);
    const path = this.files.resultPath(job.id);
    const { size } = await stat(path).catch(() => {
      throw notFound('the result file is gone');
    });
    const range = parseRange(rangeHeader, size);
    return {
      size,
      range,
      open: () =>
        range && range !== 'unsatisfiable'
          ? createReadStream(path, { start: range.start, end: range.end })
          : createReadStream(path),
    };
  }

  /** A done job's frames.json, as the bytes on disk (404 before it is done or once it is gone). */
  async frames(id: string): Promise<Buffer> {
    const job = await this.get(id);
    if (job.status !== 'done') throw notFound(`the video job is ${job.status}; no per-frame results yet`);
    return readFile(this.files.framesPath(job.id)).catch(() => {
      throw notFound('the per-frame results are gone');
    });
  }

  /**
   * Reserves a progress stream of job `id`: 404 without the job, 429 past the per-job or total
   * limit of open streams. Nothing is sent before `start`, which sends the job as it is now, then
   * every change, and closes the stream after a finished status.
   */
  async openEvents(id: string, sink: JobEventSink): Promise<JobEventStream> {
    const first = await this.get(id);
    const perJob = this.streamsPerJob.get(id) ?? 0;
    if (perJob >= this.limits.eventStreamsPerJob || this.streams.size >= this.limits.eventStreams)
      throw new HttpError(
        429,
        'too_many_requests',
        perJob >= this.limits.eventStreamsPerJob
          ? `this job already has ${perJob} progress streams open; close one or poll GET /api/videos/${id}`
          : 'too many progress streams are open; poll GET /api/videos/:id instead',
      );
    this.streamsPerJob.set(id, perJob + 1);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      const left = (this.streamsPerJob.get(id) ?? 1) - 1;
      if (left > 0) this.streamsPerJob.set(id, left);
      else this.streamsPerJob.delete(id);
      this.queue.off('update', onUpdate);
      this.streams.delete(close);
      sink.end();
    };
    const send = (job: Job) => {
      sink.send(publicJob(job));
      if (FINISHED_STATUSES.includes(job.status)) close();
    };
    const onUpdate = (job: Job) => {
      if (job.id === id) send(job);
    };
    // counted from now, so that two requests at once cannot both take the last stream
    this.streams.add(close);
    return {
      start: () => {
        if (closed) return;
        this.queue.on('update', onUpdate);
        send(first);
      },
      close,
    };
  }

  /** Ends every open progress stream (the server is closing). */
  closeEvents(): void {
    for (const close of [...this.streams]) close();
  }
}
