import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { encodeBmp } from '../../src/data/bmp.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { picture, pngHeaderOnly, rawPicture, startServer, upload, type TestServer } from './helpers.ts';

let modelDir: string;
let server: TestServer;
const MB = 1024 * 1024;

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  server = await startServer(modelDir, { limits: { imageBytes: 2 * MB, imagePixels: 4_000_000 } });
});
after(async () => {
  await server.close();
  await rm(modelDir, { recursive: true, force: true });
});

const segment = (bytes: Uint8Array, name = 'image.jpg', query = '', type?: string) =>
  upload(`${server.url}/api/segment${query}`, 'image', bytes, name, type);

async function expectError(res: Response, status: number, code?: string): Promise<string> {
  assert.equal(res.status, status, `status for ${code}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  if (code) assert.equal(body.error.code, code);
  return body.error.message;
}

test('GET /healthz reports the model (untrained fixture says so)', async () => {
  const res = await fetch(`${server.url}/healthz`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { status: string; model: Record<string, unknown> };
  assert.equal(body.status, 'ok');
  assert.equal(body.model.name, 'tiny-test-unet');
  assert.equal(body.model.inputSize, 32);
  assert.deepEqual((body.model.architecture as { type: string }).type, 'unet');
  assert.deepEqual(body.model.metrics, {});
  assert.equal(body.model.trained, false);
});

test('a JPEG and a PNG give a mask of the input size, as JSON, PNG and overlay', async () => {
  for (const [format, w, h] of [
    ['jpeg', 622, 529],
    ['png', 301, 203],
  ] as const) {
    const bytes = await picture(w, h, format);
    const res = await segment(bytes, `x.${format}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('server-timing') ?? '', /segment;dur=/);
    const body = (await res.json()) as {
      width: number;
      height: number;
      coverage: number;
      polyps: Array<{ area: number; bbox: number[]; score: number }>;
      mask: string;
    };
    assert.deepEqual([body.width, body.height], [w, h]);
    assert.ok(body.coverage >= 0 && body.coverage <= 1);
    const mask = await sharp(Buffer.from(body.mask, 'base64')).raw().toBuffer({ resolveWithObject: true });
    assert.equal((await sharp(Buffer.from(body.mask, 'base64')).metadata()).channels, 1, 'greyscale');
    assert.deepEqual([mask.info.width, mask.info.height], [w, h]);
    const values = new Set(mask.data);
    assert.ok(
      [...values].every((v) => v === 0 || v === 255),
      `mask values ${[...values]}`,
    );
    // coverage and the polyps agree with the mask itself
    const on = mask.data.reduce((n, v, i) => n + (i % mask.info.channels === 0 && v === 255 ? 1 : 0), 0);
    assert.ok(Math.abs(on / (w * h) - body.coverage) < 1e-6);
    assert.equal(
      body.polyps.reduce((a, p) => a + p.area, 0),
      on,
    );
    for (const p of body.polyps) {
      assert.equal(p.bbox.length, 4);
      assert.ok(p.score >= 0.5 && p.score <= 1);
      assert.ok(p.bbox[0]! + p.bbox[2]! <= w && p.bbox[1]! + p.bbox[3]! <= h);
    }

    const png = await segment(bytes, `x.${format}`, '?format=png');
    assert.equal(png.status, 200);
    assert.equal(png.headers.get('content-type'), 'image/png');
    const pngMask = await sharp(Buffer.from(await png.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([pngMask.info.width, pngMask.info.height], [w, h]);
    assert.deepEqual(pngMask.data, mask.data);

    const overlay = await segment(bytes, `x.${format}`, '?format=overlay');
    assert.equal(overlay.status, 200);
    assert.equal(overlay.headers.get('content-type'), 'image/png');
    const meta = await sharp(Buffer.from(await overlay.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height, meta.channels], [w, h, 3]);
  }
});

test('threshold, minArea and tta options reach the segmenter', async () => {
  const bytes = await picture(120, 90, 'png');
  const get = async (query: string) => {
    const res = await segment(bytes, 'x.png', query);
    assert.equal(res.status, 200, query);
    return (await res.json()) as { coverage: number; polyps: unknown[] };
  };
  assert.equal((await get('?threshold=0')).coverage, 1);
  const none = await get('?threshold=0&minArea=999999');
  assert.deepEqual([none.coverage, none.polyps.length], [0, 0]);
  assert.ok((await get('?tta=true')).coverage >= 0);
  assert.equal((await segment(bytes, 'x.png', '?threshold=2')).status, 400);
});

