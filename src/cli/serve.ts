import { resolve } from 'node:path';
import pino from 'pino';
import { buildServer } from '../server/app.ts';
import { ensureWebBuilt } from '../server/web-build.ts';
import type { Command } from './command.ts';
import { flagLines, parseConfigFlags } from './server-flags.ts';

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
  workers: 'workers',
  queue: 'queue',
  'queue-size': 'queueSize',
  'retention-hours': 'retentionHours',
  'log-level': 'logLevel',
};

const usage = `usage: polypseg serve [options]

Serves the web app and the HTTP API (docs at /api/docs). Every option can also be set by the
environment variable shown; flags win over the environment.

${flagLines(FLAGS)}
  --no-build              do not build the web app when web/dist is missing or stale

defaults: host 127.0.0.1, port 3000, model models/default, runtime onnx, data dir .polypseg-data,
max image 20 MB / 40 megapixels, max video 512 MB / 600 s / 3840x2160, 1 worker, 16 queued videos,
results kept 24 hours.

Video queue: without --queue, jobs wait in SQLite in the data dir and --workers videos run in this
process. --queue redis://HOST:PORT[/DB] puts them on BullMQ in Redis instead, where \`polypseg worker\`
processes (any number, on any machine sharing the data dir) take them; --workers N still runs N here,
--workers 0 makes this an API-only process. See docs/deploy.md.`;

const command: Command = {
  name: 'serve',
  summary: 'serve the web app and HTTP API for images, videos and live segmentation',
  usage,
  async run(argv) {
    const { config, values } = parseConfigFlags(argv, FLAGS, {
      'no-build': { type: 'boolean', default: false },
    });
    const log = pino({ level: config.logLevel });
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
