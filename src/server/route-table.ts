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
