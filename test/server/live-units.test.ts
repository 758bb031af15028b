// Live mode's pure parts: the frame header, the mask coding and the fair scheduler (issue 21).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FairScheduler } from '../../src/server/live/fair-scheduler.ts';
import { decodeFrameHeader, encodeFrame, FRAME_HEADER_BYTES } from '../../src/server/live/protocol.ts';
import { decodeRle, encodeRle } from '../../src/server/live/rle.ts';

test('a frame header round-trips, and every malformed header is named, not thrown', () => {
  const payload = new Uint8Array([1, 2, 3]);
  const msg = encodeFrame(
    { format: 'jpeg', width: 224, height: 168, id: 4_000_000_000, capturedAt: 1234.5 },
    payload,
  );
  const parsed = decodeFrameHeader(msg);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.header, {
    format: 'jpeg',
    width: 224,
    height: 168,
    id: 4_000_000_000,
    capturedAt: 1234.5,
  });
  assert.deepEqual([...parsed.payload], [1, 2, 3]);
  const broken = (edit: (m: Uint8Array) => void, len = msg.length) => {
    const m = msg.slice(0, len);
    edit(m);
    const r = decodeFrameHeader(m);
    return r.ok ? 'ok' : r.reason;
  };
  assert.match(
    broken(() => undefined, FRAME_HEADER_BYTES - 1),
    /20-byte header/,
  );
  assert.match(
    broken((m) => (m[0] = 2)),
    /unknown frame version 2/,
  );
  assert.match(
    broken((m) => (m[1] = 9)),
    /unknown frame format 9/,
  );
  assert.match(
    broken((m) => (m[2] = m[3] = 0)),
    /no pixels \(0×168\)/,
  );
  assert.match(
    broken((m) => new DataView(m.buffer).setFloat64(12, NaN, true)),
    /capture time/,
  );
  assert.equal(
    broken(() => undefined, FRAME_HEADER_BYTES),
    'ok',
  ); // an empty payload is the decoder's to refuse
});

test('run-length coding round-trips any mask, starting with background', () => {
  const cases = [
    [0, 0, 1, 1, 1, 0],
    [1, 1, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0],
    [1, 1, 1, 1, 1, 1],
    Array.from({ length: 64 * 48 }, (_, i) => ((i * 2654435761) >>> 28) & 1),
  ];
  assert.deepEqual(encodeRle({ width: 3, height: 2, data: new Uint8Array(cases[0]!) }), [2, 3, 1]);
  assert.deepEqual(encodeRle({ width: 3, height: 2, data: new Uint8Array(cases[1]!) }), [0, 2, 3, 1]);
  for (const values of cases) {
    const [w, h] = values.length === 6 ? [3, 2] : [64, 48];
    const mask = { width: w, height: h, data: new Uint8Array(values) };
    assert.deepEqual(decodeRle(encodeRle(mask), w, h), mask);
  }
  assert.throws(() => decodeRle([2, 3], 3, 2), /cover 5 of 6/);
  assert.throws(() => decodeRle([2, 5], 3, 2), /does not fit/);
  assert.throws(() => decodeRle([-1, 7], 3, 2), /does not fit/);
});

/** A scheduler whose items finish when the test says so, recording the order they start in. */
function manual(capacity: number, perOwner: number) {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const scheduler = new FairScheduler<string, string>(capacity, perOwner, (_owner, item) => {
    started.push(item);
    return new Promise<void>((resolve) => finish.set(item, resolve));
  });
  const done = async (item: string) => {
    finish.get(item)!();
    await new Promise((r) => setImmediate(r));
  };
  return { scheduler, started, done };
}

test('the scheduler takes owners in turn: a client sending fast cannot starve another', async () => {
  const { scheduler, started, done } = manual(1, 2);
  scheduler.submit('a', 'a1');
  scheduler.submit('a', 'a2');
  scheduler.submit('b', 'b1');
  scheduler.submit('c', 'c1');
  assert.deepEqual(started, ['a1']);
  await done('a1');
  scheduler.submit('a', 'a3'); // a is back at once, but b and c were waiting before it
  for (const item of ['a2', 'b1', 'c1']) await done(item);
  assert.deepEqual(started, ['a1', 'a2', 'b1', 'c1', 'a3']);
  assert.deepEqual(scheduler.load, { running: 1, waitingOwners: 0 });
});

test('an owner has at most perOwner frames running and one waiting: a newer frame replaces the waiting one', async () => {
  const { scheduler, started, done } = manual(4, 2);
  assert.equal(scheduler.submit('a', 'a1'), null); // running
  assert.equal(scheduler.submit('a', 'a2'), null); // running: perOwner is 2
  assert.equal(scheduler.submit('a', 'a3'), null); // waits, though slots are free
  assert.equal(scheduler.submit('a', 'a4'), 'a3'); // replaces the older waiting frame
  assert.equal(scheduler.submit('b', 'b1'), null); // another owner uses the free slots
  assert.deepEqual(started, ['a1', 'a2', 'b1']);
  await done('a2');
  assert.deepEqual(started, ['a1', 'a2', 'b1', 'a4']); // the newest frame runs next
});

test('a removed owner loses its waiting frame; a failing item still frees its slot', async () => {
  const { scheduler, started, done } = manual(1, 2);
  scheduler.submit('a', 'a1');
  scheduler.submit('a', 'a2');
  scheduler.submit('b', 'b1');
  assert.equal(scheduler.remove('a'), 'a2');
  await done('a1');
  assert.deepEqual(started, ['a1', 'b1']);
  let runs = 0;
  const failing = new FairScheduler<string, number>(1, 1, async () => {
    runs++;
    throw new Error('boom');
  });
  failing.submit('x', 1);
  failing.submit('x', 2);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(runs, 2);
  assert.deepEqual(failing.load, { running: 0, waitingOwners: 0 });
});
