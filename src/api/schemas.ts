// The HTTP API's contract, defined once: the server validates and serialises with these schemas
// (src/server/routes/, through src/server/json-schema.ts), the OpenAPI document is generated from
// them, and the web page imports their types (type-only, so none of this reaches its bundle).
//
// A `title` names a schema in the OpenAPI document's components. Field order is the order the
// server writes the fields in.
import { z } from 'zod';
import type { ModelMetadata } from '../models/metadata.ts';

/** The error body every route answers with. */
export const errorBodySchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .meta({ title: 'Error' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** A file's bytes: a PNG, MP4 or ONNX answer. */
export const binarySchema = z.file();

/** The media types an upload may have; the server recognises them by content, never by name or part header. */
export const IMAGE_MEDIA_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/bmp',
  'image/tiff',
] as const;
export const VIDEO_MEDIA_TYPES = [
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/x-msvideo',
  'video/x-matroska',
] as const;

/** An uploaded file: never empty (400 `empty_file`), of one of `types` (else 415). */
const uploadedFile = (types: readonly string[]) =>
  z
    .file()
    .min(1)
    .mime([...types]);

// ----- images -----

/** POST /api/segment's query (typed: the server parses the query string into this). */
export const segmentQuerySchema = z.strictObject({
  format: z
    .enum(['json', 'png', 'overlay'])
    .default('json')
    .describe(
      'json: the result with a base64 mask PNG; png: the 0/255 mask PNG; overlay: a PNG of the mask drawn on the image',
    ),
  threshold: z.number().min(0).max(1).optional().describe("probability threshold (default: the model's)"),
  minArea: z
    .int()
    .min(0)
    .max(1e9)
    .optional()
    .describe(
      "drop regions smaller than this many pixels (default: the model's minRegionFraction of the image, ≈ 8×8 px at 622×529)",
    ),
  tta: z
    .boolean()
    .optional()
    .describe("flip test-time augmentation (3× the work; default: the model's tta setting)"),
});
export type SegmentQuery = z.output<typeof segmentQuerySchema>;

/** POST /api/segment's multipart body. */
export const imageUploadSchema = z
  .object({ image: uploadedFile(IMAGE_MEDIA_TYPES) })
  .meta({ title: 'ImageUpload' });

/** One connected polyp region in input-image coordinates. */
export const polypSchema = z
  .object({
    area: z.int().describe('pixels'),
    bbox: z.tuple([z.int(), z.int(), z.int(), z.int()]).describe('[x, y, width, height]'),
    score: z.number().describe('mean probability inside the region'),
  })
  .meta({ title: 'Polyp' });
export type Polyp = z.infer<typeof polypSchema>;

/** POST /api/segment with format=json. */
export const segmentResponseSchema = z
  .object({
    width: z.int(),
    height: z.int(),
    coverage: z.number().describe('fraction of pixels that are polyp'),
    polyps: z.array(polypSchema),
    mask: z.string().describe('base64 PNG, 0/255, same size as the input'),
  })
  .meta({ title: 'Segmentation' });
export type SegmentResponse = z.infer<typeof segmentResponseSchema>;

// ----- videos -----

export const jobStatusSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof jobStatusSchema>;
/** The statuses a job never leaves. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['done', 'failed', 'cancelled'];

/** The path parameter of /api/videos/:id/… */
export const jobIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f-]{36}$/)
    .describe('job id'),
});

/** POST /api/videos's multipart body. */
export const videoUploadSchema = z
  .object({ video: uploadedFile(VIDEO_MEDIA_TYPES) })
  .meta({ title: 'VideoUpload' });

/** POST /api/videos's 202 answer. */
export const videoAcceptedSchema = z
  .object({ id: z.string(), status: jobStatusSchema })
  .meta({ title: 'VideoAccepted' });
export type VideoAccepted = z.infer<typeof videoAcceptedSchema>;

