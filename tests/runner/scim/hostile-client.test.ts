// The SCIM client and token provider against the hostile SCIM server (real
// sockets): bodies too large to hold, redirects to another origin, listings
// that would not end. Each test counts what crossed the wire.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Socket } from "node:net";
import type { HostileMode } from "../../../dev/hostile-scim/app.ts";
import { endlessBody } from "../../../dev/hostile-scim/bodies.ts";
import {
  type Recorder,
  type RunningHostileScim,
  startHostileScim,
  startRecorder,
} from "../../../dev/hostile-scim/server.ts";
import { readBoundedText, ResponseTooLargeError } from "../../../runner/scim/bounded-body.ts";
import { ListingRunawayError } from "../../../runner/scim/listing-proof.ts";
import { createRateLimiter } from "../../../runner/scim/rate-limiter.ts";
import { RedirectRefusedError } from "../../../runner/scim/redirects.ts";
import { createScimClient } from "../../../runner/scim/scim-client.ts";
import { createTokenProvider } from "../../../runner/scim/token-provider.ts";

const SECRET = "client-secret-that-must-stay-home";
let server: RunningHostileScim;
let recorder: Recorder;

beforeAll(async () => {
  recorder = await startRecorder();
  server = await startHostileScim({
    users: 240,
    maxResults: 100,
    elsewhere: recorder.url,
    bombBytes: 64 * 1024 * 1024,
    hugeBytes: 50_000_000,
  });
});
afterAll(async () => {
  await server.stop();
  await recorder.stop();
});

function client(mode: HostileMode, maxResponseBytes = 4 * 1024 * 1024) {
  server.hostile.setMode(mode);
  recorder.requests.length = 0;
  const tokens = createTokenProvider({
    auth: { kind: "client_credentials", clientId: "id", clientSecret: SECRET },
    tokenUrl: `${server.url}/scim/v2/token`,
    timeoutMs: 5000,
    maxResponseBytes,
  });
  return createScimClient({
    baseUrl: `${server.url}/scim/v2`,
    tokens,
    limiter: createRateLimiter({ perMinute: 100_000 }),
    timeoutMs: 10_000,
    maxRetries: 3,
    maxResponseBytes,
    sleep: async () => {},
  });
}

/** The error a promise rejects with; a test fails if it resolves. */
async function rejection(p: Promise<unknown>): Promise<Error & { kind?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { kind?: string };
  }
  throw new Error("expected the promise to reject");
}

const users = () => server.hostile.received.filter((r) => r.path === "/scim/v2/Users").length;

async function drain(c: ReturnType<typeof client>, cursor = false) {
  const it = c.pages("Users", { count: 100, cursor });
  for (;;) {
    const step = await it.next();
    if (step.done) return step.value;
  }
}

