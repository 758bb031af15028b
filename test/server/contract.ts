// Checks real answers against the served OpenAPI document: the operation must list the status, the
// content type and the headers, and a JSON body must match the schema (Ajv, JSON Schema 2020-12, the
// dialect of OpenAPI 3.1). A helper for tests; it knows nothing of the routes but what the document says.
import assert from 'node:assert/strict';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { OpenApiDocument } from '../../src/server/openapi.ts';

/** One answer as a client saw it. */
export interface Observed {
  method: string;
  /** the request path as sent (no query) */
  path: string;
  status: number;
  /** lower-case header names */
  headers: Record<string, string>;
  body: Buffer;
}

type Operation = OpenApiDocument['paths'][string][string];
type Response = Operation['responses'][string] & { headers?: Record<string, unknown> };

// a parameter matches what the router gives a route: any segment, even an empty one (then it is a 400)
const pathPattern = (template: string) =>
  new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]*')}$`);

const COMPONENTS = 'urn:polypseg:components';

/** `#/components/schemas/X` as a reference into the components, added to Ajv once as their own schema. */
const shared = (node: unknown): unknown =>
  JSON.parse(JSON.stringify(node).replaceAll('"#/components/schemas/', `"${COMPONENTS}#/$defs/`));

/** Headers a client acts on: when an answer has one, its operation must document it. */
const NOTABLE_HEADERS = ['location', 'retry-after', 'www-authenticate', 'content-range'];

export interface Contract {
  /** the path template and operation a request reaches (operation undefined: the method is not listed) */
  find(method: string, path: string): { template: string; operation?: Operation } | undefined;
  /** Ajv-compiles every schema in the document (strict: unknown keywords and formats are errors) */
  compileAll(): number;
  /** fails with what differs when the answer is not one the document describes */
  check(answer: Observed): void;
  /** `method template status` of every answer checked so far */
  readonly seen: Set<string>;
}

export function contract(doc: OpenApiDocument): Contract {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  // OpenAPI's format for file bytes; the other annotations (contentMediaType...) are standard 2020-12
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: COMPONENTS, $defs: shared(doc.components.schemas) });
  const cache = new Map<string, ValidateFunction>();
  /** one compiled validator per distinct schema (most answers share a few: Error, JobView...) */
  const validator = (schema: unknown) => {
    const key = JSON.stringify(schema);
    let v = cache.get(key);
    if (!v) {
      v = ajv.compile(shared(schema) as object);
      cache.set(key, v);
    }
    return v;
  };
  const templates = Object.keys(doc.paths).map((t) => [t, pathPattern(t)] as const);
  const seen = new Set<string>();

  const find: Contract['find'] = (method, path) => {
    const template = templates.find(([, re]) => re.test(path))?.[0];
    if (!template) return undefined;
    const m = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    return { template, operation: doc.paths[template]![m] };
  };

  /** The generic codes and the one status each names: a 403 must not say `bad_request`. */
  const GENERIC: Record<string, number> = {
    bad_request: 400,
    unauthorized: 401,
    forbidden: 403,
    not_found: 404,
    method_not_allowed: 405,
    too_large: 413,
    unsupported_media_type: 415,
    range_not_satisfiable: 416,
    undecodable: 422,
    too_many_requests: 429,
    internal_error: 500,
    busy: 503,
  };
  const codeAgrees = (answer: Observed, where: string) => {
    const { code } = (JSON.parse(answer.body.toString('utf8')) as { error: { code: string } }).error;
    const named = GENERIC[code];
    assert.ok(named === undefined || named === answer.status, `${where}: code ${code} names status ${named}`);
  };

  /** The Error schema for answers no operation describes (unknown paths and methods). */
  const checkError = (answer: Observed, where: string) => {
    assert.match(answer.headers['content-type'] ?? '', /^application\/json/, `${where}: an Error is JSON`);
    const v = validator({ $ref: '#/components/schemas/Error' });
    assert.ok(v(JSON.parse(answer.body.toString('utf8'))), `${where}: ${ajv.errorsText(v.errors)}`);
    codeAgrees(answer, where);
  };

  return {
    seen,
    find,
    compileAll() {
      const schemas = Object.values(doc.paths).flatMap((ops) =>
        Object.values(ops).flatMap((op) => {
          const body = op.requestBody as { content?: Record<string, { schema: unknown }> } | undefined;
          return [
            ...op.parameters.map((p) => p.schema),
            ...Object.values(body?.content ?? {}).map((c) => c.schema),
            ...Object.values(op.responses).flatMap((r) =>
              Object.values(r.content ?? {}).map((c) => c.schema),
            ),
          ];
        }),
      );
      for (const schema of schemas) validator(schema);
      return schemas.length;
    },
    check(answer) {
      const where = `${answer.method} ${answer.path} -> ${answer.status}`;
      const found = find(answer.method, answer.path);
      if (!found) {
        // a path no route has: not in the document, refused before any route (access control, 404)
        assert.ok(
          [401, 403, 404].includes(answer.status),
          `${where}: an unknown path answers 401, 403 or 404`,
        );
        seen.add(`${answer.method} (unknown path) ${answer.status}`);
        return checkError(answer, where);
      }
      const { template, operation } = found;
      if (!operation) {
        // a method the path does not list: 405 naming the listed ones (unless access control refused first)
        seen.add(`${answer.method} ${template} ${answer.status}`);
        assert.ok([401, 403, 405].includes(answer.status), `${where}: an unlisted method answers 405`);
        if (answer.status === 405) {
          const listed = Object.keys(doc.paths[template]!).map((m) => m.toUpperCase());
          if (listed.includes('GET')) listed.push('HEAD');
          assert.deepEqual(
            (answer.headers.allow ?? '').split(/,\s*/).sort(),
            listed.sort(),
            `${where}: Allow names the path's methods`,
          );
        }
        return checkError(answer, where);
      }
      const key = `${answer.method === 'HEAD' ? 'get' : answer.method.toLowerCase()} ${template} ${answer.status}`;
      seen.add(key);
      const response = operation.responses[String(answer.status)] as Response | undefined;
      assert.ok(
        response,
        `${where}: status ${answer.status} is not documented for ${key.replace(/ \d+$/, '')} (documented: ${Object.keys(operation.responses).join(', ')})`,
      );
      const documented = Object.keys(response.headers ?? {}).map((h) => h.toLowerCase());
      for (const name of documented)
        assert.ok(answer.headers[name] !== undefined, `${where}: header ${name} is documented, not sent`);
      for (const name of NOTABLE_HEADERS)
        if (answer.headers[name] !== undefined)
          assert.ok(documented.includes(name), `${where}: header ${name} is sent, not documented`);
      const content = response.content ?? {};
      const type = (answer.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (Object.keys(content).length === 0) {
        assert.equal(answer.body.length, 0, `${where}: the document says no body`);
        return;
      }
      assert.ok(
        type in content,
        `${where}: content type ${type || '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`,
      );
      if (answer.method === 'HEAD' || type !== 'application/json') return;
      const v = validator(content[type]!.schema);
      const body: unknown = JSON.parse(answer.body.toString('utf8'));
      assert.ok(v(body), `${where}: the body does not match the document: ${ajv.errorsText(v.errors)}`);
      if (answer.status >= 400) codeAgrees(answer, where);
    },
  };
}
