import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PolypsegError } from '../errors.ts';
import type { Command } from './command.ts';
import { flagLines, optionLines, parseConfigFlags } from './server-flags.ts';

/** flag -> config path; every one can also be set by the environment variable in ENV_VARS. */
const FLAGS: Record<string, string> = {
  host: 'host',
  port: 'port',
  model: 'modelDir',
  runtime: 'runtime',
  'data-dir': 'dataDir',
  'web-dir': 'webDir',
  'max-image-mb': 'limits.imageBytes',
  'max-image-pixels': 'limits.imagePixels',
  'max-video-mb': 'limits.videoBytes',
  'max-video-seconds': 'limits.videoSeconds',
  'max-video-width': 'limits.videoWidth',
  'max-video-height': 'limits.videoHeight',
  'image-concurrency': 'limits.imageConcurrency',
  'body-timeout-seconds': 'limits.bodyTimeoutSeconds',
  'image-upload-seconds': 'limits.imageUploadSeconds',
  'upload-min-bytes-per-second': 'limits.uploadMinBytesPerSecond',
  'uploads-per-client': 'limits.uploadsPerClient',
  'max-event-streams-per-job': 'limits.eventStreamsPerJob',
  'max-event-streams': 'limits.eventStreams',
  'max-live-sessions': 'live.sessions',
  'live-idle-seconds': 'live.idleSeconds',
  workers: 'workers',
  queue: 'queue',
  'queue-size': 'queueSize',
  'queue-lock-ms': 'queueLockMs',
  'retention-hours': 'retentionHours',
  'log-level': 'logLevel',
  'log-format': 'logFormat',
  'api-token': 'apiToken',
  'allowed-origin': 'allowedOrigins',
  'allowed-host': 'allowedHosts',
};

/** The token from a file (first line, trimmed): unlike a flag it does not show in `ps`. */
function readTokenFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/)[0]!.trim();
  } catch (err) {
    throw new PolypsegError(
      `cannot read the API token file ${path}: ${(err as Error).message}`,
      'BAD_CONFIG',
    );
  }
}

const usage = `usage: polypseg serve [options]

Serves the web app and the HTTP API (docs at /api/docs). Every option can also be set by the
environment variable shown; flags win over the environment.

${flagLines(FLAGS)}
${optionLines(
  '--api-token-file FILE',
  'read the API token from the first line of FILE: unlike --api-token it does not show in the process list',
  { env: 'POLYPSEG_API_TOKEN_FILE' },
)}
${optionLines(
  '--insecure-no-auth',
  'allow a non-loopback --host without an API token (warned about at start)',
  {
    default: 'off',
    env: 'POLYPSEG_INSECURE_NO_AUTH',
  },
)}
${optionLines('--no-build', 'do not build the web app when web/dist is missing or older than web/', {
  default: 'build when needed',
})}

Video queue: without --queue, jobs wait in SQLite in the data dir and --workers videos run in this
process. --queue redis://HOST:PORT[/DB] puts them on BullMQ in Redis instead, where \`polypseg worker\`
processes (any number, on any machine sharing the data dir) take them; --workers N still runs N here,
--workers 0 makes this an API-only process. See docs/deploy.md.`;

const command: Command = {
  name: 'serve',
  summary: 'serve the web app and HTTP API for images, videos and live segmentation',
  usage,
  async run(argv) {
    const { config, values } = parseConfigFlags(
      argv,
      FLAGS,
      {
        'api-token-file': { type: 'string' },
        'insecure-no-auth': { type: 'boolean' },
        'no-build': { type: 'boolean', default: false },
      },
      (input, flagValues) => {
        const tokenFile = flagValues['api-token-file'] ?? process.env.POLYPSEG_API_TOKEN_FILE;
        if (typeof tokenFile === 'string' && tokenFile) input.apiToken = readTokenFile(tokenFile);
        if (flagValues['insecure-no-auth']) input.insecureNoAuth = true;
      },
    );
    const { createServerLogger } = await import('../server/logger.ts');
    const { checkExposure } = await import('../server/access.ts');
    const { buildServer } = await import('../server/app.ts');
    const { ensureWebBuilt } = await import('../server/web-build.ts');
    const log = createServerLogger(config.logLevel, process.stdout, config.logFormat);
    const warning = checkExposure(config);
    if (warning) log.warn(warning);
    const defaultWeb = resolve(config.webDir) === resolve('web/dist');
    if (!values['no-build'] && defaultWeb) await ensureWebBuilt('web', log);

    const app = await buildServer({ config, logger: log });
    let closing = false;
    const stop = (signal: string) => {
      if (closing) {
        app.log.warn(`${signal} again: exiting now`);
        process.exit(1);
      }
      closing = true;
      app.log.info(`${signal}: finishing requests; running videos resume on the next start`);
      app.close().catch((err) => app.log.error({ err }, 'error while closing'));
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    const closed = new Promise<void>((resolveClosed) => app.addHook('onClose', async () => resolveClosed()));
    const address = await app.listen({ host: config.host, port: config.port });
    app.log.info(`polypseg is serving at ${address} (API docs: ${address}/api/docs)`);
    await closed;
    // native thread pools can outlive the server briefly; never hang on them
    setTimeout(() => process.exit(0), 5000).unref();
    return 0;
  },
};

export default command;
