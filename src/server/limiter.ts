import { busy } from './http-error.ts';

/**
 * Runs at most `concurrency` tasks at once, and only while the weights of the running tasks sum to
 * at most `budget`; up to `maxWaiting` more wait their turn and anything beyond that is refused with
 * 503 + Retry-After, so a burst of uploads cannot exhaust memory.
 *
 * The image pool weighs each image by its declared pixels against a budget of the largest image
 * allowed: decoding and post-processing cost a few bytes per pixel, so two 40-megapixel images never
 * run at once while a dozen small ones still share the workers. A task heavier than the budget
 * counts as the whole budget (it runs alone). Waiters start strictly in arrival order, so a stream
 * of small images cannot starve a large one.
 */
export class Limiter {
  private active = 0;
  private used = 0;
  private readonly waiting: Array<{ weight: number; start: () => void }> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
    private readonly budget = Number.POSITIVE_INFINITY,
  ) {}

  /** Tasks running now and the sum of their weights. */
  get load(): { active: number; weight: number } {
    return { active: this.active, weight: this.used };
  }

  async run<T>(task: () => Promise<T>, weight = 1): Promise<T> {
    const w = Math.min(Math.max(0, weight), this.budget);
    if (this.waiting.length === 0 && this.fits(w)) {
      this.active++;
      this.used += w;
    } else {
      if (this.waiting.length >= this.maxWaiting) throw busy('the server is busy segmenting other images', 2);
      // pump() counts the task in before it starts, so a newcomer cannot take its place
      await new Promise<void>((start) => this.waiting.push({ weight: w, start }));
    }
    try {
      return await task();
    } finally {
      this.active--;
      this.used -= w;
      this.pump();
    }
  }

  private fits(weight: number): boolean {
    // an idle limiter takes any task, so rounding in `used` can never wedge it
    return this.active === 0 || (this.active < this.concurrency && this.used + weight <= this.budget);
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.weight)) {
      const next = this.waiting.shift()!;
      this.active++;
      this.used += next.weight;
      next.start();
    }
  }
}
