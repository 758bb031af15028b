import type { FastifyBaseLogger } from 'fastify';
import type { Segmenter } from '../../segment/types.ts';
import { tokenChecker } from '../access.ts';
import type { ServerConfig } from '../config.ts';
import { FairScheduler } from './fair-scheduler.ts';
import { BadFrameError, framePixels } from './frame-input.ts';
import { CLOSE_CODES, FRAME_HEADER_BYTES, type ReadyMessage } from './protocol.ts';
import { encodeRle } from './rle.ts';
import { LiveSession, type LiveFrame, type LiveHost, type LiveSocket, type SessionTimes } from './session.ts';

/** Frames a page may have in flight (sent, not yet answered): one being segmented, one on its way. */
export const MAX_IN_FLIGHT = 2;
/** Connections still to say hello, per live slot: enough for reconnects, too few to hoard sockets. */
const PENDING_PER_SLOT = 4;
/** Answers waiting in a socket's buffer (a few hundred of them) beyond which the client is not reading. */
const MAX_BUFFERED_BYTES = 1 << 20;

export interface LiveHubOptions {
  segmenter: Segmenter;
  config: Pick<ServerConfig, 'apiToken' | 'live'>;
  /** frames segmented at once across all sessions: the segmenter's inference threads */
  concurrency: number;
}

/**
 * Every live session of the server: admission (session limit, token), the fair scheduler that
 * shares the segmenter's inference threads between sessions, and segmenting one frame into the
 * answer. The frames run on the same worker-thread ONNX Runtime sessions as video jobs.
 */
export class LiveHub implements LiveHost {
  private readonly sessions = new Set<LiveSession>();
  private connections = 0;
  private readonly scheduler: FairScheduler<LiveSession, LiveFrame>;
  private readonly tokenOk: ((header: string | undefined) => boolean) | null;
  private readonly times: SessionTimes;
  readonly ready: Omit<ReadyMessage, 'type'>;

  constructor(private readonly options: LiveHubOptions) {
    const { live, apiToken } = options.config;
    this.tokenOk = apiToken ? tokenChecker(apiToken) : null;
    this.scheduler = new FairScheduler(options.concurrency, MAX_IN_FLIGHT, (s, f) => this.segment(s, f));
    this.times = {
      // the hello comes at once from a page; never later than the idle timeout
      helloMs: Math.min(10_000, live.idleSeconds * 1000),
      idleMs: live.idleSeconds * 1000,
      heartbeatMs: live.heartbeatSeconds * 1000,
    };
    const { metadata, runtime } = options.segmenter;
    this.ready = {
      inputSize: metadata.inputSize,
      maxInFlight: MAX_IN_FLIGHT,
      maxFrameBytes: maxFrameMessageBytes(live.framePixels),
      maxFramePixels: live.framePixels,
      model: metadata.name,
      runtime,
    };
  }

  /** Takes a new WebSocket; refuses it at once (with the reason) when too many are waiting to say hello. */
  accept(socket: LiveSocket, log: FastifyBaseLogger): void {
    const { live } = this.options.config;
    if (this.connections - this.sessions.size >= Math.max(1, live.sessions) * PENDING_PER_SLOT) {
      socket.send(
        JSON.stringify({ type: 'error', code: 'busy', message: 'too many live connections are opening' }),
      );
      socket.close(CLOSE_CODES.tryAgainLater, 'busy');
      return;
    }
    this.connections++;
    const limits = {
      ...this.times,
      messagesPerSecond: live.messagesPerSecond,
      maxBufferedBytes: MAX_BUFFERED_BYTES,
    };
    new LiveSession(socket, this, limits, log);
  }

  authorize(token: string | undefined): boolean {
    return this.tokenOk === null || (token !== undefined && this.tokenOk(`Bearer ${token}`));
  }

  join(session: LiveSession): boolean {
    if (this.sessions.size >= this.options.config.live.sessions) return false;
    this.sessions.add(session);
    session.log.info({ sessions: this.sessions.size }, 'live session started');
    return true;
  }

  leave(session: LiveSession): void {
    this.connections--;
    this.sessions.delete(session);
    this.scheduler.remove(session);
  }

  submit(session: LiveSession, frame: LiveFrame): void {
    const dropped = this.scheduler.submit(session, frame);
    if (dropped) {
      session.stats.dropped++;
      session.send({ type: 'dropped', id: dropped.header.id });
    }
  }

  /** Live sessions now, and connections still to say hello. */
  get load(): { sessions: number; pending: number; running: number } {
    return {
      sessions: this.sessions.size,
      pending: this.connections - this.sessions.size,
      running: this.scheduler.load.running,
    };
  }

  private async segment(session: LiveSession, frame: LiveFrame): Promise<void> {
    if (!session.open) return;
    const { header } = frame;
    const started = performance.now();
    try {
      const image = await framePixels(header, frame.payload, this.options.config.live.framePixels);
      const seg = await this.options.segmenter.segment(image, { tta: false });
      session.stats.answered++;
      session.send({
        type: 'mask',
        id: header.id,
        capturedAt: header.capturedAt,
        width: seg.width,
        height: seg.height,
        coverage: seg.coverage,
        polyps: seg.polyps,
        rle: encodeRle(seg.mask),
        serverMs: Math.round((performance.now() - started) * 10) / 10,
      });
    } catch (err) {
      if (err instanceof BadFrameError) {
        session.stats.badFrames++;
        session.fail('bad_frame', err.message, undefined, header.id);
        return;
      }
      session.log.error({ err }, 'live frame failed');
      session.fail('internal_error', 'the server could not segment this frame', undefined, header.id);
    }
  }
}

/** The largest frame message: a raw RGBA frame of the pixel limit plus its header. */
export function maxFrameMessageBytes(framePixels: number): number {
  return framePixels * 4 + FRAME_HEADER_BYTES;
}
