import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { createServerLogger, type LogStream } from '../../src/server/logger.ts';

function capture(isTTY: boolean): LogStream & { lines: () => string[] } {
  let text = '';
  return {
    isTTY,
    write: (chunk: string) => (text += chunk),
    lines: () => text.split('\n').filter(Boolean),
  };
}

async function serveOnce(out: LogStream) {
  const app = Fastify({ loggerInstance: createServerLogger('info', out) });
  app.get('/api/ping', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('kaput');
  });
  await app.ready();
  await app.inject({ method: 'GET', url: '/api/ping?x=1' });
  await app.inject({ method: 'GET', url: '/boom' });
  app.log.warn({ job: 'j1' }, 'video job failed');
  await app.close();
}

test('on a terminal each request is one readable line; other records keep their fields', async () => {
  const out = capture(true);
  await serveOnce(out);
  const lines = out.lines();
  const requests = lines.filter((l) => l.includes(' → '));
  assert.equal(requests.length, 2, lines.join('\n'));
  assert.match(requests[0]!, /^\d\d:\d\d:\d\d INFO  GET \/api\/ping\?x=1 → 200 \d+\.\d ms$/);
  assert.match(requests[1]!, /GET \/boom → 500/);
  assert.ok(
    lines.some((l) => /ERROR .*kaput/.test(l)),
    'the error is reported',
  );
  assert.ok(lines.some((l) => /^\d\d:\d\d:\d\d WARN  video job failed job=j1$/.test(l)));
  assert.ok(!lines.some((l) => l.startsWith('{')), 'no JSON on a terminal');
  assert.ok(!lines.some((l) => l.includes('incoming request')));
});

test('elsewhere (files, pipes, collectors) the log stays JSON, one object per line', async () => {
  const out = capture(false);
  await serveOnce(out);
  const records = out.lines().map((l) => JSON.parse(l) as { msg: string; level: number });
  assert.ok(records.some((r) => r.msg === 'incoming request'));
  assert.ok(records.some((r) => r.msg === 'request completed'));
  assert.ok(records.some((r) => r.msg === 'video job failed' && r.level === 40));
});

test('--log-format overrides the terminal check either way', async () => {
  const onTerminal = capture(true);
  const asked = createServerLogger('info', onTerminal, 'json');
  asked.info({ job: 'j2' }, 'json on a terminal');
  asked.flush();
  assert.equal(JSON.parse(onTerminal.lines()[0]!).msg, 'json on a terminal');
  const inPipe = capture(false);
  createServerLogger('info', inPipe, 'pretty').info({ job: 'j3' }, 'pretty in a pipe');
  assert.match(inPipe.lines()[0]!, /^\d\d:\d\d:\d\d INFO  pretty in a pipe job=j3$/);
});
