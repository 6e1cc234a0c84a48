// The edge's OpenAPI document against the webhook app it describes, and the
// shared builder's refusals; runs under Bun and Deno.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import { documentedRoutes, openApiDocument, servedRoutes } from "../../../shared/openapi.ts";
import { createWebhookApp } from "../../../shared/webhook/app.ts";
import { edgeOpenApiDocument, webhookOperation } from "../../../shared/webhook/openapi.ts";

describe("edgeOpenApiDocument()", () => {
  test("edgeOpenApiDocument() describes exactly the routes the webhook app registers", () => {
    const app = createWebhookApp({
      secrets: ["webhook-secret-0123456789abcdef"],
      forward: async () => ({ ok: true, status: "success" }),
    });
    assert.deepEqual(documentedRoutes(edgeOpenApiDocument()), servedRoutes(app.routes));
  });

  test("edgeOpenApiDocument() generates the request body from the envelope schema the route parses", () => {
    const op = edgeOpenApiDocument().paths["/api/v1/scim/webhook"]?.post as {
      requestBody: { content: Record<string, { schema: { required: string[] } }> };
    };
    assert.deepEqual(op.requestBody.content["application/json"]?.schema.required, [
      "event",
      "resourceType",
      "resourceId",
    ]);
  });
});

describe("openApiDocument()", () => {
  test("openApiDocument() throws a TypeError when a method and path are described twice", () => {
    const info = { title: "t", version: "1", description: "d" };
    assert.throws(() => openApiDocument(info, [webhookOperation(), webhookOperation()]), TypeError);
  });

  test("openApiDocument() turns each property of the query schema into a query parameter", () => {
    const doc = openApiDocument({ title: "t", version: "1", description: "d" }, [{
      method: "get",
      path: "/x",
      operationId: "x",
      summary: "x",
      query: z.object({ a: z.string(), b: z.enum(["p", "q"]).optional() }),
      responses: { "200": { description: "ok" } },
    }]);
    assert.deepEqual(doc.paths["/x"]?.get?.parameters, [
      { name: "a", in: "query", required: true, schema: { type: "string" } },
      { name: "b", in: "query", required: false, schema: { type: "string", enum: ["p", "q"] } },
    ]);
  });
});
