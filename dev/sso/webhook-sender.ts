/**
 * The SSO's webhook sender: every directory change is POSTed to each
 * registered target as `{ id, event, resourceType, resourceId, timestamp,
 * data }`, signed `X-SCIM-Signature: sha256=<hex HMAC-SHA256 of the raw
 * body>`, and retried as the guide configures (maxRetries 3 after the first
 * attempt, retryDelay 1000 ms) on a non-2xx answer or a network error — the
 * same body and id each time. Delivery is asynchronous and unordered across
 * events, as real senders are. It signs with node:crypto on purpose: an
 * implementation independent of the product's WebCrypto verifier.
 *
 * @module
 */
import { createHmac, randomUUID } from "node:crypto";
import type { Change } from "./directory.ts";

export interface WebhookTarget {
  url: string;
  secret: string;
  events?: string[];
}
/** One delivery attempt; `status` is the HTTP status or "error" (network, timeout). */
export interface Delivery {
  id: string;
  url: string;
  event: string;
  attempt: number;
  status: number | "error";
  error?: string;
  at: string;
}
export interface WebhookSenderOptions {
  targets?: WebhookTarget[];
  /** Retries after the first attempt. @default 3 */
  maxRetries?: number;
  /** @default 1000 */
  retryDelayMs?: number;
  /** Per attempt. @default 10000 */
  timeoutMs?: number;
  /** Attempts in flight at once, across targets. @default 8 */
  concurrency?: number;
  clock?: () => number;
}

/**
 * The signature header value for a body.
 *
 * @example
 * ```ts
 * signBody("secret", '{"a":1}'); // "sha256=…64 hex…"
 * ```
 */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/**
 * Creates the sender; subscribe it with `directory.onChange(webhooks.send)`.
 *
 * @example
 * ```ts
 * const webhooks = createWebhookSender({ targets: [{ url, secret }], retryDelayMs: 10 });
 * directory.onChange(webhooks.send);
 * await webhooks.idle();
 * webhooks.deliveries; // [{ id, url, event, attempt: 1, status: 200, at }]
 * ```
 */
export function createWebhookSender(options: WebhookSenderOptions = {}) {
  const targets: WebhookTarget[] = [...(options.targets ?? [])];
  const deliveries: Delivery[] = [];
  const inflight = new Set<Promise<void>>();
  const maxRetries = options.maxRetries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const clock = options.clock ?? Date.now;
  const stop = new AbortController();
  let slots = options.concurrency ?? 8;
  const waiting: (() => void)[] = [];
  const acquire =
    () => (slots > 0 ? (slots--, Promise.resolve()) : new Promise<void>((r) => waiting.push(r)));
  const release = () => (waiting.length > 0 ? waiting.shift()!() : slots++);
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.signal.addEventListener("abort", done);
    });

  async function attempt(
    t: WebhookTarget,
    body: string,
  ): Promise<{ status: number | "error"; error?: string }> {
    await acquire();
    try {
      const res = await fetch(t.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-SCIM-Signature": signBody(t.secret, body),
        },
        body,
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]),
      });
      await res.body?.cancel().catch(() => {});
      return { status: res.status };
    } catch (e) {
      return { status: "error", error: e instanceof Error ? e.message : String(e) };
    } finally {
      release();
    }
  }

  async function deliver(t: WebhookTarget, id: string, event: string, body: string) {
    for (let n = 1; n <= maxRetries + 1 && !stop.signal.aborted; n++) {
      const result = await attempt(t, body);
      deliveries.push({
        id,
        url: t.url,
        event,
        attempt: n,
        ...result,
        at: new Date(clock()).toISOString(),
      });
      if (deliveries.length > 10_000) deliveries.shift(); // a long demo must not grow without bound
      if (typeof result.status === "number" && result.status >= 200 && result.status < 300) return;
      if (n <= maxRetries) await sleep(retryDelayMs);
    }
  }

  const sender = {
    targets,
    deliveries,
    /** Registers a target (a second one with the same URL replaces the first). */
    add(target: WebhookTarget) {
      sender.remove(target.url);
      targets.push(target);
    },
    remove(url: string) {
      const i = targets.findIndex((t) => t.url === url);
      if (i >= 0) targets.splice(i, 1);
    },
    clear() {
      targets.length = 0;
    },
    /** Queues the webhooks of one change; never blocks the caller. */
    send(c: Change) {
      if (stop.signal.aborted || targets.length === 0) return;
      const event = `${c.type.toLowerCase()}.${c.kind}`;
      const id = randomUUID();
      const body = JSON.stringify({
        id,
        event,
        resourceType: c.type,
        resourceId: c.id,
        timestamp: new Date(clock()).toISOString(),
        data: c.resource,
      });
      for (const t of targets) {
        if (t.events && !t.events.includes(event)) continue;
        const p = deliver(t, id, event, body).finally(() => inflight.delete(p));
        inflight.add(p);
      }
    },
    /** Deliveries (with their retries) still running. */
    get pending() {
      return inflight.size;
    },
    /** Resolves when every queued delivery has succeeded or given up. */
    async idle() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    /** Stops sending: aborts attempts in flight and skips remaining retries. */
    async close() {
      stop.abort();
      await sender.idle();
    },
  };
  return sender;
}
export type WebhookSender = ReturnType<typeof createWebhookSender>;
