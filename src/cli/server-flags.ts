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

/** What each config path means, in words, and the name of its value in the usage. */
const DESCRIPTIONS: Record<string, { arg: string; text: string }> = {
  host: { arg: 'HOST', text: 'address to listen on (0.0.0.0: every interface, which needs --api-token)' },
  port: { arg: 'N', text: 'TCP port to listen on (0: any free port)' },
  modelDir: { arg: 'DIR', text: 'the model directory (polypseg.json + model.onnx or model.json)' },
  runtime: {
    arg: 'R',
    text: 'auto (ONNX Runtime when the model has model.onnx, else TF.js), onnx or tfjs',
  },
  dataDir: { arg: 'DIR', text: 'where the job database and the video files live' },
  webDir: { arg: 'DIR', text: 'the built web app to serve (not served when missing)' },
  'limits.imageBytes': { arg: 'MB', text: 'largest image upload, in MiB' },
  'limits.imagePixels': { arg: 'N', text: 'largest image width x height, checked before decoding' },
  'limits.videoBytes': { arg: 'MB', text: 'largest video upload, in MiB' },
  'limits.videoSeconds': { arg: 'S', text: 'longest video accepted, in seconds' },
  'limits.videoWidth': { arg: 'PX', text: 'widest video accepted, in pixels' },
  'limits.videoHeight': { arg: 'PX', text: 'tallest video accepted, in pixels' },
  'limits.imageConcurrency': {
    arg: 'N',
    text: 'images segmented at once; more wait, and beyond 4x this they get 503',
  },
  'limits.bodyTimeoutSeconds': {
    arg: 'S',
    text: 'an upload that sends nothing for this long is closed and deleted',
  },
  'limits.imageUploadSeconds': {
    arg: 'S',
    text: 'an image upload must be complete this long after its first byte, however it trickles',
  },
  'limits.uploadMinBytesPerSecond': {
    arg: 'B',
    text: 'slowest average (bytes/s) an upload may keep after its first --body-timeout-seconds (0: no minimum)',
  },
  'limits.uploadsPerClient': {
    arg: 'N',
    text: 'uploads one client address may have in flight; more get 503',
  },
  queueLockMs: {
    arg: 'MS',
    text: "Redis queue: a job's lock lasts this long unrenewed; a dead worker's job restarts after about twice this",
  },
  'limits.eventStreamsPerJob': { arg: 'N', text: 'open progress streams per video job' },
  'limits.eventStreams': { arg: 'N', text: 'open progress streams in all' },
  'live.sessions': { arg: 'N', text: 'live-mode camera sessions at once (0: live mode on the server off)' },
  'live.idleSeconds': { arg: 'S', text: 'a live session that sends no frame for this long is closed' },
  workers: {
    arg: 'N',
    text: 'videos processed at once in this process (0: none here, with --queue)',
  },
  queue: {
    arg: 'URL',
    text: 'redis://HOST:PORT[/DB]: video jobs go to Redis for `polypseg worker`s (default: SQLite, here)',
  },
  queueSize: { arg: 'N', text: 'videos waiting (not yet running) before uploads get 503' },
  retentionHours: { arg: 'H', text: 'finished jobs and their files are deleted after this many hours' },
  logLevel: { arg: 'LEVEL', text: 'fatal, error, warn, info, debug, trace or silent' },
  logFormat: {
    arg: 'F',
    text: 'pretty (one readable line per record), json (one JSON object per line, for log collectors) or auto (pretty on a terminal, else json)',
  },
  apiToken: {
    arg: 'TOKEN',
    text: 'bearer token every /api request must carry, 16+ printable characters (default: none, no authentication)',
  },
  allowedOrigins: {
    arg: 'LIST',
    text: 'comma-separated origins (https://app.example) besides this server that may send POST/DELETE',
  },
  allowedHosts: {
    arg: 'LIST',
    text: 'comma-separated host names besides loopback and --host that the Host header may carry',
  },
};

const envFor = (path: string) => Object.entries(ENV_VARS).find(([, p]) => p === path)?.[0];

/** The default of a config path as a user would type it (sizes in MiB, lists comma-separated). */
function defaultFor(path: string): string | undefined {
  let value: unknown = parseServerConfig({});
  for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  if (path === 'limits.imageBytes' || path === 'limits.videoBytes') return String(Number(value) / 2 ** 20);
  return Array.isArray(value) ? value.join(',') : String(value);
}

const COLUMN = 26;
const WIDTH = 100;

/** Wraps `text` into lines that start at COLUMN and end before WIDTH. */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && COLUMN + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** One option's usage lines: the flag, its meaning, then its default and environment variable. */
export function optionLines(flag: string, text: string, notes: { default?: string; env?: string }): string {
  const facts = [
    notes.default !== undefined ? `default ${notes.default}` : '',
    notes.env ? `env ${notes.env}` : '',
  ].filter(Boolean);
  const body = wrap(facts.length ? `${text}. ${capitalise(facts.join('; '))}` : text);
  const head = `  ${flag}`;
  const first =
    head.length < COLUMN ? head.padEnd(COLUMN) + body[0] : `${head}\n${' '.repeat(COLUMN)}${body[0]}`;
  return [first, ...body.slice(1).map((l) => ' '.repeat(COLUMN) + l)].join('\n');
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The usage lines of the config flags: each says what it sets, its default and its environment
 * variable; `texts` replaces the description of a flag whose meaning differs in this command.
 */
export function flagLines(flags: ConfigFlags, texts: Record<string, string> = {}): string {
  return Object.entries(flags)
    .map(([flag, path]) => {
      const d = DESCRIPTIONS[path];
      if (!d) throw new Error(`no description for the config path ${path}`);
      return optionLines(`--${flag} ${d.arg}`, texts[flag] ?? d.text, {
        default: defaultFor(path),
        env: envFor(path),
      });
    })
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
