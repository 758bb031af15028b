import type { FastifyInstance, RouteOptions } from 'fastify';

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
  '400': 'Bad request',
  '401': 'API token missing or wrong',
  '403': 'Cross-site request or foreign Host',
  '404': 'Not found',
  '413': 'Too large',
  '415': 'Unsupported media type',
  '416': 'Range not satisfiable',
  '422': 'Undecodable content',
  '429': 'Too many progress streams',
  '503': 'Busy; retry after the Retry-After header',
};

type Operation = {
  summary?: string;
  description?: string;
  tags?: readonly string[];
  parameters: ReturnType<typeof parameters>;
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
};

function operation(route: RouteOptions): Operation {
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
  Object.assign(responses, docs.responses ?? {});
  const body =
    docs.requestBody ??
    (schema.body ? { required: true, content: { 'application/json': { schema: schema.body } } } : undefined);
  return {
    summary: schema.summary,
    description: schema.description,
    tags: schema.tags,
    parameters: [
      ...parameters(schema.params as JsonSchema, 'path'),
      ...parameters(schema.querystring as JsonSchema, 'query'),
    ],
    ...(body ? { requestBody: body } : {}),
    responses,
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
  components: { schemas: Components };
}

/**
 * Collects every route registered after this call that has a schema (and no `hide`), and builds
 * an OpenAPI 3.1 document from the same JSON schemas Fastify validates with (generated from
 * src/api/schemas.ts), so the document cannot drift from the routes.
 */
export function collectOpenApi(app: FastifyInstance, info: OpenApiDocument['info']) {
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
        (paths[path] ??= {})[method.toLowerCase()] = hoist(operation(route), schemas);
    }
    const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
    doc = { openapi: '3.1.0', info, paths, components: { schemas: sorted } };
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
            `<li><code>${status}</code> ${inline(r.description)} <small>${Object.keys(r.content ?? {}).join(', ')}</small>${status.startsWith('2') ? fields(doc, r.content) : ''}</li>`,
        )
        .join('');
      const body = op.requestBody
        ? `<p>Body: <code>${Object.keys((op.requestBody as { content: object }).content).join(', ')}</code></p>`
        : '';
      return `<section><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>
<p>${inline(op.summary ?? '')}</p>${op.description ? `<p>${inline(op.description)}</p>` : ''}
${params ? `<h3>Parameters</h3><ul>${params}</ul>` : ''}${body}<h3>Responses</h3><ul>${responses}</ul></section>`;
    }),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.info.title)} — API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2733}
h1{margin-bottom:0}section{border-top:1px solid #d8dee6;padding:.5rem 0}h2{font-size:1.05rem}h3{font-size:.95rem;margin:.5rem 0 0}
.m{display:inline-block;min-width:4.5rem;padding:0 .4rem;border-radius:4px;color:#fff;font-size:.85rem;text-align:center}
.get{background:#2f6f9f}.post{background:#2e7d4f}.delete{background:#a33}code{background:#f1f4f8;padding:0 .25rem;border-radius:3px}</style></head>
<body><h1>${escapeHtml(doc.info.title)} API <small>v${escapeHtml(doc.info.version)}</small></h1>
<p>${escapeHtml(doc.info.description)}</p><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Errors are always <code>{"error":{"code","message"}}</code>.</p>
${ops.join('\n')}</body></html>`;
}
