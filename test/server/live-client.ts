// A live-mode WebSocket client for the tests: records every server message and the close.
import WebSocket from 'ws';
import type { ServerMessage } from '../../src/server/live/protocol.ts';

export interface Closed {
  code: number;
  reason: string;
}

export class LiveClient {
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<Closed>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      this.waiters.forEach((w) => w());
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        this.waiters.forEach((w) => w());
      }),
    );
  }

  /** Opens the socket; rejects with the HTTP status when the upgrade is refused. */
  static open(
    baseUrl: string,
    options: { headers?: Record<string, string>; path?: string } = {},
  ): Promise<LiveClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}${options.path ?? '/api/live'}`;
    const ws = new WebSocket(url, undefined, { headers: options.headers });
    const client = new LiveClient(ws);
    return new Promise((resolve, reject) => {
      ws.on('open', () => resolve(client));
      ws.on('unexpected-response', (_req, res) => {
        reject(
          Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode }),
        );
        res.resume();
        ws.terminate();
      });
      ws.on('error', reject);
    });
  }

  /** open(), then the hello; resolves once the server is ready. */
  static async ready(baseUrl: string, token?: string): Promise<LiveClient> {
    const client = await LiveClient.open(baseUrl);
    client.hello(token);
    const first = await client.next();
    if (first.type !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(first)}`);
    return client;
  }

  hello(token?: string): void {
    this.ws.send(JSON.stringify({ type: 'hello', ...(token === undefined ? {} : { token }) }));
  }

  /** The first message (from index `from` on) that matches; rejects after timeoutMs or on close. */
  async next(
    match: (m: ServerMessage) => boolean = () => true,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline || this.ws.readyState > WebSocket.OPEN)
        throw new Error(`no matching message; got ${JSON.stringify(this.messages).slice(0, 400)}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        this.waiters.add(wake);
      });
    }
  }

  close(): Promise<Closed> {
    this.ws.close();
    return this.closed;
  }
}
