// The edge's batching forwarder with a local fetch function: a lone event
// goes alone and at once; events that arrive while the requests are busy
// leave together, signed; whatever a batch did not store goes again alone.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type BatchingForwarderOptions,
  createBatchingForwarder,
} from "../../../shared/webhook/batching-forwarder.ts";
import { verifyScimSignature } from "../../../shared/signature.ts";
import type { ForwardedEvent } from "../../../shared/webhook-event.ts";

const SECRET = "ingest-secret-0123456789abcdef";
const URL_ = "http://ingest.test/api/v1/scim/events";
const event = (n: number): ForwardedEvent => ({
  eventId: `evt-${n}`,
  event: "user.deleted",
  resourceType: "User",
  resourceId: `u-${n}`,
  action: "delete",
  occurredAt: "2025-10-18T10:30:00.000Z",
  receivedAt: "2025-10-18T10:30:01.000Z",
  user: null,
  orgUnit: null,
});

interface Call {
  body: { events?: ForwardedEvent[]; eventId?: string };
  signed: boolean;
  answer: (res: Response) => void;
}

/** A fetch whose every request waits until the test answers it. */
function held() {
  const calls: Call[] = [];
  const waiters: (() => void)[] = [];
  const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    const bytes = new TextEncoder().encode(String(init?.body));
    const signature = new Headers(init?.headers).get("x-scim-signature");
    const signed = await verifyScimSignature(signature, bytes, [SECRET]);
    return await new Promise<Response>((answer) => {
      calls.push({ body: JSON.parse(String(init?.body)), signed, answer });
      waiters.splice(0).forEach((w) => w());
    });
  }) as typeof globalThis.fetch;
  /** Resolves once `n` requests have arrived. */
  const requests = async (n: number) => {
    while (calls.length < n) await new Promise<void>((r) => waiters.push(r));
    return calls;
  };
  return { calls, fetch, requests };
}
const ok = (status = "success") => Response.json({ status });

/** A held fetch and a forwarder over it, with the options a test is about. */
function heldForwarder(options: Omit<BatchingForwarderOptions, "url" | "secret" | "fetch"> = {}) {
  const h = held();
  const forward = createBatchingForwarder({
    url: URL_,
    secret: SECRET,
    fetch: h.fetch,
    ...options,
  });
  return { ...h, forward };
}
const batchOk = (c: Call, statuses?: string[]) =>
  Response.json({
    results: (c.body.events ?? []).map((e, i) => ({
      eventId: e.eventId,
      status: statuses?.[i] ?? "success",
    })),
  });

