/**
 * Inference speed: `npm run bench:infer [-- --quick] [-- --no-tfjs] [-- --no-video] [-- --hd-video-only]`.
 *
 * For the reference UNet (base width 16, depth 4, 256², random weights) and the shipped model
 * (models/default, when present): batch-1 img/s and GFLOP/s on onnxruntime-node and TF.js wasm at
 * 1 and 2 threads, then end-to-end video fps (decode + infer + overlay + encode) on a generated
 * 10-second 25 fps clip. The last line is one JSON object of the figures (docs/benchmarks.md).
 *
 * The development machine is shared (a training run, other people's tests), so every figure is
 * the best of several short windows (each the median of a few calls), the way `timeit` takes the
 * minimum; the median over all calls is printed beside it and kept in the JSON as `*_median`.
 * TF.js fixes its wasm thread count per process, so each TF.js row runs in a child process.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { tf } from '../src/engine/tf.ts';
import { exportModelDir, exportOnnx } from '../src/export/index.ts';
import { modelFlops } from '../src/export/flops.ts';
import { buildModel, loadModel, saveModel } from '../src/models/index.ts';
import { architectureSchema, modelMetadataSchema } from '../src/models/metadata.ts';
import { createSegmenter } from '../src/segment/create-segmenter.ts';
import { sessionOptions } from '../src/segment/onnx-node/index.ts';
import { processVideo, videoRuntimeOptions } from '../src/video/index.ts';
import { ffmpegPath } from '../src/video/ffmpeg.ts';
import { probeVideo } from '../src/video/probe.ts';
import type { ModelSegmenter } from '../src/segment/segmenter-core.ts';
import type { RuntimeOptions } from '../src/segment/types.ts';
import { cpuSeconds, videoStages, type StageTimes } from './lib/video-stages.ts';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const SHIPPED = 'models/default';
const REF_ARCH = architectureSchema.parse({ type: 'unet', depth: 4, baseWidth: 16 });
const REF_SIZE = 256;
const VIDEO = { width: 640, height: 480, fps: 25, seconds: 10, runs: QUICK ? 1 : 2 };
/** the shipped model's clips: JSON key suffix -> size (issue 14: real time at HD) */
const HD_SIZES = [
  { suffix: '', width: 640, height: 480 },
  { suffix: '_720p', width: 1280, height: 720 },
  { suffix: '_1080p', width: 1920, height: 1080 },
] as const;

interface Rate {
  /** best window, calls per second */
  best: number;
  /** median over all calls, calls per second */
  median: number;
  /** process CPU milliseconds per call (all threads), a load-independent cost */
  cpuMs?: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Calls per second after warm-up: `windows` windows of `perWindow` calls (fewer if over budget). */
async function rate(
  call: () => Promise<unknown>,
  opts: { warmup: number; windows: number; perWindow: number; budgetS: number },
): Promise<Rate> {
  for (let i = 0; i < opts.warmup; i++) await call();
  const all: number[] = [];
  const windowMedians: number[] = [];
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (let w = 0; w < opts.windows; w++) {
    const times: number[] = [];
    for (let i = 0; i < opts.perWindow; i++) {
      const t = performance.now();
      await call();
      times.push((performance.now() - t) / 1000);
    }
    all.push(...times);
    windowMedians.push(median(times));
    if (w >= 1 && performance.now() - start > opts.budgetS * 1000) break;
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    best: 1 / Math.min(...windowMedians),
    median: 1 / median(all),
    cpuMs: (cpu.user + cpu.system) / 1000 / all.length,
  };
}

async function ortRate(
  bytes: Uint8Array,
  size: number,
  threads: number,
  layout: 'NHWC' | 'NCHW',
  spinning = false,
): Promise<Rate> {
  const session = await ort.InferenceSession.create(bytes, sessionOptions(threads, spinning));
  const data = new Float32Array(size * size * 3).map((_, i) => Math.sin(i) * 0.5);
  const dims = layout === 'NHWC' ? [1, size, size, 3] : [1, 3, size, size];
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data, dims) };
  const r = await rate(() => session.run(feeds), {
    warmup: 5,
    windows: QUICK ? 3 : 8,
    perWindow: 8,
    budgetS: QUICK ? 3 : 10,
  });
  await session.release();
  return r;
}

/** Child process: TF.js wasm with `threads` threads; prints a Rate or {"skipped": why}. */
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
    const r = await rate(call, { warmup: 2, windows: QUICK ? 2 : 4, perWindow: 3, budgetS: QUICK ? 5 : 20 });
    console.log(JSON.stringify(r));
  } catch (err) {
    console.log(JSON.stringify({ skipped: (err as Error).message.split('\n')[0] }));
  }
}

function tfjsRate(modelRef: string, threads: number): Rate | string {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', self, '--tfjs-worker', modelRef, String(threads), ...(QUICK ? ['--quick'] : [])],
    { encoding: 'utf8', timeout: 300_000 },
  );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(last);
    return parsed.skipped ? `skipped: ${parsed.skipped}` : parsed;
  } catch {
    return `skipped: worker failed (${(r.stderr || '').trim().split('\n').pop()})`;
  }
}

