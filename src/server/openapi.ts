import type { FastifyInstance, RouteOptions } from 'fastify';
import { errorJsonSchema } from './http-error.ts';

/** Extra OpenAPI fields a route can give in `config.openapi` (for multipart bodies and binary answers). */
export interface RouteDocs {
  requestBody?: Record<string, unknown>;
  responses?: Record<string, Record<string, unknown>>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    openapi?: RouteDocs;
  }
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: readonly string[];
    hide?: boolean;
  }
}

type JsonSchema = { properties?: Record<string, unknown>; required?: readonly string[] };

function parameters(schema: JsonSchema | undefined, where: 'path' | 'query') {
  return Object.entries(schema?.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s as { description?: string };
    return {
      name,
      in: where,
      required: where === 'path' || !!schema?.required?.includes(name),
      description,
      schema: rest,
    };
  });
}

const STATUS_TEXT: Record<string, string> = {
  '200': 'OK',
  '202': 'Accepted',
  '204': 'No content',
  '206': 'Partial content',
  '400': 'Bad request: the error says what is wrong',
  '401': 'API token missing or wrong: send `Authorization: Bearer <token>`',
  '403': 'Cross-site request or foreign Host',
  '404': 'Not found',
  '413': 'Too large',
  '415': 'Unsupported media type',
  '416': 'Range not satisfiable',
  '422': 'Undecodable content',
  '429': 'Too many progress streams',
  '503': 'Busy; retry after the Retry-After header',
};

/** The name of the bearer scheme in `components.securitySchemes`. */
const BEARER = 'bearerToken';

/** Methods whose request body Fastify reads: a body of a type no route takes is refused (415). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Response = {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: unknown }>;
};

type Operation = {
  summary?: string;
  description?: string;
  tags?: readonly string[];
  security?: Array<Record<string, string[]>>;
  parameters: ReturnType<typeof parameters>;
  requestBody?: unknown;
  responses: Record<string, Response>;
};

const errorAnswer = (description: string, headers?: Record<string, unknown>): Response => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: errorJsonSchema } },
});

const header = (description: string) => ({ description, schema: { type: 'string' } });

/**
 * What any route can answer before its handler runs (src/server/access.ts, Fastify's validation
 * and body parsing), so no route has to list it: 403 for a foreign Host (and a cross-site POST or
 * DELETE), 401 without the token on a private route, 400 for a parameter that does not match its
 * schema, 415 for a body a route does not take, 503 once the server is shutting down.
 */
function refusals(route: RouteOptions, method: string, secured: boolean): Record<string, Response> {
  const schema = route.schema ?? {};
  const changesState = BODY_METHODS.has(method);
  return {
    ...(schema.params || schema.querystring
      ? { '400': errorAnswer('A path or query parameter does not match its schema') }
      : {}),
    ...(secured
      ? {
          '401': errorAnswer('API token missing or wrong: send `Authorization: Bearer <token>`', {
            'WWW-Authenticate': header('`Bearer realm="polypseg"`'),
          }),
        }
      : {}),
    '403': errorAnswer(
      changesState
        ? 'The Host header names another server (`--allowed-host`), or a browser sent this from another origin (`--allowed-origin`)'
        : 'The Host header names another server (`--allowed-host`)',
    ),
    ...(changesState ? { '415': errorAnswer('A request body of a type this route does not take') } : {}),
    '503': errorAnswer('The server is shutting down; retry after Retry-After seconds'),
  };
}

/** Responses in status order (the document and the docs page read top to bottom). */
const byStatus = (responses: Record<string, Response>) =>
  Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));

