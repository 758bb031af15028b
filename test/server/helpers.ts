import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { deflateSync } from 'node:zlib';
import pino from 'pino';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { buildServer, type BuildServerOptions } from '../../src/server/app.ts';
import type { ServerConfigInput } from '../../src/server/config.ts';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  dataDir: string;
  /** every log line the server wrote */
  logs: string[];
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 (port 0) with its own data dir, logs captured in memory. */
export async function startServer(
  modelDir: string,
  config: Partial<ServerConfigInput> = {},
  extra: Omit<BuildServerOptions, 'config' | 'logger'> = {},
): Promise<TestServer> {
  const dataDir = config.dataDir ?? (await mkdtemp(join(tmpdir(), 'polypseg-data-')));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const app = await buildServer({
    config: { port: 0, modelDir, dataDir, webDir: join(dataDir, 'no-web'), logLevel: 'info', ...config },
    logger: pino({ level: 'info' }, sink),
    ...extra,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    url,
    dataDir,
    logs,
    async close() {
      const closing = app.close();
      // a failed assertion can leave a response unread; don't wait for its keep-alive timeout
      app.server.closeAllConnections();
      await closing;
      if (!config.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A colonoscopy-like RGB test picture: pink background with a darker red disc. */
export function rawPicture(width: number, height: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const inside = (x - width * 0.4) ** 2 + (y - height * 0.5) ** 2 < (Math.min(width, height) * 0.2) ** 2;
      const i = (y * width + x) * 3;
      px[i] = inside ? 150 : 220;
      px[i + 1] = inside ? 40 : 150 + ((x + y) % 20);
      px[i + 2] = inside ? 50 : 140;
    }
  return px;
}

export function picture(
  width: number,
  height: number,
  format: 'jpeg' | 'png' | 'webp' | 'tiff',
): Promise<Buffer> {
  return sharp(rawPicture(width, height), { raw: { width, height, channels: 3 } })
    [format]()
    .toBuffer();
}

/** A PNG whose header declares width×height but which carries only one row of pixel data. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  return blackPng(width, height, 1);
}

/**
 * A black RGB PNG of width×height whose first `rows` rows are stored (all of them by default):
 * zeros deflate ~1000:1, so a 40-megapixel image is a ~120 KB upload (a decompression bomb).
 */
export function blackPng(width: number, height: number, rows = height): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc((1 + width * 3) * rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** POSTs one file as multipart field `field`. */
export function upload(
  url: string,
  field: string,
  bytes: Uint8Array,
  filename: string,
  type = 'application/octet-stream',
): Promise<Response> {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)], { type }), filename);
  return fetch(url, { method: 'POST', body: form });
}

/** The answer to a hand-written HTTP request: status line, headers and body as text. */
export interface RawReply {
  status: number;
  headers: string;
  body: string;
}

/** Sends raw bytes to the server and reads the answer until the server closes the connection. */
export function rawRequest(url: string, request: Buffer | string, timeoutMs = 30_000): Promise<RawReply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer before the timeout'));
    }, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1] ?? 0), headers: head, body: rest.join('\r\n\r\n') });
    });
    socket.write(request);
  });
}

/** One multipart part, written by hand so tests can break the format on purpose. */
export interface RawPart {
  name: string;
  filename?: string;
  body: Buffer | string;
  /** extra header lines, each ending in CRLF */
  headers?: string;
}

export function multipartBody(boundary: string, parts: RawPart[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const file = p.filename !== undefined ? `; filename="${p.filename}"` : '';
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file}\r\n${p.headers ?? ''}Content-Type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.from(p.body),
      Buffer.from('\r\n'),
    );
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** A complete POST with the given content type and body (Connection: close). */
export function rawPost(
  url: string,
  path: string,
  contentType: string,
  body: Buffer,
  extraHeaders = '',
  timeoutMs?: number,
): Promise<RawReply> {
  const { host } = new URL(url);
  const head = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n${extraHeaders}\r\n`;
  return rawRequest(url, Buffer.concat([Buffer.from(head), body]), timeoutMs);
}