function makeClip(path: string, width = VIDEO.width, height = VIDEO.height): void {
  const { fps, seconds } = VIDEO;
  // testsrc2: moving coloured patterns and text, so x264 has real work to do.
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

/**
 * End-to-end fps of processVideo with the default overlay (best and median of VIDEO.runs runs),
 * and the CPU milliseconds each frame costs in total (Node + both ffmpeg processes).
 */
async function videoRate(
  modelDir: string,
  clip: string,
  out: string,
  runtime: RuntimeOptions,
): Promise<Rate & { cpuMsPerFrame: number }> {
  const segmenter = await createSegmenter(modelDir, { runtime: 'onnx', ...runtime });
  const fps: number[] = [];
  const cpu: number[] = [];
  try {
    for (let i = 0; i < VIDEO.runs; i++) {
      const c0 = cpuSeconds();
      const result = await processVideo(clip, out, segmenter, { overlay: { outline: true } });
      cpu.push(((cpuSeconds() - c0) * 1000) / result.frames.length);
      fps.push(result.fps);
    }
  } finally {
    await segmenter.dispose();
  }
  return { best: Math.max(...fps), median: median(fps), cpuMsPerFrame: Math.min(...cpu) };
}

/**
 * What the app does per uploaded image with the shipped model's defaults (flip TTA if the model asks for
 * it): preprocess a 622x529 frame (Kvasir's typical size) -> ORT -> postprocess, and the same single-pass.
 */
async function benchStillImages(dir: string, figures: Record<string, number>): Promise<void> {
  const segmenter = await createSegmenter(dir, { runtime: 'onnx', threads: 2 });
  try {
    const width = 622;
    const height = 529;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const image = { width, height, channels: 3 as const, data };
    console.log(`\nShipped model, whole segment() call on a ${width}x${height} image, ORT 2 threads`);
    const opts = { warmup: 3, windows: QUICK ? 3 : 6, perWindow: 5, budgetS: QUICK ? 3 : 10 };
    for (const tta of [segmenter.metadata.tta, !segmenter.metadata.tta]) {
      const r = await rate(() => segmenter.segment(image, { tta }), opts);
      const key = `image_default${tta ? '_tta' : ''}`;
      record(figures, key, r);
      console.log(
        row(
          `${tta ? 'flip TTA' : 'single pass'}${tta === segmenter.metadata.tta ? ' (the model default)' : ''}`,
          r,
          'img/s',
        ),
      );
    }
  } finally {
    await segmenter.dispose();
  }
}

/**
 * The shipped model at 640x480, 1280x720 and 1920x1080: the per-stage CPU table (bench/lib/video-stages.ts),
 * then end-to-end fps and CPU ms per frame of processVideo with the server's overlay (outline on).
 */
async function benchShippedVideo(dir: string, work: string, figures: Record<string, number>): Promise<void> {
  const stages: Array<{ label: string; times: StageTimes }> = [];
  const rates: string[] = [];
  for (const { suffix, width, height } of HD_SIZES) {
    const clip = join(work, `clip${suffix || '_480p'}.mp4`);
    makeClip(clip, width, height);
    const segmenter = (await createSegmenter(dir, { runtime: 'onnx', threads: 2 })) as ModelSegmenter;
    try {
      const times = await videoStages(clip, await probeVideo(clip), segmenter, join(work, 'stages.mp4'));
      stages.push({ label: `${width}x${height}`, times });
    } finally {
      await segmenter.dispose();
    }
    // as the app runs video: inference on worker threads (videoRuntimeOptions)
    const r = await videoRate(dir, clip, join(work, 'out-hd.mp4'), videoRuntimeOptions());
    record(figures, `video_default${suffix}_fps`, r);
    figures[`video_default${suffix}_cpu_ms_per_frame`] = Number(r.cpuMsPerFrame.toFixed(1));
    rates.push(
      row(`shipped model ${width}x${height}, ORT on worker threads`, r, 'fps') +
        `; ${r.cpuMsPerFrame.toFixed(1)} CPU ms/frame (all processes), load ${os.loadavg()[0]!.toFixed(2)}`,
    );
  }
  console.log(
    `\nShipped model, video stages on their own: CPU ms per frame (this process + ffmpeg children)`,
  );
  console.log(`  ${'stage'.padEnd(42)}${stages.map((s) => s.label.padStart(11)).join('')}`);
  for (const name of Object.keys(stages[0]!.times))
    console.log(`  ${name.padEnd(42)}${stages.map((s) => s.times[name]!.toFixed(1).padStart(11)).join('')}`);
  const sums = stages.map((s) => Object.values(s.times).reduce((a, b) => a + b, 0));
  console.log(`  ${'sum'.padEnd(42)}${sums.map((v) => v.toFixed(1).padStart(11)).join('')}`);
  console.log(`\nShipped model, end-to-end processVideo with the outline overlay (best of ${VIDEO.runs})`);
  rates.forEach((r) => console.log(r));
}

function row(name: string, r: Rate | string, unit: string, gflop = 0): string {
  if (typeof r === 'string') return `  ${name.padEnd(42)} ${r}`;
  const g = gflop ? `  ${(r.best * gflop).toFixed(1).padStart(6)} GFLOP/s` : '';
  const c = r.cpuMs ? `, ${r.cpuMs.toFixed(1)} CPU ms each` : '';
  return `  ${name.padEnd(42)} ${r.best.toFixed(1).padStart(6)} ${unit}${g}   (median ${r.median.toFixed(1)}${c})`;
}

function record(figures: Record<string, number>, key: string, r: Rate | string): void {
  if (typeof r === 'string') return;
  figures[key] = Number(r.best.toFixed(2));
  figures[`${key}_median`] = Number(r.median.toFixed(2));
  if (r.cpuMs) figures[`${key}_cpu_ms`] = Number(r.cpuMs.toFixed(1));
}

async function benchModel(
  label: string,
  key: string,
  model: tf.LayersModel,
  modelRef: string,
  figures: Record<string, number>,
): Promise<void> {
  const size = model.inputs[0]!.shape[1] as number;
  const gflop = modelFlops(model) / 1e9;
  figures[`${key}_gflop_per_img`] = Number(gflop.toFixed(3));
  console.log(`\n${label}: ${gflop.toFixed(2)} GFLOP per image (conv/dense, 2 per multiply-add), batch 1`);
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
    const r = await ortRate(exported[v.layout], size, v.threads, v.layout, v.spinning);
    record(figures, `infer_${key}_ort${v.suffix}_t${v.threads}`, r);
    console.log(
      row(
        `onnxruntime-node ${v.layout}${v.spinning ? ' spinning' : ''}, ${v.threads} thread(s)`,
        r,
        'img/s',
        gflop,
      ),
    );
  }
  if (!args.includes('--no-tfjs')) {
    for (const threads of [1, 2]) {
      const r = tfjsRate(modelRef, threads);
      record(figures, `infer_${key}_tfjs_t${threads}`, r);
      console.log(row(`TF.js wasm, ${threads} thread(s)`, r, 'img/s', gflop));
    }
  }
}

