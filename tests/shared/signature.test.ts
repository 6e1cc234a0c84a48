import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
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
    assert.equal(
      await verifyScimSignature(sig, body, ["first-secret-xxxxxxx", "second-secret-xxxxxx"]),
      true,
    );
    assert.equal(await verifyScimSignature(sig, body, ["first-secret-xxxxxxx"]), false);
  });

  test("verifyScimSignature() is false, never throws, for malformed headers", async () => {
    for (
      const h of [
        null,
        undefined,
        "",
        "sha256=",
        "sha256=zz",
        "SHA256=" + "a".repeat(64),
        "sha256=" + "A".repeat(64),
        "sha256=" + "a".repeat(63),
        " sha256=" + "a".repeat(64),
      ]
    ) {
      assert.equal(await verifyScimSignature(h, enc("x"), ["s".repeat(16)]), false, String(h));
    }
  });

  test("verifyScimSignature() reads every hex digit: one changed digit, or a character beside the hex ranges, is refused", async () => {
    const body = enc("payload");
    const secret = "s".repeat(16);
    const sig = await signScimBody(secret, body);
    const hex = sig.slice(7);
    for (let i = 0; i < 64; i++) {
      const other = hex[i] === "0" ? "1" : "0";
      const changed = `sha256=${hex.slice(0, i)}${other}${hex.slice(i + 1)}`;
      assert.equal(await verifyScimSignature(changed, body, [secret]), false, `digit ${i}`);
    }
    // The characters just outside 0-9 and a-f, and the uppercase that is not the format.
    for (const c of ["/", ":", "`", "g", "G", "F", "\u0000", "é"]) {
      for (const i of [0, 31, 63]) {
        const changed = `sha256=${hex.slice(0, i)}${c}${hex.slice(i + 1)}`;
        assert.equal(await verifyScimSignature(changed, body, [secret]), false, `${c} at ${i}`);
      }
    }
    assert.equal(await verifyScimSignature(sig, body, [secret]), true);
  });

  test("verifyScimSignature() throws a TypeError when no secret is configured", async () => {
    await assert.rejects(verifyScimSignature("sha256=" + "a".repeat(64), enc("x"), []), TypeError);
  });

  test("verifyScimSignature() refuses the right signature in uppercase or with whitespace around it", async () => {
    const body = enc("payload");
    const sig = await signScimBody("s".repeat(16), body);
    for (
      const h of [
        `sha256=${sig.slice(7).toUpperCase()}`,
        `${sig}\n`,
        ` ${sig}`,
        `${sig} `,
        `sha256=sha256=${sig.slice(7)}`,
      ]
    ) {
      assert.equal(await verifyScimSignature(h, body, ["s".repeat(16)]), false, JSON.stringify(h));
    }
    assert.equal(await verifyScimSignature(sig, body, ["s".repeat(16)]), true);
  });

  test("verifyScimSignature() verifies the exact bytes, also when they are not UTF-8", async () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const sig = await signScimBody("s".repeat(16), bytes);
    assert.equal(await verifyScimSignature(sig, bytes, ["s".repeat(16)]), true);
    assert.equal(
      await verifyScimSignature(sig, enc(new TextDecoder().decode(bytes)), ["s".repeat(16)]),
      false,
    );
  });

  test("signScimBody() signs a string as its UTF-8 bytes", async () => {
    const text = '{"name":"Dédé 🙂"}';
    assert.equal(
      await signScimBody("s".repeat(16), text),
      await signScimBody("s".repeat(16), enc(text)),
    );
  });

  test("signScimBody() and verifyScimSignature() throw a TypeError for an empty secret", async () => {
    await assert.rejects(signScimBody("", "x"), TypeError);
    await assert.rejects(
      verifyScimSignature("sha256=" + "a".repeat(64), enc("x"), ["s".repeat(16), ""]),
      TypeError,
    );
  });
});
