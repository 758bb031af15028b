// Browser-safe (no Node imports): the live mode's wire format, shared by the server and the page.
import type { Polyp } from '../../segment/types.ts';

/**
 * A camera frame is one binary WebSocket message: this fixed little-endian header, then the image.
 *
 * | bytes  | field                                                        |
 * |--------|--------------------------------------------------------------|
 * | 0      | version (1)                                                  |
 * | 1      | format: 1 = JPEG, 2 = raw RGBA (width × height × 4 bytes)    |
 * | 2–3    | width (u16)                                                  |
 * | 4–5    | height (u16)                                                 |
 * | 6–7    | 0                                                            |
 * | 8–11   | frame id (u32), echoed in the answer                         |
 * | 12–19  | capture time (f64, the page's clock, ms), echoed             |
 */
export const FRAME_HEADER_BYTES = 20;
export const PROTOCOL_VERSION = 1;
export const FRAME_FORMATS = { jpeg: 1, rgba: 2 } as const;
export type FrameFormat = keyof typeof FRAME_FORMATS;

export interface FrameHeader {
  format: FrameFormat;
  width: number;
  height: number;
  id: number;
  capturedAt: number;
}

/** The header followed by `payload`, as one message. */
export function encodeFrame(header: FrameHeader, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, PROTOCOL_VERSION);
  view.setUint8(1, FRAME_FORMATS[header.format]);
  view.setUint16(2, header.width, true);
  view.setUint16(4, header.height, true);
  view.setUint32(8, header.id >>> 0, true);
  view.setFloat64(12, header.capturedAt, true);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** The header of a frame message, or why it is not one (a message for the client, not an exception). */
export function decodeFrameHeader(
  message: Uint8Array,
): { ok: true; header: FrameHeader; payload: Uint8Array } | { ok: false; reason: string } {
  if (message.length < FRAME_HEADER_BYTES)
    return { ok: false, reason: `a frame starts with a ${FRAME_HEADER_BYTES}-byte header` };
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint8(0) !== PROTOCOL_VERSION)
    return { ok: false, reason: `unknown frame version ${view.getUint8(0)} (expected ${PROTOCOL_VERSION})` };
  const code = view.getUint8(1);
  const format = (Object.keys(FRAME_FORMATS) as FrameFormat[]).find((f) => FRAME_FORMATS[f] === code);
  if (!format) return { ok: false, reason: `unknown frame format ${code} (1 = JPEG, 2 = raw RGBA)` };
  const width = view.getUint16(2, true);
  const height = view.getUint16(4, true);
  if (width === 0 || height === 0) return { ok: false, reason: `frame has no pixels (${width}×${height})` };
  const capturedAt = view.getFloat64(12, true);
  if (!Number.isFinite(capturedAt)) return { ok: false, reason: 'the capture time is not a number' };
  return {
    ok: true,
    header: { format, width, height, id: view.getUint32(8, true), capturedAt },
    payload: message.subarray(FRAME_HEADER_BYTES),
  };
}

/** The page's first message: the API token when the server has one (browsers cannot send headers here). */
export interface HelloMessage {
  type: 'hello';
  token?: string;
}

/** The server's answer to hello: what frames it takes. */
export interface ReadyMessage {
  type: 'ready';
  /** the model's input size: frames of about inputSize² are all it needs */
  inputSize: number;
  /** frames the page may have in flight; more are dropped */
  maxInFlight: number;
  maxFrameBytes: number;
  maxFramePixels: number;
  model: string;
  runtime: string;
}

/** One segmented frame: the mask at inputSize², run-length coded (see rle.ts), polyps in mask pixels. */
export interface MaskMessage {
  type: 'mask';
  id: number;
  capturedAt: number;
  width: number;
  height: number;
  coverage: number;
  polyps: Polyp[];
  rle: number[];
  /** milliseconds the server spent (decode + segment + coding), waiting excluded */
  serverMs: number;
}

/** A frame the server skipped because newer ones of this client were waiting (never queued). */
export interface DroppedMessage {
  type: 'dropped';
  id: number;
}

/** Something wrong with a message or the session; fatal ones are followed by a close. */
export interface ErrorMessage {
  type: 'error';
  code: LiveErrorCode;
  message: string;
  /** the frame it is about, when it is about one */
  id?: number;
}

export type LiveErrorCode =
  | 'unauthorized'
  | 'bad_message'
  | 'bad_frame'
  | 'too_many_sessions'
  | 'rate_limited'
  | 'idle'
  | 'busy'
  | 'internal_error';

export type ServerMessage = ReadyMessage | MaskMessage | DroppedMessage | ErrorMessage;

/** WebSocket close codes the server uses (the page reads the reason from the error message before). */
export const CLOSE_CODES = {
  normal: 1000,
  policy: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
} as const;
