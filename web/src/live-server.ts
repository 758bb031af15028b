import {
  encodeFrame,
  type ErrorMessage,
  type MaskMessage,
  type ReadyMessage,
  type ServerMessage,
} from '../../src/server/live/protocol.ts';
import { apiFetch, currentToken } from './auth.ts';

/** A frame unanswered for this long is counted lost (the page stops waiting for it). */
const LOST_AFTER_MS = 2000;

/**
 * The page's end of GET /api/live: says hello with the API token, then sends frames (JPEG at
 * about the model's input size) with at most `maxInFlight` unanswered; a frame offered while that
 * many are out is not sent (dropped here, never queued).
 */
export class LiveConnection {
  private readonly inFlight = new Map<number, number>();
  private nextId = 1;
  private lastError: ErrorMessage | null = null;

  private constructor(
    private readonly ws: WebSocket,
    readonly ready: ReadyMessage,
    private readonly onMask: (m: MaskMessage) => void,
    onEnd: (reason: string) => void,
  ) {
    ws.addEventListener('message', (e) => this.onMessage(JSON.parse(String(e.data)) as ServerMessage));
    ws.addEventListener('close', (e) =>
      onEnd(
        this.lastError?.message ??
          (e.code === 1000 || e.code === 1005 ? 'closed' : `connection lost (${e.code})`),
      ),
    );
  }

  /** Opens the socket and says hello; rejects with the server's reason (or that none answered). */
  static async open(
    onMask: (m: MaskMessage) => void,
    onEnd: (reason: string) => void,
  ): Promise<LiveConnection> {
    // asks for the API token first when the server wants one (the socket cannot send headers)
    const probe = await apiFetch('/api/model');
    await probe.body?.cancel();
    if (probe.status === 401) throw new Error('this server needs an API token');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`;
    const ws = new WebSocket(url);
    const ready = await new Promise<ReadyMessage>((resolve, reject) => {
      let error = 'the server did not accept a live connection';
      ws.addEventListener('open', () =>
        ws.send(JSON.stringify({ type: 'hello', ...(currentToken() ? { token: currentToken() } : {}) })),
      );
      ws.addEventListener('message', function first(e) {
        const m = JSON.parse(String(e.data)) as ServerMessage;
        if (m.type === 'error') error = m.message;
        if (m.type !== 'ready') return;
        ws.removeEventListener('message', first);
        resolve(m);
      });
      ws.addEventListener('close', () => reject(new Error(error)));
    });
    return new LiveConnection(ws, ready, onMask, onEnd);
  }

  /** Whether another frame may go out now. */
  get canSend(): boolean {
    const now = performance.now();
    for (const [id, sentAt] of this.inFlight) if (now - sentAt > LOST_AFTER_MS) this.inFlight.delete(id);
    return this.ws.readyState === WebSocket.OPEN && this.inFlight.size < this.ready.maxInFlight;
  }

  send(jpeg: Uint8Array, width: number, height: number, capturedAt: number): void {
    const id = this.nextId++;
    this.inFlight.set(id, performance.now());
    this.ws.send(encodeFrame({ format: 'jpeg', width, height, id, capturedAt }, jpeg));
  }

  close(): void {
    this.ws.close(1000);
  }

  private onMessage(m: ServerMessage): void {
    if (m.type === 'error') this.lastError = m;
    if (m.type === 'ready') return;
    if (m.id !== undefined) this.inFlight.delete(m.id);
    if (m.type === 'mask') this.onMask(m);
  }
}
