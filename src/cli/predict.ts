import { mkdir, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { once } from 'node:events';
import { parseFlags, parseNumber, requireFlag, UsageError, type Command } from './command.ts';
import { listInputs } from './image-inputs.ts';
import { openSegmenterFromFlags, SEGMENT_FLAGS, SEGMENT_FLAGS_USAGE } from './segment-flags.ts';
import { ProgressBar } from '../progress.ts';
import type { RawImage } from '../data/raw-image.ts';
import { PolypsegError } from '../errors.ts';
import type { OverlayOptions } from '../segment/overlay.ts';

const usage = `usage: polypseg predict --input FILE|DIR|PATTERN... --out DIR [--model DIR]
                        [--runtime auto|onnx|tfjs|onnx-web] [--tta|--no-tta] [--threshold T] [--min-area PX]
                        [--overlay] [--color #RRGGBB] [--opacity A] [--outline] [--json] [--threads N]

  Writes one greyscale mask PNG per image (one channel: 0 background, 255 polyp; the input's width and
  height) as OUT/<stem>.png.
  --input ...     image files, folders (their images, not recursive) and quoted patterns such as
                  'scans/*.jpg'; several may follow one --input, and --input may be repeated
  --out DIR       where the masks go (created if needed)
${SEGMENT_FLAGS_USAGE}
  --overlay       also write OUT/overlays/<stem>.png (mask blended over the image; default off)
  --color C       overlay colour #RRGGBB (default #00FF66)
  --opacity A     overlay fill opacity 0..1 (default 0.4)
  --outline       draw the region outline in the overlay (default: fill only)
  --json          also write OUT/predictions.json (per image: size, coverage, polyps with area/bbox/score;
                  default off)
  A folder is read one image at a time (thousands are fine); unreadable images are reported and skipped.`;

/** Output stems, unique even when a.jpg and a.png sit side by side or two folders share a name. */
function stems(files: string[]): string[] {
  const used = new Set<string>();
  return files.map((f) => {
    const ext = extname(f);
    let stem = basename(f, ext);
    if (used.has(stem)) stem = `${stem}_${ext.slice(1)}`;
    for (let k = 2; used.has(stem); k++) stem = `${basename(f, ext)}_${ext.slice(1)}${k}`;
    used.add(stem);
    return stem;
  });
}

/** JSON array written one element at a time, so thousands of results never sit in memory. */
class JsonArrayWriter {
  private readonly stream;
  private first = true;
  constructor(path: string) {
    this.stream = createWriteStream(path);
    this.stream.write('[\n');
  }
  async push(value: unknown): Promise<void> {
    const ok = this.stream.write(`${this.first ? '' : ',\n'}${JSON.stringify(value)}`);
    this.first = false;
    if (!ok) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    this.stream.end('\n]\n');
    await once(this.stream, 'finish');
  }
}

const command: Command = {
  name: 'predict',
  summary: 'segment an image or a folder of images into mask PNGs (optional overlays and JSON)',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        ...SEGMENT_FLAGS,
        input: { type: 'string', multiple: true },
        out: { type: 'string' },
        overlay: { type: 'boolean', default: false },
        color: { type: 'string' },
        opacity: { type: 'string' },
        outline: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      true,
    );
    // `--input a.jpg b.jpg` leaves b.jpg as a positional: it belongs to --input.
    if (positionals.length && !values.input)
      throw new UsageError(`unexpected argument '${positionals[0]}' (images follow --input)`);
    const inputs = [...requireFlag(values.input, 'input'), ...positionals];
    const out = requireFlag(values.out, 'out');
    const overlay: OverlayOptions = {
      color: values.color,
      opacity: values.opacity !== undefined ? parseNumber(values.opacity, 'opacity', 0, 1) : undefined,
      outline: values.outline,
    };

    const { decodeImage, encodeMaskPng, encodePng } = await import('../data/decode.ts');
    const { renderOverlay } = await import('../segment/overlay.ts');
    const files = await listInputs(inputs);
    const names = stems(files);
    await mkdir(out, { recursive: true });
    if (values.overlay) await mkdir(join(out, 'overlays'), { recursive: true });
    const { segmenter, options } = await openSegmenterFromFlags(values);
    const json = values.json ? new JsonArrayWriter(join(out, 'predictions.json')) : undefined;
    const bar = new ProgressBar('predict', files.length);
    const failures: string[] = [];
    const started = performance.now();

    // Decode the next image (sharp, libuv threads) while the current one is segmented.
    const decode = (i: number) =>
      decodeImage(files[i]!).then(
        (image): RawImage | Error => image,
        (err: Error) => err,
      );
    let next = decode(0);
    try {
      for (let i = 0; i < files.length; i++) {
        const image = await next;
        if (i + 1 < files.length) next = decode(i + 1);
        const file = files[i]!;
        try {
          if (image instanceof Error) throw image;
          const t = performance.now();
          const result = await segmenter.segment(image, options);
          const ms = performance.now() - t;
          const writes = [writeFile(join(out, `${names[i]}.png`), await encodeMaskPng(result.mask))];
          if (values.overlay)
            writes.push(
              writeFile(
                join(out, 'overlays', `${names[i]}.png`),
                await encodePng(renderOverlay(image, result, overlay)),
              ),
            );
          await Promise.all(writes);
          await json?.push({
            file,
            mask: `${names[i]}.png`,
            width: result.width,
            height: result.height,
            coverage: result.coverage,
            polyps: result.polyps,
            ms: Math.round(ms * 10) / 10,
          });
        } catch (err) {
          if (!(err instanceof PolypsegError)) throw err;
          failures.push(file);
          process.stderr.write(`\nskipped ${file}: ${err.message}\n`);
          await json?.push({ file, error: err.message });
        }
        const rate = (i + 1) / ((performance.now() - started) / 1000);
        bar.update(i + 1, `${rate.toFixed(1)} img/s`);
      }
    } finally {
      await json?.close();
      await segmenter.dispose();
    }
    const secs = (performance.now() - started) / 1000;
    const done = files.length - failures.length;
    console.log(
      `segmented ${done} image(s) in ${secs.toFixed(1)} s (${(done / secs).toFixed(1)} img/s) with ${segmenter.runtime}; masks in ${out}`,
    );
    if (failures.length) {
      console.error(`${failures.length} of ${files.length} image(s) could not be read and were skipped`);
      return 1;
    }
    return 0;
  },
};

export default command;
