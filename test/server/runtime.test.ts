import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../../src/server/app.ts';
import { parseServerConfig } from '../../src/server/config.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { startServer } from './helpers.ts';

test("the server's runtime is the segmenter factory's choice: auto by default, TF.js without an ONNX export", async () => {
  assert.equal(parseServerConfig({}).runtime, 'auto');
  const modelDir = await makeModelDir({ inputSize: 32 });
  await rm(join(modelDir, 'model.onnx'));
  const server = await startServer(modelDir, { limits: { imageConcurrency: 1 } });
  try {
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { model: { runtime: string } };
    assert.equal(health.model.runtime, 'tfjs');
    const meta = (await (await fetch(`${server.url}/api/model`)).json()) as { onnxUrl: string | null };
    assert.equal(meta.onnxUrl, null);
    assert.equal((await fetch(`${server.url}/api/model.onnx`)).status, 404);
    assert.ok(server.logs.some((l) => l.includes('no ONNX export')));
  } finally {
    await server.close();
  }

  // asked for ONNX explicitly, a model without its export is an error, not a silent fallback
  const dataDir = await mkdtemp(join(tmpdir(), 'polypseg-data-'));
  try {
    await assert.rejects(
      buildServer({ config: { modelDir, dataDir, runtime: 'onnx', logLevel: 'silent' } }),
      /model\.onnx/,
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await rm(modelDir, { recursive: true, force: true });
  }
});
