import { busy } from './http-error.ts';

/**
 * Runs at most `concurrency` tasks at once; up to `maxWaiting` more wait their turn and anything
 * beyond that is refused with 503 + Retry-After, so a burst of uploads cannot exhaust memory.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) throw busy('the server is busy segmenting other images', 2);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // hand the slot straight to the next waiter, or free it
      if (next) next();
      else this.active--;
    }
  }
}
