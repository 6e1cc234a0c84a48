// The edge's HTTP forwarder with a local fetch function: signing, retries,
// backoff inside the deadline, and what it does not retry; then its deadline and
// attempt limits again against a real HTTP server, with real fetch and timers.
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { createHttpForwarder } from "../../../shared/webhook/forwarder.ts";
import { verifyScimSignature } from "../../../shared/signature.ts";
import type { ForwardedEvent } from "../../../shared/webhook-event.ts";
import { createFakeTimeouts } from "./support/fake-timeouts.ts";

const SECRET = "ingest-secret-0123456789abcdef";
const URL_ = "http://ingest.test/api/v1/scim/events";
const EVENT: ForwardedEvent = {
  eventId: "evt-1",
  event: "user.deleted",
  resourceType: "User",
  resourceId: "u-1",
  action: "delete",
  occurredAt: "2025-10-18T10:30:00.000Z",
  receivedAt: "2025-10-18T10:30:01.000Z",
  user: null,
  orgUnit: null,
};

/** A fetch that answers from a script and records each request. */
function scripted(answers: (() => Promise<Response>)[]) {
  const calls: Request[] = [];
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    calls.push(new Request(input, init));
    const next = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    return next();
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}
const reply = (status: number, body: unknown = {}) => () =>
  Promise.resolve(Response.json(body, { status }));

describe("createHttpForwarder()", () => {
  test("createHttpForwarder() posts the event signed with the ingest secret", async () => {
    const { calls, fetch } = scripted([reply(200, { status: "success" })]);
    const r = await createHttpForwarder({ url: URL_, secret: SECRET, fetch })(EVENT);
    assert.deepEqual(r, { ok: true, status: "success" });
    const req = calls[0]!;
    assert.equal(req.url, URL_);
    assert.equal(req.headers.get("content-type"), "application/json");
    const bytes = new Uint8Array(await req.arrayBuffer());
    assert.equal(
      await verifyScimSignature(req.headers.get("x-scim-signature"), bytes, [SECRET]),
      true,
    );
    assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes)), EVENT);
  });

  test("createHttpForwarder() passes a duplicate answer through as stored", async () => {
    const { fetch } = scripted([reply(200, { status: "duplicate" })]);
    assert.deepEqual(await createHttpForwarder({ url: URL_, secret: SECRET, fetch })(EVENT), {
      ok: true,
      status: "duplicate",
    });
  });

  test("createHttpForwarder() retries 5xx and network errors until the runner stores the event", async () => {
    const { calls, fetch } = scripted([
      reply(503),
      () => Promise.reject(new TypeError("fetch failed")),
      reply(500),
      reply(200, { status: "success" }),
    ]);
    const r = await createHttpForwarder({ url: URL_, secret: SECRET, fetch, random: () => 0 })(
      EVENT,
    );
    assert.deepEqual(r, { ok: true, status: "success" });
    assert.equal(calls.length, 4);
  });

  test("createHttpForwarder() does not retry a 401 or a 400", async () => {
    for (const status of [400, 401]) {
      const { calls, fetch } = scripted([reply(status, { error: "Invalid webhook signature" })]);
      const r = await createHttpForwarder({ url: URL_, secret: SECRET, fetch })(EVENT);
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.reason : "", new RegExp(`HTTP ${status}`));
      assert.equal(calls.length, 1);
    }
  });

  test("createHttpForwarder() gives up at the deadline, backoff included, when the runner stays down", async () => {
    const { calls, fetch } = scripted([() => Promise.reject(new TypeError("fetch failed"))]);
    const time = createFakeTimeouts();
    const r = await createHttpForwarder({
      url: URL_,
      secret: SECRET,
      fetch,
      deadlineMs: 250,
      retryBaseMs: 20,
      random: () => 0.99,
      sleep: time.sleep,
      timeout: time.timeout,
    })(EVENT);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : "", /gave up after 4 attempt\(s\) within 250 ms/);
    // Waits of 19.8, 39.6 and 79.2 ms put attempts at 0, 19.8, 59.4 and 138.6 ms; the
    // fourth wait (158.4 ms) is cut short by the deadline, which ends the forward at 250.
    assert.equal(calls.length, 4);
    assert.equal(time.now(), 250);
  });

  test("createHttpForwarder() abandons an attempt that hangs at its timeout and tries again", async () => {
    const time = createFakeTimeouts();
    // The hanging attempt ends only through its signal; time passes while it hangs.
    const hang = () => {
      queueMicrotask(() => time.advance(50));
      return new Promise<Response>(() => {});
    };
    const { calls, fetch } = scripted([hang, reply(200, { status: "success" })]);
    // Make the fake honour its signal like fetch does.
    const honouring = ((input: RequestInfo | URL, init?: RequestInit) =>
      Promise.race([
        fetch(input, init),
        new Promise<Response>((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))
        ),
      ])) as typeof globalThis.fetch;
    const r = await createHttpForwarder({
      url: URL_,
      secret: SECRET,
      fetch: honouring,
      attemptTimeoutMs: 50,
      random: () => 0,
      sleep: time.sleep,
      timeout: time.timeout,
    })(EVENT);
    assert.deepEqual(r, { ok: true, status: "success" });
    assert.equal(calls.length, 2);
    assert.equal(time.now(), 50);
  });

  test("createHttpForwarder() throws for a missing secret or a nonsense deadline", () => {
    assert.throws(() => createHttpForwarder({ url: URL_, secret: "" }), TypeError);
    assert.throws(
      () => createHttpForwarder({ url: URL_, secret: SECRET, deadlineMs: 0 }),
      RangeError,
    );
    assert.throws(
      () => createHttpForwarder({ url: URL_, secret: SECRET, retryBaseMs: -5 }),
      RangeError,
    );
  });
});

