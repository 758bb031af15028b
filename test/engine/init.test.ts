import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./fixtures/init-child.ts', import.meta.url));

/** Runs the child and parses its JSON line; a child that does not exit by itself fails the timeout. */
function runChild(...args: string[]): Record<string, unknown> & { stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `child exited with ${r.status} (${r.signal ?? ''}): ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return { ...(JSON.parse(line) as Record<string, unknown>), stderr: r.stderr };
}

for (const threads of [1, 2]) {
  test(`initEngine starts wasm with ${threads} thread(s), is idempotent, and the process exits`, () => {
    const out = runChild('wasm', String(threads));
    assert.deepEqual(out.first, { backend: 'wasm', threads });
    assert.deepEqual(out.again, { backend: 'wasm', threads });
    assert.equal(out.backend, 'wasm');
    assert.equal(out.conflict, 'PolypsegError', 'a different thread count after start must be refused');
    assert.equal(out.centre, 72); // 3x3x8 ones
  });
}

test('initEngine can select the cpu backend', () => {
  const out = runChild('cpu');
  assert.deepEqual(out.first, { backend: 'cpu', threads: 1 });
  assert.equal(out.backend, 'cpu');
  assert.equal(out.centre, 72);
  // TF.js's "install tfjs-node" banner on the CPU backend's first tensor misleads (it cannot be used here).
  assert.doesNotMatch(out.stderr, /tfjs-node|TensorFlow\.js in Node/);
});

test('a CPU backend TF.js makes without initEngine prints no tfjs-node banner either', () => {
  const out = runChild('no-init');
  assert.equal(out.sum, 2);
  assert.doesNotMatch(out.stderr, /tfjs-node|TensorFlow\.js in Node/);
});

test('initEngine throws a clear error when the wasm backend cannot start (no silent cpu fallback)', () => {
  const out = runChild('broken-wasm', '1');
  assert.equal(out.error, 'PolypsegError');
  assert.equal(out.code, 'ENGINE_INIT');
  assert.match(String(out.message), /wasm/);
});