async function main(): Promise<void> {
  const figures: Record<string, number> = {};
  const describeLoad = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `infer-speed: ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, load average ${describeLoad()}` +
      ` (shared machine: figures are best windows, medians in brackets)`,
  );
  figures.cpus = os.availableParallelism();
  figures.loadavg_1m_start = Number(os.loadavg()[0]!.toFixed(2));

  const work = mkdtempSync(join(os.tmpdir(), 'polypseg-bench-'));
  try {
    if (args.includes('--hd-video-only')) {
      // the shipped model's video rows alone (models/default already holds its ONNX export)
      await benchShippedVideo(SHIPPED, work, figures);
      return void console.log(JSON.stringify(figures));
    }
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
      await benchStillImages(shippedDir, figures);
    } else {
      console.log(`\n(no ${SHIPPED}/polypseg.json: shipped-model rows skipped)`);
    }

    if (!args.includes('--no-video')) {
      const clip = join(work, 'clip.mp4');
      makeClip(clip);
      const { width, height, fps, seconds } = VIDEO;
      console.log(
        `\nEnd-to-end video, ${seconds} s ${width}x${height} @${fps} fps: ffmpeg decode -> preprocess -> ORT -> ` +
          `postprocess -> overlay -> x264 encode (best of ${VIDEO.runs})`,
      );
      for (const threads of [2, 1]) {
        const r = await videoRate(refDir, clip, join(work, 'out.mp4'), { threads });
        const key = `video_unet_b16_s256${threads === 2 ? '' : '_t1'}`;
        record(figures, `${key}_fps`, r);
        figures[`${key}_cpu_ms_per_frame`] = Number(r.cpuMsPerFrame.toFixed(1));
        console.log(
          row(`reference UNet, ORT ${threads} thread(s)`, r, 'fps') +
            `; ${r.cpuMsPerFrame.toFixed(1)} CPU ms/frame (all processes) = ${(2000 / r.cpuMsPerFrame).toFixed(1)} fps if 2 cores were free`,
        );
      }
      if (shippedDir) await benchShippedVideo(shippedDir, work, figures);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  figures.loadavg_1m_end = Number(os.loadavg()[0]!.toFixed(2));
  console.log(`\nload average at the end ${describeLoad()}`);
  console.log(
    `bars: infer_unet_b16_s256_ort_t2 >= 25 img/s, video_unet_b16_s256_fps >= 15 fps, video_default_fps >= 60,` +
      ` video_default_1080p_fps >= 25 with video_default_1080p_cpu_ms_per_frame <= 70 (idle machine)`,
  );
  console.log(JSON.stringify(figures));
}

if (args[0] === '--tfjs-worker') await tfjsWorker(args[1]!, Number(args[2]));
else await main();