function operation(route: RouteOptions, method: string, bearer: boolean): Operation {
  const schema = route.schema ?? {};
  const docs = route.config?.openapi ?? {};
  const responses: Operation['responses'] = {};
  for (const [status, body] of Object.entries((schema.response ?? {}) as Record<string, unknown>)) {
    const { description, ...rest } = body as { description?: string; type?: unknown };
    responses[status] = {
      description: description ?? STATUS_TEXT[status] ?? status,
      // a `null` body (204) is no body
      ...(rest.type === 'null' ? {} : { content: { 'application/json': { schema: rest } } }),
    };
  }
  for (const [status, extra] of Object.entries(docs.responses ?? {}))
    responses[status] = { ...responses[status], ...(extra as Response) };
  // private unless the route's plugin marked it public (access.ts): then it needs the token, if one is set
  const secured = bearer && route.config?.public !== true;
  for (const [status, answer] of Object.entries(refusals(route, method, secured)))
    responses[status] ??= answer;
  // busy() always says when to come back
  if (responses['503']) responses['503'].headers ??= { 'Retry-After': header('seconds') };
  const body =
    docs.requestBody ??
    (schema.body ? { required: true, content: { 'application/json': { schema: schema.body } } } : undefined);
  return {
    summary: schema.summary,
    description: schema.description,
    tags: schema.tags,
    ...(secured ? { security: [{ [BEARER]: [] }] } : {}),
    parameters: [
      ...parameters(schema.params as JsonSchema, 'path'),
      ...parameters(schema.querystring as JsonSchema, 'query'),
    ],
    ...(body ? { requestBody: body } : {}),
    responses: byStatus(responses),
  };
}

/**
 * The OpenAPI request body of an upload: multipart/form-data with one file field, which must not
 * be empty (400 `empty_file`), at most `maxBytes` long (413) and of one of `types`, recognised by
 * its content whatever the part's Content-Type says (415).
 */
export function uploadBody(
  schema: Record<string, unknown>,
  field: string,
  maxBytes: number,
  types: readonly string[],
) {
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  const withLimit = {
    ...schema,
    properties: { ...properties, [field]: { ...properties[field], maxLength: maxBytes } },
  };
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: withLimit,
        encoding: { [field]: { contentType: types.join(', ') } },
      },
    },
  };
}

/** The document's named schemas, by title. */
type Components = Record<string, unknown>;

/**
 * `node` with every titled schema (each of src/api/schemas.ts's, which give their name as `title`)
 * replaced by a `$ref` to its entry in `components`: the document names the API's types (JobView,
 * Polyp, Error...) once instead of repeating them in every operation.
 */
function hoist<T>(node: T, components: Components): T {
  if (Array.isArray(node)) return node.map((n: unknown) => hoist(n, components)) as T;
  if (!node || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, hoist(v, components)]));
  const { title } = node as { title?: unknown };
  if (typeof title !== 'string' || !('type' in node)) return out as T;
  components[title] ??= out;
  return { $ref: `#/components/schemas/${title}` } as T;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Components; securitySchemes?: Record<string, unknown> };
}

export interface OpenApiOptions {
  info: OpenApiDocument['info'];
  /** the server has an API token: private routes declare the bearer scheme and their 401 */
  bearer: boolean;
}

/** What applies to every path, for the document's description. */
const GENERAL = [
  'Every error is `{"error":{"code","message"}}` (the `Error` schema), its `code` naming the status or the reason.',
  'A method a path does not list answers 405 with an `Allow` header naming the methods it does.',
];

/**
 * Collects every route registered after this call that has a schema (and no `hide`), and builds
 * an OpenAPI 3.1 document from the same JSON schemas Fastify validates with (generated from
 * src/api/schemas.ts), so the document cannot drift from the routes. Access (public or private) is
 * read from each route's config when the document is first built, after every plugin has run.
 */
