// Issue 25: the live frame header check (src/server/live/protocol.ts) pinned where live-units.test.ts
// leaves a gap: each dimension of zero is refused on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrameHeader, encodeFrame } from '../../src/server/live/protocol.ts';

test('a frame with no rows or no columns has no pixels, whichever dimension is zero', () => {
  for (const [width, height] of [
    [0, 168],
    [224, 0],
    [0, 0],
  ] as const) {
    const r = decodeFrameHeader(
      encodeFrame({ format: 'rgba', width, height, id: 1, capturedAt: 0 }, new Uint8Array(4)),
    );
    assert.deepEqual(r, { ok: false, reason: `frame has no pixels (${width}×${height})` });
  }
  assert.ok(
    decodeFrameHeader(
      encodeFrame({ format: 'rgba', width: 1, height: 1, id: 1, capturedAt: 0 }, new Uint8Array(4)),
    ).ok,
  );
});
