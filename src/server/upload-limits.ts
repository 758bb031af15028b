import { busy } from './http-error.ts';

/** How long an upload body may take: silence, average rate and total time. */
export interface BodyDeadlines {
  /** longest silence, and the grace before the minimum rate applies (ms) */
  idleMs: number;
  /** slowest average rate once the grace is over (bytes per second; 0: none) */
  minBytesPerSecond: number;
  /** the whole body must arrive within this (ms from the first byte; Infinity: no limit) */
  totalMs: number;
}

/** Why a body was cut off: it went silent, it trickled, or it took too long in all. */
export type CutoffReason = 'idle' | 'slow' | 'total';

/**
 * When a body that started at `start`, last sent data at `last` and has sent `received` bytes so
 * far is cut off (epoch ms), and why. The rate rule is a deadline that each byte pushes back by
 * 1/minBytesPerSecond: a body dripping a byte now and then gains almost nothing, so unlike a
 * silence timeout it cannot hold its connection forever.
 */
export function bodyCutoff(
  body: { start: number; last: number; received: number },
  rules: BodyDeadlines,
): { at: number; reason: CutoffReason } {
  let cut: { at: number; reason: CutoffReason } = { at: body.last + rules.idleMs, reason: 'idle' };
  if (rules.minBytesPerSecond > 0) {
    const slow = body.start + rules.idleMs + (body.received / rules.minBytesPerSecond) * 1000;
    if (slow < cut.at) cut = { at: slow, reason: 'slow' };
  }
  const total = body.start + rules.totalMs;
  if (total < cut.at) cut = { at: total, reason: 'total' };
  return cut;
}

/**
 * Uploads in flight per client address (images and videos together): beyond `perClient` a client
 * gets 503, so one address cannot hold every connection and temp file however slowly it sends.
 */
export class ClientUploads {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perClient: number) {}

  /** Counts one upload of `client` until the returned release is called (idempotent). */
  enter(client: string): () => void {
    const n = this.inFlight.get(client) ?? 0;
    if (n >= this.perClient)
      throw busy(`this client already has ${n} uploads in progress; wait for one to finish`, 5);
    this.inFlight.set(client, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(client) ?? 1) - 1;
      if (left > 0) this.inFlight.set(client, left);
      else this.inFlight.delete(client);
    };
  }

  /** Uploads in flight for `client`. */
  count(client: string): number {
    return this.inFlight.get(client) ?? 0;
  }
}

/**
 * Bytes of uploads held in memory (received, waiting or being segmented), across all requests.
 * Charged as the bytes arrive, so a trickling upload costs what it has sent and a stalled one holds
 * no share of the budget; the request whose bytes would pass the budget gets 503.
 */
export class ByteBudget {
  private used = 0;

  constructor(private readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  /** A charge that grows with `add` and gives everything back on `release` (idempotent). */
  open(): { add(bytes: number): void; release(): void } {
    let held = 0;
    let released = false;
    return {
      add: (bytes) => {
        if (released) return;
        if (this.used + bytes > this.limit)
          throw busy('the server is busy receiving and segmenting other images', 2);
        held += bytes;
        this.used += bytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.used -= held;
        held = 0;
      },
    };
  }
}

/** The body deadlines of one kind of upload, from the server's limits. */
export function uploadDeadlines(
  limits: {
    bodyTimeoutSeconds: number;
    uploadMinBytesPerSecond: number;
    imageUploadSeconds: number;
  },
  kind: 'image' | 'video',
): BodyDeadlines {
  return {
    idleMs: limits.bodyTimeoutSeconds * 1000,
    minBytesPerSecond: limits.uploadMinBytesPerSecond,
    // a video of hundreds of MB may take long on a slow link: only the rate bounds it
    totalMs: kind === 'image' ? limits.imageUploadSeconds * 1000 : Number.POSITIVE_INFINITY,
  };
}

/**
 * Watches a request body as it arrives and calls `onCutoff` once it breaks `rules` (`bodyCutoff`);
 * `stop` ends the watch. `received` counts the bytes seen so far.
 */
export function watchBody(
  body: NodeJS.EventEmitter,
  rules: BodyDeadlines,
  onCutoff: (reason: CutoffReason, received: number) => void,
): { stop(): void; readonly received: number } {
  const seen = { start: Date.now(), last: Date.now(), received: 0 };
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    const { at, reason } = bodyCutoff(seen, rules);
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        body.off('data', count);
        onCutoff(reason, seen.received);
      },
      Math.max(0, at - Date.now()),
    );
  };
  const count = (chunk: Buffer) => {
    seen.received += chunk.length;
    seen.last = Date.now();
    schedule();
  };
  body.on('data', count);
  schedule();
  return {
    stop: () => {
      clearTimeout(timer);
      body.off('data', count);
    },
    get received() {
      return seen.received;
    },
  };
}
