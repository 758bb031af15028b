import { parseNumber, parsePositiveInt, UsageError } from './command.ts';
import type { RuntimeOptions, Segmenter, SegmentOptions } from '../segment/types.ts';

/** Flags shared by the commands that run a model on images (`predict`, `predict-video`, `eval`). */
export const SEGMENT_FLAGS = {
  model: { type: 'string', default: 'models/default' },
  runtime: { type: 'string', default: 'auto' },
  threads: { type: 'string' },
  tta: { type: 'boolean' },
  'no-tta': { type: 'boolean' },
  threshold: { type: 'string' },
  'min-area': { type: 'string' },
} as const;

export const SEGMENT_FLAGS_USAGE = `  --model DIR     model directory; default models/default
  --runtime R     auto (default: onnx when the model has model.onnx, else tfjs), onnx (onnxruntime-node;
                  needs \`polypseg export\`), tfjs, or onnx-web (onnxruntime-web's wasm build)
  --threads N     inference threads (default: all cores, at most 4)
  --tta, --no-tta average the prediction over identity, horizontal and vertical flips, or don't
                  (default: the model's tta setting for images; off for video)
  --threshold T   probability threshold (default: the model's, usually 0.5)
  --min-area PX   drop regions smaller than PX pixels (default: the model's minRegionFraction of the image)`;

interface SegmentFlagValues {
  model: string;
  runtime: string;
  threads?: string;
  tta?: boolean;
  'no-tta'?: boolean;
  threshold?: string;
  'min-area'?: string;
}

/** --tta / --no-tta -> true / false; neither -> undefined (the model's default). */
export function ttaFlag(values: { tta?: boolean; 'no-tta'?: boolean }): boolean | undefined {
  if (values.tta && values['no-tta']) throw new UsageError('--tta and --no-tta contradict each other');
  return values.tta ? true : values['no-tta'] ? false : undefined;
}

/** Validates the shared flags and opens the model: every mistake is a UsageError before any work starts. */
export async function openSegmenterFromFlags(
  values: SegmentFlagValues,
  /** `videoRuntimeOptions` for video commands: inference on worker threads */
  runtimeOptions: (threads?: number) => RuntimeOptions = (threads) => ({ threads }),
): Promise<{ segmenter: Segmenter; options: SegmentOptions }> {
  const options: SegmentOptions = {
    tta: ttaFlag(values),
    threshold: values.threshold !== undefined ? parseNumber(values.threshold, 'threshold', 0, 1) : undefined,
    minArea: values['min-area'] !== undefined ? parseNumber(values['min-area'], 'min-area', 0) : undefined,
  };
  // loaded here, not at the top: model metadata's schema (zod) is not needed for --help
  const { createSegmenter, parseRuntime } = await import('../segment/create-segmenter.ts');
  const runtime = parseRuntime(values.runtime);
  const threads = values.threads ? parsePositiveInt(values.threads, 'threads') : undefined;
  const segmenter = await createSegmenter(values.model, { runtime, ...runtimeOptions(threads) });
  return { segmenter, options };
}
