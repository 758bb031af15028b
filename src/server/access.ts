import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PolypsegError } from '../errors.ts';
import type { ServerConfig } from './config.ts';
import { HttpError } from './http-error.ts';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** reachable without the API token (set by `markRoutesPublic`; every other route needs it) */
    public?: boolean;
  }
}

/**
 * Marks every route registered in this plugin scope (and its children) as public: reachable without
 * the API token. Access is decided on the route the router picked, so a route is private unless its
 * plugin calls this, and no spelling of a URL (percent-encoding, dot segments...) changes the answer.
 */
export function markRoutesPublic(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true };
  });
}

/** True for a host the server only reaches from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The name part of a Host header or URL host: lower case, without port or IPv6 brackets. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.indexOf(':');
  return colon >= 0 && h.indexOf(':', colon + 1) < 0 ? h.slice(0, colon) : h;
}

/**
 * Which Host headers the server answers (against DNS rebinding, where a hostile page's own name
 * resolves to this server): loopback names, the bound host, the allowed origins' and allowed hosts'
 * names; on a wildcard bind also any IP literal (a literal cannot be re-pointed by DNS).
 */
export function hostPolicy(config: Pick<ServerConfig, 'host' | 'allowedOrigins' | 'allowedHosts'>) {
  const names = new Set([
    ...LOOPBACK_NAMES,
    ...config.allowedHosts.map(hostName),
    ...config.allowedOrigins.map((o) => hostName(new URL(o).host)),
  ]);
  const wildcard = WILDCARD_HOSTS.has(config.host);
  if (!wildcard) names.add(hostName(config.host));
  return (host: string | undefined): boolean => {
    if (!host) return false;
    const name = hostName(host);
    return names.has(name) || (wildcard && isIP(name) !== 0);
  };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Compares a presented bearer token with the configured one in constant time (both hashed first). */
export function tokenChecker(token: string): (header: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return timingSafeEqual(digest(m?.[1] ?? ''), expected) && m !== null;
  };
}

/**
 * Refuses to serve a non-loopback host without a token unless the operator opted out with
 * insecureNoAuth; returns the warning to print in that case.
 */
export function checkExposure(
  config: Pick<ServerConfig, 'host' | 'apiToken' | 'insecureNoAuth'>,
): string | null {
  if (config.apiToken || isLoopbackHost(config.host)) return null;
  if (!config.insecureNoAuth)
    throw new PolypsegError(
      `refusing to serve ${config.host} (reachable from other machines) without an API token: set --api-token-file, --api-token or POLYPSEG_API_TOKEN, or pass --insecure-no-auth to serve it unauthenticated`,
      'NO_TOKEN',
    );
  return `serving ${config.host} WITHOUT authentication (--insecure-no-auth): anyone who can reach it can upload and read results`;
}

const forbidden = (code: string, message: string) => new HttpError(403, code, message);

/** Same-origin check for a state-changing request: no Origin (not a browser) or an allowed one. */
export function originAllowed(req: FastifyRequest, allowed: Set<string>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.has(origin.toLowerCase())) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // 'null' (sandboxed frames, file:) and junk
  }
  return url.host === (req.headers.host ?? '').toLowerCase();
}

/**
 * Access rules, checked before any route: the Host header must name this server, a POST/DELETE
 * from a browser must come from the server's own origin (or an allowed one), and with a token
 * configured every request to a route not marked public (`markRoutesPublic`: the page, its assets,
 * /healthz and the API docs) must carry `Authorization: Bearer <token>`.
 */
export function addAccessControl(app: FastifyInstance, config: ServerConfig): void {
  const hostAllowed = hostPolicy(config);
  const origins = new Set(config.allowedOrigins.map((o) => o.toLowerCase()));
  const tokenOk = config.apiToken ? tokenChecker(config.apiToken) : null;
  app.addHook('onRequest', async (req) => {
    if (!hostAllowed(req.headers.host))
      throw forbidden(
        'host_not_allowed',
        'this server does not answer for the host named in the request (see --allowed-host)',
      );
    if (STATE_CHANGING.has(req.method) && !originAllowed(req, origins))
      throw forbidden(
        'origin_not_allowed',
        'cross-site request refused: the Origin is not this server (see --allowed-origin)',
      );
    // deny by default: decided on the routed request (what the handler will be), never on the raw URL;
    // a request no route matches reaches only the not-found handler, which needs the token too
    if (tokenOk && req.routeOptions.config?.public !== true && !tokenOk(req.headers.authorization))
      throw new HttpError(
        401,
        'unauthorized',
        'this server needs an API token: Authorization: Bearer <token>',
        {
          'www-authenticate': 'Bearer realm="polypseg"',
        },
      );
  });
}

/**
 * The page's Content-Security-Policy: only its own scripts, plus WebAssembly compilation
 * (onnxruntime-web), workers from the page or blob: URLs, images and video from data:/blob:
 * (masks, results fetched with the token, the camera), and no framing by other sites.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  // the API docs page carries its own <style>; the app sets style properties from script
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every answer: cross-origin isolation (threads for onnxruntime-web) and browser safety. */
const SECURITY_HEADERS: Record<string, string> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * Sets the security headers on every answer. They go on the raw response as the request arrives, so
 * answers written past Fastify's reply (event streams and other hijacked replies, which skip onSend)
 * carry them too; onSend sets them again for answers that replaced their headers.
 */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(name, value);
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
}
