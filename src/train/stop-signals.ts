import type { TrainState } from './callbacks.ts';

/**
 * Runs `fn` with Ctrl-C / SIGTERM turned into a stop request: the loop finishes its batch and the run saves
 * a checkpoint. A second Ctrl-C aborts at once.
 */
export async function withStopSignals<R>(
  state: TrainState,
  log: (line: string) => void,
  fn: () => Promise<R>,
): Promise<R> {
  const stop = () => {
    if (state.stopRequested) process.exit(130);
    state.stopRequested = true;
    log('\nstopping after this batch and saving a checkpoint (Ctrl-C again to abort)...');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
