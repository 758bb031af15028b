/** One byte range of a file, inclusive, as HTTP Range requests mean it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a `Range: bytes=...` header for a file of `size` bytes. Only single ranges are honoured
 * (what video players send). Returns null when the header is absent or not understood (answer the
 * whole file) and 'unsatisfiable' when it asks for bytes past the end (answer 416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // suffix range: the last N bytes
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
