// Issue 25: every check in src/server/access.ts pinned by a test that fails when the check is
// weakened (regex anchors, each method, each header value, each name the host policy accepts). The
// access rules run in a small Fastify app of their own (answered with inject, no socket, no model):
// the same hooks buildServer installs, so a mutant is judged in milliseconds; test/server/access.test.ts
// checks the same rules on the real server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import {
  addAccessControl,
  addSecurityHeaders,
  checkExposure,
  CONTENT_SECURITY_POLICY,
  hostName,
  hostPolicy,
  isLoopbackHost,
  markRoutesPublic,
  tokenChecker,
} from '../../src/server/access.ts';
import { parseServerConfig, type ServerConfigInput } from '../../src/server/config.ts';
import { toErrorReply } from '../../src/server/http-error.ts';
import { PolypsegError } from '../../src/errors.ts';

const TOKEN = 'guard-test-token-0123456789abcdef';
const HOST = 'localhost:3000';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** A Fastify app with the server's access hooks: private /api/thing (every method), public /open. */
async function guardedApp(config: Partial<ServerConfigInput> = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setErrorHandler((err, _req, reply) => {
    const { statusCode, headers, body } = toErrorReply(err);
    return reply.code(statusCode).headers(headers).send(body);
  });
  addSecurityHeaders(app);
  addAccessControl(app, parseServerConfig({ apiToken: TOKEN, ...config }));
  app.removeAllContentTypeParsers();
  await app.register(async (api) => {
    for (const method of METHODS)
      api.route({ method, url: '/api/thing', handler: async () => ({ ran: true }) });
  });
  await app.register(async (open) => {
    markRoutesPublic(open);
    open.get('/open', { config: { note: 'kept' } as object }, async (req) => ({
      ran: true,
      note: (req.routeOptions.config as { note?: string }).note,
    }));
  });
  await app.ready();
  return app;
}

let app: FastifyInstance;
let open: FastifyInstance; // no token configured
before(async () => {
  app = await guardedApp({ allowedOrigins: ['https://Viewer.Example'], allowedHosts: ['Scope.LAN'] });
  open = await guardedApp({ apiToken: undefined });
});
after(async () => {
  await app?.close();
  await open?.close();
});

const bearer = { authorization: `Bearer ${TOKEN}` };
const call = (opts: { method?: InjectOptions['method']; url?: string; headers?: Record<string, string> }) =>
  app.inject({
    method: opts.method ?? 'GET',
    url: opts.url ?? '/api/thing',
    headers: { host: HOST, ...opts.headers },
  });
const code = (res: { json(): unknown }) => (res.json() as { error?: { code: string } }).error?.code;

test('the loopback test accepts exactly localhost, ::1 and 127.x.y.z', () => {
  for (const h of ['localhost', 'LOCALHOST', '::1', '[::1]', '127.0.0.1', '127.10.200.3', '127.255.255.255'])
    assert.ok(isLoopbackHost(h), h);
  for (const h of [
    '127.0.0.1.evil.example', // an unanchored end
    'x127.0.0.1', // an unanchored start
    '10.127.0.0.1',
    '127.0.0',
    '127.0.0.1x',
    '127.a.0.1',
    'localhost.evil.example',
    '0.0.0.0',
    '::',
    '::[1]', // only a leading [ is stripped...
    '[::1]]', // ...and only one trailing ]
    '',
  ])
    assert.ok(!isLoopbackHost(h), h);
});

test('hostName strips the port and the IPv6 brackets, keeps a bare IPv6 address', () => {
  assert.equal(hostName(' Example.COM:8080 '), 'example.com');
  assert.equal(hostName('example.com'), 'example.com');
  assert.equal(hostName('a:1'), 'a');
  assert.equal(hostName(':80'), '');
  assert.equal(hostName('[::1]:3000'), '::1');
  assert.equal(hostName('[fe80::1]'), 'fe80::1');
  assert.equal(hostName('::1'), '::1');
  assert.equal(hostName('fe80::1:2'), 'fe80::1:2');
});

