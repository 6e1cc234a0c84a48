// Standard Webhooks: the published test vector and the cases of the
// reference JavaScript library's tests (standard-webhooks/standard-webhooks,
// libraries/javascript/src/webhook.test.ts), on our WebCrypto implementation.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  signStandardWebhook,
  standardWebhookKeyBytes,
  verifyStandardWebhook,
} from "../../shared/standard-webhooks.ts";

const SECRET = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const PAYLOAD = '{"test": 2432232314}';
const BODY = new TextEncoder().encode(PAYLOAD);
/** The vector: whsec_ secret, id, timestamp 1614265330, payload → this signature. */
const VECTOR = {
  timestamp: "1614265330",
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const TOLERANCE_MS = 5 * 60 * 1000;

/** The library's TestPayload: a fresh signature at `timestampMs`. */
async function payload(timestampMs = Date.now()) {
  const timestamp = String(Math.floor(timestampMs / 1000));
  return {
    id: ID,
    timestamp,
    signature: await signStandardWebhook(SECRET, ID, timestamp, PAYLOAD),
  };
}
const verify = (
  h: { id: string; timestamp: string; signature: string },
  secret = SECRET,
  body = BODY,
) => verifyStandardWebhook(h, body, [secret], Date.now());

describe("signStandardWebhook()", () => {
  test("signStandardWebhook() reproduces the published test vector", async () => {
    assert.equal(
      await signStandardWebhook(`whsec_${SECRET}`, ID, VECTOR.timestamp, PAYLOAD),
      VECTOR.signature,
    );
  });

  test("signStandardWebhook() signs bytes and strings alike", async () => {
    assert.equal(await signStandardWebhook(SECRET, ID, VECTOR.timestamp, BODY), VECTOR.signature);
  });
});

describe("verifyStandardWebhook()", () => {
  test("verifyStandardWebhook() accepts the published vector at its own time", async () => {
    const ok = await verifyStandardWebhook(
      { id: ID, ...VECTOR },
      BODY,
      [`whsec_${SECRET}`],
      1614265330 * 1000,
    );
    assert.equal(ok, true);
  });

  test("verifyStandardWebhook() accepts a valid signature (library: valid signature is valid)", async () => {
    assert.equal(await verify(await payload()), true);
  });

  test("verifyStandardWebhook() works with and without the whsec_ prefix", async () => {
    const p = await payload();
    assert.equal(await verify(p, SECRET), true);
    assert.equal(await verify(p, `whsec_${SECRET}`), true);
  });

  test("verifyStandardWebhook() accepts a valid signature among several (library: multi sig payload)", async () => {
    const p = await payload();
    const sigs = [
      "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
      "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
      p.signature,
      "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
    ];
    assert.equal(await verify({ ...p, signature: sigs.join(" ") }), true);
  });

  test("verifyStandardWebhook() accepts any secret of a rotation", async () => {
    const p = await payload();
    assert.equal(
      await verifyStandardWebhook(
        p,
        BODY,
        ["whsec_" + btoa("another-key-of-24-bytes!"), SECRET],
        Date.now(),
      ),
      true,
    );
  });

  test("verifyStandardWebhook() refuses missing headers (library: missing id, timestamp, signature)", async () => {
    const p = await payload();
    assert.equal(await verify({ ...p, id: "" }), false);
    assert.equal(await verify({ ...p, timestamp: "" }), false);
    assert.equal(await verify({ ...p, signature: "" }), false);
  });

  test("verifyStandardWebhook() refuses an invalid timestamp (library: 'hello')", async () => {
    assert.equal(await verify({ ...(await payload()), timestamp: "hello" }), false);
  });

  test("verifyStandardWebhook() refuses an invalid signature (library: v1,dawfeoifkpqwoekfpqoekf)", async () => {
    assert.equal(
      await verify({ ...(await payload()), signature: "v1,dawfeoifkpqwoekfpqoekf" }),
      false,
    );
  });

  test("verifyStandardWebhook() refuses a partial signature (library: first 8 characters, and 'v1,')", async () => {
    const p = await payload();
    assert.equal(await verify({ ...p, signature: p.signature.slice(0, 8) }), false);
    assert.equal(await verify({ ...p, signature: "v1," }), false);
  });

  test("verifyStandardWebhook() refuses a timestamp beyond the tolerance (library: old and new timestamp)", async () => {
    assert.equal(await verify(await payload(Date.now() - TOLERANCE_MS - 1000)), false);
    assert.equal(await verify(await payload(Date.now() + TOLERANCE_MS + 1000)), false);
  });

  test("verifyStandardWebhook() refuses another id, another body, a v2 signature and a bare one", async () => {
    const p = await payload();
    assert.equal(await verify({ ...p, id: "msg_other" }), false);
    assert.equal(await verify(p, SECRET, new TextEncoder().encode('{"test": 1}')), false);
    assert.equal(await verify({ ...p, signature: p.signature.replace("v1,", "v2,") }), false);
    assert.equal(await verify({ ...p, signature: p.signature.slice(3) }), false);
  });

  test("verifyStandardWebhook() throws a TypeError without secrets or for a secret that is not base64 (library: empty key)", async () => {
    const p = await payload();
    await assert.rejects(verifyStandardWebhook(p, BODY, [], Date.now()), TypeError);
    await assert.rejects(verifyStandardWebhook(p, BODY, [""], Date.now()), TypeError);
    assert.throws(() => standardWebhookKeyBytes("whsec_%%%"), TypeError);
  });
});
