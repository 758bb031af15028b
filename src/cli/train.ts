import { parseFlags, parsePositiveInt, requireFlag, type Command } from './command.ts';
import { readTrainConfig } from '../train/config.ts';
import { runTraining } from '../train/run.ts';

const usage = `usage: polypseg train --config FILE [--data DIR] [--out DIR] [--resume] [--epochs N] [--threads N]`;

const command: Command = {
  name: 'train',
  summary: 'train a segmentation model from a config file (resumable; Ctrl-C saves a checkpoint)',
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
    const config = await readTrainConfig(requireFlag(values.config, 'config'));
    if (values.data) config.data.dir = values.data;
    if (values.epochs) config.epochs = parsePositiveInt(values.epochs, 'epochs');
    if (values.threads) config.threads = parsePositiveInt(values.threads, 'threads');
    const out = values.out ?? `runs/${config.name}`;
    const result = await runTraining({ config, out, resume: values.resume });
    const { state } = result;
    if (state.interrupted) return 130;
    const best = state.best
      ? `best validation IoU ${state.best.valIou.toFixed(4)} at epoch ${state.best.epoch + 1}`
      : 'no validation';
    console.log(`model saved to ${result.outDir} (${best})`);
    return 0;
  },
};

export default command;
