/**
 * Webhook bursts (issue 9, item 9): 2,000 signed events in flight kept the
 * runner applying abandoned requests for minutes and `/health` waiting in the
 * write pool. Now a bounded gate answers 503 + Retry-After before any work,
 * an event whose caller has gone is not applied late, and `/health` has its own probe.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createInFlightGate } from "../../../runner/ingest/in-flight-gate.ts";
import { createIngestApp } from "../../../runner/ingest/ingest-app.ts";
import {
  type ApplyResult,
  CALLER_GONE,
  createEventApplier,
} from "../../../runner/ingest/apply-event.ts";
import { createWebhookStores } from "../../../runner/store/webhook-stores.ts";
import { signScimBody } from "../../../shared/signature.ts";
import type { ForwardedEvent } from "../../../shared/webhook-event.ts";
import {
  INGEST_SECRET,
  type IngestHarness,
  openIngestHarness,
  userEvent,
} from "../support/ingest-harness.ts";

const signedInit = async (e: unknown, signal?: AbortSignal): Promise<RequestInit> => {
  const body = JSON.stringify(e);
  return {
    method: "POST",
    body,
    signal,
    headers: {
      "content-type": "application/json",
      "x-scim-signature": await signScimBody(INGEST_SECRET, body),
    },
  };
};

describe("createIngestApp() with a full gate", () => {
  let h: IngestHarness;
  beforeAll(async () => {
    h = await openIngestHarness("shed");
  });
  afterAll(() => h.t.drop());

  test("createIngestApp() answers 503 with Retry-After, without reading the body, when the gate is full", async () => {
    const store = createEventApplier(createWebhookStores(h.t.mongo.db));
    const gate = createInFlightGate({ max: 2 });
    const app = createIngestApp({ secrets: [INGEST_SECRET], store, gate });
    expect(gate.take(2)).toBe(true);
    let pulled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled = true;
        c.enqueue(new TextEncoder().encode("{}"));
        c.close();
      },
    }, { highWaterMark: 0 }); // pulled only when someone reads it
    const res = await app.request("/api/v1/scim/events", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(pulled).toBe(false);
    gate.release(2);
    const ok = await app.request(
      "/api/v1/scim/events",
      await signedInit(userEvent({ id: "g-1", event: "user.created", resourceId: "u-g1" })),
    );
    expect(ok.status).toBe(200);
    expect(gate.inFlight).toBe(0);
  });

  test("createIngestApp() answers a batch 503 when the gate cannot hold all its events", async () => {
    const gate = createInFlightGate({ max: 4 });
    const app = createIngestApp({
      secrets: [INGEST_SECRET],
      store: createEventApplier(createWebhookStores(h.t.mongo.db)),
      gate,
    });
    expect(gate.take(2)).toBe(true);
    const events = [1, 2, 3].map((i) =>
      userEvent({ id: `b-${i}`, event: "user.created", resourceId: `u-b${i}` })
    );
    const res = await app.request("/api/v1/scim/events", await signedInit({ events }));
    expect(res.status).toBe(503);
    expect(await h.events().countDocuments({ eventId: { $in: ["b-1", "b-2", "b-3"] } })).toBe(0);
    gate.release(2);
    expect((await app.request("/api/v1/scim/events", await signedInit({ events }))).status).toBe(
      200,
    );
    expect(gate.inFlight).toBe(0);
  });
});

describe("createIngestApp() on a real server when the caller goes away", () => {
  let h: IngestHarness;
  let server: ReturnType<typeof Bun.serve>;
  let release!: () => void;
  let held: Promise<void>;
  const entered: Array<{ signal: AbortSignal; result: Promise<ApplyResult> }> = [];
  let onEnter: () => void = () => {};
  beforeAll(async () => {
    h = await openIngestHarness("gone");
    const real = createEventApplier(createWebhookStores(h.t.mongo.db));
    held = new Promise<void>((r) => (release = r));
    // The real store, reached only once the test lets go: the request waits as it would behind a busy pool.
    const store = {
      apply(e: ForwardedEvent, signal?: AbortSignal) {
        const result = held.then(() => real.apply(e, signal));
        entered.push({ signal: signal!, result });
        onEnter();
        return result;
      },
    };
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: createIngestApp({ secrets: [INGEST_SECRET], store }).fetch,
    });
  });
  afterAll(async () => {
    server.stop(true);
    await h.t.drop();
  });

  test("createIngestApp() does not apply an event whose client disconnected before its turn", async () => {
    const event = userEvent({ id: "gone-1", event: "user.created", resourceId: "u-gone" });
    const reached = new Promise<void>((r) => (onEnter = r));
    const client = new AbortController();
    const url = `http://127.0.0.1:${server.port}/api/v1/scim/events`;
    const answer = fetch(url, await signedInit(event, client.signal)).catch((e: Error) => e);
    await reached;
    client.abort();
    expect(await answer).toBeInstanceOf(Error);
    const { signal, result } = entered[0]!;
    // Bun aborts the request's signal when the client disconnects; without that nothing here would work.
    const aborted = await Promise.race([
      new Promise<boolean>((
        r,
      ) => (signal.aborted ? r(true) : signal.addEventListener("abort", () => r(true)))),
      Bun.sleep(5_000).then(() => false),
    ]);
    expect(aborted).toBe(true);
    release();
    expect(await result).toEqual({ status: "failed", error: CALLER_GONE });
    expect(await h.events().countDocuments({ eventId: "gone-1" })).toBe(0);
    expect(await h.users().countDocuments({ ssoUserId: "u-gone" })).toBe(0);
    // The sender delivers it again, and this time it stays to hear the answer.
    const again = await fetch(url, await signedInit(event));
    expect(again.status).toBe(200);
    expect(await h.users().countDocuments({ ssoUserId: "u-gone" })).toBe(1);
  });
});
