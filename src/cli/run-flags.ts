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
  return { config, out: values.out ?? `runs/${config.name}`, resume: values.resume };
}