export function collectOpenApi(app: FastifyInstance, options: OpenApiOptions) {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    if (route.schema && !route.schema.hide) routes.push(route);
  });
  let doc: OpenApiDocument | undefined;
  return (): OpenApiDocument => {
    if (doc) return doc;
    const paths: OpenApiDocument['paths'] = {};
    const schemas: Components = {};
    for (const route of routes) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter(
        (m) => m !== 'HEAD',
      );
      for (const method of methods)
        (paths[path] ??= {})[method.toLowerCase()] = hoist(operation(route, method, options.bearer), schemas);
    }
    const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
    const security = options.bearer
      ? 'This server needs an API token on every operation that lists the `bearerToken` security scheme: send `Authorization: Bearer <token>` (the web page asks for it once and keeps it for the tab).'
      : 'This server has no API token: no operation needs one.';
    doc = {
      openapi: '3.1.0',
      info: { ...options.info, description: [options.info.description, security, ...GENERAL].join(' ') },
      paths,
      components: {
        schemas: sorted,
        ...(options.bearer
          ? {
              securitySchemes: {
                [BEARER]: {
                  type: 'http',
                  scheme: 'bearer',
                  description:
                    "the server's API token (`--api-token-file`, `POLYPSEG_API_TOKEN`), sent as `Authorization: Bearer <token>`",
                },
              },
            }
          : {}),
      },
    };
    return doc;
  };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Escaped text with `code` spans. */
const inline = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');

type SchemaNode = { $ref?: string; type?: unknown; properties?: Record<string, SchemaNode> };

/** "JobView: id string, status string, …" for a JSON answer's object schema, else ''. */
function fields(doc: OpenApiDocument, content: Record<string, { schema?: unknown }> = {}) {
  let schema = content['application/json']?.schema as SchemaNode | undefined;
  const name = schema?.$ref?.split('/').pop();
  if (name) schema = doc.components.schemas[name] as SchemaNode;
  const props = schema?.properties;
  if (!props) return '';
  const list = Object.entries(props)
    .map(([k, v]) => {
      const type = v.$ref ? v.$ref.split('/').pop() : v.type && [v.type].flat().join('|');
      return `<code>${escapeHtml(k)}</code>${type ? ` <small>${escapeHtml(String(type))}</small>` : ''}`;
    })
    .join(', ');
  return `<br><small>${name ? `<code>${escapeHtml(name)}</code> ` : ''}fields:</small> ${list}`;
}

/** A self-contained HTML page describing the API (no scripts, no CDN). */
export function renderDocsPage(doc: OpenApiDocument): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const params = op.parameters
        .map(
          (p) =>
            `<li><code>${escapeHtml(p.name)}</code> (${p.in}${p.required ? ', required' : ''})${p.description ? ` — ${inline(p.description)}` : ''}</li>`,
        )
        .join('');
      const responses = Object.entries(op.responses)
        .map(
          ([status, r]) =>
            `<li><code>${status}</code> ${inline(r.description)} <small>${Object.keys(r.content ?? {}).join(', ')}${r.headers ? ` · headers: ${Object.keys(r.headers).join(', ')}` : ''}</small>${status.startsWith('2') ? fields(doc, r.content) : ''}</li>`,
        )
        .join('');
      const body = op.requestBody
        ? `<p>Body: <code>${Object.keys((op.requestBody as { content: object }).content).join(', ')}</code></p>`
        : '';
      return `<section><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>
<p>${inline(op.summary ?? '')}</p>${op.description ? `<p>${inline(op.description)}</p>` : ''}${op.security ? '<p><strong>Needs the API token</strong>: <code>Authorization: Bearer &lt;token&gt;</code></p>' : ''}
${params ? `<h3>Parameters</h3><ul>${params}</ul>` : ''}${body}<h3>Responses</h3><ul>${responses}</ul></section>`;
    }),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.info.title)} — API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2733}
h1{margin-bottom:0}section{border-top:1px solid #d8dee6;padding:.5rem 0}h2{font-size:1.05rem}h3{font-size:.95rem;margin:.5rem 0 0}
.m{display:inline-block;min-width:4.5rem;padding:0 .4rem;border-radius:4px;color:#fff;font-size:.85rem;text-align:center}
.get{background:#2f6f9f}.post{background:#2e7d4f}.delete{background:#a33}code{background:#f1f4f8;padding:0 .25rem;border-radius:3px}</style></head>
<body><main><h1>${escapeHtml(doc.info.title)} API <small>v${escapeHtml(doc.info.version)}</small></h1>
<p>${inline(doc.info.description)}</p><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
${ops.join('\n')}</main></body></html>`;
}
