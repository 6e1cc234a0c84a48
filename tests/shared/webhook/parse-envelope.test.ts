// Decoding a verified body: strict UTF-8 (through the fast lenient decoder and
// the strict one where they can differ), JSON, an object. Runs under Bun and Deno.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeJsonObject } from "../../../shared/webhook/parse-envelope.ts";

const bytes = (...parts: (string | number[])[]) => {
  const chunks = parts.map((p) => typeof p === "string" ? new TextEncoder().encode(p) : p);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

describe("decodeJsonObject()", () => {
  test("decodeJsonObject() keeps a body that carries U+FFFD and other non-ASCII text itself", () => {
    const name = "Jos\u00e9 \uFFFD \u4e2d\u6587 \u{1F600}";
    const r = decodeJsonObject(bytes(JSON.stringify({ displayName: name })));
    assert.deepEqual(r, { ok: true, json: { displayName: name } });
  });

  test("decodeJsonObject() refuses bytes that are not UTF-8, with or without a real U+FFFD beside them", () => {
    const notUtf8 = { ok: false, message: "Body is not valid UTF-8" };
    assert.deepEqual(decodeJsonObject(bytes('{"a":"', [0xff], '"}')), notUtf8);
    assert.deepEqual(decodeJsonObject(bytes('{"a":"\uFFFD', [0xc3, 0x28], '"}')), notUtf8);
    // A truncated sequence at the very end: a lenient decoder would end the text in U+FFFD.
    assert.deepEqual(decodeJsonObject(bytes('{"a":1}', [0xe2, 0x82])), notUtf8);
  });

  test("decodeJsonObject() refuses text that is not JSON or not an object", () => {
    assert.deepEqual(decodeJsonObject(bytes("{")), {
      ok: false,
      message: "Body is not valid JSON",
    });
    assert.deepEqual(decodeJsonObject(bytes("[1]")), {
      ok: false,
      message: "Body must be a JSON object",
    });
  });
});