test('host policy: loopback names, the bound host, allowed hosts and origins; IP literals only on a wildcard bind', () => {
  const lan = hostPolicy({
    host: '192.168.1.4',
    allowedOrigins: ['https://polyps.example:8443'],
    allowedHosts: ['Scope.LAN:3000'],
  });
  for (const h of [
    'localhost',
    'localhost:3000',
    '127.0.0.1:3000',
    '[::1]:80',
    '192.168.1.4:3000',
    'polyps.example',
    'POLYPS.example:443',
    'scope.lan',
  ])
    assert.ok(lan(h), h);
  for (const h of [
    undefined,
    '',
    '10.0.0.5',
    '127.0.0.2',
    'evil.example',
    'scope.lan.evil.example',
    '0.0.0.0',
  ])
    assert.ok(!lan(h), String(h));

  for (const host of ['0.0.0.0', '::', '']) {
    const wide = hostPolicy({ host, allowedOrigins: [], allowedHosts: ['scope.lan'] });
    for (const h of ['10.0.0.5:3000', '[fe80::1]:3000', 'localhost', 'scope.lan'])
      assert.ok(wide(h), `${host}: ${h}`);
    for (const h of ['rebound.attacker.example', 'evil.example:3000', undefined])
      assert.ok(!wide(h), `${host}: ${h}`);
  }
});