describe("bounded responses", () => {
  for (const mode of ["endless-body", "gzip-bomb", "huge-page"] as const) {
    test(`get() fails with SCIM_RESPONSE_TOO_LARGE after one request when the SSO sends a ${mode}`, async () => {
      const err = await rejection(client(mode).get("/Users"));
      expect(err).toBeInstanceOf(ResponseTooLargeError);
      expect(err.message).toContain(
        "larger than SCIM_MAX_RESPONSE_BYTES (4 MiB, counted after decompression)",
      );
      // Not retried: the same request brings the same body.
      expect(users()).toBe(1);
    });
  }

  test("get() counts a body that declares a small Content-Length but comes chunked, and stops it at the cap", async () => {
    // A raw socket: no HTTP server library sends both headers. fetch follows the chunked
    // framing, so trusting the declared 20 bytes would read all 200 MiB.
    let sent = 0;
    const chunk = Buffer.alloc(1024 * 1024, "x");
    const sockets: Socket[] = [];
    const raw = createServer((sock) => {
      sockets.push(sock);
      sock.on("error", () => {});
      sock.once("data", () => {
        sock.write(
          "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: 20\r\n" +
            "Transfer-Encoding: chunked\r\n\r\n",
        );
        const pump = () => {
          while (sent < 200 * chunk.length && !sock.destroyed) {
            sent += chunk.length;
            if (!sock.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)) {
              sock.once("drain", pump);
              return;
            }
          }
          if (!sock.destroyed) sock.end("0\r\n\r\n");
        };
        pump();
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const port = (raw.address() as { port: number }).port;
    try {
      const c = createScimClient({
        baseUrl: `http://127.0.0.1:${port}/scim/v2`,
        tokens: { get: async () => "token", invalidate: () => {}, refreshable: false },
        limiter: createRateLimiter({ perMinute: 100_000 }),
        timeoutMs: 10_000,
        maxRetries: 0,
        maxResponseBytes: 4 * 1024 * 1024,
        sleep: async () => {},
      });
      const err = await rejection(c.get("/Users"));
      expect(err).toBeInstanceOf(ResponseTooLargeError);
      // The cap plus what the sockets buffered, never the 200 MiB on offer.
      expect(sent).toBeLessThan(64 * chunk.length);
    } finally {
      for (const s of sockets) s.destroy();
      raw.close();
    }
  });

  test("readBoundedText() stops reading an endless stream at the cap", async () => {
    const err = await rejection(
      readBoundedText(new Response(endlessBody()), 1024 * 1024, "GET /Users"),
    );
    expect(err).toBeInstanceOf(ResponseTooLargeError);
  });

  test("readBoundedText() refuses a declared Content-Length past the cap without reading", async () => {
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => void (pulls++, c.enqueue(new Uint8Array(1024))),
    });
    const res = new Response(body, { headers: { "Content-Length": String(2 ** 30) } });
    await expect(readBoundedText(res, 4096, "GET /Users")).rejects.toBeInstanceOf(
      ResponseTooLargeError,
    );
    // At most the stream's own read-ahead, never the 4 KiB the cap would allow.
    expect(pulls).toBeLessThanOrEqual(1);
  });
});

describe("no redirects with credentials", () => {
  test("tokens.get() refuses a 307 from the token endpoint and never posts the secret elsewhere", async () => {
    const err = await rejection(client("redirect-token").get("/Users"));
    expect(err).toBeInstanceOf(RedirectRefusedError);
    expect(err.message).toContain(`redirect to ${recorder.url}/scim/v2/token`);
    expect(err.message).not.toContain(SECRET);
    expect(recorder.requests).toEqual([]);
    expect(server.hostile.received.filter((r) => r.path === "/scim/v2/token").length).toBe(1);
  });

  test("get() refuses a 308 to another origin and sends no Authorization there", async () => {
    const err = await rejection(client("redirect-users").get("/Users"));
    expect(err).toBeInstanceOf(RedirectRefusedError);
    expect(err.message).toContain(`redirect to ${recorder.url}/scim/v2/Users`);
    expect(err.message).toContain("is not the SSO's origin");
    expect(recorder.requests).toEqual([]);
    expect(users()).toBe(1);
  });

  test("pages() follows a redirect that stays on the SSO's origin and proves the listing", async () => {
    const end = await drain(client("redirect-same-origin"));
    expect(end).toMatchObject({ complete: true, distinct: 240 });
    expect(recorder.requests).toEqual([]);
  });
});

describe("bounded listings", () => {
  test("pages() stops after 2 requests when totalResults is 1e12 and the same page repeats", async () => {
    const err = await rejection(drain(client("total-too-high")));
    expect(err).toBeInstanceOf(ListingRunawayError);
    expect(err.message).toContain("page 2 (startIndex 101) added no resource not already seen");
    expect(users()).toBeLessThanOrEqual(3); // the prefetch of page 3 may have left
  });

  test("pages() stops after 2 requests when nextCursor never changes", async () => {
    const err = await rejection(drain(client("cursor-loop"), true));
    expect(err).toBeInstanceOf(ListingRunawayError);
    expect(err.kind).toBe("repeated-cursor");
    expect(users()).toBe(2);
  });

  test("pages() reads on past a totalResults that was too low and reports the listing unproven", async () => {
    const end = await drain(client("total-too-low"));
    expect(end).toMatchObject({ complete: false, distinct: 240, announced: 200 });
    expect(end.reason).toBe("the SSO returned 240 resources where totalResults announced 200");
  });
});

describe("servers that answer past the end with their first page and itemsPerPage with the count", () => {
  /** The Users requests' startIndex values since the last mode switch. */
  const starts = (s: RunningHostileScim, path = "/scim/v2/Users") =>
    s.hostile.received.filter((r) => r.path === path).map((r) => Number(r.query.startIndex));

  async function collect(c: ReturnType<typeof client>, resource: "Users" | "Groups", count = 100) {
    const it = c.pages(resource, { count });
    const ids: string[] = [];
    for (;;) {
      const step = await it.next();
      if (step.done) return { end: step.value, ids };
      for (const r of step.value.resources) ids.push((r as { id: string }).id);
    }
  }

  test("pages() proves 240 users complete in 3 requests, asking nothing past a short last page", async () => {
    const { end, ids } = await collect(client("first-page-past-end"), "Users");
    expect(end).toMatchObject({ complete: true, distinct: 240, announced: 240 });
    expect(ids.length).toBe(240);
    expect(starts(server)).toEqual([1, 101, 201]);
  });

  test("pages() advances by the resources served, not by an itemsPerPage that says the count asked", async () => {
    // Asks 1000 of a server capping pages at 100 whose itemsPerPage says 1000.
    const { end, ids } = await collect(client("items-per-page-count"), "Users", 1000);
    expect(end).toMatchObject({ complete: true, distinct: 240 });
    expect(new Set(ids).size).toBe(240);
    expect(starts(server)).toEqual([1, 101, 201]);
  });

  describe("a listing whose range ends on a full page", () => {
    let quirky: RunningHostileScim;
    beforeAll(async () => {
      quirky = await startHostileScim({ users: 200, groups: 3, maxResults: 100 });
    });
    afterAll(() => quirky.stop());

    function quirkyClient(mode: HostileMode) {
      quirky.hostile.setMode(mode);
      return createScimClient({
        baseUrl: `${quirky.url}/scim/v2`,
        tokens: {
          get: async () => "hostile-access-token",
          invalidate: () => {},
          refreshable: false,
        },
        limiter: createRateLimiter({ perMinute: 100_000 }),
        timeoutMs: 10_000,
        maxRetries: 0,
        maxResponseBytes: 4 * 1024 * 1024,
        sleep: async () => {},
      });
    }

    test("pages() takes the first page again at startIndex 201 of 200 as the end, proves the listing and yields no repeat", async () => {
      const { end, ids } = await collect(quirkyClient("library-paging"), "Users");
      expect(end).toMatchObject({ complete: true, reason: null, distinct: 200, pages: 3 });
      expect(ids.length).toBe(200);
      expect(starts(quirky)).toEqual([1, 101, 201]);
    });

    test("pages() proves 3 groups in one request from a server that would answer startIndex 4 with them again", async () => {
      const { end } = await collect(quirkyClient("library-paging"), "Groups");
      expect(end).toMatchObject({ complete: true, distinct: 3, pages: 1 });
      expect(starts(quirky, "/scim/v2/Groups")).toEqual([1]);
    });

    test("pages() still stops a first page served again while announced users are missing", async () => {
      // 200 announced, the server loses its second page: startIndex 101 is answered with page 1.
      const c = quirkyClient("repeat-page");
      const err = await rejection(collect(c, "Users"));
      expect(err).toBeInstanceOf(ListingRunawayError);
      expect(err.message).toContain("with 100 of the 200 announced still missing");
    });
  });
});
