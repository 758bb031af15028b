import assert from 'node:assert/strict';

/** A 0/1 mask from rows of '0'/'1' characters; returns data plus width/height. */
export function mask(rows: string[]): { data: Uint8Array; width: number; height: number } {
  const width = rows[0].length;
  const data = Uint8Array.from(rows.join(''), (ch) => (ch === '1' ? 1 : 0));
  return { data, width, height: rows.length };
}

export function close(actual: number, expected: number, tol = 1e-9, what = ''): void {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what} expected ${expected}, got ${actual} (tolerance ${tol})`,
  );
}
