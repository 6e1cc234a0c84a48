// The edge app through app.request(): every bad input is refused with the
// right status and nothing is forwarded (so nothing can reach MongoDB).
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { createWebhookApp, type ForwardResult } from "../../edge/app.ts";
import { loadEdgeConfig } from "../../edge/config.ts";
import { signScimBody } from "../../shared/signature.ts";
import type { ForwardedEvent } from "../../shared/webhook-event.ts";

const SECRET = "edge-test-secret-0123456789";
const OLD_SECRET = "edge-old-secret-9876543210";
const NOW = new Date("2025-10-18T10:30:00.000Z");
let forwarded: ForwardedEvent[] = [];
let answer: ForwardResult = { ok: true, status: "success" };

const app = (over: Partial<Parameters<typeof createWebhookApp>[0]> = {}) =>
  createWebhookApp({
    secrets: [SECRET],
    now: () => NOW,
    maxBytes: 4096,
    forward: (e) => {
      forwarded.push(e);
      return Promise.resolve(answer);
    },
    ...over,
  });

const user = {
  id: "507f1f77bcf86cd799439011",
  userName: "john.doe@ias.co.id",
  name: { givenName: "John", familyName: "Doe" },
  active: true,
  phoneNumbers: [{ value: "+62 811" }],
  meta: { lastModified: "2025-10-18T10:29:00.000Z" },
};
const envelope = (over: Record<string, unknown> = {}) => ({
  id: "evt-1",
  event: "user.updated",
  resourceType: "User",
  resourceId: user.id,
  timestamp: NOW.toISOString(),
  data: user,
  ...over,
});

async function post(body: string | Uint8Array, headers: Record<string, string | undefined>, a = app()) {
  const h = new Headers();
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) h.set(k, v);
  return await a.request("/api/v1/scim/webhook", { method: "POST", body: body as BodyInit, headers: h });
}
async function signed(body: string | Uint8Array, secret = SECRET, extra: Record<string, string | undefined> = {}, a = app()) {
  return await post(body, { "content-type": "application/json", "x-scim-signature": await signScimBody(secret, body), ...extra }, a);
}

beforeEach(() => {
  forwarded = [];
  answer = { ok: true, status: "success" };
});

describe("createWebhookApp() accepts", () => {
  test("POST /api/v1/scim/webhook answers 200 and forwards the mapped user when the signature is valid", async () => {
    const res = await signed(JSON.stringify(envelope()));
    assert.equal(res.status, 200);
    assert.equal(forwarded.length, 1);
    assert.equal(forwarded[0]?.user?.email, "john.doe@ias.co.id");
    assert.equal(forwarded[0]?.eventId, "evt-1");
    assert.equal(forwarded[0]?.action, "update");
  });

  test("POST /api/v1/scim/webhook accepts a secret of a rotation when several are configured", async () => {
    const res = await signed(JSON.stringify(envelope()), OLD_SECRET, {}, app({ secrets: [SECRET, OLD_SECRET] }));
    assert.equal(res.status, 200);
  });

  test("POST /api/v1/scim/webhook uses the signature as idempotency key when the body has no id", async () => {
    const body = JSON.stringify(envelope({ id: undefined }));
    await signed(body);
    assert.equal(forwarded[0]?.eventId, await signScimBody(SECRET, body));
  });

  test("POST /api/v1/scim/webhook forwards a delete without a document", async () => {
    const res = await signed(JSON.stringify(envelope({ event: "user.deleted", data: undefined })));
    assert.equal(res.status, 200);
    assert.equal(forwarded[0]?.action, "delete");
    assert.equal(forwarded[0]?.user, null);
  });

  test("POST /api/v1/scim/webhook answers 202 and forwards nothing for an unknown event type", async () => {
    const res = await signed(JSON.stringify(envelope({ event: "user.promoted" })));
    assert.equal(res.status, 202);
    assert.equal(forwarded.length, 0);
  });
});

