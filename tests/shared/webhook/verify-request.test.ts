// The signature step and the replay window, below the app.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  verifyWebhookSignature,
  withinReplayWindow,
} from "../../../shared/webhook/verify-request.ts";
import { signScimBody } from "../../../shared/signature.ts";

const SECRET = "edge-test-secret-0123456789";
const NOW = Date.parse("2025-10-18T10:30:00.000Z");
const body = new TextEncoder().encode('{"event":"user.updated"}');
const opts = { secrets: [SECRET], nowMs: NOW, toleranceSeconds: 300 };

describe("verifyWebhookSignature()", () => {
  test("verifyWebhookSignature() returns the signature as idempotency key when it verifies", async () => {
    const sig = await signScimBody(SECRET, body);
    assert.deepEqual(
      await verifyWebhookSignature(new Headers({ "x-scim-signature": sig }), body, opts),
      {
        ok: true,
        scheme: "scim",
        idempotencyKey: sig,
      },
    );
  });

  test("verifyWebhookSignature() looks up only X-SCIM-Signature when no whsec_ secret is configured", async () => {
    const read: string[] = [];
    class Watched extends Headers {
      override get(name: string) {
        read.push(name);
        return super.get(name);
      }
    }
    const headers = new Watched({
      "x-scim-signature": await signScimBody(SECRET, body),
      "webhook-id": "msg_1",
      "webhook-timestamp": String(NOW / 1000),
      "webhook-signature": "v1,AAAA",
    });
    assert.equal((await verifyWebhookSignature(headers, body, opts)).ok, true);
    assert.deepEqual(read, ["x-scim-signature"]);
  });

  test("verifyWebhookSignature() ignores Standard Webhooks headers when no whsec_ secret is configured", async () => {
    const headers = new Headers({
      "webhook-id": "msg_1",
      "webhook-timestamp": String(NOW / 1000),
      "webhook-signature": "v1,AAAA",
    });
    const r = await verifyWebhookSignature(headers, body, opts);
    assert.equal(r.ok, false);
  });
});

describe("withinReplayWindow()", () => {
  test("withinReplayWindow() accepts ±tolerance and refuses one millisecond beyond, both directions", () => {
    for (
      const [offset, ok] of [[0, true], [300_000, true], [-300_000, true], [300_001, false], [
        -300_001,
        false,
      ]] as const
    ) {
      assert.equal(
        withinReplayWindow(new Date(NOW + offset).toISOString(), NOW, 300, false),
        ok,
        String(offset),
      );
    }
  });

  test("withinReplayWindow() lets a body without timestamp through unless one is required", () => {
    assert.equal(withinReplayWindow(undefined, NOW, 300, false), true);
    assert.equal(withinReplayWindow(undefined, NOW, 300, true), false);
  });
});
