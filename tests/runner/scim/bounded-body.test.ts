// Reading a bounded response body: one decode of the whole body, whatever its chunks.
import { describe, expect, test } from "bun:test";
import { readBoundedText } from "../../../runner/scim/bounded-body.ts";

function chunked(parts: Uint8Array[]): Response {
  return new Response(
    new ReadableStream({
      start(c) {
        for (const p of parts) c.enqueue(p);
        c.close();
      },
    }),
  );
}

describe("readBoundedText()", () => {
  test("readBoundedText() decodes a character split across chunks", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ name: "Dédé 🙂 Ñ" }));
    const parts = [bytes.slice(0, 11), bytes.slice(11, 12), bytes.slice(12, 17), bytes.slice(17)];
    const text = await readBoundedText(chunked(parts), 1024, "GET /Users");
    expect(JSON.parse(text)).toEqual({ name: "Dédé 🙂 Ñ" });
  });

  test("readBoundedText() reads a body of a declared length within the cap, over real HTTP", async () => {
    const body = JSON.stringify({ Resources: [{ id: "u1", name: "Dédé" }] });
    const server = Bun.serve({ port: 0, fetch: () => new Response(body) });
    try {
      const res = await fetch(`http://localhost:${server.port}/Users`);
      expect(Number(res.headers.get("content-length"))).toBeGreaterThan(0);
      expect(await readBoundedText(res, 1024, "GET /Users")).toBe(body);
    } finally {
      server.stop(true);
    }
  });

  test("readBoundedText() returns a single chunk's text and an empty body as empty", async () => {
    expect(await readBoundedText(chunked([new TextEncoder().encode("ok")]), 10, "GET /")).toBe(
      "ok",
    );
    expect(await readBoundedText(chunked([]), 10, "GET /")).toBe("");
  });
});
