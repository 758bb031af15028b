import { parseFlags, parsePositiveInt, requireFlag, type Command } from './command.ts';
import { readPretrainConfig } from '../pretrain/config.ts';
import { runPretraining } from '../pretrain/run.ts';

const usage = `usage: polypseg pretrain --config FILE [--data DIR] [--out DIR] [--resume] [--epochs N] [--threads N]`;

const command: Command = {
  name: 'pretrain',
  summary: 'pretrain a segmentation encoder on a pretext task (crop classification or rotation; resumable)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      config: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean', default: false },
      epochs: { type: 'string' },
      threads: { type: 'string' },
    });
    const config = await readPretrainConfig(requireFlag(values.config, 'config'));
    if (values.data) config.data.dir = values.data;
    if (values.epochs) config.epochs = parsePositiveInt(values.epochs, 'epochs');
    if (values.threads) config.threads = parsePositiveInt(values.threads, 'threads');
    const out = values.out ?? `runs/${config.name}`;
    const result = await runPretraining({ config, out, resume: values.resume });
    if (result.state.interrupted) return 130;
    const acc = result.best
      ? `held-out ${config.task} accuracy ${result.finalAccuracy!.toFixed(4)} after the last epoch, ` +
        `best ${result.best.accuracy.toFixed(4)} at epoch ${result.best.epoch + 1} (saved)`
      : 'no held-out crops, last epoch saved';
    console.log(`encoder saved to ${result.outDir} (${acc}, ${result.valCrops} held-out crops)`);
    console.log(`use it with "encoder": { "init": "${result.outDir}" } in a training config`);
    return 0;
  },
};

export default command;
