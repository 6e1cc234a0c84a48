// The "read limited → verify → decode" middleware both signed routes mount:
// checks in that order, the handler sees only verified, decoded bodies.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { signedBody, type SignedBodyOptions } from "../../../shared/webhook/signed-body.ts";

const TOKEN = "let-me-in";

/** An app whose check accepts the header `x-token: let-me-in` and echoes what the handler sees. */
function app(over: Partial<SignedBodyOptions<string>> = {}) {
  const seen: { verified: Uint8Array[]; refused: string[] } = { verified: [], refused: [] };
  const a = new Hono();
  a.post(
    "/in",
    signedBody<string>({
      maxBytes: 64,
      verify: async (headers, bytes) => {
        seen.verified.push(bytes);
        return headers.get("x-token") === TOKEN
          ? { ok: true, value: "caller-a" }
          : { ok: false, reason: "no token" };
      },
      onRefused: (reason) => seen.refused.push(reason),
      ...over,
    }),
    (c) => {
      const { json, verified, bytes } = c.get("signedBody");
      return c.json({ json, verified, size: bytes.byteLength });
    },
  );
  a.onError((
    err,
    c,
  ) => (err instanceof HTTPException
    ? c.json({ error: err.message }, err.status)
    : c.text("", 500))
  );
  return { app: a, seen };
}

const send = (a: Hono, body: BodyInit, headers: Record<string, string> = { "x-token": TOKEN }) =>
  a.request("/in", { method: "POST", body, headers });

describe("signedBody()", () => {
  test("signedBody() hands the handler the decoded object, the verified value and the exact bytes", async () => {
    const { app: a, seen } = app();
    const res = await send(a, '{"a":1}');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { json: { a: 1 }, verified: "caller-a", size: 7 });
    assert.equal(new TextDecoder().decode(seen.verified[0]), '{"a":1}');
  });

  test("signedBody() answers 413 past maxBytes counted while streaming, before any check", async () => {
    const { app: a, seen } = app();
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new TextEncoder().encode("x".repeat(20)));
        c.close();
      },
    });
    assert.equal((await send(a, chunks)).status, 413);
    assert.equal(seen.verified.length, 0);
  });

  test("signedBody() answers 401 and tells onRefused the reason when the check fails, without decoding", async () => {
    const { app: a, seen } = app();
    const res = await send(a, "not json at all", { "x-token": "wrong" });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: "Invalid webhook signature" });
    assert.deepEqual(seen.refused, ["no token"]);
  });

  test("signedBody() answers 400 to a verified body that is not UTF-8 or not a JSON object", async () => {
    const { app: a } = app();
    assert.equal((await send(a, new Uint8Array([0x7b, 0xff, 0x7d]))).status, 400);
    assert.equal((await send(a, "[1,2]")).status, 400);
    assert.equal((await send(a, "{")).status, 400);
  });

  test("signedBody() throws a RangeError for a limit that is not a positive integer", () => {
    assert.throws(() => app({ maxBytes: 0 }), RangeError);
    assert.throws(() => app({ maxBytes: 1.5 }), RangeError);
  });
});
