import { z } from 'zod';
import { PolypsegError } from '../errors.ts';
import { parseRedisUrl } from './redis/url.ts';

const MiB = 1024 * 1024;

/** Every knob of the server, validated once at the edge (flags / environment → this schema). */
export const serverConfigSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(3000),
    /** model directory (polypseg.json + model.onnx / model.json) */
    modelDir: z.string().min(1).default('models/default'),
    /** auto: ONNX Runtime when the model has its ONNX export, else TF.js (src/segment's factory decides) */
    runtime: z.enum(['auto', 'onnx', 'tfjs']).default('auto'),
    /** SQLite database and job files */
    dataDir: z.string().min(1).default('.polypseg-data'),
    /** the built web app; not served when missing */
    webDir: z.string().min(1).default('web/dist'),
    limits: z
      .object({
        /** largest image upload, bytes */
        imageBytes: z
          .number()
          .int()
          .positive()
          .default(20 * MiB),
        /** largest declared width × height of an image, checked before decoding */
        imagePixels: z.number().int().positive().default(40_000_000),
        /** largest video upload, bytes */
        videoBytes: z
          .number()
          .int()
          .positive()
          .default(512 * MiB),
        videoSeconds: z.number().positive().default(600),
        videoWidth: z.number().int().positive().default(3840),
        videoHeight: z.number().int().positive().default(2160),
        /** image requests segmenting at once; more wait, and beyond 4× this they get 503 */
        imageConcurrency: z.number().int().positive().default(2),
        /** a request body that sends nothing for this long is closed (its upload deleted) */
        bodyTimeoutSeconds: z.number().positive().default(60),
        /** an image upload must be complete this long after its first byte, however it trickles */
        imageUploadSeconds: z.number().positive().default(60),
        /**
         * slowest average an upload may keep once its first bodyTimeoutSeconds are over (bytes/s; 0: no
         * minimum), so a body dripping a byte now and then is cut off instead of holding its connection
         */
        uploadMinBytesPerSecond: z.number().min(0).default(8192),
        /** uploads (images and videos) one client address may have in flight; more get 503 */
        uploadsPerClient: z.number().int().positive().default(32),
        /** open progress streams (GET /api/videos/:id/events) per job and in all */
        eventStreamsPerJob: z.number().int().positive().default(8),
        eventStreams: z.number().int().positive().default(256),
      })
      .prefault({}),
    /** live mode: camera frames streamed over a WebSocket (GET /api/live) */
    live: z
      .object({
        /** live sessions at once; the next one is told the server is full (0: live mode off) */
        sessions: z.number().int().min(0).default(4),
        /** a session that sends no frame for this long is closed */
        idleSeconds: z.number().positive().default(60),
        /** largest frame, width × height (frames are meant to be about the model's input size) */
        framePixels: z
          .number()
          .int()
          .positive()
          .default(640 * 480),
        /** messages a session may send per second; more are dropped, 4× as many close it */
        messagesPerSecond: z.number().int().positive().default(60),
        /** a ping this often; a client that has not answered the last one (not reading) is cut off */
        heartbeatSeconds: z.number().positive().default(15),
      })
      .prefault({}),
    /** videos processed at once in this process (0: an API-only process, with a Redis queue) */
    workers: z.number().int().min(0).max(16).default(1),
    /** where video jobs wait: unset = embedded (SQLite, in-process); redis://HOST:PORT[/DB] = BullMQ */
    queue: z
      .string()
      .min(1)
      .superRefine((v, ctx) => {
        try {
          parseRedisUrl(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .optional(),
    /** Redis backend: a job's lock lasts this long unrenewed; a dead worker's job restarts after about twice this */
    queueLockMs: z.number().int().min(1000).default(30_000),
    /** queued (not yet running) videos accepted before answering 503 */
    queueSize: z.number().int().min(0).default(16),
    /** finished jobs and their files are deleted after this many hours */
    retentionHours: z.number().positive().default(24),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** auto: one readable line per record on a terminal, JSON lines otherwise (log collectors) */
    logFormat: z.enum(['auto', 'pretty', 'json']).default('auto'),
    /** bearer token every /api/* request must carry; none: no authentication */
    apiToken: z
      .string()
      .min(16, 'the API token must be at least 16 characters')
      .regex(/^[\x21-\x7e]+$/, 'the API token must be printable ASCII without spaces')
      .optional(),
    /** serve a non-loopback host without a token (a deliberate choice, warned about at start) */
    insecureNoAuth: z.boolean().default(false),
    /** origins besides the server's own that may send POST/DELETE (e.g. https://app.example) */
    allowedOrigins: z
      .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin is scheme://host[:port]'))
      .default([]),
    /** host names besides loopback, the bound host and the allowed origins' that requests may name */
    allowedHosts: z.array(z.string().min(1)).default([]),
  })
  .refine((c) => c.workers > 0 || c.queue !== undefined, {
    path: ['workers'],
    message: '0 workers needs a Redis queue (--queue redis://...) whose workers do the processing',
  })
  .refine((c) => c.queue === undefined || c.queueSize >= 1, {
    path: ['queueSize'],
    message: 'a Redis queue needs a queue size of at least 1 (it counts every waiting video)',
  });
export type ServerConfig = z.infer<typeof serverConfigSchema>;
export type ServerConfigInput = z.input<typeof serverConfigSchema>;

/** Environment variables understood by the server, with the config path each one sets. */
export const ENV_VARS = {
  HOST: 'host',
  PORT: 'port',
  POLYPSEG_MODEL_DIR: 'modelDir',
  POLYPSEG_RUNTIME: 'runtime',
  POLYPSEG_DATA_DIR: 'dataDir',
  POLYPSEG_WEB_DIR: 'webDir',
  POLYPSEG_MAX_IMAGE_MB: 'limits.imageBytes',
  POLYPSEG_MAX_IMAGE_PIXELS: 'limits.imagePixels',
  POLYPSEG_MAX_VIDEO_MB: 'limits.videoBytes',
  POLYPSEG_MAX_VIDEO_SECONDS: 'limits.videoSeconds',
  POLYPSEG_MAX_VIDEO_WIDTH: 'limits.videoWidth',
  POLYPSEG_MAX_VIDEO_HEIGHT: 'limits.videoHeight',
  POLYPSEG_IMAGE_CONCURRENCY: 'limits.imageConcurrency',
  POLYPSEG_LIVE_SESSIONS: 'live.sessions',
  POLYPSEG_LIVE_IDLE_SECONDS: 'live.idleSeconds',
  POLYPSEG_WORKERS: 'workers',
  POLYPSEG_QUEUE: 'queue',
  POLYPSEG_QUEUE_LOCK_MS: 'queueLockMs',
  POLYPSEG_QUEUE_SIZE: 'queueSize',
  POLYPSEG_RETENTION_HOURS: 'retentionHours',
  POLYPSEG_BODY_TIMEOUT_SECONDS: 'limits.bodyTimeoutSeconds',
  POLYPSEG_IMAGE_UPLOAD_SECONDS: 'limits.imageUploadSeconds',
  POLYPSEG_UPLOAD_MIN_BYTES_PER_SECOND: 'limits.uploadMinBytesPerSecond',
  POLYPSEG_UPLOADS_PER_CLIENT: 'limits.uploadsPerClient',
  POLYPSEG_MAX_EVENT_STREAMS_PER_JOB: 'limits.eventStreamsPerJob',
  POLYPSEG_MAX_EVENT_STREAMS: 'limits.eventStreams',
  LOG_LEVEL: 'logLevel',
  POLYPSEG_LOG_FORMAT: 'logFormat',
  POLYPSEG_API_TOKEN: 'apiToken',
  POLYPSEG_ALLOWED_ORIGINS: 'allowedOrigins',
  POLYPSEG_ALLOWED_HOSTS: 'allowedHosts',
  POLYPSEG_INSECURE_NO_AUTH: 'insecureNoAuth',
} as const;

const NUMERIC = new Set([
  'port',
  'limits.imageBytes',
  'limits.imagePixels',
  'limits.videoBytes',
  'limits.videoSeconds',
  'limits.videoWidth',
  'limits.videoHeight',
  'limits.imageConcurrency',
  'limits.bodyTimeoutSeconds',
  'limits.imageUploadSeconds',
  'limits.uploadMinBytesPerSecond',
  'limits.uploadsPerClient',
  'limits.eventStreamsPerJob',
  'limits.eventStreams',
  'live.sessions',
  'live.idleSeconds',
  'workers',
  'queueLockMs',
  'queueSize',
  'retentionHours',
]);
/** sizes are given in MiB on the command line and in the environment */
const MEGABYTES = new Set(['limits.imageBytes', 'limits.videoBytes']);

const BOOLEANS = new Set(['insecureNoAuth']);
/** comma-separated lists */
const LISTS = new Set(['allowedOrigins', 'allowedHosts']);

/** Sets one dotted config path from a string (flag or env value), converting numbers and MiB. */
export function setConfigValue(target: Record<string, unknown>, path: string, raw: string): void {
  let value: unknown = raw;
  if (NUMERIC.has(path)) {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) {
      throw new PolypsegError(`${path}: expected a number, got '${raw}'`, 'BAD_CONFIG');
    }
    value = MEGABYTES.has(path) ? Math.round(n * MiB) : n;
  } else if (BOOLEANS.has(path)) {
    if (!/^(1|0|true|false|yes|no)$/i.test(raw.trim()))
      throw new PolypsegError(`${path}: expected true or false, got '${raw}'`, 'BAD_CONFIG');
    value = /^(1|true|yes)$/i.test(raw.trim());
  } else if (LISTS.has(path)) {
    value = raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** Reads the ENV_VARS that are set into a partial config. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setConfigValue(out, path, raw);
  }
  return out;
}

/** Validates a (merged) partial config, turning zod issues into one readable PolypsegError. */
export function parseServerConfig(input: unknown): ServerConfig {
  const result = serverConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)
      .join('; ');
    throw new PolypsegError(`invalid server configuration: ${detail}`, 'BAD_CONFIG');
  }
  return result.data;
}
