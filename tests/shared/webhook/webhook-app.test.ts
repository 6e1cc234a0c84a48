// The edge app through app.request(): what it accepts, every bad input it
// refuses (with nothing forwarded, so nothing can reach MongoDB), its 503s,
// its 500 and its log lines. Runs under `bun test` and `deno test`.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import {
  createWebhookApp,
  type Forward,
  type ForwardResult,
  type WebhookAppOptions,
} from "../../../shared/webhook/app.ts";
import { createHttpForwarder } from "../../../shared/webhook/forwarder.ts";
import { createFakeTimeouts } from "./support/fake-timeouts.ts";
import { createLogger } from "../../../shared/logger.ts";
import { signScimBody } from "../../../shared/signature.ts";
import { signStandardWebhook } from "../../../shared/standard-webhooks.ts";
import type { ForwardedEvent } from "../../../shared/webhook-event.ts";
import {
  type AppOverrides,
  BAD_INPUTS,
  type BadInputContext,
  envelope,
  MAX_BYTES,
  OLD_SECRET,
  SECRET,
  signed,
  STANDARD_SECRET,
} from "./support/bad-inputs.ts";

const NOW = new Date("2025-10-18T10:30:00.000Z");
const USER_ID = "507f1f77bcf86cd799439011";
let forwarded: ForwardedEvent[] = [];
let answer: ForwardResult = { ok: true, status: "success" };
let lines: string[] = [];

const app = (over: Partial<WebhookAppOptions> = {}) =>
  createWebhookApp({
    secrets: [SECRET],
    now: () => NOW,
    forward: (e) => {
      forwarded.push(e);
      return Promise.resolve(answer);
    },
    logger: createLogger({ level: "debug", format: "json", write: (l) => lines.push(l) }),
    ...over,
    limits: { maxBytes: MAX_BYTES, ...over.limits },
  });

function context(over: Partial<WebhookAppOptions> = {}): BadInputContext {
  return {
    now: NOW,
    userId: USER_ID,
    async post(body, headers, o: AppOverrides = {}) {
      const h = new Headers();
      for (const [k, v] of Object.entries(headers)) if (v !== undefined) h.set(k, v);
      const init = { method: "POST", body, headers: h, duplex: "half" } as RequestInit;
      return await app({ ...over, ...o, limits: { ...over.limits, ...o.limits } }).request(
        "/api/v1/scim/webhook",
        init,
      );
    },
  };
}
const ctx = context();
const json = (over: Record<string, unknown> = {}) => JSON.stringify(envelope(ctx, over));

beforeEach(() => {
  forwarded = [];
  answer = { ok: true, status: "success" };
  lines = [];
});

describe("createWebhookApp() accepts", () => {
  test("createWebhookApp() answers 200 and forwards the mapped user when the signature is valid", async () => {
    const res = await signed(ctx, json({ id: "evt-1" }));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "success", eventId: "evt-1" });
    assert.equal(forwarded.length, 1);
    assert.equal(forwarded[0]?.user?.email, "john.doe@ias.co.id");
    assert.equal(forwarded[0]?.user?.phone, "+62 811 0000 9999");
    assert.equal(forwarded[0]?.action, "update");
    assert.equal(forwarded[0]?.receivedAt, NOW.toISOString());
  });

  test("createWebhookApp() hands forward the request's abort signal, and none when requestSignal is false", async () => {
    const seen: (AbortSignal | undefined)[] = [];
    const forward: Forward = (_event, _withinMs, signal) => {
      seen.push(signal);
      return Promise.resolve(answer);
    };
    assert.equal((await signed(context({ forward }), json())).status, 200);
    assert.equal((await signed(context({ forward, requestSignal: false }), json())).status, 200);
    assert.ok(seen[0] instanceof AbortSignal);
    assert.equal(seen[1], undefined);
  });

  test("createWebhookApp() accepts the previous secret while a rotation lists both", async () => {
    const res = await signed(context({ secrets: [SECRET, OLD_SECRET] }), json(), {}, OLD_SECRET);
    assert.equal(res.status, 200);
    assert.equal(forwarded.length, 1);
  });

  test("createWebhookApp() keys the event on its signature when the body has no id", async () => {
    const body = json({ id: undefined });
    await signed(ctx, body);
    assert.equal(forwarded[0]?.eventId, await signScimBody(SECRET, body));
  });

  test("createWebhookApp() forwards a delete without a document", async () => {
    const res = await signed(ctx, json({ event: "user.deleted", data: undefined }));
    assert.equal(res.status, 200);
    assert.equal(forwarded[0]?.action, "delete");
    assert.equal(forwarded[0]?.user, null);
  });

  test("createWebhookApp() maps a group.created to an org unit", async () => {
    const data = {
      id: "g-1",
      displayName: "Finance",
      "x-orgUnit": { unitType: "department", level: 3, parentUnitId: "g-0" },
    };
    const res = await signed(
      ctx,
      json({ event: "group.created", resourceType: "Group", resourceId: "g-1", data }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(
      { ...forwarded[0]?.orgUnit },
      {
        _id: "g-1",
        unitName: "Finance",
        unitType: "department",
        level: 3,
        parentUnitId: "g-0",
        managerId: null,
        isActive: true,
        scimLastModified: null,
      },
    );
  });

  test("createWebhookApp() accepts application/scim+json with a charset", async () => {
    const body = json();
    const res = await ctx.post(body, {
      "content-type": "application/scim+json; charset=utf-8",
      "x-scim-signature": await signScimBody(SECRET, body),
    });
    assert.equal(res.status, 200);
  });

  test("createWebhookApp() accepts timestamps exactly at the edge of the window, both directions", async () => {
    for (const ms of [-300_000, 300_000]) {
      const res = await signed(
        ctx,
        json({ timestamp: new Date(NOW.getTime() + ms).toISOString() }),
      );
      assert.equal(res.status, 200, String(ms));
    }
    assert.equal(forwarded.length, 2);
  });

  test("createWebhookApp() verifies Standard Webhooks headers and keys the event on webhook-id", async () => {
    const body = json({ id: undefined });
    const ts = String(Math.floor(NOW.getTime() / 1000));
    const sig = await signStandardWebhook(STANDARD_SECRET, "msg_1", ts, body);
    const headers = {
      "content-type": "application/json",
      "webhook-id": "msg_1",
      "webhook-timestamp": ts,
      "webhook-signature": sig,
    };
    const res = await ctx.post(body, headers, { standardWebhookSecrets: [STANDARD_SECRET] });
    assert.equal(res.status, 200);
    assert.equal(forwarded[0]?.eventId, "std:msg_1");
  });
});