describe("createBatchingForwarder()", () => {
  test("createBatchingForwarder() sends a lone event at once, alone, in the single-event format", async () => {
    const { forward, requests } = heldForwarder();
    const pending = forward(event(1));
    const [call] = await requests(1);
    assert.equal(call!.body.eventId, "evt-1");
    assert.equal(call!.body.events, undefined);
    assert.equal(call!.signed, true);
    call!.answer(ok("duplicate"));
    assert.deepEqual(await pending, { ok: true, status: "duplicate" });
  });

  test("createBatchingForwarder() sends the events that arrived while its requests were busy in one signed batch", async () => {
    const { forward, requests } = heldForwarder({ maxInFlight: 1 });
    const first = forward(event(1));
    await requests(1);
    const rest = [2, 3, 4, 5].map((n) => forward(event(n)));
    const calls = await requests(1);
    assert.equal(calls.length, 1, "nothing more leaves while the one slot is busy");
    calls[0]!.answer(ok());
    const [, batch] = await requests(2);
    assert.equal(batch!.signed, true);
    assert.deepEqual(batch!.body.events?.map((e) => e.eventId), [
      "evt-2",
      "evt-3",
      "evt-4",
      "evt-5",
    ]);
    batch!.answer(batchOk(batch!, ["success", "duplicate", "stale", "success"]));
    assert.deepEqual(await first, { ok: true, status: "success" });
    assert.deepEqual(
      (await Promise.all(rest)).map((r) => (r.ok ? r.status : "not stored")),
      ["success", "duplicate", "stale", "success"],
    );
  });

  test("createBatchingForwarder() opens a second request only while a full batch waits", async () => {
    const { forward, requests } = heldForwarder({ maxInFlight: 2, maxBatch: 3 });
    const all = [forward(event(0))];
    await requests(1);
    // With a slot free, evt-1 alone would leave at once: it waits for a full batch instead.
    for (let n = 1; n <= 3; n++) all.push(forward(event(n)));
    const [first, second] = await requests(2);
    assert.equal(first!.body.eventId, "evt-0");
    assert.deepEqual(second!.body.events?.map((e) => e.eventId), ["evt-1", "evt-2", "evt-3"]);
    first!.answer(ok());
    second!.answer(batchOk(second!));
    assert.ok((await Promise.all(all)).every((r) => r.ok));
  });

  test("createBatchingForwarder() retries a refused lone event outside its slot, so the next event leaves at once", async () => {
    const { forward, requests } = heldForwarder({ maxInFlight: 1, sleep: () => Promise.resolve() });
    const first = forward(event(0));
    (await requests(1))[0]!.answer(Response.json({ status: "failed" }, { status: 500 }));
    const retry = (await requests(2))[1]!;
    assert.equal(retry.body.eventId, "evt-0");
    // The retry is still unanswered, and the one slot is free again.
    const second = forward(event(1));
    const next = (await requests(3))[2]!;
    assert.equal(next.body.eventId, "evt-1");
    retry.answer(ok());
    next.answer(ok("duplicate"));
    assert.deepEqual(await first, { ok: true, status: "success" });
    assert.deepEqual(await second, { ok: true, status: "duplicate" });
  });

  test("createBatchingForwarder() keeps batches within maxBatch events", async () => {
    const { forward, requests } = heldForwarder({ maxInFlight: 1, maxBatch: 3 });
    const all = [forward(event(0))];
    await requests(1);
    for (let n = 1; n <= 7; n++) all.push(forward(event(n)));
    (await requests(1))[0]!.answer(ok());
    for (const [i, size] of [[1, 3], [2, 3], [3, 1]] as const) {
      const c = (await requests(i + 1))[i]!;
      assert.equal(c.body.events?.length ?? 1, size);
      c.answer(c.body.events ? batchOk(c) : ok());
    }
    assert.ok((await Promise.all(all)).every((r) => r.ok));
  });

  test("createBatchingForwarder() sends each event of a refused batch again alone (a runner without batches, a 500)", async () => {
    for (const refusal of [400, 500]) {
      const { forward, requests } = heldForwarder({ maxInFlight: 1 });
      const first = forward(event(1));
      await requests(1);
      const rest = [2, 3].map((n) => forward(event(n)));
      (await requests(1))[0]!.answer(ok());
      const batch = (await requests(2))[1]!;
      batch.answer(Response.json({ error: "Invalid event: eventId" }, { status: refusal }));
      const alone = (await requests(4)).slice(2);
      assert.deepEqual(alone.map((c) => c.body.eventId).sort(), ["evt-2", "evt-3"]);
      alone.forEach((c) => c.answer(ok()));
      assert.ok((await Promise.all([first, ...rest])).every((r) => r.ok), `after ${refusal}`);
    }
  });

  test("createBatchingForwarder() takes a batch answer with a held event as stored, sending nothing again", async () => {
    const { calls, forward, requests } = heldForwarder({ maxInFlight: 1 });
    const first = forward(event(1));
    await requests(1);
    const rest = [2, 3].map((n) => forward(event(n)));
    (await requests(1))[0]!.answer(ok());
    const batch = (await requests(2))[1]!;
    batch.answer(batchOk(batch, ["held", "success"]));
    assert.deepEqual(
      (await Promise.all(rest)).map((r) => (r.ok ? r.status : "not stored")),
      ["held", "success"],
    );
    assert.ok((await first).ok);
    assert.equal(calls.length, 2, "a held event is final: it is not sent again alone");
  });

  test("createBatchingForwarder() sends only the failed event of a batch again", async () => {
    const { forward, requests } = heldForwarder({ maxInFlight: 1 });
    const first = forward(event(1));
    await requests(1);
    const rest = [2, 3, 4].map((n) => forward(event(n)));
    (await requests(1))[0]!.answer(ok());
    const batch = (await requests(2))[1]!;
    batch.answer(batchOk(batch, ["success", "failed", "success"]));
    const again = (await requests(3))[2]!;
    assert.equal(again.body.eventId, "evt-3");
    again.answer(ok());
    assert.ok((await Promise.all([first, ...rest])).every((r) => r.ok));
  });

  test("createBatchingForwarder() throws for a limit that is not a positive integer", () => {
    assert.throws(
      () => createBatchingForwarder({ url: URL_, secret: SECRET, maxInFlight: 0 }),
      RangeError,
    );
    assert.throws(
      () => createBatchingForwarder({ url: URL_, secret: SECRET, maxBatch: 1.5 }),
      RangeError,
    );
  });
});
