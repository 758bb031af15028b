import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { readSplit } from '../data/index.ts';
import { evaluateDataset, evaluationJson, evaluationTable } from '../evaluate/evaluate-dataset.ts';
import { createSegmenter } from '../segment/index.ts';
import { ProgressBar } from '../progress.ts';
import { ttaFlag } from './segment-flags.ts';
import { parseFlags, parseNumber, requireFlag, UsageError, type Command } from './command.ts';

const usage = `usage: polypseg eval --model DIR --data DIR --split FILE [--json] [--out DIR] [--runtime onnx|tfjs]
                     [--threshold T] [--tta|--no-tta] [--skip-invalid]

  --tta / --no-tta  flip test-time augmentation on / off (default: the model's \`tta\` setting)`;

const command: Command = {
  name: 'eval',
  summary: 'score a model on a dataset split (per-image means, pooled, PraNet toolbox measures)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      model: { type: 'string', default: 'models/default' },
      data: { type: 'string' },
      split: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      runtime: { type: 'string' },
      threshold: { type: 'string' },
      tta: { type: 'boolean' },
      'no-tta': { type: 'boolean' },
      'skip-invalid': { type: 'boolean', default: false },
    });
    const runtime = values.runtime ?? 'auto';
    if (!['auto', 'onnx', 'tfjs'].includes(runtime))
      throw new UsageError(`--runtime must be onnx or tfjs, not '${runtime}'`);
    const ids = await readSplit(requireFlag(values.split, 'split'));
    const dataDir = requireFlag(values.data, 'data');
    const threshold =
      values.threshold === undefined ? undefined : parseNumber(values.threshold, 'threshold', 0, 1);
    // auto: ONNX Runtime when the model has been exported, else TF.js (both give the same masks)
    const chosen =
      runtime === 'auto'
        ? existsSync(join(values.model, 'model.onnx'))
          ? 'onnx'
          : 'tfjs'
        : (runtime as 'onnx' | 'tfjs');
    const segmenter = await createSegmenter(values.model, { runtime: chosen });
    const bar = new ProgressBar('eval', ids.length);
    try {
      const ev = await evaluateDataset(segmenter, dataDir, ids, {
        threshold,
        tta: ttaFlag(values),
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