/** The public view of a video job: GET /api/videos/:id and the data of each progress event. */
export const jobViewSchema = z
  .object({
    id: z.string(),
    status: jobStatusSchema,
    progress: z.number().min(0).max(1),
    fps: z.number().nullable(),
    frames: z.int().nullable(),
    width: z.int().nullable(),
    height: z.int().nullable(),
    duration: z.number().nullable().describe('seconds'),
    processingFps: z.number().nullable().describe('frames processed per second, once done'),
    error: z.string().optional().describe('why the job failed'),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ title: 'JobView' });
export type JobView = z.infer<typeof jobViewSchema>;

/** GET /api/videos/:id/result.mp4's query (other keys are ignored). */
export const resultQuerySchema = z.looseObject({
  download: z.boolean().optional().describe('answer as an attachment'),
});

/** One frame's findings in frames.json. */
export const frameFindingSchema = z
  .object({
    frame: z.int(),
    time: z.number().describe('seconds'),
    count: z.int().describe('polyps'),
    area: z.int().describe('polyp pixels'),
    coverage: z.number().describe('fraction of the frame that is polyp'),
    score: z.number().describe('best polyp score, 0 if none'),
  })
  .meta({ title: 'FrameFinding' });
export type FrameFinding = z.infer<typeof frameFindingSchema>;

/** GET /api/videos/:id/frames.json: per-frame findings of a finished job. */
export const framesFileSchema = z
  .object({ fps: z.number(), frames: z.array(frameFindingSchema) })
  .meta({ title: 'Frames' });
export type FramesFile = z.infer<typeof framesFileSchema>;

// ----- health and model -----

/** The served model, as /healthz reports it. */
export const modelInfoSchema = z
  .object({
    name: z.string(),
    inputSize: z.int(),
    architecture: z.looseObject({ type: z.string() }),
    metrics: z.looseObject({}).describe('evaluation metrics recorded with the model ({} if none)'),
    trained: z.boolean().describe('false for an untrained or placeholder model'),
    trainedOn: z
      .object({ images: z.int(), datasets: z.array(z.string()) })
      .optional()
      .describe('the training images: how many, and the dataset folders they came from'),
    parameters: z.int().optional(),
    threshold: z.number().optional(),
    tta: z.boolean().optional().describe('still images are segmented with flip test-time augmentation'),
    runtime: z.string(),
    createdAt: z.string().optional(),
  })
  .meta({ title: 'ModelInfo' });
export type ModelInfo = z.infer<typeof modelInfoSchema>;

/** What /healthz says about the video queue, whichever backend runs it. */
export const queueHealthSchema = z
  .object({
    backend: z.enum(['embedded', 'redis']),
    redis: z
      .object({ url: z.string(), reachable: z.boolean() })
      .optional()
      .describe('the Redis server (password removed) and whether it answered a PING just now'),
    running: z.int().describe('videos being processed now'),
    queued: z.int().describe('videos waiting for a worker'),
    workers: z.int().describe('worker processes (Redis) or slots (embedded)'),
  })
  .meta({
    title: 'QueueHealth',
    description: 'the video queue: backend, Redis reachability, depth and live workers',
  });
export type QueueHealth = z.infer<typeof queueHealthSchema>;

/** GET /healthz. */
export const healthSchema = z
  .object({
    status: z.enum(['ok']),
    model: modelInfoSchema,
    videos: z.object({ running: z.int(), queued: z.int() }),
    queue: queueHealthSchema,
  })
  .meta({ title: 'Health' });
export type Health = z.infer<typeof healthSchema>;

/** GET /api/model: polypseg.json as the model directory holds it, and where its ONNX file is. */
export const modelDocumentSchema = z.looseObject({}).meta({
  title: 'ModelDocument',
  description:
    "the model's polypseg.json (see src/models/metadata.ts) plus `onnxUrl`: /api/model.onnx, or null without an ONNX export",
});
export type ModelDocument = ModelMetadata & { onnxUrl: string | null };
