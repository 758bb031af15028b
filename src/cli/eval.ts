import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProgressBar } from '../progress.ts';
import { openSegmenterFromFlags, SEGMENT_FLAGS, SEGMENT_FLAGS_USAGE } from './segment-flags.ts';
import { parseFlags, requireFlag, type Command } from './command.ts';
import { resolveSplit } from './split-flag.ts';

const usage = `usage: polypseg eval --data DIR --split SPLIT [--model DIR] [--runtime auto|onnx|tfjs|onnx-web]
                     [--tta|--no-tta] [--threshold T] [--min-area PX] [--threads N] [--json] [--out DIR]
                     [--skip-invalid]

  Scores the model on the split's images at their original size. The binary metrics (accuracy, IoU,
  Dice, precision, recall) score the mask users get: thresholded, with regions under --min-area (default:
  the model's minRegionFraction of the image) dropped. The PraNet toolbox measures score the probability map.
  --data DIR      dataset folder with images/ and masks/
  --split SPLIT   the image ids to score: a split name under DIR/splits/ (e.g. pranet-test, for
                  DIR/splits/pranet-test.txt) or the path of a text file of ids, one a line
${SEGMENT_FLAGS_USAGE}
  --json          print one JSON object instead of tables
  --out DIR       also write DIR/per-image.csv and DIR/summary.json
  --skip-invalid  report and skip unreadable or mismatched images instead of stopping`;

const command: Command = {
  name: 'eval',
  summary: 'score a model on a dataset split (per-image means, pooled, PraNet toolbox measures)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      ...SEGMENT_FLAGS,
      data: { type: 'string' },
      split: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      'skip-invalid': { type: 'boolean', default: false },
    });
    const dataDir = requireFlag(values.data, 'data');
    const splitFile = resolveSplit(dataDir, requireFlag(values.split, 'split'));
    const { readSplit } = await import('../data/index.ts');
    const { evaluateDataset, evaluationJson, evaluationTable } =
      await import('../evaluate/evaluate-dataset.ts');
    const ids = await readSplit(splitFile);
    const { segmenter, options } = await openSegmenterFromFlags(values);
    const bar = new ProgressBar('eval', ids.length);
    try {
      const ev = await evaluateDataset(segmenter, dataDir, ids, {
        ...options,
        skipInvalid: values['skip-invalid'],
        onProgress: (d) => bar.update(d),
      });
      for (const s of ev.skipped) console.error(`skipped ${s.id}: ${s.reason}`);
      if (values.out) {
        await mkdir(values.out, { recursive: true });
        await writeFile(join(values.out, 'per-image.csv'), ev.csv);
        await writeFile(join(values.out, 'summary.json'), JSON.stringify(evaluationJson(ev), null, 2) + '\n');
      }
      if (values.json) console.log(JSON.stringify(evaluationJson(ev)));
      else {
        console.log(
          `${segmenter.metadata.name} on ${ev.summary.images} images (${segmenter.runtime} runtime, ${ev.seconds.toFixed(1)} s)\n`,
        );
        console.log(evaluationTable(ev));
      }
      return 0;
    } finally {
      await segmenter.dispose();
    }
  },
};

export default command;
