// Issue 25: the Limiter's guards pinned one by one (every boundary, the queue order, the weights'
// clamps, the release on failure), so that weakening any of them fails a test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Limiter } from '../../src/server/limiter.ts';
import { HttpError } from '../../src/server/http-error.ts';

/** Tasks that start when the limiter lets them and end when the test says so. */
function harness(limiter: Limiter) {
  const started: string[] = [];
  const gates = new Map<string, { ok: () => void; fail: (e: Error) => void }>();
  const run = (name: string, weight?: number) =>
    limiter.run(async () => {
      started.push(name);
      await new Promise<void>((ok, fail) => gates.set(name, { ok, fail }));
      return name;
    }, weight);
  const settle = () => new Promise((r) => setImmediate(r));
  const finish = async (name: string) => {
    gates.get(name)!.ok();
    await settle();
  };
  const failTask = async (name: string) => {
    gates.get(name)!.fail(new Error(`${name} failed`));
    await settle();
  };
  return { started, run, settle, finish, failTask };
}

test('no queue jumping: a newcomer that would fit waits behind the task already waiting', async () => {
  const limiter = new Limiter(4, 10, 10);
  const h = harness(limiter);
  const runs = [h.run('a', 6), h.run('b', 6), h.run('c', 2)];
  await h.settle();
  // c fits next to a (6 + 2 <= 10) but b came first
  assert.deepEqual(h.started, ['a']);
  assert.deepEqual(limiter.load, { active: 1, weight: 6 });
  await h.finish('a');
  // b and then c, in arrival order, both within the budget
  assert.deepEqual(h.started, ['a', 'b', 'c']);
  assert.deepEqual(limiter.load, { active: 2, weight: 8 });
  await h.finish('b');
  await h.finish('c');
  assert.deepEqual(await Promise.all(runs), ['a', 'b', 'c']);
  assert.deepEqual(limiter.load, { active: 0, weight: 0 });
});

test('a waiting head that does not fit holds back the smaller tasks behind it', async () => {
  const limiter = new Limiter(4, 10, 10);
  const h = harness(limiter);
  const runs = [h.run('a', 6), h.run('d', 2), h.run('big', 8), h.run('small', 2)];
  await h.settle();
  assert.deepEqual(h.started, ['a', 'd']);
  await h.finish('d'); // used 6: big (8) does not fit, and small (2) may not pass it
  assert.deepEqual(h.started, ['a', 'd']);
  assert.deepEqual(limiter.load, { active: 1, weight: 6 });
  await h.finish('a');
  assert.deepEqual(h.started, ['a', 'd', 'big', 'small']);
  await h.finish('big');
  await h.finish('small');
  await Promise.all(runs);
});

test('boundaries: weights summing to exactly the budget share it; the concurrency is a hard cap', async () => {
  const limiter = new Limiter(2, 10, 10);
  const h = harness(limiter);
  const runs = [h.run('a', 5), h.run('b', 5), h.run('c', 0)];
  await h.settle();
  assert.deepEqual(h.started, ['a', 'b'], 'two fill the budget; a weightless third still waits for a slot');
  assert.deepEqual(limiter.load, { active: 2, weight: 10 });
  await h.finish('a');
  assert.deepEqual(h.started, ['a', 'b', 'c']);
  await h.finish('b');
  await h.finish('c');
  await Promise.all(runs);
});

test('weights: a negative one counts as nothing, one over the budget as the whole budget', async () => {
  const limiter = new Limiter(4, 10, 10);
  const h = harness(limiter);
  const runs = [h.run('full', 10), h.run('negative', -5), h.run('five', 5)];
  await h.settle();
  // -5 must not make room: only a weightless task fits beside a full budget
  assert.deepEqual(h.started, ['full', 'negative']);
  assert.deepEqual(limiter.load, { active: 2, weight: 10 });
  await h.finish('full');
  await h.finish('negative');
  await h.finish('five');
  await Promise.all(runs);

  const runs2 = [h.run('huge', 1e9), h.run('one', 1)];
  await h.settle();
  assert.deepEqual(limiter.load, { active: 1, weight: 10 }, 'counted as the budget, so it runs alone');
  await h.finish('huge');
  assert.deepEqual(limiter.load, { active: 1, weight: 1 });
  await h.finish('one');
  await Promise.all(runs2);
  assert.deepEqual(limiter.load, { active: 0, weight: 0 });
});

test('an idle limiter takes a full-budget task even when rounding left a crumb in the sum', async () => {
  const limiter = new Limiter(4, 10, 0.3);
  const h = harness(limiter);
  const runs = [h.run('x', 0.03), h.run('y', 0.24)];
  await h.settle();
  await h.finish('x');
  await h.finish('y');
  assert.ok(limiter.load.weight > 0, 'this pair leaves 0.03 + 0.24 - 0.03 - 0.24 > 0');
  const full = h.run('full', 0.3);
  await h.settle();
  assert.deepEqual(h.started, ['x', 'y', 'full']);
  await h.finish('full');
  await Promise.all([...runs, full]);
});

test('the waiting room holds exactly maxWaiting; the next gets 503 busy with Retry-After', async () => {
  const limiter = new Limiter(1, 2);
  const h = harness(limiter);
  const runs = [h.run('a'), h.run('b'), h.run('c')];
  await h.settle();
  await assert.rejects(
    limiter.run(async () => 'd'),
    (e: unknown) =>
      e instanceof HttpError &&
      e.statusCode === 503 &&
      e.code === 'busy' &&
      e.headers['retry-after'] === '2' &&
      /busy/.test(e.message),
  );
  assert.deepEqual(h.started, ['a']);
  await h.finish('a');
  await h.finish('b');
  await h.finish('c');
  assert.deepEqual(await Promise.all(runs), ['a', 'b', 'c']);
});

test('a failing task frees its slot and its weight, and the next waiter starts', async () => {
  const limiter = new Limiter(1, 4, 10);
  const h = harness(limiter);
  const failing = h.run('bad', 7);
  const next = h.run('next', 7);
  await h.settle();
  assert.deepEqual(h.started, ['bad']);
  const rejected = assert.rejects(failing, /bad failed/);
  await h.failTask('bad');
  await rejected;
  assert.deepEqual(h.started, ['bad', 'next']);
  assert.deepEqual(limiter.load, { active: 1, weight: 7 });
  await h.finish('next');
  assert.equal(await next, 'next');
  assert.deepEqual(limiter.load, { active: 0, weight: 0 });
});
