// API token, Origin and Host checks, and the browser-safety headers (issue 12).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { checkExposure, hostPolicy, tokenChecker } from '../../src/server/access.ts';
import { configFromEnv, parseServerConfig } from '../../src/server/config.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { picture, rawRequest, startServer, type TestServer } from './helpers.ts';

const TOKEN = 'correct-horse-battery-staple-42';
let modelDir: string;
let server: TestServer;
let png: Buffer;

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  png = await picture(64, 48, 'png');
  server = await startServer(modelDir, { apiToken: TOKEN, allowedOrigins: ['https://viewer.example'] });
});
after(async () => {
  await server?.close();
  await rm(modelDir, { recursive: true, force: true });
});

const bearer = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

function segment(headers: Record<string, string>): Promise<Response> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(png)]), 'a.png');
  return fetch(`${server.url}/api/segment?format=png`, { method: 'POST', body: form, headers });
}

test('with a token, every /api/* route needs it; /healthz, the page and the API docs do not', async () => {
  for (const headers of [{}, bearer('wrong-token-wrong-token'), { authorization: TOKEN }, bearer('')]) {
    const res = await fetch(`${server.url}/api/model`, { headers });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unauthorized');
  }
  assert.equal((await fetch(`${server.url}/api/model`, { headers: bearer() })).status, 200);
  const anonymous = await segment({});
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
  const res = await segment(bearer());
  assert.equal(res.status, 200);
  await res.body?.cancel();
  assert.equal((await fetch(`${server.url}/api/videos/00000000-0000-0000-0000-000000000000`)).status, 401);
  for (const open of ['/healthz', '/', '/api/docs', '/api/openapi.json']) {
    const r = await fetch(`${server.url}${open}`);
    assert.equal(r.status, 200, open);
    await r.body?.cancel();
  }
  assert.ok(!server.logs.some((l) => l.includes(TOKEN)), 'the token never reaches the log');
});

test('cross-site POST/DELETE are refused; same-origin and --allowed-origin pass', async () => {
  for (const origin of ['https://evil.example', 'null', `http://evil.example:${new URL(server.url).port}`]) {
    const res = await segment({ ...bearer(), origin });
    assert.equal(res.status, 403, origin);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'origin_not_allowed');
  }
  const del = await fetch(`${server.url}/api/videos/00000000-0000-0000-0000-000000000000`, {
    method: 'DELETE',
    headers: { ...bearer(), origin: 'https://evil.example' },
  });
  assert.equal(del.status, 403);
  for (const origin of [server.url, 'https://viewer.example']) {
    const res = await segment({ ...bearer(), origin });
    assert.equal(res.status, 200, origin);
    await res.body?.cancel();
  }
});

test('a Host header naming another site (DNS rebinding) is refused', async () => {
  const port = new URL(server.url).port;
  const get = (host: string) =>
    rawRequest(server.url, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  for (const host of [`evil.example:${port}`, 'evil.example', '10.0.0.5']) {
    const res = await get(host);
    assert.equal(res.status, 403, host);
    assert.match(res.body, /host_not_allowed/);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'viewer.example'])
    assert.equal((await get(host)).status, 200, host);
  assert.equal((await rawRequest(server.url, 'GET /healthz HTTP/1.0\r\n\r\n')).status, 403, 'no Host at all');
});

test('every answer carries the browser-safety headers', async () => {
  for (const path of ['/', '/healthz', '/api/docs']) {
    const res = await fetch(`${server.url}${path}`);
    await res.body?.cancel();
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, path);
    assert.match(csp, /media-src 'self' blob:/, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
  }
});

test('host policy, token comparison and exposure rules', () => {
  const loopback = hostPolicy({ host: '127.0.0.1', allowedOrigins: [], allowedHosts: [] });
  assert.ok(loopback('127.0.0.1:3000') && loopback('LOCALHOST') && loopback('[::1]:80'));
  assert.ok(!loopback('192.168.1.4:3000') && !loopback('attacker.example') && !loopback(undefined));
  const wide = hostPolicy({
    host: '0.0.0.0',
    allowedOrigins: ['https://polyps.example'],
    allowedHosts: ['scope.lan'],
  });
  assert.ok(wide('192.168.1.4:3000') && wide('polyps.example') && wide('scope.lan:3000'));
  assert.ok(!wide('rebound.attacker.example'));

  const ok = tokenChecker(TOKEN);
  assert.ok(ok(`Bearer ${TOKEN}`) && ok(`bearer ${TOKEN}`));
  for (const h of [undefined, '', TOKEN, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`])
    assert.ok(!ok(h), String(h));

  assert.equal(checkExposure({ host: '127.0.0.1', insecureNoAuth: false }), null);
  assert.equal(checkExposure({ host: '0.0.0.0', apiToken: TOKEN, insecureNoAuth: false }), null);
  assert.throws(() => checkExposure({ host: '0.0.0.0', insecureNoAuth: false }), /without an API token/);
  assert.match(checkExposure({ host: '0.0.0.0', insecureNoAuth: true }) ?? '', /WITHOUT authentication/);

  assert.throws(() => parseServerConfig({ apiToken: 'short' }), /at least 16 characters/);
  const env = parseServerConfig(
    configFromEnv({
      POLYPSEG_API_TOKEN: TOKEN,
      POLYPSEG_ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443',
      POLYPSEG_INSECURE_NO_AUTH: 'true',
      POLYPSEG_BODY_TIMEOUT_SECONDS: '30',
    }),
  );
  assert.deepEqual(env.allowedOrigins, ['https://a.example', 'https://b.example:8443']);
  assert.equal(env.insecureNoAuth, true);
  assert.equal(env.limits.bodyTimeoutSeconds, 30);
  assert.throws(() => parseServerConfig({ allowedOrigins: ['evil.example'] }), /scheme:\/\/host/);
});

test('serve refuses a non-loopback host without a token, in one line', async () => {
  const r = await runServe(['--host', '0.0.0.0', '--port', '0', '--no-build', '--model', modelDir], {
    POLYPSEG_API_TOKEN: '',
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr.trim(),
    /^polypseg serve: refusing to serve 0\.0\.0\.0 .* without an API token[^\n]*$/,
  );
});

/**
 * Runs `polypseg serve` in its own process group and waits for it to exit. Whatever happens (a
 * failed assertion, a timeout, a mutant that makes it serve, this test process killed) the whole
 * group is killed, so no listener outlives the test.
 */
async function runServe(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['bin/polypseg.js', 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let timer: NodeJS.Timeout | undefined;
  try {
    const status = await new Promise<number | null>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`serve still running after ${timeoutMs} ms: ${stderr}`)),
        timeoutMs,
      );
      child.once('error', reject);
      // a serve that starts listening has failed this test: say so now, not after the timeout
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (d.includes('is serving at')) reject(new Error(`serve started: ${d.trim()}`));
      });
      child.once('close', resolve);
    });
    return { status, stderr };
  } finally {
    clearTimeout(timer);
    killGroup();
    process.off('exit', killGroup);
  }
}
