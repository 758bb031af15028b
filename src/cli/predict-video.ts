import { writeFile } from 'node:fs/promises';
import { parseFlags, parseNumber, requireFlag, type Command } from './command.ts';
import { openSegmenterFromFlags, SEGMENT_FLAGS, SEGMENT_FLAGS_USAGE } from './segment-flags.ts';
import { ProgressBar } from '../progress.ts';
import { parseColor } from '../segment/overlay.ts';

const usage = `usage: polypseg predict-video --input IN.mp4 --out OUT.mp4 [--model DIR] [--json FRAMES.json]
                              [--color #RRGGBB] [--opacity 0.4] [--outline] [--tta] [--threshold T]
                              [--min-area PX] [--no-audio] [--runtime auto|onnx|tfjs|onnx-web] [--threads N]

  Segments every frame and writes an H.264 MP4 (yuv420p, faststart) with the mask overlaid, at the
  input's size and frame rate. ffmpeg is the binary from the npm package @ffmpeg-installer/ffmpeg.
  --input FILE    the video to segment (anything ffmpeg reads: MP4, MOV, AVI, MKV, ...)
  --out FILE      where the MP4 with the overlay goes
  --json FILE     also write the per-frame polyp count, area (pixels), coverage, score and boxes
  --color C       overlay colour #RRGGBB (default #00FF66)
  --opacity A     overlay fill opacity 0..1 (default 0.4)
  --outline       draw the region outline in the overlay (default: fill only)
  --no-audio      leave the input's audio out (default: carried over as AAC)
${SEGMENT_FLAGS_USAGE}`;

const command: Command = {
  name: 'predict-video',
  summary: 'segment a video: overlay the polyp mask on every frame, re-encode as MP4, per-frame JSON',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      ...SEGMENT_FLAGS,
      input: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
      color: { type: 'string', default: '#00FF66' },
      opacity: { type: 'string', default: '0.4' },
      outline: { type: 'boolean', default: false },
      'no-audio': { type: 'boolean', default: false },
    });
    const input = requireFlag(values.input, 'input');
    const out = requireFlag(values.out, 'out');
    const overlay = {
      color: parseColor(values.color),
      opacity: parseNumber(values.opacity, 'opacity', 0, 1),
      outline: values.outline,
    };
    const { processVideo, videoRuntimeOptions } = await import('../video/index.ts');
    const { segmenter, options } = await openSegmenterFromFlags(values, videoRuntimeOptions);

    // Ctrl-C stops ffmpeg and removes the partial output.
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let bar: ProgressBar | undefined;
    try {
      const result = await processVideo(
        input,
        out,
        segmenter,
        { ...options, overlay, keepAudio: !values['no-audio'], signal: controller.signal },
        (p) => {
          bar ??= new ProgressBar('video', p.totalFrames);
          bar.update(p.frame, `${p.fps.toFixed(1)} fps`);
        },
      );
      const { info } = result;
      if (values.json)
        await writeFile(
          values.json,
          JSON.stringify(
            {
              input,
              output: out,
              width: info.width,
              height: info.height,
              fps: info.fps,
              frames: result.frames,
            },
            null,
            1,
          ),
        );
      const withPolyp = result.frames.filter((f) => f.count > 0).length;
      console.log(
        `wrote ${out}: ${result.frames.length} frames ${info.width}x${info.height} @ ${info.fps} fps in ${(result.elapsedMs / 1000).toFixed(1)} s ` +
          `(${result.fps.toFixed(1)} fps); polyp in ${withPolyp} frame(s)` +
          (values.json ? `; per-frame JSON in ${values.json}` : ''),
      );
      return 0;
    } finally {
      process.removeListener('SIGINT', onSigint);
      await segmenter.dispose();
    }
  },
};

export default command;
