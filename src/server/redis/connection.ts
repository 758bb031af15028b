import { Redis, type RedisOptions } from 'ioredis';
import { PolypsegError } from '../../errors.ts';
import type { RedisTarget } from './url.ts';

/** Every key polypseg writes starts with this (BullMQ's `prefix`), so a shared Redis stays tidy. */
export const PREFIX = 'polypseg';
/** The BullMQ queue holding video jobs. */
export const QUEUE_NAME = 'videos';
/** Pub/sub channel on which an API process asks whichever worker holds a job to drop it. */
export const CANCEL_CHANNEL = `${PREFIX}:${QUEUE_NAME}:cancel`;
/** Set (with a TTL) when a job is cancelled, for a worker that picks it up just after the message. */
export const cancelKey = (id: string) => `${PREFIX}:${QUEUE_NAME}:cancelled:${id}`;

/**
 * Connects once, without retrying, and PINGs, so that a process started against a Redis that is
 * down or misaddressed stops at once with one readable line instead of retrying forever.
 */
export async function assertRedisReachable(target: RedisTarget, timeoutMs = 5000): Promise<void> {
  const probe = new Redis({
    ...target.options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // the socket's own error (ECONNREFUSED, ENOTFOUND, ...) says more than connect()'s "Connection is closed"
  let cause: Error | undefined;
  probe.on('error', (err: Error) => (cause ??= err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const e = (cause ?? err) as NodeJS.ErrnoException;
    const reason = e.code ?? e.message;
    throw new PolypsegError(
      `cannot reach Redis at ${target.url} (${reason}); is redis-server running and the address right?`,
      'REDIS_UNREACHABLE',
    );
  } finally {
    probe.disconnect();
  }
}

/**
 * Connection options for BullMQ. `api`: commands fail at once while Redis is away (the route answers
 * 503 instead of hanging); `worker`: BullMQ's blocking reads retry forever, which workers need to
 * ride out a Redis restart.
 */
export function connectionOptions(
  target: RedisTarget,
  role: 'api' | 'worker',
): Omit<RedisOptions, 'retryStrategy'> & { retryStrategy: (times: number) => number } {
  const retryStrategy = (times: number) => Math.min(200 * times, 2000);
  if (role === 'api')
    return {
      ...target.options,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: 5000,
      retryStrategy,
    };
  return { ...target.options, maxRetriesPerRequest: null, retryStrategy };
}

/** Calls `log` at most once per `ms` (a Redis outage raises an error per retry otherwise). */
export function everyAtMost(ms: number, log: (err: Error) => void): (err: Error) => void {
  let last = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < ms) return;
    last = now;
    log(err);
  };
}

/**
 * Waits for a graceful close for at most `ms`, then forces it. A graceful close talks to Redis (hand
 * jobs back, quit), which hangs while Redis is away; a stopping process must not hang with it, nor
 * leave connections retrying in the background.
 */
export async function closeWithin(
  ms: number,
  graceful: Promise<unknown>,
  force: () => unknown,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    graceful.then(
      () => false,
      () => false,
    ),
    new Promise<boolean>((r) => (timer = setTimeout(r, ms, true))),
  ]);
  clearTimeout(timer);
  if (timedOut) await Promise.resolve(force()).catch(() => {});
}
