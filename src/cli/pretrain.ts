import type { Command } from './command.ts';
import { parseRunFlags, runFlagsUsage } from './run-flags.ts';

const usage = `usage: polypseg pretrain --config FILE [--data DIR] [--out DIR] [--resume] [--epochs N] [--threads N]

${runFlagsUsage('pretraining')}`;

const command: Command = {
  name: 'pretrain',
  summary: 'pretrain a segmentation encoder on a pretext task (crop classification or rotation; resumable)',
  usage,
  async run(argv) {
    const { readPretrainConfig } = await import('../pretrain/config.ts');
    const { runPretraining } = await import('../pretrain/run.ts');
    const { config, out, resume } = await parseRunFlags(argv, readPretrainConfig);
    const result = await runPretraining({ config, out, resume });
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
