import type { Command } from './command.ts';
import { parseRunFlags, runFlagsUsage } from './run-flags.ts';

const usage = `usage: polypseg train --config FILE [--data DIR] [--out DIR] [--resume] [--epochs N] [--threads N]

${runFlagsUsage('training')}`;

const command: Command = {
  name: 'train',
  summary: 'train a segmentation model from a config file (resumable; Ctrl-C saves a checkpoint)',
  usage,
  async run(argv) {
    const { readTrainConfig } = await import('../train/config.ts');
    const { runTraining } = await import('../train/run.ts');
    const { describeBest } = await import('../train/loop.ts');
    const { config, out, resume } = await parseRunFlags(argv, readTrainConfig);
    const result = await runTraining({ config, out, resume });
    const { state } = result;
    if (state.interrupted) return 130;
    console.log(`model saved to ${result.outDir} (${describeBest(state.best)})`);
    return 0;
  },
};

export default command;
