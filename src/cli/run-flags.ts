import { existsSync } from 'node:fs';
import { PolypsegError } from '../errors.ts';
import { parseFlags, parsePositiveInt, requireFlag } from './command.ts';

/** Flags shared by the commands that run a resumable training job (`train`, `pretrain`). */
const RUN_FLAGS = {
  config: { type: 'string' },
  data: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean', default: false },
  epochs: { type: 'string' },
  threads: { type: 'string' },
} as const;

/** The options part of `train --help` and `pretrain --help`. */
export function runFlagsUsage(what: string): string {
  return `  --config FILE   the ${what} config (JSON, validated before any work; see configs/ and the README)
  --data DIR      dataset folder (images/, masks/, splits/); overrides the config's data.dir
  --out DIR       where the model, checkpoint and logs go; default runs/NAME, NAME being the config's name
  --resume        continue the checkpoint in --out exactly where it stopped
  --epochs N      overrides the config's epochs
  --threads N     wasm threads; overrides the config's threads (default: all cores, at most 8)`;
}

interface RunnableConfig {
  name: string;
  data: { dir: string };
  epochs: number;
  threads?: number;
}

/** Parses the run flags, reads the config with `read`, applies the overrides; `out` defaults to runs/NAME. */
export async function parseRunFlags<C extends RunnableConfig>(
  argv: string[],
  read: (file: string) => Promise<C>,
): Promise<{ config: C; out: string; resume: boolean }> {
  const { values } = parseFlags(argv, RUN_FLAGS);
  const config = await read(requireFlag(values.config, 'config'));
  if (values.data) config.data.dir = values.data;
  if (values.epochs) config.epochs = parsePositiveInt(values.epochs, 'epochs');
  if (values.threads) config.threads = parsePositiveInt(values.threads, 'threads');
  // Said here, before the split file under it is looked for, so the message names the real problem.
  if (!existsSync(config.data.dir))
    throw new PolypsegError(
      `data directory ${config.data.dir} does not exist (${values.data ? '--data' : `data.dir in ${values.config}`})`,
      'DATA_MISSING',
    );
  return { config, out: values.out ?? `runs/${config.name}`, resume: values.resume };
}
