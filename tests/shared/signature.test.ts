import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { signScimBody, verifyScimSignature } from "../../shared/signature.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("signScimBody() and verifyScimSignature()", () => {
  test("signScimBody() matches an HMAC-SHA256 computed by another implementation", async () => {
    const body = '{"event":"user.updated"}';
    const expected = `sha256=${createHmac("sha256", "k".repeat(20)).update(body).digest("hex")}`;
    assert.equal(await signScimBody("k".repeat(20), body), expected);
  });

  test("signScimBody() matches RFC 4231 test case 2", async () => {
    const sig = await signScimBody("Jefe", "what do ya want for nothing?");
    assert.equal(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });

  test("verifyScimSignature() is true for the right secret among several and false otherwise", async () => {
    const body = enc("payload");
    const sig = await signScimBody("second-secret-xxxxxx", body);
    assert.equal(await verifyScimSignature(sig, body, ["first-secret-xxxxxxx", "second-secret-xxxxxx"]), true);
    assert.equal(await verifyScimSignature(sig, body, ["first-secret-xxxxxxx"]), false);
  });

  test("verifyScimSignature() is false, never throws, for malformed headers", async () => {
    for (const h of [null, undefined, "", "sha256=", "sha256=zz", "SHA256=" + "a".repeat(64), "sha256=" + "A".repeat(64), "sha256=" + "a".repeat(63), " sha256=" + "a".repeat(64)]) {
      assert.equal(await verifyScimSignature(h, enc("x"), ["s".repeat(16)]), false, String(h));
    }
  });

  test("verifyScimSignature() throws a TypeError when no secret is configured", async () => {
    await assert.rejects(verifyScimSignature("sha256=" + "a".repeat(64), enc("x"), []), TypeError);
  });
});

describe("runtime neutrality", () => {
  test("shared/ and edge/ use no Bun, node: or process APIs (edge/main.ts alone may use Deno)", () => {
    const root = new URL("../..", import.meta.url).pathname;
    for (const dir of ["shared", "edge"]) {
      for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith(".ts"))) {
        const src = readFileSync(join(root, dir, file), "utf8").replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, "");
        assert.doesNotMatch(src, /\bBun\./, `${dir}/${file} uses Bun`);
        assert.doesNotMatch(src, /from\s+["']node:/, `${dir}/${file} imports node:`);
        assert.doesNotMatch(src, /\bprocess\./, `${dir}/${file} uses process`);
        if (!(dir === "edge" && file === "main.ts")) assert.doesNotMatch(src, /\bDeno\./, `${dir}/${file} uses Deno`);
      }
    }
  });
});