test('the bearer check: exact scheme, one token, nothing before or after', () => {
  const ok = tokenChecker(TOKEN);
  for (const h of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER  ${TOKEN}`, `Bearer\t${TOKEN} `])
    assert.ok(ok(h), h);
  for (const h of [
    undefined,
    '',
    'Bearer',
    'Bearer ',
    TOKEN,
    `Bearer${TOKEN}`,
    `xBearer ${TOKEN}`,
    ` Bearer ${TOKEN}`,
    `Basic ${TOKEN}`,
    `Bearer ${TOKEN} extra`,
    `Bearer ${TOKEN}x`,
    `Bearer ${TOKEN.slice(1)}`,
    `Bearer ${TOKEN.slice(0, -1)}`,
    `Bearer ${TOKEN[0]}`,
  ])
    assert.ok(!ok(h), String(h));
  // a checker for an empty token still wants a well-formed header (the digest of '' is no free pass)
  assert.ok(!tokenChecker('')(undefined) && !tokenChecker('')('junk'));
});

test('checkExposure: a token or a loopback host is enough; otherwise refuse, or warn when opted out', () => {
  for (const host of ['127.0.0.1', 'localhost', '::1', '127.1.2.3'])
    assert.equal(checkExposure({ host, insecureNoAuth: false }), null, host);
  assert.equal(checkExposure({ host: '0.0.0.0', apiToken: TOKEN, insecureNoAuth: false }), null);
  for (const host of ['0.0.0.0', '::', '192.168.1.4', '127.0.0.1.evil.example']) {
    assert.throws(
      () => checkExposure({ host, insecureNoAuth: false }),
      (err: unknown) =>
        err instanceof PolypsegError &&
        err.code === 'NO_TOKEN' &&
        err.message.includes(`refusing to serve ${host} `) &&
        /without an API token.*--api-token-file.*--insecure-no-auth/.test(err.message),
      host,
    );
    assert.match(
      checkExposure({ host, insecureNoAuth: true }) ?? '',
      new RegExp(`^serving ${host.replace(/\./g, '\\.')} WITHOUT authentication`),
    );
  }
});

test('with a token, a private route needs it on every method; a public route does not', async () => {
  for (const method of METHODS) {
    const res = await call({ method, headers: {} });
    assert.equal(res.statusCode, 401, method);
    assert.equal(code(res), 'unauthorized');
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="polypseg"');
    assert.match(
      (res.json() as { error: { message: string } }).error.message,
      /Authorization: Bearer <token>/,
    );
    assert.equal(
      (await call({ method, headers: { authorization: 'Bearer wrong-token-wrong-token' } })).statusCode,
      401,
    );
    assert.equal((await call({ method, headers: bearer })).statusCode, 200, method);
  }
  assert.equal((await call({ url: '/nowhere' })).statusCode, 401, 'an unrouted path needs the token too');
  assert.equal((await call({ url: '/nowhere', headers: bearer })).statusCode, 404);
  const pub = await call({ url: '/open' });
  assert.equal(pub.statusCode, 200);
  assert.deepEqual(pub.json(), { ran: true, note: 'kept' }, 'a public route keeps its own config');
  // without a configured token nothing needs one
  const res = await open.inject({ url: '/api/thing', headers: { host: HOST } });
  assert.equal(res.statusCode, 200);
});

test('Origin: every state-changing method from another site is refused, GET and same-origin pass', async () => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    for (const origin of [
      'https://evil.example',
      'null',
      'http://localhost:3001',
      'http://evil.example:3000',
      '::',
    ]) {
      const res = await call({ method, headers: { ...bearer, origin } });
      assert.equal(res.statusCode, 403, `${method} ${origin}`);
      assert.equal(code(res), 'origin_not_allowed');
      assert.match((res.json() as { error: { message: string } }).error.message, /--allowed-origin/);
    }
    for (const origin of ['http://localhost:3000', 'https://viewer.example', 'HTTPS://VIEWER.EXAMPLE'])
      assert.equal(
        (await call({ method, headers: { ...bearer, origin } })).statusCode,
        200,
        `${method} ${origin}`,
      );
    // a client that is not a browser sends no Origin
    assert.equal((await call({ method, headers: bearer })).statusCode, 200, method);
    // the Host header's case does not matter to the same-origin test
    const upper = await call({
      method,
      headers: { ...bearer, host: 'LOCALHOST:3000', origin: 'http://localhost:3000' },
    });
    assert.equal(upper.statusCode, 200, `${method} with an upper-case Host`);
  }
  const get = await call({ headers: { ...bearer, origin: 'https://evil.example' } });
  assert.equal(get.statusCode, 200, 'a GET is not state-changing');
});

test('Host: a name this server does not answer for is refused before anything else', async () => {
  for (const host of ['evil.example', '10.0.0.5:3000', '127.0.0.1.evil.example']) {
    const res = await call({ headers: { ...bearer, host } });
    assert.equal(res.statusCode, 403, host);
    assert.equal(code(res), 'host_not_allowed');
    assert.match((res.json() as { error: { message: string } }).error.message, /--allowed-host/);
    assert.equal((await call({ url: '/open', method: 'POST', headers: { host } })).statusCode, 403);
  }
  for (const host of ['scope.lan', 'viewer.example:443', '127.0.0.1', '[::1]:3000'])
    assert.equal((await call({ headers: { ...bearer, host } })).statusCode, 200, host);
});

/** The CSP as directive → sorted sources. */
const directives = (csp: string) =>
  Object.fromEntries(
    csp.split(';').map((d) => {
      const [name, ...sources] = d.trim().split(/\s+/);
      return [name, sources.sort()];
    }),
  );

test('every answer, refusals included, carries the exact browser-safety headers', async () => {
  const expectedCsp = {
    'default-src': ["'self'"],
    'script-src': ["'self'", "'wasm-unsafe-eval'"],
    'worker-src': ["'self'", 'blob:'],
    'connect-src': ["'self'"],
    'img-src': ["'self'", 'blob:', 'data:'],
    'media-src': ["'self'", 'blob:', 'mediastream:'],
    'style-src': ["'self'", "'unsafe-inline'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  assert.deepEqual(directives(CONTENT_SECURITY_POLICY), expectedCsp);
  for (const res of [
    await call({ url: '/open' }),
    await call({ headers: bearer }),
    await call({}),
    await call({ headers: { host: 'evil.example' } }),
  ]) {
    assert.deepEqual(directives(String(res.headers['content-security-policy'])), expectedCsp);
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
  }
});

test('a configured token is never accepted in another place than the header', async () => {
  assert.equal((await call({ url: `/api/thing?token=${TOKEN}` })).statusCode, 401);
  assert.equal((await call({ headers: { cookie: `token=${TOKEN}` } })).statusCode, 401);
});