const refused: [string, () => Promise<Response>, number][] = [
  ["no signature header", () => post(JSON.stringify(envelope()), { "content-type": "application/json" }), 401],
  ["an empty signature header", () => post(JSON.stringify(envelope()), { "content-type": "application/json", "x-scim-signature": "" }), 401],
  ["the guide's curl test signature sha256=test", () => post(JSON.stringify(envelope()), { "content-type": "application/json", "x-scim-signature": "sha256=test" }), 401],
  ["a wrong prefix", async () => {
    const b = JSON.stringify(envelope());
    const sig = (await signScimBody(SECRET, b)).replace("sha256=", "sha1=");
    return post(b, { "content-type": "application/json", "x-scim-signature": sig });
  }, 401],
  ["a doubled prefix", async () => {
    const b = JSON.stringify(envelope());
    return post(b, { "content-type": "application/json", "x-scim-signature": `sha256=${await signScimBody(SECRET, b)}` });
  }, 401],
  ["uppercase hex", async () => {
    const b = JSON.stringify(envelope());
    const sig = await signScimBody(SECRET, b);
    return post(b, { "content-type": "application/json", "x-scim-signature": `sha256=${sig.slice(7).toUpperCase()}` });
  }, 401],
  ["short hex", async () => {
    const b = JSON.stringify(envelope());
    return post(b, { "content-type": "application/json", "x-scim-signature": (await signScimBody(SECRET, b)).slice(0, 40) });
  }, 401],
  ["the signature of another body", async () => {
    const sig = await signScimBody(SECRET, JSON.stringify(envelope({ id: "evt-other" })));
    return post(JSON.stringify(envelope()), { "content-type": "application/json", "x-scim-signature": sig });
  }, 401],
  ["the body re-serialized with other whitespace", async () => {
    const sig = await signScimBody(SECRET, JSON.stringify(envelope()));
    return post(JSON.stringify(envelope(), null, 2), { "content-type": "application/json", "x-scim-signature": sig });
  }, 401],
  ["a valid signature with one byte of the body changed", async () => {
    const b = JSON.stringify(envelope());
    const sig = await signScimBody(SECRET, b);
    return post(b.replace("john.doe", "john.dof"), { "content-type": "application/json", "x-scim-signature": sig });
  }, 401],
  ["a secret from before a rotation that has ended", () => signed(JSON.stringify(envelope()), OLD_SECRET), 401],
  ["a timestamp 10 minutes old", () => signed(JSON.stringify(envelope({ timestamp: new Date(NOW.getTime() - 600_000).toISOString() }))), 401],
  ["a timestamp 10 minutes in the future", () => signed(JSON.stringify(envelope({ timestamp: new Date(NOW.getTime() + 600_000).toISOString() }))), 401],
  ["no timestamp when one is required", () =>
    signed(JSON.stringify(envelope({ timestamp: undefined })), SECRET, {}, app({ requireTimestamp: true })), 401],
  ["a body over the limit with its length declared", () =>
    signed(JSON.stringify(envelope({ pad: "x".repeat(5000) }))), 413],
  ["a body over the limit with no length declared", async () => {
    const b = JSON.stringify(envelope({ pad: "x".repeat(5000) }));
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(b));
        c.close();
      },
    });
    return app().request("/api/v1/scim/webhook", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json", "x-scim-signature": await signScimBody(SECRET, b) },
      duplex: "half",
    } as RequestInit);
  }, 413],
  ["a text/plain content type", async () => {
    const b = JSON.stringify(envelope());
    return post(b, { "content-type": "text/plain", "x-scim-signature": await signScimBody(SECRET, b) });
  }, 415],
  ["no content type", async () => {
    const b = JSON.stringify(envelope());
    return post(b, { "x-scim-signature": await signScimBody(SECRET, b) });
  }, 415],
  ["invalid UTF-8", () => signed(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400],
  ["JSON that is not an object", () => signed("[1,2,3]"), 400],
  ["a body that is not JSON", () => signed("{not json"), 400],
  ["a missing resourceId", () => signed(JSON.stringify(envelope({ resourceId: undefined }))), 400],
  ["a data that fails the User schema", () => signed(JSON.stringify(envelope({ data: { id: user.id, active: "maybe" } }))), 400],
  ["a data whose id is not the resourceId", () => signed(JSON.stringify(envelope({ data: { ...user, id: "someone-else" } }))), 400],
  ["an unknown resourceType", () => signed(JSON.stringify(envelope({ resourceType: "Printer" }))), 400],
];

describe("createWebhookApp() refuses", () => {
  for (const [name, send, status] of refused) {
    test(`POST /api/v1/scim/webhook answers ${status} and forwards nothing for ${name}`, async () => {
      const res = await send();
      assert.equal(res.status, status);
      assert.equal(forwarded.length, 0);
      if (status === 401) assert.deepEqual(await res.json(), { error: "Invalid webhook signature" });
    });
  }

  test("POST /api/v1/scim/webhook answers 503 when the ingestion API did not store the event", async () => {
    answer = { ok: false, reason: "ingestion unreachable" };
    const res = await signed(JSON.stringify(envelope()));
    assert.equal(res.status, 503);
  });
});

describe("loadEdgeConfig()", () => {
  test("loadEdgeConfig() refuses a secret shorter than 16 bytes and never prints it", () => {
    assert.throws(() => loadEdgeConfig({ SCIM_WEBHOOK_SECRET: "short-secret", INGEST_SECRET: "x".repeat(32) }), (e: Error) => {
      assert.match(e.message, /SCIM_WEBHOOK_SECRET must be at least 16 bytes/);
      assert.doesNotMatch(e.message, /short-secret/);
      return true;
    });
  });

  test("loadEdgeConfig() splits rotation secrets and fills defaults", () => {
    const c = loadEdgeConfig({ SCIM_WEBHOOK_SECRET: `${SECRET}, ${OLD_SECRET}`, INGEST_SECRET: "y".repeat(32) });
    assert.deepEqual(c.SCIM_WEBHOOK_SECRET, [SECRET, OLD_SECRET]);
    assert.equal(c.PORT, 8000);
    assert.equal(c.WEBHOOK_TOLERANCE_SECONDS, 300);
  });
});

describe("createWebhookApp() with Standard Webhooks", () => {
  test("POST /api/v1/scim/webhook verifies webhook-signature and keys the event on webhook-id", async () => {
    const { signStandardWebhook } = await import("../../shared/standard-webhooks.ts");
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const body = JSON.stringify(envelope({ id: undefined }));
    const ts = String(Math.floor(NOW.getTime() / 1000));
    const a = app({ standardSecrets: [secret] });
    const headers = { "content-type": "application/json", "webhook-id": "msg_1", "webhook-timestamp": ts, "webhook-signature": await signStandardWebhook(secret, "msg_1", ts, body) };
    const res = await post(body, headers, a);
    assert.equal(res.status, 200);
    assert.equal(forwarded[0]?.eventId, "std:msg_1");
    const bad = await post(body, { ...headers, "webhook-id": "msg_2" }, a);
    assert.equal(bad.status, 401);
    assert.equal(forwarded.length, 1);
  });
});