test('WebP, TIFF and BMP are accepted too', async () => {
  const raw = rawPicture(64, 40);
  const files: Array<[string, Uint8Array]> = [
    ['webp', await picture(64, 40, 'webp')],
    ['tiff', await picture(64, 40, 'tiff')],
    ['bmp', encodeBmp({ width: 64, height: 40, channels: 3, data: raw })],
  ];
  for (const [name, bytes] of files) {
    const res = await segment(bytes, `x.${name}`, '?format=png');
    assert.equal(res.status, 200, name);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [64, 40], name);
  }
});

test('bad uploads get the right 4xx and the server keeps answering', async () => {
  const jpeg = await picture(200, 150, 'jpeg');
  // random bytes: no known signature
  await expectError(
    await segment(randomBytes(5000), 'scan.jpg', '', 'image/jpeg'),
    415,
    'unsupported_media_type',
  );
  // a JPEG signature followed by garbage: recognised, undecodable
  await expectError(
    await segment(Buffer.concat([jpeg.subarray(0, 3), randomBytes(4000)]), 'x.jpg'),
    422,
    'undecodable',
  );
  // a text file named .jpg, claiming to be a JPEG
  await expectError(
    await segment(Buffer.from('this is not an image\n'.repeat(20)), 'photo.jpg', '', 'image/jpeg'),
    415,
  );
  await expectError(await segment(Buffer.alloc(0), 'empty.jpg'), 400, 'empty_file');
  // truncated JPEG: the header is fine, the pixel data ends early
  await expectError(
    await segment(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'cut.jpg'),
    422,
    'undecodable',
  );
  // declares 30000x30000: refused from the header, before any decoding
  const started = Date.now();
  const msg = await expectError(
    await segment(pngHeaderOnly(30000, 30000), 'huge.png'),
    413,
    'image_too_large',
  );
  assert.match(msg, /30000×30000/);
  assert.ok(Date.now() - started < 2000);
  // larger than the 2 MB upload limit
  await expectError(await segment(randomBytes(3 * MB), 'big.jpg'), 413, 'too_large');
  // wrong field, not multipart, bad query
  await expectError(await upload(`${server.url}/api/segment`, 'file', jpeg, 'x.jpg'), 400);
  await expectError(
    await fetch(`${server.url}/api/segment`, {
      method: 'POST',
      body: new Uint8Array(jpeg),
      headers: { 'content-type': 'image/jpeg' },
    }),
    415,
  );
  await expectError(await segment(jpeg, 'x.jpg', '?format=gif'), 400);
  await expectError(await fetch(`${server.url}/api/nothing-here`), 404, 'not_found');

  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
  // and it still segments
  assert.equal((await segment(jpeg)).status, 200);
});

test('logs never contain image content or upload file names', async () => {
  const jpeg = await picture(120, 90, 'jpeg');
  const res = await segment(jpeg, 'patient-jane-doe-1984.jpg');
  const body = (await res.json()) as { mask: string };
  const text = server.logs.join('');
  assert.ok(text.includes('segmented image'));
  assert.ok(!text.includes('jane-doe'));
  assert.ok(!text.includes(body.mask.slice(0, 40)));
  assert.ok(!text.includes(jpeg.subarray(0, 64).toString('base64')));
});

test('the OpenAPI document covers the API and the docs page renders it', async () => {
  const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
  };
  assert.equal(doc.openapi, '3.1.0');
  for (const [path, method] of [
    ['/healthz', 'get'],
    ['/api/segment', 'post'],
    ['/api/videos', 'post'],
    ['/api/videos/{id}', 'get'],
    ['/api/videos/{id}', 'delete'],
    ['/api/videos/{id}/events', 'get'],
    ['/api/videos/{id}/result.mp4', 'get'],
    ['/api/videos/{id}/frames.json', 'get'],
    ['/api/model.onnx', 'get'],
  ])
    assert.ok(doc.paths[path]?.[method!], `${method} ${path}`);
  assert.ok(doc.paths['/api/segment']!.post!.requestBody!.content['multipart/form-data']);
  const page = await fetch(`${server.url}/api/docs`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.match(await page.text(), /\/api\/videos\/\{id\}\/result\.mp4/);
});

test('the model is served for in-browser mode', async () => {
  const meta = (await (await fetch(`${server.url}/api/model`)).json()) as {
    inputSize: number;
    onnxUrl: string;
  };
  assert.equal(meta.inputSize, 32);
  assert.equal(meta.onnxUrl, '/api/model.onnx');
  const onnx = await fetch(`${server.url}${meta.onnxUrl}`);
  assert.equal(onnx.status, 200);
  const bytes = new Uint8Array(await onnx.arrayBuffer());
  assert.ok(bytes.length > 1000);
  // page isolation headers (wasm threads need them)
  assert.equal(onnx.headers.get('cross-origin-embedder-policy'), 'require-corp');
});
