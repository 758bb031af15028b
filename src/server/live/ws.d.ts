// The slice of the `ws` package (what @fastify/websocket runs on; it ships no types) that the live
// mode's socket handling and its tests use.
declare module 'ws' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage } from 'node:http';
  import type { Socket } from 'node:net';

  type RawData = Buffer | ArrayBuffer | Buffer[];

  class WebSocket extends EventEmitter {
    static readonly OPEN: 1;
    constructor(
      url: string,
      protocols?: string | string[],
      options?: { headers?: Record<string, string>; origin?: string; maxPayload?: number },
    );
    readonly readyState: 0 | 1 | 2 | 3;
    readonly bufferedAmount: number;
    binaryType: 'nodebuffer' | 'arraybuffer' | 'fragments';
    send(data: string | Uint8Array, cb?: (err?: Error) => void): void;
    ping(data?: Uint8Array): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    pause(): void;
    resume(): void;
    on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): this;
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    on(event: 'unexpected-response', listener: (req: unknown, res: IncomingMessage) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'open' | 'pong', listener: () => void): this;
    /** the TCP socket (ws' own field): tests pause it to play a client that never reads */
    readonly _socket: Socket;
  }
  export default WebSocket;
  export { WebSocket, type RawData };
}
