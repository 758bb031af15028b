/**
 * What the live view reports: overlays per second over the last two seconds, and capture-to-overlay
 * latency percentiles over the last LATENCY_WINDOW overlays. Pure: the page passes in the clock.
 */
const FPS_WINDOW_MS = 2000;
const LATENCY_WINDOW = 512;

export class LiveStats {
  private readonly shown: number[] = [];
  private readonly latencies: number[] = [];
  /** overlays drawn since the start */
  count = 0;

  /** An overlay was drawn at `now` for a frame captured `latencyMs` before. */
  record(now: number, latencyMs: number): void {
    this.count++;
    this.shown.push(now);
    while (this.shown.length > 0 && this.shown[0]! < now - FPS_WINDOW_MS) this.shown.shift();
    this.latencies.push(latencyMs);
    if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
  }

  /** Overlays per second over the last two seconds (0 until there are two). */
  fps(now: number): number {
    const recent = this.shown.filter((t) => t >= now - FPS_WINDOW_MS);
    if (recent.length < 2) return 0;
    return (recent.length - 1) / ((recent.at(-1)! - recent[0]!) / 1000);
  }

  /** The q-quantile (0..1) of the recent latencies, or null before the first overlay. */
  latency(q: number): number | null {
    if (this.latencies.length === 0) return null;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  }
}
