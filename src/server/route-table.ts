import type { FastifyInstance, RouteOptions } from 'fastify';

/** One route as the router holds it: what access control and the method check decide on. */
export interface RouteEntry {
  method: string;
  url: string;
  /** reachable without the API token (see markRoutesPublic) */
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** every route registered so far, one entry per method (HEAD included) */
    routeTable(): RouteEntry[];
  }
}

/**
 * Records every route the application registers, so the routes (not a hand-kept list) drive the
 * method check and the access tests. Call before registering routes.
 */
export function addRouteTable(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  // read lazily: a child scope's onRoute hook (markRoutesPublic) may replace route.config after ours
  app.decorate('routeTable', () =>
    routes.flatMap((r) =>
      (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({
        method,
        url: r.url,
        public: (r.config as { public?: boolean } | undefined)?.public === true,
      })),
    ),
  );
}

/** A route's URL as a regular expression over a request path (`:param` is one segment, even empty, as the router has it). */
function pathPattern(url: string): RegExp {
  const segments = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]*' : seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}$`);
}

/**
 * The methods the routes serve on this request path (HEAD with GET), for a 405's `Allow`; [] when no
 * route has the path. Catch-all routes (the page's static files) are left out: for them every path
 * exists, so they would make any unknown path a 405 rather than a 404.
 */
export function allowedMethods(routes: RouteEntry[], path: string): string[] {
  let decoded = path;
  try {
    decoded = decodeURI(path); // as the router matches: %6D is m, %2F stays a character of a segment
  } catch {
    // malformed percent-encoding: match it as written
  }
  const methods = routes
    .filter((r) => !r.url.includes('*') && pathPattern(r.url).test(decoded))
    .map((r) => r.method);
  return [...new Set(methods)].sort();
}
