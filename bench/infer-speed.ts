/**
 * Inference speed: `npm run bench:infer [-- --quick] [-- --no-tfjs] [-- --no-video]`.
 *
 * For the reference UNet (base width 16, depth 4, 256², random weights) and the shipped model
 * (models/default, when present): batch-1 img/s and GFLOP/s on onnxruntime-node and TF.js wasm at
 * 1 and 2 threads, then end-to-end video fps (decode + infer + overlay + encode) on a generated
 * 10-second 25 fps clip. The last line is one JSON object of the figures (docs/benchmarks.md).
 * TF.js fixes its wasm thread count per process, so each TF.js row runs in a child process.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type * as tf from '@tensorflow/tfjs';
import { exportModelDir, exportOnnx } from '../src/export/index.ts';
import { modelFlops } from '../src/export/flops.ts';
import { buildModel, loadModel, saveModel } from '../src/models/index.ts';
import { architectureSchema, modelMetadataSchema } from '../src/models/metadata.ts';
import { createSegmenter } from '../src/segment/create-segmenter.ts';
import { sessionOptions } from '../src/segment/onnx-node/index.ts';
import { processVideo } from '../src/video/index.ts';
import { ffmpegPath } from '../src/video/ffmpeg.ts';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const SHIPPED = 'models/default';
const REF_ARCH = architectureSchema.parse({ type: 'unet', depth: 4, baseWidth: 16 });
const REF_SIZE = 256;
const VIDEO = { width: 640, height: 480, fps: 25, seconds: 10 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median seconds per call after warm-up; stops at `runs` calls or `budgetS` seconds. */
async function timeCalls(
  call: () => Promise<unknown>,
  warmup: number,
  runs: number,
  budgetS: number,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await call();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < runs && (times.length < 5 || performance.now() - start < budgetS * 1000)) {
    const t = performance.now();
    await call();
    times.push((performance.now() - t) / 1000);
  }
  return median(times);
}

async function ortImgPerS(
  bytes: Uint8Array,
  size: number,
  threads: number,
  layout: 'NHWC' | 'NCHW',
  spinning = false,
): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, sessionOptions(threads, spinning));
  const input = new ort.Tensor(
    'float32',
    new Float32Array(size * size * 3).map((_, i) => Math.sin(i) * 0.5),
    layout === 'NHWC' ? [1, size, size, 3] : [1, 3, size, size],
  );
  const feeds = { [session.inputNames[0]!]: input };
  const s = await timeCalls(() => session.run(feeds), 5, QUICK ? 20 : 60, QUICK ? 2 : 5);
  await session.release();
  return 1 / s;
}

/** Child process: TF.js wasm with `threads` threads; prints {"imgPerS": x} or {"skipped": why}. */
async function tfjsWorker(modelRef: string, threads: number): Promise<void> {
  try {
    const { initEngine, tf } = await import('../src/engine/index.ts');
    await initEngine({ backend: 'wasm', threads });
    const model = modelRef === 'ref' ? buildModel(REF_ARCH, REF_SIZE, 1) : (await loadModel(modelRef)).model;
    const size = model.inputs[0]!.shape[1] as number;
    const x = tf.randomUniform([1, size, size, 3]);
    const call = async () => {
      const y = model.predict(x) as tf.Tensor;
      await y.data();
      y.dispose();
    };
    const s = await timeCalls(call, 2, QUICK ? 4 : 10, QUICK ? 5 : 15);
    console.log(JSON.stringify({ imgPerS: 1 / s }));
  } catch (err) {
    console.log(JSON.stringify({ skipped: (err as Error).message.split('\n')[0] }));
  }
}

function tfjsImgPerS(modelRef: string, threads: number): number | string {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', self, '--tfjs-worker', modelRef, String(threads), ...(QUICK ? ['--quick'] : [])],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(last);
    return parsed.imgPerS ?? `skipped: ${parsed.skipped}`;
  } catch {
    return `skipped: worker failed (${(r.stderr || '').trim().split('\n').pop()})`;
  }
}

