import type { ParseArgsConfig } from 'node:util';
import {
  configFromEnv,
  ENV_VARS,
  parseServerConfig,
  setConfigValue,
  type ServerConfig,
  type ServerConfigInput,
} from '../server/config.ts';
import { parseFlags, UsageError } from './command.ts';

/** Flag name -> server config path, for the commands that read the server's configuration. */
export type ConfigFlags = Record<string, string>;

const envFor = (path: string) => Object.entries(ENV_VARS).find(([, p]) => p === path)?.[0];

/** The usage lines of the flags, each with the environment variable that sets it too. */
export function flagLines(flags: ConfigFlags): string {
  return Object.entries(flags)
    .map(([flag, path]) => `  --${flag.padEnd(20)} ${envFor(path) ?? ''}`)
    .join('\n');
}

/**
 * Parses `argv` (config flags as strings plus the command's `extra` options) over the environment:
 * flags win over ENV_VARS, and the merged result is validated once by the server config schema.
 */
export function parseConfigFlags<E extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  flags: ConfigFlags,
  extra: E,
  /** sets what the command's own options add to the input (flags still win over it) */
  adjust?: (input: ServerConfigInput, values: Record<string, string | boolean | undefined>) => void,
): { config: ServerConfig; values: Record<string, string | boolean | undefined> } {
  const options = Object.fromEntries(Object.keys(flags).map((f) => [f, { type: 'string' as const }]));
  const { values } = parseFlags(argv, { ...options, ...extra });
  const input = configFromEnv();
  adjust?.(input, values as Record<string, string | boolean | undefined>);
  for (const [flag, path] of Object.entries(flags)) {
    const v = (values as Record<string, string | boolean | undefined>)[flag];
    if (typeof v === 'string') {
      try {
        setConfigValue(input, path, v);
      } catch (err) {
        throw new UsageError(`--${flag}: ${(err as Error).message}`);
      }
    }
  }
  return { config: parseServerConfig(input), values: values as Record<string, string | boolean | undefined> };
}
