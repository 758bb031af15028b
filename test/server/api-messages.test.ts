import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { picture, startServer, upload, type TestServer } from './helpers.ts';

let modelDir: string;
let server: TestServer;

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  server = await startServer(modelDir);
});
after(async () => {
  await server.close();
  await rm(modelDir, { recursive: true, force: true });
});

async function error(res: Response, status: number, code: string): Promise<string> {
  assert.equal(res.status, status);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, code);
  return body.error.message;
}

test('a raw (non-multipart) upload gets a 415 naming multipart/form-data and the field to use', async () => {
  const jpeg = await picture(40, 30, 'jpeg');
  const image = await fetch(`${server.url}/api/segment`, {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: new Uint8Array(jpeg),
  });
  assert.equal(
    await error(image, 415, 'unsupported_media_type'),
    "send multipart/form-data with the file in the field 'image' (curl -F image=@FILE); this request sent image/jpeg",
  );
  const video = await fetch(`${server.url}/api/videos`, {
    method: 'POST',
    headers: { 'content-type': 'video/mp4' },
    body: 'not really',
  });
  assert.match(await error(video, 415, 'unsupported_media_type'), /multipart\/form-data .*field 'video'/);
  const id = '00000000-0000-0000-0000-000000000000';
  const json = await fetch(`${server.url}/api/videos/${id}`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(
    await error(json, 415, 'unsupported_media_type'),
    `DELETE /api/videos/${id} takes no request body`,
  );
  // the server still answers
  const ok = await upload(`${server.url}/api/segment`, 'image', jpeg, 'a.jpg');
  assert.equal(ok.status, 200);
});

test('a query value outside its set gets a 400 listing the allowed values', async () => {
  const jpeg = await picture(40, 30, 'jpeg');
  const res = await upload(`${server.url}/api/segment?format=jpg`, 'image', jpeg, 'a.jpg');
  assert.equal(
    await error(res, 400, 'bad_request'),
    "query parameter 'format' must be one of json, png, overlay",
  );
  const unknown = await upload(`${server.url}/api/segment?colour=red`, 'image', jpeg, 'a.jpg');
  assert.equal(await error(unknown, 400, 'bad_request'), "unknown query parameter 'colour'");
  const range = await upload(`${server.url}/api/segment?threshold=2`, 'image', jpeg, 'a.jpg');
  assert.equal(await error(range, 400, 'bad_request'), "query parameter 'threshold' must be <= 1");
});
