import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../bin/polypseg.js');

test('serve logs readable lines when asked and leaves nothing in the temp or home directory', async () => {
  const root = mkdtempSync(join(tmpdir(), 'polypseg-serve-cli-'));
  const [temp, home, data] = ['tmp', 'home', 'data'].map((d) => join(root, d));
  for (const d of [temp, home]) mkdirSync(d);
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--data-dir', data, '--no-build', '--log-format', 'pretty'],
    { env: { ...process.env, TMPDIR: temp, HOME: home }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  child.stderr.on('data', (b: Buffer) => (out += b));
  const exited = once(child, 'exit');
  try {
    const deadline = Date.now() + 60_000;
    while (!/serving at/.test(out) && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(out, /^\d\d:\d\d:\d\d INFO {2}model loaded model=\S+ runtime=onnx/m, out);
    assert.match(out, /^\d\d:\d\d:\d\d INFO {2}polypseg is serving at http:\/\/127\.0\.0\.1:\d+/m);
    assert.doesNotMatch(out, /^\{/m, 'no JSON lines with --log-format pretty');
    child.kill('SIGTERM');
    await exited;
    // tsx-<uid> is the TypeScript loader's compile cache, kept on purpose between starts
    assert.deepEqual(
      readdirSync(temp).filter((f) => !/^tsx-\d+$/.test(f)),
      [],
      'serve left files in TMPDIR (onnxruntime telemetry writes mat-debug-<pid>.log and .ses)',
    );
    assert.deepEqual(
      readdirSync(home),
      [],
      'serve wrote under HOME (onnxruntime telemetry: ~/.cache/Microsoft)',
    );
  } finally {
    if (child.exitCode === null) {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  }
});