/**
 * A real ingestion endpoint on a socket (node:http, which Bun and Deno both serve), for
 * the forwarder's limits on real fetch and real timers: `answer` decides each request by
 * its number, or leaves it hanging with `null`.
 */
async function realRunner(answer: (n: number) => number | null) {
  const seen: { body: string; signature: string | undefined }[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({ body, signature: req.headers["x-scim-signature"] as string | undefined });
      const status = answer(seen.length);
      if (status === null) {
        open.add(res);
        return; // hangs until the client gives up on it
      }
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(status === 200 ? { status: "success" } : { error: "down" }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v1/scim/events`,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        for (const res of open) res.destroy();
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

describe("createHttpForwarder() against a real HTTP server", () => {
  test("createHttpForwarder() retries a runner answering 503 with the same signed body and gives up at its deadline", async () => {
    const runner = await realRunner(() => 503);
    try {
      const started = performance.now();
      const r = await createHttpForwarder({
        url: runner.url,
        secret: SECRET,
        deadlineMs: 600,
        retryBaseMs: 20,
      })(EVENT);
      const ms = performance.now() - started;
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.reason : "", /HTTP 503.*gave up after \d+ attempt\(s\) within 600 ms/);
      assert.ok(runner.seen.length >= 2, `attempts: ${runner.seen.length}`);
      assert.equal(new Set(runner.seen.map((s) => `${s.body}|${s.signature}`)).size, 1);
      // Not before its deadline; a generous ceiling (10x) after it on a loaded machine.
      assert.ok(ms >= 590, `gave up after ${ms} ms`);
      assert.ok(ms < 6_000, `gave up after ${ms} ms`);
    } finally {
      await runner.close();
    }
  });

  test("createHttpForwarder() abandons attempts that hang at attemptTimeoutMs and stores the event on a later one", async () => {
    const runner = await realRunner((n) => (n <= 2 ? null : 200));
    try {
      const started = performance.now();
      const r = await createHttpForwarder({
        url: runner.url,
        secret: SECRET,
        deadlineMs: 10_000,
        attemptTimeoutMs: 200,
        retryBaseMs: 10,
      })(EVENT);
      const ms = performance.now() - started;
      assert.deepEqual(r, { ok: true, status: "success" });
      assert.equal(runner.seen.length, 3);
      // Two abandoned attempts of 200 ms each: at least 400 ms, far from the 10 s deadline.
      assert.ok(ms >= 390, `stored after ${ms} ms`);
      assert.ok(ms < 4_000, `stored after ${ms} ms`);
    } finally {
      await runner.close();
    }
  });

  test("createHttpForwarder() gives up at its deadline when every attempt hangs", async () => {
    const runner = await realRunner(() => null);
    try {
      const started = performance.now();
      const r = await createHttpForwarder({
        url: runner.url,
        secret: SECRET,
        deadlineMs: 500,
        attemptTimeoutMs: 5_000,
      })(EVENT);
      const ms = performance.now() - started;
      assert.equal(r.ok, false);
      assert.match(
        !r.ok ? r.reason : "",
        /unreachable.*gave up after 1 attempt\(s\) within 500 ms/,
      );
      assert.ok(ms >= 490 && ms < 5_000, `gave up after ${ms} ms`);
    } finally {
      await runner.close();
    }
  });
});