function makeClip(path: string): void {
  const { width, height, fps, seconds } = VIDEO;
  execFileSync(ffmpegPath(), [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=${fps}`,
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    path,
  ]);
}

async function videoFps(modelDir: string, clip: string, out: string, threads: number): Promise<number> {
  const segmenter = await createSegmenter(modelDir, { runtime: 'onnx', threads });
  try {
    const result = await processVideo(clip, out, segmenter, { overlay: { outline: true } });
    return result.fps;
  } finally {
    await segmenter.dispose();
  }
}

async function benchModel(
  label: string,
  key: string,
  model: tf.LayersModel,
  modelRef: string,
  figures: Record<string, number | string>,
) {
  const size = model.inputs[0]!.shape[1] as number;
  const gflop = modelFlops(model) / 1e9;
  figures[`${key}_gflop_per_img`] = Number(gflop.toFixed(3));
  const rows: Array<[string, number | string]> = [];
  // The shipped configuration (NHWC input, no spinning) at 1 and 2 threads, then two variants.
  const variants = [
    { layout: 'NHWC', threads: 1, spinning: false, suffix: '' },
    { layout: 'NHWC', threads: 2, spinning: false, suffix: '' },
    { layout: 'NHWC', threads: 2, spinning: true, suffix: '_spin' },
    { layout: 'NCHW', threads: 2, spinning: false, suffix: '_nchw' },
  ] as const;
  const exported = {
    NHWC: exportOnnx(model, { layout: 'NHWC' }),
    NCHW: exportOnnx(model, { layout: 'NCHW' }),
  };
  for (const v of variants) {
    const rate = await ortImgPerS(exported[v.layout], size, v.threads, v.layout, v.spinning);
    figures[`infer_${key}_ort${v.suffix}_t${v.threads}`] = Number(rate.toFixed(2));
    rows.push([`onnxruntime-node ${v.layout}${v.spinning ? ' spinning' : ''}, ${v.threads} thread(s)`, rate]);
  }
  if (!args.includes('--no-tfjs')) {
    for (const threads of [1, 2]) {
      const v = tfjsImgPerS(modelRef, threads);
      if (typeof v === 'number') figures[`infer_${key}_tfjs_t${threads}`] = Number(v.toFixed(2));
      rows.push([`TF.js wasm, ${threads} thread(s)`, v]);
    }
  }
  console.log(`\n${label}: ${gflop.toFixed(2)} GFLOP per image (conv/dense, 2 per multiply-add), batch 1`);
  for (const [name, v] of rows)
    console.log(
      `  ${name.padEnd(38)} ${typeof v === 'number' ? `${v.toFixed(1).padStart(6)} img/s  ${(v * gflop).toFixed(1).padStart(6)} GFLOP/s` : v}`,
    );
}

async function main(): Promise<void> {
  const figures: Record<string, number | string> = {};
  const load = os.loadavg();
  console.log(
    `infer-speed: ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, load average ${load.map((l) => l.toFixed(2)).join(' ')}` +
      ` (shared machine: other jobs make the 2-thread rows noisy)`,
  );
  figures.cpus = os.availableParallelism();
  figures.loadavg_1m = Number(load[0]!.toFixed(2));

  const work = mkdtempSync(join(os.tmpdir(), 'polypseg-bench-'));
  try {
    const ref = buildModel(REF_ARCH, REF_SIZE, 1);
    await benchModel('Reference UNet (base 16, depth 4) @256²', 'unet_b16_s256', ref, 'ref', figures);

    const refDir = join(work, 'ref-model');
    await saveModel(
      refDir,
      ref,
      modelMetadataSchema.parse({ name: 'bench-unet-b16', architecture: REF_ARCH, inputSize: REF_SIZE }),
    );
    await exportModelDir(refDir);

    let shippedDir: string | undefined;
    if (existsSync(join(SHIPPED, 'polypseg.json'))) {
      const { model, metadata } = await loadModel(SHIPPED);
      await benchModel(
        `Shipped model ${SHIPPED} (${metadata.architecture.type} @${metadata.inputSize}²)`,
        'default',
        model,
        SHIPPED,
        figures,
      );
      shippedDir = join(work, 'shipped');
      await saveModel(shippedDir, model, metadata);
      await exportModelDir(shippedDir);
    } else {
      console.log(`\n(no ${SHIPPED}/polypseg.json: shipped-model rows skipped)`);
    }

    if (!args.includes('--no-video')) {
      const clip = join(work, 'clip.mp4');
      makeClip(clip);
      const { width, height, fps, seconds } = VIDEO;
      console.log(
        `\nEnd-to-end video: ${seconds} s ${width}x${height} @${fps} fps (ffmpeg decode -> preprocess -> ORT 2 threads -> postprocess -> overlay -> x264 encode)`,
      );
      const v = await videoFps(refDir, clip, join(work, 'out.mp4'), 2);
      figures.video_unet_b16_s256_fps = Number(v.toFixed(2));
      console.log(`  reference UNet                         ${v.toFixed(1).padStart(6)} fps`);
      if (shippedDir) {
        const s = await videoFps(shippedDir, clip, join(work, 'out2.mp4'), 2);
        figures.video_default_fps = Number(s.toFixed(2));
        console.log(`  shipped model                          ${s.toFixed(1).padStart(6)} fps`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\nbars: infer_unet_b16_s256_ort_t2 >= 25 img/s, video_unet_b16_s256_fps >= 15 fps`);
  console.log(JSON.stringify(figures));
}

if (args[0] === '--tfjs-worker') await tfjsWorker(args[1]!, Number(args[2]));
else await main();
