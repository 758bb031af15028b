import { parsePositiveInt, UsageError, type Command } from './command.ts';
import { flagLines, optionLines, parseConfigFlags } from './server-flags.ts';

/** flag -> server config path (the worker reads the same configuration as `serve`, limits included). */
const FLAGS: Record<string, string> = {
  queue: 'queue',
  'data-dir': 'dataDir',
  model: 'modelDir',
  runtime: 'runtime',
  concurrency: 'workers',
  'log-level': 'logLevel',
  'log-format': 'logFormat',
};

const usage = `usage: polypseg worker --queue redis://HOST:PORT[/DB] --data-dir DIR [--model DIR] [--concurrency N] [--threads N]

Takes video jobs from the Redis queue that \`polypseg serve --queue ...\` fills, and writes their
results into the shared data directory. Run as many as you like, on this machine or others; each
must see the same data directory as the API (a network volume across machines) and reach Redis.
SIGTERM / Ctrl-C hands running videos back to the queue and exits. Every option can also be set by
the environment variable shown; the video limits (POLYPSEG_MAX_VIDEO_*) are read as \`serve\` does.

${flagLines(FLAGS, {
  queue: 'redis://HOST:PORT[/DB], the queue `polypseg serve --queue` fills (required)',
  concurrency: 'videos this worker processes at once (at least 1)',
})}
${optionLines('--threads N', 'ONNX Runtime threads per video', { default: 'all cores, at most 4' })}`;

const command: Command = {
  name: 'worker',
  summary: 'process video jobs from a Redis queue (run many, on many machines, behind one API)',
  usage,
  async run(argv) {
    const { config, values } = parseConfigFlags(argv, FLAGS, { threads: { type: 'string' } });
    if (config.queue === undefined)
      throw new UsageError('missing --queue redis://HOST:PORT[/DB] (or POLYPSEG_QUEUE)');
    if (config.workers < 1) throw new UsageError('--concurrency must be at least 1');
    const threads =
      typeof values.threads === 'string' ? parsePositiveInt(values.threads, 'threads') : undefined;
    const { createServerLogger } = await import('../server/logger.ts');
    const { assertWritableDataDir } = await import('../server/data-dir.ts');
    const { JobFiles } = await import('../server/job-files.ts');
    const { processVideoJob } = await import('../server/video-job.ts');
    const { videoRuntimeOptions } = await import('../video/process-video.ts');
    const log = createServerLogger(config.logLevel, process.stdout, config.logFormat);

    // checked before the model loads, so a misconfigured worker stops within a second
    await assertWritableDataDir(config.dataDir);
    const { parseRedisUrl } = await import('../server/redis/url.ts');
    const { assertRedisReachable } = await import('../server/redis/connection.ts');
    const target = parseRedisUrl(config.queue);
    await assertRedisReachable(target);

    const { createSegmenter } = await import('../segment/index.ts');
    const { RedisVideoWorker } = await import('../server/redis/redis-worker.ts');
    const segmenter = await createSegmenter(config.modelDir, {
      runtime: config.runtime,
      ...videoRuntimeOptions(threads),
    });
    log.info({ model: segmenter.metadata.name, runtime: segmenter.runtime, threads }, 'model loaded');
    const files = new JobFiles(config.dataDir);
    const worker = await RedisVideoWorker.start(
      target,
      (job, run) => processVideoJob(job, { store: files, segmenter, config, log }, run),
      { concurrency: config.workers, lockMs: config.queueLockMs, logger: log },
    ).catch(async (err: unknown) => {
      await segmenter.dispose();
      throw err;
    });

    await new Promise<void>((resolveStopped) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          log.warn(`${signal} again: exiting now`);
          process.exit(1);
        }
        stopping = true;
        log.info(`${signal}: handing running videos back to the queue`);
        worker
          .close()
          .then(() => segmenter.dispose())
          .catch((err: Error) => log.error({ err: err.message }, 'error while stopping'))
          .finally(resolveStopped);
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
    // native thread pools can outlive the worker briefly; never hang on them
    setTimeout(() => process.exit(0), 5000).unref();
    return 0;
  },
};

export default command;