describe("createWebhookApp() refuses", () => {
  for (const bad of BAD_INPUTS) {
    test(`createWebhookApp() answers ${bad.status} and forwards nothing for ${bad.name}`, async () => {
      const res = await bad.send(ctx);
      assert.equal(res.status, bad.status);
      assert.equal(forwarded.length, 0);
      if (bad.status === 401) {
        assert.deepEqual(await res.json(), { error: "Invalid webhook signature" });
      }
    });
  }

  test("createWebhookApp() names the failing field in a 400", async () => {
    const missing = await signed(ctx, json({ resourceId: undefined }));
    assert.match((await missing.json()).error, /resourceId/);
    const bad = await signed(
      ctx,
      json({ data: { ...envelope(ctx).data as object, active: "maybe" } }),
    );
    assert.match((await bad.json()).error, /active/);
  });
});

describe("createWebhookApp() when the event cannot be stored", () => {
  test("createWebhookApp() answers 503 when the ingestion API did not store the event", async () => {
    answer = { ok: false, reason: "ingestion answered HTTP 500" };
    const res = await signed(ctx, json());
    assert.equal(res.status, 503);
  });

  test("createWebhookApp() answers 503, not 500, when the forward function throws", async () => {
    const res = await signed(
      context({ forward: () => Promise.reject(new Error("socket hang up")) }),
      json(),
    );
    assert.equal(res.status, 503);
  });

  test("createWebhookApp() answers 503 within the deadline when the runner is dead", async () => {
    // A real refused connection (port 9), the deadline on fake time: the answer comes
    // when the forwarder's 300 ms are spent, however slow the machine is.
    const time = createFakeTimeouts();
    const forward = createHttpForwarder({
      url: "http://127.0.0.1:9/api/v1/scim/events",
      secret: "ingest-secret-0123456789",
      deadlineMs: 300,
      random: () => 0.5,
      sleep: time.sleep,
      timeout: time.timeout,
    });
    const res = await signed(context({ forward }), json());
    assert.equal(res.status, 503);
    assert.equal(time.now(), 300);
  });

  test("createWebhookApp() answers a plain 500 and logs once when something unexpected throws", async () => {
    const res = await signed(
      context({
        now: () => {
          throw new Error("clock broke");
        },
      }),
      json(),
    );
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: "Internal Server Error" });
    assert.equal(lines.filter((l) => l.includes("clock broke")).length, 1);
  });
});

describe("createWebhookApp() logs", () => {
  test("createWebhookApp() logs the guide's line and never a secret, a signature or the body", async () => {
    const body = json();
    const sig = await signScimBody(SECRET, body);
    await signed(ctx, body);
    await ctx.post(body, {
      "content-type": "application/json",
      "x-scim-signature": sig.replace(/.$/, "0"),
    });
    await signed(ctx, json({ timestamp: "2025-10-18T09:00:00.000Z" }));
    answer = { ok: false, reason: "down" };
    await signed(ctx, body);
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.ok(messages.includes("📥 Webhook received: user.updated (User)"), messages.join("\n"));
    for (const line of lines) {
      assert.ok(!line.includes(SECRET), line);
      assert.ok(!line.includes(sig.slice(7, 40)), line);
      assert.ok(!line.includes("+62 811"), line);
    }
  });
});

describe("createWebhookApp() options", () => {
  test("createWebhookApp() throws a TypeError without secrets and a RangeError for a nonsense limit", () => {
    assert.throws(() => app({ secrets: [] }), TypeError);
    assert.throws(() => app({ limits: { maxBytes: 0 } }), RangeError);
    assert.throws(() => app({ limits: { toleranceSeconds: -1 } }), RangeError);
  });
});
