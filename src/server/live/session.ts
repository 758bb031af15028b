import type { FastifyBaseLogger } from 'fastify';
import type { RawData } from 'ws';
import { z } from 'zod';
import {
  CLOSE_CODES,
  decodeFrameHeader,
  type ErrorMessage,
  type FrameHeader,
  type LiveErrorCode,
  type ReadyMessage,
  type ServerMessage,
} from './protocol.ts';

/** The slice of a `ws` WebSocket a session uses. */
export interface LiveSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  ping(): void;
  close(code: number, reason: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'pong', listener: () => void): unknown;
}

/** One frame as it waits for the model. */
export interface LiveFrame {
  header: FrameHeader;
  payload: Uint8Array;
  receivedAt: number;
}

export interface SessionTimes {
  /** no hello within this: closed */
  helloMs: number;
  /** no frame within this: closed */
  idleMs: number;
  /** a ping every this long; no pong by the next one: the client is gone or not reading, closed */
  heartbeatMs: number;
}

export interface SessionLimits extends SessionTimes {
  messagesPerSecond: number;
  /** answers waiting in the socket beyond this: the client does not read, closed */
  maxBufferedBytes: number;
}

/** What a session needs from the service that owns the sessions (LiveHub). */
export interface LiveHost {
  authorize(token: string | undefined): boolean;
  /** takes a live slot; false when every slot is taken */
  join(session: LiveSession): boolean;
  /** the session ended (whatever its state): slot, waiting frames and counters are released */
  leave(session: LiveSession): void;
  submit(session: LiveSession, frame: LiveFrame): void;
  readonly ready: Omit<ReadyMessage, 'type'>;
}

const OPEN = 1;
const helloSchema = z.strictObject({ type: z.literal('hello'), token: z.string().max(1024).optional() });

/**
 * One live WebSocket, from the upgrade to the close: the hello (token) first, then binary frames.
 * Every message is checked (size by ws' maxPayload, rate, shape); a bad frame gets an error message
 * and the session goes on, a bad hello, a flood, silence or a client that stops reading closes it.
 */
export class LiveSession {
  private state: 'hello' | 'live' | 'closed' = 'hello';
  private readonly timers: { hello?: NodeJS.Timeout; idle?: NodeJS.Timeout; heartbeat?: NodeJS.Timeout } = {};
  private alive = true;
  private joined = false;
  private windowStart = 0;
  private windowCount = 0;
  private readonly startedAt = performance.now();
  readonly stats = { frames: 0, answered: 0, dropped: 0, badFrames: 0 };

  constructor(
    private readonly socket: LiveSocket,
    private readonly host: LiveHost,
    private readonly limits: SessionLimits,
    readonly log: FastifyBaseLogger,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => this.onClose());
    socket.on('error', (err) => log.debug({ err: err.message }, 'live socket error'));
    socket.on('pong', () => (this.alive = true));
    this.timers.hello = setTimeout(
      () => this.fail('unauthorized', 'no hello message in time', CLOSE_CODES.policy),
      limits.helloMs,
    );
    this.timers.heartbeat = setInterval(() => {
      if (!this.alive) {
        log.info('live client stopped answering pings: closed');
        return socket.terminate();
      }
      this.alive = false;
      socket.ping();
    }, limits.heartbeatMs);
  }

  get open(): boolean {
    return this.state !== 'closed';
  }

  /** Sends a message unless the client has stopped reading (then the session is cut). */
  send(message: ServerMessage): void {
    if (this.socket.readyState !== OPEN) return;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.log.info(
        { buffered: this.socket.bufferedAmount },
        'live client does not read its answers: closed',
      );
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(message));
  }

  /** An error message, then the close (`closeCode`) when the session cannot go on. */
  fail(code: LiveErrorCode, message: string, closeCode?: number, id?: number): void {
    this.send({ type: 'error', code, message, ...(id === undefined ? {} : { id }) } satisfies ErrorMessage);
    if (closeCode === undefined || this.state === 'closed') return;
    this.state = 'closed';
    this.clearTimers();
    this.socket.close(closeCode, code);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    if (!this.withinRate()) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (this.state === 'hello') return this.onHello(bytes, isBinary);
    if (!isBinary)
      return this.fail('bad_message', 'after the hello, only binary frame messages are accepted');
    const parsed = decodeFrameHeader(bytes);
    if (!parsed.ok) {
      this.stats.badFrames++;
      return this.fail('bad_frame', parsed.reason);
    }
    this.touch();
    this.stats.frames++;
    this.host.submit(this, { header: parsed.header, payload: parsed.payload, receivedAt: performance.now() });
  }

  private onHello(bytes: Buffer, isBinary: boolean): void {
    let hello: z.infer<typeof helloSchema> | null = null;
    if (!isBinary) {
      try {
        hello = helloSchema.parse(JSON.parse(bytes.toString('utf8')));
      } catch {
        hello = null;
      }
    }
    if (!hello)
      return this.fail(
        'bad_message',
        'the first message must be {"type":"hello","token":"<API token, if the server has one>"}',
        CLOSE_CODES.policy,
      );
    if (!this.host.authorize(hello.token))
      return this.fail(
        'unauthorized',
        'this server needs an API token: a missing or wrong token',
        CLOSE_CODES.policy,
      );
    if (!this.host.join(this))
      return this.fail(
        'too_many_sessions',
        'the server is running as many live sessions as it allows; try again later or segment in this browser',
        CLOSE_CODES.tryAgainLater,
      );
    clearTimeout(this.timers.hello);
    this.joined = true;
    this.state = 'live';
    this.touch();
    this.send({ type: 'ready', ...this.host.ready });
  }

  /** Counts messages per one-second window: over the rate they are dropped, at 4× it the session is closed. */
  private withinRate(): boolean {
    const now = performance.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    const rate = this.limits.messagesPerSecond;
    this.windowCount++;
    if (this.windowCount <= rate) return true;
    if (this.windowCount > 4 * rate)
      this.fail('rate_limited', `more than ${4 * rate} messages in a second`, CLOSE_CODES.policy);
    else if (this.windowCount === rate + 1)
      this.fail('rate_limited', `at most ${rate} messages a second: the others are dropped`);
    return false;
  }

  private touch(): void {
    clearTimeout(this.timers.idle);
    this.timers.idle = setTimeout(
      () =>
        this.fail(
          'idle',
          `no frame for ${Math.round(this.limits.idleMs / 1000)} s: session closed`,
          CLOSE_CODES.normal,
        ),
      this.limits.idleMs,
    );
  }

  private clearTimers(): void {
    clearTimeout(this.timers.hello);
    clearTimeout(this.timers.idle);
    clearInterval(this.timers.heartbeat);
  }

  private onClose(): void {
    this.state = 'closed';
    this.clearTimers();
    this.host.leave(this);
    if (this.joined)
      this.log.info(
        { ...this.stats, seconds: Math.round((performance.now() - this.startedAt) / 1000) },
        'live session ended',
      );
  }
}
