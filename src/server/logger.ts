import pino, { type Logger } from 'pino';

/** What the formatter needs of its output: a terminal (isTTY) gets human lines, anything else JSON. */
export interface LogStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export type LogFormat = 'auto' | 'pretty' | 'json';

/**
 * The server's logger. `pretty`: each record becomes one readable line and each request one line
 * (method, URL, status, time) instead of pino's two JSON objects; `json`: JSON lines for log
 * collectors; `auto` (the default): pretty when `stream` is a terminal, JSON otherwise.
 */
export function createServerLogger(
  level: string,
  stream: LogStream = process.stdout,
  format: LogFormat = 'auto',
): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && stream.isTTY === true);
  if (!pretty) return pino({ level }, stream as pino.DestinationStream);
  return pino({ level }, { write: humanLines(stream) });
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const OMIT = new Set([
  'level',
  'time',
  'msg',
  'pid',
  'hostname',
  'reqId',
  'req',
  'res',
  'responseTime',
  'err',
]);
/** Requests seen but not yet completed; bounded so aborted requests cannot grow it without limit. */
const MAX_OPEN = 1000;

/** A pino destination that turns each JSON record into one line on `out`. */
export function humanLines(out: LogStream): (json: string) => void {
  const open = new Map<string, string>();
  return (json) => {
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(json) as Record<string, unknown>;
    } catch {
      out.write(json);
      return;
    }
    const reqId = r.reqId === undefined ? undefined : String(r.reqId);
    const req = r.req as { method?: string; url?: string } | undefined;
    // Fastify logs "incoming request" and "request completed": keep the request, print it once done.
    if (req && reqId !== undefined && r.msg === 'incoming request') {
      if (open.size >= MAX_OPEN) open.delete(open.keys().next().value!);
      open.set(reqId, `${req.method} ${req.url}`);
      return;
    }
    const time = new Date(typeof r.time === 'number' ? r.time : Date.now()).toTimeString().slice(0, 8);
    const level = (LEVELS[r.level as number] ?? String(r.level)).padEnd(5);
    const res = r.res as { statusCode?: number } | undefined;
    let text: string;
    if (res && reqId !== undefined && r.msg === 'request completed') {
      const what = open.get(reqId) ?? `request ${reqId}`;
      open.delete(reqId);
      const ms = typeof r.responseTime === 'number' ? ` ${r.responseTime.toFixed(1)} ms` : '';
      text = `${what} → ${res.statusCode}${ms}`;
    } else {
      const extra = Object.entries(r)
        .filter(([k]) => !OMIT.has(k))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      text = [String(r.msg ?? ''), ...extra].filter(Boolean).join(' ');
    }
    const err = r.err as { stack?: string; message?: string } | undefined;
    const trace = err ? `\n${err.stack ?? err.message}` : '';
    out.write(`${time} ${level} ${text}${trace}\n`);
  };
}
