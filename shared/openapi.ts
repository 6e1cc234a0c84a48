/**
 * A small OpenAPI 3.1 document builder over zod 4's own `z.toJSONSchema`
 * (JSON Schema 2020-12, the dialect OpenAPI 3.1 uses). Each route is described
 * once, next to the zod schemas its handler validates with and answers in, so
 * the document cannot drift from the code; the handlers keep validating as they
 * do (the signed routes verify their raw bytes before any parsing).
 *
 * @module
 */
import { z } from "zod";

/** One answer of an operation: its schema per content type, and documented headers. */
export interface ApiResponse {
  description: string;
  /** Content type → schema of the body (`z.string()` for text and HTML). */
  content?: Record<string, z.ZodType>;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
}

/** One route, as {@linkcode openApiDocument} turns it into an operation. */
export interface ApiOperation {
  method: "get" | "post";
  /** Hono's path; its `:name` segments become OpenAPI's `{name}`, described by {@linkcode ApiOperation.params}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** Alternatives, any one suffices; `[]` is open. */
  security?: Record<string, string[]>[];
  /** The path parameters' schema: each property becomes one `in: path` parameter. */
  params?: z.ZodObject;
  /** The query string's schema: each property becomes one `in: query` parameter. */
  query?: z.ZodObject;
  /** Request headers the route reads besides its security schemes. */
  headers?: Record<string, { description: string; required: boolean; schema: z.ZodType }>;
  /** The request body; `required: false` when every field has a default. */
  body?: { contentType: string; schema: z.ZodType; description?: string; required?: boolean };
  /** Status code → answer. */
  responses: Record<string, ApiResponse>;
}

/** What {@linkcode openApiDocument} needs besides the operations. */
export interface ApiInfo {
  title: string;
  version: string;
  description: string;
  servers?: { url: string; description: string }[];
  securitySchemes?: Record<string, Record<string, unknown>>;
}

/** The version of the HTTP contract (not of the package): raised when a route changes incompatibly. */
export const API_VERSION = "1.0.0";

type JsonSchema = Record<string, unknown>;

/**
 * A zod schema as an OpenAPI 3.1 schema object: requests as the handler
 * accepts them (`io: "input"`), answers as it produces them (`"output"`).
 *
 * @example
 * ```ts
 * schemaObject(z.object({ a: z.string() }), "input"); // { type: "object", properties: … }
 * ```
 */
export function schemaObject(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as JsonSchema;
  delete json.$schema; // the document's jsonSchemaDialect says it once
  return json;
}

/** Hono's `/people/:key` as OpenAPI's `/people/{key}`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z_]\w*)/g, "{$1}");

function parameters(op: ApiOperation): JsonSchema[] {
  const out: JsonSchema[] = [];
  const named = [...op.path.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => m[1]!);
  const given = Object.keys(op.params?.shape ?? {});
  if (named.join() !== given.join()) {
    throw new TypeError(`${op.path}: params describe [${given}], the path names [${named}]`);
  }
  for (const [name, schema] of Object.entries(op.params?.shape ?? {})) {
    out.push({
      name,
      in: "path",
      required: true,
      schema: schemaObject(schema as z.ZodType, "input"),
    });
  }
  const shape = op.query?.shape ?? {};
  const required = new Set((op.query && schemaObject(op.query, "input").required) as string[]);
  for (const [name, schema] of Object.entries(shape)) {
    out.push({
      name,
      in: "query",
      required: required.has(name),
      schema: schemaObject(schema as z.ZodType, "input"),
    });
  }
  for (const [name, h] of Object.entries(op.headers ?? {})) {
    out.push({
      name,
      in: "header",
      description: h.description,
      required: h.required,
      schema: schemaObject(h.schema, "input"),
    });
  }
  return out;
}

function responses(op: ApiOperation): JsonSchema {
  const out: JsonSchema = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const entry: JsonSchema = { description: r.description };
    if (r.content) {
      entry.content = Object.fromEntries(
        Object.entries(r.content).map(([type, s]) => [type, { schema: schemaObject(s, "output") }]),
      );
    }
    if (r.headers) {
      entry.headers = Object.fromEntries(
        Object.entries(r.headers).map((
          [name, h],
        ) => [name, { description: h.description, schema: schemaObject(h.schema, "output") }]),
      );
    }
    out[status] = entry;
  }
  return out;
}

function operation(op: ApiOperation): JsonSchema {
  const params = parameters(op);
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.tags ? { tags: op.tags } : {}),
    ...(op.security ? { security: op.security } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body
      ? {
        requestBody: {
          required: op.body.required ?? true,
          ...(op.body.description ? { description: op.body.description } : {}),
          content: { [op.body.contentType]: { schema: schemaObject(op.body.schema, "input") } },
        },
      }
      : {}),
    responses: responses(op),
  };
}

/**
 * Builds the OpenAPI 3.1 document of a set of routes.
 *
 * @param info title, version, description, servers and security schemes
 * @param operations the routes
 * @returns the document, as plain JSON
 * @throws {TypeError} when two operations share a method and path, or a path's
 *   `:name` segments and its params differ
 *
 * @example
 * ```ts
 * const doc = openApiDocument({ title: "edge", version: "1", description: "…" }, webhookOperations());
 * doc.paths["/api/v1/scim/webhook"].post.operationId; // "receiveWebhook"
 * ```
 */
export function openApiDocument(
  info: ApiInfo,
  operations: readonly ApiOperation[],
): Record<string, unknown> & { paths: Record<string, Record<string, JsonSchema>> } {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of [...operations].sort((a, b) => a.path.localeCompare(b.path))) {
    const item = (paths[openApiPath(op.path)] ??= {});
    if (item[op.method]) {
      throw new TypeError(`${op.method.toUpperCase()} ${op.path} is described twice`);
    }
    item[op.method] = operation(op);
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: { title: info.title, version: info.version, description: info.description },
    ...(info.servers ? { servers: info.servers } : {}),
    paths,
    components: { securitySchemes: info.securitySchemes ?? {} },
  };
}

/**
 * The `METHOD path` pairs a Hono app serves (middleware, registered as `ALL`, left out),
 * for comparing an app with its document.
 *
 * @example
 * ```ts
 * servedRoutes(app.routes); // ["GET /health", "POST /api/v1/scim/sync", …]
 * ```
 */
export function servedRoutes(routes: readonly { method: string; path: string }[]): string[] {
  const set = new Set(routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`));
  return [...set].sort();
}

/**
 * The `METHOD path` pairs a document describes, in Hono's spelling (`{key}` as `:key`).
 *
 * @example
 * ```ts
 * documentedRoutes(doc); // ["POST /api/v1/scim/webhook"]
 * ```
 */
export function documentedRoutes(
  doc: { paths: Record<string, Record<string, unknown>> },
): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => {
      const hono = path.replace(/\{([^}]+)\}/g, ":$1");
      return Object.keys(item).map((m) => `${m.toUpperCase()} ${hono}`);
    })
    .sort();
}
