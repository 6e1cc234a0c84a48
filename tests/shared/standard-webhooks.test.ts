import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { signStandardWebhook, verifyStandardWebhook } from "../../shared/standard-webhooks.ts";

// The published test vector of standard-webhooks (also svix's).
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS = "1614265330";
const BODY = new TextEncoder().encode('{"test": 2432232314}');
const SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const NOW = 1614265330 * 1000;

describe("Standard Webhooks", () => {
  test("signStandardWebhook() reproduces the published test vector", async () => {
    assert.equal(await signStandardWebhook(SECRET, ID, TS, BODY), SIG);
  });

  test("verifyStandardWebhook() accepts the vector, also among several signatures", async () => {
    assert.equal(await verifyStandardWebhook({ id: ID, timestamp: TS, signature: SIG }, BODY, [SECRET], NOW), true);
    const several = `v1,${"A".repeat(43)}= ${SIG} v2,whatever`;
    assert.equal(await verifyStandardWebhook({ id: ID, timestamp: TS, signature: several }, BODY, [SECRET], NOW), true);
  });

  test("verifyStandardWebhook() refuses another id, body, old or future timestamps, and malformed headers", async () => {
    const ok = { id: ID, timestamp: TS, signature: SIG };
    assert.equal(await verifyStandardWebhook({ ...ok, id: "msg_other" }, BODY, [SECRET], NOW), false);
    assert.equal(await verifyStandardWebhook(ok, new TextEncoder().encode('{"test": 1}'), [SECRET], NOW), false);
    assert.equal(await verifyStandardWebhook(ok, BODY, [SECRET], NOW + 301_000), false);
    assert.equal(await verifyStandardWebhook(ok, BODY, [SECRET], NOW - 301_000), false);
    for (const signature of ["", "v1,", "v1,not base64!", SIG.replace("v1,", "v2,"), "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="]) {
      assert.equal(await verifyStandardWebhook({ ...ok, signature }, BODY, [SECRET], NOW), false, signature);
    }
    assert.equal(await verifyStandardWebhook({ ...ok, timestamp: "soon" }, BODY, [SECRET], NOW), false);
  });
});
