import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from './suggest.ts';

/**
 * One CLI command; each lives in its own file under src/cli/ and is listed in commands.ts. The file
 * itself stays light (usage text and flag parsing): `run` imports the heavy modules (TF.js, ONNX
 * Runtime, sharp, Fastify) when the command runs, so `--help` answers at once.
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** A user mistake on the command line: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs, strict; its errors become UsageErrors in our words (an unknown option gets the
 * closest known one), which the CLI prints above the command's usage.
 */
export function parseFlags<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(describeParseError(err as Error & { code?: string }, options));
  }
}

function describeParseError(err: Error & { code?: string }, options: Options): string {
  const quoted = /'(-[^' ]*)/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const flag = quoted.split('=')[0]!;
      const near = closestName(flag, Object.keys(options));
      return `unknown option ${flag}${near ? ` (did you mean --${near}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return options[quoted.replace(/^--?/, '')]?.type === 'boolean'
        ? `${quoted} is a switch and takes no value`
        : `${quoted} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']*)'/.exec(err.message)?.[1] ?? '';
      return `unexpected argument '${arg}' (options start with --)`;
    }
    default:
      return err.message;
  }
}

export function requireFlag<T>(value: T | undefined, flag: string): T {
  if (value === undefined || value === '') throw new UsageError(`missing required option --${flag}`);
  return value;
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${flag} must be a positive integer, not '${value}'`);
  return n;
}

export function parseNumber(value: string, flag: string, min = -Infinity, max = Infinity): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${flag} must be a number in [${min}, ${max}], not '${value}'`);
  return n;
}
